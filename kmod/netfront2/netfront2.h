/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netfront2.h - state of one vif2 frontend device.
 */
#ifndef NETFRONT2_H
#define NETFRONT2_H

#include <linux/workqueue.h>
#include <xen/xenbus.h>

#include <nc2/bpend.h>
#include <nc2/traffic.h>

#include "nc2k.h"

#define NF2_MAX_BYPASSES 8
/* Pages end B maps: the control page and both rings. */
#define NF2_MAP_MAX (1 + 2 * NC2_BYPASS_MAX_PAGES)

/* Another guest's granted pages, mapped contiguously (netfront2_map.c). */
struct nf2_map {
	void *va;			/* NULL until mapped */
	unsigned int n;
	bool pv;			/* mapped through the vmap area's PTEs */
	u64 mapped;			/* bit i: entry i is mapped */
	struct page *pages[NF2_MAP_MAX];
	grant_handle_t handle[NF2_MAP_MAX];
	u64 addr[NF2_MAP_MAX];		/* host_addr each was mapped at */
};

/* Map refs[0..n) of domain dom at m->va, all or nothing; may sleep. */
int nf2_map_grants(struct nf2_map *m, domid_t dom, const grant_ref_t *refs,
		   unsigned int n);
/* Undo nf2_map_grants (a no-op on a zeroed map). */
void nf2_unmap_grants(struct nf2_map *m);

/*
 * The resources of one private ring pair to another guest; its protocol
 * state is info->ends[] at the same index (nc2/bpend.h).
 */
struct nf2_bypass {
	struct nc2k_chan *ch;		/* NULL: none built */
	u32 handle;
	u8 mac[ETH_ALEN];		/* the peer's: packets to it go here */
	domid_t peer;
	bool granter;			/* we are end A: our pages, our grants */
	bool dead;			/* being released: route nothing here */
	bool flushing;			/* DISABLED sent, held ones still going */
	struct sk_buff_head held;	/* under bypass_lock */
	unsigned int pages;
	/* A: our pages, granted to the peer */
	void *ctrl, *ring_ab, *ring_ba;
	grant_ref_t ctrl_ref, refs[2 * NC2_BYPASS_MAX_PAGES];
	bool ctrl_granted;
	unsigned int nr_refs;		/* refs[] granted so far */
	/* B: the peer's control page, A-to-B ring, B-to-A ring, in a row */
	struct nf2_map map;
	unsigned int irq;
};

struct nf2_info {
	struct nc2k_chan ch;		/* first: netdev_priv() is the channel */
	struct xenbus_device *xbdev;
	struct work_struct fail_work;
	unsigned int ring_order;
	void *ctrl;
	void *tx_ring;
	void *rx_ring;
	grant_ref_t ctrl_ref;
	grant_ref_t tx_refs[NC2K_MAX_RING_PAGES];
	grant_ref_t rx_refs[NC2K_MAX_RING_PAGES];

	/* bypass: messages are decoded in NAPI, acted on in bypass_work */
	struct work_struct bypass_work;
	struct delayed_work gate_work;	/* switching onto a bypass (10.3) */
	struct delayed_work traffic_work; /* bypass-traffic for the backend */
	char traffic_last[NC2_TRAFFIC_MAX_TEXT];
	spinlock_t bypass_lock;		/* msgq and bypass[].enabled */
	struct nc2_bypass_msg msgq[32];
	unsigned int msgq_head, msgq_len;
	struct mutex bypass_mutex;	/* set-up and tear-down */
	struct nf2_bypass bypass[NF2_MAX_BYPASSES];
	/* The sequence's state of each, changed under both locks above. */
	struct nc2_bpend ends[NF2_MAX_BYPASSES];
	struct nc2_bpend_table bpt;
	struct list_head hostile_node;	/* netfront2_hostile.c's devices */
};

void nf2_bypass_init(struct nf2_info *info);
void nf2_bypass_msg(struct nc2k_chan *ch, const struct nc2_msg *m);
/* The channel for skb, or NULL if the route kept (held or freed) it. */
struct nc2k_chan *nf2_bypass_route(struct nf2_info *info,
				   struct sk_buff *skb);
void nf2_bypass_teardown_all(struct nf2_info *info);
void nf2_bypass_suspend(struct nf2_info *info);
void nf2_bypass_destroy(struct nf2_info *info);
void nf2_bypass_stats(struct nc2k_chan *parent, struct nc2k_bypass_sums *s);

/* Between the bypass files: the sequence (netfront2_bypass.c)... */
u64 nf2_now(void);
void nf2_bp_publish(struct nf2_info *info);
/* ...the resources, under bypass_mutex (netfront2_bypass_setup.c)... */
void nf2_bp_release(struct nf2_info *info, unsigned int idx);
int nf2_bp_grant(struct nf2_info *info, unsigned int idx);
int nf2_bp_map(struct nf2_info *info, unsigned int idx);
/* ...and the traffic report (netfront2_traffic.c). */
void nf2_traffic_fn(struct work_struct *w);

/* Test hooks of a hostile guest (netfront2_hostile.c). */
void nf2_hostile_init(void);
void nf2_hostile_exit(void);
void nf2_hostile_add(struct nf2_info *info);
void nf2_hostile_del(struct nf2_info *info);
void nf2_hostile_observe(struct nc2k_chan *ch, const struct nc2_pkt *pkt);
/* One reconnect cycle, as a guest restarting its frontend does. */
int nf2_hostile_reconnect(struct nf2_info *info);

#endif /* NETFRONT2_H */
