// SPDX-License-Identifier: MIT
/*
 * The bypass sequence, both sides: nc2/steer.h (the backend) driving two
 * nc2/bpend.h tables (the frontends A and B) through set-up and teardown,
 * every out-of-order or unknown step as a protocol error, the deadlines,
 * and "drained" as a fact about the bypass link.
 */
#include "fixture.h"
#include <string.h>

#define KA 0x101u /* the backend's names for the two frontends */
#define KB 0x202u
#define T0 1000u

struct sfix {
	struct nc2_steer slot[4];
	struct nc2_steer_table t;
	struct nc2_bpend ea[NC2_BYPASS_MAX_PER_END], eb[NC2_BYPASS_MAX_PER_END];
	struct nc2_bpend_table fa, fb;
	struct nc2_steer_end a, b;
};

static void sfix_init(struct sfix *f)
{
	memset(f, 0, sizeof(*f));
	nc2_steer_init(&f->t, f->slot, 4);
	nc2_bpend_init(&f->fa, f->ea, NC2_BYPASS_MAX_PER_END);
	nc2_bpend_init(&f->fb, f->eb, NC2_BYPASS_MAX_PER_END);
	f->a.key = KA;
	f->a.domid = 3;
	memcpy(f->a.mac, "\x00\x16\x3e\x00\x00\x03", 6);
	f->b.key = KB;
	f->b.domid = 4;
	memcpy(f->b.mac, "\x00\x16\x3e\x00\x00\x04", 6);
	f->b.trust = NC2_BYPASS_F_REMOTE_TRUSTED;
}

/* The one message s owes now: to end `end`, of type `type`; sent. */
static void expect_send(struct sfix *f, struct nc2_steer *s, unsigned int end,
			uint8_t type, struct nc2_bypass_msg *m)
{
	unsigned int k = 9;

	assert_int_equal(nc2_steer_next(s, &k, m), 1);
	assert_int_equal(k, end);
	assert_int_equal(m->type, type);
	assert_int_equal(m->handle, s->handle);
	nc2_steer_sent(&f->t, s, k, 0, T0);
}

static void expect_quiet(struct nc2_steer *s)
{
	struct nc2_bypass_msg m;
	unsigned int k;

	assert_int_equal(nc2_steer_next(s, &k, &m), 0);
}

/* The answer e owes, of type `type`, handed to the backend as key. */
static int answer(struct sfix *f, struct nc2_bpend *e, uint32_t key,
		  uint8_t type, struct nc2_steer **sp)
{
	struct nc2_bypass_msg m;

	assert_int_equal(nc2_bpend_next(e, &m), 1);
	assert_int_equal(m.type, type);
	nc2_bpend_sent(e, 0);
	return nc2_steer_recv(&f->t, key, &m, T0, sp);
}

/* Up to ACTIVE; returns the bypass, *pa and *pb the two ends. */
static struct nc2_steer *bring_up(struct sfix *f, uint8_t flags,
				  struct nc2_bpend **pa, struct nc2_bpend **pb)
{
	static const uint32_t grefs[32] = { 11, 12, 13, 14, 15, 16, 17, 18 };
	struct nc2_steer *s, *s2;
	struct nc2_bypass_msg m;
	struct nc2_bpend *e, *e2;

	assert_int_equal(nc2_steer_start(&f->t, &f->a, &f->b, 4, flags, T0,
					 &s), 0);
	assert_int_equal(s->state, NC2_STEER_CONNECTING);
	assert_string_equal(nc2_steer_status(s), "connecting");
	assert_true(nc2_steer_events(s) & NC2_STEER_EV_STATUS);
	expect_send(f, s, NC2_STEER_END_A, NC2_MSG_BYPASS_FRONTEND, &m);
	assert_int_equal(m.peer_domid, 4);
	assert_memory_equal(m.mac, f->b.mac, 6);
	assert_int_equal(m.ring_pages, 4);
	assert_int_equal(nc2_bpend_recv(&f->fa, &m, &e), 0);
	assert_int_equal(e->state, NC2_BPEND_BUILD);
	assert_int_equal(e->role, NC2_BPEND_A);
	if (flags) {
		expect_send(f, s, NC2_STEER_END_A, NC2_MSG_BYPASS_ADDRS, &m);
		/* A is told B's addresses. */
		assert_int_equal(m.addrs.nr_ipv4, 1);
		assert_int_equal(m.addrs.ipv4[0][3], 4);
		/* Fed only after the build is reported. */
		assert_int_equal(nc2_bpend_recv(&f->fa, &m, &e2), -NC2_E_STATE);
	}
	expect_quiet(s);
	nc2_bpend_granted(*pa = e, 7, 10, grefs);
	if (flags) {
		assert_int_equal(nc2_bpend_recv(&f->fa, &m, &e), 0);
		assert_true(e->addrs_set);
	}
	assert_int_equal(answer(f, *pa, KA, NC2_MSG_BYPASS_FRONTEND_READY, &s2),
			 NC2_STEER_OK);
	assert_ptr_equal(s2, s);
	assert_int_equal(s->state, NC2_STEER_BACKEND_SENT);
	expect_send(f, s, NC2_STEER_END_B, NC2_MSG_BYPASS_BACKEND, &m);
	/* B learns A's rings exactly as A described them, with B's trust. */
	assert_int_equal(m.peer_domid, 3);
	assert_int_equal(m.evtchn, 7);
	assert_int_equal(m.ctrl_gref, 10);
	assert_int_equal(m.gref[7], 18);
	assert_int_equal(m.flags, NC2_BYPASS_F_REMOTE_TRUSTED | flags);
	assert_int_equal(nc2_bpend_recv(&f->fb, &m, &e), 0);
	assert_int_equal(e->role, NC2_BPEND_B);
	assert_int_equal(e->gref[7], 18);
	if (flags) {
		expect_send(f, s, NC2_STEER_END_B, NC2_MSG_BYPASS_ADDRS, &m);
		assert_int_equal(m.addrs.ipv4[0][3], 3);
	}
	nc2_bpend_mapped(*pb = e);
	if (flags)
		assert_int_equal(nc2_bpend_recv(&f->fb, &m, &e), 0);
	/* Held until the gate opens (test_gate), the parent before that. */
	assert_int_equal(nc2_bpend_route(*pb, true), NC2_BPEND_HOLD);
	assert_int_equal(nc2_bpend_route(*pb, false), NC2_BPEND_PARENT);
	assert_int_equal(answer(f, *pb, KB, NC2_MSG_BYPASS_READY, &s2),
			 NC2_STEER_OK);
	assert_int_equal(s->state, NC2_STEER_ACTIVE);
	assert_string_equal(nc2_steer_status(s), "active");
	expect_quiet(s);
	nc2_steer_events(s);
	return s;
}

