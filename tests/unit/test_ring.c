// SPDX-License-Identifier: MIT
/*
 * Ring layer: round trips, PAD at every offset, notify rules, errors.
 * Built with its own copy of the ring sources and NC2_ASSERT_RETURN
 * (tests/meson.build), so that the caller-contract violations it drives
 * on purpose come back as refusals rather than a trap.
 */
#include "fixture.h"
#include <string.h>

struct rfix {
	struct tring t;
	struct nc2_prod p;
	struct nc2_cons c;
};

static void rfix_init(struct rfix *f, uint32_t pages)
{
	tring_alloc(&f->t, pages);
	assert_int_equal(nc2_prod_init(&f->p, f->t.ctrl, f->t.data, f->t.bytes), 0);
	assert_int_equal(nc2_cons_init(&f->c, f->t.ctrl, f->t.data, f->t.bytes), 0);
}

static void fill(uint8_t *b, uint32_t n, uint32_t seed)
{
	for (uint32_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed * 31 + i * 7);
}

static int check_fill(const uint8_t *b, uint32_t n, uint32_t seed)
{
	for (uint32_t i = 0; i < n; i++)
		if (b[i] != (uint8_t)(seed * 31 + i * 7))
			return 0;
	return 1;
}

/* Send one message of len bytes (header included) and receive it back. */
static void round_trip(struct rfix *f, uint32_t len, uint32_t seed)
{
	uint8_t body[NC2_MSG_MAX_SIZE];
	struct nc2_msg m;

	fill(body, len - 4, seed);
	assert_int_equal(nc2_prod_send(&f->p, 0x40, 3, body, len - 4), 0);
	nc2_prod_push(&f->p);
	assert_int_equal(nc2_cons_peek(&f->c, &m), 1);
	assert_int_equal(m.type, 0x40);
	assert_int_equal(m.flags, 3);
	assert_int_equal(m.size, (len + 7) & ~7u);
	assert_true(check_fill(m.data + 4, len - 4, seed));
	nc2_cons_consume(&f->c);
	nc2_cons_release(&f->c);
}

/*
 * The same trip through the fused calls: nc2_prod_alloc() writes the
 * header, nc2_cons_take() consumes as it returns.
 */
static void alloc_take_trip(struct rfix *f, uint32_t len, uint32_t seed)
{
	struct nc2_msg m;
	void *msg;

	assert_int_equal(nc2_prod_alloc(&f->p, 0x40, 3, len, &msg), 0);
	fill((uint8_t *)msg + 4, len - 4, seed);
	nc2_prod_push(&f->p);
	assert_int_equal(nc2_cons_take(&f->c, &m), 1);
	assert_ptr_equal(m.data, msg);
	assert_int_equal(m.type, 0x40);
	assert_int_equal(m.flags, 3);
	assert_int_equal(m.size, (len + 7) & ~7u);
	assert_true(check_fill(m.data + 4, len - 4, seed));
	/* The padding after len is zero, as commit leaves it. */
	for (uint32_t i = len; i < m.size; i++)
		assert_int_equal(m.data[i], 0);
	nc2_cons_release(&f->c);
}

static void test_init_sizes(void **state)
{
	struct nc2_wire_ctrl ctrl;
	static uint8_t ring[4096];
	struct nc2_prod p;
	struct nc2_cons c;

	assert_int_equal(nc2_prod_init(&p, &ctrl, ring, 0), -NC2_E_INVAL);
	assert_int_equal(nc2_prod_init(&p, &ctrl, ring, 2048), -NC2_E_INVAL);
	assert_int_equal(nc2_prod_init(&p, &ctrl, ring, 3 * 4096), -NC2_E_INVAL);
	assert_int_equal(nc2_prod_init(&p, &ctrl, ring, 512 * 4096),
			 -NC2_E_INVAL);
	assert_int_equal(nc2_cons_init(&c, &ctrl, NULL, 4096), -NC2_E_INVAL);
	assert_int_equal(nc2_prod_init(&p, &ctrl, ring, 4096), 0);
	assert_true(nc2_ring_size_ok(NC2_RING_MAX_BYTES));
}

static void test_round_trip_sizes(void **state)
{
	static const uint32_t pages[] = { 1, 2, 64 };

	for (unsigned i = 0; i < 3; i++) {
		struct rfix f;

		rfix_init(&f, pages[i]);
		for (uint32_t len = 8; len <= f.t.bytes / 2 &&
				       len <= NC2_MSG_MAX_SIZE; len += 4)
			round_trip(&f, len, len);
		assert_int_equal(nc2_cons_peek(&f.c, &(struct nc2_msg){ 0 }), 0);
		tring_free(&f.t);
	}
}

