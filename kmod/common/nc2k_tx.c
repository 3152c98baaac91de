// SPDX-License-Identifier: GPL-2.0-only
/*
 * nc2k_tx.c - sending on a channel: skb to PACKET (headers inline, the
 * rest granted or bounced), xmit, the bypass backlog, waking the sender.
 */
#include <linux/etherdevice.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <xen/events.h>

#include "nc2k.h"
#include "nc2k_priv.h"

/* Bounce pages a 64 KiB packet needs, with one to spare for the prefix. */
#define NC2K_GSO_PAGES (NC2_MAX_PACKET_BYTES / PAGE_SIZE + 1)

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
		int i = nc2k_bounce_get(ch);

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
			b = nc2k_bounce_get(ch);
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
			nc2k_end_ref(ch, s->ref[i], skb);
		else
			nc2k_bounce_put(ch, s->ref[i]);
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

void nc2k_tx_notify(struct nc2k_chan *ch)
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
	struct nc2k_slot scratch = { }, *s = NULL;
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
	/*
	 * A packet with an id goes with a slot as its token. The pool is as
	 * big as the id space and a slot comes free with its id, so after
	 * the id check above one is always there.
	 */
	if (pkt->type != NC2_PKT_SMALL) {
		s = nc2k_slot_get(ch);
		if (WARN_ON_ONCE(!s)) {
			err = -NC2_E_STATE;
			goto unsent;
		}
	}
	err = nc2_net_send_packet(n, pkt, s);
	if (err < 0) {
		if (s)
			nc2k_slot_put(ch, s);
		goto unsent;
	}
	if (s && err == NC2_NET_SENT_ID) {
		*s = scratch;
		s->used = true;
		s->len = ch->lim ? skb->len : 0;
		/* Sub-page grants point into the skb: keep it until FINISH. */
		if (s->subpage) {
			s->skb = skb;
			skb = NULL;
		}
	} else if (s) {
		/* No completion will come (only small packets, in fact). */
		nc2k_slot_put(ch, s);
		tx_undo(ch, &scratch, skb);
		if (ch->lim)
			nc2_limiter_unqueue(ch->lim, skb->len);
	}
	ch->dev->stats.tx_packets++;
	ch->dev->stats.tx_bytes += pkt->total_len;
	nc2k_tx_notify(ch);
	if (skb)
		dev_consume_skb_any(skb);
	return NETDEV_TX_OK;

unsent:
	if (ch->lim && pkt->type != NC2_PKT_SMALL)
		nc2_limiter_unqueue(ch->lim, skb->len);
	tx_undo(ch, &scratch, skb);
	if (err == -NC2_E_AGAIN) {
		tx_stop(ch, nc2_pkt_msg_size(pkt));
		return NETDEV_TX_BUSY;
	}
	if (err != -NC2_E_LIMIT) {
		ch->cnt.tx_drop_state++;
		goto drop;
	}
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
void nc2k_wake_if_room(struct nc2k_chan *ch)
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
