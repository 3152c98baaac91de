// SPDX-License-Identifier: MIT
/*
 * The backend's bypass sequence (nc2/steer.h): which message each end is
 * owed, which answer each end may give, and what the deadlines do.
 */
#include <nc2/steer.h>

/* Outbox bits: the step message (by state) and BYPASS_ADDRS, per end. */
#define OUT_STEP(k) (1u << (k))
#define OUT_ADDRS(k) (4u << (k))
#define BOTH 3u

static void set_state(struct nc2_steer *s, uint8_t st, uint64_t now)
{
	s->state = st;
	s->answered = 0;
	s->since = now;
	s->events |= NC2_STEER_EV_STATUS;
}

bool nc2_steer_live(const struct nc2_steer *s)
{
	return s->state >= NC2_STEER_CONNECTING &&
	       s->state <= NC2_STEER_DETACHING;
}

void nc2_steer_init(struct nc2_steer_table *t, struct nc2_steer *slot,
		    uint32_t nr)
{
	nc2_memset(slot, 0, sizeof(*slot) * nr);
	t->slot = slot;
	t->nr = nr;
	t->next_handle = 1;
	t->connect_ms = NC2_STEER_CONNECT_MS;
	t->step_ms = NC2_STEER_STEP_MS;
	t->linger_ms = NC2_STEER_LINGER_MS;
}

static int end_of(const struct nc2_steer *s, uint32_t key)
{
	if (!key)
		return -1;
	if (s->end[0].key == key)
		return 0;
	if (s->end[1].key == key)
		return 1;
	return -1;
}

struct nc2_steer *nc2_steer_find_pair(struct nc2_steer_table *t,
				      uint32_t key_a, uint32_t key_b)
{
	uint32_t i;

	for (i = 0; i < t->nr; i++) {
		struct nc2_steer *s = &t->slot[i];

		if (nc2_steer_live(s) && end_of(s, key_a) >= 0 &&
		    end_of(s, key_b) >= 0 && key_a != key_b)
			return s;
	}
	return NULL;
}

uint32_t nc2_steer_count(const struct nc2_steer_table *t, uint32_t key)
{
	uint32_t i, n = 0;

	for (i = 0; i < t->nr; i++) {
		const struct nc2_steer *s = &t->slot[i];
		int k = end_of(s, key);

		if (k < 0)
			continue;
		if (nc2_steer_live(s) ||
		    (s->state == NC2_STEER_LINGER && (s->late & (1u << k))))
			n++;
	}
	return n;
}

static bool handle_used(const struct nc2_steer_table *t, uint32_t h)
{
	uint32_t i;

	for (i = 0; i < t->nr; i++)
		if (t->slot[i].state != NC2_STEER_FREE &&
		    t->slot[i].handle == h)
			return true;
	return false;
}

static bool addrs_ok(const struct nc2_bypass_addrs *a)
{
	return a->nr_ipv4 <= NC2_BYPASS_MAX_ADDRS &&
	       a->nr_ipv6 <= NC2_BYPASS_MAX_ADDRS && a->nr_ipv4 + a->nr_ipv6;
}

static bool end_ok(const struct nc2_steer_end *e, uint8_t flags)
{
	const uint8_t trust = NC2_BYPASS_F_LOCAL_TRUSTED |
			      NC2_BYPASS_F_REMOTE_TRUSTED;

	return e->key && !(e->trust & ~trust) &&
	       (!(flags & NC2_BYPASS_F_ADDRS) || addrs_ok(&e->addrs));
}

