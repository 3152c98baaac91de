// SPDX-License-Identifier: MIT
/* The asymmetry limiter's contract, budget by budget. */
#include "fixture.h"

#define MS 1000000ull

static void lim_up(struct nc2_limiter *l, struct nc2_limiter_config *c)
{
	nc2_limiter_config_default(c);
	c->resp_burst = 4;
	c->copy_bytes_per_sec = 1000 * 1000; /* 1 MB/s: 1 byte per us */
	c->copy_burst_bytes = 10000;
	c->spurious_max = 3;
	c->spurious_delay_ns = 1000;
	c->spurious_delay_max_ns = 8000;
	c->queue_bytes_max = 10000;
	c->queue_pkts_max = 4;
	c->stall_window_ns = 100 * MS;
	c->stall_min_bytes = 1000;
	assert_int_equal(nc2_limiter_init(l, c, 0), 0);
}

static void test_config(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter l;

	nc2_limiter_config_default(&c);
	assert_int_equal(nc2_limiter_init(&l, &c, 5), 0);
	c.copy_bytes_per_sec = 0;
	assert_int_equal(nc2_limiter_init(&l, &c, 5), -NC2_E_INVAL);
	c.copy_bytes_per_sec = NC2_LIMITER_MAX_RATE + 1;
	assert_int_equal(nc2_limiter_init(&l, &c, 5), -NC2_E_INVAL);
	nc2_limiter_config_default(&c);
	c.spurious_delay_max_ns = 1;
	assert_int_equal(nc2_limiter_init(&l, &c, 5), -NC2_E_INVAL);
	nc2_limiter_config_default(&c);
	c.spurious_delay_ns = 0; /* a storm would never be slowed */
	assert_int_equal(nc2_limiter_init(&l, &c, 5), -NC2_E_INVAL);
	assert_int_equal(nc2_limiter_init(&l, NULL, 5), -NC2_E_INVAL);
}

/* Responses cost credit the peer earns by sending: no free lunch. */
static void test_responses(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter l;

	lim_up(&l, &c);
	assert_int_equal(nc2_limiter_charge_resp(&l, 4), 0); /* burst */
	assert_int_equal(nc2_limiter_charge_resp(&l, 1), -NC2_E_AGAIN);
	nc2_limiter_peer_msgs(&l, 2);
	assert_int_equal(nc2_limiter_charge_resp(&l, 3), -NC2_E_AGAIN);
	assert_int_equal(nc2_limiter_charge_resp(&l, 2), 0);
	nc2_limiter_peer_msgs(&l, 1000); /* banked only up to the burst */
	assert_int_equal(nc2_limiter_charge_resp(&l, 5), -NC2_E_AGAIN);
	assert_int_equal(nc2_limiter_charge_resp(&l, 4), 0);
	assert_int_equal(l.stats.resp_sent, 10);
	assert_int_equal(l.stats.resp_denied, 9);
	assert_int_equal(l.stats.peer_msgs, 1002);
	assert_int_equal(nc2_limiter_get_stats(&l)->resp_denied, 9);
}

static void test_copy_bucket(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter l;
	uint64_t t = 0, wait, copied = 0;

	lim_up(&l, &c);
	/* Over a simulated second of greedy asking, about 1 MB gets through. */
	while (t < 1000 * MS) {
		wait = nc2_limiter_charge_copy(&l, 1500, t);
		if (wait) {
			assert_true(wait <= 1500 * 1000);
			t += wait;
		} else {
			copied += 1500;
		}
	}
	assert_true(copied >= 1000 * 1000);
	assert_true(copied <= 1000 * 1000 + 10000 + 1500);
	assert_true(l.stats.copy_throttled > 0);
	/* A packet bigger than the burst still passes, then pays. */
	lim_up(&l, &c);
	assert_int_equal(nc2_limiter_charge_copy(&l, 65536, 0), 0);
	wait = nc2_limiter_charge_copy(&l, 1, 0);
	assert_true(wait >= 55 * MS && wait <= 56 * MS);
	/* The clock going back earns nothing; a long pause refills fully. */
	assert_true(nc2_limiter_charge_copy(&l, 1, 0) > 0);
	assert_int_equal(nc2_limiter_charge_copy(&l, 1, 5000 * MS), 0);
	assert_true(nc2_limiter_charge_copy(&l, 1, 4000 * MS) == 0);
}

