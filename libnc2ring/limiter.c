// SPDX-License-Identifier: MIT
/*
 * The asymmetry limiter. Every budget is in the peer's own currency
 * (messages it sent, time passing, bytes it consumed), so the only way for
 * a frontend to get more out of the backend is to do more itself. Stalls
 * are judged on the ring the peer must consume (its released index), not
 * on FINISHes, which a peer can send without ever freeing ring space.
 */
#include <nc2/limiter.h>

#define NS_PER_SEC 1000000000ull

void nc2_limiter_config_default(struct nc2_limiter_config *cfg)
{
	cfg->resp_per_msg_x16 = 16; /* one response per peer message */
	cfg->resp_burst = 256;
	cfg->copy_bytes_per_sec = 4000ull * 1000 * 1000; /* 32 Gbit/s */
	cfg->copy_burst_bytes = 1u << 20;
	cfg->spurious_max = 64;
	cfg->spurious_delay_ns = 10 * 1000;	       /* 10 us */
	cfg->spurious_delay_max_ns = 10 * 1000 * 1000; /* 10 ms */
	cfg->queue_bytes_max = 4u << 20;
	cfg->queue_pkts_max = 1024;
	cfg->stall_window_ns = 1000ull * 1000 * 1000; /* 1 s */
	cfg->stall_min_bytes = 64u << 10;
}

int nc2_limiter_init(struct nc2_limiter *l,
		     const struct nc2_limiter_config *cfg, uint64_t now_ns)
{
	nc2_memset(l, 0, sizeof(*l));
	if (!cfg || cfg->copy_bytes_per_sec == 0 ||
	    cfg->copy_bytes_per_sec > NC2_LIMITER_MAX_RATE ||
	    cfg->copy_burst_bytes == 0 || cfg->resp_burst == 0 ||
	    cfg->resp_per_msg_x16 == 0 || cfg->stall_window_ns == 0 ||
	    cfg->queue_pkts_max == 0 || cfg->queue_bytes_max == 0 ||
	    cfg->spurious_delay_ns == 0 ||
	    cfg->spurious_delay_max_ns < cfg->spurious_delay_ns)
		return -NC2_E_INVAL;
	l->cfg = *cfg;
	l->resp_credit_x16 = (uint64_t)cfg->resp_burst * 16;
	l->copy_tokens = cfg->copy_burst_bytes;
	l->copy_last_ns = now_ns;
	l->window_start_ns = now_ns;
	return 0;
}

void nc2_limiter_peer_msgs(struct nc2_limiter *l, uint32_t n)
{
	uint64_t cap = (uint64_t)l->cfg.resp_burst * 16;
	uint64_t add = (uint64_t)n * l->cfg.resp_per_msg_x16;

	l->stats.peer_msgs += n;
	/* Saturate: n * rate alone can come within 2^33 of 2^64. */
	if (add > cap - l->resp_credit_x16)
		l->resp_credit_x16 = cap;
	else
		l->resp_credit_x16 += add;
}

int nc2_limiter_charge_resp(struct nc2_limiter *l, uint32_t n)
{
	uint64_t cost = (uint64_t)n * 16;

	if (cost > l->resp_credit_x16) {
		l->stats.resp_denied += n;
		return -NC2_E_AGAIN;
	}
	l->resp_credit_x16 -= cost;
	l->stats.resp_sent += n;
	return 0;
}

uint32_t nc2_limiter_resp_avail(const struct nc2_limiter *l)
{
	/* At most resp_burst * 16, so the quotient fits. */
	return (uint32_t)(l->resp_credit_x16 / 16);
}

static void refill(struct nc2_limiter *l, uint64_t now_ns)
{
	uint64_t dt, earned, full_ns;

	/* A clock going backwards earns nothing rather than a fortune. */
	if (now_ns <= l->copy_last_ns)
		return;
	dt = now_ns - l->copy_last_ns;
	l->copy_last_ns = now_ns;
	/*
	 * Time enough to pay any debt and fill the bucket fills it. Capping
	 * dt instead would repay a deep debt (one request may take up to
	 * 2^32 bytes) at most a second's worth per call, making every wait
	 * charge_copy() names too short. The gap is below 2^33 bytes, so
	 * gap * 1e9 stays below 2^64.
	 */
	full_ns = ((uint64_t)((int64_t)l->cfg.copy_burst_bytes - l->copy_tokens) *
			   NS_PER_SEC +
		   l->cfg.copy_bytes_per_sec - 1) /
		  l->cfg.copy_bytes_per_sec;
	if (dt >= full_ns) {
		l->copy_tokens = l->cfg.copy_burst_bytes;
		l->copy_frac = 0;
		return;
	}
	/*
	 * Keep the sub-byte remainder, or a caller asking every few
	 * nanoseconds at a low rate would never earn a byte. dt < full_ns
	 * keeps dt * rate within gap * 1e9 + rate, below 2^64.
	 */
	earned = dt * l->cfg.copy_bytes_per_sec + l->copy_frac;
	l->copy_frac = earned % NS_PER_SEC;
	l->copy_tokens += (int64_t)(earned / NS_PER_SEC);
	if (l->copy_tokens > (int64_t)l->cfg.copy_burst_bytes)
		l->copy_tokens = l->cfg.copy_burst_bytes;
}

