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
 * (A busy consumer may release lazily, nc2_cons_release_lazy(), and
 * settle with nc2_cons_release_rearm() before it sleeps: one fence.)
 *
 * Neither side locks: one thread produces and one consumes per ring. Any
 * peer-written index is read once, checked, and kept privately; a bad one
 * makes the endpoint fail for good (see nc2/error.h).
 *
 * The per-message calls (reserve, commit, push; peek, consume, release)
 * are declared NC2_INLINE and defined at the end of this header, as
 * liburing and DPDK do: the common case is a few instructions on private
 * state, and a call per message would cost more than the work. Whatever
 * is rare (reading the peer's index when the cached one says the ring is
 * full or empty, PAD messages, errors, a broken caller contract) is an
 * out-of-line *_slow() function of the library. The library also exports
 * an ordinary copy of every NC2_INLINE function (libnc2ring/ring_inline.c)
 * for callers that cannot use the header's, e.g. through an FFI.
 */
#ifndef NC2_RING_H
#define NC2_RING_H

#include <nc2/wire.h>
#include <nc2/error.h>

/*
 * How the fast paths are defined: static inline for every user of the
 * headers, plain external definitions in the one library file that
 * defines NC2_INLINE_EXPORT before including them.
 */
#ifdef NC2_INLINE_EXPORT
#define NC2_INLINE
#else
#define NC2_INLINE static inline
#endif

/* The shortest message: a header and one 4-byte word (protocol.md 4.2). */
#define NC2_MSG_MIN_SIZE 8u

struct nc2_ring_stats {
	uint64_t msgs;	   /* messages produced or consumed, PAD excluded */
	uint64_t bytes;	   /* ring bytes pushed or released, PAD included */
	uint64_t pads;	   /* PAD messages */
	uint64_t notifies; /* times push/release asked for an event */
	uint64_t full;	   /* reservations refused for lack of room */
};

/* Producer end. Fields are private to the library. */
struct nc2_prod {
	struct nc2_wire_ctrl *ctrl;
	uint8_t *ring;
	uint8_t *next;	   /* ring + (pvt & (size - 1)) while limit > pvt */
	uint32_t size;	   /* bytes, power of two */
	uint32_t pvt;	   /* end of committed messages */
	uint32_t limit;	   /* pvt may reach this without the slow path */
	uint32_t pushed;   /* last value stored to ctrl->prod */
	uint32_t cons;	   /* last validated ctrl->cons */
	uint32_t resv_len; /* bytes reserved, 0 if none or a PAD is pending */
	uint32_t resv_pad; /* PAD bytes the pending reservation needs first */
	uint32_t resv_padded; /* bytes reserved after that PAD */
	int err;	   /* sticky negated error, 0 if healthy */
	struct nc2_ring_stats stats;
};

