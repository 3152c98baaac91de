// SPDX-License-Identifier: MIT
/* Links: handshake, ordering rules, FINISH batches, every core error. */
#include "fixture.h"
#include <string.h>

struct lfix {
	struct tpair t;
	struct nc2_link a, b;
	struct nc2_link_config ca, cb;
};

static void lfix_init(struct lfix *f, uint32_t pages)
{
	tpair_alloc(&f->t, pages);
	tpair_config(&f->t, &f->ca, &f->cb, NC2_CLASS_BLOCK_EXAMPLE);
}

static void lfix_attach(struct lfix *f)
{
	assert_int_equal(nc2_link_init(&f->a, &f->ca, f->t.a2b.ctrl, f->t.a2b.data,
				       f->t.a2b.bytes, f->t.b2a.ctrl,
				       f->t.b2a.data, f->t.b2a.bytes), 0);
	assert_int_equal(nc2_link_init(&f->b, &f->cb, f->t.b2a.ctrl, f->t.b2a.data,
				       f->t.b2a.bytes, f->t.a2b.ctrl,
				       f->t.a2b.data, f->t.a2b.bytes), 0);
}

/* Drain core messages on both sides; return what the last poll said. */
static int pump(struct lfix *f)
{
	struct nc2_msg m;
	int r;

	nc2_link_push(&f->a);
	nc2_link_push(&f->b);
	nc2_link_poll(&f->a, &m);
	r = nc2_link_poll(&f->b, &m);
	return r;
}

static void lfix_up(struct lfix *f)
{
	lfix_attach(f);
	assert_int_equal(nc2_link_state(&f->a), NC2_LINK_INIT);
	assert_int_equal(nc2_link_start(&f->a), 0);
	assert_int_equal(nc2_link_state(&f->a), NC2_LINK_WAIT);
	assert_int_equal(nc2_link_start(&f->a), -NC2_E_STATE);
	assert_int_equal(nc2_link_start(&f->b), 0);
	assert_int_equal(pump(f), 0);
	assert_int_equal(nc2_link_state(&f->a), NC2_LINK_UP);
	assert_int_equal(nc2_link_state(&f->b), NC2_LINK_UP);
}

static void test_handshake(void **state)
{
	struct lfix f;

	lfix_init(&f, 1);
	f.cb.features = 0;
	lfix_up(&f);
	assert_int_equal(f.a.version, NC2_PROTOCOL_VERSION);
	assert_int_equal(f.a.features, 0); /* AND of both offers */
	assert_int_equal(f.b.features, 0);
	assert_int_equal(f.a.pool.limit, 256);
	tpair_free(&f.t);
}

static void test_init_errors(void **state)
{
	struct lfix f;
	struct nc2_link l;

	lfix_init(&f, 1);
	f.ca.device_class = 0;
	assert_int_equal(nc2_link_init(&l, &f.ca, f.t.a2b.ctrl, f.t.a2b.data,
				       4096, f.t.b2a.ctrl, f.t.b2a.data, 4096),
			 -NC2_E_INVAL);
	f.ca.device_class = 2;
	f.ca.features = 0x80;
	assert_int_equal(nc2_link_init(&l, &f.ca, f.t.a2b.ctrl, f.t.a2b.data,
				       4096, f.t.b2a.ctrl, f.t.b2a.data, 4096),
			 -NC2_E_INVAL);
	f.ca.features = 0;
	assert_int_equal(nc2_link_init(&l, &f.ca, f.t.a2b.ctrl, f.t.a2b.data,
				       4096, f.t.b2a.ctrl, f.t.b2a.data, 100),
			 -NC2_E_INVAL);
	assert_int_equal(nc2_link_init(&l, NULL, f.t.a2b.ctrl, f.t.a2b.data,
				       4096, f.t.b2a.ctrl, f.t.b2a.data, 4096),
			 -NC2_E_INVAL);
	tpair_free(&f.t);
}