int nc2_steer_start(struct nc2_steer_table *t, const struct nc2_steer_end *a,
		    const struct nc2_steer_end *b, uint16_t ring_pages,
		    uint8_t flags, uint64_t now, struct nc2_steer **out)
{
	struct nc2_steer *s = NULL;
	uint32_t i, h;

	*out = NULL;
	if (!ring_pages || ring_pages > NC2_BYPASS_MAX_PAGES ||
	    (ring_pages & (ring_pages - 1)) || (flags & ~NC2_BYPASS_F_ADDRS) ||
	    !end_ok(a, flags) || !end_ok(b, flags) || a->key == b->key)
		return -NC2_E_INVAL;
	if (nc2_steer_find_pair(t, a->key, b->key))
		return -NC2_E_STATE;
	for (i = 0; i < t->nr && !s; i++)
		if (t->slot[i].state == NC2_STEER_FREE)
			s = &t->slot[i];
	if (!s)
		return -NC2_E_LIMIT;
	/* Fresh handles (LINGER ones included): a late answer is unambiguous. */
	do {
		h = t->next_handle++;
	} while (!h || handle_used(t, h));
	nc2_memset(s, 0, sizeof(*s));
	s->handle = h;
	s->flags = flags;
	s->ring_pages = ring_pages;
	s->end[0] = *a;
	s->end[1] = *b;
	set_state(s, NC2_STEER_CONNECTING, now);
	s->outbox = OUT_STEP(0) | (flags ? OUT_ADDRS(0) : 0);
	*out = s;
	return 0;
}

/* Over: keep the slot while an end let go at a deadline may answer. */
static void finish(struct nc2_steer *s, uint64_t now)
{
	s->late &= ~s->gone;
	set_state(s, s->late ? NC2_STEER_LINGER : NC2_STEER_FREE, now);
	s->outbox = 0;
	s->events |= NC2_STEER_EV_OVER;
	if (s->state == NC2_STEER_FREE)
		s->handle = 0;
}

/* DETACH goes to each end that answered DISABLED and is still there. */
static void start_detach(struct nc2_steer *s, uint64_t now)
{
	unsigned int k;

	set_state(s, NC2_STEER_DETACHING, now);
	s->outbox = 0;
	for (k = 0; k < 2; k++) {
		uint8_t bit = (uint8_t)(1u << k);

		if ((s->disabled & bit) && !(s->gone & bit))
			s->outbox |= OUT_STEP(k);
		else
			s->answered |= bit;
	}
}

/* Move on when both ends have answered this step (or count as having). */
static void advance(struct nc2_steer *s, uint64_t now)
{
	if (s->state == NC2_STEER_DISABLING && s->answered == BOTH)
		start_detach(s, now);
	if (s->state == NC2_STEER_DETACHING && s->answered == BOTH)
		finish(s, now);
}

void nc2_steer_disable(struct nc2_steer_table *t, struct nc2_steer *s,
		       uint64_t now)
{
	unsigned int k;

	(void)t;
	if (!nc2_steer_live(s) || s->state >= NC2_STEER_DISABLING)
		return;
	set_state(s, NC2_STEER_DISABLING, now);
	/* Owed ADDRS or set-up messages go unsent: the end never knew. */
	s->outbox = 0;
	for (k = 0; k < 2; k++) {
		uint8_t bit = (uint8_t)(1u << k);

		if ((s->told & bit) && !(s->gone & bit))
			s->outbox |= OUT_STEP(k);
		else
			s->answered |= bit;
	}
	advance(s, now);
}

/* End k of s cannot be reached any more. */
static void lose_end(struct nc2_steer_table *t, struct nc2_steer *s,
		     unsigned int k, uint64_t now)
{
	uint8_t bit = (uint8_t)(1u << k);

	s->gone |= bit;
	s->late &= ~bit;
	s->blocked &= ~bit;
	s->outbox &= ~(OUT_STEP(k) | OUT_ADDRS(k));
	s->end[k].key = 0;
	switch (s->state) {
	case NC2_STEER_CONNECTING:
	case NC2_STEER_BACKEND_SENT:
	case NC2_STEER_ACTIVE:
		nc2_steer_disable(t, s, now);
		break;
	case NC2_STEER_DISABLING:
	case NC2_STEER_DETACHING:
		s->answered |= bit;
		advance(s, now);
		break;
	case NC2_STEER_LINGER:
		if (!s->late) {
			s->state = NC2_STEER_FREE;
			s->handle = 0;
		}
		break;
	default:
		break;
	}
}

