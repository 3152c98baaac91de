// SPDX-License-Identifier: GPL-2.0-only
/*
 * netfront2_bypass.c - the frontend's side of a dom0 bypass
 * (docs/protocol.md 10): a private ring pair to another guest that the
 * backend sets up and tears down with in-band messages.
 *
 * As end A we allocate and grant the rings and an unbound event channel;
 * as end B we map A's pages and bind to A's port. Both then run an nc2
 * link in the peer role and steer packets for the other's MAC into it.
 * Messages are decoded in NAPI context and acted on in bypass_work, which
 * may sleep (allocations, grant mapping, waiting for drains).
 *
 * Which message is allowed when, what we owe, when a bypass has drained
 * and where a packet for the peer goes are libnc2ring's (nc2/bpend.h):
 * slot i of info->bpt is the protocol state of info->bypass[i], whose
 * resources (rings, grants, mappings, channel) live here. While a bypass
 * drains, packets for the peer are held, so that none sent on the parent
 * ring overtakes one still on the bypass; they go out on the parent,
 * first, once we have said DISABLED. End B maps A's pages with one grant
 * operation and gives each ring of more than one page a contiguous
 * virtual mapping.
 */

/*
 * Packets held per bypass while it drains or its gate is shut; beyond,
 * they are dropped (and counted). A drain or a gate takes a few hundred
 * ms under load: at 1000 packets/s, 256 were not enough. The memory is
 * the guest's own, bounded by its sockets' send buffers.
 */
#define NF2_HOLD_MAX 1024
#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/interface/event_channel.h>
#include <asm/xen/hypercall.h>

#include <nc2/bpend.h>
#include <nc2/traffic.h>

#include <nc2/xenbus.h>

#include "netfront2.h"

static unsigned int bypass_bounce_pages = 64;
module_param(bypass_bounce_pages, uint, 0444);
MODULE_PARM_DESC(bypass_bounce_pages,
		 "pages per bypass granted for TX data without sub-page grants");

static u64 nf2_now(void)
{
	return jiffies64_to_msecs(get_jiffies_64());
}

static void nf2_bp_publish(struct nf2_info *info);

static void nf2_bp_failed(struct nc2k_chan *ch, int err)
{
	struct nf2_info *info = netdev_priv(ch->dev);
	unsigned int i;

	/* Hold the peer's packets until the backend's DISABLE (10.4). */
	spin_lock_bh(&info->bypass_lock);
	for (i = 0; i < NF2_MAX_BYPASSES; i++)
		if (info->bypass[i].ch == ch)
			nc2_bpend_failed(&info->ends[i]);
	spin_unlock_bh(&info->bypass_lock);
	nf2_bp_publish(info);
}

/* For ethtool -S on the device: what its bypass links carried. */
void nf2_bypass_stats(struct nc2k_chan *parent, struct nc2k_bypass_sums *s)
{
	struct nf2_info *info = container_of(parent, struct nf2_info, ch);
	unsigned int i;

	/*
	 * ethtool holds RTNL; a bypass being torn down under the mutex may
	 * wait for features_work, which takes RTNL: never block here.
	 */
	if (!mutex_trylock(&info->bypass_mutex))
		return;
	for (i = 0; i < NF2_MAX_BYPASSES; i++) {
		struct nc2k_chan *ch = info->bypass[i].ch;

		if (!ch)
			continue;
		spin_lock_bh(&ch->lock);
		s->tx_packets += nc2_net_get_stats(&ch->net)->tx_packets;
		s->rx_packets += nc2_net_get_stats(&ch->net)->rx_packets;
		s->links_up += ch->up;
		s->tx_subpage_grants += ch->cnt.tx_subpage_grants;
		s->tx_bounce_pages += ch->cnt.tx_bounce_pages;
		s->rx_drop_filter += ch->cnt.rx_drop_filter;
		spin_unlock_bh(&ch->lock);
	}
	mutex_unlock(&info->bypass_mutex);
}

static const struct nc2k_ops nf2_bp_ops = {
	.link_failed = nf2_bp_failed,
	.rx_observe = nf2_hostile_observe,
};

/*
 * For ethtool -S and the transmit path: bypass_count is the slots in use
 * (the route must look at each: a draining one holds packets), and
 * bypass_state whether any is up.
 */
