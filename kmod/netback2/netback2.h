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
	/* Forwarded packets' grants (netback2_fwd_grant.c); ch.lock. */
	struct nc2k_held *held_pool;	/* NC2K_IDS, while transitive */
	struct list_head held_free;
	struct list_head held;		/* forwarded: grants still busy */
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
void nb2_fwd_done(struct nc2k_chan *ch, void *cookie);
void nb2_fwd_abandon(struct nc2k_chan *ch, void *cookie);
void nb2_fwd_poll(struct nc2k_chan *ch);
void nb2_fwd_exit(void);

/* Grants of forwarded packets (netback2_fwd_grant.c); ops for the glue. */
extern const struct nc2k_fwd_ops nb2_fwd_ops;
/*
 * Forwarding (lock held): send pkt, whose fragments are grants of domain
 * owner, through transitive grants to our peer; the peer copies straight
 * from owner. 0 on success (nb2_fwd_done(cookie) follows the peer's
 * FINISH), -EAGAIN when out of room, other errors when pkt cannot go.
 */
int nb2_fwd_send(struct nc2k_chan *ch, const struct nc2_pkt *pkt,
		 domid_t owner, void *cookie);
/* Retry ending grants the peer held busy (lock held): true if any ended. */
bool nb2_fwd_reap(struct nc2k_chan *ch);
/*
 * The source domain of some forwarded packets is going away: end every
 * transitive grant of ours that match(cookie, arg) selects, now, so the
 * peer can no longer read through them, and abandon those packets once
 * their FINISH comes. Waits out grants the peer keeps busy. May sleep.
 */
void nb2_fwd_revoke(struct nc2k_chan *ch,
		    bool (*match)(void *cookie, void *arg), void *arg);

#endif /* NETBACK2_H */
