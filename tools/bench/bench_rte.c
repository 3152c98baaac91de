// SPDX-License-Identifier: MIT
/*
 * DPDK's rte_ring in single-producer/single-consumer mode. rte_ring
 * passes pointers, not data, so to move the same bytes the producer takes
 * a buffer from a preallocated pool, writes the message into it (a length
 * and the payload) and enqueues its pointer; the consumer dequeues,
 * checks the buffer and hands it back through a second SP/SC rte_ring
 * that serves as the pool's free list. Buffers are cache-line aligned and
 * sized for the workload's largest message, as a mempool would be.
 *
 * rte_ring_init() on our own memory needs no EAL. rte_ring has no event
 * protocol, so an idle side just polls. Round trips: the server writes
 * the completion into the request's buffer and returns it on a second
 * ring.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ring.h>

#include "bench.h"
#include "loop.h"
#include "payload.h"

#define BURST_MAX 256

struct rmsg {
	uint32_t len;
	uint8_t data[];
};

struct rte_st {
	const struct bench_cfg *cfg;
	struct rte_ring *ring; /* full buffers, producer to consumer */
	struct rte_ring *free; /* empty buffers back to the producer */
	uint8_t *pool;
	uint32_t nbuf, elem;
	struct {
		void *buf[BURST_MAX];
		uint64_t bad;
	} a __attribute__((aligned(64)));
	struct {
		void *buf[BURST_MAX];
		uint64_t bad;
	} b __attribute__((aligned(64)));
};

static int put(void *v, uint64_t seq, unsigned int n)
{
	struct rte_st *s = v;
	const uint32_t fixed = s->cfg->fixed_len;
	unsigned int k, i;

	k = rte_ring_sc_dequeue_burst(s->free, s->a.buf, n, NULL);
	for (i = 0; i < k; i++) {
		struct rmsg *m = s->a.buf[i];
		uint32_t len = payload_len_at(fixed, seq + i);

		m->len = len;
		payload_fill(m->data, len, seq + i);
	}
	/* The ring holds the whole pool: this cannot fail. */
	if (k && !rte_ring_sp_enqueue_bulk(s->ring, s->a.buf, k, NULL))
		return -1;
	return (int)k;
}

static int get(void *v, uint64_t seq, unsigned int n)
{
	struct rte_st *s = v;
	const uint32_t fixed = s->cfg->fixed_len;
	unsigned int k, i;

	k = rte_ring_sc_dequeue_burst(s->ring, s->b.buf, n, NULL);
	for (i = 0; i < k; i++) {
		const struct rmsg *m = s->b.buf[i];
		uint32_t len = payload_len_at(fixed, seq + i);

		if (m->len != len || !payload_check(m->data, len, seq + i))
			s->b.bad++;
	}
	if (k && !rte_ring_sp_enqueue_bulk(s->free, s->b.buf, k, NULL))
		return -1;
	return (int)k;
}

static int no_arm(void *v, uint64_t seq)
{
	(void)v;
	(void)seq;
	return 0;
}

static void producer(void *v)
{
	struct rte_st *s = v;

	loop_stream(s, s->cfg, put, no_arm);
}

static void consumer(void *v)
{
	struct rte_st *s = v;

	loop_stream(s, s->cfg, get, no_arm);
}

static int ping_send(void *v, uint64_t seq)
{
	struct rte_st *s = v;
	struct rmsg *m = (struct rmsg *)(s->pool + (seq % s->nbuf) * s->elem);

	m->len = PAYLOAD_RTT_REQ;
	payload_fill(m->data, PAYLOAD_RTT_REQ, seq);
	return rte_ring_sp_enqueue(s->ring, m) ? 0 : 1;
}

static int ping_recv(void *v, uint64_t seq)
{
	struct rte_st *s = v;
	struct rmsg *m;
	uint64_t got;

	if (rte_ring_sc_dequeue(s->free, (void **)&m))
		return 0;
	memcpy(&got, m->data, sizeof(got));
	if (m != (struct rmsg *)(s->pool + (seq % s->nbuf) * s->elem) ||
	    m->len != PAYLOAD_RTT_CMP || got != (seq ^ PAYLOAD_CMP_MAGIC))
		s->a.bad++;
	return 1;
}

