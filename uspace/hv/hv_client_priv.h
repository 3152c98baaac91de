/* SPDX-License-Identifier: MIT */
/* libnc2hv internals shared by the client source files. */
#ifndef NC2_HV_CLIENT_PRIV_H
#define NC2_HV_CLIENT_PRIV_H

#include <pthread.h>

#include "hv.h"
#include "hv_proto.h"

struct hv_cmap {
	struct hv_cmap *next;
	void *addr;
	unsigned int n;
	uint32_t handles[NC2_HV_MAP_MAX];
};

struct hv_cport {
	int efd;       /* ours, to wait on */
	int peer_fd;   /* the peer's, to notify; -1 until fetched */
	uint32_t gen;  /* bind generation peer_fd belongs to */
};

struct nc2_hv {
	int sock;
	int wsock;
	uint16_t domid;
	/* Serialises requests and all the bookkeeping below. */
	pthread_mutex_t lock;
	uint8_t *mem;
	uint64_t nr_pages;
	uint64_t *page_used;   /* bitmap over mem */
	uint64_t page_hint;
	void *xp[HV_XPAGES_MAX]; /* shareable pages by frame - nr_pages */
	uint8_t *gt;
	int version;
	uint32_t *gref_free;
	uint32_t nr_free;
	struct hv_cmap *maps;
	const uint32_t *evst;
	struct hv_cport ports[NC2_HV_EVTCHN_PORTS];
	uint8_t *rbuf;         /* response buffer */
};

/*
 * One request/response with the daemon, lock held.  The response payload
 * is copied to @out (at most @outmax bytes); received fds go to @ofds.
 */
int hv_call(struct nc2_hv *hv, const struct hv_req *rq, const void *pl,
	    size_t plen, const int *fds, int nfds, struct hv_rsp *rsp,
	    void *out, size_t outmax, int *ofds, int maxofds, int *nofds);

#endif
