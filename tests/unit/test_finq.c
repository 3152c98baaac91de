// SPDX-License-Identifier: MIT
/*
 * The FINISH queue: owed ids go out in order as ring room and response
 * credit allow; a full ring asks the peer for an event, missing credit
 * waits, and the limiter pays for exactly the ids that went out. Each
 * test replays a way the NAPI backlog of old livelocked or overpaid.
 */
#include "fixture.h"
#include <string.h>

/* b owes FINISHes to a. */
struct qfix {
	struct tpair t;
	struct nc2_link a, b;
	struct nc2_link_config ca, cb;
	struct nc2_finq q;
	uint32_t owed[256];
	uint32_t ids[256]; /* in the order b owes them */
};

static void qfix_up(struct qfix *f, uint32_t features)
{
	memset(f, 0, sizeof(*f));
	tpair_alloc(&f->t, 1);
	tpair_config(&f->t, &f->ca, &f->cb, NC2_CLASS_BLOCK_EXAMPLE);
	f->ca.features = f->cb.features = features;
	tpair_links_up(&f->t, &f->a, &f->ca, &f->b, &f->cb);
	nc2_finq_init(&f->q, f->owed, 256);
}

/* a sends n requests; b handles them in a scrambled order and owes them. */
static void qfix_owe(struct qfix *f, uint32_t n, uint64_t seed)
{
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(nc2_link_get_id(&f->a, NULL, &f->ids[i]), 0);
		assert_int_equal(nc2_link_recv_id(&f->b, f->ids[i]), 0);
	}
	for (uint32_t i = n - 1; seed && i > 0; i--) {
		uint32_t j = (uint32_t)(tprng(&seed) % (i + 1)), t = f->ids[i];

		f->ids[i] = f->ids[j];
		f->ids[j] = t;
	}
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(nc2_finq_add(&f->q, f->ids[i]), 0);
	assert_int_equal(nc2_finq_len(&f->q), n);
}

/* Fill b's send ring with class messages until less than left is free. */
static void qfix_fill(struct qfix *f, uint32_t left)
{
	static const uint8_t body[8];

	while (nc2_prod_room(&f->b.tx) >= left)
		assert_int_equal(nc2_link_send(&f->b, 0x80, 0, body, 8), 0);
	nc2_link_push(&f->b);
}

/*
 * a reads everything b published: FINISHed ids must come in the order b
 * owed them, from *next on. Returns how many; releases if asked.
 */
static uint32_t qfix_drain_a(struct qfix *f, uint32_t *next, bool release)
{
	struct nc2_finish_iter it;
	struct nc2_msg m;
	uint32_t id, got = 0;

	while (nc2_link_poll(&f->a, &m) > 0) {
		if (m.type == NC2_MSG_FINISH) {
			assert_int_equal(nc2_link_finish_begin(&f->a, &m, &it),
					 0);
			while (nc2_link_finish_next(&f->a, &it, &id, NULL) > 0) {
				assert_int_equal(id, f->ids[(*next)++]);
				got++;
			}
		}
		nc2_link_consume(&f->a);
	}
	assert_int_equal(nc2_link_error(&f->a), 0);
	if (release)
		nc2_link_release(&f->a);
	return got;
}

static void qfix_free(struct qfix *f)
{
	tpair_free(&f->t);
}

static void test_basics(void **state)
{
	struct nc2_finq q;
	uint32_t ids[3];

	nc2_finq_init(&q, ids, 3);
	assert_int_equal(nc2_finq_len(&q), 0);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(nc2_finq_add(&q, i), 0);
	assert_int_equal(nc2_finq_add(&q, 3), -NC2_E_AGAIN);
	assert_int_equal(nc2_finq_len(&q), 3);
	nc2_finq_reset(&q);
	assert_int_equal(nc2_finq_len(&q), 0);
	assert_int_equal(nc2_finq_add(&q, 7), 0);
	nc2_finq_init(&q, NULL, 5); /* no storage: always full */
	assert_int_equal(nc2_finq_add(&q, 1), -NC2_E_AGAIN);
}