/* DISABLE reaches both ends, which drain (no link) and answer. */
static void tear_down(struct sfix *f, struct nc2_steer *s,
		      struct nc2_bpend *ea, struct nc2_bpend *eb)
{
	struct nc2_bypass_msg m;
	struct nc2_steer *s2;
	struct nc2_bpend *e;

	nc2_steer_disable(&f->t, s, T0);
	assert_string_equal(nc2_steer_status(s), "disabling");
	expect_send(f, s, NC2_STEER_END_A, NC2_MSG_BYPASS_DISABLE, &m);
	assert_int_equal(nc2_bpend_recv(&f->fa, &m, &e), 0);
	assert_int_equal(e->state, NC2_BPEND_DRAINING);
	assert_int_equal(nc2_bpend_route(e, true), NC2_BPEND_HOLD);
	expect_send(f, s, NC2_STEER_END_B, NC2_MSG_BYPASS_DISABLE, &m);
	assert_int_equal(nc2_bpend_recv(&f->fb, &m, &e), 0);
	assert_int_equal(nc2_bpend_drain(&f->fa, ea, NULL, T0), 1);
	assert_int_equal(nc2_bpend_drain(&f->fb, eb, NULL, T0), 1);
	/* Held until DISABLED is out, then the parent. */
	assert_int_equal(nc2_bpend_route(ea, true), NC2_BPEND_HOLD);
	assert_int_equal(answer(f, ea, KA, NC2_MSG_BYPASS_DISABLED, &s2), 0);
	assert_int_equal(nc2_bpend_route(ea, true), NC2_BPEND_PARENT);
	assert_int_equal(s->state, NC2_STEER_DISABLING);
	assert_int_equal(answer(f, eb, KB, NC2_MSG_BYPASS_DISABLED, &s2), 0);
	assert_int_equal(s->state, NC2_STEER_DETACHING);
	expect_send(f, s, NC2_STEER_END_A, NC2_MSG_BYPASS_DETACH, &m);
	assert_int_equal(nc2_bpend_recv(&f->fa, &m, &e), 0);
	assert_int_equal(e->state, NC2_BPEND_RELEASE);
	expect_send(f, s, NC2_STEER_END_B, NC2_MSG_BYPASS_DETACH, &m);
	assert_int_equal(nc2_bpend_recv(&f->fb, &m, &e), 0);
	nc2_bpend_released(ea);
	nc2_bpend_released(eb);
	assert_int_equal(answer(f, ea, KA, NC2_MSG_BYPASS_DETACHED, &s2), 0);
	nc2_steer_events(s);
	assert_int_equal(answer(f, eb, KB, NC2_MSG_BYPASS_DETACHED, &s2), 0);
	assert_true(nc2_steer_events(s) & NC2_STEER_EV_OVER);
	assert_int_equal(s->state, NC2_STEER_FREE);
	assert_string_equal(nc2_steer_status(s), "disabled");
	assert_int_equal(ea->state, NC2_BPEND_FREE);
	assert_int_equal(eb->state, NC2_BPEND_FREE);
	assert_int_equal(nc2_steer_count(&f->t, KA), 0);
}

static void test_full_sequence(void **state)
{
	struct sfix f;
	struct nc2_bpend *ea, *eb;
	struct nc2_steer *s, *s2;

	(void)state;
	sfix_init(&f);
	s = bring_up(&f, 0, &ea, &eb);
	assert_int_equal(nc2_steer_count(&f.t, KA), 1);
	assert_ptr_equal(nc2_steer_find_pair(&f.t, KB, KA), s);
	/* One bypass per pair. */
	assert_int_equal(nc2_steer_start(&f.t, &f.b, &f.a, 4, 0, T0, &s2),
			 -NC2_E_STATE);
	tear_down(&f, s, ea, eb);
	/* The pair may have a new one, under a new handle. */
	uint32_t old = s->handle;

	s = bring_up(&f, 0, &ea, &eb);
	assert_int_not_equal(s->handle, old);
	tear_down(&f, s, ea, eb);
}