static void nf2_bp_publish(struct nf2_info *info)
{
	unsigned int i, used = 0, up = 0;

	for (i = 0; i < NF2_MAX_BYPASSES; i++) {
		u8 st = READ_ONCE(info->ends[i].state);

		used += st != NC2_BPEND_FREE || READ_ONCE(info->bypass[i].flushing);
		up += st == NC2_BPEND_UP;
	}
	WRITE_ONCE(info->ch.bypass_count, used);
	WRITE_ONCE(info->ch.bypass_state, up ? 1 : 0);
}

/* Queue b on the parent ring; the backend is its only reader. */
static int nf2_send_parent(struct nf2_info *info, const struct nc2_bypass_msg *b)
{
	struct nc2k_chan *ch = &info->ch;
	int err;

	spin_lock_bh(&ch->lock);
	err = ch->up ? nc2_bypass_send(&ch->net, b) : -NC2_E_STATE;
	if (!err && nc2_link_push(nc2_net_link(&ch->net)) > 0)
		notify_remote_via_irq(ch->irq);
	spin_unlock_bh(&ch->lock);
	if (err)
		netdev_warn(ch->dev, "bypass message %#x not sent: %s\n",
			    b->type, nc2_strerror(err));
	return err;
}

/* Ring page i of end A: the A-to-B ring's pages, then the B-to-A ring's. */
static void *nf2_bp_page(struct nf2_bypass *bp, unsigned int i)
{
	return i < bp->pages ? bp->ring_ab + i * PAGE_SIZE :
	       bp->ring_ba + (i - bp->pages) * PAGE_SIZE;
}

/* Free slot i's resources; its protocol state is the caller's to move. */
static void nf2_bp_release(struct nf2_info *info, unsigned int idx)
{
	struct nf2_bypass *bp = &info->bypass[idx];
	unsigned int i;

	if (bp->ch)
		netdev_info(info->ch.dev, "bypass %u to domain %u: released\n",
			    bp->handle, bp->peer);

	spin_lock_bh(&info->bypass_lock);
	bp->dead = true;
	spin_unlock_bh(&info->bypass_lock);
	/* xmit runs under rcu_read_lock_bh(): none still uses bp->ch after. */
	synchronize_net();
	skb_queue_purge(&bp->held);
	if (bp->ch) {
		nc2k_chan_stop(bp->ch);
		if (bp->irq)
			unbind_from_irqhandler(bp->irq, bp->ch);
		nc2k_chan_detach(bp->ch);
		kvfree(bp->ch);
	}
	if (bp->granter) {
		/*
		 * Granted pages are freed once the peer has unmapped them
		 * (XSA-396); pages alloc_pages_exact() split can go one by one.
		 */
		if (bp->ctrl && bp->ctrl_granted)
			gnttab_end_foreign_access(bp->ctrl_ref,
						  virt_to_page(bp->ctrl));
		else if (bp->ctrl)
			free_page((unsigned long)bp->ctrl);
		for (i = 0; bp->ring_ab && bp->ring_ba && i < 2 * bp->pages;
		     i++) {
			void *p = nf2_bp_page(bp, i);

			if (i < bp->nr_refs)
				gnttab_end_foreign_access(bp->refs[i],
							  virt_to_page(p));
			else
				free_page((unsigned long)p);
		}
		if (!bp->ring_ab != !bp->ring_ba) {
			size_t bytes = bp->pages * PAGE_SIZE;

			if (bp->ring_ab)
				free_pages_exact(bp->ring_ab, bytes);
			if (bp->ring_ba)
				free_pages_exact(bp->ring_ba, bytes);
		}
	} else {
		nf2_unmap_grants(&bp->map);
	}
	memset(bp, 0, sizeof(*bp));
	skb_queue_head_init(&bp->held);
	nf2_bp_publish(info);
}

/* Slot idx's resources for the bypass e describes (BUILD). */
static struct nf2_bypass *nf2_bp_new(struct nf2_info *info, unsigned int idx)
{
	const struct nc2_bpend *e = &info->ends[idx];
	struct nf2_bypass *bp = &info->bypass[idx];

