// SPDX-License-Identifier: MIT
/*
 * Dom0 bypass, backend side: policy and steering. The backend never
 * touches bypass traffic; it only introduces two frontends to each other
 * and later tells them to part:
 *
 *   SETUP     BYPASS_FRONTEND sent to A, waiting for A's rings
 *   OFFERED   BYPASS_BACKEND (A's rings) sent to B, waiting for READY
 *   ACTIVE    traffic A<->B flows on the private ring
 *   DISABLING DISABLE sent to both, waiting for both DISABLED (drained)
 *   DETACHING DETACH sent to both, waiting for both DETACHED
 *
 * Automatic policy: the library's flow meter (nc2/flowmeter.h), one per
 * vif, as in netback2: a guest that sends at least bypass_pps (wire)
 * packets per second to another for bypass_secs seconds gets a bypass
 * with it, up to max_bypasses at once (5, the original netchannel2
 * default), where --bypass-allow lets the pair.
 */
#include <string.h>

#include "back.h"
#include "util.h"

enum { BP_FREE, BP_SETUP, BP_OFFERED, BP_ACTIVE, BP_DISABLING,
       BP_DETACHING };

#define BACK_BYPASSES 16
#define BP_RING_PAGES 8
#define TICKS_PER_SEC 10

struct bp {
	int state;
	uint32_t handle;
	int end[2];		/* vif indices: A (grants), B (maps) */
	uint32_t gen[2];
	bool done[2];		/* this end answered the current step */
};

static struct bp bps[BACK_BYPASSES];
static uint32_t next_handle = 1;

static bool end_alive(const struct bp *p, int k)
{
	const struct vif *v = &B->vif[p->end[k]];

	return v->used && v->gen == p->gen[k] && v->ch.live && !v->failed;
}

static void send(struct bp *p, int k, struct nc2_bypass_msg *m)
{
	struct vif *v = &B->vif[p->end[k]];

	if (!end_alive(p, k))
		return;
	m->handle = p->handle;
	if (nc2_bypass_send(&v->ch.net, m) == 0) {
		v->ch.dirty = true;
		chan_kick(&v->ch);
	} else {
		logi("bypass %u: cannot send %#x to dom%u", p->handle, m->type,
		     v->domid);
	}
}

static int active_count(void)
{
	int n = 0;

	for (int i = 0; i < BACK_BYPASSES; i++)
		n += bps[i].state != BP_FREE;
	return n;
}

int back_bypass_active(void)
{
	return active_count();
}

static struct bp *find_pair(int a, int b)
{
	for (int i = 0; i < BACK_BYPASSES; i++)
		if (bps[i].state != BP_FREE &&
		    ((bps[i].end[0] == a && bps[i].end[1] == b) ||
		     (bps[i].end[0] == b && bps[i].end[1] == a)))
			return &bps[i];
	return NULL;
}

void back_bypass_setup(int a, int b)
{
	struct nc2_bypass_msg m;
	struct bp *p = NULL;

	if (a == b || find_pair(a, b) || active_count() >= B->max_bypasses)
		return;
	if (!nc2_policy_pair_allowed(&B->bp_policy, B->vif[a].domid,
				     &B->bp_policy, B->vif[b].domid))
		return;
	for (int i = 0; i < BACK_BYPASSES && !p; i++)
		if (bps[i].state == BP_FREE)
			p = &bps[i];
	if (!p)
		return;
	memset(p, 0, sizeof(*p));
	p->handle = next_handle++;
	p->end[0] = a;
	p->end[1] = b;
	p->gen[0] = B->vif[a].gen;
	p->gen[1] = B->vif[b].gen;
	p->state = BP_SETUP;
	memset(&m, 0, sizeof(m));
	m.type = NC2_MSG_BYPASS_FRONTEND;
	m.peer_domid = B->vif[b].domid;
	memcpy(m.mac, B->vif[b].mac, 6);
	m.ring_pages = BP_RING_PAGES;
	logi("bypass %u: offering dom%u <-> dom%u", p->handle,
	     B->vif[a].domid, B->vif[b].domid);
	send(p, 0, &m);
}

static void step(struct bp *p, int state, uint8_t type)
{
	struct nc2_bypass_msg m;

	p->state = state;
	p->done[0] = !end_alive(p, 0);
	p->done[1] = !end_alive(p, 1);
	memset(&m, 0, sizeof(m));
	m.type = type;
	send(p, 0, &m);
	send(p, 1, &m);
}

static void teardown(struct bp *p)
{
	if (p->state == BP_FREE || p->state >= BP_DISABLING)
		return;
	logi("bypass %u: tearing down", p->handle);
	step(p, BP_DISABLING, NC2_MSG_BYPASS_DISABLE);
}

