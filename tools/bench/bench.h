/* SPDX-License-Identifier: MIT */
/*
 * bench.h - what the ring benchmark's parts share: the run description,
 * the result of one run, and the two-thread harness.
 */
#ifndef NC2_BENCH_H
#define NC2_BENCH_H

#include <stdbool.h>
#include <stdint.h>

enum bench_wl {
	WL_64,
	WL_256,
	WL_1500,
	WL_MIXED,
	WL_RTT,
	WL_COUNT
};

struct bench_cfg {
	enum bench_wl wl;
	unsigned int batch;   /* messages per push and per release */
	uint64_t msgs;	      /* messages (stream) or round trips (rtt) */
	unsigned int ring_kib; /* memory budget of one ring */
	uint32_t fixed_len;   /* payload_fixed_len(wl), worked out once */
};

struct bench_res {
	double secs;
	uint64_t msgs;	      /* messages that passed the content check */
	uint64_t bytes;	      /* their payload bytes */
	uint64_t bad;	      /* messages that failed it */
	uint64_t notifies;    /* events the protocol asked for (never sent) */
	uint64_t ring_bytes;  /* shared memory the transport needs */
	uint32_t max_inflight;
	bool failed;	      /* the transport itself reported an error */
};

struct bench_impl {
	const char *name;
	/* Run cfg once on two pinned threads; false if it could not start. */
	bool (*run)(const struct bench_cfg *cfg, struct bench_res *res);
	/*
	 * The same traffic on one thread, alternating a producer batch and a
	 * consumer batch: deterministic, for counting instructions.
	 */
	bool (*run_single)(const struct bench_cfg *cfg, struct bench_res *res);
};

extern const struct bench_impl bench_nc2, bench_xen, bench_rte;

/* The bare cross-core round trip of one cache line each way. */
bool bench_cacheline(const struct bench_cfg *cfg, struct bench_res *res);

/*
 * Run a and b on two different cores, released together; returns the
 * seconds from the release until the later of the two returned.
 */
double bench_pair(void (*a)(void *), void (*b)(void *), void *arg);

/*
 * Run the two sides SCHED_FIFO: on a shared machine, the only way a
 * polling pair keeps its cores for a whole run. Opt-in, as it starves
 * everything else on those cores meanwhile.
 */
extern bool bench_rt;

/* Involuntary context switches the two threads of the last pair took. */
extern unsigned long bench_preempted;

/* Set by a side that hit an error; the other side's wait loops give up. */
extern volatile bool bench_abort;

static inline void bench_relax(void)
{
	/* Like Linux's cpu_relax(): also a compiler barrier, so polled loads
	 * of shared indices are really repeated. */
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

static inline bool bench_aborted(void)
{
	return __atomic_load_n(&bench_abort, __ATOMIC_RELAXED);
}

/*
 * Shared memory for the ring under test: zeroed, page-aligned and
 * already faulted, from one arena that every run starts again at its
 * beginning (bench_arena_reset()), so that every implementation's rings
 * lie on the same physical pages; exits on failure. Nothing frees it:
 * it is the run's until the next reset.
 */
void *bench_alloc(uint64_t bytes);
void bench_arena_reset(void);

/* Largest power of two <= n (n > 0). */
static inline uint32_t bench_pow2_floor(uint32_t n)
{
	return 1u << (31 - __builtin_clz(n));
}

#endif /* NC2_BENCH_H */
