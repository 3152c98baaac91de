// SPDX-License-Identifier: MIT
/*
 * Dom0 bypass, frontend side. The backend (the only trusted end) tells us
 * over the parent ring to build or map a private channel to one peer, and
 * later to drain and free it. Which message may come when, what we owe,
 * when a draining bypass is drained and where a frame for the peer goes
 * are libnc2ring's (nc2/bpend.h); here are the channels and the log:
 *
 *   BUILD     BYPASS_FRONTEND: grant rings to the peer (we are A), or
 *             BYPASS_BACKEND: map A's (we are B); then answer
 *   UP        frames for the peer's MAC take the parent until the bypass
 *             link's HELLOs are done; then they are held until the parent
 *             has delivered what it carried before (nc2_bpend_gate), and
 *             take the bypass
 *   DRAINING  DISABLE received: frames for the peer are held (front_tx
 *             queues them), the bypass keeps being polled until the
 *             library finds it drained; then DISABLED goes to the backend
 *             and the held frames follow it on the parent: no loss, no
 *             reordering
 *   RELEASE   DETACH received: unmap (B), or revoke and free (A, retried
 *             while B still maps), then DETACHED
 *
 * A backend message out of sequence is -NC2_EP_BYPASS: the parent link
 * fails, as for any protocol error.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "front.h"
#include "util.h"

static uint64_t now_ms(void)
{
	return now_ns() / 1000000u;
}

static struct bypass *res(struct front *f, const struct nc2_bpend *e)
{
	return &f->byp[e - f->bpend];
}

void front_bypass_init(struct front *f)
{
	nc2_bpend_init(&f->bpt, f->bpend, FRONT_MAX_BYPASS);
}

static bool link_up(struct bypass *b)
{
	return b->built && b->ch.live &&
	       nc2_link_state(nc2_net_link(&b->ch.net)) == NC2_LINK_UP;
}

/* Send the backend what e owes, if the parent ring has room. */
static void answer(struct front *f, struct nc2_bpend *e)
{
	struct nc2_bypass_msg m;
	int err;

	if (!nc2_bpend_next(e, &m))
		return;
	err = nc2_bypass_send(&f->parent.net, &m);
	if (err == 0)
		f->parent.dirty = true;
	else if (err == -NC2_E_AGAIN)
		nc2_link_want_space(nc2_net_link(&f->parent.net), 256);
	else
		logi("bypass %u: cannot send %#x: %s", m.handle, m.type,
		     nc2_strerror(err));
	nc2_bpend_sent(e, err);
}

/* Grant (A) or map (B) the bypass rings, and report it. */
static void build(struct front *f, struct nc2_bpend *e)
{
	struct bypass *b = res(f, e);
	struct epoll_event ev = { .events = EPOLLIN };
	int err;

	memset(b, 0, sizeof(*b));
	if (e->role == NC2_BPEND_A) {
		err = chan_grant(&b->ch, f->hv, e->peer_domid, e->ring_pages,
				 NC2_ROLE_PEER);
	} else {
		struct chan_share sh = { .ctrl_gref = e->ctrl_gref,
					 .evtchn = e->evtchn,
					 .ring_pages = e->ring_pages };

		memcpy(sh.gref, e->gref, sizeof(sh.gref));
		err = chan_map(&b->ch, f->hv, e->peer_domid, &sh,
			       NC2_ROLE_PEER);
	}
	if (err) {
		/* No refusal in 10.3: the backend's deadline tears it down. */
		logi("bypass %u to dom%u failed: %s", e->handle, e->peer_domid,
		     strerror(-err));
		chan_destroy(&b->ch);
		nc2_bpend_failed(e);
		return;
	}
	b->built = true;
	ev.data.u32 = 2 + (uint32_t)(e - f->bpend);
	b->polled = epoll_ctl(f->epfd, EPOLL_CTL_ADD, b->ch.evfd, &ev) == 0;
	chan_kick(&b->ch);
	if (e->role == NC2_BPEND_A)
		nc2_bpend_granted(e, b->ch.sh.evtchn, b->ch.sh.ctrl_gref,
				  b->ch.sh.gref);
	else
		nc2_bpend_mapped(e);
	logi("bypass %u to dom%u: %s", e->handle, e->peer_domid,
	     e->role == NC2_BPEND_A ? "rings granted" : "rings mapped");
}