static void test_event_storm(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter l;
	uint64_t d, last = 0;

	lim_up(&l, &c);
	for (int i = 0; i < 3; i++)
		assert_int_equal(nc2_limiter_event(&l, false), 0);
	/* Then delays double up to the cap, and stay there. */
	for (int i = 0; i < 100; i++) {
		d = nc2_limiter_event(&l, false);
		assert_true(d >= last && d <= 8000);
		last = d;
	}
	assert_int_equal(last, 8000);
	/* One event with real work forgives everything. */
	assert_int_equal(nc2_limiter_event(&l, true), 0);
	assert_int_equal(nc2_limiter_event(&l, false), 0);
	assert_int_equal(l.stats.events, 105);
	assert_int_equal(l.stats.events_spurious, 104);
	assert_int_equal(l.stats.events_delayed, 100);
}

static void test_queue_cap(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter l;

	lim_up(&l, &c);
	assert_int_equal(nc2_limiter_queue(&l, 6000), 0);
	assert_int_equal(nc2_limiter_queue(&l, 5000), -NC2_E_AGAIN);
	assert_int_equal(nc2_limiter_queue(&l, 4000), 0);
	assert_int_equal(nc2_limiter_queued(&l), 10000);
	nc2_limiter_unqueue(&l, 4000);
	for (int i = 0; i < 2; i++)
		assert_int_equal(nc2_limiter_queue(&l, 1), 0);
	assert_int_equal(nc2_limiter_queue(&l, 1), 0);
	assert_int_equal(nc2_limiter_queue(&l, 1), -NC2_E_AGAIN); /* 4 pkts */
	assert_int_equal(l.stats.queue_drops, 2);
	nc2_limiter_unqueue(&l, 1u << 30); /* never below zero */
	assert_int_equal(nc2_limiter_queued(&l), 0);
}

/* XSA-392: dribbling a little each window does not fool stall detection. */
static void test_stall_dribble(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter l;
	uint64_t t = 0;

	lim_up(&l, &c);
	assert_false(nc2_limiter_stalled(&l, 50 * MS));
	nc2_limiter_queue(&l, 5000);
	for (int w = 0; w < 5; w++) {
		nc2_limiter_progress(&l, 100); /* under the 1000-byte floor */
		t += 100 * MS;
		assert_true(nc2_limiter_stalled(&l, t));
	}
	assert_int_equal(l.stats.stalls, 1);
	/* Real progress clears it. */
	nc2_limiter_progress(&l, 5000);
	t += 100 * MS;
	assert_false(nc2_limiter_stalled(&l, t));
	/* An idle peer holding nothing is never stalled. */
	nc2_limiter_unqueue(&l, 5000);
	t += 100 * MS;
	assert_false(nc2_limiter_stalled(&l, t));
	assert_false(nc2_limiter_stalled(&l, t - 1)); /* clock back */
}

/* From the spec review: fractions of bytes add up; late judgement. */
static void test_review(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter l;
	uint64_t t = 0;
	int passed = 0;

	lim_up(&l, &c);
	c.resp_per_msg_x16 = 0;
	assert_int_equal(nc2_limiter_init(&l, &c, 0), -NC2_E_INVAL);
	/* 1 byte/us asked every 100 ns: 2 ms of asking earns 2000 bytes. */
	lim_up(&l, &c);
	nc2_limiter_charge_copy(&l, 10001, 0); /* empty the bucket */
	for (int i = 0; i < 20000; i++) {
		t += 100;
		if (nc2_limiter_charge_copy(&l, 1, t) == 0)
			passed++;
	}
	assert_true(passed >= 1990 && passed <= 2000);
	/* Judged three windows late, the floor is three windows' worth. */
	lim_up(&l, &c);
	nc2_limiter_queue(&l, 5000);
	nc2_limiter_progress(&l, 2500);
	assert_true(nc2_limiter_stalled(&l, 300 * MS));
	nc2_limiter_progress(&l, 3500);
	assert_false(nc2_limiter_stalled(&l, 600 * MS));
}

/*
 * Stalls judged on the ring (XSA-392 class). The floor is 1000 bytes per
 * 100 ms window; cons and unconsumed are what the link reports.
 */
