// SPDX-License-Identifier: MIT
/* Bypass messages: every one round-trips; only the backend may steer. */
#include "fixture.h"
#include <string.h>

struct bfix {
	struct tpair t;
	struct nc2_net fe, be;
	struct nc2_link_config cf, cb;
};

static void bfix_up(struct bfix *f, enum nc2_net_role fe_role,
		    enum nc2_net_role be_role)
{
	struct nc2_net_limits lim;
	struct nc2_msg m;

	nc2_net_limits_default(&lim);
	tpair_alloc(&f->t, 1);
	tpair_config(&f->t, &f->cf, &f->cb, NC2_CLASS_NET);
	assert_int_equal(nc2_net_init(&f->fe, fe_role, &f->cf, &lim,
				      f->t.a2b.ctrl, f->t.a2b.data, 4096,
				      f->t.b2a.ctrl, f->t.b2a.data, 4096), 0);
	assert_int_equal(nc2_net_init(&f->be, be_role, &f->cb, &lim,
				      f->t.b2a.ctrl, f->t.b2a.data, 4096,
				      f->t.a2b.ctrl, f->t.a2b.data, 4096), 0);
	nc2_net_start(&f->fe);
	nc2_net_start(&f->be);
	nc2_link_push(&f->fe.link);
	nc2_link_push(&f->be.link);
	assert_int_equal(nc2_net_poll(&f->fe, &m), 0);
	assert_int_equal(nc2_net_poll(&f->be, &m), 0);
}

static void sample(struct nc2_bypass_msg *b, uint8_t type)
{
	memset(b, 0, sizeof(*b));
	b->type = type;
	b->handle = 0x1234;
	switch (type) {
	case NC2_MSG_BYPASS_FRONTEND:
	case NC2_MSG_BYPASS_BACKEND:
	case NC2_MSG_BYPASS_FRONTEND_READY:
		b->ring_pages = 4;
		b->evtchn = type == NC2_MSG_BYPASS_FRONTEND ? 0 : 77;
		b->ctrl_gref = type == NC2_MSG_BYPASS_FRONTEND ? 0 : 500;
		for (uint32_t i = 0; i < 8 && type != NC2_MSG_BYPASS_FRONTEND;
		     i++)
			b->gref[i] = 600 + i;
		if (type != NC2_MSG_BYPASS_FRONTEND_READY) {
			b->peer_domid = 7;
			b->flags = NC2_BYPASS_F_REMOTE_TRUSTED;
			memcpy(b->mac, "\x00\x16\x3e\x01\x02\x03", 6);
		}
		break;
	case NC2_MSG_SUGGEST_BYPASS:
		b->handle = 0;
		memcpy(b->mac, "\x00\x16\x3e\x0a\x0b\x0c", 6);
		break;
	}
}

static void test_round_trip_all(void **state)
{
	static const uint8_t from_be[] = {
		NC2_MSG_BYPASS_FRONTEND, NC2_MSG_BYPASS_BACKEND,
		NC2_MSG_BYPASS_DISABLE, NC2_MSG_BYPASS_DETACH
	};
	static const uint8_t from_fe[] = {
		NC2_MSG_BYPASS_FRONTEND_READY, NC2_MSG_BYPASS_READY,
		NC2_MSG_BYPASS_DISABLED, NC2_MSG_BYPASS_DETACHED,
		NC2_MSG_SUGGEST_BYPASS
	};
	struct bfix f;
	struct nc2_bypass_msg out, in;
	struct nc2_msg m;

	bfix_up(&f, NC2_ROLE_FRONTEND, NC2_ROLE_BACKEND);
	for (unsigned i = 0; i < sizeof(from_be); i++) {
		sample(&out, from_be[i]);
		assert_int_equal(nc2_bypass_send(&f.be, &out), 0);
		/* The frontend may not send what only the backend may. */
		assert_int_equal(nc2_bypass_send(&f.fe, &out), -NC2_E_INVAL);
		nc2_link_push(&f.be.link);
		assert_int_equal(nc2_net_poll(&f.fe, &m), 1);
		assert_int_equal(nc2_bypass_decode(NC2_ROLE_FRONTEND, &m, &in), 0);
		assert_memory_equal(&in, &out, sizeof(in));
		nc2_link_consume(&f.fe.link);
	}
	for (unsigned i = 0; i < sizeof(from_fe); i++) {
		sample(&out, from_fe[i]);
		assert_int_equal(nc2_bypass_send(&f.fe, &out), 0);
		nc2_link_push(&f.fe.link);
		assert_int_equal(nc2_net_poll(&f.be, &m), 1);
		assert_int_equal(nc2_bypass_decode(NC2_ROLE_BACKEND, &m, &in), 0);
		assert_memory_equal(&in, &out, sizeof(in));
		nc2_link_consume(&f.be.link);
	}
	tpair_free(&f.t);
}