/* Start at every 8-byte offset; a message that does not fit needs a PAD. */
static void test_pad_every_offset(void **state)
{
	const uint32_t lens[] = { 8, 64, 1500, 2048 };

	for (unsigned k = 0; k < 4; k++) {
		for (uint32_t off = 0; off < 4096; off += 8) {
			struct rfix f;
			uint64_t pads;

			rfix_init(&f, 1);
			/* Move both ends to off with one throwaway message. */
			if (off) {
				f.p.pvt = f.p.limit = f.p.pushed = f.p.cons = off;
				f.c.pvt = f.c.limit = f.c.released = f.c.prod = off;
				f.t.ctrl->prod = f.t.ctrl->cons = off;
			}
			pads = f.p.stats.pads;
			round_trip(&f, lens[k], off);
			assert_int_equal(f.p.stats.pads - pads,
					 lens[k] > 4096 - off ? 1 : 0);
			assert_int_equal(f.c.stats.pads, f.p.stats.pads);
			/* And once more, straight after the wrap. */
			round_trip(&f, lens[k], off + 1);
			tring_free(&f.t);
		}
	}
}

static void test_alloc_take(void **state)
{
	const uint32_t lens[] = { 8, 12, 64, 68, 1500, 2048 };

	for (uint32_t pages = 1; pages <= 2; pages++) {
		struct rfix f;

		rfix_init(&f, pages);
		for (uint32_t len = 8; len <= f.t.bytes / 2 &&
				       len <= NC2_MSG_MAX_SIZE; len += 4)
			alloc_take_trip(&f, len, len);
		assert_int_equal(f.c.stats.msgs, f.p.stats.msgs);
		assert_int_equal(f.c.stats.pads, f.p.stats.pads);
		tring_free(&f.t);
	}
	/* From every 8-byte offset: the PAD path of both calls. */
	for (unsigned k = 0; k < 6; k++) {
		for (uint32_t off = 0; off < 4096; off += 8) {
			struct rfix f;

			rfix_init(&f, 1);
			if (off) {
				f.p.pvt = f.p.limit = f.p.pushed = f.p.cons = off;
				f.c.pvt = f.c.limit = f.c.released = f.c.prod = off;
				f.t.ctrl->prod = f.t.ctrl->cons = off;
			}
			alloc_take_trip(&f, lens[k], off);
			assert_int_equal(f.p.stats.pads,
					 ((lens[k] + 7) & ~7u) > 4096 - off ? 1 : 0);
			assert_int_equal(f.c.stats.pads, f.p.stats.pads);
			alloc_take_trip(&f, lens[k], off + 1);
			tring_free(&f.t);
		}
	}
}

/* Refusals commit nothing; taken messages stay readable until release. */
static void test_alloc_take_limits(void **state)
{
	struct rfix f;
	struct nc2_msg m[8];
	void *msg;
	uint32_t pvt;
	int n = 0;

	rfix_init(&f, 1);
	for (uint32_t len = 0; len < 8; len++)
		assert_int_equal(nc2_prod_alloc(&f.p, 0x40, 0, len, &msg),
				 -NC2_E_INVAL);
	assert_int_equal(nc2_prod_alloc(&f.p, 0x40, 0, 2049, &msg),
			 -NC2_E_INVAL);
	assert_int_equal(f.p.pvt, 0);
	while (nc2_prod_alloc(&f.p, 0x41, 0, 512, &msg) == 0)
		fill((uint8_t *)msg + 4, 508, (uint32_t)n++);
	assert_int_equal(n, 8);
	pvt = f.p.pvt;
	assert_int_equal(nc2_prod_alloc(&f.p, 0x41, 0, 8, &msg),
			 -NC2_E_AGAIN);
	assert_null(msg);
	assert_int_equal(f.p.pvt, pvt);
	assert_int_equal(f.p.stats.msgs, 8);
	nc2_prod_push(&f.p);
	for (int i = 0; i < 8; i++)
		assert_int_equal(nc2_cons_take(&f.c, &m[i]), 1);
	{
		struct nc2_msg none = { .size = 1 };

		assert_int_equal(nc2_cons_take(&f.c, &none), 0);
		assert_int_equal(none.size, 0);
	}
	/* Nothing released yet: the producer still has no room... */
	assert_int_equal(nc2_prod_alloc(&f.p, 0x41, 0, 8, &msg),
			 -NC2_E_AGAIN);
	/* ...so every body is still what was written. */
	for (int i = 0; i < 8; i++)
		assert_true(check_fill(m[i].data + 4, 508, (uint32_t)i));
	nc2_cons_release(&f.c);
	assert_int_equal(nc2_prod_alloc(&f.p, 0x41, 0, 8, &msg), 0);
	tring_free(&f.t);
}

