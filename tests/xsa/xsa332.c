// SPDX-License-Identifier: MIT
/*
 * XSA-332/391: a peer storming events (or control messages) hung the
 * other side. Here: spurious events are tolerated up to a count, then
 * delayed with a bounded backoff computed in O(1) whatever the config
 * (the old loop made a storm quadratic, or wrapped the delay to 0), and a
 * flood of control messages is handled a bounded number per poll.
 */
#include "xsa.h"
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_backoff(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter l;
	uint64_t d, last = 0;
	int i;

	nc2_limiter_config_default(&c);
	assert_int_equal(nc2_limiter_init(&l, &c, 0), 0);
	for (i = 0; i < (int)c.spurious_max; i++)
		assert_int_equal(nc2_limiter_event(&l, false), 0);
	for (i = 0; i < 1000; i++) {
		d = nc2_limiter_event(&l, false);
		assert_true(d >= last && d > 0);
		assert_true(d <= c.spurious_delay_max_ns);
		last = d;
	}
	assert_int_equal(last, c.spurious_delay_max_ns);
	/* one event with work resets the run */
	assert_int_equal(nc2_limiter_event(&l, true), 0);
	assert_int_equal(nc2_limiter_event(&l, false), 0);
}

/* Past 2^63 the old doubling wrapped to 0: the storm went undelayed. */
static void test_backoff_no_wrap(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter l;
	int i;

	nc2_limiter_config_default(&c);
	c.spurious_max = 0;
	c.spurious_delay_ns = 1;
	c.spurious_delay_max_ns = ~0ull;
	assert_int_equal(nc2_limiter_init(&l, &c, 0), 0);
	for (i = 0; i < 200; i++)
		assert_true(nc2_limiter_event(&l, false) >=
			    (i < 63 ? 1ull << i : 1ull << 63));
}

/*
 * With a tiny base delay the old loop ran once per event of the run (and
 * a zero base, now refused, made every event pay the whole loop).
 */
static void test_storm_is_linear(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter l;
	double t0;
	int i;

	nc2_limiter_config_default(&c);
	c.spurious_max = 0;
	c.spurious_delay_ns = 0;
	assert_int_equal(nc2_limiter_init(&l, &c, 0), -NC2_E_INVAL);
	c.spurious_delay_ns = 1;
	assert_int_equal(nc2_limiter_init(&l, &c, 0), 0);
	t0 = now_s();
	for (i = 0; i < 2000000; i++)
		assert_true(nc2_limiter_event(&l, false) <=
			    c.spurious_delay_max_ns);
	assert_true(now_s() - t0 < 2.0);
}

/* A flood of harmless control messages is handled in bounded slices. */
static void test_control_flood(void **state)
{
	struct xnet x;
	struct nc2_msg m;
	uint32_t v = 256, polls = 0, handled = 0;

	xnet_up(&x, NC2_ROLE_BACKEND);
	for (int i = 0; i < 300; i++)
		xraw(&x, NC2_MSG_SET_MAX_OUTSTANDING, &v, 4);
	for (;;) {
		uint64_t before = x.a.link.stats.ctl_msgs;
		int r = nc2_link_poll(&x.a.link, &m);

		assert_true(r == 0);
		polls++;
		/* each call does a bounded amount, then returns */
		assert_true(x.a.link.stats.ctl_msgs - before <= 64);
		handled += (uint32_t)(x.a.link.stats.ctl_msgs - before);
		nc2_link_release(&x.a.link);
		if (nc2_link_rearm(&x.a.link) == 0)
			break;
	}
	assert_true(polls >= 300 / 64);
	assert_true(handled >= 300);
	assert_int_equal(nc2_link_error(&x.a.link), 0);
	/* the same through the net layer, with its own control messages */
	v = NC2_DEFAULT_MAX_INLINE;
	for (int i = 0; i < 300; i++)
		xraw(&x, NC2_MSG_SET_MAX_INLINE, &v, 4);
	polls = 0;
	while (nc2_net_poll(&x.a, &m) == 0) {
		polls++;
		nc2_link_release(&x.a.link);
		if (nc2_link_rearm(&x.a.link) == 0)
			break;
	}
	assert_true(polls >= 300 / 64);
	assert_int_equal(nc2_link_error(&x.a.link), 0);
	xnet_free(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_backoff_no_wrap),
		cmocka_unit_test(test_storm_is_linear),
		cmocka_unit_test(test_control_flood),
	};

	return cmocka_run_group_tests_name("xsa332", tests, NULL, NULL);
}
