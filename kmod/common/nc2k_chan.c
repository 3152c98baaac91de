// SPDX-License-Identifier: GPL-2.0-only
/*
 * nc2k_chan.c - one nc2 network link on a net_device: its life cycle
 * (init, attach, stop, detach), its event channel, the NAPI poll loop
 * and its timers. Sending is nc2k_tx.c, receiving nc2k_rx.c, what we
 * lend the peer nc2k_bounce.c. Every protocol rule is libnc2ring's.
 */
#include <linux/rtnetlink.h>
#include <linux/vmalloc.h>
#include <xen/events.h>

#include "nc2k.h"
#include "nc2k_priv.h"

/* Refs reserved per channel for sub-page grants of skb fragments. */
#define NC2K_SUBPAGE_REFS 1024u

void nc2k_chan_failed(struct nc2k_chan *ch, int err)
{
	if (!ch->up && ch->cnt.protocol_errors)
		return;
	ch->up = false;
	ch->cnt.protocol_errors++;
	/* A failed bypass leaves the parent ring, and the carrier, alone. */
	if (ch->role != NC2_ROLE_PEER)
		netif_carrier_off(ch->dev);
	netdev_err(ch->dev, "%s link failed: %s (%u)\n", ch->name,
		   nc2_strerror(err), nc2_err_to_wire(err));
	if (ch->ops && ch->ops->link_failed)
		ch->ops->link_failed(ch, err);
}

static void link_up(struct nc2k_chan *ch)
{
	const struct nc2_net_limits *peer = nc2_net_peer_limits(&ch->net);
	struct nc2_link *l = nc2_net_link(&ch->net);

	if (!ch->up && nc2_link_state(l) == NC2_LINK_UP) {
		netdev_info(ch->dev, "%s link to domain %u up (%s)\n", ch->name,
			    ch->peer, ch->subpage ? "sub-page grants" :
			    "bounce pages");
		ch->up = true;
		netif_carrier_on(ch->dev);
		netif_wake_queue(ch->dev);
	}
	/* The peer's limits only grow; follow them with our features. */
	if (ch->up && (peer->offloads != ch->last_offloads ||
		       peer->max_frags != ch->last_max_frags)) {
		ch->last_offloads = peer->offloads;
		ch->last_max_frags = peer->max_frags;
		schedule_work(&ch->features_work);
	}
}

static void eoi(struct nc2k_chan *ch)
{
	u64 delay = 0;
	bool work;

	if (!atomic_xchg(&ch->eoi_pending, 0))
		return;
	spin_lock_bh(&ch->lock);
	work = ch->had_work;
	ch->had_work = false;
	if (ch->lim)
		delay = nc2_limiter_event(ch->lim, work);
	spin_unlock_bh(&ch->lock);
	if (delay) {
		/* An event storm: keep the channel masked a while (XSA-332). */
		ch->cnt.events_late_eoi_delayed++;
		atomic_set(&ch->eoi_pending, 1);
		hrtimer_start(&ch->eoi_timer, ns_to_ktime(delay),
			      HRTIMER_MODE_REL_SOFT);
		return;
	}
	xen_irq_lateeoi(ch->irq, work ? 0 : XEN_EOI_FLAG_SPURIOUS);
}

static int nc2k_poll(struct napi_struct *napi, int budget)
{
	struct nc2k_chan *ch = container_of(napi, struct nc2k_chan, napi);
	const struct nc2k_fwd_ops *fwd = nc2k_fwd_ops(ch);
	struct nc2_link *l = nc2_net_link(&ch->net);
	bool throttled = false, notify;
	int work = 0, ret, err = 0;

	/* Test hook: a guest that stopped consuming altogether. */
	if (unlikely(READ_ONCE(ch->test) & NC2K_TEST_RX_HOLD)) {
		napi_complete_done(napi, 0);
		eoi(ch);
		return 0;
	}
	do {
		spin_lock(&ch->lock);
		ret = nc2k_rx_pull(ch, budget, &work, &throttled);
		if (ret < 0 && ret != -NC2_E_AGAIN)
			err = ret;
		link_up(ch);
		spin_unlock(&ch->lock);

		nc2k_rx_flush(ch);

		spin_lock(&ch->lock);
		if (fwd)
			fwd->poll(ch);
		nc2k_rx_finish(ch);
		/* Both must run: one event covers released room and new FINISHes. */
		notify = false;
		if (likely(!(ch->test & NC2K_TEST_NO_RELEASE)))
			notify = nc2_link_release(l) > 0;
		notify |= nc2_link_push(l) > 0;
		if (notify)
			notify_remote_via_irq(ch->irq);
		nc2k_wake_if_room(ch);
		spin_unlock(&ch->lock);
	} while (ret == 1 && work < budget);

	if (err) {
		if (err == -NC2_E_CLOSED) {
			ch->up = false;
			if (ch->role != NC2_ROLE_PEER)
				netif_carrier_off(ch->dev);
		} else if (nc2_is_protocol_error(err)) {
			nc2k_chan_failed(ch, err);
		}
	}
	if (work >= budget)
		return budget;
	if (!napi_complete_done(napi, work))
		return work;
	/*
	 * Poll again only for new messages. FINISHes still owed wait for
	 * the event that brings ring room or credit (nc2k_rx_finish).
	 */
	if (!err && !throttled) {
		spin_lock(&ch->lock);
		if (nc2_link_rearm(l) > 0)
			napi_schedule(napi);
		spin_unlock(&ch->lock);
	}
	/* Throttled: the event stays masked until resume_timer polls again. */
	if (!throttled)
		eoi(ch);
	return work;
}