/* A pending reservation is dropped by alloc: its commit is refused. */
static void test_alloc_drops_reservation(void **state)
{
	struct rfix f;
	struct nc2_msg m;
	void *r, *a;

	rfix_init(&f, 1);
	assert_int_equal(nc2_prod_reserve(&f.p, 64, &r), 0);
	assert_int_equal(nc2_prod_alloc(&f.p, 0x42, 0, 16, &a), 0);
	assert_ptr_equal(a, r);
	nc2_prod_commit(&f.p, 0x40, 0, 64); /* refused: nc2_assert */
	nc2_prod_push(&f.p);
	assert_int_equal(nc2_cons_take(&f.c, &m), 1);
	assert_int_equal(m.type, 0x42);
	assert_int_equal(m.size, 16);
	assert_int_equal(nc2_cons_take(&f.c, &m), 0);
	tring_free(&f.t);
}

/*
 * Lazy release publishes when the producer waits for the room it frees,
 * or at an eighth of the ring, and nothing else; the eager release
 * settles the rest.
 */
static void test_release_lazy(void **state)
{
	struct rfix f;
	struct nc2_msg m;
	void *msg;
	int n = 0;

	rfix_init(&f, 1); /* 4096 bytes: an eighth is 512 */
	while (nc2_prod_alloc(&f.p, 0x41, 0, 64, &msg) == 0)
		n++;
	assert_int_equal(n, 64);
	nc2_prod_push(&f.p);
	/* Nothing consumed: nothing to publish. */
	assert_int_equal(nc2_cons_release_lazy(&f.c), 0);
	/* 448 bytes held, nobody waiting: not published. */
	for (int i = 0; i < 7; i++)
		assert_int_equal(nc2_cons_take(&f.c, &m), 1);
	assert_int_equal(nc2_cons_release_lazy(&f.c), 0);
	assert_int_equal(f.t.ctrl->cons, 0);
	/* The producer wants 256 bytes: cons must reach 256. */
	assert_int_equal(nc2_prod_want_space(&f.p, 256), 0);
	assert_int_equal(nc2_cons_release_lazy(&f.c), 1);
	assert_int_equal(f.t.ctrl->cons, 448);
	assert_int_equal(nc2_prod_want_space(&f.p, 64), 1);
	/* An eighth of the ring held: published, no event asked for. */
	for (int i = 0; i < 8; i++)
		assert_int_equal(nc2_cons_take(&f.c, &m), 1);
	assert_int_equal(nc2_cons_release_lazy(&f.c), 0);
	assert_int_equal(f.t.ctrl->cons, 960);
	/* Below both: held back, until the eager release before sleeping. */
	assert_int_equal(nc2_cons_take(&f.c, &m), 1);
	assert_int_equal(nc2_cons_release_lazy(&f.c), 0);
	assert_int_equal(f.t.ctrl->cons, 960);
	assert_int_equal(nc2_cons_release(&f.c), 0);
	assert_int_equal(f.t.ctrl->cons, 1024);
	assert_int_equal(nc2_cons_release_lazy(&f.c), 0);
	/* A failed consumer says so. */
	nc2_cons_fail(&f.c, -NC2_EP_MSG_SIZE);
	assert_int_equal(nc2_cons_release_lazy(&f.c), -NC2_EP_MSG_SIZE);
	tring_free(&f.t);
}

/*
 * release + rearm behind one fence: the same indices, events and notify
 * decisions as the two calls one after the other.
 */
