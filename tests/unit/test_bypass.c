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
	case NC2_MSG_BYPASS_ADDRS:
		b->addrs.nr_ipv4 = 2;
		b->addrs.nr_ipv6 = 1;
		memcpy(b->addrs.ipv4[0], "\xc6\x33\x64\x0c", 4);
		memcpy(b->addrs.ipv4[1], "\xc0\x00\x02\x0c", 4);
		memcpy(b->addrs.ipv6[0], "\x20\x01\x0d\xb8\0\0\0\0"
					 "\0\0\0\0\0\0\0\x12", 16);
		break;
	}
}

static void test_round_trip_all(void **state)
{
	static const uint8_t from_be[] = {
		NC2_MSG_BYPASS_FRONTEND, NC2_MSG_BYPASS_BACKEND,
		NC2_MSG_BYPASS_DISABLE, NC2_MSG_BYPASS_DETACH,
		NC2_MSG_BYPASS_ADDRS
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

/* BYPASS_ADDRS: counts, sizes and padding are checked before use. */
static void test_addrs_layout(void **state)
{
	static uint8_t buf[256];
	struct nc2_msg m = { .data = buf, .type = NC2_MSG_BYPASS_ADDRS };
	struct nc2_bypass_msg b;
	struct {
		uint8_t nr4, nr6;
		uint16_t size;
		int err;
	} cases[] = {
		{ 1, 0, 16, 0 },	/* 12 + 4 */
		{ 0, 1, 32, 0 },	/* 12 + 16, padded */
		{ 4, 4, 96, 0 },	/* 12 + 16 + 64, padded */
		{ 0, 0, 16, -NC2_EP_BYPASS },	/* says nothing */
		{ 5, 0, 32, -NC2_EP_BYPASS },	/* too many */
		{ 0, 5, 96, -NC2_EP_BYPASS },
		{ 1, 0, 24, -NC2_EP_MSG_LAYOUT },	/* size disagrees */
		{ 0, 1, 24, -NC2_EP_MSG_LAYOUT },
		{ 4, 4, 104, -NC2_EP_MSG_LAYOUT },
		{ 1, 0, 8, -NC2_EP_MSG_LAYOUT },	/* shorter than its header */
		{ 4, 4, 200, -NC2_EP_MSG_LAYOUT },	/* longer than any */
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, 0xa5, sizeof(buf));
		buf[8] = cases[i].nr4;
		buf[9] = cases[i].nr6;
		m.size = cases[i].size;
		assert_int_equal(nc2_bypass_decode(NC2_ROLE_FRONTEND, &m, &b),
				 cases[i].err);
	}
	/* Only the backend steers. */
	buf[8] = 1;
	buf[9] = 0;
	m.size = 16;
	assert_int_equal(nc2_bypass_decode(NC2_ROLE_BACKEND, &m, &b),
			 -NC2_EP_BYPASS);
	assert_int_equal(nc2_bypass_decode(NC2_ROLE_PEER, &m, &b),
			 -NC2_EP_BYPASS);
}

/* A frame as the stack hands it over: Ethernet, then IPv4 or IPv6. */
static size_t frame(uint8_t *f, int family, const uint8_t *src,
		    const uint8_t *dst)
{
	memset(f, 0, 128);
	if (family == 4) {
		f[12] = 0x08;
		f[13] = 0x00;
		f[14] = 0x45;
		memcpy(f + 26, src, 4);
		memcpy(f + 30, dst, 4);
		return 14 + 20 + 8;
	}
	f[12] = 0x86;
	f[13] = 0xdd;
	f[14] = 0x60;
	memcpy(f + 22, src, 16);
	memcpy(f + 38, dst, 16);
	return 14 + 40 + 8;
}

static void test_addrs_match(void **state)
{
	static const uint8_t me4[4] = { 198, 51, 100, 11 };
	static const uint8_t other4[4] = { 198, 51, 100, 77 };
	static const uint8_t me6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x11 };
	struct nc2_bypass_msg b;
	struct nc2_bypass_addrs none;
	uint8_t f[128];
	size_t n;

	sample(&b, NC2_MSG_BYPASS_ADDRS);	/* 198.51.100.12, 192.0.2.12, ::12 */
	memset(&none, 0, sizeof(none));
	/* To the peer: steered; from the peer: accepted. */
	n = frame(f, 4, me4, b.addrs.ipv4[0]);
	assert_true(nc2_bypass_addrs_dst(&b.addrs, f, n));
	assert_false(nc2_bypass_addrs_src(&b.addrs, f, n));
	assert_false(nc2_bypass_addrs_dst(&none, f, n));
	n = frame(f, 4, b.addrs.ipv4[1], me4);
	assert_true(nc2_bypass_addrs_src(&b.addrs, f, n));
	assert_false(nc2_bypass_addrs_dst(&b.addrs, f, n));
	/* A spoofed source, and the empty set, match nothing. */
	n = frame(f, 4, other4, me4);
	assert_false(nc2_bypass_addrs_src(&b.addrs, f, n));
	n = frame(f, 4, b.addrs.ipv4[0], me4);
	assert_false(nc2_bypass_addrs_src(&none, f, n));
	/* IPv6 both ways. */
	n = frame(f, 6, me6, b.addrs.ipv6[0]);
	assert_true(nc2_bypass_addrs_dst(&b.addrs, f, n));
	n = frame(f, 6, b.addrs.ipv6[0], me6);
	assert_true(nc2_bypass_addrs_src(&b.addrs, f, n));
	/* Cut short, wrong version, short IHL, other ethertypes: no. */
	n = frame(f, 6, b.addrs.ipv6[0], me6);
	assert_false(nc2_bypass_addrs_src(&b.addrs, f, 14 + 39));
	f[14] = 0x40;
	assert_false(nc2_bypass_addrs_src(&b.addrs, f, n));
	n = frame(f, 4, b.addrs.ipv4[0], me4);
	assert_false(nc2_bypass_addrs_src(&b.addrs, f, 14 + 19));
	f[14] = 0x44;
	assert_false(nc2_bypass_addrs_src(&b.addrs, f, n));
	f[14] = 0x65;
	assert_false(nc2_bypass_addrs_src(&b.addrs, f, n));
	n = frame(f, 4, b.addrs.ipv4[0], me4);
	f[12] = 0x08;
	f[13] = 0x06;	/* ARP */
	assert_false(nc2_bypass_addrs_src(&b.addrs, f, n));
	assert_false(nc2_bypass_addrs_src(&b.addrs, f, 13));
	/* A count beyond the arrays is never walked past them. */
	b.addrs.nr_ipv4 = 200;
	n = frame(f, 4, other4, me4);
	assert_false(nc2_bypass_addrs_src(&b.addrs, f, n));
}