/* Splice: in order, to dst's end; what does not fit stays, in order. */
static void test_splice(void **state)
{
	struct nc2_finq dst, src;
	uint32_t d[5], s[4];

	nc2_finq_init(&dst, d, 5);
	nc2_finq_init(&src, s, 4);
	assert_int_equal(nc2_finq_splice(&dst, &src), 0);
	assert_int_equal(nc2_finq_add(&dst, 100), 0);
	assert_int_equal(nc2_finq_add(&dst, 101), 0);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(nc2_finq_add(&src, 10 + i), 0);
	assert_int_equal(nc2_finq_splice(&dst, &src), -NC2_E_AGAIN);
	assert_int_equal(nc2_finq_len(&dst), 5);
	assert_int_equal(nc2_finq_len(&src), 1);
	assert_int_equal(d[0], 100);
	assert_int_equal(d[1], 101);
	assert_int_equal(d[2], 10);
	assert_int_equal(d[3], 11);
	assert_int_equal(d[4], 12);
	assert_int_equal(s[0], 13);
	nc2_finq_reset(&dst);
	assert_int_equal(nc2_finq_add(&src, 14), 0);
	assert_int_equal(nc2_finq_splice(&dst, &src), 0);
	assert_int_equal(nc2_finq_len(&src), 0);
	assert_int_equal(nc2_finq_len(&dst), 2);
	assert_int_equal(d[0], 13);
	assert_int_equal(d[1], 14);
}

static void test_flush_all(void **state)
{
	struct qfix f;
	uint32_t next = 0;

	qfix_up(&f, NC2_FEAT_ALL);
	assert_int_equal(nc2_finq_flush(&f.q, &f.b, NULL), NC2_FINQ_EMPTY);
	qfix_owe(&f, 200, 7);
	assert_int_equal(nc2_finq_flush(&f.q, &f.b, NULL), NC2_FINQ_EMPTY);
	assert_int_equal(nc2_finq_len(&f.q), 0);
	assert_int_equal(nc2_idset_inflight(&f.b.set), 0);
	nc2_link_push(&f.b);
	assert_int_equal(qfix_drain_a(&f, &next, true), 200);
	assert_int_equal(nc2_idpool_inflight(&f.a.pool), 0);
	qfix_free(&f);
}

/*
 * The ring fills: what fits goes, the rest waits in order, and the peer
 * is asked for an event, which its release then delivers. Batched and
 * one id per message (the original netchannel2).
 */
static void test_ring_full_waits_for_room(void **state)
{
	static const uint32_t features[] = { NC2_FEAT_ALL, 0 };

	for (unsigned fi = 0; fi < 2; fi++) {
		struct qfix f;
		uint32_t next = 0, left, got = 0, rounds = 0, before;
		int r;

		qfix_up(&f, features[fi]);
		qfix_owe(&f, 256, 11 + fi);
		/* Leave room for a handful of ids only. */
		qfix_fill(&f, 48);
		r = nc2_finq_flush(&f.q, &f.b, NULL);
		assert_int_equal(r, NC2_FINQ_WAIT_ROOM);
		left = nc2_finq_len(&f.q);
		assert_true(left > 0 && left < 256);
		/* Nothing fits and the peer has not moved: still waiting. */
		before = f.b.stats.finish_ids;
		assert_int_equal(nc2_finq_flush(&f.q, &f.b, NULL),
				 NC2_FINQ_WAIT_ROOM);
		assert_int_equal(nc2_finq_len(&f.q), left);
		assert_int_equal(f.b.stats.finish_ids, before);
		nc2_link_push(&f.b);
		/*
		 * The peer consumes; its release must notify b: the flush
		 * asked for the event. Then b sends more, until done.
		 */
		do {
			got += qfix_drain_a(&f, &next, false);
			assert_int_equal(nc2_link_release(&f.a), 1);
			r = nc2_finq_flush(&f.q, &f.b, NULL);
			assert_true(r == NC2_FINQ_EMPTY ||
				    r == NC2_FINQ_WAIT_ROOM);
			nc2_link_push(&f.b);
			assert_true(++rounds < 100);
		} while (r != NC2_FINQ_EMPTY);
		got += qfix_drain_a(&f, &next, true);
		assert_int_equal(got, 256);
		assert_int_equal(nc2_finq_len(&f.q), 0);
		assert_int_equal(nc2_idpool_inflight(&f.a.pool), 0);
		qfix_free(&f);
	}
}

