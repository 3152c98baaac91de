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
 * While a bypass drains (DISABLE received, or its link failed) packets
 * for the peer are held, so that none sent on the parent ring overtakes
 * one still on the bypass; they go out on the parent, first, once we
 * have said DISABLED. End B maps A's pages with one grant operation and
 * gives each ring of more than one page a contiguous virtual mapping.
 */

/* Packets held per draining bypass; beyond, they are dropped. */
#define NF2_HOLD_MAX 256
#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/interface/event_channel.h>
#include <asm/xen/hypercall.h>

#include "netfront2.h"

static unsigned int bypass_bounce_pages = 64;
module_param(bypass_bounce_pages, uint, 0444);
MODULE_PARM_DESC(bypass_bounce_pages,
		 "pages per bypass granted for TX data without sub-page grants");

/* How long a DISABLE may wait for our packets on the bypass to finish. */
#define NF2_DRAIN_MS 1000

static void nf2_bp_failed(struct nc2k_chan *ch, int err)
{
	struct nf2_info *info = netdev_priv(ch->dev);
	unsigned int i;

	/* Hold the peer's packets until the backend's DISABLE (10.3). */
	spin_lock_bh(&info->bypass_lock);
	for (i = 0; i < NF2_MAX_BYPASSES; i++)
		if (info->bypass[i].ch == ch)
			info->bypass[i].draining = true;
	spin_unlock_bh(&info->bypass_lock);
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

static struct nf2_bypass *nf2_bp_find(struct nf2_info *info, u32 handle)
{
	unsigned int i;

	for (i = 0; i < NF2_MAX_BYPASSES; i++)
		if (info->bypass[i].ch && info->bypass[i].handle == handle)
			return &info->bypass[i];
	return NULL;
}

static void nf2_bp_publish(struct nf2_info *info)
{
	unsigned int i, n = 0;

	for (i = 0; i < NF2_MAX_BYPASSES; i++)
		if (info->bypass[i].ch && info->bypass[i].enabled)
			n++;
	WRITE_ONCE(info->ch.bypass_count, n);
	WRITE_ONCE(info->ch.bypass_state, n ? 1 : 0);
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

static void nf2_bp_release(struct nf2_info *info, struct nf2_bypass *bp)
{
	unsigned int i;

	if (bp->ch)
		netdev_info(info->ch.dev, "bypass %u to domain %u: released\n",
			    bp->handle, bp->peer);

	spin_lock_bh(&info->bypass_lock);
	bp->enabled = false;
	bp->draining = false;
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
	nf2_bp_publish(info);
}

static struct nf2_bypass *nf2_bp_new(struct nf2_info *info,
				     const struct nc2_bypass_msg *b)
{
	struct nf2_bypass *bp = NULL;
	unsigned int i;

	if (nf2_bp_find(info, b->handle))
		return NULL;
	for (i = 0; i < NF2_MAX_BYPASSES && !bp; i++)
		if (!info->bypass[i].ch)
			bp = &info->bypass[i];
	if (!bp)
		return NULL;
	memset(bp, 0, sizeof(*bp));
	skb_queue_head_init(&bp->held);
	bp->ch = kvzalloc(sizeof(*bp->ch), GFP_KERNEL);
	if (!bp->ch)
		return NULL;
	nc2k_chan_init(bp->ch, info->ch.dev, &nf2_bp_ops, "bypass");
	bp->handle = b->handle;
	bp->peer = b->peer_domid;
	bp->pages = b->ring_pages;
	ether_addr_copy(bp->mac, b->mac);
	/*
	 * docs/protocol.md 10.2: unless the backend vouches for the peer
	 * (REMOTE_TRUSTED), it may only send from its own MAC; unless it
	 * vouches for us (LOCAL_TRUSTED), we only send it our own frames
	 * (nf2_bypass_route keeps the rest on the parent ring).
	 */
	if (!(b->flags & NC2_BYPASS_F_REMOTE_TRUSTED))
		bp->ch->filter_src = bp->mac;
	bp->local_trusted = b->flags & NC2_BYPASS_F_LOCAL_TRUSTED;
	/* 10.5: by IP; nothing in or out until BYPASS_ADDRS says whom. */
	bp->by_addrs = b->flags & NC2_BYPASS_F_ADDRS;
	bp->ch->filter_ip_on = bp->by_addrs;
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
	spin_lock_bh(&info->bypass_lock);
	bp->enabled = true;
	spin_unlock_bh(&info->bypass_lock);
	nf2_bp_publish(info);
	return 0;
}

/* End A: allocate, reset and grant the rings; answer FRONTEND_READY. */
static void nf2_bp_grant(struct nf2_info *info, const struct nc2_bypass_msg *b)
{
	struct nc2_bypass_msg ready = {
		.type = NC2_MSG_BYPASS_FRONTEND_READY,
		.handle = b->handle,
		.ring_pages = b->ring_pages,
	};
	struct evtchn_alloc_unbound au = {
		.dom = DOMID_SELF,
		.remote_dom = b->peer_domid,
	};
	size_t bytes = (size_t)b->ring_pages * PAGE_SIZE;
	struct nf2_bypass *bp = nf2_bp_new(info, b);
	struct nc2k_rings r;
	unsigned int i;
	int ref;

	if (!bp)
		goto fail;
	bp->granter = true;
	bp->ctrl = (void *)get_zeroed_page(GFP_KERNEL);
	bp->ring_ab = alloc_pages_exact(bytes, GFP_KERNEL | __GFP_ZERO);
	bp->ring_ba = alloc_pages_exact(bytes, GFP_KERNEL | __GFP_ZERO);
	if (!bp->ctrl || !bp->ring_ab || !bp->ring_ba)
		goto fail_bp;
	nc2_ctrl_reset(bp->ctrl + NC2_CTRL_OFF_F2B);
	nc2_ctrl_reset(bp->ctrl + NC2_CTRL_OFF_B2F);
	ref = gnttab_grant_foreign_access(bp->peer, virt_to_gfn(bp->ctrl), 0);
	if (ref < 0)
		goto fail_bp;
	bp->ctrl_ref = ref;
	bp->ctrl_granted = true;
	for (i = 0; i < 2 * bp->pages; i++) {
		ref = gnttab_grant_foreign_access(bp->peer,
						  virt_to_gfn(nf2_bp_page(bp, i)),
						  0);
		if (ref < 0)
			goto fail_bp;
		bp->refs[i] = ref;
		bp->nr_refs = i + 1;
		ready.gref[i] = ref;
	}
	if (HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au))
		goto fail_bp;
	r.tx_ctrl = bp->ctrl + NC2_CTRL_OFF_F2B;	/* A to B */
	r.tx_ring = bp->ring_ab;
	r.rx_ctrl = bp->ctrl + NC2_CTRL_OFF_B2F;
	r.rx_ring = bp->ring_ba;
	r.ring_bytes = bytes;
	if (nf2_bp_start(info, bp, &r, au.port))
		goto fail_bp;
	ready.evtchn = au.port;
	ready.ctrl_gref = bp->ctrl_ref;
	netdev_info(info->ch.dev,
		    "bypass %u to %pM (domain %u): end A, port %u, refs %u/%u/%u\n",
		    bp->handle, bp->mac, bp->peer, au.port, bp->ctrl_ref,
		    bp->refs[0], bp->refs[bp->pages]);
	if (nf2_send_parent(info, &ready))
		nf2_bp_release(info, bp);
	return;

fail_bp:
	nf2_bp_release(info, bp);
fail:
	/* The protocol has no refusal: the backend's request stays pending. */
	netdev_warn(info->ch.dev, "cannot build bypass %u to domain %u\n",
		    b->handle, b->peer_domid);
}

/* End B: map A's pages and bind to A's port; answer READY. */
static void nf2_bp_map(struct nf2_info *info, const struct nc2_bypass_msg *b)
{
	struct nc2_bypass_msg ready = {
		.type = NC2_MSG_BYPASS_READY,
		.handle = b->handle,
	};
	struct evtchn_bind_interdomain bi = {
		.remote_dom = b->peer_domid,
		.remote_port = b->evtchn,
	};
	grant_ref_t refs[NF2_MAP_MAX];
	unsigned int i, pages = b->ring_pages;
	struct nf2_bypass *bp;
	struct nc2k_rings r;
	void *va;

	/* The library checked ring_pages (a power of two, at most the max). */
	bp = nf2_bp_new(info, b);
	if (!bp)
		goto fail;
	refs[0] = b->ctrl_gref;
	for (i = 0; i < 2 * pages; i++)
		refs[1 + i] = b->gref[i];
	if (nf2_map_grants(&bp->map, bp->peer, refs, 1 + 2 * pages))
		goto fail_bp;
	va = bp->map.va;
	if (HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bi))
		goto fail_bp;
	r.tx_ctrl = va + NC2_CTRL_OFF_B2F;
	r.tx_ring = va + (1 + pages) * PAGE_SIZE;	/* B to A */
	r.rx_ctrl = va + NC2_CTRL_OFF_F2B;
	r.rx_ring = va + PAGE_SIZE;			/* A to B */
	r.ring_bytes = pages * PAGE_SIZE;
	if (nf2_bp_start(info, bp, &r, bi.local_port))
		goto fail_bp;
	netdev_info(info->ch.dev,
		    "bypass %u to %pM (domain %u): end B, port %u->%u, %u-page rings\n",
		    bp->handle, bp->mac, bp->peer, bi.local_port, b->evtchn,
		    pages);
	if (nf2_send_parent(info, &ready))
		nf2_bp_release(info, bp);
	return;

fail_bp:
	nf2_bp_release(info, bp);
fail:
	netdev_warn(info->ch.dev, "cannot join bypass %u of domain %u\n",
		    b->handle, b->peer_domid);
}

