/* SPDX-License-Identifier: MIT */
/*
 * nc2/steer.h - the backend's side of the bypass sequence
 * (docs/protocol.md 10.3-10.4), once for every backend.
 *
 * A backend steers each bypass between two of its frontends, A (which
 * grants the rings) and B (which maps them), through these states:
 *
 *   CONNECTING    BYPASS_FRONTEND (+ BYPASS_ADDRS) owed or sent to A
 *   BACKEND_SENT  A's rings forwarded to B in BYPASS_BACKEND (+ ADDRS)
 *   ACTIVE        B answered BYPASS_READY: the guests talk directly
 *   DISABLING     BYPASS_DISABLE sent; waiting for each DISABLED
 *   DETACHING     BYPASS_DETACH sent; waiting for each DETACHED
 *   LINGER        over; an end that missed a deadline may still answer
 *
 * The caller owns the slots (struct nc2_steer) and every frontend's
 * name (a non-zero key of its choosing); it feeds in what its frontends
 * send (nc2_steer_recv), what it decides (nc2_steer_start, _disable),
 * a frontend going away (nc2_steer_gone) and the time (nc2_steer_tick),
 * and does what comes out: send the messages nc2_steer_next hands it,
 * report each result (nc2_steer_sent), publish the status when told,
 * and fail the link of a frontend that broke the sequence. Every rule
 * of 10.2-10.4 a frontend can break is checked here and comes back as
 * -NC2_EP_BYPASS.
 *
 * Deadlines are the backend's, never a frontend's: a bypass that does
 * not come up in connect_ms is torn down; an end that leaves DISABLE or
 * DETACH unanswered for step_ms is let go (the other end goes on), and
 * its late answer is still accepted quietly for linger_ms. No end is
 * ever sent DETACH before it has answered DISABLED, nor DISABLE or
 * DETACH for a bypass it was never told about.
 *
 * Not thread-safe: one caller context (a lock) per table.
 */
#ifndef NC2_STEER_H
#define NC2_STEER_H

#include <nc2/bypass.h>

enum nc2_steer_state {
	NC2_STEER_FREE = 0,
	NC2_STEER_CONNECTING,
	NC2_STEER_BACKEND_SENT,
	NC2_STEER_ACTIVE,
	NC2_STEER_DISABLING,
	NC2_STEER_DETACHING,
	NC2_STEER_LINGER,
};

/* The two ends, as indices and as bits. */
#define NC2_STEER_END_A 0u
#define NC2_STEER_END_B 1u
#define NC2_STEER_BIT(end) (1u << (end))

/* What the caller should look at after a call (nc2_steer_events). */
#define NC2_STEER_EV_STATUS 0x01u  /* nc2_steer_status() changed */
#define NC2_STEER_EV_OVER 0x02u	   /* torn down: drop your references */
#define NC2_STEER_EV_LATE 0x04u	   /* an end missed a deadline (log it) */
#define NC2_STEER_EV_TIMEOUT 0x08u /* it never came up in connect_ms */

/* Default deadlines, in the caller's milliseconds. */
#define NC2_STEER_CONNECT_MS 15000u
#define NC2_STEER_STEP_MS 5000u
#define NC2_STEER_LINGER_MS 60000u

/* A frontend taking part in a bypass, as the backend describes it. */
struct nc2_steer_end {
	uint32_t key;	/* the caller's name for this frontend, non-zero */
	uint16_t domid; /* its domain, for the other end */
	uint8_t mac[6]; /* its guest's MAC, for the other end */
	uint8_t trust;	/* NC2_BYPASS_F_*_TRUSTED the backend gives it */
	struct nc2_bypass_addrs addrs; /* with NC2_BYPASS_F_ADDRS: its own */
};

/* One bypass: caller storage, fields private. */
struct nc2_steer {
	uint32_t handle;
	uint8_t state;	  /* enum nc2_steer_state */
	uint8_t flags;	  /* 0 or NC2_BYPASS_F_ADDRS */
	uint8_t answered; /* ends that answered this step */
	uint8_t told;	  /* ends sent their set-up message */
	uint8_t built;	  /* ends that answered their set-up message */
	uint8_t disabled; /* ends that answered DISABLE */
	uint8_t late;	  /* ends let go at a deadline */
	uint8_t gone;	  /* ends that went away or cannot be reached */
	uint8_t outbox;	  /* messages owed (private bits) */
	uint8_t blocked;  /* ends whose ring was full, until the next tick */
	uint8_t events;	  /* NC2_STEER_EV_* since last taken */
	uint8_t reported; /* ends that reported traffic (nc2_steer_traffic) */
	uint16_t ring_pages;
	uint16_t pad2;
	uint64_t since; /* when this state began (caller's ms) */
	uint64_t packets[2];  /* each end's last reported count */
	uint64_t moved_at[2]; /* when it last grew (or the bypass came up) */
	struct nc2_steer_end end[2];
	/* A's rings (BYPASS_FRONTEND_READY), forwarded to B. */
	uint32_t evtchn;
	uint32_t ctrl_gref;
	uint32_t gref[2 * NC2_BYPASS_MAX_PAGES];
};

/* Every bypass of one backend: caller storage, fields private. */
struct nc2_steer_table {
	struct nc2_steer *slot;
	uint32_t nr;
	uint32_t next_handle;
	uint32_t connect_ms;
	uint32_t step_ms;
	uint32_t linger_ms;
};

/*
 * Use the nr slots at slot (zeroed here) for a table, with the default
 * deadlines; the caller may change the three *_ms fields afterwards.
 */