	bp->ch = kvzalloc(sizeof(*bp->ch), GFP_KERNEL);
	if (!bp->ch)
		return NULL;
	nc2k_chan_init(bp->ch, info->ch.dev, &nf2_bp_ops, "bypass");
	bp->handle = e->handle;
	bp->peer = e->peer_domid;
	bp->pages = e->ring_pages;
	ether_addr_copy(bp->mac, e->peer_mac);
	/*
	 * docs/protocol.md 10.2: unless the backend vouches for the peer
	 * (REMOTE_TRUSTED), it may only send from its own MAC; unless it
	 * vouches for us (LOCAL_TRUSTED), we only send it our own frames
	 * (nf2_bypass_route keeps the rest on the parent ring).
	 */
	if (!(e->flags & NC2_BYPASS_F_REMOTE_TRUSTED))
		bp->ch->filter_src = bp->mac;
	/* 10.5: by IP; nothing in or out until BYPASS_ADDRS says whom. */
	bp->ch->filter_ip_on = e->flags & NC2_BYPASS_F_ADDRS;
	return bp;
}

static int nf2_bp_start(struct nf2_info *info, struct nf2_bypass *bp,
			const struct nc2k_rings *r, evtchn_port_t port)
{
	int err, irq;

	struct evtchn_close close = { .port = port };

	err = nc2k_chan_attach(bp->ch, NC2_ROLE_PEER, bp->peer, r, true,
			       bypass_bounce_pages);
	if (!err) {
		irq = bind_evtchn_to_irqhandler_lateeoi(port,
							nc2k_chan_interrupt, 0,
							info->ch.dev->name,
							bp->ch);
		err = irq < 0 ? irq : 0;
	}
	if (err) {
		/* Once bound, unbinding closes the port; until then, we do. */
		HYPERVISOR_event_channel_op(EVTCHNOP_close, &close);
		return err;
	}
	bp->irq = irq;
	bp->ch->irq = irq;
	nc2k_chan_kick(bp->ch);
	return 0;
}

/* End A: allocate, reset and grant the rings. 0, or it could not. */
static int nf2_bp_grant(struct nf2_info *info, unsigned int idx)
{
	struct nc2_bpend *e = &info->ends[idx];
	struct evtchn_alloc_unbound au = {
		.dom = DOMID_SELF,
		.remote_dom = e->peer_domid,
	};
	size_t bytes = (size_t)e->ring_pages * PAGE_SIZE;
	struct nf2_bypass *bp = nf2_bp_new(info, idx);
	u32 refs[2 * NC2_BYPASS_MAX_PAGES];
	struct nc2k_rings r;
	unsigned int i;
	int ref;

	if (!bp)
		return -ENOMEM;
	bp->granter = true;
	bp->ctrl = (void *)get_zeroed_page(GFP_KERNEL);
	bp->ring_ab = alloc_pages_exact(bytes, GFP_KERNEL | __GFP_ZERO);
	bp->ring_ba = alloc_pages_exact(bytes, GFP_KERNEL | __GFP_ZERO);
	if (!bp->ctrl || !bp->ring_ab || !bp->ring_ba)
		return -ENOMEM;
	nc2_ctrl_reset(bp->ctrl + NC2_CTRL_OFF_F2B);
	nc2_ctrl_reset(bp->ctrl + NC2_CTRL_OFF_B2F);
	ref = gnttab_grant_foreign_access(bp->peer, virt_to_gfn(bp->ctrl), 0);
	if (ref < 0)
		return ref;
	bp->ctrl_ref = ref;
	bp->ctrl_granted = true;
	for (i = 0; i < 2 * bp->pages; i++) {
		ref = gnttab_grant_foreign_access(bp->peer,
						  virt_to_gfn(nf2_bp_page(bp, i)),
						  0);
		if (ref < 0)
			return ref;
		bp->refs[i] = ref;
		bp->nr_refs = i + 1;
		refs[i] = ref;
	}
	if (HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au))
		return -EIO;
	r.tx_ctrl = bp->ctrl + NC2_CTRL_OFF_F2B;	/* A to B */
	r.tx_ring = bp->ring_ab;
	r.rx_ctrl = bp->ctrl + NC2_CTRL_OFF_B2F;
	r.rx_ring = bp->ring_ba;
	r.ring_bytes = bytes;
	if (nf2_bp_start(info, bp, &r, au.port))
		return -EIO;
	spin_lock_bh(&info->bypass_lock);
	nc2_bpend_granted(e, au.port, bp->ctrl_ref, refs);
	spin_unlock_bh(&info->bypass_lock);
	netdev_info(info->ch.dev,
		    "bypass %u to %pM (domain %u): end A, port %u, refs %u/%u/%u\n",
		    bp->handle, bp->mac, bp->peer, au.port, bp->ctrl_ref,
		    bp->refs[0], bp->refs[bp->pages]);
	return 0;
}

