// SPDX-License-Identifier: GPL-2.0-only
/*
 * netback2_fwd_grant.c - the grants of forwarding between guests
 * (netback2_fwd.c decides what is forwarded): transitive sends on the
 * receiver's channel, the grants a receiver keeps busy past its FINISH,
 * and their revocation when the source goes away. The glue reaches it
 * through nb2_fwd_ops only.
 *
 * When a source may be answered is the forwarding ledger's rule
 * (nc2/fwdledger.h): only once the destination is done with the packet
 * and every transitive grant into the source's memory has ended, and
 * never once the source is gone. The ledger and the busy records are the
 * destination's (struct nb2_vif) and protected by its ch.lock, except at
 * detach, when the channel is quiesced and off nb2_vifs (no revoke can
 * reach it).
 */
#include <linux/netdevice.h>
#include <linux/vmalloc.h>

#include "nc2k.h"
#include "netback2.h"

/*
 * Refs of one forwarded packet that the destination kept busy past its
 * FINISH (or past a send that failed), retried until they end. Whether
 * and when the source is answered is the ledger's (vif->led): a record
 * only remembers the refs and the ledger entry they hold up. There is at
 * most one per live ledger entry, so a pool of NC2K_IDS, reserved when
 * the channel attaches, never runs dry and a FINISH never needs memory.
 */
struct nb2_busy {
	struct list_head node;	/* vif->busy_free, or vif->busy */
	u32 lh;			/* its ledger entry */
	u32 src, gen;		/* the entry's source (for nb2_fwd_forget) */
	u32 nr;			/* refs in ref[], each one of the entry's */
	grant_ref_t ref[NC2K_MAX_SEND_FRAGS];
};