/* Consumer end. Fields are private to the library. */
struct nc2_cons {
	struct nc2_wire_ctrl *ctrl;
	const uint8_t *ring;
	const uint8_t *next; /* ring + (pvt & (size - 1)) while limit > pvt */
	uint32_t size;
	uint32_t pvt;	   /* start of the next message */
	uint32_t limit;	   /* pvt may reach this without the slow path */
	uint32_t released; /* last value stored to ctrl->cons */
	uint32_t prod;	   /* last validated ctrl->prod */
	uint32_t peeked;   /* size of the message peek returned, 0 if none */
	uint32_t pf_lim;   /* bytes in view from which to prefetch */
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
 * Reserve room for a message of len bytes (header included, from 8 to
 * half the ring and at most NC2_MSG_MAX_SIZE); *msg receives where to
 * write it. -NC2_E_AGAIN if full, -NC2_E_INVAL for a bad len.
 */
NC2_INLINE int nc2_prod_reserve(struct nc2_prod *p, uint32_t len,
				void **msg);

/*
 * Commit the reserved message as type/flags with len bytes (8 <= len <=
 * reserved), padded to 8 with zeros (the caller writes len bytes, no
 * more). It becomes visible at the next push. Committing without such
 * a reservation breaks the caller's contract: nc2_assert() fires and
 * nothing is committed. A producer that failed since the reservation
 * commits nothing either, silently (the failure cancelled it).
 */
NC2_INLINE void nc2_prod_commit(struct nc2_prod *p, uint8_t type,
				uint8_t flags, uint32_t len);

/*
 * Reserve and commit in one call, as Xen's RING_GET_REQUEST plus
 * req_prod_pvt++ do: room for a len-byte message (the limits of
 * nc2_prod_reserve()), its header already written as type/flags and its
 * padding after len zero; *msg receives where it starts. The caller
 * writes the len - 4 bytes after the header before the next push (no
 * more), and must not take the message back. Returns what
 * nc2_prod_reserve() does; a pending reservation is dropped.
 */
NC2_INLINE int nc2_prod_alloc(struct nc2_prod *p, uint8_t type, uint8_t flags,
			      uint32_t len, void **msg);

/* Reserve, copy body (len bytes after the header) and commit. */
int nc2_prod_send(struct nc2_prod *p, uint8_t type, uint8_t flags,
		  const void *body, uint32_t len);

/* Publish committed messages: 1 if the peer must be notified, else 0. */
NC2_INLINE int nc2_prod_push(struct nc2_prod *p);

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
 * Without a message (0 or an error), *m may be left all zero.
 */
NC2_INLINE int nc2_cons_peek(struct nc2_cons *c, struct nc2_msg *m);

/* Step past the message the last peek returned (none: no effect). */
NC2_INLINE void nc2_cons_consume(struct nc2_cons *c);

/* Hand consumed space back: 1 if the producer must be notified, else 0. */
NC2_INLINE int nc2_cons_release(struct nc2_cons *c);

/*
 * nc2_cons_release() only when it matters now: when the producer waits
 * for room this release gives (its cons_event lies in what was consumed
 * since the last release) or an eighth of the ring is held; else nothing
 * is published and 0 returned. A busy consumer then moves the shared
 * index, and the line it lives on, once per many messages instead of
 * once per message. cons_event is read without a fence and may be stale:
 * the producer's later request is seen by a later call, and the caller
 * must call nc2_cons_release() before nc2_cons_rearm() (before it
 * sleeps), which settles everything. The producer's view of our progress
 * (and a backend's stall judgement) then lags by at most an eighth of the
 * ring while we are busy.
 */
NC2_INLINE int nc2_cons_release_lazy(struct nc2_cons *c);

/*
 * Ask for an event when min_bytes more arrive (0: any message), then look
 * again: 1 if messages are waiting (keep going), 0 if safe to sleep.
 */
int nc2_cons_rearm(struct nc2_cons *c, uint32_t min_bytes);

/*
 * nc2_cons_release() then nc2_cons_rearm(), for a consumer about to
 * sleep, with one full fence where the two calls pay one each: both
 * indices (cons, prod_event) are stored, then the fence, then the
 * producer's cons_event and prod are read. Returns as nc2_cons_rearm();
 * *notify is what nc2_cons_release() would have returned (true: notify
 * the producer), false on an error. With messages already known to be
 * waiting it is an ordinary release and returns 1.
 */
int nc2_cons_release_rearm(struct nc2_cons *c, uint32_t min_bytes,
			   bool *notify);

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

/*
 * nc2_cons_peek() and nc2_cons_consume() in one call: the next message,
 * already consumed. m->data stays valid (the producer cannot reuse its
 * bytes) until the next nc2_cons_release(). Returns what peek does.
 */
NC2_INLINE int nc2_cons_take(struct nc2_cons *c, struct nc2_msg *m);

/* Copy up to len bytes of m (header included) into private memory. */
uint32_t nc2_msg_copy(const struct nc2_msg *m, void *dst, uint32_t len);

/*
 * Library internals: the out-of-line halves of the inline calls below.
 * Each does the whole job of its public call from scratch (checks, index
 * refresh, PAD, errors); call the public ones instead.
 */
int nc2_prod_reserve_slow(struct nc2_prod *p, uint32_t len, void **msg);
void nc2_prod_commit_slow(struct nc2_prod *p, uint8_t type, uint8_t flags,
			  uint32_t len);
int nc2_prod_alloc_slow(struct nc2_prod *p, uint8_t type, uint8_t flags,
			uint32_t len, void **msg);
int nc2_cons_peek_slow(struct nc2_cons *c, struct nc2_msg *m);

/*
 * Library internal: the inline peek found limit == pvt. Reads prod once
 * (checked as always) if everything known is consumed, then sets limit
 * and next afresh: the bytes now in view from pvt (> 0), 0 if the ring is
 * empty, or the sticky error.
 */
int nc2_cons_refill(struct nc2_cons *c);

/*
 * Fast paths. Everything here reads only private state, except as noted.
 * Both ends keep the invariant the fast paths rely on: pvt <= limit, and
 * while pvt < limit, next points at pvt in the ring; a failed end has
 * limit == pvt, so every fast path but release and push (which check err
 * themselves) goes to the slow path, which reports the error.
 */

static inline uint32_t nc2_align8(uint32_t n)
{
	return (n + NC2_MSG_ALIGN - 1) & ~(NC2_MSG_ALIGN - 1);
}

/*
 * Common case: a message that fits below limit, which the slow path sets
 * to the least of: the room the consumer index as last validated leaves,
 * the end of the ring (so no PAD is needed) and pvt plus the longest
 * message allowed; pvt itself on a failed producer. Anything else, the
 * full check.
 */
NC2_INLINE int nc2_prod_reserve(struct nc2_prod *p, uint32_t len, void **msg)
{
	uint32_t alen = nc2_align8(len);

	if (nc2_likely(len >= NC2_MSG_MIN_SIZE && len <= NC2_MSG_MAX_SIZE &&
		       alen <= p->limit - p->pvt)) {
		uint8_t *at = p->next;

		/* The padding after the body, zero unless the caller writes it. */
		nc2_memset(at + alen - 8, 0, 8);
		p->resv_len = alen;
		*msg = at;
		return 0;
	}
	{
		/* Through a copy, so that msg's address does not escape. */
		void *t = NULL;
		int r = nc2_prod_reserve_slow(p, len, &t);

		*msg = t;
		return r;
	}
}

/*
 * Write the header of an alen-byte message at at, which is next (any PAD
 * already written, the padding after the body zero; passed in so that
 * next need not be read back after the caller's stores), and step past
 * it. stats.bytes is counted at push.
 */
static inline void nc2_prod_put_msg(struct nc2_prod *p, uint8_t *at,
				    uint8_t type, uint8_t flags, uint32_t alen)
{
	/* type, flags and the little-endian size as one 4-byte store. */
	uint32_t hdr = nc2_cpu_to_le32((uint32_t)type | (uint32_t)flags << 8 |
				       alen << 16);

	_Static_assert(__builtin_offsetof(struct nc2_msg_hdr, type) == 0 &&
			       __builtin_offsetof(struct nc2_msg_hdr, flags) == 1,
		       "nc2_prod_put_msg's header word");
	nc2_memcpy(at, &hdr, sizeof(hdr));
	p->pvt += alen;
	p->next += alen;
	p->resv_len = 0;
	p->stats.msgs++;
}

/*
 * Common case: len rounds up to exactly what was reserved (resv_len is 0
 * without a reservation, with a PAD pending, or on a failed producer, and
 * len from 8 to the largest message cannot round to 0). Reserve zeroed
 * the reservation's last 8-byte word, so the padding after len is zero
 * already. A shorter message, a PAD or a broken contract: the slow path.
 */
NC2_INLINE void nc2_prod_commit(struct nc2_prod *p, uint8_t type,
				uint8_t flags, uint32_t len)
{
	if (nc2_likely(nc2_align8(len) == p->resv_len &&
		       len - NC2_MSG_MIN_SIZE <=
			       NC2_MSG_MAX_SIZE - NC2_MSG_MIN_SIZE))
		nc2_prod_put_msg(p, p->next, type, flags, p->resv_len);
	else
		nc2_prod_commit_slow(p, type, flags, len);
}

/*
 * Common case: as nc2_prod_reserve()'s, then the header at once. The
 * padding word is zeroed before the header is written, since for an
 * 8-byte message they are the same word.
 */
NC2_INLINE int nc2_prod_alloc(struct nc2_prod *p, uint8_t type, uint8_t flags,
			      uint32_t len, void **msg)
{
	uint32_t alen = nc2_align8(len);

	if (nc2_likely(len >= NC2_MSG_MIN_SIZE && len <= NC2_MSG_MAX_SIZE &&
		       alen <= p->limit - p->pvt)) {
		uint8_t *at = p->next;

		nc2_memset(at + alen - 8, 0, 8);
		nc2_prod_put_msg(p, at, type, flags, alen);
		*msg = at;
		return 0;
	}
	{
		void *t = NULL;
		int r = nc2_prod_alloc_slow(p, type, flags, len, &t);

		*msg = t;
		return r;
	}
}

/*
 * Same rule as Xen's RING_PUSH_REQUESTS_AND_CHECK_NOTIFY, on bytes: an
 * index moved from old to cur owes the peer an event iff the event index
 * ev it asked for lies in (old, cur]. ev is read once and only decides
 * whether to notify: no value of it can harm us.
 */
static inline bool nc2_event_due(uint32_t ev, uint32_t old, uint32_t cur)
{
	return (uint32_t)(cur - ev) < (uint32_t)(cur - old);
}

/* Publish prod; notify as nc2_event_due() says of prod_event. */
NC2_INLINE int nc2_prod_push(struct nc2_prod *p)
{
	uint32_t old = p->pushed, cur = p->pvt, ev;

	if (nc2_unlikely(p->err))
		return p->err;
	if (cur == old)
		return 0;
	/* Pairs with the consumer's acquire load of prod: data before index. */
	nc2_store_release32(&p->ctrl->prod, nc2_cpu_to_le32(cur));
	p->pushed = cur;
	p->stats.bytes += cur - old;
	/* Pairs with nc2_mb() in nc2_cons_rearm(): prod store, event load. */
	nc2_mb();
	ev = nc2_le32_to_cpu(nc2_load32(&p->ctrl->prod_event));
	if (nc2_event_due(ev, old, cur)) {
		p->stats.notifies++;
		return 1;
	}
	return 0;
}

/*
 * A message header read once, as one 4-byte load (messages are 8-byte
 * aligned): type in bits 0-7, flags in 8-15, size in 16-31.
 */
static inline uint32_t nc2_hdr_load(const struct nc2_msg_hdr *h)
{
	return nc2_le32_to_cpu(nc2_load32((const uint32_t *)h));
}

/*
 * The fast paths' whole check of a header read into locals, lim bytes
 * (a multiple of 8, less than 2^32 - 8) in view: a size that is a
 * multiple of 8, at least 8 and within lim, and a type other than PAD
 * (0xff) and INVALID (0), which (uint8_t)(type + 1) <= 1 catches in one
 * compare. Anything else is for the slow path to judge.
 */
_Static_assert(NC2_MSG_PAD == 0xff && NC2_MSG_INVALID == 0,
	       "nc2_cons_hdr_fast relies on PAD 0xff and INVALID 0");

static inline bool nc2_cons_hdr_fast(uint8_t type, uint32_t size,
				     uint32_t lim)
{
	/*
	 * size - 8 rotated right by 3: a multiple of 8 from 8 up becomes
	 * (size - 8) / 8, which is below lim / 8 exactly when size <= lim;
	 * anything else (not a multiple of 8, or under 8) comes out at
	 * 2^29 - 1 or more, which no lim / 8 exceeds. So one compare checks
	 * alignment, the minimum and lim together (and fails for lim 0).
	 */
	uint32_t d = size - NC2_MSG_MIN_SIZE;

	_Static_assert(NC2_MSG_ALIGN == 8 && NC2_MSG_MIN_SIZE == 8,
		       "nc2_cons_hdr_fast's rotate");
	return ((d >> 3) | (d << 29)) < lim >> 3 &&
	       (uint8_t)(type + 1) > 1;
}

/*
 * How far ahead of next the consumer asks for ring memory, and how far
 * behind the producer it must be (beyond an eighth of the ring) to ask.
 */
#define NC2_CONS_PREFETCH 512u

/*
 * Each message's start depends on the header before it, so a consumer
 * working through a backlog walks a chain of cache misses (the lines come
 * from the producer's core) that the hardware overlaps poorly; asking for
 * the line NC2_CONS_PREFETCH bytes ahead overlaps them (64-byte messages,
 * batch 32: 1.5-2x; docs/bench.md). Only while the consumer is well
 * behind what it last saw published: lim, the bytes in view, exceeds an
 * eighth of the ring plus the distance. Close behind the producer the
 * lines are still being written, and pulling them early would only make
 * them bounce between the cores; a consumer sped up there also catches
 * up with the producer and then chases it message by message, which is
 * far slower for both (a 64-byte stream pushed one message at a time
 * fell from ~14 to ~5 Mmsg/s with an unconditional prefetch). The line
 * asked for lies in view, so never outside the ring.
 */
static inline uint32_t nc2_cons_prefetch_lim(uint32_t ring_bytes)
{
	return (ring_bytes >> 3) + NC2_CONS_PREFETCH + 64;
}

/* pf_lim is nc2_cons_prefetch_lim(size), worked out once by init. */
static inline void nc2_cons_prefetch(const struct nc2_cons *c, uint32_t lim)
{
	if (lim >= c->pf_lim)
		nc2_prefetch(c->next + NC2_CONS_PREFETCH);
}

/*
 * The fast paths' read of the message at next, lim bytes (a multiple of
 * 8, not 0) in view: its header read once and checked; true with m
 * filled, or false (m untouched) for the slow path to judge. A bool, not
 * the size, so that callers test the header check alone (a size of 0
 * has already failed it).
 */
static inline bool nc2_cons_fast_msg(const struct nc2_cons *c, uint32_t lim,
				     struct nc2_msg *m)
{
	const struct nc2_msg_hdr *h = (const struct nc2_msg_hdr *)c->next;
	uint32_t w, size;

