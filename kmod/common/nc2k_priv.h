/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nc2k_priv.h - what the files of one channel (nc2k_chan.c, nc2k_tx.c,
 * nc2k_rx.c, nc2k_bounce.c) call of each other. Not for the modules:
 * their interface is nc2k.h.
 */
#ifndef NC2K_PRIV_H
#define NC2K_PRIV_H

#include "nc2k.h"

/* Bounce pool (nc2k_bounce.c); all but setup and free_all under ch->lock. */
int nc2k_bounce_setup(struct nc2k_chan *ch, domid_t peer, unsigned int nr);
void nc2k_bounce_free_all(struct nc2k_chan *ch);
int nc2k_bounce_get(struct nc2k_chan *ch);
void nc2k_bounce_put(struct nc2k_chan *ch, u16 i);

/* Ending what we granted (nc2k_bounce.c). */
void nc2k_end_ref(struct nc2k_chan *ch, grant_ref_t ref, struct sk_buff *skb);
/*
 * The peer FINISHed s, or the channel goes: free what it holds and put
 * it back on the free stack.
 */
void nc2k_slot_release(struct nc2k_chan *ch, struct nc2k_slot *s);
/* The slot pool (nc2k_bounce.c): attach, detach (quiesced), free. */
int nc2k_slots_alloc(struct nc2k_chan *ch);
void nc2k_slots_release_all(struct nc2k_chan *ch);
void nc2k_slots_free(struct nc2k_chan *ch);

/* The module's forwarding callbacks, or NULL if it forwards nothing. */
static inline const struct nc2k_fwd_ops *
nc2k_fwd_ops(const struct nc2k_chan *ch)
{
	return ch->ops ? ch->ops->fwd : NULL;
}

/* Sending (nc2k_tx.c), ch->lock held. */
void nc2k_wake_if_room(struct nc2k_chan *ch);

/* Receiving (nc2k_rx.c): pull and finish with ch->lock held, flush without. */
int nc2k_rx_pull(struct nc2k_chan *ch, int budget, int *work,
		 bool *throttled);
void nc2k_rx_flush(struct nc2k_chan *ch);
void nc2k_rx_finish(struct nc2k_chan *ch);

#endif /* NC2K_PRIV_H */
