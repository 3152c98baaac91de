// SPDX-License-Identifier: GPL-2.0-only
/*
 * nc2k_chan.c - one nc2 network link on a net_device: send, receive,
 * complete. Every protocol rule is libnc2ring's; this file only turns
 * skbs into struct nc2_pkt and back, and grants or copies the bytes.
 */
#include <linux/etherdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/ktime.h>
#include <linux/rtnetlink.h>
#include <linux/vmalloc.h>
#include <xen/events.h>
#include <xen/page.h>

#include "nc2k.h"

/* Bounce pages a 64 KiB packet needs, with one to spare for the prefix. */
#define NC2K_GSO_PAGES (NC2_MAX_PACKET_BYTES / PAGE_SIZE + 1)

/* Copy bytes a forwarded fragment's transitive grant is charged as. */
#define NC2K_FWD_FRAG_COST 64u

/* Refs reserved per channel for sub-page grants of skb fragments. */
#define NC2K_SUBPAGE_REFS 1024u

/* ---- bounce pages: hold nothing but packet data for this peer (XSA-403) */

/*
 * Grant one bounce page read-only. Towards a peer that promised to copy,
 * and where sub-page grants exist (grant table v2), a whole-page
 * sub-page grant: copy-only, so the peer cannot map it and hold the page
 * past our end of it. Otherwise an ordinary grant.
 */
static int bounce_grant(struct nc2k_chan *ch, struct nc2k_bounce *b)
{
	int ref;

	if (ch->subpage) {
		ref = gnttab_claim_grant_reference(&ch->gref_head);
		if (ref >= 0) {
			if (!nc2k_grant_subpage(ref, ch->peer, b->page, 0,
						PAGE_SIZE)) {
				ch->refs_claimed++;
				b->gref = ref;
				return 0;
			}
			gnttab_release_grant_reference(&ch->gref_head, ref);
		}
	}
	ref = gnttab_grant_foreign_access(ch->peer, xen_page_to_gfn(b->page),
					  1);
	if (ref < 0)
		return ref;
	atomic_long_inc(&nc2k_acct.grefs);
	b->gref = ref;
	return 0;
}

static int bounce_alloc(struct nc2k_chan *ch, unsigned int nr)
{
	unsigned int i;
	int err;

	ch->bounce = kvcalloc(nr, sizeof(*ch->bounce), GFP_KERNEL);
	if (!ch->bounce)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		struct nc2k_bounce *b = &ch->bounce[i];

		/* Zeroed: a fresh page must not carry our old kernel data. */
		b->page = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!b->page)
			return -ENOMEM;
		atomic_long_inc(&nc2k_acct.pages);
		/*
		 * Granted once for the pool's life: the page only ever holds
		 * packets for this very peer, so a stale tail shows it
		 * nothing it was not sent already.
		 */
		err = bounce_grant(ch, b);
		if (err) {
			__free_page(b->page);
			atomic_long_dec(&nc2k_acct.pages);
			b->page = NULL;
			return err;
		}
		ch->nr_bounce = i + 1;
	}
	return 0;
}

/* Every page free again; the pool may be reused by a new connection. */
static void bounce_reset(struct nc2k_chan *ch)
{
	unsigned int i;

	ch->bounce_free = NC2K_BOUNCE_NONE;
	ch->bounce_avail = 0;
	for (i = 0; i < ch->nr_bounce; i++) {
		ch->bounce[i].next = ch->bounce_free;
		ch->bounce_free = i;
		ch->bounce_avail++;
	}
}

static void bounce_free_all(struct nc2k_chan *ch)
{
	unsigned int i;

	/* Freed now, or once the peer lets go of them (XSA-396). */
	for (i = 0; i < ch->nr_bounce; i++)
		nc2k_grant_retire(ch->bounce[i].gref, ch->bounce[i].page, NULL);
	kvfree(ch->bounce);
	ch->bounce = NULL;
	ch->nr_bounce = 0;
	ch->bounce_avail = 0;
	ch->bounce_free = NC2K_BOUNCE_NONE;
}

static int bounce_get(struct nc2k_chan *ch)
{
	u16 i = ch->bounce_free;

	if (i == NC2K_BOUNCE_NONE)
		return -1;
	ch->bounce_free = ch->bounce[i].next;
	ch->bounce_avail--;
	return i;
}

static void bounce_put(struct nc2k_chan *ch, u16 i)
{
	ch->bounce[i].next = ch->bounce_free;
	ch->bounce_free = i;
	ch->bounce_avail++;
}

/* ---- completion of what we sent */

/*
 * Refs are ended with gnttab_try_end_foreign_access(), which says nothing
 * when the peer has one busy (the _ref variant logs a warning each time,
 * which a hostile peer could then have dom0 print at will) and on success
 * gives the ref back to Linux. n refs of our head went that way: put as
 * many fresh ones in the head so it keeps its size.
 */
static void head_refill(struct nc2k_chan *ch, unsigned int n)
{
	grant_ref_t tmp;

	if (!n)
		return;
	atomic_long_sub(n, &nc2k_acct.grefs);
	/* None to spare: the head stays smaller, senders fall back. */
	if (gnttab_alloc_grant_references(n, &tmp))
		return;
	atomic_long_add(n, &nc2k_acct.grefs);
	while (n--) {
		int r = gnttab_claim_grant_reference(&tmp);

		gnttab_release_grant_reference(&ch->gref_head, r);
		ch->refs_claimed--;
	}
}

/* A sub-page or transitive ref of ours, ended or retired (skb: its data). */
static void end_ref(struct nc2k_chan *ch, grant_ref_t ref, struct sk_buff *skb)
{
	if (gnttab_try_end_foreign_access(ref)) {
		head_refill(ch, 1);
		return;
	}
	/*
	 * The peer is still copying although it finished the id: the ref,
	 * and the skb whose page it covers, wait until it stops (XSA-396).
	 * The ref never goes back to our head.
	 */
	ch->cnt.tx_deferred_end++;
	ch->cnt.grants_retired++;
	nc2k_grant_retire(ref, NULL, skb ? skb_get(skb) : NULL);
}

/* End what can be ended now, keeping the rest first; how many remain. */
static u32 try_end_refs(struct nc2k_chan *ch, grant_ref_t *ref, u32 nr)
{
	u32 i, left = 0;

	for (i = 0; i < nr; i++)
		if (!gnttab_try_end_foreign_access(ref[i]))
			ref[left++] = ref[i];
	head_refill(ch, nr - left);
	return left;
}

