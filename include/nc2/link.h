/* SPDX-License-Identifier: MIT */
/*
 * nc2/link.h - a connection: two rings, ids, and the core handshake.
 *
 * A link owns the producer end of one ring and the consumer end of the
 * other. It speaks the core messages itself (HELLO, SET_MAX_OUTSTANDING,
 * CLOSE) and enforces their order; FINISH and device-class messages are
 * handed to the caller. Any protocol error, whichever layer finds it,
 * fails the whole link for good.
 *
 *	nc2_link_init(&l, &cfg, tx_ctrl, tx_ring, bytes, rx_ctrl, rx_ring,
 *bytes); nc2_link_start(&l);            HELLO and SET_MAX_OUTSTANDING
 *	nc2_link_push(&l);             then notify if it says so
 *	while (nc2_link_poll(&l, &m) > 0) {
 *		... FINISH or a class message ...
 *		nc2_link_consume(&l);
 *	}
 */
#ifndef NC2_LINK_H
#define NC2_LINK_H

#include <nc2/ring.h>
#include <nc2/ids.h>

struct nc2_link_config {
	uint16_t device_class; /* enum nc2_device_class */
	uint32_t features;     /* NC2_FEAT_* offered */
	uint32_t *pool_words;  /* NC2_IDPOOL_WORDS(pool_cap) words */
	uint32_t pool_cap;     /* ids we can have in flight at the peer */
	void **pool_tokens;    /* pool_cap tokens, or NULL: tokens all NULL */
	uint32_t *set_words;   /* NC2_IDSET_WORDS(set_limit) words */
	uint32_t set_limit;    /* ids the peer may have in flight to us */
};

enum nc2_link_state {
	NC2_LINK_INIT,	 /* nothing sent yet */
	NC2_LINK_WAIT,	 /* HELLO sent, the peer's not seen yet */
	NC2_LINK_UP,	 /* both HELLOs done */
	NC2_LINK_CLOSED, /* we sent CLOSE, or the peer did */
	NC2_LINK_ERROR,	 /* protocol error, sticky */
};

struct nc2_link_stats {
	uint64_t ctl_msgs;    /* core control messages handled */
	uint64_t finish_msgs; /* FINISH messages sent */
	uint64_t finish_ids;  /* ids completed by them */
};

/* Fields are private to the library. */
struct nc2_link {
	struct nc2_prod tx;
	struct nc2_cons rx;
	struct nc2_idpool pool;
	struct nc2_idset set;
	uint16_t device_class;
	uint16_t version; /* agreed once UP */
	uint32_t features_local;
	uint32_t features; /* agreed once UP */
	uint8_t state;	   /* enum nc2_link_state */
	uint8_t hello_rcvd;
	uint8_t close_sent;
	uint8_t close_rcvd;
	uint32_t peer_close_reason;
	uint32_t peer_max; /* latest SET_MAX_OUTSTANDING from the peer */
	struct nc2_link_stats stats;
};

/* Attach a link to its rings. -NC2_E_INVAL on bad sizes or storage. */
int nc2_link_init(struct nc2_link *l, const struct nc2_link_config *cfg,
		  struct nc2_wire_ctrl *tx_ctrl, void *tx_ring,
		  uint32_t tx_bytes, struct nc2_wire_ctrl *rx_ctrl,
		  const void *rx_ring, uint32_t rx_bytes);

/* Queue HELLO (and SET_MAX_OUTSTANDING if we accept ids); push after. */
int nc2_link_start(struct nc2_link *l);

/* Current enum nc2_link_state. */
int nc2_link_state(const struct nc2_link *l);

/* The sticky error (negated code), or 0. */
int nc2_link_error(const struct nc2_link *l);

/* Fail the link with err (a negated code): both rings stop for good. */
void nc2_link_fail(struct nc2_link *l, int err);