/* The peer is gone: nothing more will be finished, reclaim everything. */
static void abandon(struct front *f, struct bypass *b)
{
	for (unsigned int s = 0; s < FRONT_SLOTS; s++)
		if (f->slot[s].inflight && f->slot[s].ch == &b->ch)
			front_tx_done(f, &f->slot[s]);
	b->ch.live = false;
}

/* e's link failed or its peer died: the library holds the peer's frames. */
static void lost(struct front *f, struct nc2_bpend *e)
{
	abandon(f, res(f, e));
	nc2_bpend_failed(e);
}

/* While DRAINING: drained yet? Then DISABLED, and the held frames follow. */
static void drain(struct front *f, struct nc2_bpend *e)
{
	struct bypass *b = res(f, e);
	/* A channel given up on has nothing more to deliver. */
	struct nc2_link *l = b->built && b->ch.live ? nc2_net_link(&b->ch.net) :
						      NULL;

	if (e->state != NC2_BPEND_DRAINING ||
	    nc2_bpend_drain(&f->bpt, e, l, now_ms()) != 1)
		return;
	if (e->stalled)
		logi("bypass %u: dom%u stalled while draining; what it holds "
		     "is lost", e->handle, e->peer_domid);
	logi("bypass %u drained, traffic back on the parent", e->handle);
	answer(f, e);
}

/* After DETACH: unmap, or revoke and free once the peer no longer maps. */
static void release(struct front *f, struct nc2_bpend *e)
{
	struct bypass *b = res(f, e);

	if (b->built) {
		if (b->polled && b->ch.evfd > 0)
			epoll_ctl(f->epfd, EPOLL_CTL_DEL, b->ch.evfd, NULL);
		b->polled = false;
		abandon(f, b);
		if (chan_destroy(&b->ch) == -EBUSY)
			return; /* peer still maps it: retry */
		b->built = false;
	}
	nc2_bpend_released(e);
	logi("bypass %u detached", e->handle);
}

int front_bypass_msg(struct front *f, const struct nc2_msg *msg)
{
	struct nc2_bypass_msg m;
	struct nc2_bpend *e;
	int err = nc2_bypass_decode(NC2_ROLE_FRONTEND, msg, &m);

	if (!err) {
		err = nc2_bpend_recv(&f->bpt, &m, &e);
		if (err)
			logi("bypass %u: backend sent %#x out of sequence",
			     m.handle, m.type);
	}
	if (err) {
		nc2_link_fail(nc2_net_link(&f->parent.net), err);
		return err;
	}
	switch (e->state) {
	case NC2_BPEND_BUILD:
		build(f, e);
		break;
	case NC2_BPEND_DRAINING:
		logi("bypass %u: draining", e->handle);
		drain(f, e);
		break;
	case NC2_BPEND_DISABLED:
		/* Never carried anything: drained as it stands. */
		logi("bypass %u drained, traffic back on the parent",
		     e->handle);
		break;
	case NC2_BPEND_RELEASE:
		release(f, e);
		break;
	default:
		break;
	}
	answer(f, e);
	return 0;
}

struct chan *front_route(struct front *f, const uint8_t *frame)
{
	/*
	 * LOCAL_TRUSTED clear: only our own MAC may be the source on the
	 * bypass. Other frames take the parent, where the backend decides,
	 * as they did before the bypass existed. (The spoof mode breaks
	 * this on purpose, to prove the peer's check.)
	 */
	bool own_src = !memcmp(frame + 6, f->mac, 6) || f->evil == EVIL_SPOOF;
	struct bypass *via = NULL;
	bool hold = false;

	for (unsigned int i = 0; i < FRONT_MAX_BYPASS; i++) {
		struct nc2_bpend *e = &f->bpend[i];

		if (e->state == NC2_BPEND_FREE || memcmp(e->peer_mac, frame, 6))
			continue;
		if (!own_src && !(e->flags & NC2_BYPASS_F_LOCAL_TRUSTED))
			continue;
		switch (nc2_bpend_route(e, link_up(&f->byp[i]))) {
		case NC2_BPEND_HOLD:
			hold = true;
			break;
		case NC2_BPEND_BYPASS:
			via = &f->byp[i];
			break;
		default:
			break;
		}
	}
	if (hold)
		return NULL; /* until drained and DISABLED is out */
	if (via)
		return &via->ch;
	return &f->parent;
}

