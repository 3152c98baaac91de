/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netback2_bp.h - what the two halves of bypass steering share: the
 * sequence and its messages (netback2_bypass.c), and the policy and
 * traffic reports (netback2_bypass_policy.c). Both under nb2_lock.
 */
#ifndef NETBACK2_BP_H
#define NETBACK2_BP_H

#include <nc2/steer.h>

#include "netback2.h"

#define NB2_BYPASS_DIR NC2_XS_BYPASS_DIR
/*
 * Bypass messages of one guest waiting for nb2_event_work. An honest
 * guest answers one step at a time for each bypass it is in; more than
 * this in the queue is a flood, and fails its link.
 */
#define NB2_BP_QUEUE_MAX 32u
/* How often the library's deadlines are applied while any is pending. */
#define NB2_BP_TICK (HZ / 10)
/* Bypasses at once, all guests together. */
#define NB2_BP_SLOTS 64u

/*
 * The sequence itself (who is owed which message, which answer is
 * allowed, the deadlines) is the library's (nc2/steer.h); here are the
 * xenstore side and the I/O. Slot i of nb2_steer has nb2_bp[i] beside it.
 */
struct nb2_bp {
	struct nb2_vif *end[2];		/* A, B; NULL once gone */
	domid_t a, b;
	bool auto_origin;		/* requested by netback2_auto.c */
	bool again;			/* enable asked while going down */
	u64 traffic_shown;		/* nc2_steer_last_traffic() written */
	char dir[48];
};

extern struct nc2_steer nb2_slot[NB2_BP_SLOTS];
extern struct nb2_bp nb2_bp[NB2_BP_SLOTS];
extern struct nc2_steer_table nb2_steer;	/* nb2_lock */

u64 nb2_now(void);
struct nb2_bp *nb2_priv(const struct nc2_steer *s);
struct nc2_steer *nb2_find_pair(domid_t a, domid_t b);
unsigned int nb2_count(struct nb2_vif *vif);
void nb2_disable(struct nc2_steer *s);
void nb2_policy_fn(struct work_struct *w);

#endif /* NETBACK2_BP_H */