/* A frontend impersonating the backend is a protocol error. */
static void test_untrusted_sender(void **state)
{
	struct bfix f;
	struct nc2_bypass_msg b;
	struct nc2_msg m;

	/* Both ends claim to be the backend: the receiver must refuse. */
	bfix_up(&f, NC2_ROLE_BACKEND, NC2_ROLE_BACKEND);
	sample(&b, NC2_MSG_BYPASS_FRONTEND);
	assert_int_equal(nc2_bypass_send(&f.fe, &b), 0);
	nc2_link_push(&f.fe.link);
	assert_int_equal(nc2_net_poll(&f.be, &m), -NC2_EP_BYPASS);
	assert_int_equal(nc2_link_error(&f.be.link), -NC2_EP_BYPASS);
	tpair_free(&f.t);

	/* Nothing bypass-related on a bypass ring. */
	bfix_up(&f, NC2_ROLE_BACKEND, NC2_ROLE_PEER);
	sample(&b, NC2_MSG_BYPASS_DISABLE);
	assert_int_equal(nc2_bypass_send(&f.fe, &b), 0);
	nc2_link_push(&f.fe.link);
	assert_int_equal(nc2_net_poll(&f.be, &m), -NC2_EP_BYPASS);
	tpair_free(&f.t);

	/* A malformed bypass message fails the link that received it. */
	bfix_up(&f, NC2_ROLE_FRONTEND, NC2_ROLE_BACKEND);
	nc2_prod_send(&f.be.link.tx, NC2_MSG_BYPASS_DETACH, 0, "abcdefghijkl",
		      12);
	nc2_link_push(&f.be.link);
	assert_int_equal(nc2_net_poll(&f.fe, &m), 1);
	assert_int_equal(nc2_net_recv_bypass(&f.fe, &m, &b), -NC2_EP_MSG_LAYOUT);
	assert_int_equal(nc2_link_error(&f.fe.link), -NC2_EP_MSG_LAYOUT);
	tpair_free(&f.t);

	/* Unknown net type. */
	bfix_up(&f, NC2_ROLE_FRONTEND, NC2_ROLE_BACKEND);
	nc2_prod_send(&f.fe.link.tx, 0x60, 0, "abcd", 4);
	nc2_link_push(&f.fe.link);
	assert_int_equal(nc2_net_poll(&f.be, &m), -NC2_EP_MSG_TYPE);
	tpair_free(&f.t);
	assert_int_equal(nc2_bypass_allowed(NC2_ROLE_FRONTEND, 0x61),
			 -NC2_EP_MSG_TYPE);
}

static void test_bad_layouts(void **state)
{
	static uint8_t buf[256];
	struct nc2_msg m = { .data = buf };
	struct nc2_bypass_msg b;
	struct {
		uint8_t type;
		uint16_t size, pages_at, pages;
		int err;
	} cases[] = {
		{ NC2_MSG_BYPASS_FRONTEND, 16, 0, 0, -NC2_EP_MSG_LAYOUT },
		{ NC2_MSG_BYPASS_FRONTEND, 24, 18, 3, -NC2_EP_BYPASS },
		{ NC2_MSG_BYPASS_FRONTEND, 24, 18, 32, -NC2_EP_BYPASS },
		{ NC2_MSG_BYPASS_BACKEND, 32 + 8, 24, 2, -NC2_EP_MSG_LAYOUT },
		{ NC2_MSG_BYPASS_BACKEND, 32 + 16, 24, 0, -NC2_EP_BYPASS },
		{ NC2_MSG_BYPASS_BACKEND, 16, 24, 1, -NC2_EP_MSG_LAYOUT },
		{ NC2_MSG_BYPASS_DISABLE, 16, 0, 0, -NC2_EP_MSG_LAYOUT },
		{ NC2_MSG_BYPASS_BACKEND, 32 + 16, 24, 2, 0 },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, 0, sizeof(buf));
		m.type = cases[i].type;
		m.size = cases[i].size;
		if (cases[i].pages_at)
			memcpy(buf + cases[i].pages_at, &cases[i].pages, 2);
		assert_int_equal(nc2_bypass_decode(NC2_ROLE_FRONTEND, &m, &b),
				 cases[i].err);
	}
	/* Suggest with bad size; flags with unknown bits. */
	m.type = NC2_MSG_SUGGEST_BYPASS;
	m.size = 8;
	assert_int_equal(nc2_bypass_decode(NC2_ROLE_BACKEND, &m, &b),
			 -NC2_EP_MSG_LAYOUT);
	memset(buf, 0, sizeof(buf));
	m.type = NC2_MSG_BYPASS_FRONTEND;
	m.size = 24;
	buf[18] = 1;
	buf[16] = 0x80;
	assert_int_equal(nc2_bypass_decode(NC2_ROLE_FRONTEND, &m, &b),
			 -NC2_EP_BYPASS);
}

static void test_send_checks(void **state)
{
	struct bfix f;
	struct nc2_bypass_msg b;

	bfix_up(&f, NC2_ROLE_FRONTEND, NC2_ROLE_BACKEND);
	sample(&b, NC2_MSG_BYPASS_FRONTEND);
	b.ring_pages = 3;
	assert_int_equal(nc2_bypass_send(&f.be, &b), -NC2_E_INVAL);
	b.ring_pages = 2;
	b.flags = 0x40;
	assert_int_equal(nc2_bypass_send(&f.be, &b), -NC2_E_INVAL);
	b.type = 0x70;
	b.flags = 0;
	assert_int_equal(nc2_bypass_send(&f.be, &b), -NC2_E_INVAL);
	tpair_free(&f.t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_all),
		cmocka_unit_test(test_untrusted_sender),
		cmocka_unit_test(test_bad_layouts),
		cmocka_unit_test(test_send_checks),
	};

	return cmocka_run_group_tests_name("bypass", tests, NULL, NULL);
}