/*
 * Credit runs out: the ids it pays for go, the rest wait without being
 * charged or counted as refused, however often the flush is retried,
 * until the peer's next messages earn more.
 */
static void test_credit(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter lim;
	const struct nc2_limiter_stats *st = nc2_limiter_get_stats(&lim);
	struct qfix f;
	uint32_t next = 0;

	nc2_limiter_config_default(&c);
	c.resp_burst = 4;
	assert_int_equal(nc2_limiter_init(&lim, &c, 0), 0);
	assert_int_equal(nc2_limiter_resp_avail(&lim), 4);
	qfix_up(&f, NC2_FEAT_ALL);
	qfix_owe(&f, 10, 3);
	assert_int_equal(nc2_finq_flush(&f.q, &f.b, &lim),
			 NC2_FINQ_WAIT_CREDIT);
	assert_int_equal(nc2_finq_len(&f.q), 6);
	assert_int_equal(st->resp_sent, 4);
	assert_int_equal(st->resp_denied, 0);
	assert_int_equal(nc2_limiter_resp_avail(&lim), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(nc2_finq_flush(&f.q, &f.b, &lim),
				 NC2_FINQ_WAIT_CREDIT);
	assert_int_equal(st->resp_sent, 4);
	assert_int_equal(st->resp_denied, 0);
	assert_int_equal(f.b.stats.finish_ids, 4);
	/* Credit is not room: no space event was asked for. */
	nc2_link_push(&f.b);
	assert_int_equal(qfix_drain_a(&f, &next, false), 4);
	assert_int_equal(nc2_link_release(&f.a), 0);
	/* Three more messages from the peer pay for three more ids. */
	nc2_limiter_peer_msgs(&lim, 3);
	assert_int_equal(nc2_finq_flush(&f.q, &f.b, &lim),
			 NC2_FINQ_WAIT_CREDIT);
	assert_int_equal(nc2_finq_len(&f.q), 3);
	assert_int_equal(st->resp_sent, 7);
	nc2_limiter_peer_msgs(&lim, 100);
	assert_int_equal(nc2_finq_flush(&f.q, &f.b, &lim), NC2_FINQ_EMPTY);
	assert_int_equal(st->resp_sent, 10);
	assert_int_equal(st->resp_denied, 0);
	assert_int_equal(nc2_limiter_resp_avail(&lim), 1);
	nc2_link_push(&f.b);
	assert_int_equal(qfix_drain_a(&f, &next, true), 6);
	qfix_free(&f);
}

/* Room runs out before credit: only the ids that went out are paid. */
static void test_credit_with_full_ring(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter lim;
	struct qfix f;
	uint32_t next = 0, sent;
	int r;

	nc2_limiter_config_default(&c);
	c.resp_burst = 100;
	assert_int_equal(nc2_limiter_init(&lim, &c, 0), 0);
	qfix_up(&f, NC2_FEAT_ALL);
	qfix_owe(&f, 60, 5);
	qfix_fill(&f, 40);
	assert_int_equal(nc2_finq_flush(&f.q, &f.b, &lim),
			 NC2_FINQ_WAIT_ROOM);
	sent = 60 - nc2_finq_len(&f.q);
	assert_true(sent < 60);
	assert_int_equal(f.b.stats.finish_ids, sent);
	assert_int_equal(lim.stats.resp_sent, sent);
	assert_int_equal(nc2_limiter_resp_avail(&lim), 100 - sent);
	/* Retrying against a full ring costs nothing either. */
	for (int i = 0; i < 50; i++)
		assert_int_equal(nc2_finq_flush(&f.q, &f.b, &lim),
				 NC2_FINQ_WAIT_ROOM);
	assert_int_equal(lim.stats.resp_sent, sent);
	assert_int_equal(lim.stats.resp_denied, 0);
	nc2_link_push(&f.b);
	qfix_drain_a(&f, &next, false);
	assert_int_equal(nc2_link_release(&f.a), 1);
	r = nc2_finq_flush(&f.q, &f.b, &lim);
	assert_int_equal(r, NC2_FINQ_EMPTY);
	assert_int_equal(lim.stats.resp_sent, 60);
	nc2_link_push(&f.b);
	qfix_drain_a(&f, &next, true);
	assert_int_equal(next, 60);
	qfix_free(&f);
}

/* A failed link reports its error and keeps what is owed, uncharged. */
static void test_link_failed(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter lim;
	struct qfix f;

	nc2_limiter_config_default(&c);
	assert_int_equal(nc2_limiter_init(&lim, &c, 0), 0);
	qfix_up(&f, NC2_FEAT_ALL);
	qfix_owe(&f, 5, 0);
	nc2_link_fail(&f.b, -NC2_EP_MSG_TYPE);
	assert_int_equal(nc2_finq_flush(&f.q, &f.b, &lim), -NC2_EP_MSG_TYPE);
	assert_int_equal(nc2_finq_len(&f.q), 5);
	assert_int_equal(lim.stats.resp_sent, 0);
	qfix_free(&f);

	/* A bad consumer index found while waiting for room fails it too. */
	qfix_up(&f, NC2_FEAT_ALL);
	qfix_owe(&f, 100, 0);
	qfix_fill(&f, 40);
	f.t.b2a.ctrl->cons = 0x100000;
	assert_int_equal(nc2_finq_flush(&f.q, &f.b, &lim),
			 -NC2_EP_CONS_INDEX);
	assert_int_equal(nc2_link_state(&f.b), NC2_LINK_ERROR);
	assert_int_equal(nc2_finq_flush(&f.q, &f.b, &lim),
			 -NC2_EP_CONS_INDEX);
	assert_true(nc2_finq_len(&f.q) > 0);
	assert_int_equal(lim.stats.resp_sent, 100 - nc2_finq_len(&f.q));
	qfix_free(&f);

	/* After our CLOSE no FINISH may go: the caller resets the queue. */
	qfix_up(&f, NC2_FEAT_ALL);
	qfix_owe(&f, 3, 0);
	assert_int_equal(nc2_link_close(&f.b, 0), 0);
	assert_int_equal(nc2_finq_flush(&f.q, &f.b, NULL), -NC2_E_STATE);
	assert_int_equal(nc2_finq_len(&f.q), 3);
	nc2_finq_reset(&f.q);
	assert_int_equal(nc2_finq_flush(&f.q, &f.b, NULL), NC2_FINQ_EMPTY);
	qfix_free(&f);
}

/* Ids the link does not hold cannot jam the queue: they are dropped. */
static void test_bad_ids_dropped(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter lim;
	struct qfix f;
	uint32_t next = 0, got;

	nc2_limiter_config_default(&c);
	assert_int_equal(nc2_limiter_init(&lim, &c, 0), 0);
	qfix_up(&f, NC2_FEAT_ALL);
	qfix_owe(&f, 6, 0);
	/* Owed twice, and one never received, in the middle of the run. */
	nc2_finq_reset(&f.q);
	for (uint32_t i = 0; i < 6; i++) {
		assert_int_equal(nc2_finq_add(&f.q, f.ids[i]), 0);
		if (i == 2) {
			assert_int_equal(nc2_finq_add(&f.q, f.ids[1]), 0);
			assert_int_equal(nc2_finq_add(&f.q, 200), 0);
		}
	}
	assert_int_equal(nc2_finq_flush(&f.q, &f.b, &lim), NC2_FINQ_EMPTY);
	assert_int_equal(lim.stats.resp_sent, 6);
	assert_int_equal(nc2_link_error(&f.b), 0);
	nc2_link_push(&f.b);
	got = qfix_drain_a(&f, &next, true);
	assert_int_equal(got, 6);
	qfix_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basics),
		cmocka_unit_test(test_splice),
		cmocka_unit_test(test_flush_all),
		cmocka_unit_test(test_ring_full_waits_for_room),
		cmocka_unit_test(test_credit),
		cmocka_unit_test(test_credit_with_full_ring),
		cmocka_unit_test(test_link_failed),
		cmocka_unit_test(test_bad_ids_dropped),
	};

	return cmocka_run_group_tests_name("finq", tests, NULL, NULL);
}
