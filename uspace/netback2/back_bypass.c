// SPDX-License-Identifier: MIT
/*
 * Dom0 bypass, backend side: policy and steering. The backend never
 * touches bypass traffic; it only introduces two frontends to each other
 * and later tells them to part. The sequence itself - which message each
 * end is owed, which answer it may give when, and the deadlines - is
 * libnc2ring's (nc2/steer.h); here are the policy, the sending and the
 * log. A frontend that breaks the sequence gets -NC2_EP_BYPASS back from
 * back_bypass_msg() and is failed like for any protocol error.
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

#define BACK_BYPASSES 16
#define BP_RING_PAGES 8
#define TICKS_PER_SEC 10

/* A vif's key keeps its index in the low bits (see vif_key). */
#define KEY_IDX_BITS 5u
_Static_assert(BACK_VIFS < (1 << KEY_IDX_BITS), "vif index fits the key");

/* Beside slot i of the table: what it was started for, for the log. */
struct bp {
	uint32_t handle;
	uint32_t key[2];	/* A (grants), B (maps), as named to the library */
	uint16_t domid[2];
};

static struct nc2_steer slot[BACK_BYPASSES];
static struct bp bps[BACK_BYPASSES];
static struct nc2_steer_table tab;

static uint64_t now_ms(void)
{
	return now_ns() / 1000000u;
}

/*
 * A vif's name for the library: its index + 1 (never 0) and its
 * generation, so that a vif slot reused by a new connection never
 * answers for the old one's bypasses.
 */
static uint32_t vif_key(const struct vif *v)
{
	return v->gen << KEY_IDX_BITS | (uint32_t)(vif_index(v) + 1);
}

/* The live vif key names, or NULL. */
static struct vif *key_vif(uint32_t key)
{
	int i = (int)(key & ((1u << KEY_IDX_BITS) - 1)) - 1;
	struct vif *v;

	if (i < 0 || i >= BACK_VIFS)
		return NULL;
	v = &B->vif[i];
	if (!v->used || v->failed || !v->ch.live || vif_key(v) != key)
		return NULL;
	return v;
}

void back_bypass_init(void)
{
	nc2_steer_init(&tab, slot, BACK_BYPASSES);
}

/* Send what s owes, to whichever end; a full ring waits for the tick. */
static void pump(struct nc2_steer *s, uint64_t now)
{
	const struct bp *p = &bps[s - slot];
	struct nc2_bypass_msg m;
	unsigned int k;

	while (nc2_steer_next(s, &k, &m)) {
		struct vif *v = key_vif(p->key[k]);
		int err = v ? nc2_bypass_send(&v->ch.net, &m) : -NC2_E_STATE;

		if (err == 0) {
			v->ch.dirty = true;
			chan_kick(&v->ch);
		} else if (err != -NC2_E_AGAIN) {
			logi("bypass %u: cannot send %#x to dom%u: %s",
			     p->handle, m.type, p->domid[k], nc2_strerror(err));
		}
		nc2_steer_sent(&tab, s, k, err, now);
	}
}

/* Log what happened to s since last looked. */
static void report(struct nc2_steer *s)
{
	const struct bp *p = &bps[s - slot];
	unsigned int ev = nc2_steer_events(s);
	const char *st = nc2_steer_status(s);

	if (ev & NC2_STEER_EV_TIMEOUT)
		logi("bypass %u: dom%u <-> dom%u did not come up in time",
		     p->handle, p->domid[0], p->domid[1]);
	if (ev & NC2_STEER_EV_LATE)
		logi("bypass %u: an end did not answer in time, let go",
		     p->handle);
	if ((ev & NC2_STEER_EV_STATUS) && !(ev & NC2_STEER_EV_OVER)) {
		if (!strcmp(st, "active"))
			logi("bypass %u: active, dom%u <-> dom%u off our path",
			     p->handle, p->domid[0], p->domid[1]);
		else if (!strcmp(st, "disabling"))
			logi("bypass %u: tearing down", p->handle);
	}
	if (ev & NC2_STEER_EV_OVER)
		logi("bypass %u: gone", p->handle);
}