/* End B: map A's pages and bind to A's port. 0, or it could not. */
static int nf2_bp_map(struct nf2_info *info, unsigned int idx)
{
	struct nc2_bpend *e = &info->ends[idx];
	struct evtchn_bind_interdomain bi = {
		.remote_dom = e->peer_domid,
		.remote_port = e->evtchn,
	};
	grant_ref_t refs[NF2_MAP_MAX];
	unsigned int i, pages = e->ring_pages;
	struct nf2_bypass *bp;
	struct nc2k_rings r;
	void *va;

	/* The library checked ring_pages (a power of two, at most the max). */
	bp = nf2_bp_new(info, idx);
	if (!bp)
		return -ENOMEM;
	refs[0] = e->ctrl_gref;
	for (i = 0; i < 2 * pages; i++)
		refs[1 + i] = e->gref[i];
	if (nf2_map_grants(&bp->map, bp->peer, refs, 1 + 2 * pages))
		return -EIO;
	va = bp->map.va;
	if (HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bi))
		return -EIO;
	r.tx_ctrl = va + NC2_CTRL_OFF_B2F;
	r.tx_ring = va + (1 + pages) * PAGE_SIZE;	/* B to A */
	r.rx_ctrl = va + NC2_CTRL_OFF_F2B;
	r.rx_ring = va + PAGE_SIZE;			/* A to B */
	r.ring_bytes = pages * PAGE_SIZE;
	if (nf2_bp_start(info, bp, &r, bi.local_port))
		return -EIO;
	spin_lock_bh(&info->bypass_lock);
	nc2_bpend_mapped(e);
	spin_unlock_bh(&info->bypass_lock);
	netdev_info(info->ch.dev,
		    "bypass %u to %pM (domain %u): end B, port %u->%u, %u-page rings\n",
		    bp->handle, bp->mac, bp->peer, bi.local_port, e->evtchn,
		    pages);
	return 0;
}

/*
 * Send what slot idx owes the backend. A full parent ring is waited for
 * a while; a parent link that is down will ask nothing more.
 */
static void nf2_bp_answer(struct nf2_info *info, unsigned int idx)
{
	struct nc2_bpend *e = &info->ends[idx];
	unsigned int tries = 0;
	struct nc2_bypass_msg m;
	int err, more;

	for (;;) {
		spin_lock_bh(&info->bypass_lock);
		more = nc2_bpend_next(e, &m);
		spin_unlock_bh(&info->bypass_lock);
		if (!more)
			return;
		err = nf2_send_parent(info, &m);
		if (err == -NC2_E_AGAIN && ++tries < 100) {
			usleep_range(1000, 2000);
			continue;
		}
		spin_lock_bh(&info->bypass_lock);
		nc2_bpend_sent(e, err == -NC2_E_AGAIN ? -NC2_E_STATE : err);
		/* Until the held ones are out, new ones queue behind them. */
		if (m.type == NC2_MSG_BYPASS_DISABLED)
			info->bypass[idx].flushing = !err;
		spin_unlock_bh(&info->bypass_lock);
		return;
	}
}

/*
 * Send what we held for bp's peer on ch (the parent after DISABLED, the
 * bypass once its gate opens), oldest first; new packets for the peer
 * queue behind them until the queue is empty (bp->flushing).
 */
static void nf2_bp_flush_held(struct nf2_info *info, struct nf2_bypass *bp,
			      struct nc2k_chan *ch)
{
	unsigned int tries = 0;
	struct sk_buff *skb;
	netdev_tx_t ret;

