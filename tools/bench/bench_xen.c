// SPDX-License-Identifier: MIT
/*
 * Xen's classic io/ring.h, used the way a netfront/netback pair would if
 * the data travelled in the ring: fixed slots big enough for the largest
 * message (a length and 1500 bytes), data copied into the slot.
 *
 * One-way stream: the producer is the front end and fills request slots;
 * the consumer is the back end and, having read a batch, publishes
 * rsp_prod = req_cons (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY) without
 * writing any response body: that is only the "slot free again" signal,
 * which the producer picks up (rsp_cons = rsp_prod) when it finds the
 * ring full. Idle sides re-arm with RING_FINAL_CHECK_FOR_{REQUESTS,
 * RESPONSES}. Round trips use the ring as designed: the completion is a
 * response in the request's slot.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Any interface version from 3.2.8 on leaves the barriers to us. These
 * are the same C11 fences nc2's platform.h uses, so both rings pay the
 * same for ordering. wmb must be a release fence, not just a store
 * fence: the consumer's rsp_prod store also orders its earlier reads of
 * the slots before the producer may overwrite them.
 */
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#include <xen/io/ring.h>

#include "bench.h"
#include "loop.h"
#include "payload.h"

struct xreq {
	uint32_t len;
	uint8_t data[PAYLOAD_MAX];
};

struct xrsp {
	uint32_t len;
	uint8_t data[PAYLOAD_RTT_CMP];
};

DEFINE_RING_TYPES(bx, struct xreq, struct xrsp);

struct xen_st {
	const struct bench_cfg *cfg;
	struct bx_sring *sring;
	struct {
		struct bx_front_ring front;
		uint64_t notifies, bad;
	} a __attribute__((aligned(64)));
	struct {
		struct bx_back_ring back;
		uint64_t notifies, bad;
	} b __attribute__((aligned(64)));
};

/* Read a peer-written length once, as netback's RING_COPY_REQUEST would. */
static inline uint32_t read_once(const uint32_t *p)
{
	return *(const volatile uint32_t *)p;
}

/* Take back the slots the consumer freed; <0 if its index is impossible. */
static int reap(struct bx_front_ring *f)
{
	RING_IDX rp = f->sring->rsp_prod;

	xen_rmb();
	if (RING_RESPONSE_PROD_OVERFLOW(f, rp))
		return -1;
	f->rsp_cons = rp;
	return 0;
}

static int put(void *v, uint64_t seq, unsigned int n)
{
	struct xen_st *s = v;
	const uint32_t fixed = s->cfg->fixed_len;
	struct bx_front_ring *f = &s->a.front;
	unsigned int k;
	int notify;

	for (k = 0; k < n; k++) {
		uint32_t len = payload_len_at(fixed, seq + k);
		struct xreq *req;

		if (RING_FULL(f)) {
			if (reap(f))
				return -1;
			if (RING_FULL(f))
				break;
		}
		req = RING_GET_REQUEST(f, f->req_prod_pvt);
		req->len = len;
		payload_fill(req->data, len, seq + k);
		f->req_prod_pvt++;
	}
	if (k) {
		RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(f, notify);
		s->a.notifies += (unsigned int)notify;
	}
	return (int)k;
}

static int get(void *v, uint64_t seq, unsigned int n)
{
	struct xen_st *s = v;
	const uint32_t fixed = s->cfg->fixed_len;
	struct bx_back_ring *b = &s->b.back;
	RING_IDX rc = b->req_cons, rp = b->sring->req_prod;
	unsigned int k;
	int notify;

	xen_rmb();
	if (RING_REQUEST_PROD_OVERFLOW(b, rp))
		return -1;
	for (k = 0; k < n && rc != rp; k++, rc++) {
		const struct xreq *req = RING_GET_REQUEST(b, rc);
		uint32_t len = payload_len_at(fixed, seq + k);

		if (read_once(&req->len) != len ||
		    !payload_check(req->data, len, seq + k))
			s->b.bad++;
	}
	if (k) {
		b->req_cons = rc;
		b->rsp_prod_pvt = rc;
		RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(b, notify);
		s->b.notifies += (unsigned int)notify;
	}
	return (int)k;
}

static int arm_space(void *v, uint64_t seq)
{
	struct xen_st *s = v;
	int work;

	(void)seq;
	RING_FINAL_CHECK_FOR_RESPONSES(&s->a.front, work);
	return work ? 1 : 0;
}

static int arm_data(void *v, uint64_t seq)
{
	struct xen_st *s = v;
	int work;

	(void)seq;
	RING_FINAL_CHECK_FOR_REQUESTS(&s->b.back, work);
	return work ? 1 : 0;
}

static void producer(void *v)
{
	struct xen_st *s = v;

	loop_stream(s, s->cfg, put, arm_space);
}