static int pong_recv(void *v, uint64_t seq)
{
	struct rte_st *s = v;
	struct rmsg *m;

	if (rte_ring_sc_dequeue(s->ring, (void **)&m))
		return 0;
	if (m->len != PAYLOAD_RTT_REQ ||
	    !payload_check(m->data, PAYLOAD_RTT_REQ, seq))
		s->b.bad++;
	s->b.buf[0] = m;
	return 1;
}

static int pong_send(void *v, uint64_t seq)
{
	struct rte_st *s = v;
	struct rmsg *m = s->b.buf[0];
	uint64_t cmp = seq ^ PAYLOAD_CMP_MAGIC;

	m->len = PAYLOAD_RTT_CMP;
	memcpy(m->data, &cmp, sizeof(cmp));
	return rte_ring_sp_enqueue(s->free, m) ? 0 : 1;
}

static void pinger(void *v)
{
	struct rte_st *s = v;

	loop_ping(s, s->cfg, ping_send, ping_recv, no_arm, no_arm);
}

static void ponger(void *v)
{
	struct rte_st *s = v;

	loop_pong(s, s->cfg, pong_recv, pong_send, no_arm, no_arm);
}

/* Both rings hold the whole pool (RING_F_EXACT_SZ rounds up internally). */
static uint64_t memsize(uint32_t nbuf, uint32_t elem)
{
	return 2 * (uint64_t)rte_ring_get_memsize(rte_align32pow2(nbuf + 1)) +
	       (uint64_t)nbuf * elem;
}

static struct rte_ring *ring_at(uint8_t **mem, uint32_t nbuf, const char *name)
{
	struct rte_ring *r = (struct rte_ring *)*mem;
	unsigned int flags = RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ;

	*mem += rte_ring_get_memsize(rte_align32pow2(nbuf + 1));
	return rte_ring_init(r, name, nbuf, flags) ? NULL : r;
}

static struct rte_st *setup(const struct bench_cfg *cfg, struct bench_res *res)
{
	uint64_t budget = cfg->ring_kib * 1024ull;
	uint32_t elem, nbuf;
	struct rte_st *s;
	uint8_t *mem;

	/* The largest pool that, with both rings, fits the same memory. */
	elem = (uint32_t)(sizeof(struct rmsg) + payload_max(cfg->wl) + 63) & ~63u;
	for (nbuf = (uint32_t)(budget / elem); nbuf > 1; nbuf--)
		if (memsize(nbuf, elem) <= budget)
			break;
	s = aligned_alloc(64, sizeof(*s));
	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->nbuf = nbuf;
	s->elem = elem;
	mem = bench_alloc(memsize(nbuf, elem));
	s->pool = mem;
	mem += (uint64_t)nbuf * elem;
	s->ring = ring_at(&mem, nbuf, "nc2b_full");
	s->free = ring_at(&mem, nbuf, "nc2b_free");
	if (!s->ring || !s->free) {
		free(s);
		return NULL;
	}
	/* Round trips hand buffers out by seq instead of from the free list. */
	if (cfg->wl != WL_RTT)
		for (uint32_t i = 0; i < nbuf; i++)
			rte_ring_sp_enqueue(s->free, s->pool + (uint64_t)i * elem);
	res->ring_bytes = memsize(nbuf, elem);
	res->max_inflight = nbuf;
	return s;
}

static void finish(struct rte_st *s, struct bench_res *res)
{
	res->bad = s->a.bad + s->b.bad;
	free(s);
}

static bool run(const struct bench_cfg *cfg, struct bench_res *res)
{
	struct rte_st *s = setup(cfg, res);

	if (!s)
		return false;
	if (cfg->wl == WL_RTT)
		res->secs = bench_pair(pinger, ponger, s);
	else
		res->secs = bench_pair(producer, consumer, s);
	finish(s, res);
	return true;
}

static bool run_single(const struct bench_cfg *cfg, struct bench_res *res)
{
	struct rte_st *s = setup(cfg, res);

	if (!s)
		return false;
	if (!loop_single(s, cfg, put, get))
		res->failed = true;
	finish(s, res);
	return true;
}

const struct bench_impl bench_rte = {
	.name = "rte_ring",
	.run = run,
	.run_single = run_single,
};
