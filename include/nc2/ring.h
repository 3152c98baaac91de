/* SPDX-License-Identifier: MIT */
/*
 * nc2/ring.h - one direction of a byte ring of variable-size messages.
 *
 * Producer, zero-copy:
 *
 *	void *m;
 *	while (nc2_prod_reserve(p, len, &m) == 0) {
 *		fill(m + sizeof(struct nc2_msg_hdr), len - 4);
 *		nc2_prod_commit(p, type, 0, len);
 *	}
 *	if (nc2_prod_push(p) > 0)
 *		notify_peer();
 *
 * Consumer, zero-copy, with the re-arm that closes the lost-wakeup window:
 *
 *	struct nc2_msg m;
 *	do {
 *		while (nc2_cons_peek(c, &m) > 0) {
 *			handle(&m);
 *			nc2_cons_consume(c);
 *		}
 *		if (nc2_cons_release(c) > 0)
 *			notify_peer();
 *	} while (nc2_cons_rearm(c, 0) > 0);
 *
 * Neither side locks: one thread produces and one consumes per ring. Any
 * peer-written index is read once, checked, and kept privately; a bad one
 * makes the endpoint fail for good (see nc2/error.h).
 */
#ifndef NC2_RING_H
#define NC2_RING_H

#include <nc2/wire.h>
#include <nc2/error.h>

struct nc2_ring_stats {
	uint64_t msgs;	   /* messages produced or consumed, PAD excluded */
	uint64_t bytes;	   /* ring bytes, PAD included */
	uint64_t pads;	   /* PAD messages */
	uint64_t notifies; /* times push/release asked for an event */
	uint64_t full;	   /* reservations refused for lack of room */
};

/* Producer end. Fields are private to the library. */
struct nc2_prod {
	struct nc2_wire_ctrl *ctrl;
	uint8_t *ring;
	uint32_t size;	   /* bytes, power of two */
	uint32_t pvt;	   /* end of committed messages */
	uint32_t pushed;   /* last value stored to ctrl->prod */
	uint32_t cons;	   /* last validated ctrl->cons */
	uint32_t resv_pad; /* PAD bytes the reservation needs first */
	uint32_t resv_len; /* bytes reserved, 0 if none */
	int err;	   /* sticky negated error, 0 if healthy */
	struct nc2_ring_stats stats;
};

/* Consumer end. Fields are private to the library. */
struct nc2_cons {
	struct nc2_wire_ctrl *ctrl;
	const uint8_t *ring;
	uint32_t size;
	uint32_t pvt;	   /* start of the next message */
	uint32_t released; /* last value stored to ctrl->cons */
	uint32_t prod;	   /* last validated ctrl->prod */
	uint32_t peeked;   /* size of the message peek returned, 0 if none */
	int err;
	struct nc2_ring_stats stats;
};

/* A message seen in place. data points at its header in shared memory. */
struct nc2_msg {
	uint8_t type;
	uint8_t flags;
	uint16_t size;
	const uint8_t *data;
};

/* Initialise a control block (zero, prod_event 1); done by its allocator. */
void nc2_ctrl_reset(struct nc2_wire_ctrl *ctrl);

/* Check ring_bytes: a power of two from one page to NC2_RING_MAX_BYTES. */
bool nc2_ring_size_ok(uint32_t ring_bytes);

/* Start producing into ring; indices start at 0. -NC2_E_INVAL on bad size. */
int nc2_prod_init(struct nc2_prod *p, struct nc2_wire_ctrl *ctrl, void *ring,
		  uint32_t ring_bytes);

/*
 * Reserve room for a message of len bytes (header included, at most half
 * the ring); *msg receives where to write it. -NC2_E_AGAIN if full.
 */
int nc2_prod_reserve(struct nc2_prod *p, uint32_t len, void **msg);

/*
 * Commit the reserved message as type/flags with len bytes (<= reserved),
 * padding it to 8 with zeros. It becomes visible at the next push.
 */
void nc2_prod_commit(struct nc2_prod *p, uint8_t type, uint8_t flags,
		     uint32_t len);

/* Reserve, copy body (len bytes after the header) and commit. */
int nc2_prod_send(struct nc2_prod *p, uint8_t type, uint8_t flags,
		  const void *body, uint32_t len);

/* Publish committed messages: 1 if the peer must be notified, else 0. */
int nc2_prod_push(struct nc2_prod *p);

/*
 * Ask for an event once a len-byte message fits. 1: it fits now, retry;
 * 0: wait for the event.
 */
int nc2_prod_want_space(struct nc2_prod *p, uint32_t len);

/* 1 if the consumer has released everything pushed, 0 if not. */
int nc2_prod_idle(struct nc2_prod *p);

/*
 * Bytes pushed that the consumer has not released yet. Reads its index
 * once and checks it like every other read: the count (0 .. ring size),
 * or the sticky error, a bad index failing the producer first. Call it
 * where the producer's other calls are made (it updates what they use).
 */
int nc2_prod_unconsumed(struct nc2_prod *p);

/*
 * The consumer's index (free-running bytes released) as last read and
 * validated by any producer call; no shared-memory access.
 */
static inline uint32_t nc2_prod_consumed(const struct nc2_prod *p)
{
	return p->cons;
}

/*
 * The longest message (header included, a multiple of 8) that
 * nc2_prod_reserve() would accept now, judged on the consumer index as
 * last read: 0 if none fits or the producer failed. No shared access.
 */
uint32_t nc2_prod_room(const struct nc2_prod *p);

/* Put the producer in the sticky error state err (negated code). */
void nc2_prod_fail(struct nc2_prod *p, int err);

/* The sticky error (negated code), or 0. */
static inline int nc2_prod_error(const struct nc2_prod *p)
{
	return p->err;
}

/* What this producer has done so far. */
static inline const struct nc2_ring_stats *
nc2_prod_stats(const struct nc2_prod *p)
{
	return &p->stats;
}

/* Start consuming from ring; indices start at 0. -NC2_E_INVAL on bad size. */
int nc2_cons_init(struct nc2_cons *c, struct nc2_wire_ctrl *ctrl,
		  const void *ring, uint32_t ring_bytes);

/*
 * Fill *m with the next validated message, skipping PADs: 1 if there is
 * one, 0 if the ring is empty. Peeking again returns the same message.
 */
int nc2_cons_peek(struct nc2_cons *c, struct nc2_msg *m);

/* Step past the message the last peek returned. */
void nc2_cons_consume(struct nc2_cons *c);

/* Hand consumed space back: 1 if the producer must be notified, else 0. */
int nc2_cons_release(struct nc2_cons *c);

/*
 * Ask for an event when min_bytes more arrive (0: any message), then look
 * again: 1 if messages are waiting (keep going), 0 if safe to sleep.
 */
int nc2_cons_rearm(struct nc2_cons *c, uint32_t min_bytes);

/* Put the consumer in the sticky error state err (negated code). */
void nc2_cons_fail(struct nc2_cons *c, int err);

/* The sticky error (negated code), or 0. */
static inline int nc2_cons_error(const struct nc2_cons *c)
{
	return c->err;
}

/* What this consumer has done so far. */
static inline const struct nc2_ring_stats *
nc2_cons_stats(const struct nc2_cons *c)
{
	return &c->stats;
}

/* Copy up to len bytes of m (header included) into private memory. */
uint32_t nc2_msg_copy(const struct nc2_msg *m, void *dst, uint32_t len);

#endif /* NC2_RING_H */