static void test_addrs(void **state)
{
	struct sfix f;
	struct nc2_bpend *ea, *eb;
	struct nc2_steer *s;

	(void)state;
	sfix_init(&f);
	/* By IP without addresses: refused. */
	assert_int_equal(nc2_steer_start(&f.t, &f.a, &f.b, 4,
					 NC2_BYPASS_F_ADDRS, T0, &s),
			 -NC2_E_INVAL);
	f.a.addrs.nr_ipv4 = 1;
	memcpy(f.a.addrs.ipv4[0], "\xc0\x00\x02\x03", 4);
	f.b.addrs.nr_ipv4 = 1;
	memcpy(f.b.addrs.ipv4[0], "\xc0\x00\x02\x04", 4);
	s = bring_up(&f, NC2_BYPASS_F_ADDRS, &ea, &eb);
	assert_memory_equal(eb->addrs.ipv4[0], "\xc0\x00\x02\x03", 4);
	tear_down(&f, s, ea, eb);
}

static void test_start_errors(void **state)
{
	struct sfix f;
	struct nc2_steer *s;
	struct nc2_steer_end z;

	(void)state;
	sfix_init(&f);
	assert_int_equal(nc2_steer_start(&f.t, &f.a, &f.b, 3, 0, T0, &s),
			 -NC2_E_INVAL);
	assert_int_equal(nc2_steer_start(&f.t, &f.a, &f.b, 32, 0, T0, &s),
			 -NC2_E_INVAL);
	assert_int_equal(nc2_steer_start(&f.t, &f.a, &f.b, 0, 0, T0, &s),
			 -NC2_E_INVAL);
	assert_int_equal(nc2_steer_start(&f.t, &f.a, &f.a, 1, 0, T0, &s),
			 -NC2_E_INVAL);
	assert_int_equal(nc2_steer_start(&f.t, &f.a, &f.b, 1, 0x80, T0, &s),
			 -NC2_E_INVAL);
	z = f.a;
	z.key = 0;
	assert_int_equal(nc2_steer_start(&f.t, &z, &f.b, 1, 0, T0, &s),
			 -NC2_E_INVAL);
	z = f.a;
	z.trust = 0x10;
	assert_int_equal(nc2_steer_start(&f.t, &z, &f.b, 1, 0, T0, &s),
			 -NC2_E_INVAL);
	/* Four slots: the fifth pair waits. */
	for (uint32_t i = 0; i < 4; i++) {
		z = f.b;
		z.key = 0x300 + i;
		assert_int_equal(nc2_steer_start(&f.t, &f.a, &z, 1, 0, T0, &s),
				 0);
	}
	assert_int_equal(nc2_steer_count(&f.t, KA), 4);
	assert_int_equal(nc2_steer_start(&f.t, &f.a, &f.b, 1, 0, T0, &s),
			 -NC2_E_LIMIT);
	assert_null(s);
}

/* Every answer the backend did not ask for is NC2_EP_BYPASS. */
static void test_steer_violations(void **state)
{
	struct sfix f;
	struct nc2_bypass_msg m, r;
	struct nc2_bpend *ea, *eb;
	struct nc2_steer *s, *s2;
	unsigned int k;

	(void)state;
	sfix_init(&f);
	assert_int_equal(nc2_steer_start(&f.t, &f.a, &f.b, 4, 0, T0, &s), 0);
	memset(&r, 0, sizeof(r));
	r.handle = s->handle;
	r.ring_pages = 4;
	/* Before BYPASS_FRONTEND has gone out: A cannot know the handle. */
	r.type = NC2_MSG_BYPASS_FRONTEND_READY;
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, T0, &s2),
			 -NC2_EP_BYPASS);
	expect_send(&f, s, NC2_STEER_END_A, NC2_MSG_BYPASS_FRONTEND, &m);
	/* Wrong end, wrong step, wrong size, unknown handle, stranger. */
	assert_int_equal(nc2_steer_recv(&f.t, KB, &r, T0, &s2),
			 -NC2_EP_BYPASS);
	r.type = NC2_MSG_BYPASS_READY;
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, T0, &s2),
			 -NC2_EP_BYPASS);
	assert_int_equal(nc2_steer_recv(&f.t, KB, &r, T0, &s2),
			 -NC2_EP_BYPASS);
	r.type = NC2_MSG_BYPASS_DISABLED;
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, T0, &s2),
			 -NC2_EP_BYPASS);
	r.type = NC2_MSG_BYPASS_DETACHED;
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, T0, &s2),
			 -NC2_EP_BYPASS);
	r.type = NC2_MSG_BYPASS_FRONTEND_READY;
	r.ring_pages = 2;
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, T0, &s2),
			 -NC2_EP_BYPASS);
	r.ring_pages = 4;
	r.handle = s->handle + 1;
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, T0, &s2),
			 -NC2_EP_BYPASS);
	r.handle = s->handle;
	assert_int_equal(nc2_steer_recv(&f.t, 0x999, &r, T0, &s2),
			 -NC2_EP_BYPASS);
	/* A backend-only type from a frontend. */
	r.type = NC2_MSG_BYPASS_DISABLE;
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, T0, &s2),
			 -NC2_EP_BYPASS);
	/* SUGGEST_BYPASS is a hint, whoever sends it. */
	r.type = NC2_MSG_SUGGEST_BYPASS;
	assert_int_equal(nc2_steer_recv(&f.t, 0x999, &r, T0, &s2),
			 NC2_STEER_HINT);
	assert_null(s2);
	/* The right answer, then the same again. */
	r.type = NC2_MSG_BYPASS_FRONTEND_READY;
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, T0, &s2), 0);
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, T0, &s2),
			 -NC2_EP_BYPASS);
	expect_send(&f, s, NC2_STEER_END_B, NC2_MSG_BYPASS_BACKEND, &m);
	r.type = NC2_MSG_BYPASS_READY;
	assert_int_equal(nc2_steer_recv(&f.t, KB, &r, T0, &s2), 0);
	assert_int_equal(nc2_steer_recv(&f.t, KB, &r, T0, &s2),
			 -NC2_EP_BYPASS);
	/* DISABLED while active, DETACHED before DETACH. */
	r.type = NC2_MSG_BYPASS_DISABLED;
	assert_int_equal(nc2_steer_recv(&f.t, KB, &r, T0, &s2),
			 -NC2_EP_BYPASS);
	nc2_steer_disable(&f.t, s, T0);
	/* DISABLE owed to A, not yet out: A cannot have answered it. */
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, T0, &s2),
			 -NC2_EP_BYPASS);
	while (nc2_steer_next(s, &k, &m))
		nc2_steer_sent(&f.t, s, k, 0, T0);
	r.type = NC2_MSG_BYPASS_DETACHED;
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, T0, &s2),
			 -NC2_EP_BYPASS);
	r.type = NC2_MSG_BYPASS_DISABLED;
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, T0, &s2), 0);
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, T0, &s2),
			 -NC2_EP_BYPASS);
	assert_int_equal(nc2_steer_recv(&f.t, KB, &r, T0, &s2), 0);
	while (nc2_steer_next(s, &k, &m))
		nc2_steer_sent(&f.t, s, k, 0, T0);
	r.type = NC2_MSG_BYPASS_DETACHED;
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, T0, &s2), 0);
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, T0, &s2),
			 -NC2_EP_BYPASS);
	(void)ea;
	(void)eb;
}

