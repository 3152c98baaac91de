// SPDX-License-Identifier: MIT
/*
 * nc2: messages inline in the byte ring, written in place after
 * nc2_prod_alloc and checked in place after nc2_cons_take, with the
 * library's event protocol (want_space, rearm) when a side runs dry.
 * Round trips use a connection's two rings: requests one way,
 * completions the other.
 */
#include <stdlib.h>
#include <string.h>

#include <nc2/ring.h>

#include "bench.h"
#include "loop.h"
#include "payload.h"

#define HDR	 ((uint32_t)sizeof(struct nc2_msg_hdr))
#define MSG_TYPE 0x80 /* a device-class type: the core ignores its body */

/* Each thread's end sits on its own cache lines, as it would in a driver. */
struct nc2_st {
	const struct bench_cfg *cfg;
	void *mem[3];
	struct {
		struct nc2_prod p;
		struct nc2_cons c; /* round trips: completions */
		uint64_t notifies, bad;
	} a __attribute__((aligned(64)));
	struct {
		struct nc2_cons c;
		struct nc2_prod p; /* round trips: completions */
		uint64_t notifies, bad;
	} b __attribute__((aligned(64)));
};

static inline uint32_t align8(uint32_t n)
{
	return (n + 7) & ~7u;
}

static int put(void *v, uint64_t seq, unsigned int n)
{
	struct nc2_st *s = v;
	const uint32_t fixed = s->cfg->fixed_len;
	unsigned int k;
	void *m;
	int r;

	for (k = 0; k < n; k++) {
		uint32_t len = payload_len_at(fixed, seq + k);

		r = nc2_prod_alloc(&s->a.p, MSG_TYPE, 0, len + HDR, &m);
		if (r == -NC2_E_AGAIN)
			break;
		if (r)
			return r;
		payload_fill((uint8_t *)m + HDR, len, seq + k);
	}
	if (k) {
		r = nc2_prod_push(&s->a.p);
		if (r < 0)
			return r;
		s->a.notifies += (unsigned int)r;
	}
	return (int)k;
}

static int get(void *v, uint64_t seq, unsigned int n)
{
	struct nc2_st *s = v;
	const uint32_t fixed = s->cfg->fixed_len;
	struct nc2_msg m;
	unsigned int k;
	int r;

	for (k = 0; k < n; k++) {
		uint32_t len = payload_len_at(fixed, seq + k);

		r = nc2_cons_take(&s->b.c, &m);
		if (r < 0)
			return r;
		if (!r)
			break;
		if (m.type != MSG_TYPE || m.size != align8(len + HDR) ||
		    !payload_check(m.data + HDR, len, seq + k))
			s->b.bad++;
	}
	if (k) {
		/* Publishes only when the producer waits or an eighth is held. */
		r = nc2_cons_release_lazy(&s->b.c);
		if (r < 0)
			return r;
		s->b.notifies += (unsigned int)r;
	}
	return (int)k;
}

/*
 * A producer that finds the ring full waits for an eighth of it (or its
 * message, if bigger) rather than for one message: with the consumer's
 * lazy release, room then comes back in chunks, not message by message.
 */
static int arm_space(void *v, uint64_t seq)
{
	struct nc2_st *s = v;
	uint32_t len = payload_len(s->cfg->wl, seq) + HDR;
	uint32_t chunk = s->cfg->ring_kib * 1024u / 8;

	if (chunk > NC2_MSG_MAX_SIZE)
		chunk = NC2_MSG_MAX_SIZE;

	return nc2_prod_want_space(&s->a.p, len > chunk ? len : chunk);
}

/*
 * Going idle: settle what the lazy release held back and re-arm, behind
 * one fence.
 */
static int arm_data(void *v, uint64_t seq)
{
	struct nc2_st *s = v;
	bool notify;
	int r;

	(void)seq;
	r = nc2_cons_release_rearm(&s->b.c, 0, &notify);
	s->b.notifies += notify;
	return r;
}

static void producer(void *v)
{
	struct nc2_st *s = v;

	loop_stream(s, s->cfg, put, arm_space);
}

static void consumer(void *v)
{
	struct nc2_st *s = v;

	loop_stream(s, s->cfg, get, arm_data);
}

/* Round trips: a sends requests on ring 0, b completes them on ring 1. */

static int ping_send(void *v, uint64_t seq)
{
	struct nc2_st *s = v;
	void *m;
	int r;

	r = nc2_prod_reserve(&s->a.p, PAYLOAD_RTT_REQ + HDR, &m);
	if (r)
		return r == -NC2_E_AGAIN ? 0 : r;
	payload_fill((uint8_t *)m + HDR, PAYLOAD_RTT_REQ, seq);
	nc2_prod_commit(&s->a.p, MSG_TYPE, 0, PAYLOAD_RTT_REQ + HDR);
	r = nc2_prod_push(&s->a.p);
	if (r < 0)
		return r;
	s->a.notifies += (unsigned int)r;
	return 1;
}

static int ping_recv(void *v, uint64_t seq)
{
	struct nc2_st *s = v;
	struct nc2_msg m;
	uint64_t got;
	int r;

	r = nc2_cons_peek(&s->a.c, &m);
	if (r <= 0)
		return r;
	memcpy(&got, m.data + HDR, sizeof(got));
	if (m.size != align8(PAYLOAD_RTT_CMP + HDR) ||
	    got != (seq ^ PAYLOAD_CMP_MAGIC))
		s->a.bad++;
	nc2_cons_consume(&s->a.c);
	r = nc2_cons_release(&s->a.c);
	if (r < 0)
		return r;
	s->a.notifies += (unsigned int)r;
	return 1;
}

