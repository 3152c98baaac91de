// SPDX-License-Identifier: GPL-2.0-only
/*
 * netback2_fwd_grant.c - the grants of forwarding between guests
 * (netback2_fwd.c decides what is forwarded): transitive sends on the
 * receiver's channel, the grants a receiver keeps busy past its FINISH,
 * and their revocation when the source goes away. The glue reaches it
 * through nb2_fwd_ops only.
 */
#include <linux/netdevice.h>
#include <linux/vmalloc.h>

#include "nc2k.h"
#include "netback2.h"

/*
 * Transitive grants of a forwarded packet. Reserved from the channel's
 * pool when the packet is sent, so that a FINISH never needs memory:
 * grants the peer keeps busy past its FINISH wait here, and the source's
 * id is answered only once all of them have ended.
 */
struct nc2k_held {
	struct list_head node;	/* held_free, or held while waiting */
	void *fwd;		/* nb2_fwd_done()'s cookie; NULL: orphan */
	u32 nr;
	grant_ref_t ref[NC2K_MAX_SEND_FRAGS];
};

static struct nb2_vif *nb2_vif_of(struct nc2k_chan *ch)
{
	return container_of(ch, struct nb2_vif, ch);
}

static struct nc2k_held *held_get(struct nc2k_chan *ch)
{
	struct nc2k_held *h;

	h = list_first_entry_or_null(&nb2_vif_of(ch)->held_free, struct nc2k_held, node);
	if (h)
		list_del(&h->node);
	return h;
}

static void held_put(struct nc2k_chan *ch, struct nc2k_held *h)
{
	h->fwd = NULL;
	h->nr = 0;
	list_add(&h->node, &nb2_vif_of(ch)->held_free);
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
		nb2_fwd_done(ch, fwd);
}

static void slot_release_fwd(struct nc2k_chan *ch, struct nc2k_slot *s)
{
	struct nc2k_held *h = s->h;
	u32 i;

	h->nr = nc2k_end_refs(ch, s->ref, s->nr);
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
	list_add_tail(&h->node, &nb2_vif_of(ch)->held);
}

bool nb2_fwd_reap(struct nc2k_chan *ch)
{
	struct nc2k_held *h, *t;
	bool freed = false;

	list_for_each_entry_safe(h, t, &nb2_vif_of(ch)->held, node) {
		h->nr = nc2k_end_refs(ch, h->ref, h->nr);
		if (h->nr)
			continue;
		list_del(&h->node);
		held_done(ch, h);
		freed = true;
	}
	return freed;
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

int nb2_fwd_send(struct nc2k_chan *ch, const struct nc2_pkt *pkt,
		 domid_t owner, void *cookie)
{
	struct nc2_net *n = &ch->net;
	struct nc2_link *l = nc2_net_link(n);
	struct nc2_pkt *out = &ch->txpkt;
	struct nc2k_held *h = NULL;
	struct nc2k_slot *s = NULL;
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
		/* Its completion token; there is one for every free id. */
		s = nc2k_slot_get(ch);
		if (WARN_ON_ONCE(!s)) {
			held_put(ch, h);
			return -EAGAIN;
		}
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
	err = nc2_net_send_packet(n, out, s);
	if (err < 0) {
		if (ch->lim && pkt->type != NC2_PKT_SMALL)
			nc2_limiter_unqueue(ch->lim, pkt->total_len);
		err = nc2k_errno(err);
		goto undo;
	}
	if (h) {
		/* Not small, so it took an id: s comes back at its FINISH. */
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
	nc2k_tx_notify(ch);
	return 0;

undo:
	if (s)
		nc2k_slot_put(ch, s);
	/*
	 * Never sent, but the peer may guess a ref and copy through it:
	 * what does not end now waits on the hold, answering nobody.
	 */
	if (h) {
		h->nr = nc2k_end_refs(ch, ref, nr);
		if (h->nr) {
			for (i = 0; i < h->nr; i++)
				h->ref[i] = ref[i];
			h->fwd = NULL;
			list_add_tail(&h->node, &nb2_vif_of(ch)->held);
		} else {
			held_put(ch, h);
		}
	}
	return err;
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

void nb2_fwd_revoke(struct nc2k_chan *ch,
		    bool (*match)(void *cookie, void *arg), void *arg)
{
	struct nc2k_held *h, *t;
	struct nc2k_slot *s;

	spin_lock_bh(&ch->lock);
	/* The slots in flight: the pool, walked whole (it has no index). */
	for (s = ch->slot_pool; s && s < ch->slot_pool + NC2K_IDS; s++) {
		u32 left;

		if (!s->used || !s->h || !s->fwd || !match(s->fwd, arg))
			continue;
		left = nc2k_end_refs(ch, s->ref, s->nr);
		retire_refs(ch, s->ref, left);
		/* The peer's FINISH still frees the slot and the hold. */
		s->nr = 0;
		nb2_fwd_abandon(ch, s->fwd);
		s->fwd = NULL;
	}
	list_for_each_entry_safe(h, t, &nb2_vif_of(ch)->held, node) {
		if (!h->fwd || !match(h->fwd, arg))
			continue;
		retire_refs(ch, h->ref, h->nr);
		list_del(&h->node);
		nb2_fwd_abandon(ch, h->fwd);
		held_put(ch, h);
	}
	spin_unlock_bh(&ch->lock);
}

/* A transitive channel attaches: one hold per id, reserved now. */
static int nb2_fwd_attach(struct nc2k_chan *ch)
{
	struct nb2_vif *vif = nb2_vif_of(ch);
	unsigned int i;

	vif->held_pool = kvcalloc(NC2K_IDS, sizeof(*vif->held_pool),
				  GFP_KERNEL);
	if (!vif->held_pool)
		return -ENOMEM;
	for (i = 0; i < NC2K_IDS; i++)
		list_add(&vif->held_pool[i].node, &vif->held_free);
	return 0;
}

/* Each NAPI round: forwarding work, then grants the peer held busy. */
static void nb2_fwd_round(struct nc2k_chan *ch)
{
	nb2_fwd_poll(ch);
	if (!list_empty(&nb2_vif_of(ch)->held))
		nb2_fwd_reap(ch);
}

/* The channel is freed: every slot has been released by now. */
static void nb2_fwd_detach(struct nc2k_chan *ch)
{
	struct nb2_vif *vif = nb2_vif_of(ch);
	struct nc2k_held *h, *t;

	/*
	 * Forwarded packets whose grants the peer still holds busy: their
	 * refs wait on the retry list, and the sources' ids stay unanswered,
	 * as their buffers may still be read.
	 */
	list_for_each_entry_safe(h, t, &vif->held, node) {
		h->nr = nc2k_end_refs(ch, h->ref, h->nr);
		retire_refs(ch, h->ref, h->nr);
		list_del(&h->node);
		if (h->fwd)
			nb2_fwd_abandon(ch, h->fwd);
		held_put(ch, h);
	}
	INIT_LIST_HEAD(&vif->held_free);
	kvfree(vif->held_pool);
	vif->held_pool = NULL;
}

const struct nc2k_fwd_ops nb2_fwd_ops = {
	.attach = nb2_fwd_attach,
	.rx = nb2_fwd_rx,
	.poll = nb2_fwd_round,
	.release = slot_release_fwd,
	.detach = nb2_fwd_detach,
};
