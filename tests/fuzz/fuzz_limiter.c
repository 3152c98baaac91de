// SPDX-License-Identifier: MIT
/*
 * Limiter harness: any configuration init accepts, then any sequence of
 * calls a hostile frontend can provoke, with the clock jumping forward,
 * standing still or going backwards. After every call the limiter's
 * promises are checked: caps hold, delays stay under their maximum, no
 * counter wraps, a throttled copy really is allowed after the wait it
 * named, response credit pays for exactly what resp_avail says, ring
 * reports count consumption across 2^32, and the stalled flag matches
 * the window just judged.
 */
#include "fuzz.h"

#define NS_PER_SEC 1000000000ull

struct h {
	struct nc2_limiter l;
	uint64_t now;
	uint64_t last_delay;	/* in the current spurious run */
};

static void invariants(const struct h *h)
{
	const struct nc2_limiter *l = &h->l;

	FUZZ_CHECK(l->queue_bytes <= l->cfg.queue_bytes_max);
	FUZZ_CHECK(l->queue_pkts <= l->cfg.queue_pkts_max);
	FUZZ_CHECK(l->resp_credit_x16 <= (uint64_t)l->cfg.resp_burst * 16);
	FUZZ_CHECK(l->copy_tokens <= (int64_t)l->cfg.copy_burst_bytes);
	/* Allowed only while positive, so at most one request below zero. */
	FUZZ_CHECK(l->copy_tokens > -(int64_t)UINT32_MAX);
	FUZZ_CHECK(nc2_limiter_queued(l) == l->queue_bytes);
}

static void copy(struct h *h, uint32_t bytes)
{
	struct nc2_limiter *l = &h->l;
	uint64_t wait = nc2_limiter_charge_copy(l, bytes, h->now), again;

	if (!wait)
		return;
	FUZZ_CHECK(l->copy_tokens <= 0);
	/* The wait is enough to fill the deficit and no more than needed. */
	FUZZ_CHECK(wait <= ((uint64_t)UINT32_MAX * NS_PER_SEC +
			    l->cfg.copy_bytes_per_sec - 1) /
					   l->cfg.copy_bytes_per_sec);
	/* After the clock went backwards, refills wait for it to catch up. */
	if (h->now + wait < h->now || h->now < l->copy_last_ns)
		return;
	again = nc2_limiter_charge_copy(l, 0, h->now + wait);
	FUZZ_CHECK(again == 0);
	h->now += wait;
}

static void event(struct h *h, bool work, uint32_t repeat)
{
	const struct nc2_limiter_config *c = &h->l.cfg;

	while (repeat--) {
		uint32_t run = h->l.spurious_run;
		uint64_t d = nc2_limiter_event(&h->l, work);

		FUZZ_CHECK(d <= c->spurious_delay_max_ns);
		if (work || h->l.spurious_run <= c->spurious_max) {
			FUZZ_CHECK(d == 0);
			h->last_delay = 0;
			continue;
		}
		/* Backoff within a run never shrinks, and starts at the base. */
		if (run == c->spurious_max)
			FUZZ_CHECK(d == c->spurious_delay_ns ||
				   d == c->spurious_delay_max_ns);
		else if (h->l.spurious_run > run)
			FUZZ_CHECK(d >= h->last_delay);
		h->last_delay = d;
	}
}

static void stalled(struct h *h, uint64_t dt)
{
	struct nc2_limiter *l = &h->l;
	uint64_t start = l->window_start_ns, prog = l->window_progress, windows;
	uint64_t ring = l->ring_progress, floor;
	uint32_t q = l->queue_bytes, owed = l->ring_owed;
	uint32_t unconsumed = l->ring_unconsumed;
	bool was = l->stalled, s;

	h->now += dt;
	s = nc2_limiter_stalled(l, h->now);
	FUZZ_CHECK(s == l->stalled);
	if (h->now < start || h->now - start < l->cfg.stall_window_ns) {
		FUZZ_CHECK(s == was && l->window_start_ns == start);
		FUZZ_CHECK(l->ring_progress == ring && l->ring_owed == owed);
		return;
	}
	/*
	 * The time since the window opened was judged: stalled iff what
	 * waited on the ring when it opened was not eaten (up to the floor
	 * per whole window that passed), or data was held off the ring and
	 * less than the floor was eaten or completed.
	 */
	windows = (h->now - start) / l->cfg.stall_window_ns;
	if (windows > UINT32_MAX)
		windows = UINT32_MAX;
	floor = windows * l->cfg.stall_min_bytes;
	FUZZ_CHECK(s == ((ring < owed && ring < floor) ||
			 (q && prog + ring < floor)));
	/* Without ring reports the rule is the old one, on completions. */
	if (!l->ring_seen)
		FUZZ_CHECK(s == (q && prog < floor));
	FUZZ_CHECK(l->window_start_ns == h->now && l->window_progress == 0);
	FUZZ_CHECK(l->ring_progress == 0 && l->ring_owed == unconsumed);
}