/* Pass err through, failing the link first if it is a protocol error. */
int nc2_link_check(struct nc2_link *l, int err);

/*
 * Next message for the caller: FINISH or a device-class message. Core
 * messages are handled inside, a bounded number per call. 1: *m is set;
 * 0: nothing now; <0: error (-NC2_E_CLOSED after an orderly CLOSE).
 */
NC2_INLINE int nc2_link_poll(struct nc2_link *l, struct nc2_msg *m);

/* Step past the message nc2_link_poll() returned. */
NC2_INLINE void nc2_link_consume(struct nc2_link *l);

/* Publish what was queued: 1 if the peer must be notified. */
NC2_INLINE int nc2_link_push(struct nc2_link *l);

/* Release consumed ring space: 1 if the peer must be notified. */
NC2_INLINE int nc2_link_release(struct nc2_link *l);

/* Re-arm the receive event and recheck: 1 if more to poll, 0 to sleep. */
int nc2_link_rearm(struct nc2_link *l);

/*
 * Ask for an event once a len-byte message fits on the send ring: 1 if it
 * fits now (retry), 0 to wait for the event.
 */
int nc2_link_want_space(struct nc2_link *l, uint32_t len);

/*
 * Bytes we published on our send ring that the peer has not consumed
 * (released) yet. Reads the peer's consumer index once and validates it:
 * a bad one fails the link, and then (as on any failed link) this is 0.
 * Call it where the link's sending calls are made, not concurrently.
 */
uint32_t nc2_link_tx_unconsumed(struct nc2_link *l);

/*
 * The peer's consumer index on our send ring as last validated (by any
 * sending call or nc2_link_tx_unconsumed): a free-running byte count.
 */
uint32_t nc2_link_tx_consumed(const struct nc2_link *l);

/*
 * Take an id for a message that wants a FINISH; token comes back with
 * its completion (nc2_link_finish_next, nc2_link_complete). -NC2_E_AGAIN:
 * no credit; -NC2_E_INVAL: no pool, or a token without token storage.
 */
int nc2_link_get_id(struct nc2_link *l, void *token, uint32_t *id);

/* Record an id arriving in a class message; fails the link if bad. */
int nc2_link_recv_id(struct nc2_link *l, uint32_t id);

/*
 * A class message of our peer completed id (instead of a FINISH): return
 * it to the pool and its token into *token (token may be NULL), failing
 * the link if it was not in flight (then *token is untouched).
 */
int nc2_link_complete(struct nc2_link *l, uint32_t id, void **token);

/* We answered the received id with a class message: forget it. */
int nc2_link_answered(struct nc2_link *l, uint32_t id);

/*
 * Complete n received ids with FINISH messages, in order. Returns how
 * many were finished (fewer if the ring filled: the last message takes
 * what room is left) or an error: -NC2_E_INVAL if the first message
 * would name an id not in flight towards us, or one twice (a later bad id
 * just ends the run early). nc2/finq.h keeps what is still owed.
 */
int nc2_link_finish(struct nc2_link *l, const uint32_t *ids, uint32_t n);

/* Walks the ids of a received FINISH; fields are private. */
struct nc2_finish_iter {
	const uint32_t *ids; /* in shared memory */
	uint32_t count;
	uint32_t pos;
};

/* Check a FINISH message's layout and start walking it. */
int nc2_link_finish_begin(struct nc2_link *l, const struct nc2_msg *m,
			  struct nc2_finish_iter *it);

/*
 * Next completed id, returned to the pool: its id into *id and the token
 * it was sent with into *token (either may be NULL). 1 if one, 0 at the
 * end, <0 if the peer named an id we do not have in flight: the link
 * fails and no token is handed out.
 */
int nc2_link_finish_next(struct nc2_link *l, struct nc2_finish_iter *it,
			 uint32_t *id, void **token);

/*
 * Send CLOSE with reason: 0 for orderly, else a wire value from
 * nc2_err_to_wire(), never a raw code. Nothing may be sent after it.
 */