/* A DISABLE that crosses a set-up answer: neither end is at fault. */
static void test_crossing(void **state)
{
	struct sfix f;
	struct nc2_bypass_msg m, r;
	struct nc2_steer *s, *s2;

	(void)state;
	sfix_init(&f);
	/* Torn down before anything went out: nobody is told anything. */
	assert_int_equal(nc2_steer_start(&f.t, &f.a, &f.b, 4, 0, T0, &s), 0);
	nc2_steer_disable(&f.t, s, T0);
	assert_int_equal(s->state, NC2_STEER_FREE);
	assert_true(nc2_steer_events(s) & NC2_STEER_EV_OVER);
	expect_quiet(s);
	/* Torn down after BYPASS_FRONTEND went out. */
	assert_int_equal(nc2_steer_start(&f.t, &f.a, &f.b, 4, 0, T0, &s), 0);
	expect_send(&f, s, NC2_STEER_END_A, NC2_MSG_BYPASS_FRONTEND, &m);
	nc2_steer_disable(&f.t, s, T0);
	expect_send(&f, s, NC2_STEER_END_A, NC2_MSG_BYPASS_DISABLE, &m);
	expect_quiet(s); /* B never heard of it */
	memset(&r, 0, sizeof(r));
	r.handle = s->handle;
	r.type = NC2_MSG_BYPASS_FRONTEND_READY;
	r.ring_pages = 4;
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, T0, &s2),
			 NC2_STEER_LATE);
	expect_quiet(s); /* no BYPASS_BACKEND after all */
	r.type = NC2_MSG_BYPASS_DISABLED;
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, T0, &s2), 0);
	expect_send(&f, s, NC2_STEER_END_A, NC2_MSG_BYPASS_DETACH, &m);
	expect_quiet(s);
	r.type = NC2_MSG_BYPASS_DETACHED;
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, T0, &s2), 0);
	assert_int_equal(s->state, NC2_STEER_FREE);
}

/* The backend's deadlines: nobody holds a bypass or a slot for ever. */
static void test_deadlines(void **state)
{
	struct sfix f;
	struct nc2_bypass_msg m, r;
	struct nc2_bpend *ea, *eb;
	struct nc2_steer *s, *s2;
	uint64_t now = T0;
	uint32_t h;

	(void)state;
	sfix_init(&f);
	/* A never builds: torn down at connect_ms. */
	assert_int_equal(nc2_steer_start(&f.t, &f.a, &f.b, 4, 0, T0, &s), 0);
	expect_send(&f, s, NC2_STEER_END_A, NC2_MSG_BYPASS_FRONTEND, &m);
	nc2_steer_events(s);
	assert_int_equal(nc2_steer_tick(&f.t, T0 + 1000), 1);
	assert_int_equal(s->state, NC2_STEER_CONNECTING);
	nc2_steer_tick(&f.t, T0 + NC2_STEER_CONNECT_MS);
	assert_true(nc2_steer_events(s) & NC2_STEER_EV_TIMEOUT);
	assert_int_equal(s->state, NC2_STEER_DISABLING);
	expect_send(&f, s, NC2_STEER_END_A, NC2_MSG_BYPASS_DISABLE, &m);
	/* ... and never answers DISABLE either: let go, lingering. */
	now = T0 + NC2_STEER_CONNECT_MS + NC2_STEER_STEP_MS;
	nc2_steer_tick(&f.t, now);
	assert_true(nc2_steer_events(s) & NC2_STEER_EV_LATE);
	assert_int_equal(s->state, NC2_STEER_LINGER);
	assert_string_equal(nc2_steer_status(s), "disabled");
	assert_false(nc2_steer_live(s));
	assert_int_equal(nc2_steer_count(&f.t, KA), 1); /* A still owes */
	assert_int_equal(nc2_steer_count(&f.t, KB), 0);
	/* Its late answers are taken quietly, in order, then the slot frees. */
	memset(&r, 0, sizeof(r));
	r.handle = s->handle;
	r.type = NC2_MSG_BYPASS_DETACHED;
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, now, &s2),
			 -NC2_EP_BYPASS);
	r.type = NC2_MSG_BYPASS_DISABLED;
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, now, &s2), 0);
	expect_send(&f, s, NC2_STEER_END_A, NC2_MSG_BYPASS_DETACH, &m);
	r.type = NC2_MSG_BYPASS_DETACHED;
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, now, &s2),
			 NC2_STEER_LATE);
	assert_int_equal(s->state, NC2_STEER_FREE);

	/* Active; B never answers DISABLE: A detaches alone. */
	s = bring_up(&f, 0, &ea, &eb);
	nc2_steer_disable(&f.t, s, now);
	expect_send(&f, s, NC2_STEER_END_A, NC2_MSG_BYPASS_DISABLE, &m);
	expect_send(&f, s, NC2_STEER_END_B, NC2_MSG_BYPASS_DISABLE, &m);
	r.handle = s->handle;
	r.type = NC2_MSG_BYPASS_DISABLED;
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, now, &s2), 0);
	nc2_steer_tick(&f.t, now + NC2_STEER_STEP_MS);
	assert_int_equal(s->state, NC2_STEER_DETACHING);
	/* Never DETACH to an end before its DISABLED. */
	expect_send(&f, s, NC2_STEER_END_A, NC2_MSG_BYPASS_DETACH, &m);
	expect_quiet(s);
	r.type = NC2_MSG_BYPASS_DETACHED;
	assert_int_equal(nc2_steer_recv(&f.t, KA, &r, now, &s2), 0);
	assert_int_equal(s->state, NC2_STEER_LINGER);
	h = s->handle;
	/* Nothing from B within linger_ms: the slot is free, the handle dead. */
	nc2_steer_tick(&f.t, now + NC2_STEER_STEP_MS + NC2_STEER_LINGER_MS);
	assert_int_equal(s->state, NC2_STEER_FREE);
	r.handle = h;
	r.type = NC2_MSG_BYPASS_DISABLED;
	assert_int_equal(nc2_steer_recv(&f.t, KB, &r, now, &s2),
			 -NC2_EP_BYPASS);
	assert_int_equal(nc2_steer_tick(&f.t, now + 100000), 0);
}

