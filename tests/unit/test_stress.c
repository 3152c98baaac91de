// SPDX-License-Identifier: MIT
/*
 * Two-thread stress: NC2_STRESS_MSGS random-size messages (10^7 by
 * default) with every byte checked, through rings of 1, 2 and 16 pages,
 * with real sleeping and waking so that a lost wakeup hangs and fails.
 */
#include "fixture.h"
#include "xfer.h"
#include <stdio.h>
#include <stdlib.h>

static uint64_t total_msgs(void)
{
	const char *e = getenv("NC2_STRESS_MSGS");

	return e ? strtoull(e, NULL, 0) : 10000000ull;
}

static void run(uint32_t pages, uint64_t msgs, uint32_t max_len,
		uint32_t batch)
{
	struct xfer_opts o = {
		.msgs = msgs, .pages = pages, .min_len = 8,
		.max_len = max_len, .max_batch = batch, .check = 1,
		.seed = 0x9e3779b97f4a7c15ull ^ pages,
	};
	struct xfer_result r;
	int ret = xfer_run(&o, &r);

	printf("stress: %u-page ring, sizes 4..%u, batch <= %u: %llu msgs "
	       "in %.2f s = %.2f M msgs/s, %.2f GB/s, %llu pads, "
	       "notifies %llu/%llu, sleeps %llu/%llu\n",
	       pages, max_len, batch, (unsigned long long)r.msgs, r.seconds,
	       r.msgs / r.seconds / 1e6, r.bytes / r.seconds / 1e9,
	       (unsigned long long)r.pads,
	       (unsigned long long)r.prod_notifies,
	       (unsigned long long)r.cons_notifies,
	       (unsigned long long)r.prod_sleeps,
	       (unsigned long long)r.cons_sleeps);
	if (ret)
		fail_msg("transfer failed: error %d (%s), %llu bad, %llu/%llu",
			 r.error, r.error > 0 ? "" : nc2_strerror(r.error),
			 (unsigned long long)r.bad, (unsigned long long)r.msgs,
			 (unsigned long long)msgs);
}

static void test_small_rings(void **state)
{
	uint64_t n = total_msgs() / 50;

	run(1, n, 2048, 32);
	run(2, n, 600, 1);
}

static void test_big(void **state)
{
	run(16, total_msgs(), 300, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_rings),
		cmocka_unit_test(test_big),
	};

	return cmocka_run_group_tests_name("stress", tests, NULL, NULL);
}