	for (;;) {
		spin_lock_bh(&info->bypass_lock);
		skb = __skb_dequeue(&bp->held);
		if (!skb)
			bp->flushing = false;
		spin_unlock_bh(&info->bypass_lock);
		if (!skb)
			return;
		local_bh_disable();
		ret = nc2k_chan_xmit(ch, skb);
		local_bh_enable();
		if (ret != NETDEV_TX_BUSY) {
			tries = 0;
			continue;
		}
		/* The ring is full: put it back and wait for room. */
		spin_lock_bh(&info->bypass_lock);
		__skb_queue_head(&bp->held, skb);
		spin_unlock_bh(&info->bypass_lock);
		if (++tries > 100) {
			spin_lock_bh(&info->bypass_lock);
			__skb_queue_purge(&bp->held);
			spin_unlock_bh(&info->bypass_lock);
		} else {
			usleep_range(1000, 2000);
		}
	}
}

/*
 * The switch onto a bypass whose link is up (10.3 step 5): packets for
 * the peer are held (nc2_bpend_route) until the library finds that the
 * parent has delivered what was sent on it before; then they go out on
 * the bypass, first. Runs from the transmit path's kick, every
 * millisecond or so while a gate is shut.
 */
static void nf2_gate_fn(struct work_struct *w)
{
	struct nf2_info *info = container_of(to_delayed_work(w),
					     struct nf2_info, gate_work);
	struct nc2k_chan *parent = &info->ch;
	bool again = false;
	unsigned int i;

	/* Set-up and teardown hold it, a drain for long: come back. */
	if (!mutex_trylock(&info->bypass_mutex)) {
		schedule_delayed_work(&info->gate_work, 1);
		return;
	}
	for (i = 0; i < NF2_MAX_BYPASSES; i++) {
		struct nf2_bypass *bp = &info->bypass[i];
		struct nc2_bpend *e = &info->ends[i];
		int open;

		if (e->state != NC2_BPEND_UP || e->gate == 2 || !bp->ch ||
		    bp->dead || !READ_ONCE(bp->ch->up))
			continue;
		/* The parent's sending context, then the route's lock. */
		spin_lock_bh(&parent->lock);
		spin_lock(&info->bypass_lock);
		open = parent->attached && parent->up ?
		       nc2_bpend_gate(&info->bpt, e, nc2_net_link(&parent->net),
				      nf2_now()) : 1;
		if (open)
			bp->flushing = true;
		spin_unlock(&info->bypass_lock);
		spin_unlock_bh(&parent->lock);
		if (open)
			nf2_bp_flush_held(info, bp, bp->ch);
		else
			again = true;
	}
	mutex_unlock(&info->bypass_mutex);
	if (again)
		schedule_delayed_work(&info->gate_work, 1);
}

/*
 * DISABLE: packets for the peer are held from now on (nc2_bpend_route);
 * wait until the library finds the bypass drained (its link consumed and
 * every id finished, closed, or the peer stalled), say DISABLED, and
 * send what was held on the parent.
 */
static void nf2_bp_disable(struct nf2_info *info, unsigned int idx)
{
	struct nf2_bypass *bp = &info->bypass[idx];
	struct nc2_bpend *e = &info->ends[idx];
	int drained;

	/* Packets routed to the bypass before DISABLE are on it after this. */
	synchronize_net();
	nf2_bp_publish(info);
	for (;;) {
		struct nc2k_chan *ch = bp->ch;

		spin_lock_bh(&info->bypass_lock);
		if (ch) {
			spin_lock(&ch->lock);
			drained = nc2_bpend_drain(&info->bpt, e,
						  ch->attached ?
						  nc2_net_link(&ch->net) : NULL,
						  nf2_now());
			spin_unlock(&ch->lock);
		} else {
			drained = nc2_bpend_drain(&info->bpt, e, NULL,
						  nf2_now());
		}
		spin_unlock_bh(&info->bypass_lock);
		if (drained)
			break;
		usleep_range(10000, 20000);
	}
	if (e->stalled)
		netdev_warn(info->ch.dev,
			    "bypass %u to domain %u: the peer stalled; disabled without it\n",
			    bp->handle, bp->peer);
	nf2_bp_answer(info, idx);
	nf2_bp_flush_held(info, bp, &info->ch);
	nf2_bp_publish(info);
}

/* BYPASS_ADDRS arrived (the library checked it): filter by them. */
static void nf2_bp_addrs(struct nf2_info *info, unsigned int idx)
{
	struct nf2_bypass *bp = &info->bypass[idx];
	struct nc2_bpend *e = &info->ends[idx];

	if (!bp->ch)
		return;
	/* Pairs with nc2k_rx_addr_ok(): the filter sees the set complete. */
	smp_store_release(&bp->ch->filter_ip, &e->addrs);
	netdev_info(info->ch.dev,
		    "bypass %u to domain %u: by IP, %u IPv4 and %u IPv6 addresses\n",
		    bp->handle, bp->peer, e->addrs.nr_ipv4, e->addrs.nr_ipv6);
}