/* A full ring waits for the tick; an unreachable end counts as gone. */
static void test_ring_full_and_gone(void **state)
{
	struct sfix f;
	struct nc2_bypass_msg m;
	struct nc2_bpend *ea, *eb;
	struct nc2_steer *s;
	unsigned int k;

	(void)state;
	sfix_init(&f);
	assert_int_equal(nc2_steer_start(&f.t, &f.a, &f.b, 4, 0, T0, &s), 0);
	assert_int_equal(nc2_steer_next(s, &k, &m), 1);
	nc2_steer_sent(&f.t, s, k, -NC2_E_AGAIN, T0);
	expect_quiet(s);
	nc2_steer_tick(&f.t, T0 + 100);
	expect_send(&f, s, NC2_STEER_END_A, NC2_MSG_BYPASS_FRONTEND, &m);
	nc2_steer_disable(&f.t, s, T0);
	assert_int_equal(nc2_steer_next(s, &k, &m), 1);
	/* A's link went down under us: nothing more owed, over. */
	nc2_steer_sent(&f.t, s, k, -NC2_E_STATE, T0);
	assert_int_equal(s->state, NC2_STEER_FREE);

	/* B's guest goes away while active: A is told to disable. */
	s = bring_up(&f, 0, &ea, &eb);
	nc2_steer_gone(&f.t, KB, T0);
	assert_int_equal(s->state, NC2_STEER_DISABLING);
	expect_send(&f, s, NC2_STEER_END_A, NC2_MSG_BYPASS_DISABLE, &m);
	expect_quiet(s);
	assert_int_equal(nc2_steer_count(&f.t, KB), 0);
	nc2_steer_gone(&f.t, KA, T0);
	assert_int_equal(s->state, NC2_STEER_FREE);
}