/*
 * A request is allowed while the bucket is positive and may drive it
 * negative, so a packet bigger than the burst still gets through, paid
 * for by the wait that follows.
 */
uint64_t nc2_limiter_charge_copy(struct nc2_limiter *l, uint32_t bytes,
				 uint64_t now_ns)
{
	uint64_t deficit;

	refill(l, now_ns);
	if (l->copy_tokens > 0) {
		l->copy_tokens -= bytes;
		l->stats.copy_bytes += bytes;
		return 0;
	}
	l->stats.copy_throttled++;
	deficit = (uint64_t)(1 - l->copy_tokens);
	return (deficit * NS_PER_SEC + l->cfg.copy_bytes_per_sec - 1) /
	       l->cfg.copy_bytes_per_sec;
}

uint64_t nc2_limiter_event(struct nc2_limiter *l, bool had_work)
{
	uint64_t d, max = l->cfg.spurious_delay_max_ns;
	uint32_t shift;

	l->stats.events++;
	if (had_work) {
		l->spurious_run = 0;
		return 0;
	}
	l->stats.events_spurious++;
	if (++l->spurious_run <= l->cfg.spurious_max)
		return 0;
	l->stats.events_delayed++;
	shift = l->spurious_run - l->cfg.spurious_max - 1;
	d = l->cfg.spurious_delay_ns;
	/*
	 * Double once per event past the limit, in O(1): a loop costs a storm
	 * of n events O(n^2) when d is 0, and d << 1 wraps to 0 past 2^63.
	 */
	if (!d)
		return 0;
	if (d >= max || shift >= 64 || d > (max >> shift))
		return max;
	return d << shift;
}

int nc2_limiter_queue(struct nc2_limiter *l, uint32_t bytes)
{
	if (l->queue_pkts >= l->cfg.queue_pkts_max ||
	    bytes > l->cfg.queue_bytes_max - l->queue_bytes) {
		l->stats.queue_drops++;
		return -NC2_E_AGAIN;
	}
	l->queue_bytes += bytes;
	l->queue_pkts++;
	return 0;
}

void nc2_limiter_unqueue(struct nc2_limiter *l, uint32_t bytes)
{
	l->queue_bytes = bytes > l->queue_bytes ? 0 : l->queue_bytes - bytes;
	if (l->queue_pkts)
		l->queue_pkts--;
}

void nc2_limiter_progress(struct nc2_limiter *l, uint32_t bytes)
{
	l->window_progress += bytes;
}

void nc2_limiter_ring(struct nc2_limiter *l, uint32_t cons,
		      uint32_t unconsumed)
{
	if (l->ring_seen) {
		/* Free-running: the difference is right across 2^32. */
		l->ring_progress += (uint32_t)(cons - l->ring_cons);
	} else {
		l->ring_seen = true;
		l->ring_owed = unconsumed;
	}
	l->ring_cons = cons;
	l->ring_unconsumed = unconsumed;
}

bool nc2_limiter_stalled(struct nc2_limiter *l, uint64_t now_ns)
{
	uint64_t windows, floor;
	bool ring_held, queue_held;

	if (now_ns < l->window_start_ns ||
	    now_ns - l->window_start_ns < l->cfg.stall_window_ns)
		return l->stalled;
	/*
	 * Judge the time just ended, then open the next window. Asked late,
	 * the floor grows with the windows that passed: a peer does not get
	 * several windows for the price of one.
	 */
	windows = (now_ns - l->window_start_ns) / l->cfg.stall_window_ns;
	if (windows > 0xffffffffu)
		windows = 0xffffffffu;
	floor = windows * l->cfg.stall_min_bytes;
	/*
	 * The ring: what was already waiting when the window opened must
	 * have been eaten, up to the floor. Bytes that arrived during the
	 * window are judged in the next one, so a quiet peer is not stalled
	 * by a message pushed just before the judgement.
	 */
	ring_held = l->ring_progress < l->ring_owed &&
		    l->ring_progress < floor;
	/* Data held off the ring: consumption or completions pay for it. */
	queue_held = l->queue_bytes &&
		     l->ring_progress + l->window_progress < floor;
	if (ring_held || queue_held) {
		if (!l->stalled)
			l->stats.stalls++;
		l->stalled = true;
	} else {
		l->stalled = false;
	}
	l->window_start_ns = now_ns;
	l->window_progress = 0;
	l->ring_progress = 0;
	l->ring_owed = l->ring_unconsumed;
	return l->stalled;
}