static struct nc2k_held *held_get(struct nc2k_chan *ch)
{
	struct nc2k_held *h;

	h = list_first_entry_or_null(&ch->held_free, struct nc2k_held, node);
	if (h)
		list_del(&h->node);
	return h;
}

static void held_put(struct nc2k_chan *ch, struct nc2k_held *h)
{
	h->fwd = NULL;
	h->nr = 0;
	list_add(&h->node, &ch->held_free);
}

/*
 * A hold whose refs all ended: answer its packet (or, once revoked or
 * orphaned, nothing) and give the hold back.
 */
static void held_done(struct nc2k_chan *ch, struct nc2k_held *h)
{
	void *fwd = h->fwd;

	held_put(ch, h);
	if (fwd)
		ch->ops->forward_done(ch, fwd);
}

static void slot_release_fwd(struct nc2k_chan *ch, struct nc2k_slot *s)
{
	struct nc2k_held *h = s->h;
	u32 i;

	h->nr = try_end_refs(ch, s->ref, s->nr);
	if (!h->nr) {
		h->fwd = s->fwd;
		held_done(ch, h);
		return;
	}
	/*
	 * The transitive grants stay live until they end: never hand them to
	 * gnttab_end_foreign_access(), which would read a page out of them.
	 */
	ch->cnt.fwd_held++;
	h->fwd = s->fwd;
	for (i = 0; i < h->nr; i++)
		h->ref[i] = s->ref[i];
	list_add_tail(&h->node, &ch->held);
}

bool nc2k_chan_reap(struct nc2k_chan *ch)
{
	struct nc2k_held *h, *t;
	bool freed = false;

	list_for_each_entry_safe(h, t, &ch->held, node) {
		h->nr = try_end_refs(ch, h->ref, h->nr);
		if (h->nr)
			continue;
		list_del(&h->node);
		held_done(ch, h);
		freed = true;
	}
	return freed;
}

static void slot_release(struct nc2k_chan *ch, struct nc2k_slot *s)
{
	unsigned int i;

	if (s->h) {
		slot_release_fwd(ch, s);
	} else {
		for (i = 0; i < s->nr; i++) {
			if (s->subpage & BIT(i))
				end_ref(ch, s->ref[i], s->skb);
			else
				bounce_put(ch, s->ref[i]);
		}
	}
	if (s->skb)
		dev_consume_skb_any(s->skb);
	if (ch->lim && s->len)
		nc2_limiter_unqueue(ch->lim, s->len);
	s->skb = NULL;
	s->fwd = NULL;
	s->h = NULL;
	s->nr = 0;
	s->subpage = 0;
	s->len = 0;
}

/* ---- sending */

/* Inline bytes the receiver needs without touching a grant. */
static int tx_headers(struct sk_buff *skb, struct nc2_pkt *pkt, u32 offloads)
{
	unsigned int need = ETH_HLEN;
	unsigned int gso = skb_is_gso(skb) ? skb_shinfo(skb)->gso_type : 0;

	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		if (!(offloads & NC2_OFFLOAD_CSUM))
			return -EOPNOTSUPP;
		pkt->flags |= NC2_PKT_F_CSUM_BLANK;
		pkt->csum_start = skb_checksum_start_offset(skb);
		pkt->csum_offset = skb->csum_offset;
		need = max_t(unsigned int, need,
			     pkt->csum_start + pkt->csum_offset + 2);
	} else if (skb->ip_summed == CHECKSUM_UNNECESSARY) {
		pkt->flags |= NC2_PKT_F_DATA_VALIDATED;
	}
	if (!gso)
		return need;
	if (gso & SKB_GSO_TCPV4)
		pkt->gso_type = NC2_GSO_TCPV4;
	else if (gso & SKB_GSO_TCPV6)
		pkt->gso_type = NC2_GSO_TCPV6;
	else if (gso & SKB_GSO_UDP_L4)
		pkt->gso_type = NC2_GSO_UDP_L4;
	else
		return -EOPNOTSUPP;
	if (pkt->gso_type == NC2_GSO_UDP_L4)
		pkt->hdr_len = skb_transport_offset(skb) + sizeof(struct udphdr);
	else
		pkt->hdr_len = skb_tcp_all_headers(skb);
	pkt->gso_size = skb_shinfo(skb)->gso_size;
	return max_t(unsigned int, need, pkt->hdr_len);
}

static int tx_add_bounce(struct nc2k_chan *ch, struct sk_buff *skb,
			 struct nc2_pkt *pkt, struct nc2k_slot *s,
			 unsigned int off)
{
	while (off < skb->len) {
		unsigned int len = min_t(unsigned int, skb->len - off,
					 PAGE_SIZE);
		struct nc2_pkt_frag *f = &pkt->frag[pkt->nr_frags];
		int i = bounce_get(ch);

		if (i < 0)
			return -EAGAIN;
		s->ref[s->nr++] = i;
		if (skb_copy_bits(skb, off, page_address(ch->bounce[i].page),
				  len))
			return -EINVAL;
		f->gref = ch->bounce[i].gref;
		f->off = 0;
		f->len = len;
		pkt->nr_frags++;
		off += len;
		ch->cnt.tx_bounce_pages++;
	}
	return 0;
}

/* Grant [off, off + len) of page read-only, one grant per 4 KiB page. */
static int tx_grant_range(struct nc2k_chan *ch, struct nc2_pkt *pkt,
			  struct nc2k_slot *s, struct page *page,
			  unsigned int off, unsigned int len, unsigned int max)
{
	while (len) {
		struct page *pg = nth_page(page, off >> PAGE_SHIFT);
		unsigned int poff = offset_in_page(off);
		unsigned int n = min_t(unsigned int, len, PAGE_SIZE - poff);
		struct nc2_pkt_frag *f;
		int ref;

		if (pkt->nr_frags >= max)
			return -E2BIG;
		ref = gnttab_claim_grant_reference(&ch->gref_head);
		if (ref < 0)
			return -EAGAIN;
		if (nc2k_grant_subpage(ref, ch->peer, pg, poff, n)) {
			gnttab_release_grant_reference(&ch->gref_head, ref);
			return -EIO;
		}
		ch->refs_claimed++;
		s->subpage |= BIT(s->nr);
		s->ref[s->nr++] = ref;
		f = &pkt->frag[pkt->nr_frags++];
		f->gref = ref;
		f->off = poff;
		f->len = n;
		ch->cnt.tx_subpage_grants++;
		off += n;
		len -= n;
	}
	return 0;
}