/* The backend broke the bypass sequence: fail the parent link. */
static void nf2_bp_bad(struct nf2_info *info, const struct nc2_bypass_msg *b)
{
	struct nc2k_chan *ch = &info->ch;

	netdev_warn(ch->dev, "bypass message %#x for handle %u out of sequence\n",
		    b->type, b->handle);
	spin_lock_bh(&ch->lock);
	nc2_link_fail(nc2_net_link(&ch->net), -NC2_EP_BYPASS);
	spin_unlock_bh(&ch->lock);
	nc2k_chan_failed(ch, -NC2_EP_BYPASS);
}

/* One backend message: the library says what it means now. */
static void nf2_bp_step(struct nf2_info *info, const struct nc2_bypass_msg *b)
{
	struct nc2_bpend *e;
	unsigned int idx;
	int err;

	spin_lock_bh(&info->bypass_lock);
	err = nc2_bpend_recv(&info->bpt, b, &e);
	spin_unlock_bh(&info->bypass_lock);
	if (err) {
		nf2_bp_bad(info, b);
		return;
	}
	idx = e - info->ends;
	if (b->type == NC2_MSG_BYPASS_ADDRS) {
		nf2_bp_addrs(info, idx);
		return;
	}
	switch (e->state) {
	case NC2_BPEND_BUILD:
		err = e->role == NC2_BPEND_A ? nf2_bp_grant(info, idx) :
					       nf2_bp_map(info, idx);
		if (err) {
			/* The protocol has no refusal: the backend times out. */
			netdev_warn(info->ch.dev,
				    "cannot build bypass %u with domain %u (%d)\n",
				    b->handle, b->peer_domid, err);
			nf2_bp_release(info, idx);
			spin_lock_bh(&info->bypass_lock);
			nc2_bpend_failed(e);
			spin_unlock_bh(&info->bypass_lock);
		}
		nf2_bp_publish(info);
		nf2_bp_answer(info, idx);
		if (!err)
			mod_delayed_work(system_wq, &info->traffic_work, 2 * HZ);
		break;
	case NC2_BPEND_DRAINING:
		nf2_bp_disable(info, idx);
		break;
	case NC2_BPEND_DISABLED:	/* it never carried anything */
		nf2_bp_answer(info, idx);
		break;
	case NC2_BPEND_RELEASE:
		nf2_bp_release(info, idx);
		spin_lock_bh(&info->bypass_lock);
		nc2_bpend_released(e);
		spin_unlock_bh(&info->bypass_lock);
		nf2_bp_answer(info, idx);
		nf2_bp_publish(info);
		/* The report loses this one (and stops if it was the last). */
		mod_delayed_work(system_wq, &info->traffic_work, HZ / 10);
		break;
	default:
		break;
	}
}

/*
 * Tell the backend what each bypass carried (nc2/traffic.h), every two
 * seconds while any is up: the traffic goes around it, and it takes an
 * idle automatic bypass down. Written only when it changed.
 */
static void nf2_traffic_fn(struct work_struct *w)
{
	struct nf2_info *info = container_of(to_delayed_work(w),
					     struct nf2_info, traffic_work);
	struct nc2_traffic tr[NC2_TRAFFIC_MAX];
	char text[NC2_TRAFFIC_MAX_TEXT];
	unsigned int i, n = 0;

	if (!mutex_trylock(&info->bypass_mutex)) {
		schedule_delayed_work(&info->traffic_work, HZ);
		return;
	}
	for (i = 0; i < NF2_MAX_BYPASSES && n < NC2_TRAFFIC_MAX; i++) {
		struct nf2_bypass *bp = &info->bypass[i];
		const struct nc2_net_stats *st;

		if (info->ends[i].state != NC2_BPEND_UP || !bp->ch)
			continue;
		spin_lock_bh(&bp->ch->lock);
		st = nc2_net_get_stats(&bp->ch->net);
		tr[n].handle = bp->handle;
		tr[n].packets = st->tx_packets + st->rx_packets;
		spin_unlock_bh(&bp->ch->lock);
		n++;
	}
	mutex_unlock(&info->bypass_mutex);
	if (nc2_traffic_format(text, sizeof(text), tr, n) >= 0 &&
	    strcmp(text, info->traffic_last) &&
	    !xenbus_write(XBT_NIL, info->xbdev->nodename, NC2_XS_BYPASS_TRAFFIC,
			  text))
		strscpy(info->traffic_last, text, sizeof(info->traffic_last));
	if (n)
		schedule_delayed_work(&info->traffic_work, 2 * HZ);
}