/* Every backend message a frontend did not expect is NC2_EP_BYPASS. */
static void test_end_violations(void **state)
{
	struct nc2_bpend slot[2], *e, *e2;
	struct nc2_bpend_table t;
	struct nc2_bypass_msg m;

	(void)state;
	nc2_bpend_init(&t, slot, 2);
	memset(&m, 0, sizeof(m));
	m.handle = 5;
	m.ring_pages = 1;
	/* Unknown handles. */
	m.type = NC2_MSG_BYPASS_DISABLE;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e), -NC2_EP_BYPASS);
	m.type = NC2_MSG_BYPASS_DETACH;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e), -NC2_EP_BYPASS);
	m.type = NC2_MSG_BYPASS_ADDRS;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e), -NC2_EP_BYPASS);
	/* Frontend-only types from the backend. */
	m.type = NC2_MSG_BYPASS_READY;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e), -NC2_EP_BYPASS);
	m.type = NC2_MSG_BYPASS_FRONTEND;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e), 0);
	nc2_bpend_failed(e); /* could not build: no answer owed */
	assert_int_equal(nc2_bpend_next(e, &m), 0);
	m.type = NC2_MSG_BYPASS_FRONTEND;
	m.handle = 5;
	/* A live handle, again (either set-up message). */
	assert_int_equal(nc2_bpend_recv(&t, &m, &e2), -NC2_EP_BYPASS);
	m.type = NC2_MSG_BYPASS_BACKEND;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e2), -NC2_EP_BYPASS);
	/* ADDRS without the flag. */
	m.type = NC2_MSG_BYPASS_ADDRS;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e2), -NC2_EP_BYPASS);
	/* DETACH before DISABLED. */
	m.type = NC2_MSG_BYPASS_DETACH;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e2), -NC2_EP_BYPASS);
	/* A failed build was never used: disabled at once. */
	m.type = NC2_MSG_BYPASS_DISABLE;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e2), 0);
	assert_int_equal(e->state, NC2_BPEND_DISABLED);
	assert_int_equal(nc2_bpend_route(e, true), NC2_BPEND_HOLD);
	assert_int_equal(nc2_bpend_recv(&t, &m, &e2), -NC2_EP_BYPASS);
	/* DETACH while DISABLED is still owed: before it went out. */
	m.type = NC2_MSG_BYPASS_DETACH;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e2), -NC2_EP_BYPASS);
	assert_int_equal(nc2_bpend_next(e, &m), 1);
	assert_int_equal(m.type, NC2_MSG_BYPASS_DISABLED);
	nc2_bpend_sent(e, -NC2_E_AGAIN);
	assert_int_equal(nc2_bpend_next(e, &m), 1);
	nc2_bpend_sent(e, 0);
	m.type = NC2_MSG_BYPASS_DETACH;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e2), 0);
	assert_int_equal(e->state, NC2_BPEND_RELEASE);
	nc2_bpend_released(e);
	/* RELEASED: the handle is over, its DETACHED still owed. */
	m.type = NC2_MSG_BYPASS_DISABLE;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e2), -NC2_EP_BYPASS);
	/* The table: two slots; a third live handle is too many. */
	m.type = NC2_MSG_BYPASS_BACKEND;
	m.handle = 6;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e2), 0);
	nc2_bpend_mapped(e2);
	m.handle = 7;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e2), -NC2_EP_BYPASS);
	nc2_bpend_sent(e, 0); /* DETACHED out: the slot is free */
	assert_int_equal(nc2_bpend_recv(&t, &m, &e2), 0);
	/* ADDRS twice, with the flag. */
	nc2_bpend_reset(&t);
	m.type = NC2_MSG_BYPASS_FRONTEND;
	m.flags = NC2_BYPASS_F_ADDRS;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e), 0);
	nc2_bpend_granted(e, 1, 2, (const uint32_t[2]){ 3, 4 });
	m.type = NC2_MSG_BYPASS_ADDRS;
	m.addrs.nr_ipv6 = 1;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e2), 0);
	assert_true(e->addrs_set);
	assert_int_equal(nc2_bpend_recv(&t, &m, &e2), -NC2_EP_BYPASS);
}

/* Links a and b over p (device class cls), both UP. */
static void links_up(struct tpair *p, struct nc2_link *a, struct nc2_link *b,
		     uint16_t cls)
{
	struct nc2_link_config ca, cb;
	struct nc2_msg msg;

	tpair_alloc(p, 1);
	tpair_config(p, &ca, &cb, cls);
	assert_int_equal(nc2_link_init(a, &ca, p->a2b.ctrl, p->a2b.data,
				       p->a2b.bytes, p->b2a.ctrl, p->b2a.data,
				       p->b2a.bytes), 0);
	assert_int_equal(nc2_link_init(b, &cb, p->b2a.ctrl, p->b2a.data,
				       p->b2a.bytes, p->a2b.ctrl, p->a2b.data,
				       p->a2b.bytes), 0);
	nc2_link_start(a);
	nc2_link_start(b);
	nc2_link_push(a);
	nc2_link_push(b);
	nc2_link_poll(a, &msg);
	nc2_link_poll(b, &msg);
	nc2_link_release(b);
	nc2_link_release(a);
	nc2_link_poll(a, &msg);
	assert_int_equal(nc2_link_state(a), NC2_LINK_UP);
}

/* b receives a's id and FINISHes it; a takes the FINISH. */
static void finish_one(struct nc2_link *a, struct nc2_link *b, uint32_t id)
{
	struct nc2_finish_iter it;
	struct nc2_msg msg;
	uint32_t back;

	assert_int_equal(nc2_link_recv_id(b, id), 0);
	assert_int_equal(nc2_link_finish(b, &id, 1), 1);
	nc2_link_push(b);
	assert_int_equal(nc2_link_poll(a, &msg), 1);
	assert_int_equal(nc2_link_finish_begin(a, &msg, &it), 0);
	while (nc2_link_finish_next(a, &it, &back, NULL) > 0)
		;
	nc2_link_consume(a);
}

/*
 * Drained is a fact: nothing we sent unconsumed, no id in flight; or the
 * link is over; or the peer made no progress for stall_ms. Never a
 * plain timeout while the peer keeps going.
 */