bool front_bypass_hold_drains(struct front *f, const uint8_t *frame)
{
	for (unsigned int i = 0; i < FRONT_MAX_BYPASS; i++) {
		const struct nc2_bpend *e = &f->bpend[i];

		if (e->state == NC2_BPEND_FAILED &&
		    !memcmp(e->peer_mac, frame, 6))
			return false;
	}
	return true;
}

bool front_bypass_src_ok(struct front *f, const struct chan *ch,
			 const uint8_t *frame, uint32_t len)
{
	for (unsigned int i = 0; i < FRONT_MAX_BYPASS; i++) {
		const struct nc2_bpend *e = &f->bpend[i];
		struct bypass *b = &f->byp[i];

		if (!b->built || &b->ch != ch)
			continue;
		if (e->flags & NC2_BYPASS_F_ADDRS) {
			/* By IP (10.5): only from the peer's addresses. */
			if (e->addrs_set &&
			    nc2_bypass_addrs_src(&e->addrs, frame, len))
				return true;
		} else if (e->flags & NC2_BYPASS_F_REMOTE_TRUSTED) {
			return true;
		} else if (len >= 14 && !memcmp(frame + 6, e->peer_mac, 6)) {
			return true;
		}
		if (!f->st.rx_spoofed++ || !(f->st.rx_spoofed & 1023))
			logi("bypass %u: dropped a frame from dom%u not from its "
			     "MAC (%llu so far)", e->handle, e->peer_domid,
			     (unsigned long long)f->st.rx_spoofed);
		return false;
	}
	return true; /* the parent: the backend is trusted */
}

void front_bypass_poll(struct front *f)
{
	for (unsigned int i = 0; i < FRONT_MAX_BYPASS; i++) {
		struct nc2_bpend *e = &f->bpend[i];
		struct bypass *b = &f->byp[i];

		if (e->state == NC2_BPEND_FREE)
			continue;
		if (b->built && b->ch.live && chan_peer_gone(&b->ch)) {
			logi("bypass %u: peer dom%u gone", e->handle,
			     e->peer_domid);
			lost(f, e);
		}
		if (b->built && b->ch.live &&
		    front_rx(f, &b->ch) < 0)
			lost(f, e);
		/*
		 * Up: the peer's frames wait (held) until the parent has
		 * delivered those sent on it before, then take the bypass.
		 */
		if (!b->up_logged && e->state == NC2_BPEND_UP && link_up(b) &&
		    nc2_bpend_gate(&f->bpt, e, nc2_net_link(&f->parent.net),
				   now_ms()) == 1) {
			b->up_logged = true;
			logi("bypass %u to dom%u active", e->handle,
			     e->peer_domid);
		}
		drain(f, e);
		if (e->state == NC2_BPEND_RELEASE)
			release(f, e);
		answer(f, e);
	}
}

bool front_bypass_busy(struct front *f)
{
	for (unsigned int i = 0; i < FRONT_MAX_BYPASS; i++) {
		const struct nc2_bpend *e = &f->bpend[i];

		if (e->state == NC2_BPEND_DRAINING ||
		    (e->state == NC2_BPEND_UP && !f->byp[i].up_logged &&
		     link_up(&f->byp[i])))
			return true;
	}
	return false;
}

int front_bypass_kick(struct front *f)
{
	int more = 0;

	for (unsigned int i = 0; i < FRONT_MAX_BYPASS; i++) {
		struct bypass *b = &f->byp[i];

		if (!b->built || !b->ch.live)
			continue;
		chan_kick(&b->ch);
		more |= chan_rearm(&b->ch) > 0;
	}
	return more;
}

void front_bypass_event(struct front *f, unsigned int i)
{
	if (i < FRONT_MAX_BYPASS && f->byp[i].built && f->byp[i].ch.port)
		nc2_hv_evtchn_consume(f->hv, f->byp[i].ch.port);
}