static void test_mode(void **state)
{
	/* Bridged pair: by MAC, whatever the frontends support. */
	assert_int_equal(nc2_bypass_mode(false, false, false, false), 0);
	assert_int_equal(nc2_bypass_mode(false, false, true, true), 0);
	/* Routed pair: by IP, only if both frontends can. */
	assert_int_equal(nc2_bypass_mode(true, true, true, true),
			 NC2_BYPASS_F_ADDRS);
	assert_int_equal(nc2_bypass_mode(true, true, true, false), -NC2_E_INVAL);
	assert_int_equal(nc2_bypass_mode(true, true, false, true), -NC2_E_INVAL);
	/* One routed, one bridged: no bypass. */
	assert_int_equal(nc2_bypass_mode(true, false, true, true), -NC2_E_INVAL);
	assert_int_equal(nc2_bypass_mode(false, true, true, true), -NC2_E_INVAL);
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
	sample(&b, NC2_MSG_BYPASS_ADDRS);
	b.addrs.nr_ipv4 = 0;
	b.addrs.nr_ipv6 = 0;
	assert_int_equal(nc2_bypass_send(&f.be, &b), -NC2_E_INVAL);
	b.addrs.nr_ipv6 = NC2_BYPASS_MAX_ADDRS + 1;
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
		cmocka_unit_test(test_addrs_layout),
		cmocka_unit_test(test_addrs_match),
		cmocka_unit_test(test_mode),
	};

	return cmocka_run_group_tests_name("bypass", tests, NULL, NULL);
}