static void test_out_of_order_finish(void **state)
{
	static const uint32_t pages[] = { 1, 2, 64 };

	for (unsigned pi = 0; pi < 3; pi++) {
		struct lfix f;
		struct nc2_msg m;
		struct nc2_finish_iter it;
		uint32_t ids[200], got = 0, id, back[256] = { 0 };
		uint64_t s = pages[pi];

		lfix_init(&f, pages[pi]);
		lfix_up(&f);
		/* a sends 200 requests; b answers them in a random order. */
		for (int i = 0; i < 200; i++) {
			assert_int_equal(nc2_link_get_id(&f.a, NULL, &ids[i]), 0);
			uint32_t le = ids[i];
			assert_int_equal(nc2_link_send(&f.a, 0x80, 0, &le, 4), 0);
		}
		nc2_link_push(&f.a);
		for (int i = 0; i < 200; i++) {
			assert_int_equal(nc2_link_poll(&f.b, &m), 1);
			uint32_t v;
			memcpy(&v, m.data + 4, 4);
			assert_int_equal(nc2_link_recv_id(&f.b, v), 0);
			nc2_link_consume(&f.b);
		}
		for (uint32_t i = 199; i > 0; i--) {
			uint32_t j = tprng(&s) % (i + 1), t = ids[i];
			ids[i] = ids[j];
			ids[j] = t;
		}
		for (int i = 0; i < 200; i += 50)
			assert_int_equal(nc2_link_finish(&f.b, ids + i, 50), 50);
		nc2_link_push(&f.b);
		assert_int_equal(f.b.stats.finish_msgs, 4);
		while (nc2_link_poll(&f.a, &m) > 0) {
			assert_int_equal(m.type, NC2_MSG_FINISH);
			assert_int_equal(nc2_link_finish_begin(&f.a, &m, &it), 0);
			while (nc2_link_finish_next(&f.a, &it, &id, NULL) > 0) {
				back[id]++;
				got++;
			}
			nc2_link_consume(&f.a);
		}
		assert_int_equal(got, 200);
		for (int i = 0; i < 200; i++)
			assert_int_equal(back[i], 1);
		assert_int_equal(nc2_idpool_inflight(&f.a.pool), 0);
		tpair_free(&f.t);
	}
}

static void test_finish_single_without_batch(void **state)
{
	struct lfix f;
	struct nc2_msg m;
	uint32_t ids[3], id;
	int msgs = 0;

	lfix_init(&f, 1);
	f.ca.features = 0;
	lfix_up(&f);
	for (int i = 0; i < 3; i++) {
		nc2_link_get_id(&f.a, NULL, &ids[i]);
		nc2_link_recv_id(&f.b, ids[i]);
	}
	assert_int_equal(nc2_link_finish(&f.b, ids, 3), 3);
	assert_int_equal(nc2_link_finish(&f.b, ids, 1), -NC2_E_INVAL);
	nc2_link_push(&f.b);
	while (nc2_link_poll(&f.a, &m) > 0) {
		struct nc2_finish_iter it;

		assert_int_equal(m.size, 16);
		nc2_link_finish_begin(&f.a, &m, &it);
		while (nc2_link_finish_next(&f.a, &it, &id, NULL) > 0)
			;
		nc2_link_consume(&f.a);
		msgs++;
	}
	assert_int_equal(msgs, 3);
	tpair_free(&f.t);
}

/* Feed b one raw message from a (after the handshake) and expect err. */
static void expect_raw(uint8_t type, uint16_t size, const void *body,
		       uint32_t len, int err, bool handshake)
{
	struct lfix f;
	struct nc2_msg m;

	lfix_init(&f, 1);
	if (handshake) {
		lfix_up(&f);
	} else {
		lfix_attach(&f);
		nc2_link_start(&f.b);
	}
	traw(&f.a.tx, type, 0, size, body, len);
	nc2_prod_push(&f.a.tx);
	assert_int_equal(nc2_link_poll(&f.b, &m), err);
	assert_int_equal(nc2_link_error(&f.b), err);
	assert_int_equal(nc2_link_state(&f.b), NC2_LINK_ERROR);
	/* Everything after is refused with the same error. */
	assert_int_equal(nc2_link_poll(&f.b, &m), err);
	assert_int_equal(nc2_link_push(&f.b), err);
	assert_int_equal(nc2_link_send(&f.b, 0x80, 0, NULL, 0), err);
	assert_int_equal(nc2_link_finish(&f.b, NULL, 0), err);
	tpair_free(&f.t);
}

