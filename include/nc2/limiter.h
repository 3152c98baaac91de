/* SPDX-License-Identifier: MIT */
/*
 * nc2/limiter.h - the asymmetry limiter: a backend's defence against a
 * frontend that tries to make it work harder than the frontend does.
 *
 * One limiter per frontend. The backend asks it before doing work the
 * frontend caused and reports what the frontend itself did; the limiter
 * answers with a verdict and keeps counters. It holds no clock and no
 * lock: callers pass the time in nanoseconds and serialise calls.
 *
 *   responses  earned per message the frontend sends, spent per message
 *              the backend emits that the frontend asked for
 *   copy       a token bucket of bytes the backend copies per second
 *   events     events that bring no work are tolerated up to a count,
 *              then delayed, doubling each time (XSA-332/391)
 *   memory     bytes and packets held for the frontend are capped, and a
 *              frontend whose consumption over a whole window falls below
 *              a floor is declared stalled, however it dribbles (XSA-392);
 *              consumption is judged on the send ring itself (what the
 *              frontend released), so FINISHing without releasing ring
 *              space, or not consuming at all, is a stall
 *
 * FINISHes are responses too: nc2/finq.h sends them as the response
 * credit allows and charges exactly what went out.
 *
 * docs/protocol.md section "Asymmetry limiter" states the threat model.
 */
#ifndef NC2_LIMITER_H
#define NC2_LIMITER_H

#include <nc2/error.h>

struct nc2_limiter_config {
	uint32_t resp_per_msg_x16;   /* responses earned per peer msg, /16 */
	uint32_t resp_burst;	     /* most responses banked */
	uint64_t copy_bytes_per_sec; /* 1 .. NC2_LIMITER_MAX_RATE */
	uint32_t copy_burst_bytes;   /* bucket depth */
	uint32_t spurious_max;	     /* spurious events in a row tolerated */
	uint64_t spurious_delay_ns;  /* first delay after that */
	uint64_t spurious_delay_max_ns;
	uint32_t queue_bytes_max; /* bytes held for the peer */
	uint32_t queue_pkts_max;  /* packets held for the peer */
	uint64_t stall_window_ns; /* progress is judged per window */
	uint32_t stall_min_bytes; /* less consumed in a window: stalled */
};

#define NC2_LIMITER_MAX_RATE (16ull * 1000 * 1000 * 1000)

struct nc2_limiter_stats {
	uint64_t peer_msgs;	  /* messages the peer sent us */
	uint64_t resp_sent;	  /* responses allowed */
	uint64_t resp_denied;	  /* responses refused */
	uint64_t copy_bytes;	  /* bytes allowed to copy */
	uint64_t copy_throttled;  /* copy requests told to wait */
	uint64_t events;	  /* events handled */
	uint64_t events_spurious; /* of which brought no work */
	uint64_t events_delayed;  /* of which were delayed */
	uint64_t queue_drops;	  /* enqueue refused at the cap */
	uint64_t stalls;	  /* windows judged stalled */
};

/* Fields are private to the library. */
struct nc2_limiter {
	struct nc2_limiter_config cfg;
	uint64_t resp_credit_x16;
	int64_t copy_tokens;
	uint64_t copy_last_ns;
	uint64_t copy_frac; /* earned fractions of a byte, in ns*bytes/s */
	uint32_t spurious_run;
	uint32_t queue_bytes;
	uint32_t queue_pkts;
	uint64_t window_start_ns;
	uint64_t window_progress; /* bytes completed (progress) this window */
	uint64_t ring_progress;	  /* ring bytes consumed this window */
	uint32_t ring_cons;	  /* the peer's cons at the last report */
	uint32_t ring_unconsumed; /* unconsumed bytes at the last report */
	uint32_t ring_owed;	  /* unconsumed when the window opened */
	bool ring_seen;		  /* nc2_limiter_ring() called once */
	bool stalled;
	struct nc2_limiter_stats stats;
};

/* Conservative defaults for one frontend of a busy backend. */
void nc2_limiter_config_default(struct nc2_limiter_config *cfg);

/* Start a limiter at time now. -NC2_E_INVAL if cfg is out of range. */
int nc2_limiter_init(struct nc2_limiter *l,
		     const struct nc2_limiter_config *cfg, uint64_t now_ns);

/* The peer sent n messages: they earn response credit. */
void nc2_limiter_peer_msgs(struct nc2_limiter *l, uint32_t n);

/* Spend credit for n responses: 0 if allowed, -NC2_E_AGAIN if not. */
int nc2_limiter_charge_resp(struct nc2_limiter *l, uint32_t n);

/*
 * Whole responses the credit pays for now: nc2_limiter_charge_resp() of
 * up to this many succeeds. Asking neither charges nor counts anything.
 */
uint32_t nc2_limiter_resp_avail(const struct nc2_limiter *l);

/*
 * Ask to copy bytes for the peer: 0 if allowed now (charged), otherwise
 * the nanoseconds to wait before asking again.
 */
uint64_t nc2_limiter_charge_copy(struct nc2_limiter *l, uint32_t bytes,
				 uint64_t now_ns);

/*
 * An event arrived and brought work (had_work) or not: the nanoseconds to
 * wait before accepting the next event, 0 for at once.
 */
uint64_t nc2_limiter_event(struct nc2_limiter *l, bool had_work);

/* Hold bytes more for the peer: 0, or -NC2_E_AGAIN if over a cap (drop). */
int nc2_limiter_queue(struct nc2_limiter *l, uint32_t bytes);

/* bytes held for the peer were released (consumed or dropped). */
void nc2_limiter_unqueue(struct nc2_limiter *l, uint32_t bytes);

/*
 * The peer completed (FINISHed) bytes of what we sent it. Counts as
 * progress on the data held in the queue only, never on the ring: a peer
 * that FINISHes without consuming its ring is still stalled once the
 * ring is reported (nc2_limiter_ring).
 */
void nc2_limiter_progress(struct nc2_limiter *l, uint32_t bytes);

/*
 * Report our send ring: cons is the peer's consumer index (free-running,
 * nc2_link_tx_consumed), unconsumed the bytes it has not consumed yet
 * (nc2_link_tx_unconsumed). Ring consumption since the last call counts
 * as progress; unconsumed bytes count as data held for the peer. The
 * first call only sets the baseline. Report just before each
 * nc2_limiter_stalled(), with indices the link validated.
 */
void nc2_limiter_ring(struct nc2_limiter *l, uint32_t cons,
		      uint32_t unconsumed);

/*
 * Judge the time since the last judgement, once a whole window has
 * passed (W windows, floor = W x stall_min_bytes): the peer is stalled if
 *   - bytes were waiting for it on the ring when the window opened and
 *     it consumed less than the floor and less than those bytes, or
 *   - we hold data for it (nc2_limiter_queue) and its ring consumption
 *     plus completed bytes stay below the floor.
 * A peer that never had the ring reported is judged on the second rule
 * alone, with completed bytes as its progress. Sticky until a later
 * judgement clears it; before a window has passed, the last verdict.
 */
bool nc2_limiter_stalled(struct nc2_limiter *l, uint64_t now_ns);

/* Bytes currently held for the peer. */
static inline uint32_t nc2_limiter_queued(const struct nc2_limiter *l)
{
	return l->queue_bytes;
}

/* What the limiter has counted so far. */
static inline const struct nc2_limiter_stats *
nc2_limiter_get_stats(const struct nc2_limiter *l)
{
	return &l->stats;
}

#endif /* NC2_LIMITER_H */