static void test_release_rearm(void **state)
{
	struct rfix f;
	struct nc2_msg m;
	bool notify = true;
	void *msg;

	rfix_init(&f, 1);
	/* Nothing consumed, nothing there: only the event is asked for. */
	assert_int_equal(nc2_cons_release_rearm(&f.c, 0, &notify), 0);
	assert_false(notify);
	assert_int_equal(f.t.ctrl->prod_event, 1);
	while (nc2_prod_alloc(&f.p, 0x41, 0, 64, &msg) == 0)
		;
	assert_int_equal(nc2_prod_push(&f.p), 1);
	/* Messages known to be waiting: an ordinary release, go on. */
	assert_int_equal(nc2_cons_take(&f.c, &m), 1);
	assert_int_equal(nc2_prod_want_space(&f.p, 64), 0);
	assert_int_equal(nc2_cons_release_rearm(&f.c, 0, &notify), 1);
	assert_true(notify);
	assert_int_equal(f.t.ctrl->cons, 64);
	assert_int_equal(f.t.ctrl->prod_event, 1);
	/* Drained, the producer waiting for room: released, told, armed. */
	while (nc2_cons_take(&f.c, &m) > 0)
		;
	assert_int_equal(nc2_prod_want_space(&f.p, 512), 0);
	assert_int_equal(nc2_cons_release_rearm(&f.c, 0, &notify), 0);
	assert_true(notify);
	assert_int_equal(f.t.ctrl->cons, 4096);
	assert_int_equal(f.t.ctrl->prod_event, 4097);
	assert_int_equal(f.c.stats.bytes, 4096);
	/* Again with nothing new: no notify, the event stays. */
	assert_int_equal(nc2_cons_release_rearm(&f.c, 64, &notify), 0);
	assert_false(notify);
	assert_int_equal(f.t.ctrl->prod_event, 4096 + 64);
	/* A message pushed before the look: go on, not sleep. */
	assert_int_equal(nc2_prod_alloc(&f.p, 0x41, 0, 64, &msg), 0);
	assert_int_equal(nc2_prod_push(&f.p), 1); /* 64 bytes: event due */
	assert_int_equal(nc2_cons_release_rearm(&f.c, 0, &notify), 1);
	assert_false(notify);
	/* A producer index past what it could have written: sticky error. */
	assert_int_equal(nc2_cons_take(&f.c, &m), 1);
	f.t.ctrl->prod = 4096 + 64 + 4096 + 8;
	assert_int_equal(nc2_cons_release_rearm(&f.c, 0, &notify),
			 -NC2_EP_PROD_INDEX);
	assert_false(notify);
	assert_int_equal(nc2_cons_release_rearm(&f.c, 0, &notify),
			 -NC2_EP_PROD_INDEX);
	tring_free(&f.t);
}

static void test_full_and_space(void **state)
{
	struct rfix f;
	struct nc2_msg m;
	void *msg;
	int n = 0;

	rfix_init(&f, 1);
	while (nc2_prod_reserve(&f.p, 512, &msg) == 0) {
		nc2_prod_commit(&f.p, 0x41, 0, 512);
		n++;
	}
	assert_int_equal(n, 8);
	assert_int_equal(f.p.stats.full, 1);
	assert_int_equal(nc2_prod_reserve(&f.p, 8, &msg), -NC2_E_AGAIN);
	assert_int_equal(nc2_prod_reserve(&f.p, 4096, &msg), -NC2_E_INVAL);
	assert_int_equal(nc2_prod_reserve(&f.p, 2, &msg), -NC2_E_INVAL);
	/* protocol.md 4.2: 8 <= len, a header alone is not a message. */
	for (uint32_t len = 0; len < 8; len++)
		assert_int_equal(nc2_prod_reserve(&f.p, len, &msg),
				 -NC2_E_INVAL);
	nc2_prod_push(&f.p);
	/* Producer waits for space: no event until cons passes its mark. */
	assert_int_equal(nc2_prod_want_space(&f.p, 1024), 0);
	assert_int_equal(nc2_cons_peek(&f.c, &m), 1);
	nc2_cons_consume(&f.c);
	assert_int_equal(nc2_cons_release(&f.c), 0);
	assert_int_equal(nc2_cons_peek(&f.c, &m), 1);
	nc2_cons_consume(&f.c);
	assert_int_equal(nc2_cons_release(&f.c), 1);
	assert_int_equal(nc2_prod_reserve(&f.p, 1024, &msg), 0);
	assert_int_equal(nc2_prod_idle(&f.p), 0);
	tring_free(&f.t);
}