static void test_core_errors(void **state)
{
	uint8_t hello[12] = { 1, 0, 2, 0 }; /* version 1, class 2 */
	uint8_t hello_v0[12] = { 0, 0, 2, 0 };
	uint8_t hello_net[12] = { 1, 0, 1, 0 };
	uint32_t zero = 0, big = 70000;

	expect_raw(0x80, 8, &zero, 4, -NC2_EP_SEQUENCE, false);
	expect_raw(NC2_MSG_HELLO, 8, hello, 4, -NC2_EP_MSG_LAYOUT, false);
	expect_raw(NC2_MSG_HELLO, 16, hello_v0, 12, -NC2_EP_VERSION, false);
	expect_raw(NC2_MSG_HELLO, 16, hello_net, 12, -NC2_EP_VERSION, false);
	expect_raw(NC2_MSG_HELLO, 16, hello, 12, -NC2_EP_SEQUENCE, true);
	expect_raw(NC2_MSG_SET_MAX_OUTSTANDING, 8, &zero, 4, -NC2_EP_LIMIT,
		   true);
	expect_raw(NC2_MSG_SET_MAX_OUTSTANDING, 8, &big, 4, -NC2_EP_LIMIT,
		   true);
	expect_raw(NC2_MSG_SET_MAX_OUTSTANDING, 16, &big, 4,
		   -NC2_EP_MSG_LAYOUT, true);
	expect_raw(NC2_MSG_CLOSE, 16, &zero, 4, -NC2_EP_MSG_LAYOUT, true);
	expect_raw(0x05, 8, &zero, 4, -NC2_EP_MSG_TYPE, true);
	expect_raw(0x40, 8, &zero, 4, -NC2_EP_MSG_TYPE, true); /* net type */
	expect_raw(0xf0, 8, &zero, 4, -NC2_EP_MSG_TYPE, true);
}

static void test_id_errors(void **state)
{
	struct lfix f;
	struct nc2_msg m;
	struct nc2_finish_iter it;
	uint32_t id;
	const struct {
		uint16_t size;
		uint8_t body[12];
		int begin_err, next_err;
	} fin[] = {
		{ 8, { 0 }, -NC2_EP_MSG_LAYOUT, 0 },		   /* count 0 */
		{ 8, { 2, 0 }, -NC2_EP_MSG_LAYOUT, 0 },	   /* size short */
		{ 16, { 1, 0, 0, 0, 9 }, 0, -NC2_EP_ID_UNKNOWN }, /* not sent */
		{ 16, { 1, 0, 0, 0, 0, 1 }, 0, -NC2_EP_ID_RANGE },
	};

	for (unsigned i = 0; i < 4; i++) {
		lfix_init(&f, 1);
		lfix_up(&f);
		traw(&f.b.tx, NC2_MSG_FINISH, 0, fin[i].size, fin[i].body, 12);
		nc2_prod_push(&f.b.tx);
		assert_int_equal(nc2_link_poll(&f.a, &m), 1);
		assert_int_equal(nc2_link_finish_begin(&f.a, &m, &it),
				 fin[i].begin_err);
		if (!fin[i].begin_err) {
			void *tok = &f; /* a bad id must leave it alone */

			assert_int_equal(nc2_link_finish_next(&f.a, &it, &id,
							      &tok),
					 fin[i].next_err);
			assert_ptr_equal(tok, &f);
		}
		assert_true(nc2_link_error(&f.a) < 0);
		tpair_free(&f.t);
	}
	/* A class message's completion hands the id's token back. */
	lfix_init(&f, 1);
	lfix_up(&f);
	{
		void *tok = NULL;

		assert_int_equal(nc2_link_get_id(&f.a, &f, &id), 0);
		assert_int_equal(nc2_link_complete(&f.a, id, &tok), 0);
		assert_ptr_equal(tok, &f);
		tok = NULL;
		assert_int_equal(nc2_link_complete(&f.a, id, &tok),
				 -NC2_EP_ID_UNKNOWN);
		assert_null(tok);
	}
	tpair_free(&f.t);
	/* Receiving: out of range and duplicate ids. */
	lfix_init(&f, 1);
	lfix_up(&f);
	assert_int_equal(nc2_link_recv_id(&f.b, 7), 0);
	assert_int_equal(nc2_link_recv_id(&f.b, 7), -NC2_EP_ID_DUP);
	assert_int_equal(nc2_link_error(&f.b), -NC2_EP_ID_DUP);
	tpair_free(&f.t);
	lfix_init(&f, 1);
	lfix_up(&f);
	assert_int_equal(nc2_link_recv_id(&f.b, 256), -NC2_EP_ID_RANGE);
	assert_int_equal(nc2_link_complete(&f.b, 3, NULL), -NC2_EP_ID_RANGE);
	tpair_free(&f.t);
	/* A link that accepts no ids refuses every id. */
	lfix_init(&f, 1);
	f.cb.set_limit = 0;
	f.ca.pool_cap = 0;
	lfix_up(&f);
	assert_int_equal(nc2_link_get_id(&f.a, NULL, &id), -NC2_E_INVAL);
	assert_int_equal(nc2_link_recv_id(&f.b, 0), -NC2_EP_ID_RANGE);
	tpair_free(&f.t);
}

