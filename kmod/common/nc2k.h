/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nc2k.h - glue between libnc2ring and a Linux net_device, shared by
 * netfront2 and netback2.
 *
 * A channel is one nc2 network link (a parent ring pair, or a bypass ring
 * pair) attached to a net_device. Sending and receiving are the same in
 * both modules: the sender puts headers inline and grants the rest
 * read-only, the receiver copies the fragments with GNTTABOP_copy and
 * FINISHes the ids. Which grants the sender uses depends on what the
 * kernel can create (nc2k_grant_*), never on who is the backend.
 */
#ifndef NC2K_H
#define NC2K_H

#include <linux/bits.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/interrupt.h>
#include <linux/hrtimer.h>
#include <xen/grant_table.h>

#include <nc2/nc2.h>
/*
 * nc2_errno(): library codes lie above MAX_ERRNO and must never reach a
 * probe, ndo or sysfs return, or a %pe, unconverted.
 */
#include <nc2/errno.h>

/* Kbuild.nc2 passes the top-level VERSION; this is for copies without it. */
#ifndef NC2K_VERSION
#define NC2K_VERSION "unknown"
#endif

/* Ids in flight per direction; the peer is told with SET_MAX_OUTSTANDING. */
#define NC2K_IDS		256u
/* Most fragments we ever put in one PACKET (64 KiB densely packed is 16). */
#define NC2K_MAX_SEND_FRAGS	32u
/* Largest ring we map: xenbus_map_ring_valloc() maps at most 16 grants. */
#define NC2K_MAX_RING_ORDER	4u
#define NC2K_MAX_RING_PAGES	BIT(NC2K_MAX_RING_ORDER)
/* Grant copies gathered before one GNTTABOP_copy batch. */
#define NC2K_COPY_BATCH		256u
/* Bytes a sender puts inline beyond the headers it must (cf. netback's 128). */
#define NC2K_TX_PREFIX		128u

/* Counters of the glue itself; the library's own are read in place. */
struct nc2k_counters {
	u64 tx_drop_state;	/* link not up, or in error */
	u64 tx_drop_limit;	/* packet the peer's limits forbid */
	u64 tx_drop_queue;	/* limiter queue cap reached (XSA-392) */
	u64 tx_drop_stalled;	/* peer judged stalled */
	u64 tx_busy;		/* ring, ids or bounce pages ran out */
	u64 tx_bounce_pages;	/* bounce pages filled */
	u64 tx_subpage_grants;	/* sub-page grants created */
	u64 tx_deferred_end;	/* grants the peer still held at FINISH */
	u64 tx_trans_grants;	/* transitive grants created (forwarding) */
	u64 fwd_in;		/* packets forwarded to this peer, no copy */
	u64 fwd_out;		/* packets of this peer forwarded elsewhere */
	u64 fwd_fallback;	/* could not forward: copied instead */
	u64 fwd_filtered;	/* bridge policy in the way: bridged instead */
	u64 fwd_held;		/* completions held: peer kept a grant busy */
	u64 rx_drop_nomem;
	u64 rx_drop_copy;	/* GNTTABOP_copy failed: bad grant from peer */
	u64 rx_drop_csum;	/* checksum/GSO metadata refused by the stack */
	u64 rx_drop_filter;	/* source MAC not the one the peer must use */
	u64 rx_copy_ops;
	u64 rx_copy_bytes;
	u64 rx_throttled;	/* polls cut short by the copy budget */
	u64 events;
	u64 events_late_eoi_delayed;
	u64 finish_deferred;	/* FINISHes postponed for ring room */
	u64 protocol_errors;
	u64 tx_backlog_drops;	/* bypass: backlog full, packet dropped */
	u64 ctl_throttled;	/* polls cut short charging control messages */
	u64 suggest_dropped;	/* SUGGEST_BYPASS hints not acted on */
	u64 grants_retired;	/* grants still busy at their end: retried later */
};

struct nc2k_bounce {
	struct page *page;
	grant_ref_t gref;
	u16 next;		/* free list */
};

#define NC2K_BOUNCE_NONE 0xffffu

/*
 * A packet in flight at the peer. Slots are a pool with a free stack, and
 * a slot's address is the completion token of its packet: the library
 * keeps it with the id and hands it back at FINISH, so nothing here maps
 * ids to slots.
 */
