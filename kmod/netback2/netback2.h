/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netback2.h - state of one vif2 backend device.
 */
#ifndef NETBACK2_H
#define NETBACK2_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/workqueue.h>
#include <xen/xenbus.h>

#include "nc2k.h"

struct nb2_busy;

struct nb2_vif {
	struct nc2k_chan ch;		/* first: netdev_priv() is the channel */
	struct xenbus_device *xbdev;
	struct nc2_limiter lim;
	domid_t domid;
	unsigned int handle;
	u8 guest_mac[ETH_ALEN];		/* the frontend's, from xenstore */
	bool local_trusted;		/* may send any source MAC on a bypass */
	bool remote_trusted;
	bool filter_mac;		/* drop frames not from guest_mac */
	unsigned int max_bypasses;
	/*
	 * bypass-allow, the toolstack's word on which guests this one may
	 * share a bypass with (nb2_lock). Re-read on every change of the
	 * key (policy_watch); a bypass it no longer allows is torn down.
	 */
	struct nc2_policy bp_policy;
	/*
	 * The guest's addresses from the toolstack's "ip" key (a routed
	 * vif): a bypass to it is selected by IP (protocol 10.5).
	 */
	struct nc2_bypass_addrs addrs;
	struct nc2_flowmeter meter;	/* automatic bypass; ch.lock */
	struct xenbus_watch policy_watch;
	bool connected;
	bool stalled;			/* carrier off: the guest stopped */
	unsigned int ring_order;
	void *ctrl, *tx_ring, *rx_ring;	/* mapped from the frontend */
	struct delayed_work tick;	/* stall judgement, xenstore stats */
	unsigned int ticks;
	struct work_struct fail_work;
	struct mutex state_lock;	/* xenbus state changes, fail_work */
	struct list_head node;		/* nb2_vifs, under nb2_lock */
	struct nb2_fwd *fwd;		/* receiver-copy forwarding endpoint */
	/*
	 * Packets forwarded to this guest (netback2_fwd_grant.c), under
	 * ch.lock (at detach the channel is quiesced and off nb2_vifs): the
	 * ledger that says when each source may be answered, and the refs
	 * the guest kept busy past its FINISH, retried until they end.
	 */
	struct nc2_fwdledger led;
	struct nc2_fwd_entry led_ents[NC2K_IDS];
	struct nb2_busy *busy_pool;	/* NC2K_IDS, while transitive */
	struct list_head busy_free;
	struct list_head busy;		/* refs still busy, oldest first */
	unsigned int bp_queued;		/* bypass messages queued, nb2_events_lock */
	u32 bp_key;			/* its name in nc2/steer.h; nb2_lock */
	struct ratelimit_state suggest_rs; /* SUGGEST_BYPASS log lines */
};

/* A vif's tick: stall judgement, forwarded grants, stats. */
#define NB2_TICK (HZ / 4)

/* The net_device side (netback2_interface.c). */
extern const u8 nb2_dev_addr[ETH_ALEN];
extern const struct nc2k_ops nb2_chan_ops;
extern const struct net_device_ops nb2_netdev_ops;
void nb2_tick(struct work_struct *w);
void nb2_fail_work(struct work_struct *w);

/* The xenbus side: probe, remove, the state machine (netback2_xenbus.c). */
extern struct xenbus_driver nb2_driver;

/* Every connected vif, so that bypass requests can find both ends. */
extern struct list_head nb2_vifs;
extern struct mutex nb2_lock;

int nb2_bypass_start(void);
void nb2_bypass_stop(void);
void nb2_bypass_msg(struct nc2k_chan *ch, const struct nc2_msg *m);
void nb2_bypass_vif_gone(struct nb2_vif *vif);
void nb2_bypass_tick(struct nb2_vif *vif);
void nb2_bypass_policy_read(struct nb2_vif *vif);
void nb2_bypass_auto_locked(struct nb2_vif *from, struct nb2_vif *to);

/* Automatic bypass (netback2_auto.c). */
void nb2_auto_start(struct nb2_vif *vif, unsigned int ticks_per_sec);
void nb2_auto_observe(struct nc2k_chan *ch, const struct nc2_pkt *pkt);
void nb2_auto_tick(struct nb2_vif *vif);
void nb2_bypass_policy_changed(struct xenbus_watch *watch, const char *path,
			       const char *token);

/* Receiver-side copy between guests (netback2_fwd.c). */
int nb2_fwd_start(struct nb2_vif *vif);
void nb2_fwd_stop(struct nb2_vif *vif);
void nb2_fwd_release(struct nb2_vif *vif);
bool nb2_fwd_rx(struct nc2k_chan *ch, const struct nc2_pkt *pkt);
/*
 * A ledger's verdicts on a source (its handle src and generation gen, as
 * given to nb2_fwd_send): answer its id now (if it is still that
 * connection and alive), or forget the packet unanswered. Either way it
 * no longer counts against the source's forwarding budget. Any context.
 */
void nb2_fwd_answer(u32 src, u32 gen, u32 id);
void nb2_fwd_forget(u32 src, u32 gen);
void nb2_fwd_poll(struct nc2k_chan *ch);
void nb2_fwd_exit(void);

/* Grants of forwarded packets (netback2_fwd_grant.c); ops for the glue. */
extern const struct nc2k_fwd_ops nb2_fwd_ops;
/*
 * Forwarding (lock held): send pkt, whose fragments are grants of domain
 * owner, through transitive grants to our peer; the peer copies straight
 * from owner. src and gen name the source for the ledger. 0 when sent:
 * if pkt has an id, the ledger now owes the source its answer
 * (nb2_fwd_answer, or nb2_fwd_forget); 1 when dropped with the answer
 * likewise owed by the ledger; -EAGAIN when out of room (nothing owed,
 * try again); other errors when pkt cannot go and the caller answers.
 */
int nb2_fwd_send(struct nc2k_chan *ch, const struct nc2_pkt *pkt,
		 domid_t owner, u32 src, u32 gen);
/* Retry ending grants the peer held busy (lock held): true if any ended. */
bool nb2_fwd_reap(struct nc2k_chan *ch);
/*
 * Source src (nb2_fwd_send's name) is going away: end every transitive
 * grant of ours into its memory now, so the peer can no longer read
 * through them (busy ones are retired), and never answer its packets.
 * Takes ch->lock.
 */
void nb2_fwd_revoke(struct nc2k_chan *ch, u32 src);

#endif /* NETBACK2_H */