static void test_credit_and_state(void **state)
{
	struct lfix f;
	uint32_t id;

	lfix_init(&f, 1);
	lfix_attach(&f);
	assert_int_equal(nc2_link_get_id(&f.a, NULL, &id), -NC2_E_STATE);
	assert_int_equal(nc2_link_send(&f.a, 0x80, 0, NULL, 0), -NC2_E_STATE);
	assert_int_equal(nc2_link_finish(&f.a, &id, 1), -NC2_E_STATE);
	nc2_link_start(&f.a);
	nc2_link_start(&f.b);
	pump(&f);
	f.cb.set_limit = 4; /* irrelevant after start; a's pool saw 256 */
	for (int i = 0; i < 256; i++)
		assert_int_equal(nc2_link_get_id(&f.a, NULL, &id), 0);
	assert_int_equal(nc2_link_get_id(&f.a, NULL, &id), -NC2_E_AGAIN);
	assert_int_equal(nc2_link_send(&f.a, NC2_MSG_FINISH, 0, NULL, 0),
			 -NC2_E_INVAL);
	assert_int_equal(nc2_link_send(&f.a, 0x40, 0, NULL, 0), -NC2_E_INVAL);
	tpair_free(&f.t);
}

static void test_close(void **state)
{
	struct lfix f;
	struct nc2_msg m;

	lfix_init(&f, 1);
	lfix_up(&f);
	assert_int_equal(nc2_link_close(&f.a, 0), 0);
	assert_int_equal(nc2_link_close(&f.a, 0), -NC2_E_STATE);
	assert_int_equal(nc2_link_send(&f.a, 0x80, 0, NULL, 0), -NC2_E_STATE);
	nc2_link_push(&f.a);
	assert_int_equal(nc2_link_poll(&f.b, &m), -NC2_E_CLOSED);
	assert_int_equal(nc2_link_state(&f.b), NC2_LINK_CLOSED);
	assert_int_equal(nc2_link_poll(&f.b, &m), -NC2_E_CLOSED);
	assert_int_equal(nc2_link_error(&f.b), 0);
	/* Anything after CLOSE is a protocol error. */
	traw(&f.a.tx, 0x80, 0, 8, NULL, 0);
	nc2_prod_push(&f.a.tx);
	assert_int_equal(nc2_link_poll(&f.b, &m), -NC2_EP_SEQUENCE);
	tpair_free(&f.t);
}

/* A flood of control messages is handled a bounded amount per poll. */
static void test_control_flood_bounded(void **state)
{
	struct lfix f;
	struct nc2_msg m;
	uint32_t v = 256;
	int polls = 0;

	lfix_init(&f, 4);
	lfix_up(&f);
	for (int i = 0; i < 1000; i++)
		nc2_prod_send(&f.a.tx, NC2_MSG_SET_MAX_OUTSTANDING, 0, &v, 4);
	nc2_prod_push(&f.a.tx);
	while (nc2_link_rearm(&f.b) > 0) {
		assert_int_equal(nc2_link_poll(&f.b, &m), 0);
		polls++;
	}
	assert_true(polls >= 1000 / 64);
	assert_int_equal(f.b.stats.ctl_msgs, 1000 + 2);
	assert_int_equal(nc2_link_error(&f.b), 0);
	tpair_free(&f.t);
}