/*
 * After DISABLED: send what we held on the parent ring, oldest first, and
 * only then let new packets for the peer take the parent ring too.
 */
static void nf2_bp_flush_held(struct nf2_info *info, struct nf2_bypass *bp)
{
	unsigned int tries = 0;
	struct sk_buff *skb;
	netdev_tx_t ret;

	for (;;) {
		spin_lock_bh(&info->bypass_lock);
		skb = __skb_dequeue(&bp->held);
		if (!skb)
			bp->draining = false;
		spin_unlock_bh(&info->bypass_lock);
		if (!skb)
			return;
		local_bh_disable();
		ret = nc2k_chan_xmit(&info->ch, skb);
		local_bh_enable();
		if (ret != NETDEV_TX_BUSY) {
			tries = 0;
			continue;
		}
		/* The parent ring is full: put it back and wait for room. */
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

/* Stop steering, let our packets on the bypass finish, say DISABLED. */
static void nf2_bp_disable(struct nf2_info *info, u32 handle)
{
	struct nc2_bypass_msg done = {
		.type = NC2_MSG_BYPASS_DISABLED,
		.handle = handle,
	};
	struct nf2_bypass *bp = nf2_bp_find(info, handle);
	unsigned int waited = 0, inflight;

	if (bp) {
		spin_lock_bh(&info->bypass_lock);
		bp->enabled = false;
		bp->draining = true;
		spin_unlock_bh(&info->bypass_lock);
		synchronize_net();
		nf2_bp_publish(info);
		do {
			spin_lock_bh(&bp->ch->lock);
			inflight = bp->ch->attached && bp->ch->up ?
				   nc2_link_ids_inflight(nc2_net_link(&bp->ch->net)) :
				   0;
			spin_unlock_bh(&bp->ch->lock);
			if (inflight)
				usleep_range(10000, 20000);
			waited += 10;
		} while (inflight && waited < NF2_DRAIN_MS);
	}
	nf2_send_parent(info, &done);
	if (bp)
		nf2_bp_flush_held(info, bp);
}

static void nf2_bp_detach(struct nf2_info *info, u32 handle)
{
	struct nc2_bypass_msg done = {
		.type = NC2_MSG_BYPASS_DETACHED,
		.handle = handle,
	};
	struct nf2_bypass *bp = nf2_bp_find(info, handle);

	if (bp)
		nf2_bp_release(info, bp);
	nf2_send_parent(info, &done);
}

/* BYPASS_ADDRS: the peer's addresses, for a bypass set up with F_ADDRS. */
static void nf2_bp_addrs(struct nf2_info *info, const struct nc2_bypass_msg *b)
{
	struct nf2_bypass *bp = nf2_bp_find(info, b->handle);

	/* From the trusted end: a misstep is logged, not fatal (10.5). */
	if (!bp || !bp->by_addrs || bp->addrs_set) {
		netdev_warn(info->ch.dev,
			    "bypass %u: unexpected BYPASS_ADDRS ignored\n",
			    b->handle);
		return;
	}
	spin_lock_bh(&info->bypass_lock);
	bp->addrs = b->addrs;
	bp->addrs_set = true;
	spin_unlock_bh(&info->bypass_lock);
	/* Pairs with nc2k_rx_addr_ok(): the filter sees the set complete. */
	smp_store_release(&bp->ch->filter_ip, &bp->addrs);
	netdev_info(info->ch.dev,
		    "bypass %u to domain %u: by IP, %u IPv4 and %u IPv6 addresses\n",
		    bp->handle, bp->peer, b->addrs.nr_ipv4, b->addrs.nr_ipv6);
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

		switch (b.type) {
		case NC2_MSG_BYPASS_FRONTEND:
			nf2_bp_grant(info, &b);
			break;
		case NC2_MSG_BYPASS_BACKEND:
			nf2_bp_map(info, &b);
			break;
		case NC2_MSG_BYPASS_DISABLE:
			nf2_bp_disable(info, b.handle);
			break;
		case NC2_MSG_BYPASS_DETACH:
			nf2_bp_detach(info, b.handle);
			break;
		case NC2_MSG_BYPASS_ADDRS:
			nf2_bp_addrs(info, &b);
			break;
		default:
			break;
		}
	}
	mutex_unlock(&info->bypass_mutex);
}

void nf2_bypass_init(struct nf2_info *info)
{
	spin_lock_init(&info->bypass_lock);
	mutex_init(&info->bypass_mutex);
	INIT_WORK(&info->bypass_work, nf2_bypass_work);
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
		netdev_warn(ch->dev, "bypass messages arrive faster than handled\n");
		return;
	}
	tail = (info->msgq_head + info->msgq_len) % ARRAY_SIZE(info->msgq);
	info->msgq[tail] = b;
	info->msgq_len++;
	spin_unlock(&info->bypass_lock);
	schedule_work(&info->bypass_work);
}