void nc2k_chan_schedule(struct nc2k_chan *ch)
{
	if (READ_ONCE(ch->attached))
		napi_schedule(&ch->napi);
}

irqreturn_t nc2k_chan_interrupt(int irq, void *dev_id)
{
	struct nc2k_chan *ch = dev_id;

	/*
	 * Binding can deliver an event (Xen marks a freshly bound
	 * interdomain port pending) before the binder has stored the irq
	 * number: the poll this schedules must EOI and notify the right one.
	 */
	WRITE_ONCE(ch->irq, irq);
	ch->cnt.events++;
	atomic_set(&ch->eoi_pending, 1);
	if (ch->attached)
		napi_schedule(&ch->napi);
	else
		xen_irq_lateeoi(irq, XEN_EOI_FLAG_SPURIOUS);
	return IRQ_HANDLED;
}

static enum hrtimer_restart eoi_timer_fn(struct hrtimer *t)
{
	struct nc2k_chan *ch = container_of(t, struct nc2k_chan, eoi_timer);

	if (atomic_xchg(&ch->eoi_pending, 0))
		xen_irq_lateeoi(ch->irq, 0);
	return HRTIMER_NORESTART;
}

static enum hrtimer_restart resume_timer_fn(struct hrtimer *t)
{
	struct nc2k_chan *ch = container_of(t, struct nc2k_chan, resume_timer);

	if (ch->attached)
		napi_schedule(&ch->napi);
	return HRTIMER_NORESTART;
}

static void features_work_fn(struct work_struct *w)
{
	struct nc2k_chan *ch = container_of(w, struct nc2k_chan, features_work);

	rtnl_lock();
	netdev_update_features(ch->dev);
	rtnl_unlock();
}

/* ---- life cycle */

