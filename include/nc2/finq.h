/* SPDX-License-Identifier: MIT */
/*
 * nc2/finq.h - FINISHes still owed to the peer, sent when they may go.
 *
 * A receiver owes a FINISH for every id it has handled. The send ring may
 * be full, and a backend's limiter may have no response credit left, so
 * some FINISHes have to wait. The queue keeps them in order, oldest
 * first, and nc2_finq_flush() sends what ring room and credit allow,
 * charging the limiter for exactly the ids that went out. When it has to
 * stop it says why, having already asked for the event that ends the wait
 * where there is one, so the caller neither spins nor pays twice:
 *
 *	uint32_t owed[256];            at least the link's set_limit
 *	nc2_finq_init(&q, owed, 256);
 *	...
 *	nc2_finq_add(&q, id);          once per id handled
 *	r = nc2_finq_flush(&q, &l, lim);
 *	if (nc2_link_push(&l) > 0)
 *		notify_peer();
 *	r < 0: the link failed; NC2_FINQ_WAIT_ROOM: flush again on the
 *	peer's next event; NC2_FINQ_WAIT_CREDIT: flush again once the peer
 *	sent more (nc2_limiter_peer_msgs); NC2_FINQ_EMPTY: nothing owed.
 *
 * The queue holds no lock: serialise it with the link's sending calls.
 */
#ifndef NC2_FINQ_H
#define NC2_FINQ_H

#include <nc2/link.h>
#include <nc2/limiter.h>

/* Fields are private to the library. */
struct nc2_finq {
	uint32_t *ids; /* owed ids, oldest first */
	uint32_t cap;
	uint32_t n;
};

/* What nc2_finq_flush() stopped for. */
enum {
	NC2_FINQ_EMPTY = 0,	  /* nothing owed any more */
	NC2_FINQ_WAIT_ROOM = 1,	  /* send ring full; event asked for */
	NC2_FINQ_WAIT_CREDIT = 2, /* no response credit left */
};

/* Start an empty queue over the caller's ids[cap]. */
void nc2_finq_init(struct nc2_finq *q, uint32_t *ids, uint32_t cap);

/*
 * Owe a FINISH for id, after those owed already: 0, or -NC2_E_AGAIN if
 * the queue is full. A queue of at least the link's set_limit ids is only
 * ever full through a caller bug (an id added twice or never received).
 */
int nc2_finq_add(struct nc2_finq *q, uint32_t id);

/*
 * Move what src owes to the end of dst, oldest first: 0 when src is
 * empty after, -NC2_E_AGAIN when dst filled up first (what did not fit
 * stays in src, in order). For a driver that collects owed ids under one
 * lock (another guest's completions, say) and hands them to the link's
 * own queue under another; both queues are the caller's to serialise.
 */
int nc2_finq_splice(struct nc2_finq *dst, struct nc2_finq *src);

/* Ids owed. */
static inline uint32_t nc2_finq_len(const struct nc2_finq *q)
{
	return q->n;
}

/* Forget everything owed (the link is gone or being replaced). */
void nc2_finq_reset(struct nc2_finq *q);

/*
 * Send owed FINISHes, oldest first, as ring room and the limiter's
 * response credit allow (lim may be NULL: no limiter), batching ids as
 * nc2_link_finish() does. lim is charged one response per id that went
 * out, never for one that did not. Returns:
 *
 *   NC2_FINQ_EMPTY        nothing is owed any more;
 *   NC2_FINQ_WAIT_ROOM    the send ring is full and the link has asked the
 *                         peer (nc2_link_want_space) for an event once a
 *                         FINISH fits again; if room came back meanwhile
 *                         the flush kept sending instead;
 *   NC2_FINQ_WAIT_CREDIT  credit ran out (checked before room): the peer
 *                         earns more with its next messages;
 *   < 0                   the link failed (its sticky error), or cannot
 *                         send FINISHes (-NC2_E_STATE: not started, or
 *                         CLOSE sent); what is owed stays queued.
 *
 * An owed id the link does not hold (never received, answered by a class
 * message, or added twice) cannot be finished: it is dropped, keeping the
 * queue from jamming on a caller bug. The caller pushes (nc2_link_push)
 * and notifies as usual afterwards.
 */
int nc2_finq_flush(struct nc2_finq *q, struct nc2_link *l,
		   struct nc2_limiter *lim);

#endif /* NC2_FINQ_H */