/* Report the ring: consumption since the last report is progress. */
static void ring(struct h *h, uint32_t step, uint32_t unconsumed)
{
	struct nc2_limiter *l = &h->l;
	bool seen = l->ring_seen;
	uint64_t before = l->ring_progress;
	uint32_t owed = l->ring_owed, cons = l->ring_cons + step;

	nc2_limiter_ring(l, cons, unconsumed);
	FUZZ_CHECK(l->ring_seen && l->ring_cons == cons &&
		   l->ring_unconsumed == unconsumed);
	if (seen) {
		FUZZ_CHECK(l->ring_progress == before + step);
		FUZZ_CHECK(l->ring_owed == owed);
	} else {
		/* The first report is only the baseline. */
		FUZZ_CHECK(l->ring_progress == before &&
			   l->ring_owed == unconsumed);
	}
}

static void step(struct h *h, struct fin *in)
{
	uint8_t op = fin_u8(in);
	uint32_t v;
	uint64_t before;

	switch (op % 10) {
	case 0:
		before = h->l.resp_credit_x16;
		v = fin_u32(in);
		nc2_limiter_peer_msgs(&h->l, v);
		/* Earning never loses credit, whatever the arithmetic. */
		FUZZ_CHECK(h->l.resp_credit_x16 >= before);
		break;
	case 1: {
		uint32_t avail = nc2_limiter_resp_avail(&h->l);

		before = h->l.resp_credit_x16;
		v = fin_u32(in);
		/* Bit 7: ask for exactly what is available, or one more. */
		if (op & 0x80)
			v = avail + (v & 1);
		FUZZ_CHECK(avail == before / 16);
		if (nc2_limiter_charge_resp(&h->l, v) == 0) {
			FUZZ_CHECK(v <= avail);
			FUZZ_CHECK(before - h->l.resp_credit_x16 ==
				   (uint64_t)v * 16);
		} else {
			FUZZ_CHECK(v > avail);
			FUZZ_CHECK(before == h->l.resp_credit_x16);
		}
		break;
	}
	case 2:
		copy(h, fin_u32(in));
		break;
	case 3:
		event(h, op & 0x80, 1 + (fin_u16(in) & 0x3ff));
		break;
	case 4:
		v = fin_u32(in);
		before = h->l.queue_bytes;
		if (nc2_limiter_queue(&h->l, v) == 0)
			FUZZ_CHECK(h->l.queue_bytes == before + v);
		else
			FUZZ_CHECK(h->l.queue_bytes == before);
		break;
	case 5:
		nc2_limiter_unqueue(&h->l, fin_u32(in));
		break;
	case 6:
		/* Bit 7: a ring report (the step may wrap past 2^32). */
		if (op & 0x80) {
			v = fin_u32(in) >> (fin_u8(in) % 32);
			ring(h, v, fin_u32(in) >> (fin_u8(in) % 32));
		} else {
			nc2_limiter_progress(&h->l, fin_u32(in));
		}
		break;
	case 7:
		stalled(h, fin_u64(in) >> (fin_u8(in) % 64));
		break;
	case 8: /* the clock jumps, maybe backwards */
		if (op & 0x80)
			h->now -= fin_u32(in);
		else
			h->now += fin_u64(in) >> (fin_u8(in) % 64);
		break;
	default:
		h->now += fin_u16(in);
		copy(h, fin_u16(in));
		break;
	}
	invariants(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin in = { data, size };
	struct nc2_limiter_config c;
	struct h h;
	unsigned steps = 0;

	memset(&h, 0, sizeof(h));
	nc2_limiter_config_default(&c);
	/* Each field either keeps its default or takes any value. */
	if (fin_u8(&in) & 1) {
		c.resp_per_msg_x16 = fin_u32(&in);
		c.resp_burst = fin_u32(&in);
		c.copy_bytes_per_sec = fin_u64(&in);
		c.copy_burst_bytes = fin_u32(&in);
		c.spurious_max = fin_u32(&in) >> (fin_u8(&in) % 32);
		c.spurious_delay_ns = fin_u64(&in) >> (fin_u8(&in) % 64);
		c.spurious_delay_max_ns = fin_u64(&in) >> (fin_u8(&in) % 64);
		c.queue_bytes_max = fin_u32(&in);
		c.queue_pkts_max = fin_u32(&in) >> (fin_u8(&in) % 32);
		c.stall_window_ns = fin_u64(&in) >> (fin_u8(&in) % 64);
		c.stall_min_bytes = fin_u32(&in);
	}
	h.now = fin_u64(&in);
	if (nc2_limiter_init(&h.l, &c, h.now))
		return 0;
	invariants(&h);
	while (fin_left(&in) && steps++ < 4096)
		step(&h, &in);
	return 0;
}