	nc2_cons_prefetch(c, lim);
	w = nc2_hdr_load(h);
	size = w >> 16;

	if (nc2_unlikely(!nc2_cons_hdr_fast((uint8_t)w, size, lim)))
		return false;
	m->type = (uint8_t)w;
	m->flags = (uint8_t)(w >> 8);
	m->size = (uint16_t)size;
	m->data = (const uint8_t *)h;
	return true;
}

/*
 * Common case: a message already known to be published. limit is the
 * least of the producer index as last validated and the end of the
 * ring, or pvt itself on a failed consumer; when pvt reaches it,
 * nc2_cons_refill() looks again. The header is read once, into locals,
 * and fully checked (protocol.md 4.3: a multiple of 8, at least 8,
 * within both bounds) before anything is trusted. A PAD or a bad header
 * goes to the slow path, which starts over and judges only what it reads
 * itself.
 */
NC2_INLINE int nc2_cons_peek(struct nc2_cons *c, struct nc2_msg *m)
{
	uint32_t lim = c->limit - c->pvt;

	if (nc2_unlikely(!lim)) {
		int r = nc2_cons_refill(c);

		if (r <= 0) {
			/* As the slow path below leaves it, for the same reason. */
			*m = (struct nc2_msg){ 0 };
			return r;
		}
		lim = (uint32_t)r;
	}
	if (nc2_unlikely(!nc2_cons_fast_msg(c, lim, m))) {
		/*
		 * Through a copy, so that m's address does not escape and
		 * the caller's compiler may keep it in registers; zeroed so
		 * that m is defined on every path (no message: all zero).
		 */
		struct nc2_msg t = { 0 };
		int r = nc2_cons_peek_slow(c, &t);

		*m = t;
		return r;
	}
	c->peeked = m->size;
	return 1;
}

/* stats.bytes is counted at release. */
NC2_INLINE void nc2_cons_consume(struct nc2_cons *c)
{
	uint32_t size = c->peeked;

	if (!size)
		return;
	c->pvt += size;
	c->next += size;
	c->stats.msgs++;
	c->peeked = 0;
}

/*
 * peek's common case, then consume's, without the peeked bookkeeping in
 * between; anything else goes through the public peek and consume.
 */
NC2_INLINE int nc2_cons_take(struct nc2_cons *c, struct nc2_msg *m)
{
	/* pvt read once: the stores below need not load it again. */
	uint32_t pvt = c->pvt, lim = c->limit - pvt;

	if (nc2_likely(lim && nc2_cons_fast_msg(c, lim, m))) {
		c->pvt = pvt + m->size;
		c->next += m->size;
		c->stats.msgs++;
		return 1;
	}
	{
		/* As in peek: m's address does not escape. */
		struct nc2_msg t = { 0 };
		int r = nc2_cons_peek(c, &t);

		if (r > 0)
			nc2_cons_consume(c);
		*m = t;
		return r;
	}
}

/* cons_event is read once and only decides whether to notify. */
NC2_INLINE int nc2_cons_release(struct nc2_cons *c)
{
	uint32_t old = c->released, cur = c->pvt, ev;

	if (nc2_unlikely(c->err))
		return c->err;
	if (cur == old)
		return 0;
	/* Our reads of the messages complete before the producer reuses them. */
	nc2_store_release32(&c->ctrl->cons, nc2_cpu_to_le32(cur));
	c->released = cur;
	c->stats.bytes += cur - old;
	/* Pairs with nc2_mb() in nc2_prod_want_space(). */
	nc2_mb();
	ev = nc2_le32_to_cpu(nc2_load32(&c->ctrl->cons_event));
	if (nc2_event_due(ev, old, cur)) {
		c->stats.notifies++;
		return 1;
	}
	return 0;
}

NC2_INLINE int nc2_cons_release_lazy(struct nc2_cons *c)
{
	uint32_t held = c->pvt - c->released, ev;

	if (nc2_unlikely(c->err))
		return c->err;
	if (held < c->size / 8) {
		/* Only decides whether to publish now: no value can harm us. */
		ev = nc2_le32_to_cpu(nc2_load32(&c->ctrl->cons_event));
		if ((uint32_t)(c->pvt - ev) >= held)
			return 0;
	}
	return nc2_cons_release(c);
}

#endif /* NC2_RING_H */