static int ping_arm(void *v, uint64_t seq)
{
	struct nc2_st *s = v;

	(void)seq;
	return nc2_cons_rearm(&s->a.c, 0);
}

static int ping_arm_space(void *v, uint64_t seq)
{
	struct nc2_st *s = v;

	(void)seq;
	return nc2_prod_want_space(&s->a.p, PAYLOAD_RTT_REQ + HDR);
}

static int pong_recv(void *v, uint64_t seq)
{
	struct nc2_st *s = v;
	struct nc2_msg m;
	int r;

	r = nc2_cons_peek(&s->b.c, &m);
	if (r <= 0)
		return r;
	if (m.type != MSG_TYPE || m.size != align8(PAYLOAD_RTT_REQ + HDR) ||
	    !payload_check(m.data + HDR, PAYLOAD_RTT_REQ, seq))
		s->b.bad++;
	nc2_cons_consume(&s->b.c);
	return 1;
}

/* Complete first, release after: the requester is waiting, the ring not. */
static int pong_send(void *v, uint64_t seq)
{
	struct nc2_st *s = v;
	uint64_t cmp = seq ^ PAYLOAD_CMP_MAGIC;
	void *m;
	int r;

	r = nc2_prod_reserve(&s->b.p, PAYLOAD_RTT_CMP + HDR, &m);
	if (r)
		return r == -NC2_E_AGAIN ? 0 : r;
	memcpy((uint8_t *)m + HDR, &cmp, sizeof(cmp));
	nc2_prod_commit(&s->b.p, MSG_TYPE, 0, PAYLOAD_RTT_CMP + HDR);
	r = nc2_prod_push(&s->b.p);
	if (r < 0)
		return r;
	s->b.notifies += (unsigned int)r;
	r = nc2_cons_release(&s->b.c);
	if (r < 0)
		return r;
	s->b.notifies += (unsigned int)r;
	return 1;
}

static int pong_arm(void *v, uint64_t seq)
{
	struct nc2_st *s = v;

	(void)seq;
	return nc2_cons_rearm(&s->b.c, 0);
}

static int pong_arm_space(void *v, uint64_t seq)
{
	struct nc2_st *s = v;

	(void)seq;
	return nc2_prod_want_space(&s->b.p, PAYLOAD_RTT_CMP + HDR);
}

static void pinger(void *v)
{
	struct nc2_st *s = v;

	loop_ping(s, s->cfg, ping_send, ping_recv, ping_arm, ping_arm_space);
}

static void ponger(void *v)
{
	struct nc2_st *s = v;

	loop_pong(s, s->cfg, pong_recv, pong_send, pong_arm, pong_arm_space);
}

/* Messages the data ring holds at once, at the workload's mean size. */
static uint32_t inflight(const struct bench_cfg *cfg, uint32_t ring)
{
	uint64_t sum = 0;

	for (uint64_t i = 0; i < 12; i++)
		sum += align8(payload_len(cfg->wl, i) + HDR);
	return (uint32_t)((uint64_t)ring * 12 / sum);
}

static struct nc2_st *setup(const struct bench_cfg *cfg, struct bench_res *res)
{
	uint32_t ring = cfg->ring_kib * 1024u;
	struct nc2_wire_ctrl *ctrl;
	struct nc2_st *s;

	s = aligned_alloc(64, sizeof(*s));
	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	/* Both control blocks share a page, as on a real connection. */
	s->mem[0] = bench_alloc(NC2_PAGE_SIZE);
	s->mem[1] = bench_alloc(ring);
	s->mem[2] = bench_alloc(ring);
	ctrl = s->mem[0];
	nc2_ctrl_reset(&ctrl[0]);
	nc2_ctrl_reset(&ctrl[1]);
	if (nc2_prod_init(&s->a.p, &ctrl[0], s->mem[1], ring) ||
	    nc2_cons_init(&s->b.c, &ctrl[0], s->mem[1], ring) ||
	    nc2_prod_init(&s->b.p, &ctrl[1], s->mem[2], ring) ||
	    nc2_cons_init(&s->a.c, &ctrl[1], s->mem[2], ring)) {
		free(s);
		return NULL;
	}
	res->ring_bytes = (uint64_t)(ring + sizeof(*ctrl)) *
			  (cfg->wl == WL_RTT ? 2 : 1);
	res->max_inflight = inflight(cfg, ring);
	return s;
}

static void finish(struct nc2_st *s, struct bench_res *res)
{
	res->bad = s->a.bad + s->b.bad;
	res->notifies = s->a.notifies + s->b.notifies;
	res->failed |= nc2_prod_error(&s->a.p) || nc2_cons_error(&s->b.c) ||
		      nc2_prod_error(&s->b.p) || nc2_cons_error(&s->a.c);
	free(s);
}

static bool run(const struct bench_cfg *cfg, struct bench_res *res)
{
	struct nc2_st *s = setup(cfg, res);

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
	struct nc2_st *s = setup(cfg, res);

	if (!s)
		return false;
	if (!loop_single(s, cfg, put, get))
		res->failed = true;
	finish(s, res);
	return true;
}

const struct bench_impl bench_nc2 = {
	.name = "nc2",
	.run = run,
	.run_single = run_single,
};