int nc2_link_close(struct nc2_link *l, uint32_t reason);

/* Queue a class message with body (len bytes after the header). */
int nc2_link_send(struct nc2_link *l, uint8_t type, uint8_t flags,
		  const void *body, uint32_t len);

/* Ids of ours in flight at the peer (sent, not yet FINISHed). */
static inline uint32_t nc2_link_ids_inflight(const struct nc2_link *l)
{
	return nc2_idpool_inflight(&l->pool);
}

/* A mark for nc2_link_ids_done_since(): every id taken up to now. */
static inline uint32_t nc2_link_ids_mark(const struct nc2_link *l)
{
	return nc2_idpool_mark(&l->pool);
}

/* True once every id taken up to mark has been finished. */
static inline bool nc2_link_ids_done_since(const struct nc2_link *l,
					   uint32_t mark)
{
	return nc2_idpool_done_since(&l->pool, mark);
}

/* Ids we may still send under: the peer's limit less those in flight. */
static inline uint32_t nc2_link_ids_free(const struct nc2_link *l)
{
	uint32_t used = nc2_idpool_inflight(&l->pool);

	return l->pool.limit > used ? l->pool.limit - used : 0;
}

/* Counters of the link and of its two rings. */
static inline const struct nc2_link_stats *
nc2_link_get_stats(const struct nc2_link *l)
{
	return &l->stats;
}

static inline const struct nc2_ring_stats *
nc2_link_tx_stats(const struct nc2_link *l)
{
	return nc2_prod_stats(&l->tx);
}

static inline const struct nc2_ring_stats *
nc2_link_rx_stats(const struct nc2_link *l)
{
	return nc2_cons_stats(&l->rx);
}

/*
 * Library internal: all of nc2_link_poll(), which the inline one comes to
 * for anything but a class message or FINISH on an open link.
 */
int nc2_link_poll_slow(struct nc2_link *l, struct nc2_msg *m);

/*
 * Library internal: whether the caller owns type on this link (FINISH,
 * or a type of the link's device class), so the wrong class's messages
 * are refused.
 */
static inline bool nc2_link_type_is_ours(const struct nc2_link *l,
					 uint8_t type)
{
	if (type == NC2_MSG_FINISH)
		return true;
	if (type >= NC2_MSG_NET_FIRST && type <= NC2_MSG_NET_LAST)
		return l->device_class == NC2_CLASS_NET;
	if (type >= NC2_MSG_CLASS_FIRST && type <= NC2_MSG_CLASS_LAST)
		return l->device_class != NC2_CLASS_NET;
	return false;
}

/*
 * Common case: an open link (HELLO seen, no CLOSE, neither ring failed)
 * and the next message is the caller's, or there is none. Core messages,
 * errors and CLOSE go the slow way, which peeks again from scratch.
 */
NC2_INLINE int nc2_link_poll(struct nc2_link *l, struct nc2_msg *m)
{
	if (nc2_likely(l->hello_rcvd && !l->close_rcvd && !l->tx.err)) {
		int r = nc2_cons_peek(&l->rx, m);

		if (r == 0)
			return 0;
		if (r > 0 && nc2_link_type_is_ours(l, m->type))
			return 1;
	}
	return nc2_link_poll_slow(l, m);
}

NC2_INLINE void nc2_link_consume(struct nc2_link *l)
{
	nc2_cons_consume(&l->rx);
}

NC2_INLINE int nc2_link_push(struct nc2_link *l)
{
	int r = nc2_prod_push(&l->tx);

	/* A failed producer fails the whole link. */
	if (nc2_unlikely(r < 0))
		return nc2_link_check(l, r);
	return r;
}

NC2_INLINE int nc2_link_release(struct nc2_link *l)
{
	return nc2_cons_release(&l->rx);
}

#endif /* NC2_LINK_H */