/* A notify is asked for exactly when the sleeping side needs one. */
static void test_notify_counting(void **state)
{
	struct rfix f;
	struct nc2_msg m;
	int notifies = 0;

	rfix_init(&f, 1);
	/* Fresh ring: the consumer wants the first message. */
	assert_int_equal(nc2_prod_send(&f.p, 0x40, 0, "abcd", 4), 0);
	assert_int_equal(nc2_prod_push(&f.p), 1);
	/* It has not re-armed, so more messages need no event. */
	assert_int_equal(nc2_prod_send(&f.p, 0x40, 0, "abcd", 4), 0);
	assert_int_equal(nc2_prod_push(&f.p), 0);
	assert_int_equal(nc2_prod_push(&f.p), 0); /* nothing new */
	while (nc2_cons_peek(&f.c, &m) > 0)
		nc2_cons_consume(&f.c);
	assert_int_equal(nc2_cons_release(&f.c), 0); /* producer not waiting */
	assert_int_equal(nc2_cons_rearm(&f.c, 0), 0);
	assert_int_equal(nc2_cons_rearm(&f.c, 0), 0);
	assert_int_equal(nc2_prod_send(&f.p, 0x40, 0, "abcd", 4), 0);
	assert_int_equal(nc2_prod_push(&f.p), 1);
	/* A consumer re-arming while a message waits is told to go on. */
	assert_int_equal(nc2_cons_rearm(&f.c, 0), 1);
	assert_int_equal(nc2_cons_peek(&f.c, &m), 1);
	nc2_cons_consume(&f.c);
	/* Batching: ask for an event only after 64 more bytes. */
	assert_int_equal(nc2_cons_rearm(&f.c, 64), 0);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(nc2_prod_send(&f.p, 0x40, 0, "abcd", 4), 0);
		notifies += nc2_prod_push(&f.p);
		assert_int_equal(notifies, i == 7 ? 1 : 0);
	}
	assert_int_equal(f.p.stats.notifies, 3);
	tring_free(&f.t);
}

static void expect_cons_error(struct rfix *f, int err)
{
	struct nc2_msg m;

	assert_int_equal(nc2_cons_peek(&f->c, &m), err);
	/* Sticky: every later call says the same. */
	assert_int_equal(nc2_cons_peek(&f->c, &m), err);
	assert_int_equal(nc2_cons_take(&f->c, &m), err);
	assert_int_equal(nc2_cons_release(&f->c), err);
	assert_int_equal(nc2_cons_rearm(&f->c, 0), err);
	assert_int_equal(nc2_cons_error(&f->c), err);
	assert_true(nc2_is_protocol_error(err));
}

static void test_bad_prod(void **state)
{
	const uint32_t bad[] = { 4096 + 8, 4, 0xfffffff8u, 0x80000000u, 12 };

	for (unsigned i = 0; i < 5; i++) {
		struct rfix f;

		rfix_init(&f, 1);
		f.t.ctrl->prod = bad[i];
		expect_cons_error(&f, -NC2_EP_PROD_INDEX);
		tring_free(&f.t);
	}
	/* prod moving backwards. */
	{
		struct rfix f;
		struct nc2_msg m;

		rfix_init(&f, 1);
		nc2_prod_send(&f.p, 0x40, 0, "abcd", 4);
		nc2_prod_send(&f.p, 0x40, 0, "abcd", 4);
		nc2_prod_push(&f.p);
		assert_int_equal(nc2_cons_peek(&f.c, &m), 1);
		nc2_cons_consume(&f.c);
		f.t.ctrl->prod = 0;
		assert_int_equal(nc2_cons_peek(&f.c, &m), 1);
		nc2_cons_consume(&f.c);
		expect_cons_error(&f, -NC2_EP_PROD_INDEX);
		tring_free(&f.t);
	}
}

/*
 * The fast paths' one-compare header check says exactly what protocol.md
 * 4.3 and 3.6 say (size a multiple of 8, at least 8, within what is in
 * view; type neither PAD nor INVALID) for every size a header can hold,
 * every lim up to two pages and the largest ones, and lim 0 (nothing in
 * view) refuses everything.
 */
static void test_hdr_fast_rule(void **state)
{
	static const uint8_t types[] = { 0x00, 0x01, 0x40, 0x80, 0xfe, 0xff };
	static const uint32_t big[] = { 1u << 20, 1u << 28, 1u << 31,
					0u - 16, 0u - 8 };
	uint64_t checked = 0;

	(void)state;
	for (uint32_t i = 0; i < 8192 / 8 + 1 + 5; i++) {
		uint32_t lim = i <= 8192 / 8 ? i * 8 : big[i - 8192 / 8 - 1];

		for (uint32_t size = 0; size <= 0xffff; size++) {
			for (size_t t = 0; t < sizeof(types); t++) {
				bool want = size % 8 == 0 && size >= 8 &&
					    size <= lim && types[t] != 0x00 &&
					    types[t] != 0xff;

				if (nc2_cons_hdr_fast(types[t], size, lim) !=
				    want)
					fail_msg("type %#x size %u lim %u: %d",
						 types[t], size, lim, !want);
				checked++;
			}
		}
	}
	assert_true(checked > 400000000u);
}

