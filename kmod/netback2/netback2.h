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
	unsigned int bp_queued;		/* bypass messages queued, nb2_events_lock */
	u32 bp_key;			/* its name in nc2/steer.h; nb2_lock */
	struct ratelimit_state suggest_rs; /* SUGGEST_BYPASS log lines */
};

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

#endif /* NETBACK2_H */