static void test_stall_ring(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter l;
	uint64_t t = 0;
	uint32_t cons = 4096;

	/* FINISHes without releasing ring space: stalled all the same. */
	lim_up(&l, &c);
	nc2_limiter_queue(&l, 3000);
	nc2_limiter_ring(&l, cons, 2048);
	for (int w = 0; w < 3; w++) {
		nc2_limiter_unqueue(&l, 1000);
		nc2_limiter_progress(&l, 5000); /* plenty of FINISHed bytes */
		nc2_limiter_queue(&l, 1000);
		nc2_limiter_ring(&l, cons, 2048); /* the ring never moves */
		t += 100 * MS;
		assert_true(nc2_limiter_stalled(&l, t));
	}
	assert_int_equal(l.stats.stalls, 1);

	/* Nothing queued, only inline messages on the ring, never eaten. */
	lim_up(&l, &c);
	t = 0;
	nc2_limiter_ring(&l, cons, 0);
	nc2_limiter_ring(&l, cons, 512); /* pushed during the window */
	t += 100 * MS;
	assert_false(nc2_limiter_stalled(&l, t)); /* judged next window */
	nc2_limiter_ring(&l, cons, 512);
	t += 100 * MS;
	assert_true(nc2_limiter_stalled(&l, t));
	/* It eats what waited: cleared, though below the floor. */
	cons += 512;
	nc2_limiter_ring(&l, cons, 0);
	t += 100 * MS;
	assert_false(nc2_limiter_stalled(&l, t));

	/* A peer that consumes is never stalled, busy or not. */
	lim_up(&l, &c);
	t = 0;
	nc2_limiter_queue(&l, 5000);
	nc2_limiter_ring(&l, cons, 4096);
	for (int w = 0; w < 5; w++) {
		cons += 2000; /* above the floor, never all of it */
		nc2_limiter_ring(&l, cons, 4096);
		t += 100 * MS;
		assert_false(nc2_limiter_stalled(&l, t));
	}
	/* ... but dribbling below the floor is a stall, as before. */
	cons += 8;
	nc2_limiter_ring(&l, cons, 4088);
	t += 100 * MS;
	assert_true(nc2_limiter_stalled(&l, t));

	/* Idle: nothing held on the ring or off it. */
	lim_up(&l, &c);
	t = 0;
	for (int w = 0; w < 5; w++) {
		nc2_limiter_ring(&l, cons, 0);
		t += 100 * MS;
		assert_false(nc2_limiter_stalled(&l, t));
	}
	assert_int_equal(l.stats.stalls, 0);

	/* The first report is the baseline, not progress since index 0. */
	lim_up(&l, &c);
	nc2_limiter_ring(&l, 0x12345678u, 4096);
	assert_true(nc2_limiter_stalled(&l, 100 * MS));

	/* Data held off the ring is paid for by ring consumption too. */
	lim_up(&l, &c);
	nc2_limiter_queue(&l, 5000);
	nc2_limiter_ring(&l, cons, 0);
	nc2_limiter_ring(&l, cons + 1200, 0);
	assert_false(nc2_limiter_stalled(&l, 100 * MS));
	assert_true(nc2_limiter_stalled(&l, 200 * MS));
}

/* The consumer index is free-running: 2^32 is just another byte. */
static void test_stall_ring_wrap(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter l;
	uint32_t cons = 0u - 2048;

	lim_up(&l, &c);
	nc2_limiter_ring(&l, cons, 4096);
	cons += 3000; /* past 2^32 */
	nc2_limiter_ring(&l, cons, 1096);
	assert_true(cons < 4096);
	assert_false(nc2_limiter_stalled(&l, 100 * MS));
	assert_int_equal(l.ring_owed, 1096);
	cons += 8; /* a dribble across the wrap is still a dribble */
	nc2_limiter_ring(&l, cons, 1088);
	assert_true(nc2_limiter_stalled(&l, 200 * MS));
	lim_up(&l, &c);
	cons = 0xfffffff8u;
	nc2_limiter_ring(&l, cons, 16);
	nc2_limiter_ring(&l, cons + 16, 0); /* to 8: all of it eaten */
	assert_false(nc2_limiter_stalled(&l, 100 * MS));
}

static void test_resp_avail(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter l;

	lim_up(&l, &c);
	assert_int_equal(nc2_limiter_resp_avail(&l), 4);
	assert_int_equal(nc2_limiter_charge_resp(&l, 3), 0);
	assert_int_equal(nc2_limiter_resp_avail(&l), 1);
	c.resp_per_msg_x16 = 8; /* half a response per message */
	assert_int_equal(nc2_limiter_init(&l, &c, 0), 0);
	assert_int_equal(nc2_limiter_charge_resp(&l, 4), 0);
	nc2_limiter_peer_msgs(&l, 3);
	assert_int_equal(nc2_limiter_resp_avail(&l), 1); /* 1.5 */
	assert_int_equal(nc2_limiter_charge_resp(&l, 2), -NC2_E_AGAIN);
	assert_int_equal(nc2_limiter_charge_resp(&l, 1), 0);
	assert_int_equal(nc2_limiter_resp_avail(&l), 0);
	assert_int_equal(l.stats.resp_denied, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_responses),
		cmocka_unit_test(test_copy_bucket),
		cmocka_unit_test(test_event_storm),
		cmocka_unit_test(test_queue_cap),
		cmocka_unit_test(test_stall_dribble),
		cmocka_unit_test(test_review),
		cmocka_unit_test(test_stall_ring),
		cmocka_unit_test(test_stall_ring_wrap),
		cmocka_unit_test(test_resp_avail),
	};

	return cmocka_run_group_tests_name("limiter", tests, NULL, NULL);
}
