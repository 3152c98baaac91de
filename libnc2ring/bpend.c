// SPDX-License-Identifier: MIT
/*
 * A frontend's bypass sequence (nc2/bpend.h): which backend message is
 * allowed in which state, what each end owes, and when a bypass being
 * disabled has drained.
 */
#include <nc2/bpend.h>

void nc2_bpend_init(struct nc2_bpend_table *t, struct nc2_bpend *slot,
		    uint32_t nr)
{
	nc2_memset(slot, 0, sizeof(*slot) * nr);
	t->slot = slot;
	t->nr = nr;
	t->stall_ms = NC2_BPEND_STALL_MS;
}

/* Live: the backend may still name the handle (RELEASED is answered). */
static bool live(const struct nc2_bpend *e)
{
	return e->state != NC2_BPEND_FREE && e->state != NC2_BPEND_RELEASED;
}

struct nc2_bpend *nc2_bpend_find(struct nc2_bpend_table *t, uint32_t handle)
{
	uint32_t i;

	for (i = 0; i < t->nr; i++)
		if (live(&t->slot[i]) && t->slot[i].handle == handle)
			return &t->slot[i];
	return NULL;
}

static int recv_setup(struct nc2_bpend_table *t,
		      const struct nc2_bypass_msg *m, struct nc2_bpend **out)
{
	struct nc2_bpend *e = NULL;
	uint32_t i;

	if (nc2_bpend_find(t, m->handle))
		return -NC2_EP_BYPASS;
	/* A RELEASED slot still owes DETACHED: not free yet. */
	for (i = 0; i < t->nr && !e; i++)
		if (t->slot[i].state == NC2_BPEND_FREE)
			e = &t->slot[i];
	if (!e)
		return -NC2_EP_BYPASS;
	nc2_memset(e, 0, sizeof(*e));
	e->handle = m->handle;
	e->state = NC2_BPEND_BUILD;
	e->role = m->type == NC2_MSG_BYPASS_FRONTEND ? NC2_BPEND_A :
						       NC2_BPEND_B;
	e->flags = m->flags;
	e->peer_domid = m->peer_domid;
	nc2_memcpy(e->peer_mac, m->mac, 6);
	e->ring_pages = m->ring_pages;
	if (e->role == NC2_BPEND_B) {
		e->evtchn = m->evtchn;
		e->ctrl_gref = m->ctrl_gref;
		for (i = 0; i < 2u * m->ring_pages &&
			    i < 2u * NC2_BYPASS_MAX_PAGES; i++)
			e->gref[i] = m->gref[i];
	}
	*out = e;
	return 0;
}

int nc2_bpend_recv(struct nc2_bpend_table *t, const struct nc2_bypass_msg *m,
		   struct nc2_bpend **out)
{
	struct nc2_bpend *e;
	uint32_t i;

	*out = NULL;
	if (nc2_bypass_allowed(NC2_ROLE_FRONTEND, m->type))
		return -NC2_EP_BYPASS;
	for (i = 0; i < t->nr; i++)
		if (t->slot[i].state == NC2_BPEND_BUILD)
			return -NC2_E_STATE;
	if (m->type == NC2_MSG_BYPASS_FRONTEND ||
	    m->type == NC2_MSG_BYPASS_BACKEND)
		return recv_setup(t, m, out);
	e = nc2_bpend_find(t, m->handle);
	if (!e)
		return -NC2_EP_BYPASS;
	switch (m->type) {
	case NC2_MSG_BYPASS_ADDRS:
		if (!(e->flags & NC2_BYPASS_F_ADDRS) || e->addrs_set ||
		    (e->state != NC2_BPEND_UP && e->state != NC2_BPEND_FAILED))
			return -NC2_EP_BYPASS;
		e->addrs = m->addrs;
		e->addrs_set = 1;
		break;
	case NC2_MSG_BYPASS_DISABLE:
		if (e->state == NC2_BPEND_FAILED) {
			/* Nothing more goes over it: drained as it stands. */
			e->state = NC2_BPEND_DISABLED;
			e->owed = 1;
		} else if (e->state == NC2_BPEND_UP) {
			e->state = NC2_BPEND_DRAINING;
			e->owed = 0;
			e->progress = ~0ull;
		} else {
			return -NC2_EP_BYPASS;
		}
		break;
	case NC2_MSG_BYPASS_DETACH:
		/* 10.4: only after our BYPASS_DISABLED went out. */
		if (e->state != NC2_BPEND_DISABLED || e->owed)
			return -NC2_EP_BYPASS;
		e->state = NC2_BPEND_RELEASE;
		break;
	default:
		return -NC2_EP_BYPASS;
	}
	*out = e;
	return 0;
}

void nc2_bpend_granted(struct nc2_bpend *e, uint32_t evtchn,
		       uint32_t ctrl_gref, const uint32_t *gref)
{
	uint32_t i;

	if (e->state != NC2_BPEND_BUILD || e->role != NC2_BPEND_A)
		return;
	e->evtchn = evtchn;
	e->ctrl_gref = ctrl_gref;
	for (i = 0; i < 2u * e->ring_pages; i++)
		e->gref[i] = gref[i];
	e->state = NC2_BPEND_UP;
	e->owed = 1;
}