void nc2k_chan_init(struct nc2k_chan *ch, struct net_device *dev,
		    const struct nc2k_ops *ops, const char *name)
{
	ch->dev = dev;
	ch->ops = ops;
	ch->name = name;
	spin_lock_init(&ch->lock);
	skb_queue_head_init(&ch->backlog);
	ch->bounce_free = NC2K_BOUNCE_NONE;
	atomic_set(&ch->eoi_pending, 0);
	hrtimer_init(&ch->eoi_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	ch->eoi_timer.function = eoi_timer_fn;
	hrtimer_init(&ch->resume_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	ch->resume_timer.function = resume_timer_fn;
	INIT_WORK(&ch->features_work, features_work_fn);
}

/*
 * What attach allocated: reserved refs, slots, forwarding, and the bounce
 * pool unless it is kept for the next connection to the same peer.
 * Every slot and hold has been released by now.
 */
static void chan_free(struct nc2k_chan *ch)
{
	const struct nc2k_fwd_ops *fwd = nc2k_fwd_ops(ch);

	/* Forwarded packets first: ending their grants refills gref_head. */
	if (fwd)
		fwd->detach(ch);
	if (!ch->keep_bounce)
		nc2k_bounce_free_all(ch);
	if (ch->have_gref_head) {
		/* Claimed refs still out are accounted one by one. */
		gnttab_free_grant_references(ch->gref_head);
		atomic_long_sub(NC2K_SUBPAGE_REFS - ch->refs_claimed,
				&nc2k_acct.grefs);
	}
	ch->have_gref_head = false;
	ch->refs_claimed = 0;
	nc2k_slots_free(ch);
}

int nc2k_chan_attach(struct nc2k_chan *ch, enum nc2_net_role role,
		     domid_t peer, const struct nc2k_rings *r,
		     bool peer_copy_only, unsigned int nr_bounce)
{
	struct nc2_link_config cfg = {
		.device_class = NC2_CLASS_NET,
		.features = NC2_FEAT_ALL,
		.pool_words = ch->pool_words,
		.pool_cap = NC2K_IDS,
		.pool_tokens = ch->pool_tokens,
		.set_words = ch->set_words,
		.set_limit = NC2K_IDS,
	};
	struct nc2_net_limits local = {
		.max_frags = NC2_MAX_FRAGMENTS_LIMIT,
		.max_inline = NC2_MAX_INLINE_LIMIT,
		.offloads = NC2_OFFLOAD_CSUM | NC2_OFFLOAD_TSO4 |
			    NC2_OFFLOAD_TSO6,
	};
	int err;

	/* Only from fully detached: a live channel is never rebuilt. */
	if (WARN_ON_ONCE(ch->attached || ch->slot_pool))
		return -EBUSY;
	ch->role = role;
	ch->peer = peer;
	ch->up = false;
	ch->stopped = false;
	ch->last_offloads = U32_MAX;
	ch->last_max_frags = 0;
	ch->nr_pending = 0;
	ch->nr_copy = 0;
	ch->had_work = false;
	ch->tx_cons_seen = 0;
	nc2_finq_init(&ch->finq, ch->finq_ids, NC2K_IDS);
	/* A new connection owes no EOI for the old one's events. */
	atomic_set(&ch->eoi_pending, 0);
	err = nc2k_slots_alloc(ch);
	if (err)
		return err;
	/*
	 * Sub-page and transitive grants are copy-only: only towards a peer
	 * that promised to copy.
	 */
	ch->subpage = peer_copy_only && nc2k_caps.subpage;
	ch->transitive = peer_copy_only && nc2k_caps.transitive &&
			 role == NC2_ROLE_BACKEND;
	/* Forwarding reserves its memory now, so a FINISH never needs any. */
	if (ch->transitive &&
	    (!nc2k_fwd_ops(ch) || nc2k_fwd_ops(ch)->attach(ch)))
		ch->transitive = false;
	if ((ch->subpage || ch->transitive) &&
	    gnttab_alloc_grant_references(NC2K_SUBPAGE_REFS, &ch->gref_head)) {
		ch->subpage = false;
		ch->transitive = false;
	}
	ch->have_gref_head = ch->subpage || ch->transitive;
	ch->refs_claimed = 0;
	if (ch->have_gref_head)
		atomic_long_add(NC2K_SUBPAGE_REFS, &nc2k_acct.grefs);
	err = nc2k_bounce_setup(ch, peer, nr_bounce);
	if (err)
		goto fail;
	err = nc2_net_init(&ch->net, role, &cfg, &local, r->tx_ctrl,
			   r->tx_ring, r->ring_bytes, r->rx_ctrl, r->rx_ring,
			   r->ring_bytes);
	if (!err)
		err = nc2_net_start(&ch->net);
	if (err) {
		netdev_err(ch->dev, "nc2 %s link: %s\n", ch->name,
			   nc2_strerror(err));
		err = nc2_errno(err);
		goto fail;
	}
	netif_napi_add(ch->dev, &ch->napi, nc2k_poll);
	napi_enable(&ch->napi);
	ch->attached = true;
	return 0;

fail:
	chan_free(ch);
	return err;
}

void nc2k_chan_kick(struct nc2k_chan *ch)
{
	spin_lock_bh(&ch->lock);
	nc2k_tx_notify(ch);
	spin_unlock_bh(&ch->lock);
	/* The peer may have written before our event channel was bound. */
	napi_schedule(&ch->napi);
}

void nc2k_chan_stop(struct nc2k_chan *ch)
{
	if (!ch->attached)
		return;
	spin_lock_bh(&ch->lock);
	ch->up = false;
	spin_unlock_bh(&ch->lock);
	napi_disable(&ch->napi);
	netif_napi_del(&ch->napi);
	hrtimer_cancel(&ch->resume_timer);
	hrtimer_cancel(&ch->eoi_timer);
	cancel_work_sync(&ch->features_work);
	ch->attached = false;
}

void nc2k_chan_detach(struct nc2k_chan *ch)
{
	nc2k_chan_stop(ch);
	__skb_queue_purge(&ch->backlog);
	if (!ch->slot_pool)
		return;
	nc2k_slots_release_all(ch);
	nc2_finq_reset(&ch->finq);
	/* Forwarded packets whose grants the peer holds busy: fwd->detach. */
	chan_free(ch);
}

void nc2k_chan_destroy(struct nc2k_chan *ch)
{
	if (WARN_ON_ONCE(ch->attached))
		nc2k_chan_detach(ch);
	nc2k_bounce_free_all(ch);
}
