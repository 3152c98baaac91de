/* SPDX-License-Identifier: MIT */
/* nc2-hv daemon internals.  Single-threaded: no locking anywhere. */
#ifndef NC2_HVD_H
#define NC2_HVD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hv.h"
#include "hv_proto.h"

#define HVD_MAX_DOMS 256u
#define HVD_MAX_MAPPINGS 8192u

/*
 * Daemon-private state of a pinned grant, like Xen's active entry.  While
 * pinned, the frame and range are cached so the granter rewriting its
 * shared entry cannot redirect an ongoing use.
 */
struct hvd_active {
	uint32_t rd, wr;
	uint64_t frame;
	uint16_t lo, hi;     /* accessible byte range within the page */
	uint16_t trans_dom;  /* valid if trans */
	uint32_t trans_ref;
	bool trans;
	uint8_t kind;        /* full page, sub-page or transitive */
};

/* A shareable page: its own one-page memfd so it can be handed out alone. */
struct hvd_xpage {
	int fd;
	uint8_t *va;
	ino_t ino;
	dev_t dev;
	bool freed;          /* guest freed it but a peer still maps it */
};

struct hvd_port {
	uint8_t state;       /* NC2_HV_EVTCHN_* */
	uint16_t rdom;
	uint32_t rport;
	uint32_t gen;        /* bumped at each (re)bind, for client caches */
	int efd;             /* eventfd the owner waits on */
};

struct hvd_dom {
	uint16_t id;
	pid_t pid;
	int sock;            /* request socket */
	int wsock;           /* our end of the watch event socket */
	uint8_t *mem;
	uint64_t nr_pages;
	uint8_t *gt;         /* shared grant table, written by the guest */
	int version;
	struct hvd_active *act;
	struct hvd_xpage xp[HV_XPAGES_MAX];
	struct hvd_port ports[NC2_HV_EVTCHN_PORTS];
	uint32_t *evst;      /* shared port status words, read-only to guest */
	uint64_t watch_drops;
};

/* A pinned reference to some byte range of a domain's page. */
struct hvd_pin {
	struct hvd_dom *d;
	uint32_t ref;
	bool write;
	bool held;
};

/* Result of acquiring a grant: up to two pins (transitive) and the bytes. */
struct hvd_acq {
	struct hvd_pin pin[2];
	uint8_t *page;
	uint16_t lo, hi;
	struct hvd_xpage *xp; /* non-NULL if the frame is shareable */
};

extern struct hvd_dom *hvd_doms[HVD_MAX_DOMS];
extern unsigned int hvd_copy_delay_ms;

static inline struct hvd_dom *hvd_dom_get(uint32_t domid)
{
	return domid < HVD_MAX_DOMS ? hvd_doms[domid] : NULL;
}

/* hvd_grant.c */
uint8_t *hvd_frame_va(struct hvd_dom *d, uint64_t frame,
		      struct hvd_xpage **xp);
int hvd_grant_acquire(struct hvd_dom *granter, uint32_t ref, uint16_t caller,
		      bool write, bool for_map, struct hvd_acq *acq);
void hvd_grant_release(struct hvd_acq *acq);
int hvd_grant_set_version(struct hvd_dom *d, int version);
void hvd_copy(struct hvd_dom *d, struct nc2_hv_copy_op *ops, unsigned int n);

/* hvd_map.c */
int hvd_map(struct hvd_dom *d, uint16_t granter, bool ro, const uint32_t *refs,
	    unsigned int n, struct hv_map_res *res, int *fds);
void hvd_unmap(struct hvd_dom *d, const uint32_t *handles, unsigned int n,
	       int16_t *status);
int hvd_xpage_register(struct hvd_dom *d, int fd, uint64_t *frame);
int hvd_xpage_unregister(struct hvd_dom *d, uint64_t frame);
void hvd_map_dom_dead(struct hvd_dom *d);

/* hvd_evtchn.c */
int hvd_evt_alloc(struct hvd_dom *d, uint16_t remote, int *efd);
int hvd_evt_bind(struct hvd_dom *d, uint16_t rdom, uint32_t rport, int *fds);
int hvd_evt_peerfd(struct hvd_dom *d, uint32_t port, int *fd, uint32_t *gen);
int hvd_evt_close(struct hvd_dom *d, uint32_t port);
void hvd_evt_dom_dead(struct hvd_dom *d);

/* hvd_store.c */
void hvd_store_init(void);
/* Handle a store op; reply payload to @out (HV_MSG_MAX bytes), len to *olen. */
int hvd_store_op(struct hvd_dom *d, const struct hv_req *rq, const char *buf,
		 size_t len, char *out, uint32_t *olen, uint32_t *oa);
void hvd_store_dom_new(struct hvd_dom *d);
void hvd_store_dom_dead(struct hvd_dom *d);

#endif