void nc2_bpend_mapped(struct nc2_bpend *e)
{
	if (e->state != NC2_BPEND_BUILD || e->role != NC2_BPEND_B)
		return;
	e->state = NC2_BPEND_UP;
	e->owed = 1;
}

void nc2_bpend_failed(struct nc2_bpend *e)
{
	if (e->state == NC2_BPEND_BUILD) {
		e->state = NC2_BPEND_FAILED;
		e->owed = 0;
	} else if (e->state == NC2_BPEND_UP) {
		/* Its link failed; a set-up answer may still be owed. */
		e->state = NC2_BPEND_FAILED;
	}
}

int nc2_bpend_drain(struct nc2_bpend_table *t, struct nc2_bpend *e,
		    struct nc2_link *l, uint64_t now)
{
	uint64_t owed;
	int st;

	if (e->state != NC2_BPEND_DRAINING)
		return e->state == NC2_BPEND_DISABLED;
	if (l) {
		st = nc2_link_state(l);
		if (st == NC2_LINK_CLOSED || st == NC2_LINK_ERROR) {
			owed = 0;
		} else {
			owed = (uint64_t)nc2_link_tx_unconsumed(l) << 32 |
			       nc2_link_ids_inflight(l);
			/* The check above may have failed the link. */
			if (nc2_link_error(l))
				owed = 0;
		}
		if (owed) {
			if (e->progress == ~0ull)
				e->drain_at = now;
			/* Progress is a new low of what is owed, not a change:
			 * our own FINISHes add to it while the peer drains. */
			if (owed < e->progress) {
				e->progress = owed;
				e->progress_at = now;
			}
			if (now - e->progress_at < t->stall_ms &&
			    now - e->drain_at <
				    (uint64_t)t->stall_ms * NC2_BPEND_DRAIN_WINDOWS)
				return 0;
			e->stalled = 1;
		}
	}
	e->state = NC2_BPEND_DISABLED;
	e->owed = 1;
	return 1;
}

int nc2_bpend_gate(struct nc2_bpend_table *t, struct nc2_bpend *e,
		   struct nc2_link *parent, uint64_t now)
{
	uint32_t left;

	if (e->state != NC2_BPEND_UP)
		return 0;
	if (e->gate == 2)
		return 1;
	/* Reads the backend's index once and checks it (or fails the link). */
	left = nc2_link_tx_unconsumed(parent);
	if (!e->gate) {
		e->gate = 1;
		e->gate_mark = nc2_link_tx_consumed(parent) + left;
		e->gate_ids = nc2_link_ids_mark(parent);
		e->gate_at = now;
	}
	if (((int32_t)(nc2_link_tx_consumed(parent) - e->gate_mark) >= 0 &&
	     nc2_link_ids_done_since(parent, e->gate_ids)) ||
	    nc2_link_error(parent) || now - e->gate_at >= t->stall_ms) {
		e->gate = 2;
		return 1;
	}
	return 0;
}

void nc2_bpend_released(struct nc2_bpend *e)
{
	if (e->state != NC2_BPEND_RELEASE)
		return;
	e->state = NC2_BPEND_RELEASED;
	e->owed = 1;
}

int nc2_bpend_next(const struct nc2_bpend *e, struct nc2_bypass_msg *m)
{
	uint32_t i;

	if (!e->owed)
		return 0;
	nc2_memset(m, 0, sizeof(*m));
	m->handle = e->handle;
	switch (e->state) {
	case NC2_BPEND_UP:
	case NC2_BPEND_FAILED: /* built, then its link failed: still owed */
		if (e->role == NC2_BPEND_B) {
			m->type = NC2_MSG_BYPASS_READY;
			break;
		}
		m->type = NC2_MSG_BYPASS_FRONTEND_READY;
		m->ring_pages = e->ring_pages;
		m->evtchn = e->evtchn;
		m->ctrl_gref = e->ctrl_gref;
		for (i = 0; i < 2u * e->ring_pages; i++)
			m->gref[i] = e->gref[i];
		break;
	case NC2_BPEND_DISABLED:
		m->type = NC2_MSG_BYPASS_DISABLED;
		break;
	case NC2_BPEND_RELEASED:
		m->type = NC2_MSG_BYPASS_DETACHED;
		break;
	default:
		return 0;
	}
	return 1;
}

void nc2_bpend_sent(struct nc2_bpend *e, int err)
{
	if (err == -NC2_E_AGAIN || !e->owed)
		return;
	e->owed = 0;
	if (e->state == NC2_BPEND_RELEASED)
		nc2_memset(e, 0, sizeof(*e));
}

enum nc2_bpend_route nc2_bpend_route(const struct nc2_bpend *e, bool link_up)
{
	switch (e->state) {
	case NC2_BPEND_UP:
		if (!link_up)
			return NC2_BPEND_PARENT;
		return e->gate == 2 ? NC2_BPEND_BYPASS : NC2_BPEND_HOLD;
	case NC2_BPEND_DRAINING:
		return NC2_BPEND_HOLD;
	case NC2_BPEND_DISABLED:
		/* Until DISABLED is out, nothing may overtake it. */
		return e->owed ? NC2_BPEND_HOLD : NC2_BPEND_PARENT;
	default:
		return NC2_BPEND_PARENT;
	}
}

void nc2_bpend_reset(struct nc2_bpend_table *t)
{
	nc2_memset(t->slot, 0, sizeof(*t->slot) * t->nr);
}
