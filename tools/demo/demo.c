// SPDX-License-Identifier: MIT
/*
 * nc2-demo: moves messages between two threads through libnc2ring, with
 * the same sleep/notify discipline a driver uses, and prints what it saw.
 * It stands in for the real-traffic demo until the userspace drivers land.
 */
#include "xfer.h"
#include <stdio.h>
#include <string.h>

struct row {
	const char *name;
	uint32_t min_len, max_len, batch;
};

int main(int argc, char **argv)
{
	static const struct row rows[] = {
		{ "64 B, batch 1", 64, 64, 1 },
		{ "64 B, batch 32", 64, 64, 32 },
		{ "256 B, batch 32", 256, 256, 32 },
		{ "1500 B, batch 32", 1500, 1500, 32 },
		{ "8..2048 B random", 8, 2048, 32 },
	};
	uint64_t msgs = 2000000;
	int failed = 0;

	if (argc > 1 && !strcmp(argv[1], "--quick"))
		msgs = 200000;
	printf("nc2 demo: two threads, one 16-page nc2 ring, every byte checked\n\n");
	printf("%-20s %12s %10s %10s %10s\n", "workload", "msgs", "Mmsg/s",
	       "GB/s", "wakeups");
	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct xfer_opts o = {
			.msgs = msgs, .pages = 16, .min_len = rows[i].min_len,
			.max_len = rows[i].max_len, .max_batch = rows[i].batch,
			.check = 1, .seed = 12345 + i,
		};
		struct xfer_result r;
		int ret = xfer_run(&o, &r);

		printf("%-20s %12llu %10.2f %10.2f %10llu%s\n", rows[i].name,
		       (unsigned long long)r.msgs, r.msgs / r.seconds / 1e6,
		       r.bytes / r.seconds / 1e9,
		       (unsigned long long)(r.prod_notifies + r.cons_notifies),
		       ret ? "  FAILED" : "");
		failed |= ret;
	}
	return failed ? 1 : 0;
}