/*
 * The consumer's prefetch stays inside what is in view (so inside the
 * ring) and keeps an eighth of the ring away from the producer, yet can
 * happen on every ring size.
 */
static void test_prefetch_lim(void **state)
{
	struct nc2_wire_ctrl ctrl;
	static uint8_t ring[NC2_RING_MAX_BYTES];

	(void)state;
	for (uint32_t size = NC2_PAGE_SIZE; size <= NC2_RING_MAX_BYTES;
	     size *= 2) {
		struct nc2_cons c;

		assert_int_equal(nc2_cons_init(&c, &ctrl, ring, size), 0);
		assert_int_equal(c.pf_lim, nc2_cons_prefetch_lim(size));
		assert_true(c.pf_lim >= NC2_CONS_PREFETCH + 64);
		assert_true(c.pf_lim >= size / 8);
		assert_true(c.pf_lim < size);
	}
}

static void test_bad_headers(void **state)
{
	const struct {
		uint16_t size;
		uint8_t type;
		uint32_t prod;
		int err;
	} cases[] = {
		{ 0, 0x40, 8, -NC2_EP_MSG_SIZE },     /* empty */
		{ 12, 0x40, 16, -NC2_EP_MSG_SIZE },   /* unaligned */
		{ 64, 0x40, 32, -NC2_EP_MSG_SIZE },   /* beyond prod */
		{ 65528, 0x40, 4096, -NC2_EP_MSG_SIZE },
		{ 8, 0x00, 8, -NC2_EP_MSG_TYPE },     /* type 0 */
	};

	/* Found first by peek, then by take (its own fast check). */
	for (unsigned i = 0; i < 2 * sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned c = i / 2;
		struct nc2_msg m;
		struct rfix f;

		rfix_init(&f, 1);
		traw(&f.p, cases[c].type, 0, cases[c].size, NULL, 0);
		f.t.ctrl->prod = cases[c].prod;
		if (i & 1)
			assert_int_equal(nc2_cons_take(&f.c, &m), cases[c].err);
		expect_cons_error(&f, cases[c].err);
		tring_free(&f.t);
	}
	/* A good message first, so the bad one meets the inline check. */
	for (unsigned i = 0; i < 2 * sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned c = i / 2;
		struct nc2_msg m;
		struct rfix f;

		rfix_init(&f, 1);
		traw(&f.p, 0x40, 0, 8, NULL, 0);
		traw(&f.p, cases[c].type, 0, cases[c].size, NULL, 0);
		f.t.ctrl->prod = cases[c].prod < 4096 ? 8 + cases[c].prod : 4096;
		if (i & 1) {
			assert_int_equal(nc2_cons_take(&f.c, &m), 1);
			assert_int_equal(nc2_cons_take(&f.c, &m), cases[c].err);
		} else {
			assert_int_equal(nc2_cons_peek(&f.c, &m), 1);
			nc2_cons_consume(&f.c);
		}
		expect_cons_error(&f, cases[c].err);
		tring_free(&f.t);
	}
	/* A message crossing the end of the ring instead of a PAD. */
	{
		struct rfix f;

		rfix_init(&f, 1);
		f.p.pvt = f.p.limit = f.c.pvt = f.c.limit = f.c.prod =
			f.c.released = 4096 - 16;
		f.t.ctrl->cons = 4096 - 16;
		traw(&f.p, 0x40, 0, 64, NULL, 0);
		f.t.ctrl->prod = 4096 - 16 + 64;
		expect_cons_error(&f, -NC2_EP_MSG_SIZE);
		tring_free(&f.t);
	}
	/* PADs only, a whole ring of them: bounded, then empty. */
	{
		struct rfix f;
		struct nc2_msg m;

		rfix_init(&f, 1);
		for (int i = 0; i < 512; i++)
			traw(&f.p, NC2_MSG_PAD, 0, 8, NULL, 0);
		f.t.ctrl->prod = 4096;
		assert_int_equal(nc2_cons_peek(&f.c, &m), 0);
		assert_int_equal(f.c.stats.pads, 512);
		tring_free(&f.t);
	}
}