static void consumer(void *v)
{
	struct xen_st *s = v;

	loop_stream(s, s->cfg, get, arm_data);
}

static int ping_send(void *v, uint64_t seq)
{
	struct xen_st *s = v;
	struct bx_front_ring *f = &s->a.front;
	struct xreq *req;
	int notify;

	/* Completions are reaped by ping_recv, so one slot is always free. */
	req = RING_GET_REQUEST(f, f->req_prod_pvt);
	req->len = PAYLOAD_RTT_REQ;
	payload_fill(req->data, PAYLOAD_RTT_REQ, seq);
	f->req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(f, notify);
	s->a.notifies += (unsigned int)notify;
	return 1;
}

static int ping_recv(void *v, uint64_t seq)
{
	struct xen_st *s = v;
	struct bx_front_ring *f = &s->a.front;
	const struct xrsp *rsp;
	RING_IDX rp = f->sring->rsp_prod;
	uint64_t got;

	xen_rmb();
	if (rp == f->rsp_cons)
		return 0;
	if (RING_RESPONSE_PROD_OVERFLOW(f, rp))
		return -1;
	rsp = RING_GET_RESPONSE(f, f->rsp_cons);
	memcpy(&got, rsp->data, sizeof(got));
	if (read_once(&rsp->len) != PAYLOAD_RTT_CMP ||
	    got != (seq ^ PAYLOAD_CMP_MAGIC))
		s->a.bad++;
	f->rsp_cons++;
	return 1;
}

static int ping_arm(void *v, uint64_t seq)
{
	struct xen_st *s = v;
	int work;

	(void)seq;
	RING_FINAL_CHECK_FOR_RESPONSES(&s->a.front, work);
	return work ? 1 : 0;
}

static int pong_recv(void *v, uint64_t seq)
{
	struct xen_st *s = v;
	struct bx_back_ring *b = &s->b.back;
	const struct xreq *req;
	RING_IDX rp = b->sring->req_prod;

	xen_rmb();
	if (rp == b->req_cons)
		return 0;
	if (RING_REQUEST_PROD_OVERFLOW(b, rp))
		return -1;
	req = RING_GET_REQUEST(b, b->req_cons);
	if (read_once(&req->len) != PAYLOAD_RTT_REQ ||
	    !payload_check(req->data, PAYLOAD_RTT_REQ, seq))
		s->b.bad++;
	b->req_cons++;
	return 1;
}

static int pong_send(void *v, uint64_t seq)
{
	struct xen_st *s = v;
	struct bx_back_ring *b = &s->b.back;
	uint64_t cmp = seq ^ PAYLOAD_CMP_MAGIC;
	struct xrsp *rsp;
	int notify;

	rsp = RING_GET_RESPONSE(b, b->rsp_prod_pvt);
	rsp->len = PAYLOAD_RTT_CMP;
	memcpy(rsp->data, &cmp, sizeof(cmp));
	b->rsp_prod_pvt++;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(b, notify);
	s->b.notifies += (unsigned int)notify;
	return 1;
}

static void pinger(void *v)
{
	struct xen_st *s = v;

	loop_ping(s, s->cfg, ping_send, ping_recv, ping_arm, ping_arm);
}

static void ponger(void *v)
{
	struct xen_st *s = v;

	loop_pong(s, s->cfg, pong_recv, pong_send, arm_data, arm_data);
}

static struct xen_st *setup(const struct bench_cfg *cfg, struct bench_res *res)
{
	uint32_t bytes = cfg->ring_kib * 1024u;
	struct xen_st *s;

	s = aligned_alloc(64, sizeof(*s));
	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->sring = bench_alloc(bytes);
	SHARED_RING_INIT(s->sring);
	FRONT_RING_INIT(&s->a.front, s->sring, bytes);
	BACK_RING_INIT(&s->b.back, s->sring, bytes);
	if (RING_SIZE(&s->a.front) < 1) {
		free(s);
		return NULL;
	}
	res->ring_bytes = bytes;
	res->max_inflight = RING_SIZE(&s->a.front);
	return s;
}

static void finish(struct xen_st *s, struct bench_res *res)
{
	res->bad = s->a.bad + s->b.bad;
	res->notifies = s->a.notifies + s->b.notifies;
	free(s);
}

static bool run(const struct bench_cfg *cfg, struct bench_res *res)
{
	struct xen_st *s = setup(cfg, res);

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
	struct xen_st *s = setup(cfg, res);

	if (!s)
		return false;
	if (!loop_single(s, cfg, put, get))
		res->failed = true;
	finish(s, res);
	return true;
}

const struct bench_impl bench_xen = {
	.name = "xen_ring",
	.run = run,
	.run_single = run_single,
};