/* Whether skb goes to one of bp's peer addresses (protocol 10.5). */
static bool nf2_bp_for_addrs(const struct nf2_bypass *bp,
			     const struct sk_buff *skb)
{
	u8 buf[NC2_BYPASS_ADDRS_HDR];
	unsigned int len = min_t(unsigned int, skb->len, sizeof(buf));
	const u8 *hdr;

	if (!bp->addrs_set)
		return false;
	hdr = skb_header_pointer(skb, 0, len, buf);
	return hdr && nc2_bypass_addrs_dst(&bp->addrs, hdr, len);
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
		bool by_ip = false;

		if (!bp->ch)
			continue;
		if (!ether_addr_equal(bp->mac, eth->h_dest)) {
			/* Routed: sent to our gateway's MAC, for the peer. */
			if (!nf2_bp_for_addrs(bp, skb))
				continue;
			by_ip = true;
		}
		/* Not vouched for: frames we forward for others stay on the parent. */
		if (!bp->local_trusted &&
		    !ether_addr_equal(eth->h_source, info->ch.dev->dev_addr))
			break;
		if (bp->draining) {
			if (skb_queue_len(&bp->held) < NF2_HOLD_MAX)
				__skb_queue_tail(&bp->held, skb);
			else
				dev_kfree_skb_any(skb);
			ch = NULL;
		} else if (bp->enabled && READ_ONCE(bp->ch->up)) {
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
	mutex_lock(&info->bypass_mutex);
	for (i = 0; i < NF2_MAX_BYPASSES; i++)
		if (info->bypass[i].ch)
			nf2_bp_release(info, &info->bypass[i]);
	info->msgq_len = 0;
	mutex_unlock(&info->bypass_mutex);
}

void nf2_bypass_destroy(struct nf2_info *info)
{
	nf2_bypass_teardown_all(info);
	mutex_destroy(&info->bypass_mutex);
}