static void test_drain(void **state)
{
	struct nc2_bpend slot[3], *e;
	struct nc2_bpend_table t;
	struct nc2_bypass_msg m;
	struct nc2_link a, b;
	struct tpair p;
	uint32_t id, id2, ids[40];
	uint64_t now = T0;

	(void)state;
	links_up(&p, &a, &b, NC2_CLASS_NET);

	nc2_bpend_init(&t, slot, 3);
	memset(&m, 0, sizeof(m));
	m.type = NC2_MSG_BYPASS_BACKEND;
	m.handle = 9;
	m.ring_pages = 1;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e), 0);
	nc2_bpend_mapped(e);
	nc2_bpend_sent(e, 0);
	/* Two ids in flight at the peer. */
	assert_int_equal(nc2_link_get_id(&a, NULL, &id), 0);
	assert_int_equal(nc2_link_get_id(&a, NULL, &id2), 0);
	m.type = NC2_MSG_BYPASS_DISABLE;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e), 0);
	assert_int_equal(nc2_bpend_drain(&t, e, &a, now), 0);
	/* Long past stall_ms, but the peer finishes one: not stalled. */
	now += 3 * NC2_BPEND_STALL_MS;
	finish_one(&a, &b, id);
	assert_int_equal(nc2_link_ids_inflight(&a), 1);
	assert_int_equal(nc2_bpend_drain(&t, e, &a, now), 0);
	assert_int_equal(nc2_bpend_drain(&t, e, &a, now + NC2_BPEND_STALL_MS - 1),
			 0);
	/* The last one: drained, and the peer did not stall. */
	finish_one(&a, &b, id2);
	assert_int_equal(nc2_bpend_drain(&t, e, &a, now + 1), 1);
	assert_false(e->stalled);
	assert_int_equal(nc2_bpend_route(e, true), NC2_BPEND_HOLD);
	nc2_bpend_sent(e, 0);
	assert_int_equal(nc2_bpend_route(e, true), NC2_BPEND_PARENT);

	/* A peer that never finishes: stalled after stall_ms, no sooner. */
	m.type = NC2_MSG_BYPASS_BACKEND;
	m.handle = 10;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e), 0);
	nc2_bpend_mapped(e);
	nc2_bpend_sent(e, 0);
	assert_int_equal(nc2_link_get_id(&a, NULL, &id), 0);
	m.type = NC2_MSG_BYPASS_DISABLE;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e), 0);
	assert_int_equal(nc2_bpend_drain(&t, e, &a, now), 0);
	assert_int_equal(nc2_bpend_drain(&t, e, &a, now + 1000), 0);
	assert_int_equal(nc2_bpend_drain(&t, e, &a, now + NC2_BPEND_STALL_MS),
			 1);
	assert_true(e->stalled);

	/* One that dribbles: a new low every window is not enough for ever. */
	m.type = NC2_MSG_BYPASS_BACKEND;
	m.handle = 12;
	nc2_bpend_reset(&t);
	assert_int_equal(nc2_bpend_recv(&t, &m, &e), 0);
	nc2_bpend_mapped(e);
	nc2_bpend_sent(e, 0);
	for (int i = 0; i < 40; i++)
		nc2_link_get_id(&a, NULL, &ids[i]);
	m.type = NC2_MSG_BYPASS_DISABLE;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e), 0);
	for (int i = 0; i < 40; i++) {
		uint64_t at = now + (uint64_t)i * (NC2_BPEND_STALL_MS - 1);
		int r = nc2_bpend_drain(&t, e, &a, at);

		if (at - now >= (uint64_t)NC2_BPEND_STALL_MS *
				       NC2_BPEND_DRAIN_WINDOWS) {
			assert_int_equal(r, 1);
			break;
		}
		assert_int_equal(r, 0);
		/* The peer finishes one id a window. */
		finish_one(&a, &b, ids[i]);
		nc2_link_release(&a);
		nc2_link_release(&b);
	}
	assert_true(e->stalled);
	assert_int_equal(e->state, NC2_BPEND_DISABLED);

	/* A closed link has nothing more to deliver. */
	m.type = NC2_MSG_BYPASS_FRONTEND;
	m.handle = 11;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e), 0);
	nc2_bpend_granted(e, 1, 2, (const uint32_t[2]){ 3, 4 });
	nc2_bpend_sent(e, 0);
	m.type = NC2_MSG_BYPASS_DISABLE;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e), 0);
	assert_int_equal(e->state, NC2_BPEND_DRAINING);
	nc2_link_close(&a, 0);
	assert_int_equal(nc2_bpend_drain(&t, e, &a, now), 1);
	assert_false(e->stalled);

	/* A link that failed while up: the parent, and DISABLE at once. */
	m.type = NC2_MSG_BYPASS_FRONTEND;
	m.handle = 13;
	nc2_bpend_reset(&t);
	assert_int_equal(nc2_bpend_recv(&t, &m, &e), 0);
	nc2_bpend_granted(e, 1, 2, (const uint32_t[2]){ 3, 4 });
	nc2_bpend_failed(e);
	assert_int_equal(nc2_bpend_route(e, true), NC2_BPEND_PARENT);
	/* Its FRONTEND_READY was still owed: it goes. */
	assert_int_equal(nc2_bpend_next(e, &m), 1);
	assert_int_equal(m.type, NC2_MSG_BYPASS_FRONTEND_READY);
	nc2_bpend_sent(e, 0);
	m.type = NC2_MSG_BYPASS_DISABLE;
	m.handle = 13;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e), 0);
	assert_int_equal(e->state, NC2_BPEND_DISABLED);
	tpair_free(&p);
}

/*
 * The switch onto the bypass keeps order: packets for the peer wait until
 * the parent has delivered what was sent on it before (10.3 step 5).
 */