struct nc2k_slot {
	struct nc2k_slot *next_free;	/* on the free stack */
	bool used;		/* between nc2k_slot_get() and release */
	struct sk_buff *skb;	/* held for its sub-page grants, else NULL */
	bool fwd;		/* forwarded: released by fwd->release */
	u32 fwd_lh;		/* forwarded: its entry in the module's ledger */
	u32 fwd_src, fwd_gen;	/* forwarded: its source, the module's names */
	u32 len;		/* bytes charged to the limiter queue */
	u32 subpage;		/* bit i: ref[i] is a grant ref, else bounce */
	u8 nr;			/* entries in ref[] */
	u32 ref[NC2K_MAX_SEND_FRAGS];
};

struct nc2k_chan;

/* What ethtool -S reports of a device's bypass links, summed. */
struct nc2k_bypass_sums {
	u64 tx_packets, rx_packets, links_up;
	u64 tx_subpage_grants, tx_bounce_pages;
	u64 rx_drop_filter;	/* frames from a source the peer may not use */
};

/*
 * Forwarding without a copy (netback2): the module sends other guests'
 * packets to this peer through transitive grants (slot->fwd set, its
 * refs in ref[]) and keeps their grants until they end; a forwarding
 * ledger (nc2/fwdledger.h) says when each source may be answered. The
 * glue calls these and nothing else.
 */
struct nc2k_fwd_ops {
	/* A transitive channel attaches: set up its ledger; nonzero: none. */
	int (*attach)(struct nc2k_chan *ch);
	/*
	 * A packet arrived (lock held, ids not yet answered): return true
	 * if the module took it, id and all, to forward without a copy.
	 */
	bool (*rx)(struct nc2k_chan *ch, const struct nc2_pkt *pkt);
	/*
	 * Each NAPI round, lock held: move forwarding work onto this link
	 * and retry ending the grants the peer held busy.
	 */
	void (*poll)(struct nc2k_chan *ch);
	/* The peer FINISHed a forwarded slot, or the channel goes. */
	void (*release)(struct nc2k_chan *ch, struct nc2k_slot *s);
	/*
	 * The channel is freed (quiesced): give up the packets whose grants
	 * the peer still holds, never answering their sources, and free
	 * what attach set up.
	 */
	void (*detach)(struct nc2k_chan *ch);
};

/* What a module does with the messages the glue does not handle. */
struct nc2k_ops {
	/* A bypass message arrived; called with the channel lock held. */
	void (*bypass_msg)(struct nc2k_chan *ch, const struct nc2_msg *m);
	/* The link failed: the module tears down what it owns. */
	void (*link_failed)(struct nc2k_chan *ch, int err);
	/* Add up the bypass links of this device (struct nc2k_bypass_sums). */
	void (*bypass_stats)(struct nc2k_chan *ch, struct nc2k_bypass_sums *s);
	/* Forwarding between peers without a copy; NULL: none. */
	const struct nc2k_fwd_ops *fwd;
	/*
	 * A decoded packet (lock held, prefix in private memory), before it
	 * is forwarded or copied: test hooks watch what arrives.
	 */
	void (*rx_observe)(struct nc2k_chan *ch, const struct nc2_pkt *pkt);
};

/* Test hooks a hostile-guest build sets on a channel (ch->test). */
#define NC2K_TEST_RX_HOLD	BIT(0)	/* consume nothing, release nothing */
#define NC2K_TEST_NO_RELEASE	BIT(1)	/* consume, never release ring room */

/* Packets a bypass channel queues while its ring is full. */
#define NC2K_BACKLOG_MAX	256u