/* Fixes from the spec review: each of these once slipped through. */
static void test_review_regressions(void **state)
{
	struct lfix f;
	struct nc2_msg m;
	uint32_t ids[2], v;

	/* A bad consumer index seen while sending fails the whole link. */
	lfix_init(&f, 1);
	lfix_up(&f);
	f.t.a2b.ctrl->cons = 0x100000;
	nc2_link_send(&f.a, 0x80, 0, "abcd", 4);
	while (nc2_link_send(&f.a, 0x80, 0, "abcd", 4) == 0)
		;
	assert_int_equal(nc2_link_state(&f.a), NC2_LINK_ERROR);
	assert_int_equal(nc2_link_poll(&f.a, &m), -NC2_EP_CONS_INDEX);
	tpair_free(&f.t);

	/* An id named twice in one batch is refused, nothing is sent. */
	lfix_init(&f, 1);
	lfix_up(&f);
	nc2_link_get_id(&f.a, NULL, &ids[0]);
	nc2_link_recv_id(&f.b, ids[0]);
	ids[1] = ids[0];
	assert_int_equal(nc2_link_finish(&f.b, ids, 2), -NC2_E_INVAL);
	assert_int_equal(nc2_idset_inflight(&f.b.set), 1);
	assert_int_equal(f.b.stats.finish_msgs, 0);
	assert_int_equal(nc2_link_finish(&f.b, ids, 1), 1);
	tpair_free(&f.t);

	/* Lowering SET_MAX_OUTSTANDING is caught above our pool's cap. */
	lfix_init(&f, 1);
	lfix_up(&f);
	v = 1000;
	nc2_prod_send(&f.b.tx, NC2_MSG_SET_MAX_OUTSTANDING, 0, &v, 4);
	v = 500;
	nc2_prod_send(&f.b.tx, NC2_MSG_SET_MAX_OUTSTANDING, 0, &v, 4);
	nc2_prod_push(&f.b.tx);
	assert_int_equal(nc2_link_poll(&f.a, &m), -NC2_EP_LIMIT);
	tpair_free(&f.t);

	/* ... and checked even by a link that keeps no pool. */
	lfix_init(&f, 1);
	f.ca.pool_cap = 0;
	lfix_up(&f);
	v = 0;
	nc2_prod_send(&f.b.tx, NC2_MSG_SET_MAX_OUTSTANDING, 0, &v, 4);
	nc2_prod_push(&f.b.tx);
	assert_int_equal(nc2_link_poll(&f.a, &m), -NC2_EP_LIMIT);
	tpair_free(&f.t);

	/* Waiting for room on the send ring goes through the link. */
	lfix_init(&f, 1);
	lfix_up(&f);
	while (nc2_link_send(&f.a, 0x80, 0, ids, 8) == 0)
		;
	nc2_link_push(&f.a);
	assert_int_equal(nc2_link_want_space(&f.a, 64), 0);
	while (nc2_link_poll(&f.b, &m) > 0)
		nc2_link_consume(&f.b);
	assert_int_equal(nc2_link_release(&f.b), 1);
	assert_int_equal(nc2_link_want_space(&f.a, 64), 1);
	tpair_free(&f.t);

	/* CLOSE before our own HELLO is refused locally. */
	lfix_init(&f, 1);
	lfix_attach(&f);
	assert_int_equal(nc2_link_close(&f.a, 0), -NC2_E_STATE);
	tpair_free(&f.t);
}

/* Give b n ids from a, as if a had sent n requests. */
static void owe(struct lfix *f, uint32_t *ids, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(nc2_link_get_id(&f->a, NULL, &ids[i]), 0);
		assert_int_equal(nc2_link_recv_id(&f->b, ids[i]), 0);
	}
}

/* Fill b's send ring with class messages until room is under left. */
static void fill_b(struct lfix *f, uint32_t left)
{
	uint8_t body[64] = { 0 };

	while (nc2_prod_room(&f->b.tx) >= left)
		assert_int_equal(nc2_link_send(&f->b, 0x80, 0, body, 8), 0);
}

/* A nearly full ring still takes a shorter FINISH: none is lost room. */
static void test_finish_fills_room(void **state)
{
	struct lfix f;
	struct nc2_msg m;
	uint32_t ids[40], room, fit, id;
	int done, got = 0;

	lfix_init(&f, 1);
	lfix_up(&f);
	owe(&f, ids, 40);
	/* Leave room for a message of 16 .. 120 bytes, not 8 + 4 x 40. */
	fill_b(&f, 128);
	room = nc2_prod_room(&f.b.tx);
	assert_true(room >= 16 && room < 8 + 4 * 40);
	fit = (room - 8) / 4;
	done = nc2_link_finish(&f.b, ids, 40);
	assert_int_equal(done, fit);
	assert_int_equal(nc2_idset_inflight(&f.b.set), 40 - fit);
	assert_true(nc2_prod_room(&f.b.tx) < 16);
	assert_int_equal(nc2_link_finish(&f.b, ids + fit, 40 - fit), 0);
	assert_int_equal(nc2_idset_inflight(&f.b.set), 40 - fit);
	nc2_link_push(&f.b);
	while (nc2_link_poll(&f.a, &m) > 0) {
		struct nc2_finish_iter it;

		if (m.type == NC2_MSG_FINISH) {
			nc2_link_finish_begin(&f.a, &m, &it);
			while (nc2_link_finish_next(&f.a, &it, &id, NULL) > 0)
				assert_int_equal(id, ids[got++]);
		}
		nc2_link_consume(&f.a);
	}
	assert_int_equal(got, fit);
	assert_int_equal(nc2_link_error(&f.a), 0);
	tpair_free(&f.t);
}