void nc2_steer_gone(struct nc2_steer_table *t, uint32_t key, uint64_t now)
{
	uint32_t i;

	for (i = 0; i < t->nr; i++) {
		struct nc2_steer *s = &t->slot[i];
		int k;

		if (s->state == NC2_STEER_FREE)
			continue;
		k = end_of(s, key);
		if (k >= 0)
			lose_end(t, s, (unsigned int)k, now);
	}
}

/* A's rings, kept to forward to B. */
static void keep_rings(struct nc2_steer *s, const struct nc2_bypass_msg *m)
{
	uint32_t i;

	s->evtchn = m->evtchn;
	s->ctrl_gref = m->ctrl_gref;
	for (i = 0; i < 2u * s->ring_pages; i++)
		s->gref[i] = m->gref[i];
}

/* A's or B's answer to its set-up message. */
static int recv_setup(struct nc2_steer_table *t, struct nc2_steer *s,
		      unsigned int k, const struct nc2_bypass_msg *m,
		      uint64_t now)
{
	uint8_t bit = (uint8_t)(1u << k);
	bool from_a = m->type == NC2_MSG_BYPASS_FRONTEND_READY;

	if (k != (from_a ? NC2_STEER_END_A : NC2_STEER_END_B) ||
	    !(s->told & bit) || (s->built & bit))
		return -NC2_EP_BYPASS;
	if (from_a && m->ring_pages != s->ring_pages)
		return -NC2_EP_BYPASS;
	s->built |= bit;
	/* Crossed our DISABLE: it will be answered in the teardown. */
	if (s->state != (from_a ? NC2_STEER_CONNECTING :
				  NC2_STEER_BACKEND_SENT))
		return NC2_STEER_LATE;
	if (!from_a) {
		set_state(s, NC2_STEER_ACTIVE, now);
		s->moved_at[0] = now;
		s->moved_at[1] = now;
		return NC2_STEER_OK;
	}
	if (s->gone & NC2_STEER_BIT(NC2_STEER_END_B)) {
		nc2_steer_disable(t, s, now);
		return NC2_STEER_OK;
	}
	keep_rings(s, m);
	set_state(s, NC2_STEER_BACKEND_SENT, now);
	s->outbox = OUT_STEP(1) | (s->flags ? OUT_ADDRS(1) : 0);
	return NC2_STEER_OK;
}

static int recv_disabled(struct nc2_steer *s, unsigned int k, uint64_t now)
{
	uint8_t bit = (uint8_t)(1u << k);

	if (!(s->told & bit) || (s->disabled & bit))
		return -NC2_EP_BYPASS;
	if (s->state == NC2_STEER_DISABLING) {
		/* Only once our DISABLE went out; an end let go is late. */
		if (s->outbox & OUT_STEP(k))
			return -NC2_EP_BYPASS;
		s->disabled |= bit;
		s->answered |= bit;
		advance(s, now);
		return NC2_STEER_OK;
	}
	if ((s->state == NC2_STEER_DETACHING ||
	     s->state == NC2_STEER_LINGER) && (s->late & bit)) {
		/* Late, but drained: it is owed its DETACH too. */
		s->disabled |= bit;
		s->outbox |= OUT_STEP(k);
		return NC2_STEER_OK;
	}
	return -NC2_EP_BYPASS;
}

static int recv_detached(struct nc2_steer *s, unsigned int k, uint64_t now)
{
	uint8_t bit = (uint8_t)(1u << k);

	if (!(s->disabled & bit) || (s->outbox & OUT_STEP(k)) ||
	    (s->state != NC2_STEER_DETACHING &&
	     s->state != NC2_STEER_LINGER))
		return -NC2_EP_BYPASS;
	if (s->state == NC2_STEER_DETACHING && !(s->late & bit)) {
		if (s->answered & bit)
			return -NC2_EP_BYPASS;
		s->answered |= bit;
		advance(s, now);
		return NC2_STEER_OK;
	}
	if (!(s->late & bit))
		return -NC2_EP_BYPASS;
	s->late &= ~bit;
	s->answered |= bit;
	if (s->state == NC2_STEER_LINGER && !s->late) {
		s->state = NC2_STEER_FREE;
		s->handle = 0;
	}
	return NC2_STEER_LATE;
}