struct nc2k_chan {
	struct net_device *dev;
	struct napi_struct napi;
	const struct nc2k_ops *ops;
	const char *name;	/* for messages: "parent", "bypass" */
	domid_t peer;		/* receives our grants, owns the ones we copy */
	enum nc2_net_role role;
	bool attached;		/* rings set up, napi registered */
	bool up;		/* link up: xmit allowed */
	bool stopped;		/* we stopped the queue for want of room */
	bool subpage;		/* send fragments through sub-page grants */
	bool transitive;	/* may pass other domains' grants on to peer */
	bool fault_bad_gref;	/* test hook: corrupt the next packet's grant */
	bool keep_bounce;	/* bounce pool outlives detach (same peer) */
	bool peer_stalled;	/* the module judged the peer stalled */
	u8 test;		/* NC2K_TEST_* */
	/*
	 * Serialises everything that touches the producer ring, the id pool,
	 * the peer's limits and the limiter: xmit, NAPI poll, timers.
	 */
	spinlock_t lock;
	struct nc2_net net;
	u32 pool_words[NC2_IDPOOL_WORDS(NC2K_IDS)];
	void *pool_tokens[NC2K_IDS];	/* the slot of each id in flight */
	u32 set_words[NC2_IDSET_WORDS(NC2K_IDS)];
	struct nc2_limiter *lim; /* backend only: the asymmetry limiter */
	const u8 *filter_src;	/* backend: the only source MAC accepted */
	/*
	 * A bypass selected by IP (protocol 10.5): only frames from these
	 * addresses are accepted. Published with smp_store_release() once
	 * complete; filter_ip_on without it yet means accept nothing.
	 */
	bool filter_ip_on;
	const struct nc2_bypass_addrs *filter_ip;

	unsigned int irq;
	atomic_t eoi_pending;	/* an event waits for xen_irq_lateeoi() */
	bool had_work;		/* since the last EOI */
	struct hrtimer eoi_timer; /* delayed EOI for event storms */
	struct hrtimer resume_timer; /* copy budget refilled: poll again */

	/* sending */
	struct nc2k_slot *slot_pool;	/* NC2K_IDS, while attached */
	struct nc2k_slot *slot_free;	/* free stack, through next_free */
	struct nc2k_bounce *bounce;
	unsigned int nr_bounce;
	unsigned int bounce_avail;
	u16 bounce_free;
	domid_t bounce_peer;		/* the pool is granted to this domain */
	grant_ref_t gref_head;		/* refs for sub-page/transitive grants */
	bool have_gref_head;
	unsigned int refs_claimed;	/* from gref_head, not yet given back */
	/*
	 * A bypass channel shares its net_device with the parent and the
	 * other bypasses: a full ring queues here instead of stopping the
	 * device, so one peer cannot block traffic to everybody else.
	 */
	struct sk_buff_head backlog;
	u8 inl[NC2_MAX_INLINE_LIMIT];	/* inline bytes being encoded */
	struct nc2_pkt txpkt;

	/* receiving (NAPI context only) */
	struct nc2_pkt rxpkt;
	u8 rxinl[NC2_MAX_INLINE_LIMIT];	/* rxpkt's prefix, read once */
	struct gnttab_copy copy[NC2K_COPY_BATCH];
	struct sk_buff *pending[NAPI_POLL_WEIGHT];
	u16 pending_ops[NAPI_POLL_WEIGHT]; /* first copy op of each */
	u32 pending_id[NAPI_POLL_WEIGHT];
	bool pending_has_id[NAPI_POLL_WEIGHT];
	unsigned int nr_pending, nr_copy;
	struct nc2_finq finq;		/* received ids awaiting FINISH */
	u32 finq_ids[NC2K_IDS];
	u32 tx_cons_seen;		/* peer's ring consumption, last tick */

	u32 bypass_state;		/* the module's, for ethtool -S */
	u32 bypass_count;
	u32 last_offloads;		/* peer's, as last applied to features */
	u32 last_max_frags;
	struct work_struct features_work;
	struct nc2k_counters cnt;
};

/* Rings as the module set them up (granted by us, or mapped from the peer). */
struct nc2k_rings {
	struct nc2_wire_ctrl *tx_ctrl;
	void *tx_ring;
	struct nc2_wire_ctrl *rx_ctrl;
	const void *rx_ring;
	u32 ring_bytes;
};

/* Grants we can create, probed once at module load. */
struct nc2k_grant_caps {
	bool subpage;		/* v2 sub-page grants (needs the kernel patch) */
	bool transitive;	/* v2 transitive grants (needs the kernel patch) */
};

extern struct nc2k_grant_caps nc2k_caps;
void nc2k_grant_probe(void);
int nc2k_grant_subpage(grant_ref_t ref, domid_t domid, struct page *page,
		       unsigned int off, unsigned int len);