static void test_bad_cons(void **state)
{
	const uint32_t bad[] = { 16, 4, 0xfffffff8u };

	for (unsigned i = 0; i < 3; i++) {
		struct rfix f;
		void *m;

		rfix_init(&f, 1);
		for (int k = 0; k < 8; k++)
			nc2_prod_send(&f.p, 0x40, 0, "abcd", 4);
		nc2_prod_push(&f.p); /* pushed 64 bytes */
		f.t.ctrl->cons = bad[i] == 16 ? 72 : bad[i];
		while (nc2_prod_reserve(&f.p, 8, &m) == 0)
			nc2_prod_commit(&f.p, 0x40, 0, 8);
		assert_int_equal(nc2_prod_error(&f.p), -NC2_EP_CONS_INDEX);
		assert_int_equal(nc2_prod_push(&f.p), -NC2_EP_CONS_INDEX);
		assert_int_equal(nc2_prod_reserve(&f.p, 8, &m),
				 -NC2_EP_CONS_INDEX);
		assert_int_equal(nc2_prod_idle(&f.p), -NC2_EP_CONS_INDEX);
		tring_free(&f.t);
	}
}

static void test_commit_shorter(void **state)
{
	struct rfix f;
	struct nc2_msg m;
	void *msg;

	rfix_init(&f, 1);
	memset(f.t.data, 0xee, 64); /* stale bytes the padding must hide */
	assert_int_equal(nc2_prod_reserve(&f.p, 256, &msg), 0);
	memcpy((uint8_t *)msg + 4, "abcdefghi", 9);
	nc2_prod_commit(&f.p, 0x42, 0, 13);
	nc2_prod_commit(&f.p, 0x42, 0, 13); /* no reservation: refused */
	nc2_prod_push(&f.p);
	assert_int_equal(nc2_cons_peek(&f.c, &m), 1);
	assert_int_equal(m.size, 16);
	assert_memory_equal(m.data + 4, "abcdefghi", 9);
	for (int i = 13; i < 16; i++)
		assert_int_equal(m.data[i], 0); /* padding is zeroed */
	nc2_cons_consume(&f.c);
	nc2_cons_consume(&f.c); /* nothing peeked: no effect */
	assert_int_equal(nc2_cons_peek(&f.c, &m), 0);
	assert_int_equal(nc2_prod_idle(&f.p), 0);
	nc2_cons_release(&f.c);
	assert_int_equal(nc2_prod_idle(&f.p), 1);
	nc2_prod_fail(&f.p, -NC2_EP_MSG_TYPE);
	assert_int_equal(nc2_prod_error(&f.p), -NC2_EP_MSG_TYPE);
	assert_string_equal(nc2_strerror(-NC2_EP_MSG_TYPE),
			    "protocol error: unexpected message type");
	assert_false(nc2_is_protocol_error(-NC2_E_AGAIN));
	tring_free(&f.t);
}

/*
 * A commit the caller had no right to make is refused whole (nc2_assert
 * fires in ordinary builds): nothing reaches the ring, and the producer
 * stays healthy, since the peer did nothing wrong.
 */
static void test_commit_contract(void **state)
{
	struct rfix f;
	struct nc2_msg m;
	void *msg;

	rfix_init(&f, 1);
	nc2_prod_commit(&f.p, 0x42, 0, 8); /* never reserved */
	assert_int_equal(nc2_prod_reserve(&f.p, 16, &msg), 0);
	nc2_prod_commit(&f.p, 0x42, 0, 24); /* longer than reserved */
	nc2_prod_commit(&f.p, 0x42, 0, 7);  /* shorter than a message */
	nc2_prod_commit(&f.p, 0x42, 0, 0xfffffffc); /* align8 would wrap */
	assert_int_equal(f.p.pvt, 0);
	assert_int_equal(f.p.stats.msgs, 0);
	/* A failed reservation leaves nothing to commit either. */
	assert_int_equal(nc2_prod_reserve(&f.p, 4, &msg), -NC2_E_INVAL);
	nc2_prod_commit(&f.p, 0x42, 0, 8);
	assert_int_equal(f.p.pvt, 0);
	assert_int_equal(nc2_prod_push(&f.p), 0);
	assert_int_equal(nc2_cons_peek(&f.c, &m), 0);
	/* The producer is fine: the next proper message goes through. */
	assert_int_equal(nc2_prod_error(&f.p), 0);
	assert_int_equal(nc2_prod_reserve(&f.p, 16, &msg), 0);
	nc2_prod_commit(&f.p, 0x42, 0, 16);
	nc2_prod_push(&f.p);
	assert_int_equal(nc2_cons_peek(&f.c, &m), 1);
	assert_int_equal(m.size, 16);
	tring_free(&f.t);
}