int nc2_steer_recv(struct nc2_steer_table *t, uint32_t key,
		   const struct nc2_bypass_msg *m, uint64_t now,
		   struct nc2_steer **out)
{
	struct nc2_steer *s = NULL;
	uint32_t i;
	int k = -1;

	*out = NULL;
	if (m->type == NC2_MSG_SUGGEST_BYPASS)
		return NC2_STEER_HINT;
	for (i = 0; i < t->nr && !s; i++)
		if (t->slot[i].state != NC2_STEER_FREE &&
		    t->slot[i].handle == m->handle)
			s = &t->slot[i];
	if (s)
		k = end_of(s, key);
	/* A handle it was never asked about. */
	if (k < 0)
		return -NC2_EP_BYPASS;
	*out = s;
	switch (m->type) {
	case NC2_MSG_BYPASS_FRONTEND_READY:
	case NC2_MSG_BYPASS_READY:
		return recv_setup(t, s, (unsigned int)k, m, now);
	case NC2_MSG_BYPASS_DISABLED:
		return recv_disabled(s, (unsigned int)k, now);
	case NC2_MSG_BYPASS_DETACHED:
		return recv_detached(s, (unsigned int)k, now);
	default:
		return -NC2_EP_BYPASS;
	}
}

/* The message of s's state for end k. */
static void step_msg(const struct nc2_steer *s, unsigned int k,
		     struct nc2_bypass_msg *m)
{
	const struct nc2_steer_end *peer = &s->end[1 - k];
	uint32_t i;

	m->handle = s->handle;
	switch (s->state) {
	case NC2_STEER_CONNECTING:
	case NC2_STEER_BACKEND_SENT:
		m->type = k == NC2_STEER_END_A ? NC2_MSG_BYPASS_FRONTEND :
						 NC2_MSG_BYPASS_BACKEND;
		m->peer_domid = peer->domid;
		nc2_memcpy(m->mac, peer->mac, 6);
		m->flags = s->end[k].trust | s->flags;
		m->ring_pages = s->ring_pages;
		if (k == NC2_STEER_END_B) {
			m->evtchn = s->evtchn;
			m->ctrl_gref = s->ctrl_gref;
			for (i = 0; i < 2u * s->ring_pages; i++)
				m->gref[i] = s->gref[i];
		}
		break;
	case NC2_STEER_DISABLING:
		m->type = NC2_MSG_BYPASS_DISABLE;
		break;
	default: /* DETACHING, LINGER */
		m->type = NC2_MSG_BYPASS_DETACH;
		break;
	}
}

int nc2_steer_next(struct nc2_steer *s, unsigned int *end,
		   struct nc2_bypass_msg *m)
{
	unsigned int k;

	for (k = 0; k < 2; k++) {
		if (s->blocked & (1u << k))
			continue;
		if (!(s->outbox & (OUT_STEP(k) | OUT_ADDRS(k))))
			continue;
		nc2_memset(m, 0, sizeof(*m));
		*end = k;
		if (s->outbox & OUT_STEP(k)) {
			step_msg(s, k, m);
		} else {
			/* Right after the set-up message, on the same ring. */
			m->type = NC2_MSG_BYPASS_ADDRS;
			m->handle = s->handle;
			m->addrs = s->end[1 - k].addrs;
		}
		return 1;
	}
	return 0;
}

void nc2_steer_sent(struct nc2_steer_table *t, struct nc2_steer *s,
		    unsigned int end, int err, uint64_t now)
{
	uint8_t bit;

	if (end > 1 || !(s->outbox & (OUT_STEP(end) | OUT_ADDRS(end))))
		return;
	bit = (uint8_t)(1u << end);
	if (err == -NC2_E_AGAIN) {
		s->blocked |= bit;
		return;
	}
	if (err) {
		lose_end(t, s, end, now);
		return;
	}
	if (s->outbox & OUT_STEP(end)) {
		s->outbox &= ~OUT_STEP(end);
		if (s->state == NC2_STEER_CONNECTING ||
		    s->state == NC2_STEER_BACKEND_SENT)
			s->told |= bit;
	} else {
		s->outbox &= ~OUT_ADDRS(end);
	}
}