static void test_gate(void **state)
{
	struct nc2_bpend slot[1], *e;
	struct nc2_bpend_table t;
	struct nc2_bypass_msg m;
	struct nc2_link a, b;
	struct nc2_msg msg;
	struct tpair p;
	uint32_t id, id2;
	uint8_t body[8] = { 0 };

	(void)state;
	links_up(&p, &a, &b, NC2_CLASS_BLOCK_EXAMPLE);

	nc2_bpend_init(&t, slot, 1);
	memset(&m, 0, sizeof(m));
	m.type = NC2_MSG_BYPASS_BACKEND;
	m.handle = 9;
	m.ring_pages = 1;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e), 0);
	/* Not before it is up. */
	assert_int_equal(nc2_bpend_gate(&t, e, &a, T0), 0);
	nc2_bpend_mapped(e);
	nc2_bpend_sent(e, 0);
	/* The parent still carries a message and an id for the backend. */
	assert_int_equal(nc2_link_send(&a, 0x80, 0, body, sizeof(body)), 0);
	nc2_link_push(&a);
	assert_int_equal(nc2_link_get_id(&a, NULL, &id), 0);
	assert_int_equal(nc2_bpend_gate(&t, e, &a, T0), 0);
	assert_int_equal(nc2_bpend_route(e, true), NC2_BPEND_HOLD);
	/* Sent after the gate armed, an id too: not waited for. */
	assert_int_equal(nc2_link_send(&a, 0x80, 0, body, sizeof(body)), 0);
	nc2_link_push(&a);
	assert_int_equal(nc2_link_get_id(&a, NULL, &id2), 0);
	/* The backend consumes the first message: the id still flies. */
	assert_int_equal(nc2_link_poll(&b, &msg), 1);
	nc2_link_consume(&b);
	nc2_link_release(&b);
	assert_int_equal(nc2_bpend_gate(&t, e, &a, T0 + 1), 0);
	/* ... and finishes it: open, though the second message is
	 * unconsumed and the second id in flight. */
	finish_one(&a, &b, id);
	assert_int_equal(nc2_bpend_gate(&t, e, &a, T0 + 2), 1);
	assert_int_equal(nc2_bpend_route(e, true), NC2_BPEND_BYPASS);
	assert_int_equal(nc2_bpend_route(e, false), NC2_BPEND_PARENT);

	/* A backend that does not move: open after stall_ms. */
	nc2_bpend_reset(&t);
	m.handle = 10;
	assert_int_equal(nc2_bpend_recv(&t, &m, &e), 0);
	nc2_bpend_mapped(e);
	assert_int_equal(nc2_link_get_id(&a, NULL, &id), 0);
	assert_int_equal(nc2_bpend_gate(&t, e, &a, T0), 0);
	assert_int_equal(nc2_bpend_gate(&t, e, &a, T0 + NC2_BPEND_STALL_MS - 1),
			 0);
	assert_int_equal(nc2_bpend_gate(&t, e, &a, T0 + NC2_BPEND_STALL_MS), 1);
	tpair_free(&p);
}

/* The frontends' traffic reports: text, and what the backend makes of them. */
static void test_traffic(void **state)
{
	static const char *const bad[] = {
		"1", "1:", ":5", "0:5", "1:5:", "1:5 x", "4294967296:1",
		"1:123456789012345678901", "1:1 2:2 3:3 4:4 5:5 6:6 7:7 8:8 9:9",
		"-1:5", "1 :5", "1: 5", "1:5,2:6",
	};
	struct nc2_traffic tr[NC2_TRAFFIC_MAX];
	char buf[NC2_TRAFFIC_MAX_TEXT];
	struct nc2_bpend *ea, *eb;
	struct nc2_steer *s;
	struct sfix f;
	uint64_t now = T0;

	(void)state;
	assert_int_equal(nc2_traffic_parse("", 0, tr), 0);
	assert_int_equal(nc2_traffic_parse("7:0 12:4000000000000\n", 21, tr),
			 2);
	assert_int_equal(tr[1].handle, 12);
	assert_true(tr[1].packets == 4000000000000ull);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(nc2_traffic_parse(bad[i], strlen(bad[i]), tr),
				 -NC2_E_INVAL);
	tr[0].handle = 4294967295u;
	tr[0].packets = 18446744073709551615ull;
	tr[1].handle = 3;
	tr[1].packets = 0;
	assert_int_equal(nc2_traffic_format(buf, sizeof(buf), tr, 2), 35);
	assert_string_equal(buf, "4294967295:18446744073709551615 3:0");
	/* What it writes, it reads; one more is too many. */
	assert_int_equal(nc2_traffic_parse(buf, 35, tr), 2);
	assert_true(tr[0].packets == 18446744073709551615ull);
	assert_int_equal(nc2_traffic_parse("1:18446744073709551616", 22, tr),
			 -NC2_E_INVAL);
	assert_int_equal(nc2_traffic_format(buf, 10, tr, 2), -NC2_E_INVAL);
	assert_int_equal(nc2_traffic_format(buf, sizeof(buf), tr, 9),
			 -NC2_E_INVAL);
	assert_int_equal(nc2_traffic_format(buf, sizeof(buf), tr, 0), 0);
	assert_string_equal(buf, "");

	sfix_init(&f);
	s = bring_up(&f, 0, &ea, &eb);
	/* Nobody reports: never idle. */
	assert_false(nc2_steer_idle(s, now + 100000, 30000));
	/* B reports, and its count grows; A's report is someone else's. */
	nc2_steer_traffic(&f.t, KB, s->handle, 10, now);
	nc2_steer_traffic(&f.t, 0x999, s->handle, 0, now);
	nc2_steer_traffic(&f.t, KB, s->handle, 500, now + 20000);
	assert_true(nc2_steer_last_traffic(s) == now + 20000);
	assert_false(nc2_steer_idle(s, now + 49999, 30000));
	/* A busy A cannot keep it up against B's word. */
	nc2_steer_traffic(&f.t, KA, s->handle, 1, now + 40000);
	nc2_steer_traffic(&f.t, KA, s->handle, 2, now + 50000);
	assert_true(nc2_steer_idle(s, now + 50000, 30000));
	nc2_steer_disable(&f.t, s, now);
	assert_false(nc2_steer_idle(s, now + 90000, 30000));
	assert_true(nc2_steer_last_traffic(s) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_sequence),
		cmocka_unit_test(test_addrs),
		cmocka_unit_test(test_start_errors),
		cmocka_unit_test(test_steer_violations),
		cmocka_unit_test(test_crossing),
		cmocka_unit_test(test_deadlines),
		cmocka_unit_test(test_ring_full_and_gone),
		cmocka_unit_test(test_end_violations),
		cmocka_unit_test(test_drain),
		cmocka_unit_test(test_gate),
		cmocka_unit_test(test_traffic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