/* What the peer has not consumed of our send ring, read and checked. */
static void test_tx_unconsumed(void **state)
{
	struct lfix f;
	struct nc2_msg m;
	uint32_t c0;

	lfix_init(&f, 1);
	lfix_up(&f);
	/* b consumed the handshake but has not released it yet. */
	assert_int_equal(nc2_link_tx_unconsumed(&f.a), 16 + 8);
	nc2_link_release(&f.b);
	/* The index as last validated: read again only by the next call. */
	assert_int_equal(nc2_link_tx_consumed(&f.a), 0);
	assert_int_equal(nc2_link_tx_unconsumed(&f.a), 0);
	c0 = nc2_link_tx_consumed(&f.a);
	assert_int_equal(c0, 16 + 8);
	for (int i = 0; i < 3; i++)
		assert_int_equal(nc2_link_send(&f.a, 0x80, 0, "abcdefgh", 8),
				 0);
	/* Queued but not pushed is not the peer's to consume yet. */
	assert_int_equal(nc2_link_tx_unconsumed(&f.a), 0);
	nc2_link_push(&f.a);
	assert_int_equal(nc2_link_tx_unconsumed(&f.a), 3 * 16);
	/* Consumed is not enough: only released space counts. */
	assert_int_equal(nc2_link_poll(&f.b, &m), 1);
	nc2_link_consume(&f.b);
	assert_int_equal(nc2_link_tx_unconsumed(&f.a), 3 * 16);
	nc2_link_release(&f.b);
	assert_int_equal(nc2_link_tx_unconsumed(&f.a), 2 * 16);
	assert_int_equal(nc2_link_tx_consumed(&f.a), c0 + 16);
	/* A consumer index beyond what we published fails the link. */
	f.t.a2b.ctrl->cons = c0 + 4 * 16;
	assert_int_equal(nc2_link_tx_unconsumed(&f.a), 0);
	assert_int_equal(nc2_link_error(&f.a), -NC2_EP_CONS_INDEX);
	assert_int_equal(nc2_link_state(&f.a), NC2_LINK_ERROR);
	assert_int_equal(nc2_link_tx_consumed(&f.a), c0 + 16);
	assert_int_equal(nc2_link_tx_unconsumed(&f.a), 0);
	tpair_free(&f.t);

	/* Free-running across 2^32. */
	lfix_init(&f, 1);
	lfix_up(&f);
	{
		const uint32_t start = 0u - 64;

		f.a.tx.pvt = f.a.tx.limit = f.a.tx.pushed = f.a.tx.cons =
			start;
		f.b.rx.pvt = f.b.rx.limit = f.b.rx.released = f.b.rx.prod =
			start;
		f.t.a2b.ctrl->prod = f.t.a2b.ctrl->cons = start;
	}
	for (int i = 0; i < 8; i++)
		assert_int_equal(nc2_link_send(&f.a, 0x80, 0, "abcdefgh", 8),
				 0);
	nc2_link_push(&f.a);
	assert_int_equal(nc2_link_tx_unconsumed(&f.a), 8 * 16);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(nc2_link_poll(&f.b, &m), 1);
		nc2_link_consume(&f.b);
	}
	nc2_link_release(&f.b);
	assert_int_equal(nc2_link_tx_unconsumed(&f.a), 2 * 16);
	assert_int_equal(nc2_link_tx_consumed(&f.a), 32);
	assert_int_equal(nc2_link_error(&f.a), 0);
	tpair_free(&f.t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_out_of_order_finish),
		cmocka_unit_test(test_finish_single_without_batch),
		cmocka_unit_test(test_core_errors),
		cmocka_unit_test(test_id_errors),
		cmocka_unit_test(test_credit_and_state),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_control_flood_bounded),
		cmocka_unit_test(test_review_regressions),
		cmocka_unit_test(test_finish_fills_room),
		cmocka_unit_test(test_tx_unconsumed),
	};

	return cmocka_run_group_tests_name("link", tests, NULL, NULL);
}