/* An end let go at step_ms: it still owes its answer (LINGER). */
static void let_go(struct nc2_steer *s, uint64_t now)
{
	uint8_t laters = (uint8_t)(~s->answered & BOTH);
	unsigned int k;

	for (k = 0; k < 2; k++)
		if (laters & (1u << k))
			s->outbox &= ~(OUT_STEP(k) | OUT_ADDRS(k));
	s->late |= laters;
	s->answered = BOTH;
	s->events |= NC2_STEER_EV_LATE;
	advance(s, now);
}

uint32_t nc2_steer_tick(struct nc2_steer_table *t, uint64_t now)
{
	uint32_t i, waiting = 0;

	for (i = 0; i < t->nr; i++) {
		struct nc2_steer *s = &t->slot[i];
		uint64_t age = now - s->since;

		s->blocked = 0;
		switch (s->state) {
		case NC2_STEER_CONNECTING:
		case NC2_STEER_BACKEND_SENT:
			if (age >= t->connect_ms) {
				s->events |= NC2_STEER_EV_TIMEOUT;
				nc2_steer_disable(t, s, now);
			}
			break;
		case NC2_STEER_DISABLING:
		case NC2_STEER_DETACHING:
			if (age >= t->step_ms)
				let_go(s, now);
			break;
		case NC2_STEER_LINGER:
			if (age >= t->linger_ms) {
				s->state = NC2_STEER_FREE;
				s->handle = 0;
			}
			break;
		default:
			break;
		}
		if (s->state != NC2_STEER_FREE &&
		    (s->state != NC2_STEER_ACTIVE || s->outbox))
			waiting++;
	}
	return waiting;
}

void nc2_steer_traffic(struct nc2_steer_table *t, uint32_t key,
		       uint32_t handle, uint64_t packets, uint64_t now)
{
	uint32_t i;

	for (i = 0; i < t->nr; i++) {
		struct nc2_steer *s = &t->slot[i];
		int k;

		if (s->state != NC2_STEER_ACTIVE || s->handle != handle)
			continue;
		k = end_of(s, key);
		if (k < 0)
			return;
		/* The first report is the baseline, later ones must grow. */
		if ((s->reported & (1u << k)) && packets > s->packets[k])
			s->moved_at[k] = now;
		s->reported |= (uint8_t)(1u << k);
		s->packets[k] = packets;
		return;
	}
}

bool nc2_steer_idle(const struct nc2_steer *s, uint64_t now,
		    uint32_t idle_ms)
{
	unsigned int k;

	if (s->state != NC2_STEER_ACTIVE)
		return false;
	for (k = 0; k < 2; k++)
		if ((s->reported & (1u << k)) &&
		    now - s->moved_at[k] >= idle_ms)
			return true;
	return false;
}

uint64_t nc2_steer_last_traffic(const struct nc2_steer *s)
{
	if (s->state != NC2_STEER_ACTIVE)
		return 0;
	return s->moved_at[0] > s->moved_at[1] ? s->moved_at[0] :
						 s->moved_at[1];
}

unsigned int nc2_steer_events(struct nc2_steer *s)
{
	unsigned int ev = s->events;

	s->events = 0;
	return ev;
}

const char *nc2_steer_status(const struct nc2_steer *s)
{
	switch (s->state) {
	case NC2_STEER_CONNECTING:
	case NC2_STEER_BACKEND_SENT:
		return "connecting";
	case NC2_STEER_ACTIVE:
		return "active";
	case NC2_STEER_DISABLING:
		return "disabling";
	case NC2_STEER_DETACHING:
		return "detaching";
	default:
		return "disabled";
	}
}
