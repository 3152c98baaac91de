// SPDX-License-Identifier: GPL-2.0-only
/*
 * nc2k_bounce.c - what a channel lends its peer: the bounce pool, the
 * sub-page refs of its reserved head, and the slot (completion token) of
 * each packet in flight, ended or retired when the peer FINISHes it.
 */
#include <linux/skbuff.h>
#include <linux/vmalloc.h>
#include <xen/page.h>

#include "nc2k.h"
#include "nc2k_priv.h"

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

void nc2k_bounce_free_all(struct nc2k_chan *ch)
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

int nc2k_bounce_get(struct nc2k_chan *ch)
{
	u16 i = ch->bounce_free;

	if (i == NC2K_BOUNCE_NONE)
		return -1;
	ch->bounce_free = ch->bounce[i].next;
	ch->bounce_avail--;
	return i;
}

void nc2k_bounce_put(struct nc2k_chan *ch, u16 i)
{
	ch->bounce[i].next = ch->bounce_free;
	ch->bounce_free = i;
	ch->bounce_avail++;
}

/* A bounce pool for peer: the kept one if it fits, else a fresh one. */
int nc2k_bounce_setup(struct nc2k_chan *ch, domid_t peer, unsigned int nr)
{
	int err;

	/*
	 * Reusing the pool of the last connection to the same domain costs
	 * nothing in grants, however often the guest reconnects, even if it
	 * keeps the old grants mapped (a fresh pool would leave the old one
	 * to be reaped, and a guest could pile those up).
	 */
	if (ch->bounce && (ch->bounce_peer != peer || ch->nr_bounce != nr))
		nc2k_bounce_free_all(ch);
	if (!ch->bounce) {
		err = bounce_alloc(ch, nr);
		if (err) {
			nc2k_bounce_free_all(ch);
			return err;
		}
		ch->bounce_peer = peer;
	}
	bounce_reset(ch);
	return 0;
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
void nc2k_end_ref(struct nc2k_chan *ch, grant_ref_t ref, struct sk_buff *skb)
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
u32 nc2k_end_refs(struct nc2k_chan *ch, grant_ref_t *ref, u32 nr)
{
	u32 i, left = 0;

	for (i = 0; i < nr; i++)
		if (!gnttab_try_end_foreign_access(ref[i]))
			ref[left++] = ref[i];
	head_refill(ch, nr - left);
	return left;
}

/* ---- slots: the completion tokens of the packets in flight */

int nc2k_slots_alloc(struct nc2k_chan *ch)
{
	struct nc2k_slot *s;

	ch->slot_pool = kvcalloc(NC2K_IDS, sizeof(*ch->slot_pool), GFP_KERNEL);
	if (!ch->slot_pool)
		return -ENOMEM;
	ch->slot_free = NULL;
	for (s = ch->slot_pool + NC2K_IDS; s-- > ch->slot_pool;)
		nc2k_slot_put(ch, s);
	return 0;
}

struct nc2k_slot *nc2k_slot_get(struct nc2k_chan *ch)
{
	struct nc2k_slot *s = ch->slot_free;

	if (!s)
		return NULL;
	ch->slot_free = s->next_free;
	s->next_free = NULL;
	s->used = true;
	return s;
}

/* s holds nothing (never sent, or released): back on the free stack. */
void nc2k_slot_put(struct nc2k_chan *ch, struct nc2k_slot *s)
{
	s->used = false;
	s->next_free = ch->slot_free;
	ch->slot_free = s;
}

/*
 * The channel goes (quiesced): every slot still in flight is released,
 * exactly once, as if the peer had FINISHed it; the ids die with the link.
 */
void nc2k_slots_release_all(struct nc2k_chan *ch)
{
	struct nc2k_slot *s;

	for (s = ch->slot_pool; s && s < ch->slot_pool + NC2K_IDS; s++)
		if (s->used)
			nc2k_slot_release(ch, s);
}

void nc2k_slots_free(struct nc2k_chan *ch)
{
	kvfree(ch->slot_pool);
	ch->slot_pool = NULL;
	ch->slot_free = NULL;
}

void nc2k_slot_release(struct nc2k_chan *ch, struct nc2k_slot *s)
{
	unsigned int i;

	if (WARN_ON_ONCE(!s->used))
		return;
	if (s->fwd) {
		nc2k_fwd_ops(ch)->release(ch, s);
	} else {
		for (i = 0; i < s->nr; i++) {
			if (s->subpage & BIT(i))
				nc2k_end_ref(ch, s->ref[i], s->skb);
			else
				nc2k_bounce_put(ch, s->ref[i]);
		}
	}
	if (s->skb)
		dev_consume_skb_any(s->skb);
	if (ch->lim && s->len)
		nc2_limiter_unqueue(ch->lim, s->len);
	s->skb = NULL;
	s->fwd = false;
	s->fwd_lh = 0;
	s->fwd_src = 0;
	s->fwd_gen = 0;
	s->nr = 0;
	s->subpage = 0;
	s->len = 0;
	nc2k_slot_put(ch, s);
}