static void nf2_bypass_work(struct work_struct *w)
{
	struct nf2_info *info = container_of(w, struct nf2_info, bypass_work);
	struct nc2_bypass_msg b;

	mutex_lock(&info->bypass_mutex);
	for (;;) {
		spin_lock_bh(&info->bypass_lock);
		if (!info->msgq_len) {
			spin_unlock_bh(&info->bypass_lock);
			break;
		}
		b = info->msgq[info->msgq_head];
		info->msgq_head = (info->msgq_head + 1) % ARRAY_SIZE(info->msgq);
		info->msgq_len--;
		spin_unlock_bh(&info->bypass_lock);
		nf2_bp_step(info, &b);
	}
	mutex_unlock(&info->bypass_mutex);
}

void nf2_bypass_init(struct nf2_info *info)
{
	unsigned int i;

	BUILD_BUG_ON(NF2_MAX_BYPASSES < NC2_BYPASS_MAX_PER_END);
	spin_lock_init(&info->bypass_lock);
	mutex_init(&info->bypass_mutex);
	INIT_WORK(&info->bypass_work, nf2_bypass_work);
	INIT_DELAYED_WORK(&info->gate_work, nf2_gate_fn);
	INIT_DELAYED_WORK(&info->traffic_work, nf2_traffic_fn);
	nc2_bpend_init(&info->bpt, info->ends, NF2_MAX_BYPASSES);
	for (i = 0; i < NF2_MAX_BYPASSES; i++)
		skb_queue_head_init(&info->bypass[i].held);
}

void nf2_bypass_msg(struct nc2k_chan *ch, const struct nc2_msg *m)
{
	struct nf2_info *info = container_of(ch, struct nf2_info, ch);
	struct nc2_bypass_msg b;
	unsigned int tail;

	/* Checks who may send what and the layout; fails the link if bad. */
	if (nc2_net_recv_bypass(&ch->net, m, &b))
		return;
	spin_lock(&info->bypass_lock);
	if (info->msgq_len == ARRAY_SIZE(info->msgq)) {
		spin_unlock(&info->bypass_lock);
		/* Losing a step would break the sequence: say so, loudly. */
		nc2_link_fail(nc2_net_link(&ch->net), -NC2_EP_BYPASS);
		netdev_warn(ch->dev, "bypass messages arrive faster than handled\n");
		return;
	}
	tail = (info->msgq_head + info->msgq_len) % ARRAY_SIZE(info->msgq);
	info->msgq[tail] = b;
	info->msgq_len++;
	spin_unlock(&info->bypass_lock);
	schedule_work(&info->bypass_work);
}

/* Whether skb goes to one of e's peer addresses (protocol 10.5). */
static bool nf2_bp_for_addrs(const struct nc2_bpend *e,
			     const struct sk_buff *skb)
{
	u8 buf[NC2_BYPASS_ADDRS_HDR];
	unsigned int len = min_t(unsigned int, skb->len, sizeof(buf));
	const u8 *hdr;

	if (!e->addrs_set)
		return false;
	hdr = skb_header_pointer(skb, 0, len, buf);
	return hdr && nc2_bypass_addrs_dst(&e->addrs, hdr, len);
}

struct nc2k_chan *nf2_bypass_route(struct nf2_info *info, struct sk_buff *skb)
{
	const struct ethhdr *eth = (const struct ethhdr *)skb->data;
	struct nc2k_chan *ch = &info->ch;
	unsigned int i;

