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

u64 nf2_now(void)
{
	return jiffies64_to_msecs(get_jiffies_64());
}

/*
 * For ethtool -S and the transmit path: bypass_count is the slots in use
 * (the route must look at each: a draining one holds packets), and
 * bypass_state whether any is up.
 */
void nf2_bp_publish(struct nf2_info *info)
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
