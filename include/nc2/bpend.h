/* SPDX-License-Identifier: MIT */
/*
 * nc2/bpend.h - a frontend's side of the bypass sequence
 * (docs/protocol.md 10.3-10.5), once for every frontend.
 *
 * Each bypass this frontend is an end of goes through:
 *
 *   BUILD      BYPASS_FRONTEND (we are A: grant rings) or BYPASS_BACKEND
 *              (we are B: map A's) received; the driver builds, then
 *              reports with nc2_bpend_granted (A), nc2_bpend_mapped (B)
 *              or nc2_bpend_failed
 *   UP         answer owed or sent; packets for the peer take the bypass
 *              once its link is up
 *   FAILED     could not be built, or its link failed: nothing more on
 *              it; packets for the peer take the parent ring
 *   DRAINING   BYPASS_DISABLE received: packets for the peer are held
 *              until the bypass is drained (nc2_bpend_drain)
 *   DISABLED   drained; BYPASS_DISABLED owed or sent; the parent ring
 *              carries the peer's packets again, the held ones first
 *   RELEASE    BYPASS_DETACH received: the driver unmaps or revokes and
 *              frees, then calls nc2_bpend_released
 *   RELEASED   BYPASS_DETACHED owed; the slot is free once it is sent
 *
 * Every rule of 10.2 the backend can break is checked here and comes
 * back as -NC2_EP_BYPASS (the driver fails the parent link): a set-up
 * message for a handle that is live, or beyond the table; DISABLE,
 * DETACH or ADDRS for a handle that is not; DETACH before our DISABLED
 * went out; DISABLE twice; ADDRS without the flag, or twice.
 *
 * "Drained" (10.4) is a fact about the bypass link, never a timeout:
 * nothing we sent on it is unconsumed and no id is in flight; or the
 * link is closed or failed (nothing more can arrive); or the peer is
 * stalled: no new low of what it owes us for stall_ms, or still owing
 * after NC2_BPEND_DRAIN_WINDOWS x stall_ms (it dribbles). What a stalled
 * peer holds is lost either way; an honest one drains in milliseconds.
 *
 * Not thread-safe: one caller context (a lock) per table; the caller
 * feeds each message only after acting on the previous one.
 */
#ifndef NC2_BPEND_H
#define NC2_BPEND_H

#include <nc2/bypass.h>
#include <nc2/link.h>

enum nc2_bpend_state {
	NC2_BPEND_FREE = 0,
	NC2_BPEND_BUILD,
	NC2_BPEND_UP,
	NC2_BPEND_FAILED,
	NC2_BPEND_DRAINING,
	NC2_BPEND_DISABLED,
	NC2_BPEND_RELEASE,
	NC2_BPEND_RELEASED,
};

/* Which end we are. */
#define NC2_BPEND_A 0u /* granter */
#define NC2_BPEND_B 1u /* mapper */

/* Where a packet for the peer goes (nc2_bpend_route). */
enum nc2_bpend_route {
	NC2_BPEND_PARENT = 0,
	NC2_BPEND_BYPASS,
	NC2_BPEND_HOLD,
};

/*
 * Default: no progress for this long while owed it is a stall. A peer
 * that dribbles (a little progress now and then) is judged stalled once
 * the drain has taken NC2_BPEND_DRAIN_WINDOWS such windows.
 */
#define NC2_BPEND_STALL_MS 2000u
#define NC2_BPEND_DRAIN_WINDOWS 16u

/*
 * One bypass end. The driver may read handle, role, peer_domid,
 * peer_mac, flags, ring_pages, the rings (B: what to map) and addrs
 * (valid once addrs_set); the rest is private.
 */
struct nc2_bpend {
	uint32_t handle;
	uint8_t state;	   /* enum nc2_bpend_state */
	uint8_t role;	   /* NC2_BPEND_A or NC2_BPEND_B */
	uint8_t flags;	   /* NC2_BYPASS_F_* as the backend sent them */
	uint8_t addrs_set; /* BYPASS_ADDRS arrived */
	uint8_t owed;	   /* the answer of this state is still to send */
	uint8_t stalled;   /* drained because the peer stalled */
	uint8_t pad;
	uint8_t gate;	   /* switch onto the bypass: 0, armed 1, open 2 */
	uint16_t peer_domid;
	uint8_t peer_mac[6];
	uint16_t ring_pages;
	uint32_t evtchn;
	uint32_t ctrl_gref;
	uint32_t gref[2 * NC2_BYPASS_MAX_PAGES];
	struct nc2_bypass_addrs addrs;
	uint64_t progress;    /* the least owed so far while draining */
	uint64_t progress_at; /* when it was reached (caller's ms) */
	uint64_t drain_at;    /* when the drain was first checked */
	uint32_t gate_mark;   /* parent send position when the gate armed */
	uint32_t gate_ids;    /* parent ids taken by then (nc2_link_ids_mark) */
	uint64_t gate_at;     /* when it armed */
};