/* Advance DISABLING/DETACHING once both ends answered (or died). */
static void progress(struct bp *p)
{
	for (int k = 0; k < 2; k++)
		if (!end_alive(p, k))
			p->done[k] = true;
	if (!p->done[0] || !p->done[1])
		return;
	if (p->state == BP_DISABLING) {
		step(p, BP_DETACHING, NC2_MSG_BYPASS_DETACH);
		progress(p);
	} else if (p->state == BP_DETACHING) {
		logi("bypass %u: gone", p->handle);
		p->state = BP_FREE;
	}
}

void back_bypass_teardown_all(void)
{
	for (int i = 0; i < BACK_BYPASSES; i++)
		teardown(&bps[i]);
}

void back_bypass_vif_gone(int idx)
{
	for (int i = 0; i < BACK_BYPASSES; i++) {
		struct bp *p = &bps[i];

		if (p->state == BP_FREE ||
		    (p->end[0] != idx && p->end[1] != idx))
			continue;
		if (p->state < BP_DISABLING)
			teardown(p);
		progress(p);
	}
}

void back_bypass_meter_start(int idx)
{
	const struct nc2_flowmeter_config c = {
		.min_pps = B->bypass_pps,
		.ticks_per_sec = TICKS_PER_SEC,
		.hot_ticks = (B->bypass_secs ? B->bypass_secs : 1) *
			     TICKS_PER_SEC,
	};

	/* A zero --bypass-pps leaves the meter off. */
	nc2_flowmeter_init(&B->vif[idx].meter, &c);
}

void back_bypass_frame(int src, const uint8_t *frame, size_t len,
		       uint32_t total_len)
{
	/* We route nothing: no frame is for our own MAC. */
	static const uint8_t none[6];

	if (src >= 0)
		nc2_flowmeter_frame(&B->vif[src].meter, frame, len, total_len,
				    none);
}

/* The guest a hot destination MAC belongs to, or -1. */
static int vif_by_mac(const struct nc2_flow_key *k)
{
	if (k->kind != NC2_FLOW_MAC)
		return -1;
	for (int i = 0; i < BACK_VIFS; i++)
		if (B->vif[i].used && !memcmp(B->vif[i].mac, k->addr, 6))
			return i;
	return -1;
}

void back_bypass_tick(void)
{
	struct nc2_flow_key hot[NC2_FLOWMETER_SLOTS];

	for (int i = 0; i < BACK_BYPASSES; i++)
		if (bps[i].state >= BP_DISABLING)
			progress(&bps[i]);
	for (int a = 0; a < BACK_VIFS; a++) {
		unsigned int n;

		if (!B->vif[a].used)
			continue;
		n = nc2_flowmeter_tick(&B->vif[a].meter, hot, NC2_FLOWMETER_SLOTS);
		for (unsigned int k = 0; k < n; k++) {
			int b = vif_by_mac(&hot[k]);

			if (B->bypass_mode == BYPASS_AUTO && b >= 0)
				back_bypass_setup(a, b);
		}
	}
}

static struct bp *by_handle(uint32_t h, int idx, int *k)
{
	for (int i = 0; i < BACK_BYPASSES; i++) {
		struct bp *p = &bps[i];

		if (p->state == BP_FREE || p->handle != h)
			continue;
		for (*k = 0; *k < 2; (*k)++)
			if (p->end[*k] == idx && end_alive(p, *k))
				return p;
	}
	return NULL;
}

int back_bypass_msg(struct vif *v, const struct nc2_msg *msg)
{
	struct nc2_bypass_msg m;
	struct bp *p;
	int k, err = nc2_bypass_decode(NC2_ROLE_BACKEND, msg, &m);

	if (err)
		return err;
	if (m.type == NC2_MSG_SUGGEST_BYPASS) {
		int d = sw_lookup(m.mac);

		if (B->bypass_mode != BYPASS_OFF && d >= 0)
			back_bypass_setup(vif_index(v), d);
		return 0;
	}
	p = by_handle(m.handle, vif_index(v), &k);
	if (!p)
		return 0; /* stale: a bypass we already gave up on */
	switch (m.type) {
	case NC2_MSG_BYPASS_FRONTEND_READY:
		if (p->state != BP_SETUP || k != 0)
			return -NC2_EP_BYPASS;
		m.type = NC2_MSG_BYPASS_BACKEND;
		m.peer_domid = v->domid;
		memcpy(m.mac, v->mac, 6);
		p->state = BP_OFFERED;
		send(p, 1, &m);
		break;
	case NC2_MSG_BYPASS_READY:
		if (p->state != BP_OFFERED || k != 1)
			return -NC2_EP_BYPASS;
		p->state = BP_ACTIVE;
		logi("bypass %u: active, dom%u <-> dom%u off our path",
		     p->handle, B->vif[p->end[0]].domid, v->domid);
		break;
	case NC2_MSG_BYPASS_DISABLED:
	case NC2_MSG_BYPASS_DETACHED:
		if ((m.type == NC2_MSG_BYPASS_DISABLED) !=
		    (p->state == BP_DISABLING))
			return 0;
		p->done[k] = true;
		progress(p);
		break;
	default:
		break;
	}
	return 0;
}