	if (!READ_ONCE(info->ch.bypass_count) || skb->len < ETH_HLEN)
		return ch;
	spin_lock(&info->bypass_lock);
	for (i = 0; i < NF2_MAX_BYPASSES; i++) {
		struct nf2_bypass *bp = &info->bypass[i];
		const struct nc2_bpend *e = &info->ends[i];
		enum nc2_bpend_route where;
		bool by_ip = false;

		if (!bp->ch || bp->dead)
			continue;
		if (!ether_addr_equal(bp->mac, eth->h_dest)) {
			/* Routed: sent to our gateway's MAC, for the peer. */
			if (!nf2_bp_for_addrs(e, skb))
				continue;
			by_ip = true;
		}
		/* Not vouched for: frames we forward for others stay on the parent. */
		if (!(e->flags & NC2_BYPASS_F_LOCAL_TRUSTED) &&
		    !ether_addr_equal(eth->h_source, info->ch.dev->dev_addr))
			break;
		where = nc2_bpend_route(e, READ_ONCE(bp->ch->up));
		/* Held ones go out first, then new ones follow them. */
		if (bp->flushing)
			where = NC2_BPEND_HOLD;
		/* Up, gate shut: nf2_gate_fn opens it when order allows. */
		else if (where == NC2_BPEND_HOLD && e->state == NC2_BPEND_UP)
			schedule_delayed_work(&info->gate_work, 0);
		if (where == NC2_BPEND_HOLD) {
			if (skb_queue_len(&bp->held) < NF2_HOLD_MAX) {
				__skb_queue_tail(&bp->held, skb);
			} else {
				info->ch.dev->stats.tx_dropped++;
				dev_kfree_skb_any(skb);
			}
			ch = NULL;
		} else if (where == NC2_BPEND_BYPASS) {
			/* The peer takes frames for its own MAC only. */
			if (by_ip) {
				if (skb_ensure_writable(skb, ETH_HLEN))
					break;	/* stays on the parent */
				ether_addr_copy(skb->data, bp->mac);
			}
			ch = bp->ch;
		}
		break;
	}
	spin_unlock(&info->bypass_lock);
	return ch;
}

void nf2_bypass_teardown_all(struct nf2_info *info)
{
	unsigned int i;

	cancel_work_sync(&info->bypass_work);
	cancel_delayed_work_sync(&info->gate_work);
	cancel_delayed_work_sync(&info->traffic_work);
	/* A new connection starts a new report. */
	info->traffic_last[0] = '\0';
	mutex_lock(&info->bypass_mutex);
	for (i = 0; i < NF2_MAX_BYPASSES; i++)
		if (info->bypass[i].ch || info->ends[i].state)
			nf2_bp_release(info, i);
	spin_lock_bh(&info->bypass_lock);
	nc2_bpend_reset(&info->bpt);
	info->msgq_len = 0;
	spin_unlock_bh(&info->bypass_lock);
	nf2_bp_publish(info);
	mutex_unlock(&info->bypass_mutex);
}

/*
 * Before a save or migration: let go of every bypass's resources (as end
 * B we map the peer's pages, which a saved image cannot hold), but keep
 * each handle, as FAILED, so that after a cancelled suspend (a
 * checkpoint: xl save -c) the backend's DISABLE and DETACH for it are
 * still answered in sequence; the peer's packets take the parent ring.
 * A real restore starts from scratch (nf2_bypass_teardown_all).
 */
void nf2_bypass_suspend(struct nf2_info *info)
{
	unsigned int i;

	cancel_work_sync(&info->bypass_work);
	cancel_delayed_work_sync(&info->gate_work);
	cancel_delayed_work_sync(&info->traffic_work);
	mutex_lock(&info->bypass_mutex);
	for (i = 0; i < NF2_MAX_BYPASSES; i++) {
		struct nc2_bpend *e = &info->ends[i];

		if (info->bypass[i].ch)
			nf2_bp_release(info, i);
		spin_lock_bh(&info->bypass_lock);
		if (e->state == NC2_BPEND_DRAINING)
			nc2_bpend_drain(&info->bpt, e, NULL, nf2_now());
		else if (e->state == NC2_BPEND_RELEASE)
			nc2_bpend_released(e);
		else
			nc2_bpend_failed(e);
		spin_unlock_bh(&info->bypass_lock);
	}
	nf2_bp_publish(info);
	mutex_unlock(&info->bypass_mutex);
}

void nf2_bypass_destroy(struct nf2_info *info)
{
	nf2_bypass_teardown_all(info);
	mutex_destroy(&info->bypass_mutex);
}