/*
 * Sub-page grants straight onto the skb's page fragments: the peer can
 * read exactly the packet bytes and nothing around them. The linear area
 * may sit in slab memory shared with other objects, so its bytes past the
 * prefix go through a bounce page instead.
 */
static int tx_add_subpage(struct nc2k_chan *ch, struct sk_buff *skb,
			  struct nc2_pkt *pkt, struct nc2k_slot *s,
			  unsigned int off, unsigned int max)
{
	struct skb_shared_info *sh = skb_shinfo(skb);
	unsigned int pos = skb_headlen(skb), i;
	int err;

	if (skb_has_frag_list(skb))
		return -E2BIG;
	if (off < pos) {
		unsigned int head = pos - off;

		while (head) {
			unsigned int len = min_t(unsigned int, head, PAGE_SIZE);
			struct nc2_pkt_frag *f = &pkt->frag[pkt->nr_frags];
			int b;

			if (pkt->nr_frags >= max)
				return -E2BIG;
			b = bounce_get(ch);
			if (b < 0)
				return -EAGAIN;
			s->ref[s->nr++] = b;
			memcpy(page_address(ch->bounce[b].page),
			       skb->data + off, len);
			f->gref = ch->bounce[b].gref;
			f->off = 0;
			f->len = len;
			pkt->nr_frags++;
			off += len;
			head -= len;
		}
	}
	for (i = 0; i < sh->nr_frags; i++) {
		const skb_frag_t *fr = &sh->frags[i];
		unsigned int len = skb_frag_size(fr);
		unsigned int start = 0;

		if (off >= pos + len) {
			pos += len;
			continue;
		}
		if (off > pos)
			start = off - pos;
		err = tx_grant_range(ch, pkt, s, skb_frag_page(fr),
				     skb_frag_off(fr) + start, len - start, max);
		if (err)
			return err;
		pos += len;
		off = pos;
	}
	return 0;
}

/* Take back what a packet that was never sent granted (skb: its data). */
static void tx_undo(struct nc2k_chan *ch, struct nc2k_slot *s,
		    struct sk_buff *skb)
{
	unsigned int i;

	for (i = 0; i < s->nr; i++) {
		if (s->subpage & BIT(i))
			end_ref(ch, s->ref[i], skb);
		else
			bounce_put(ch, s->ref[i]);
	}
	s->nr = 0;
	s->subpage = 0;
}

/*
 * No room for a packet: ring space, an id or bounce pages. A parent
 * channel stops its device; a bypass channel shares the device with the
 * parent and the other bypasses, so it stops only itself (its caller
 * queues the packet on the channel's backlog). msg_len, when known, asks
 * the peer for an event once a message that big fits.
 */
static void tx_stop(struct nc2k_chan *ch, u32 msg_len)
{
	ch->stopped = true;
	ch->cnt.tx_busy++;
	if (ch->role != NC2_ROLE_PEER)
		netif_stop_queue(ch->dev);
	if (msg_len &&
	    nc2_link_want_space(nc2_net_link(&ch->net), msg_len) == 1) {
		ch->stopped = false;
		if (ch->role != NC2_ROLE_PEER)
			netif_wake_queue(ch->dev);
	}
}

static void tx_notify(struct nc2k_chan *ch)
{
	if (nc2_link_push(nc2_net_link(&ch->net)) > 0)
		notify_remote_via_irq(ch->irq);
}

/*
 * The biggest PACKET message pkt (headers set, fragments not yet) can
 * become with nr_frags fragments: checked against ring room before any
 * byte is copied or granted, so that a full ring costs nothing.
 */
static u32 tx_msg_max(struct nc2_pkt *pkt, unsigned int nr_frags)
{
	u32 len;

	pkt->nr_frags = nr_frags;
	len = nc2_pkt_msg_size(pkt);
	pkt->nr_frags = 0;
	return len;
}