/* All bypass ends of one frontend: caller storage, fields private. */
struct nc2_bpend_table {
	struct nc2_bpend *slot;
	uint32_t nr;
	uint32_t stall_ms;
};

/*
 * Use the nr slots at slot (zeroed here) as the table; nr is what this
 * frontend supports at once (at least NC2_BYPASS_MAX_PER_END: a backend
 * may ask for that many, never more). stall_ms is the default.
 */
void nc2_bpend_init(struct nc2_bpend_table *t, struct nc2_bpend *slot,
		    uint32_t nr);

/*
 * A bypass message m from the backend (decoded by nc2_bypass_decode).
 * 0 and *out, the end concerned, whose state says what to do: BUILD
 * (grant or map, by role), DRAINING (stop steering, hold), DISABLED or
 * UP (send what nc2_bpend_next gives), RELEASE (tear down, then
 * nc2_bpend_released); ADDRS leaves the state and sets addrs.
 * -NC2_EP_BYPASS if the backend broke 10.2 (*out NULL); -NC2_E_STATE if
 * the caller fed a message while an end was still in BUILD.
 */
int nc2_bpend_recv(struct nc2_bpend_table *t, const struct nc2_bypass_msg *m,
		   struct nc2_bpend **out);

/*
 * End A built and granted its rings: the event channel it allocated
 * for B, the control page's grant and 2 x ring_pages ring grants. UP,
 * BYPASS_FRONTEND_READY owed.
 */
void nc2_bpend_granted(struct nc2_bpend *e, uint32_t evtchn,
		       uint32_t ctrl_gref, const uint32_t *gref);

/* End B mapped A's rings and bound the channel: UP, BYPASS_READY owed. */
void nc2_bpend_mapped(struct nc2_bpend *e);

/*
 * The driver could not build e, or e's link failed: FAILED. Packets for
 * the peer take the parent ring (a peer that broke the bypass is owed no
 * order, and holding them would lose them). A build failure is not
 * answered (10.3 has no refusal): the backend's deadline tears it down;
 * a set-up answer already owed still is. DISABLE is answered at once,
 * DETACH as always.
 */
void nc2_bpend_failed(struct nc2_bpend *e);

/*
 * In DRAINING: whether the bypass link l is drained at time now. l may
 * be NULL: none was built, or the driver has given up on it (its peer
 * is gone); either way nothing more will come back from it. Called under the link's sending context, on each
 * event of the bypass and now and then. 1: drained, e is DISABLED with
 * BYPASS_DISABLED owed (send it, then the held packets on the parent);
 * 0: not yet. e->stalled says whether the peer stalled.
 */
int nc2_bpend_drain(struct nc2_bpend_table *t, struct nc2_bpend *e,
		    struct nc2_link *l, uint64_t now);

/* After RELEASE: the rings are unmapped or revoked. BYPASS_DETACHED owed. */
void nc2_bpend_released(struct nc2_bpend *e);

/* The answer e owes into *m: 1, or 0 if none. Report it with _sent. */
int nc2_bpend_next(const struct nc2_bpend *e, struct nc2_bypass_msg *m);

/*
 * The result of sending it: 0 (sent; a RELEASED slot is free again),
 * -NC2_E_AGAIN (owed still: try again when the parent ring has room),
 * other (the parent link is down: nothing more will be asked).
 */
void nc2_bpend_sent(struct nc2_bpend *e, int err);

/*
 * 10.3 step 5, in order: whether e (UP, its link up) may take the peer's
 * packets now, so that none overtakes one sent on the parent before. The
 * first call arms the gate at the parent's send position; it opens once
 * the parent link's peer (the backend) has consumed everything sent
 * before that and finished every id taken before that (ids taken since
 * do not count), or after stall_ms (a backend that does not move
 * delivers nothing sooner). Until then the peer's
 * packets are held; once it returns 1, send them on the bypass, then
 * route there. Called with the parent link's sending context.
 */
int nc2_bpend_gate(struct nc2_bpend_table *t, struct nc2_bpend *e,
		   struct nc2_link *parent, uint64_t now);

/*
 * Where a packet for e's peer goes, given whether e's link is up: the
 * bypass once UP, its link up and the gate open (held while the gate is
 * shut), held while DRAINING and until BYPASS_DISABLED is out, the
 * parent otherwise (FAILED included).
 */
enum nc2_bpend_route nc2_bpend_route(const struct nc2_bpend *e, bool link_up);

/* The live end with this handle, or NULL. */
struct nc2_bpend *nc2_bpend_find(struct nc2_bpend_table *t, uint32_t handle);

/* Forget every end (the parent link went down; resources already freed). */
void nc2_bpend_reset(struct nc2_bpend_table *t);

#endif /* NC2_BPEND_H */
