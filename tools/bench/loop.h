/* SPDX-License-Identifier: MIT */
/*
 * loop.h - the polling loops every transport runs, written once.
 *
 * Each transport supplies small step functions; these loops are inlined
 * into its file with the steps as constants, so no transport pays for an
 * indirect call and all of them idle, re-arm and batch the same way:
 *
 * - a producer publishes after batch messages, or earlier when the ring
 *   is full; a consumer releases after batch messages, or earlier when
 *   the ring is empty;
 * - a side that finds no room or no work re-arms once (the transport's
 *   event protocol: nc2 want_space/rearm, io/ring.h FINAL_CHECK), then
 *   polls. The events it asks for are only counted, never delivered.
 */
#ifndef NC2_BENCH_LOOP_H
#define NC2_BENCH_LOOP_H

#include "bench.h"

#define LOOP_INLINE static inline __attribute__((always_inline))

/* Produce or consume up to n messages from seq on; count, or <0 on error. */
typedef int (*loop_step_fn)(void *st, uint64_t seq, unsigned int n);
/* Ask for an event before polling; <0 on error. */
typedef int (*loop_arm_fn)(void *st, uint64_t seq);
/* Round trip halves: 1 done, 0 not yet (nothing came in), <0 error. */
typedef int (*loop_rt_fn)(void *st, uint64_t seq);

/* Drive step until msgs messages went through, arming whenever stuck. */
LOOP_INLINE bool loop_stream(void *st, const struct bench_cfg *cfg,
			     loop_step_fn step, loop_arm_fn arm)
{
	uint64_t seq = 0;
	bool armed = false;

	while (seq < cfg->msgs) {
		uint64_t left = cfg->msgs - seq;
		unsigned int n = left < cfg->batch ? (unsigned int)left :
						     cfg->batch;
		int k = step(st, seq, n);

		if (k < 0)
			goto fail;
		if (k > 0) {
			seq += (unsigned int)k;
			armed = false;
			continue;
		}
		if (!armed) {
			if (arm(st, seq) < 0)
				goto fail;
			armed = true;
			continue;
		}
		if (bench_aborted())
			return false;
		bench_relax();
	}
	return true;
fail:
	bench_abort = true;
	return false;
}

/* Wait for what fn polls for, arming once, then polling. */
LOOP_INLINE bool loop_wait(void *st, uint64_t seq, loop_rt_fn fn,
			   loop_arm_fn arm)
{
	bool armed = false;
	int r;

	while ((r = fn(st, seq)) == 0) {
		if (!armed) {
			if (arm(st, seq) < 0)
				goto fail;
			armed = true;
			continue;
		}
		if (bench_aborted())
			return false;
		bench_relax();
	}
	if (r > 0)
		return true;
fail:
	bench_abort = true;
	return false;
}

/* The requesting side: send a request, wait for its completion, repeat. */
LOOP_INLINE void loop_ping(void *st, const struct bench_cfg *cfg,
			   loop_rt_fn send, loop_rt_fn recv, loop_arm_fn arm,
			   loop_arm_fn arm_space)
{
	for (uint64_t seq = 0; seq < cfg->msgs; seq++)
		if (!loop_wait(st, seq, send, arm_space) ||
		    !loop_wait(st, seq, recv, arm))
			return;
}

/* The serving side: wait for a request, complete it, repeat. */
LOOP_INLINE void loop_pong(void *st, const struct bench_cfg *cfg,
			   loop_rt_fn recv, loop_rt_fn send, loop_arm_fn arm,
			   loop_arm_fn arm_space)
{
	for (uint64_t seq = 0; seq < cfg->msgs; seq++)
		if (!loop_wait(st, seq, recv, arm) ||
		    !loop_wait(st, seq, send, arm_space))
			return;
}

/*
 * One thread alternating producer and consumer batches, for instruction
 * counts. The ring never fills: a batch is far smaller than any ring here.
 */
LOOP_INLINE bool loop_single(void *st, const struct bench_cfg *cfg,
			     loop_step_fn put, loop_step_fn get)
{
	uint64_t p = 0, c = 0;

	while (c < cfg->msgs) {
		uint64_t left = cfg->msgs - p;
		unsigned int n = left < cfg->batch ? (unsigned int)left :
						     cfg->batch;
		int k = n ? put(st, p, n) : 0;

		if (k < 0)
			return false;
		p += (unsigned int)k;
		while (c < p) {
			k = get(st, c, (unsigned int)(p - c));
			if (k <= 0)
				return false;
			c += (unsigned int)k;
		}
	}
	return true;
}

#endif /* NC2_BENCH_LOOP_H */