/* Called with ch->lock held. */
static netdev_tx_t __tx(struct nc2k_chan *ch, struct sk_buff *skb)
{
	struct nc2_net *n = &ch->net;
	const struct nc2_net_limits *peer = nc2_net_peer_limits(n);
	struct nc2_pkt *pkt = &ch->txpkt;
	struct nc2k_slot scratch = { };
	unsigned int max_frags = min(peer->max_frags, NC2K_MAX_SEND_FRAGS);
	unsigned int bounce_frags = 0;
	u32 room;
	int need, err;

	memset(pkt, 0, offsetof(struct nc2_pkt, frag));
	/* A bypass peer may accept less than the parent our features follow. */
	if (skb->ip_summed == CHECKSUM_PARTIAL && !skb_is_gso(skb) &&
	    !(peer->offloads & NC2_OFFLOAD_CSUM) && skb_checksum_help(skb))
		goto drop_limit;
	need = tx_headers(skb, pkt, peer->offloads);
	if (need < 0 || need > peer->max_inline)
		goto drop_limit;
	pkt->total_len = skb->len;
	pkt->prefix = ch->inl;
	if (nc2_net_fits_inline(n, skb->len)) {
		pkt->type = NC2_PKT_SMALL;
		pkt->prefix_size = skb->len;
	} else {
		pkt->type = NC2_PKT_RECEIVER_COPY;
		pkt->prefix_size = max_t(unsigned int, need, NC2K_TX_PREFIX);
		bounce_frags = DIV_ROUND_UP(skb->len - pkt->prefix_size,
					    PAGE_SIZE);
		if (bounce_frags > max_frags)
			goto drop_limit;
		/* Without an id to send it under, no point building it. */
		if (!nc2_link_ids_free(nc2_net_link(n))) {
			tx_stop(ch, 0);
			return NETDEV_TX_BUSY;
		}
	}
	/* Reserve before copying: the ring must take the largest form. */
	room = tx_msg_max(pkt, ch->subpage ? max_frags : bounce_frags);
	err = nc2_link_want_space(nc2_net_link(n), room);
	if (err < 0) {
		ch->cnt.tx_drop_state++;
		goto drop;
	}
	if (!err) {
		tx_stop(ch, 0);	/* want_space has asked for the event */
		return NETDEV_TX_BUSY;
	}
	if (skb_copy_bits(skb, 0, ch->inl, pkt->prefix_size))
		goto drop_limit;

	if (pkt->type != NC2_PKT_SMALL) {
		err = -E2BIG;
		if (ch->subpage)
			err = tx_add_subpage(ch, skb, pkt, &scratch,
					     pkt->prefix_size, max_frags);
		if (err == -E2BIG || err == -EIO || err == -EAGAIN) {
			/* Too scattered or refused: densely packed bounce. */
			tx_undo(ch, &scratch, skb);
			pkt->nr_frags = 0;
			err = tx_add_bounce(ch, skb, pkt, &scratch,
					    pkt->prefix_size);
		}
		if (err == -EAGAIN) {
			tx_undo(ch, &scratch, skb);
			tx_stop(ch, 0);
			return NETDEV_TX_BUSY;
		}
		if (err) {
			tx_undo(ch, &scratch, skb);
			goto drop_limit;
		}
		if (ch->lim && nc2_limiter_queue(ch->lim, skb->len)) {
			tx_undo(ch, &scratch, skb);
			ch->cnt.tx_drop_queue++;
			goto drop;
		}
	}

	/* Test hook: name a grant we never made, as a hostile sender would. */
	if (unlikely(ch->fault_bad_gref) && pkt->nr_frags) {
		ch->fault_bad_gref = false;
		pkt->frag[0].gref ^= 0x40000000u;
	}
	err = nc2_net_send_packet(n, pkt);
	if (err) {
		if (ch->lim && pkt->type != NC2_PKT_SMALL)
			nc2_limiter_unqueue(ch->lim, skb->len);
		tx_undo(ch, &scratch, skb);
		if (err == -NC2_E_AGAIN) {
			tx_stop(ch, nc2_pkt_msg_size(pkt));
			return NETDEV_TX_BUSY;
		}
		if (err == -NC2_E_LIMIT)
			goto drop_limit;
		ch->cnt.tx_drop_state++;
		goto drop;
	}
	if (pkt->type != NC2_PKT_SMALL) {
		struct nc2k_slot *s = &ch->slots[pkt->id];

		*s = scratch;
		s->len = ch->lim ? skb->len : 0;
		/* Sub-page grants point into the skb: keep it until FINISH. */
		if (s->subpage) {
			s->skb = skb;
			skb = NULL;
		}
	}
	ch->dev->stats.tx_packets++;
	ch->dev->stats.tx_bytes += pkt->total_len;
	tx_notify(ch);
	if (skb)
		dev_consume_skb_any(skb);
	return NETDEV_TX_OK;

drop_limit:
	ch->cnt.tx_drop_limit++;
drop:
	ch->dev->stats.tx_dropped++;
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

/*
 * A bypass channel's backlog, oldest first, while there is room (lock
 * held). Anything queued there goes before a new packet, so a full ring
 * never reorders a flow.
 */
static void tx_backlog_flush(struct nc2k_chan *ch)
{
	struct sk_buff *skb;
	bool retried = false;

	while ((skb = __skb_dequeue(&ch->backlog))) {
		if (!ch->up) {
			ch->cnt.tx_drop_state++;
			ch->dev->stats.tx_dropped++;
			dev_kfree_skb_any(skb);
			continue;
		}
		if (__tx(ch, skb) != NETDEV_TX_BUSY) {
			retried = false;
			continue;
		}
		__skb_queue_head(&ch->backlog, skb);
		/* Not stopped: room came back as we asked for it. Once more. */
		if (ch->stopped || retried)
			return;
		retried = true;
	}
}

netdev_tx_t nc2k_chan_xmit(struct nc2k_chan *ch, struct sk_buff *skb)
{
	netdev_tx_t ret;

	spin_lock_bh(&ch->lock);
	if (!ch->up || skb->len > NC2_MAX_PACKET_BYTES || skb->len < ETH_HLEN) {
		ch->cnt.tx_drop_state++;
		ch->dev->stats.tx_dropped++;
		spin_unlock_bh(&ch->lock);
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	if (ch->role != NC2_ROLE_PEER) {
		ret = __tx(ch, skb);
		spin_unlock_bh(&ch->lock);
		return ret;
	}
	/* A bypass: never stop the shared device (see tx_stop). */
	if (skb_queue_len(&ch->backlog) >= NC2K_BACKLOG_MAX) {
		ch->cnt.tx_backlog_drops++;
		ch->dev->stats.tx_dropped++;
		spin_unlock_bh(&ch->lock);
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	__skb_queue_tail(&ch->backlog, skb);
	tx_backlog_flush(ch);
	spin_unlock_bh(&ch->lock);
	return NETDEV_TX_OK;
}

/* Offloads pkt relies on that the peer must have declared. */
static bool peer_takes(const struct nc2_net *n, const struct nc2_pkt *pkt)
{
	u32 need = 0;

	if (pkt->flags & NC2_PKT_F_CSUM_BLANK)
		need |= NC2_OFFLOAD_CSUM;
	if (pkt->gso_type == NC2_GSO_TCPV4)
		need |= NC2_OFFLOAD_TSO4;
	else if (pkt->gso_type == NC2_GSO_TCPV6)
		need |= NC2_OFFLOAD_TSO6;
	else if (pkt->gso_type != NC2_GSO_NONE)
		return false;
	return (nc2_net_peer_limits(n)->offloads & need) == need;
}

int nc2k_chan_send_trans(struct nc2k_chan *ch, const struct nc2_pkt *pkt,
			 domid_t owner, void *cookie)
{
	struct nc2_net *n = &ch->net;
	struct nc2_link *l = nc2_net_link(n);
	struct nc2_pkt *out = &ch->txpkt;
	struct nc2k_held *h = NULL;
	grant_ref_t ref[NC2K_MAX_SEND_FRAGS];
	unsigned int i, nr = 0;
	int err;

	if (!ch->up || !ch->transitive || !peer_takes(n, pkt) ||
	    pkt->nr_frags > NC2K_MAX_SEND_FRAGS ||
	    (pkt->type == NC2_PKT_SMALL && pkt->nr_frags))
		return -EOPNOTSUPP;
	if (pkt->type != NC2_PKT_SMALL) {
		if (!nc2_link_ids_free(l))
			return -EAGAIN;
		/* Reserve before granting: the ring must take it now. */
		err = nc2_link_want_space(l, nc2_pkt_msg_size(pkt));
		if (err < 0)
			return nc2k_errno(err);
		if (!err)
			return -EAGAIN;
		/* Every hold in use: the peer keeps grants busy. */
		h = held_get(ch);
		if (!h)
			return -EAGAIN;
	}
	memcpy(out, pkt, offsetof(struct nc2_pkt, frag));
	out->nr_frags = 0;
	for (i = 0; i < pkt->nr_frags; i++) {
		const struct nc2_pkt_frag *f = &pkt->frag[i];
		int r = gnttab_claim_grant_reference(&ch->gref_head);

		if (r < 0) {
			err = -EAGAIN;
			goto undo;
		}
		/* Xen bounds the peer to owner's own grant of these bytes. */
		if (nc2k_grant_transitive(r, ch->peer, owner, f->gref)) {
			gnttab_release_grant_reference(&ch->gref_head, r);
			err = -EIO;
			goto undo;
		}
		ch->refs_claimed++;
		ref[nr++] = r;
		out->frag[out->nr_frags] = *f;
		out->frag[out->nr_frags++].gref = r;
		ch->cnt.tx_trans_grants++;
	}
	if (ch->lim && pkt->type != NC2_PKT_SMALL &&
	    nc2_limiter_queue(ch->lim, pkt->total_len)) {
		ch->cnt.tx_drop_queue++;
		err = -ENOBUFS;
		goto undo;
	}
	err = nc2_net_send_packet(n, out);
	if (err) {
		if (ch->lim && pkt->type != NC2_PKT_SMALL)
			nc2_limiter_unqueue(ch->lim, pkt->total_len);
		err = nc2k_errno(err);
		goto undo;
	}
	if (h) {
		struct nc2k_slot *s = &ch->slots[out->id];

		s->h = h;
		s->fwd = cookie;
		s->nr = nr;
		for (i = 0; i < nr; i++)
			s->ref[i] = ref[i];
		s->len = ch->lim ? pkt->total_len : 0;
	}
	ch->cnt.fwd_in++;
	ch->dev->stats.tx_packets++;
	ch->dev->stats.tx_bytes += pkt->total_len;
	tx_notify(ch);
	return 0;

undo:
	/*
	 * Never sent, but the peer may guess a ref and copy through it:
	 * what does not end now waits on the hold, answering nobody.
	 */
	if (h) {
		h->nr = try_end_refs(ch, ref, nr);
		if (h->nr) {
			for (i = 0; i < h->nr; i++)
				h->ref[i] = ref[i];
			h->fwd = NULL;
			list_add_tail(&h->node, &ch->held);
		} else {
			held_put(ch, h);
		}
	}
	return err;
}

/* ---- receiving */

/* Copy ops a packet can need: each fragment may straddle a page of ours. */
static unsigned int rx_ops_max(unsigned int nr_frags)
{
	return 2 * nr_frags;
}

/*
 * Build the skb for pkt: the prefix is copied out of the ring now (read
 * once), the fragments are queued as grant copies into fresh pages.
 * Called with ch->lock held, before the message is consumed.
 */
static int rx_start(struct nc2k_chan *ch, const struct nc2_pkt *pkt)
{
	unsigned int rest = pkt->total_len - pkt->prefix_size;
	unsigned int i, j = 0, doff = 0, first = ch->nr_copy;
	struct sk_buff *skb;

	/* eth_type_trans() needs a whole Ethernet header. */
	if (pkt->total_len < ETH_HLEN)
		return -EINVAL;
	skb = napi_alloc_skb(&ch->napi, pkt->prefix_size);
	if (!skb)
		return -ENOMEM;
	skb_put_data(skb, pkt->prefix, pkt->prefix_size);
	for (i = 0; rest; i++) {
		unsigned int len = min_t(unsigned int, rest, PAGE_SIZE);
		struct page *page = alloc_page(GFP_ATOMIC);

		if (!page) {
			kfree_skb(skb);
			ch->nr_copy = first;
			return -ENOMEM;
		}
		skb_add_rx_frag(skb, i, page, 0, len, PAGE_SIZE);
		rest -= len;
	}
	for (i = 0; i < pkt->nr_frags; i++) {
		const struct nc2_pkt_frag *f = &pkt->frag[i];
		unsigned int done = 0;

		while (done < f->len) {
			struct gnttab_copy *op = &ch->copy[ch->nr_copy++];
			skb_frag_t *sf = &skb_shinfo(skb)->frags[j];
			unsigned int n = min_t(unsigned int, f->len - done,
					       PAGE_SIZE - doff);

			op->source.u.ref = f->gref;
			op->source.domid = ch->peer;
			op->source.offset = f->off + done;
			op->dest.u.gmfn = xen_page_to_gfn(skb_frag_page(sf));
			op->dest.domid = DOMID_SELF;
			op->dest.offset = doff;
			op->len = n;
			op->flags = GNTCOPY_source_gref;
			done += n;
			doff += n;
			if (doff == PAGE_SIZE) {
				doff = 0;
				j++;
			}
		}
	}
	ch->pending[ch->nr_pending] = skb;
	ch->pending_ops[ch->nr_pending] = first;
	ch->pending_id[ch->nr_pending] = pkt->id;
	ch->pending_has_id[ch->nr_pending] = pkt->type != NC2_PKT_SMALL;
	ch->nr_pending++;
	return 0;
}

/* Checksum and GSO metadata from the peer, checked by the stack's parser. */
static int rx_offload(struct sk_buff *skb, const struct nc2_pkt *pkt)
{
	if (pkt->flags & NC2_PKT_F_CSUM_BLANK) {
		/* csum_start counts from the frame; skb->data is past L2 now. */
		if (pkt->csum_start < ETH_HLEN ||
		    !skb_partial_csum_set(skb, pkt->csum_start - ETH_HLEN,
					  pkt->csum_offset))
			return -EINVAL;
		skb_reset_network_header(skb);
		if (skb_checksum_setup(skb, false))
			return -EINVAL;
	} else if (pkt->flags & NC2_PKT_F_DATA_VALIDATED) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	}
	if (pkt->gso_type == NC2_GSO_NONE)
		return 0;
	switch (pkt->gso_type) {
	case NC2_GSO_TCPV4:
		skb_shinfo(skb)->gso_type = SKB_GSO_TCPV4;
		break;
	case NC2_GSO_TCPV6:
		skb_shinfo(skb)->gso_type = SKB_GSO_TCPV6;
		break;
	default:
		skb_shinfo(skb)->gso_type = SKB_GSO_UDP_L4;
		break;
	}
	/* The peer is not trusted: the stack recounts the segments. */
	skb_shinfo(skb)->gso_type |= SKB_GSO_DODGY;
	skb_shinfo(skb)->gso_size = pkt->gso_size;
	skb_shinfo(skb)->gso_segs = 0;
	return 0;
}

/* Metadata of each pending packet, kept beside it until delivery. */
struct nc2k_rxmeta {
	u8 flags, gso_type;
	u16 csum_start, csum_offset, gso_size;
};

static void rx_meta_save(struct sk_buff *skb, const struct nc2_pkt *pkt)
{
	struct nc2k_rxmeta *m = (void *)skb->cb;

	BUILD_BUG_ON(sizeof(*m) > sizeof(skb->cb));
	m->flags = pkt->flags;
	m->gso_type = pkt->gso_type;
	m->csum_start = pkt->csum_start;
	m->csum_offset = pkt->csum_offset;
	m->gso_size = pkt->gso_size;
}

/* Run the queued copies, hand the good skbs up, note ids to FINISH. */
/*
 * A bypass selected by IP: the frame's source must be one of the peer's
 * addresses (the library decides; we hand it the headers, copied out
 * when the frame is not linear that far).
 */
static bool nc2k_rx_addr_ok(struct nc2k_chan *ch, const struct sk_buff *skb)
{
	/* Pairs with the release in netfront2's nf2_bp_addrs(). */
	const struct nc2_bypass_addrs *a = smp_load_acquire(&ch->filter_ip);
	u8 buf[NC2_BYPASS_ADDRS_HDR];
	unsigned int len = min_t(unsigned int, skb->len, sizeof(buf));
	const u8 *hdr;

	if (!a)
		return false;
	hdr = skb_header_pointer(skb, 0, len, buf);
	return hdr && nc2_bypass_addrs_src(a, hdr, len);
}

static void rx_flush(struct nc2k_chan *ch)
{
	unsigned int i, k;

	if (ch->nr_copy)
		gnttab_batch_copy(ch->copy, ch->nr_copy);
	for (i = 0; i < ch->nr_pending; i++) {
		struct sk_buff *skb = ch->pending[i];
		unsigned int end = i + 1 < ch->nr_pending ?
				   ch->pending_ops[i + 1] : ch->nr_copy;
		struct nc2k_rxmeta m = *(struct nc2k_rxmeta *)skb->cb;
		struct nc2_pkt meta = {
			.flags = m.flags,
			.gso_type = m.gso_type,
			.csum_start = m.csum_start,
			.csum_offset = m.csum_offset,
			.gso_size = m.gso_size,
		};
		bool bad = false;

		/* The id is answered whatever became of the copy. */
		if (ch->pending_has_id[i])
			nc2_finq_add(&ch->finq, ch->pending_id[i]);
		for (k = ch->pending_ops[i]; k < end; k++) {
			if (ch->copy[k].status != GNTST_okay)
				bad = true;
			ch->cnt.rx_copy_bytes += ch->copy[k].len;
		}
		ch->cnt.rx_copy_ops += end - ch->pending_ops[i];
		if (bad) {
			ch->cnt.rx_drop_copy++;
			ch->dev->stats.rx_errors++;
			kfree_skb(skb);
			continue;
		}
		memset(skb->cb, 0, sizeof(skb->cb));
		/* Anti-spoofing: the frame is linear up to its Ethernet header. */
		if (ch->filter_src &&
		    !ether_addr_equal(skb->data + ETH_ALEN, ch->filter_src)) {
			ch->cnt.rx_drop_filter++;
			ch->dev->stats.rx_dropped++;
			kfree_skb(skb);
			continue;
		}
		if (ch->filter_ip_on && !nc2k_rx_addr_ok(ch, skb)) {
			ch->cnt.rx_drop_filter++;
			ch->dev->stats.rx_dropped++;
			kfree_skb(skb);
			continue;
		}
		skb->protocol = eth_type_trans(skb, ch->dev);
		if (rx_offload(skb, &meta)) {
			ch->cnt.rx_drop_csum++;
			ch->dev->stats.rx_errors++;
			kfree_skb(skb);
			continue;
		}
		ch->dev->stats.rx_packets++;
		ch->dev->stats.rx_bytes += skb->len + ETH_HLEN;
		napi_gro_receive(&ch->napi, skb);
	}
	ch->nr_pending = 0;
	ch->nr_copy = 0;
}

/*
 * Send the FINISHes we owe as far as ring room and the limiter's credit
 * allow; the library decides and charges only what went out. When the
 * ring is full it has asked the peer for an event, and credit comes back
 * with the peer's next messages: either way an event brings us back, so
 * nothing here needs polling again (a peer that stops consuming must not
 * keep a dom0 CPU spinning).
 */
static void rx_finish(struct nc2k_chan *ch)
{
	int ret;

	if (!nc2_finq_len(&ch->finq))
		return;
	ret = nc2_finq_flush(&ch->finq, nc2_net_link(&ch->net), ch->lim);
	if (ret == NC2_FINQ_WAIT_ROOM || ret == NC2_FINQ_WAIT_CREDIT)
		ch->cnt.finish_deferred++;
}

static void on_finish(struct nc2k_chan *ch, const struct nc2_msg *m)
{
	struct nc2_link *l = nc2_net_link(&ch->net);
	struct nc2_finish_iter it;
	u32 id;

	if (nc2_link_finish_begin(l, m, &it))
		return;
	while (nc2_link_finish_next(l, &it, &id) > 0)
		slot_release(ch, &ch->slots[id]);
}

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

/* What dom0 does for a forwarded packet, in copy bytes. */
static u32 fwd_cost(const struct nc2_pkt *pkt)
{
	return pkt->prefix_size + pkt->nr_frags * NC2K_FWD_FRAG_COST;
}

/*
 * Copy bytes a control message (bypass steering, hints) is charged as:
 * what dom0 spends decoding and queueing it, so that a flood of them
 * runs into the copy budget like a flood of packets would.
 */
#define NC2K_CTL_MSG_COST 4096u

/*
 * Pull messages until budget, the pending array or the copy batch is
 * full. Every message counts as work, whatever its type. 1 if it stopped
 * for room (call again), 0 if the ring is dry or the copy budget ran
 * out, <0 on link error. Called with ch->lock held.
 */
static int rx_pull(struct nc2k_chan *ch, int budget, int *work, bool *throttled)
{
	struct nc2_pkt *pkt = &ch->rxpkt;
	struct nc2_msg m;
	u32 msgs = 0;
	int ret;

	for (;;) {
		u64 now = 0;

		if (*work >= budget || ch->nr_pending == NAPI_POLL_WEIGHT ||
		    ch->nr_copy + rx_ops_max(NC2_MAX_FRAGMENTS_LIMIT) >
		    NC2K_COPY_BATCH) {
			ret = 1;
			break;
		}
		ret = nc2_net_poll(&ch->net, &m);
		if (ret <= 0)
			break;
		/* FINISHes are bounded by our ids; everything else is paid. */
		if (ch->lim && m.type != NC2_MSG_FINISH) {
			u64 wait;

			now = ktime_get_ns();
			wait = nc2_limiter_charge_copy(ch->lim, 0, now);
			if (wait) {
				if (m.type == NC2_MSG_PACKET)
					ch->cnt.rx_throttled++;
				else
					ch->cnt.ctl_throttled++;
				hrtimer_start(&ch->resume_timer,
					      ns_to_ktime(wait),
					      HRTIMER_MODE_REL_SOFT);
				*throttled = true;
				ret = 0;
				break;
			}
		}
		(*work)++;
		if (m.type == NC2_MSG_PACKET) {
			ret = nc2_net_recv_packet(&ch->net, &m, pkt);
			if (ret)
				break;
			/*
			 * The prefix is still in the ring, where the peer can
			 * rewrite it: read it once, and let everything after
			 * (forwarding checks, the skb) see only the copy.
			 */
			if (WARN_ON_ONCE(pkt->prefix_size > sizeof(ch->rxinl))) {
				ret = nc2_link_check(nc2_net_link(&ch->net),
						     -NC2_EP_PKT_HEADER);
				break;
			}
			memcpy(ch->rxinl, pkt->prefix, pkt->prefix_size);
			pkt->prefix = ch->rxinl;
			if (ch->ops && ch->ops->rx_observe)
				ch->ops->rx_observe(ch, pkt);
			/*
			 * Forwarded: the receiver copies the data; we copied
			 * the inline bytes and write a grant per fragment,
			 * and charge the sender for that much.
			 */
			if (ch->ops && ch->ops->rx_forward &&
			    ch->ops->rx_forward(ch, pkt)) {
				if (ch->lim)
					nc2_limiter_charge_copy(ch->lim,
								fwd_cost(pkt),
								now);
				goto consumed;
			}
			if (ch->lim)
				nc2_limiter_charge_copy(ch->lim,
							pkt->total_len -
							pkt->prefix_size,
							now);
			if (rx_start(ch, pkt)) {
				ch->cnt.rx_drop_nomem++;
				ch->dev->stats.rx_dropped++;
				if (pkt->type != NC2_PKT_SMALL)
					nc2_finq_add(&ch->finq, pkt->id);
			} else {
				rx_meta_save(ch->pending[ch->nr_pending - 1],
					     pkt);
			}
		} else if (m.type == NC2_MSG_FINISH) {
			on_finish(ch, &m);
		} else {
			if (ch->lim)
				nc2_limiter_charge_copy(ch->lim,
							NC2K_CTL_MSG_COST, now);
			if (ch->ops && ch->ops->bypass_msg)
				ch->ops->bypass_msg(ch, &m);
		}
consumed:
		nc2_link_consume(nc2_net_link(&ch->net));
		msgs++;
		ret = nc2_link_error(nc2_net_link(&ch->net));
		if (ret)
			break;
	}
	if (msgs) {
		ch->had_work = true;
		if (ch->lim)
			nc2_limiter_peer_msgs(ch->lim, msgs);
	}
	return ret;
}

/*
 * Ring bytes the largest message we may send to this peer takes: a full
 * prefix and as many fragments as we ever put in one.
 */
static u32 tx_room_needed(struct nc2k_chan *ch)
{
	const struct nc2_net_limits *peer = nc2_net_peer_limits(&ch->net);
	struct nc2_pkt *pkt = &ch->txpkt;

	memset(pkt, 0, offsetof(struct nc2_pkt, frag));
	pkt->type = NC2_PKT_RECEIVER_COPY;
	pkt->prefix_size = min_t(u32, peer->max_inline, NC2_MAX_INLINE_LIMIT);
	return tx_msg_max(pkt, min(peer->max_frags, NC2K_MAX_SEND_FRAGS));
}

/*
 * Called with ch->lock held after completions freed ids and pages: wake
 * the sender only when a packet can really go (an id, bounce pages and
 * ring room), so an event that brings no room costs no copy and counts
 * as spurious. Without room, want_space has asked for the event.
 */
static void wake_if_room(struct nc2k_chan *ch)
{
	unsigned int want = min_t(unsigned int, NC2K_GSO_PAGES, ch->nr_bounce);
	bool backlog = ch->role == NC2_ROLE_PEER &&
		       !skb_queue_empty(&ch->backlog);

	if ((!ch->stopped && !backlog) || !ch->up)
		return;
	if (!nc2_link_ids_free(nc2_net_link(&ch->net)) ||
	    ch->bounce_avail < want ||
	    nc2_link_want_space(nc2_net_link(&ch->net),
				tx_room_needed(ch)) != 1)
		return;
	ch->stopped = false;
	/* An event that returned room for a packet was not spurious. */
	ch->had_work = true;
	if (ch->role == NC2_ROLE_PEER)
		tx_backlog_flush(ch);
	else
		netif_wake_queue(ch->dev);
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
		ret = rx_pull(ch, budget, &work, &throttled);
		if (ret < 0 && ret != -NC2_E_AGAIN)
			err = ret;
		link_up(ch);
		spin_unlock(&ch->lock);

		rx_flush(ch);

		spin_lock(&ch->lock);
		if (ch->ops && ch->ops->poll_hook)
			ch->ops->poll_hook(ch);
		if (!list_empty(&ch->held))
			nc2k_chan_reap(ch);
		rx_finish(ch);
		/* Both must run: one event covers released room and new FINISHes. */
		notify = false;
		if (likely(!(ch->test & NC2K_TEST_NO_RELEASE)))
			notify = nc2_link_release(l) > 0;
		notify |= nc2_link_push(l) > 0;
		if (notify)
			notify_remote_via_irq(ch->irq);
		wake_if_room(ch);
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
	 * the event that brings ring room or credit (rx_finish).
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

void nc2k_chan_finish_id(struct nc2k_chan *ch, u32 id)
{
	/*
	 * The peer has at most NC2K_IDS ids out and each is owed once, so
	 * the queue (sized by the id space) always has room.
	 */
	WARN_ON_ONCE(nc2_finq_add(&ch->finq, id));
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
	INIT_LIST_HEAD(&ch->held);
	INIT_LIST_HEAD(&ch->held_free);
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
 * What attach allocated: reserved refs, slots, holds, and the bounce
 * pool unless it is kept for the next connection to the same peer.
 * Every slot and hold has been released by now.
 */
static void chan_free(struct nc2k_chan *ch)
{
	if (!ch->keep_bounce)
		bounce_free_all(ch);
	if (ch->have_gref_head) {
		/* Claimed refs still out are accounted one by one. */
		gnttab_free_grant_references(ch->gref_head);
		atomic_long_sub(NC2K_SUBPAGE_REFS - ch->refs_claimed,
				&nc2k_acct.grefs);
	}
	ch->have_gref_head = false;
	ch->refs_claimed = 0;
	kvfree(ch->slots);
	ch->slots = NULL;
	INIT_LIST_HEAD(&ch->held_free);
	kvfree(ch->held_pool);
	ch->held_pool = NULL;
}

/* A bounce pool for peer: the kept one if it fits, else a fresh one. */
static int bounce_setup(struct nc2k_chan *ch, domid_t peer, unsigned int nr)
{
	int err;

	/*
	 * Reusing the pool of the last connection to the same domain costs
	 * nothing in grants, however often the guest reconnects, even if it
	 * keeps the old grants mapped (a fresh pool would leave the old one
	 * to be reaped, and a guest could pile those up).
	 */
	if (ch->bounce && (ch->bounce_peer != peer || ch->nr_bounce != nr))
		bounce_free_all(ch);
	if (!ch->bounce) {
		err = bounce_alloc(ch, nr);
		if (err) {
			bounce_free_all(ch);
			return err;
		}
		ch->bounce_peer = peer;
	}
	bounce_reset(ch);
	return 0;
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
		.set_words = ch->set_words,
		.set_limit = NC2K_IDS,
	};
	struct nc2_net_limits local = {
		.max_frags = NC2_MAX_FRAGMENTS_LIMIT,
		.max_inline = NC2_MAX_INLINE_LIMIT,
		.offloads = NC2_OFFLOAD_CSUM | NC2_OFFLOAD_TSO4 |
			    NC2_OFFLOAD_TSO6,
	};
	unsigned int i;
	int err;

	/* Only from fully detached: a live channel is never rebuilt. */
	if (WARN_ON_ONCE(ch->attached || ch->slots))
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
	ch->slots = kvcalloc(NC2K_IDS, sizeof(*ch->slots), GFP_KERNEL);
	if (!ch->slots)
		return -ENOMEM;
	/*
	 * Sub-page and transitive grants are copy-only: only towards a peer
	 * that promised to copy.
	 */
	ch->subpage = peer_copy_only && nc2k_caps.subpage;
	ch->transitive = peer_copy_only && nc2k_caps.transitive &&
			 role == NC2_ROLE_BACKEND;
	if (ch->transitive) {
		ch->held_pool = kvcalloc(NC2K_IDS, sizeof(*ch->held_pool),
					 GFP_KERNEL);
		if (!ch->held_pool)
			ch->transitive = false;
		for (i = 0; ch->held_pool && i < NC2K_IDS; i++)
			list_add(&ch->held_pool[i].node, &ch->held_free);
	}
	if ((ch->subpage || ch->transitive) &&
	    gnttab_alloc_grant_references(NC2K_SUBPAGE_REFS, &ch->gref_head)) {
		ch->subpage = false;
		ch->transitive = false;
	}
	ch->have_gref_head = ch->subpage || ch->transitive;
	ch->refs_claimed = 0;
	if (ch->have_gref_head)
		atomic_long_add(NC2K_SUBPAGE_REFS, &nc2k_acct.grefs);
	err = bounce_setup(ch, peer, nr_bounce);
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
		err = nc2k_errno(err);
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
	tx_notify(ch);
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

/*
 * Refs that did not end: the peer is copying through them right now. The
 * first attempt already took them away from any later copy; the retry
 * list ends them for good once the copy in progress is over, and never
 * reads a page out of them (finding: transitive entries have none).
 */
static void retire_refs(struct nc2k_chan *ch, const grant_ref_t *ref, u32 nr)
{
	u32 i;

	for (i = 0; i < nr; i++) {
		ch->cnt.grants_retired++;
		nc2k_grant_retire(ref[i], NULL, NULL);
	}
}

void nc2k_chan_revoke(struct nc2k_chan *ch,
		      bool (*match)(void *cookie, void *arg), void *arg)
{
	struct nc2k_held *h, *t;
	unsigned int id;

	spin_lock_bh(&ch->lock);
	for (id = 0; ch->slots && id < NC2K_IDS; id++) {
		struct nc2k_slot *s = &ch->slots[id];
		u32 left;

		if (!s->h || !s->fwd || !match(s->fwd, arg))
			continue;
		left = try_end_refs(ch, s->ref, s->nr);
		retire_refs(ch, s->ref, left);
		/* The peer's FINISH still frees the slot and the hold. */
		s->nr = 0;
		ch->ops->forward_abandon(ch, s->fwd);
		s->fwd = NULL;
	}
	list_for_each_entry_safe(h, t, &ch->held, node) {
		if (!h->fwd || !match(h->fwd, arg))
			continue;
		retire_refs(ch, h->ref, h->nr);
		list_del(&h->node);
		ch->ops->forward_abandon(ch, h->fwd);
		held_put(ch, h);
	}
	spin_unlock_bh(&ch->lock);
}

void nc2k_chan_detach(struct nc2k_chan *ch)
{
	struct nc2k_held *h, *t;
	unsigned int id;

	nc2k_chan_stop(ch);
	__skb_queue_purge(&ch->backlog);
	if (!ch->slots)
		return;
	for (id = 0; id < NC2K_IDS; id++)
		slot_release(ch, &ch->slots[id]);
	/*
	 * Forwarded packets whose grants the peer still holds busy: their
	 * refs wait on the retry list, and the sources' ids stay unanswered,
	 * as their buffers may still be read.
	 */
	list_for_each_entry_safe(h, t, &ch->held, node) {
		h->nr = try_end_refs(ch, h->ref, h->nr);
		retire_refs(ch, h->ref, h->nr);
		list_del(&h->node);
		if (h->fwd)
			ch->ops->forward_abandon(ch, h->fwd);
		held_put(ch, h);
	}
	nc2_finq_reset(&ch->finq);
	chan_free(ch);
}

void nc2k_chan_destroy(struct nc2k_chan *ch)
{
	if (WARN_ON_ONCE(ch->attached))
		nc2k_chan_detach(ch);
	bounce_free_all(ch);
}
