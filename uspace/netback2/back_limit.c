// SPDX-License-Identifier: MIT
/*
 * Limiter verdicts the backend acts on. Copy and event verdicts simply
 * delay polling that frontend (back_fwd.c, main.c); response credit holds
 * its FINISHes back (chan.c). Here: a frontend that leaves our ring
 * unconsumed, or holds our data, and consumes below the floor for a whole
 * window is stalled (XSA-392): its carrier goes down, everything queued
 * for it is dropped and new traffic to it is refused until it makes
 * progress again.
 */
#include <stdio.h>

#include <nc2/xenbus.h>
#include "back.h"
#include "util.h"
#include "xs.h"

void back_carrier(struct vif *v, bool on)
{
	if (v->carrier == on)
		return;
	v->carrier = on;
	logi("dom%u: carrier %s (held %u bytes for it)", v->domid,
	     on ? "on" : "off, stalled", nc2_limiter_queued(&v->lim));
	xs_printf(B->hv, v->bdir, NC2_XS_CARRIER, "%d", on);
	if (on)
		return;
	v->st.stalls++;
	back_vif_drop_queue(v);
	back_vif_orphan(v);
}

/*
 * Progress is what the frontend consumed of our send ring (its released
 * index, read and checked by the link), not what it FINISHed: a guest can
 * FINISH every packet and never free ring space. FINISHed bytes still
 * count for data held off the ring (fwd_done).
 */
void back_limit_tick(uint64_t now)
{
	for (int i = 0; i < BACK_VIFS; i++) {
		struct vif *v = &B->vif[i];
		struct nc2_link *l = nc2_net_link(&v->ch.net);
		uint32_t unconsumed;
		int err;

		if (!v->used || !v->ch.live || v->failed)
			continue;
		unconsumed = nc2_link_tx_unconsumed(l);
		err = nc2_link_error(l);
		if (err) {
			vif_fail(v, err);
			continue;
		}
		nc2_limiter_ring(&v->lim, nc2_link_tx_consumed(l), unconsumed);
		back_carrier(v, !nc2_limiter_stalled(&v->lim, now));
	}
}

void back_stats(void)
{
	logi("stats: tap rx %llu tx %llu, drops %llu, copy errors %llu, "
	     "transitive grants %llu",
	     (unsigned long long)B->st.tap_rx, (unsigned long long)B->st.tap_tx,
	     (unsigned long long)B->st.drops,
	     (unsigned long long)B->st.copy_errors,
	     (unsigned long long)B->st.trans_grants);
	for (int i = 0; i < BACK_VIFS; i++) {
		struct vif *v = &B->vif[i];
		struct nc2_limiter_stats *ls = &v->lim.stats;

		if (!v->used)
			continue;
		logi("stats dom%u: rx %llu tx %llu drops %llu copy_errors %llu "
		     "queued_bytes %u qlen %u carrier %d stalls %llu "
		     "events %llu spurious %llu delayed %llu "
		     "queue_drops %llu copy_throttled %llu",
		     v->domid, (unsigned long long)v->st.rx_pkts,
		     (unsigned long long)v->st.tx_pkts,
		     (unsigned long long)v->st.drops,
		     (unsigned long long)v->st.copy_errors,
		     nc2_limiter_queued(&v->lim), v->qlen, v->carrier,
		     (unsigned long long)ls->stalls,
		     (unsigned long long)ls->events,
		     (unsigned long long)ls->events_spurious,
		     (unsigned long long)ls->events_delayed,
		     (unsigned long long)ls->queue_drops,
		     (unsigned long long)ls->copy_throttled);
	}
}
