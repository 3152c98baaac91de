// SPDX-License-Identifier: MIT
/*
 * Dom0 bypass, frontend side. The backend (the only trusted end) tells us
 * over the parent ring to build or map a private channel to one peer:
 *
 *   CONNECTING  rings granted (A) or mapped (B), HELLOs in flight
 *   ACTIVE      frames for the peer's MAC go on the bypass
 *   DRAINING    DISABLE received: frames for the peer are held (not sent
 *               anywhere) until the peer has consumed our bypass ring and
 *               finished every id; then DISABLED goes to the backend and
 *               frames flow on the parent again, in order, none lost
 *   DISABLED    waiting for DETACH
 *   DETACHING   revoking (A) or unmapping (B), then DETACHED
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "front.h"
#include "util.h"

enum bypass_state { BP_CONNECTING = 1, BP_ACTIVE, BP_DRAINING, BP_DISABLED,
		    BP_DETACHING };

static struct bypass *by_handle(struct front *f, uint32_t h)
{
	for (unsigned int i = 0; i < FRONT_MAX_BYPASS; i++)
		if (f->byp[i].used && f->byp[i].handle == h)
			return &f->byp[i];
	return NULL;
}

static void reply(struct front *f, uint8_t type, struct bypass *b)
{
	struct nc2_bypass_msg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.handle = b->handle;
	if (type == NC2_MSG_BYPASS_FRONTEND_READY) {
		m.ring_pages = b->ch.sh.ring_pages;
		m.evtchn = b->ch.sh.evtchn;
		m.ctrl_gref = b->ch.sh.ctrl_gref;
		memcpy(m.gref, b->ch.sh.gref, sizeof(m.gref));
	}
	if (nc2_bypass_send(&f->parent.net, &m) == 0)
		f->parent.dirty = true;
	else
		logi("bypass %u: cannot send %#x", b->handle, type);
}

static int attach(struct front *f, const struct nc2_bypass_msg *m)
{
	struct bypass *b = NULL;
	struct epoll_event ev = { .events = EPOLLIN };
	int err;

	for (unsigned int i = 0; i < FRONT_MAX_BYPASS && !b; i++)
		if (!f->byp[i].used)
			b = &f->byp[i];
	if (!b || by_handle(f, m->handle)) {
		logi("bypass %u refused: no slot", m->handle);
		return 0;
	}
	memset(b, 0, sizeof(*b));
	b->handle = m->handle;
	b->peer = m->peer_domid;
	b->flags = m->flags;
	memcpy(b->mac, m->mac, 6);
	for (unsigned int i = 0; i < CHAN_IDS; i++)
		b->txslot_id[i] = -1;
	if (m->type == NC2_MSG_BYPASS_FRONTEND) {
		err = chan_grant(&b->ch, f->hv, b->peer, m->ring_pages,
				 NC2_ROLE_PEER);
	} else {
		struct chan_share sh = { .ctrl_gref = m->ctrl_gref,
					 .evtchn = m->evtchn,
					 .ring_pages = m->ring_pages };

		memcpy(sh.gref, m->gref, sizeof(sh.gref));
		err = chan_map(&b->ch, f->hv, b->peer, &sh, NC2_ROLE_PEER);
	}
	if (err) {
		logi("bypass %u to dom%u failed: %s", m->handle, b->peer,
		     strerror(-err));
		chan_destroy(&b->ch);
		return 0;
	}
	b->used = true;
	b->state = BP_CONNECTING;
	ev.data.u32 = 2 + (uint32_t)(b - f->byp);
	epoll_ctl(f->epfd, EPOLL_CTL_ADD, b->ch.evfd, &ev);
	chan_kick(&b->ch);
	reply(f, m->type == NC2_MSG_BYPASS_FRONTEND ?
			 NC2_MSG_BYPASS_FRONTEND_READY : NC2_MSG_BYPASS_READY,
	      b);
	logi("bypass %u to dom%u: %s", b->handle, b->peer,
	     b->ch.granter ? "rings granted" : "rings mapped");
	return 0;
}

int front_bypass_msg(struct front *f, const struct nc2_msg *msg)
{
	struct nc2_bypass_msg m;
	struct bypass *b;
	int err = nc2_bypass_decode(NC2_ROLE_FRONTEND, msg, &m);

	if (err) {
		nc2_link_fail(nc2_net_link(&f->parent.net), err);
		return err;
	}
	switch (m.type) {
	case NC2_MSG_BYPASS_FRONTEND:
	case NC2_MSG_BYPASS_BACKEND:
		return attach(f, &m);
	case NC2_MSG_BYPASS_DISABLE:
		b = by_handle(f, m.handle);
		if (b && b->state <= BP_ACTIVE) {
			b->state = BP_DRAINING;
			logi("bypass %u: draining", b->handle);
		}
		return 0;
	case NC2_MSG_BYPASS_DETACH:
		b = by_handle(f, m.handle);
		if (b)
			b->state = BP_DETACHING;
		return 0;
	default:
		return 0;
	}
}

struct chan *front_route(struct front *f, const uint8_t *frame, int **ids)
{
	/*
	 * LOCAL_TRUSTED clear: only our own MAC may be the source on the
	 * bypass. Other frames take the parent, where the backend decides,
	 * as they did before the bypass existed. (The spoof mode breaks
	 * this on purpose, to prove the peer's check.)
	 */
	bool own_src = !memcmp(frame + 6, f->mac, 6) || f->evil == EVIL_SPOOF;

	for (unsigned int i = 0; i < FRONT_MAX_BYPASS; i++) {
		struct bypass *b = &f->byp[i];

		if (!b->used || memcmp(b->mac, frame, 6))
			continue;
		if (!own_src && !(b->flags & NC2_BYPASS_F_LOCAL_TRUSTED))
			break;
		if (b->state == BP_ACTIVE) {
			*ids = b->txslot_id;
			return &b->ch;
		}
		if (b->state == BP_DRAINING) {
			*ids = NULL; /* hold until drained */
			return NULL;
		}
	}
	*ids = f->slot_of_id;
	return &f->parent;
}