int nc2k_grant_transitive(grant_ref_t ref, domid_t domid, domid_t trans_domid,
			  grant_ref_t trans_gref);

/*
 * What this module holds of Linux's grant refs and pages for its peers,
 * so that a test can tell that nothing leaks (module parameters
 * grefs_out, pages_out). Refs reserved in a channel's head count whole.
 */
struct nc2k_acct {
	atomic_long_t grefs;
	atomic_long_t pages;
	atomic_long_t retired;	/* of which wait for a busy peer */
};

extern struct nc2k_acct nc2k_acct;

/*
 * End ref, whichever kind it is, then free what it covered: page (may be
 * NULL) is put, skb (may be NULL) is released, and the ref goes back to
 * Linux. If the peer still has it busy, all of it waits on a retry list
 * (Linux's own deferral reads a page from the entry, which for a
 * transitive grant is another domain's ref). Any context.
 */
void nc2k_grant_retire(grant_ref_t ref, struct page *page,
		       struct sk_buff *skb);
/* Module exit: wait a while for retired grants, then let go. May sleep. */
void nc2k_grant_exit(void);

/*
 * Channel life cycle. init prepares a zeroed channel; attach binds the
 * rings and queues the handshake (the caller then binds the irq and calls
 * nc2k_chan_kick); stop and detach undo attach and may sleep.
 */
void nc2k_chan_init(struct nc2k_chan *ch, struct net_device *dev,
		    const struct nc2k_ops *ops, const char *name);
int nc2k_chan_attach(struct nc2k_chan *ch, enum nc2_net_role role,
		     domid_t peer, const struct nc2k_rings *r,
		     bool peer_copy_only, unsigned int nr_bounce);
void nc2k_chan_kick(struct nc2k_chan *ch);
/* Quiesce (NAPI off, timers off) before unbinding the irq. */
void nc2k_chan_stop(struct nc2k_chan *ch);
/* Stop if needed, then end every grant and free every page. */
void nc2k_chan_detach(struct nc2k_chan *ch);
irqreturn_t nc2k_chan_interrupt(int irq, void *dev_id);

/* Send skb (consumed unless NETDEV_TX_BUSY). */
netdev_tx_t nc2k_chan_xmit(struct nc2k_chan *ch, struct sk_buff *skb);
/* Tell the peer about what was pushed onto the ring (lock held). */
void nc2k_tx_notify(struct nc2k_chan *ch);
/*
 * End the refs that have ended at the peer, keeping the rest first in
 * ref[] (lock held); returns how many remain.
 */
u32 nc2k_end_refs(struct nc2k_chan *ch, grant_ref_t *ref, u32 nr);

/*
 * A slot for a packet about to be sent (lock held), NULL if none is free;
 * its address is the token given to nc2_net_send_packet(). A slot not
 * sent after all goes back with nc2k_slot_put(); one sent comes back at
 * FINISH, or when the channel is detached, through the slot release.
 */
struct nc2k_slot *nc2k_slot_get(struct nc2k_chan *ch);
void nc2k_slot_put(struct nc2k_chan *ch, struct nc2k_slot *s);

/* Answer one of the peer's ids later, from fwd->poll (lock held). */
void nc2k_chan_finish_id(struct nc2k_chan *ch, u32 id);
/* Free the bounce pool a keep_bounce channel kept; the channel is gone. */
void nc2k_chan_destroy(struct nc2k_chan *ch);
/* Schedule the channel's NAPI poll if it is attached. */
void nc2k_chan_schedule(struct nc2k_chan *ch);

/* Stop the channel after a protocol error: carrier off, counters. */
void nc2k_chan_failed(struct nc2k_chan *ch, int err);

/* Common net_device and ethtool glue; the chan is first in netdev_priv. */
netdev_features_t nc2k_fix_features(struct net_device *dev,
				    netdev_features_t features);
netdev_features_t nc2k_features_check(struct sk_buff *skb,
				      struct net_device *dev,
				      netdev_features_t features);
void nc2k_setup_netdev(struct net_device *dev);
extern const struct ethtool_ops nc2k_ethtool_ops;

#endif /* NC2K_H */
