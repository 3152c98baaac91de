// SPDX-License-Identifier: MIT
/*
 * The floor for any polled round trip between two cores: one cache line
 * each way, nothing else. a writes seq to its line and polls b's line; b
 * polls a's line and echoes seq back. Each round trip moves each line
 * across once, the least a request index and a completion index must.
 */
#include <stdlib.h>

#include "bench.h"

struct cl_st {
	const struct bench_cfg *cfg;
	uint64_t ping __attribute__((aligned(64)));
	uint64_t pong __attribute__((aligned(64)));
};

static bool wait_for(const uint64_t *line, uint64_t want)
{
	while (__atomic_load_n(line, __ATOMIC_ACQUIRE) != want) {
		if (bench_aborted())
			return false;
		bench_relax();
	}
	return true;
}

static void pinger(void *v)
{
	struct cl_st *s = v;

	for (uint64_t seq = 1; seq <= s->cfg->msgs; seq++) {
		__atomic_store_n(&s->ping, seq, __ATOMIC_RELEASE);
		if (!wait_for(&s->pong, seq))
			return;
	}
}

static void ponger(void *v)
{
	struct cl_st *s = v;

	for (uint64_t seq = 1; seq <= s->cfg->msgs; seq++) {
		if (!wait_for(&s->ping, seq))
			return;
		__atomic_store_n(&s->pong, seq, __ATOMIC_RELEASE);
	}
}

bool bench_cacheline(const struct bench_cfg *cfg, struct bench_res *res)
{
	struct cl_st *s = aligned_alloc(64, sizeof(*s));

	if (!s)
		return false;
	s->cfg = cfg;
	s->ping = s->pong = 0;
	res->secs = bench_pair(pinger, ponger, s);
	res->ring_bytes = 128;
	res->max_inflight = 1;
	free(s);
	return true;
}