/* After anything the library was told: send what is owed, log. */
static void settle(uint64_t now)
{
	for (int i = 0; i < BACK_BYPASSES; i++) {
		pump(&slot[i], now);
		report(&slot[i]);
	}
}

int back_bypass_active(void)
{
	int n = 0;

	for (int i = 0; i < BACK_BYPASSES; i++)
		n += nc2_steer_live(&slot[i]);
	return n;
}

static void describe(struct nc2_steer_end *e, const struct vif *v)
{
	memset(e, 0, sizeof(*e));
	e->key = vif_key(v);
	e->domid = v->domid;
	memcpy(e->mac, v->mac, 6);
	/* Neither trusted: each sends and accepts only the guests' MACs. */
	e->trust = 0;
}

void back_bypass_setup(int a, int b)
{
	struct nc2_steer_end ea, eb;
	struct nc2_steer *s;
	struct vif *va, *vb;
	struct bp *p;
	uint64_t now = now_ms();

	if (a == b || a < 0 || b < 0 || a >= BACK_VIFS || b >= BACK_VIFS)
		return;
	va = key_vif(vif_key(&B->vif[a]));
	vb = key_vif(vif_key(&B->vif[b]));
	if (!va || !vb || back_bypass_active() >= B->max_bypasses)
		return;
	if (!nc2_policy_pair_allowed(&B->bp_policy, va->domid,
				     &B->bp_policy, vb->domid))
		return;
	describe(&ea, va);
	describe(&eb, vb);
	/* A frontend keeps room for so many handles, never more (10.3). */
	if (nc2_steer_count(&tab, ea.key) >= NC2_BYPASS_MAX_PER_END ||
	    nc2_steer_count(&tab, eb.key) >= NC2_BYPASS_MAX_PER_END)
		return;
	/* The pair has one already (-NC2_E_STATE), or no slot is free. */
	if (nc2_steer_start(&tab, &ea, &eb, BP_RING_PAGES, 0, now, &s))
		return;
	p = &bps[s - slot];
	p->handle = nc2_steer_handle(s);
	p->key[0] = ea.key;
	p->key[1] = eb.key;
	p->domid[0] = va->domid;
	p->domid[1] = vb->domid;
	logi("bypass %u: offering dom%u <-> dom%u", p->handle, va->domid,
	     vb->domid);
	settle(now);
}

void back_bypass_teardown_all(void)
{
	uint64_t now = now_ms();

	for (int i = 0; i < BACK_BYPASSES; i++)
		nc2_steer_disable(&tab, &slot[i], now);
	settle(now);
}

/* Vif idx went away or failed (its gen still names the old connection). */
void back_bypass_vif_gone(int idx)
{
	uint64_t now = now_ms();

	nc2_steer_gone(&tab, vif_key(&B->vif[idx]), now);
	settle(now);
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
	uint64_t now = now_ms();

	/* Deadlines, and messages a full ring held back. */
	nc2_steer_tick(&tab, now);
	settle(now);
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

int back_bypass_msg(struct vif *v, const struct nc2_msg *msg)
{
	struct nc2_bypass_msg m;
	struct nc2_steer *s;
	uint64_t now = now_ms();
	int r = nc2_bypass_decode(NC2_ROLE_BACKEND, msg, &m);

	if (r)
		return r;
	r = nc2_steer_recv(&tab, vif_key(v), &m, now, &s);
	if (r == NC2_STEER_HINT) {
		int d = sw_lookup(m.mac);

		if (B->bypass_mode != BYPASS_OFF && d >= 0)
			back_bypass_setup(vif_index(v), d);
		return 0;
	}
	if (r < 0) {
		/* The caller fails v; vif_remove() tells the library. */
		logi("bypass %u: dom%u sent %#x out of sequence", m.handle,
		     v->domid, m.type);
		return r;
	}
	settle(now);
	return 0;
}