void nc2_steer_init(struct nc2_steer_table *t, struct nc2_steer *slot,
		    uint32_t nr);

/*
 * Start a bypass between a and b (copied) with ring_pages per ring and
 * flags 0 or NC2_BYPASS_F_ADDRS (nc2_bypass_mode). On success *out is
 * the bypass, in CONNECTING, with BYPASS_FRONTEND to A owed. Errors:
 * -NC2_E_INVAL (bad pages, flags or keys, or F_ADDRS without addresses),
 * -NC2_E_STATE (the pair already has a bypass that is not over),
 * -NC2_E_LIMIT (no free slot).
 */
int nc2_steer_start(struct nc2_steer_table *t, const struct nc2_steer_end *a,
		    const struct nc2_steer_end *b, uint16_t ring_pages,
		    uint8_t flags, uint64_t now, struct nc2_steer **out);

/*
 * Begin tearing s down (no-op once it is). Ends told about it are owed
 * BYPASS_DISABLE; ends never told, or gone, count as answered.
 */
void nc2_steer_disable(struct nc2_steer_table *t, struct nc2_steer *s,
		       uint64_t now);

/* nc2_steer_recv's successes. */
#define NC2_STEER_OK 0	 /* taken: see *out's events and next() */
#define NC2_STEER_LATE 1 /* a late or crossing answer, dropped quietly */
#define NC2_STEER_HINT 2 /* SUGGEST_BYPASS: a hint, no permission */

/*
 * A bypass message m (decoded by nc2_bypass_decode) from the frontend
 * key. *out is the bypass concerned, or NULL. -NC2_EP_BYPASS if the
 * frontend broke the sequence: a handle it was not asked about, a step
 * out of order or repeated, a ring_pages other than requested. The
 * caller then fails that frontend's link and calls nc2_steer_gone.
 */
int nc2_steer_recv(struct nc2_steer_table *t, uint32_t key,
		   const struct nc2_bypass_msg *m, uint64_t now,
		   struct nc2_steer **out);

/*
 * The next message owed by s into *m, for end *end: 1, or 0 if none
 * can go now. Messages to one end come in protocol order; an end whose
 * ring was full waits for nc2_steer_tick. Report each with _sent.
 */
int nc2_steer_next(struct nc2_steer *s, unsigned int *end,
		   struct nc2_bypass_msg *m);

/*
 * The result of sending what nc2_steer_next gave: 0 (sent), -NC2_E_AGAIN
 * (ring full: tried again after the next tick) or any other error (the
 * end cannot be reached: it counts as gone for this bypass).
 */
void nc2_steer_sent(struct nc2_steer_table *t, struct nc2_steer *s,
		    unsigned int end, int err, uint64_t now);

/*
 * Frontend key went away (or its link failed): every bypass it is in
 * goes on without it; one not yet up is torn down.
 */
void nc2_steer_gone(struct nc2_steer_table *t, uint32_t key, uint64_t now);

/*
 * Apply the deadlines at time now and let blocked ends be tried again.
 * Returns the number of bypasses that still wait on a deadline (call
 * again within a few hundred ms while it is non-zero).
 */
uint32_t nc2_steer_tick(struct nc2_steer_table *t, uint64_t now);

/*
 * Frontend key reports (nc2/traffic.h) that bypass handle has carried
 * packets since it came up: note when that count last grew. Reports
 * for other frontends' bypasses, or bypasses not ACTIVE, are ignored.
 */
void nc2_steer_traffic(struct nc2_steer_table *t, uint32_t key,
		       uint32_t handle, uint64_t packets, uint64_t now);

/*
 * True if s is ACTIVE and an end that reports has seen no new traffic
 * for idle_ms: the bypass is idle (an honest end's word is enough; an
 * end that never reports cannot make it look idle, nor keep it busy
 * against the other's word).
 */
bool nc2_steer_idle(const struct nc2_steer *s, uint64_t now,
		    uint32_t idle_ms);

/*
 * When s last carried traffic by its ends' reports (the latest of
 * them; when it came up if none grew), in the caller's ms; 0 if it is
 * not ACTIVE.
 */
uint64_t nc2_steer_last_traffic(const struct nc2_steer *s);

/* The events of s since last taken (NC2_STEER_EV_*), cleared. */
unsigned int nc2_steer_events(struct nc2_steer *s);

/*
 * What to publish for s: "connecting", "active", "disabling",
 * "detaching" or "disabled" (LINGER and FREE).
 */
const char *nc2_steer_status(const struct nc2_steer *s);

/* The handle of s (0 once its slot is free): for logs and xenstore. */
static inline uint32_t nc2_steer_handle(const struct nc2_steer *s)
{
	return s->handle;
}

/* The key of end (NC2_STEER_END_A/B) of s, 0 once that end has gone. */
static inline uint32_t nc2_steer_key(const struct nc2_steer *s,
				     unsigned int end)
{
	return end < 2 ? s->end[end].key : 0;
}

/* True if s is set up or being set up or torn down (not yet over). */
bool nc2_steer_live(const struct nc2_steer *s);

/* The live bypass of the pair (either order), or NULL. */
struct nc2_steer *nc2_steer_find_pair(struct nc2_steer_table *t,
				      uint32_t key_a, uint32_t key_b);

/*
 * Handles frontend key holds: live bypasses it is in, and lingering ones
 * it still owes an answer for. Compare with its max-bypasses.
 */
uint32_t nc2_steer_count(const struct nc2_steer_table *t, uint32_t key);

#endif /* NC2_STEER_H */