bool front_bypass_src_ok(struct front *f, const struct chan *ch,
			 const uint8_t *frame, uint32_t len)
{
	for (unsigned int i = 0; i < FRONT_MAX_BYPASS; i++) {
		struct bypass *b = &f->byp[i];

		if (!b->used || &b->ch != ch)
			continue;
		if (b->flags & NC2_BYPASS_F_REMOTE_TRUSTED)
			return true;
		if (len >= 14 && !memcmp(frame + 6, b->mac, 6))
			return true;
		if (!f->st.rx_spoofed++ || !(f->st.rx_spoofed & 1023))
			logi("bypass %u: dropped a frame from dom%u not from its "
			     "MAC (%llu so far)", b->handle, b->peer,
			     (unsigned long long)f->st.rx_spoofed);
		return false;
	}
	return true; /* the parent: the backend is trusted */
}

/* The peer is gone: nothing more will be finished, reclaim everything. */
static void abandon(struct front *f, struct bypass *b)
{
	for (unsigned int id = 0; id < CHAN_IDS; id++)
		if (b->txslot_id[id] >= 0)
			front_tx_done(f, &b->ch, b->txslot_id, id);
	b->ch.live = false;
}

static bool drained(struct bypass *b)
{
	struct nc2_link *l = nc2_net_link(&b->ch.net);

	if (!b->ch.live)
		return true;
	return nc2_idpool_inflight(&l->pool) == 0 && nc2_prod_idle(&l->tx) == 1;
}

void front_bypass_poll(struct front *f)
{
	for (unsigned int i = 0; i < FRONT_MAX_BYPASS; i++) {
		struct bypass *b = &f->byp[i];

		if (!b->used)
			continue;
		if (b->ch.live && chan_peer_gone(&b->ch)) {
			logi("bypass %u: peer dom%u gone", b->handle, b->peer);
			abandon(f, b);
		}
		if (b->ch.live && front_rx(f, &b->ch, b->txslot_id) < 0)
			abandon(f, b);
		if (b->state == BP_CONNECTING &&
		    nc2_link_state(nc2_net_link(&b->ch.net)) == NC2_LINK_UP) {
			b->state = BP_ACTIVE;
			logi("bypass %u to dom%u active", b->handle, b->peer);
		}
		if (b->state == BP_DRAINING && drained(b)) {
			b->state = BP_DISABLED;
			reply(f, NC2_MSG_BYPASS_DISABLED, b);
			logi("bypass %u drained, traffic back on the parent",
			     b->handle);
		}
		if (b->state == BP_DETACHING) {
			if (b->ch.evfd > 0)
				epoll_ctl(f->epfd, EPOLL_CTL_DEL, b->ch.evfd,
					  NULL);
			abandon(f, b);
			if (chan_destroy(&b->ch) == -EBUSY)
				continue; /* peer still maps it: retry */
			reply(f, NC2_MSG_BYPASS_DETACHED, b);
			logi("bypass %u detached", b->handle);
			b->used = false;
		}
	}
}

int front_bypass_kick(struct front *f)
{
	int more = 0;

	for (unsigned int i = 0; i < FRONT_MAX_BYPASS; i++) {
		struct bypass *b = &f->byp[i];

		if (!b->used || !b->ch.live)
			continue;
		chan_kick(&b->ch);
		more |= chan_rearm(&b->ch) > 0;
	}
	return more;
}

void front_bypass_event(struct front *f, unsigned int i)
{
	if (i < FRONT_MAX_BYPASS && f->byp[i].used && f->byp[i].ch.port)
		nc2_hv_evtchn_consume(f->hv, f->byp[i].ch.port);
}
