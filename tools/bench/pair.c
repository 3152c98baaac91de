// SPDX-License-Identifier: MIT
/*
 * Two pinned threads released at once. The ring under test is shared
 * between cores only if the two sides really run on different cores, so
 * each thread pins itself before it reports ready.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#include "bench.h"

volatile bool bench_abort;
unsigned long bench_preempted;
bool bench_rt;

struct side {
	void (*fn)(void *);
	void *arg;
	int cpu;
	double end;
	long nivcsw;
};

static long nivcsw(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_THREAD, &ru) ? 0 : ru.ru_nivcsw;
}

static int ready;
static int rt_warned;
static int go;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *side_main(void *p)
{
	struct side *s = p;

	if (s->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(s->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	if (bench_rt) {
		struct sched_param sp = { .sched_priority = 1 };

		if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) &&
		    !__atomic_exchange_n(&rt_warned, 1, __ATOMIC_RELAXED))
			fprintf(stderr, "nc2-bench: no SCHED_FIFO, running "
					"at normal priority\n");
	}
	__atomic_add_fetch(&ready, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		bench_relax();
	/*
	 * A polling side that loses its core stalls the other one too: such
	 * runs measure the scheduler, and main sets them aside.
	 */
	s->nivcsw = nivcsw();
	s->fn(s->arg);
	s->end = now();
	s->nivcsw = nivcsw() - s->nivcsw;
	return NULL;
}

/* The first two CPUs we may run on, or -1 (run unpinned) if fewer. */
static void pick_cpus(int cpu[2])
{
	static int cached[2] = { -2, -2 };
	cpu_set_t set;
	int i, n = 0;

	if (cached[0] == -2) {
		cached[0] = cached[1] = -1;
		if (sched_getaffinity(0, sizeof(set), &set) == 0)
			for (i = 0; i < CPU_SETSIZE && n < 2; i++)
				if (CPU_ISSET(i, &set))
					cached[n++] = i;
		if (n < 2) {
			cached[0] = cached[1] = -1;
			fprintf(stderr, "nc2-bench: fewer than 2 CPUs, "
					"running unpinned\n");
		}
	}
	cpu[0] = cached[0];
	cpu[1] = cached[1];
}

double bench_pair(void (*a)(void *), void (*b)(void *), void *arg)
{
	struct side s[2] = { { a, arg, -1, 0, 0 }, { b, arg, -1, 0, 0 } };
	int cpu[2];
	pthread_t t[2];
	double start;

	pick_cpus(cpu);
	s[0].cpu = cpu[0];
	s[1].cpu = cpu[1];
	bench_abort = false;
	ready = 0;
	go = 0;
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, side_main, &s[i])) {
			perror("nc2-bench: pthread_create");
			exit(2);
		}
	while (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) < 2)
		sched_yield();
	start = now();
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	bench_preempted = (unsigned long)(s[0].nivcsw + s[1].nivcsw);
	return (s[0].end > s[1].end ? s[0].end : s[1].end) - start;
}

/*
 * Where a transport's shared memory lies is one thing that can make the
 * same code run at different speeds (which cache slices and memory the
 * lines belong to). So that it is never the difference between two
 * implementations, every run takes its shared memory from the start of
 * one arena: all implementations use the same pages, run after run.
 */
#define ARENA_ALIGN (2u << 20) /* a huge page, where the kernel has them */
/* The most a run takes: nc2's two 1 MiB rings (--ring-kib at most 1024). */
#define ARENA_SIZE (2 * ARENA_ALIGN)

static uint8_t *arena;
static uint64_t arena_used;

void bench_arena_reset(void)
{
	arena_used = 0;
}

void *bench_alloc(uint64_t bytes)
{
	void *p;

	if (!arena) {
		arena = aligned_alloc(ARENA_ALIGN, ARENA_SIZE);
		if (!arena) {
			fprintf(stderr, "nc2-bench: out of memory\n");
			exit(2);
		}
		/* Fewer TLB misses, and the same for every transport. */
		madvise(arena, ARENA_SIZE, MADV_HUGEPAGE);
	}
	bytes = (bytes + 4095) & ~4095ull;
	if (bytes > ARENA_SIZE - arena_used) {
		fprintf(stderr, "nc2-bench: a run wants more than %u MiB\n",
			ARENA_SIZE >> 20);
		exit(2);
	}
	p = arena + arena_used;
	arena_used += bytes;
	/* Fault every page in now, not inside the timed loop. */
	memset(p, 0, bytes);
	return p;
}