/*
 * A message that needs a PAD reserved, then abandoned for a short one:
 * the stale PAD must not be written by the later commit.
 */
static void test_abandoned_pad(void **state)
{
	struct rfix f;
	struct nc2_msg m;
	void *msg;

	rfix_init(&f, 1);
	/* Move pvt to 64 bytes before the end (released, so room is free). */
	while (f.p.pvt < f.t.bytes - 64) {
		assert_int_equal(nc2_prod_reserve(&f.p, 64, &msg), 0);
		nc2_prod_commit(&f.p, 0x42, 0, 64);
	}
	nc2_prod_push(&f.p);
	while (nc2_cons_peek(&f.c, &m) > 0)
		nc2_cons_consume(&f.c);
	nc2_cons_release(&f.c);
	assert_int_equal(nc2_prod_reserve(&f.p, 128, &msg), 0); /* PAD 64 */
	assert_int_equal(nc2_prod_reserve(&f.p, 32, &msg), 0);  /* no PAD */
	nc2_prod_commit(&f.p, 0x43, 0, 32);
	nc2_prod_push(&f.p);
	assert_int_equal(nc2_cons_peek(&f.c, &m), 1);
	assert_int_equal(m.type, 0x43);
	assert_int_equal(m.size, 32);
	assert_int_equal(f.p.stats.pads, 0);
	tring_free(&f.t);
}

/* Free-running indices wrap at 2^32 without a hiccup. */
static void test_index_wrap(void **state)
{
	struct rfix f;
	const uint32_t start = 0u - 3 * 4096 - 8; /* 8-aligned, near 2^32 */

	rfix_init(&f, 1);
	f.p.pvt = f.p.limit = f.p.pushed = f.p.cons = start;
	f.c.pvt = f.c.limit = f.c.released = f.c.prod = start;
	f.t.ctrl->prod = f.t.ctrl->cons = start;
	f.t.ctrl->prod_event = start + 1;
	for (uint32_t i = 0; i < 200; i++)
		round_trip(&f, 40 + (i * 56) % 1900, i);
	assert_true(f.p.pvt < start); /* it did wrap */
	assert_int_equal(f.c.pvt, f.p.pvt);
	assert_int_equal(nc2_cons_error(&f.c), 0);
	assert_int_equal(nc2_prod_error(&f.p), 0);
	tring_free(&f.t);
}

/* nc2_prod_room() names exactly the longest message reserve accepts. */
static void test_room(void **state)
{
	struct rfix f;
	void *m;

	rfix_init(&f, 1);
	for (uint32_t start = 0; start < f.t.bytes; start += 8) {
		for (uint32_t used = 0; used <= f.t.bytes; used += 8) {
			uint32_t room;

			f.p.cons = start;
			f.p.pvt = f.p.limit = f.p.pushed = start + used;
			f.t.ctrl->cons = start;
			room = nc2_prod_room(&f.p);
			assert_int_equal(room & 7, 0);
			assert_true(room <= f.t.bytes / 2);
			if (room)
				assert_int_equal(nc2_prod_reserve(&f.p, room, &m),
						 0);
			if (room < f.t.bytes / 2)
				assert_int_equal(nc2_prod_reserve(&f.p,
								  room ? room + 8 : 8,
								  &m),
						 -NC2_E_AGAIN);
		}
	}
	nc2_prod_fail(&f.p, -NC2_EP_CONS_INDEX);
	assert_int_equal(nc2_prod_room(&f.p), 0);
	tring_free(&f.t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_sizes),
		cmocka_unit_test(test_round_trip_sizes),
		cmocka_unit_test(test_pad_every_offset),
		cmocka_unit_test(test_alloc_take),
		cmocka_unit_test(test_alloc_take_limits),
		cmocka_unit_test(test_alloc_drops_reservation),
		cmocka_unit_test(test_release_lazy),
		cmocka_unit_test(test_release_rearm),
		cmocka_unit_test(test_full_and_space),
		cmocka_unit_test(test_notify_counting),
		cmocka_unit_test(test_bad_prod),
		cmocka_unit_test(test_hdr_fast_rule),
		cmocka_unit_test(test_prefetch_lim),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_bad_cons),
		cmocka_unit_test(test_commit_shorter),
		cmocka_unit_test(test_commit_contract),
		cmocka_unit_test(test_abandoned_pad),
		cmocka_unit_test(test_index_wrap),
		cmocka_unit_test(test_room),
	};

	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
