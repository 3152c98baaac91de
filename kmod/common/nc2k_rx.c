// SPDX-License-Identifier: GPL-2.0-only
/*
 * nc2k_rx.c - receiving on a channel: decode PACKETs, batch the grant
 * copies of one NAPI round, deliver the skbs, queue the FINISHes owed.
 */
#include <linux/etherdevice.h>
#include <linux/ktime.h>
#include <xen/page.h>

#include "nc2k.h"
#include "nc2k_priv.h"

/* Copy bytes a forwarded fragment's transitive grant is charged as. */
#define NC2K_FWD_FRAG_COST 64u

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

/* Run the queued copies, hand the good skbs up, note ids to FINISH. */
void nc2k_rx_flush(struct nc2k_chan *ch)
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
void nc2k_rx_finish(struct nc2k_chan *ch)
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
	void *tok;

	if (nc2_link_finish_begin(l, m, &it))
		return;
	/* Each token is the slot its packet was sent with (nc2k_tx.c). */
	while (nc2_link_finish_next(l, &it, NULL, &tok) > 0)
		nc2k_slot_release(ch, tok);
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
int nc2k_rx_pull(struct nc2k_chan *ch, int budget, int *work,
		 bool *throttled)
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
			if (nc2k_fwd_ops(ch) && nc2k_fwd_ops(ch)->rx(ch, pkt)) {
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

void nc2k_chan_finish_id(struct nc2k_chan *ch, u32 id)
{
	/*
	 * The peer has at most NC2K_IDS ids out and each is owed once, so
	 * the queue (sized by the id space) always has room.
	 */
	WARN_ON_ONCE(nc2_finq_add(&ch->finq, id));
}