static struct nb2_vif *nb2_vif_of(struct nc2k_chan *ch)
{
	return container_of(ch, struct nb2_vif, ch);
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

/* Every source the ledger says may be answered now (ch->lock held). */
static void answer_ready(struct nc2k_chan *ch)
{
	struct nb2_vif *vif = nb2_vif_of(ch);
	u32 src, gen, id;

	/* No ledger set up: this channel never forwarded anything. */
	if (!vif->busy_pool)
		return;
	while (nc2_fwdl_next_answer(&vif->led, &src, &gen, &id) > 0)
		nb2_fwd_answer(src, gen, id);
}

/*
 * Ledger entry lh (of source src at gen) still waits for the nr refs in
 * ref[], which the peer keeps busy: remember them for nb2_fwd_reap.
 */
static void busy_add(struct nc2k_chan *ch, u32 lh, u32 src, u32 gen,
		     const grant_ref_t *ref, u32 nr)
{
	struct nb2_vif *vif = nb2_vif_of(ch);
	struct nb2_busy *b;

	ch->cnt.fwd_held++;
	b = list_first_entry_or_null(&vif->busy_free, struct nb2_busy, node);
	if (WARN_ON_ONCE(!b)) {
		/* Cannot happen (see struct nb2_busy): never answer it. */
		retire_refs(ch, ref, nr);
		nc2_fwdl_abandon(&vif->led, lh);
		nb2_fwd_forget(src, gen);
		return;
	}
	b->lh = lh;
	b->src = src;
	b->gen = gen;
	b->nr = nr;
	memcpy(b->ref, ref, nr * sizeof(ref[0]));
	list_move_tail(&b->node, &vif->busy);
}

static void busy_put(struct nc2k_chan *ch, struct nb2_busy *b)
{
	b->nr = 0;
	list_move(&b->node, &nb2_vif_of(ch)->busy_free);
}

/*
 * The peer FINISHed a forwarded slot, or the channel goes (then quiesced
 * and off nb2_vifs, so nothing else touches the ledger): the destination
 * is done with it. End what refs can end; the source is answered once
 * the rest have ended too (the transitive grants stay live until then:
 * never hand them to gnttab_end_foreign_access(), which would read a
 * page out of them).
 */
static void slot_release_fwd(struct nc2k_chan *ch, struct nc2k_slot *s)
{
	struct nb2_vif *vif = nb2_vif_of(ch);
	u32 left = nc2k_end_refs(ch, s->ref, s->nr);

	nc2_fwdl_dest_done(&vif->led, s->fwd_lh);
	nc2_fwdl_grant_ended(&vif->led, s->fwd_lh, s->nr - left);
	if (left)
		busy_add(ch, s->fwd_lh, s->fwd_src, s->fwd_gen, s->ref, left);
	s->nr = 0;
	answer_ready(ch);
}

bool nb2_fwd_reap(struct nc2k_chan *ch)
{
	struct nb2_vif *vif = nb2_vif_of(ch);
	struct nb2_busy *b, *t;
	bool freed = false;

	list_for_each_entry_safe(b, t, &vif->busy, node) {
		u32 left = nc2k_end_refs(ch, b->ref, b->nr);

		nc2_fwdl_grant_ended(&vif->led, b->lh, b->nr - left);
		b->nr = left;
		if (left)
			continue;
		busy_put(ch, b);
		freed = true;
	}
	answer_ready(ch);
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

/*
 * A send that failed after the ledger took the packet (entry lh, g refs
 * granted in ref[]): the destination is done with it, as it never got
 * it. The source is answered once the granted refs have ended (the peer
 * may have guessed one and be copying through it).
 */
static void send_failed(struct nc2k_chan *ch, u32 lh, u32 src, u32 gen,
			grant_ref_t *ref, u32 g)
{
	struct nb2_vif *vif = nb2_vif_of(ch);
	u32 left = nc2k_end_refs(ch, ref, g);

	nc2_fwdl_grant_ended(&vif->led, lh, g - left);
	nc2_fwdl_dest_done(&vif->led, lh);
	if (left)
		busy_add(ch, lh, src, gen, ref, left);
	answer_ready(ch);
}

int nb2_fwd_send(struct nc2k_chan *ch, const struct nc2_pkt *pkt,
		 domid_t owner, u32 src, u32 gen)
{
	struct nb2_vif *vif = nb2_vif_of(ch);
	struct nc2_net *n = &ch->net;
	struct nc2_link *l = nc2_net_link(n);
	struct nc2_pkt *out = &ch->txpkt;
	bool has_id = pkt->type != NC2_PKT_SMALL;
	struct nc2k_slot *s = NULL;
	grant_ref_t ref[NC2K_MAX_SEND_FRAGS];
	unsigned int i, g = 0, nr = pkt->nr_frags;
	u32 lh = 0;
	int err;

	if (!ch->up || !ch->transitive || !peer_takes(n, pkt) ||
	    nr > NC2K_MAX_SEND_FRAGS || (!has_id && nr))
		return -EOPNOTSUPP;
	if (has_id) {
		if (!nc2_link_ids_free(l))
			return -EAGAIN;
		/* Reserve before granting: the ring must take it now. */
		err = nc2_link_want_space(l, nc2_pkt_msg_size(pkt));
		if (err < 0)
			return nc2_errno(err);
		if (!err)
			return -EAGAIN;
	}
	/* Every ref first: running short is a retry that owes nothing. */
	for (i = 0; i < nr; i++) {
		int r = gnttab_claim_grant_reference(&ch->gref_head);

		if (r < 0)
			goto unclaim;
		ref[i] = r;
	}
	if (has_id) {
		/* Its completion token; there is one for every free id. */
		s = nc2k_slot_get(ch);
		if (WARN_ON_ONCE(!s))
			goto unclaim;
		/* Full: the peer keeps grants busy. Retried later. */
		if (nc2_fwdl_add(&vif->led, src, gen, pkt->id, nr, &lh)) {
			nc2k_slot_put(ch, s);
			goto unclaim;
		}
	}
	/* From here on the ledger owes src its answer: failures are drops. */
	memcpy(out, pkt, offsetof(struct nc2_pkt, frag));
	out->nr_frags = 0;
	for (g = 0; g < nr; g++) {
		const struct nc2_pkt_frag *f = &pkt->frag[g];

		/* Xen bounds the peer to owner's own grant of these bytes. */
		if (nc2k_grant_transitive(ref[g], ch->peer, owner, f->gref)) {
			err = -EIO;
			goto fail;
		}
		ch->refs_claimed++;
		out->frag[out->nr_frags] = *f;
		out->frag[out->nr_frags++].gref = ref[g];
		ch->cnt.tx_trans_grants++;
	}
	if (ch->lim && has_id && nc2_limiter_queue(ch->lim, pkt->total_len)) {
		ch->cnt.tx_drop_queue++;
		err = -ENOBUFS;
		goto fail;
	}
	err = nc2_net_send_packet(n, out, s);
	if (err < 0) {
		if (ch->lim && has_id)
			nc2_limiter_unqueue(ch->lim, pkt->total_len);
		err = nc2_errno(err);
		goto fail;
	}
	if (s) {
		/* Not small, so it took an id: s comes back at its FINISH. */
		s->fwd = true;
		s->fwd_lh = lh;
		s->fwd_src = src;
		s->fwd_gen = gen;
		s->nr = nr;
		memcpy(s->ref, ref, nr * sizeof(ref[0]));
		s->len = ch->lim ? pkt->total_len : 0;
	}
	ch->cnt.fwd_in++;
	ch->dev->stats.tx_packets++;
	ch->dev->stats.tx_bytes += pkt->total_len;
	nc2k_tx_notify(ch);
	return 0;

unclaim:
	while (i--)
		gnttab_release_grant_reference(&ch->gref_head, ref[i]);
	return -EAGAIN;

fail:
	/* Refs never granted go back to the head, owing nothing. */
	for (i = g; i < nr; i++)
		gnttab_release_grant_reference(&ch->gref_head, ref[i]);
	if (!has_id)
		return err;	/* small: nothing granted, nobody to answer */
	nc2k_slot_put(ch, s);
	nc2_fwdl_grant_ended(&vif->led, lh, nr - g);
	send_failed(ch, lh, src, gen, ref, g);
	return 1;
}

void nb2_fwd_revoke(struct nc2k_chan *ch, u32 src)
{
	struct nb2_vif *vif = nb2_vif_of(ch);
	struct nb2_busy *b, *t;
	struct nc2k_slot *s;

	spin_lock_bh(&ch->lock);
	/* No ledger: the channel forwards nothing (or is detached). */
	if (!vif->busy_pool)
		goto out;
	/* Never answered: each entry goes once the grants below ended. */
	nc2_fwdl_source_gone(&vif->led, src);
	/* The slots in flight: the pool, walked whole (it has no index). */
	for (s = ch->slot_pool; s && s < ch->slot_pool + NC2K_IDS; s++) {
		u32 left;

		if (!s->used || !s->fwd || s->fwd_src != src || !s->nr)
			continue;
		left = nc2k_end_refs(ch, s->ref, s->nr);
		retire_refs(ch, s->ref, left);
		/* Ended or retired: nothing reads src through them any more. */
		nc2_fwdl_grant_ended(&vif->led, s->fwd_lh, s->nr);
		/* The peer's FINISH still frees the slot (and the entry). */
		s->nr = 0;
	}
	list_for_each_entry_safe(b, t, &vif->busy, node) {
		if (b->src != src)
			continue;
		retire_refs(ch, b->ref, b->nr);
		nc2_fwdl_grant_ended(&vif->led, b->lh, b->nr);
		busy_put(ch, b);
	}
	answer_ready(ch);
out:
	spin_unlock_bh(&ch->lock);
}

/* A transitive channel attaches: an empty ledger, one record per entry. */
static int nb2_fwd_attach(struct nc2k_chan *ch)
{
	struct nb2_vif *vif = nb2_vif_of(ch);
	unsigned int i;

	if (WARN_ON_ONCE(vif->busy_pool))
		return -EBUSY;
	if (nc2_fwdl_init(&vif->led, vif->led_ents, NC2K_IDS))
		return -EINVAL;
	vif->busy_pool = kvcalloc(NC2K_IDS, sizeof(*vif->busy_pool),
				  GFP_KERNEL);
	if (!vif->busy_pool)
		return -ENOMEM;
	INIT_LIST_HEAD(&vif->busy);
	INIT_LIST_HEAD(&vif->busy_free);
	for (i = 0; i < NC2K_IDS; i++)
		list_add(&vif->busy_pool[i].node, &vif->busy_free);
	return 0;
}

/* Each NAPI round: forwarding work, then grants the peer held busy. */
static void nb2_fwd_round(struct nc2k_chan *ch)
{
	nb2_fwd_poll(ch);
	if (!list_empty(&nb2_vif_of(ch)->busy))
		nb2_fwd_reap(ch);
}

/*
 * The channel is freed: every slot has been released by now (each entry
 * is done at its destination), the channel is quiesced and off nb2_vifs,
 * so nothing else touches the ledger.
 */
static void nb2_fwd_detach(struct nc2k_chan *ch)
{
	struct nb2_vif *vif = nb2_vif_of(ch);
	struct nb2_busy *b, *t;

	if (!vif->busy_pool)
		return;
	/*
	 * Forwarded packets whose grants the peer still holds busy: their
	 * refs wait on the retry list, and the sources' ids stay unanswered,
	 * as their buffers may still be read. Those whose refs end now are
	 * answered as usual.
	 */
	list_for_each_entry_safe(b, t, &vif->busy, node) {
		u32 left = nc2k_end_refs(ch, b->ref, b->nr);

		nc2_fwdl_grant_ended(&vif->led, b->lh, b->nr - left);
		if (left) {
			retire_refs(ch, b->ref, left);
			nc2_fwdl_abandon(&vif->led, b->lh);
			nb2_fwd_forget(b->src, b->gen);
		}
		busy_put(ch, b);
	}
	answer_ready(ch);
	/* Every entry answered, dropped or abandoned: none outlives us. */
	WARN_ON_ONCE(nc2_fwdl_used(&vif->led));
	INIT_LIST_HEAD(&vif->busy_free);
	kvfree(vif->busy_pool);
	vif->busy_pool = NULL;
}

const struct nc2k_fwd_ops nb2_fwd_ops = {
	.attach = nb2_fwd_attach,
	.rx = nb2_fwd_rx,
	.poll = nb2_fwd_round,
	.release = slot_release_fwd,
	.detach = nb2_fwd_detach,
};
