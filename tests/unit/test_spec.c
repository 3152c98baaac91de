// SPDX-License-Identifier: MIT
/*
 * Pins the library to the decisions docs/protocol.md states where it used
 * to be silent or ambiguous, and to the error domain of nc2/error.h. Each
 * test names the section it pins.
 */
#include "fixture.h"
#include <errno.h>
#include <string.h>

#include <nc2/errno.h>

/* ---- nc2/error.h: one domain, one sign */

static void test_error_domain(void **state)
{
	static const int codes[] = {
		NC2_E_AGAIN, NC2_E_INVAL, NC2_E_LIMIT, NC2_E_STATE,
		NC2_E_CLOSED, NC2_EP_PROD_INDEX, NC2_EP_BYPASS,
	};
	struct nc2_net_limits lim;
	struct nc2_pkt p;

	for (unsigned int i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		/* Linux MAX_ERRNO is 4095: no code may ever alias an errno. */
		assert_true(codes[i] > 4095);
		assert_true(nc2_is_error(-codes[i]));
		/* Only the negated form is an error: a count never is. */
		assert_false(nc2_is_error(codes[i]));
	}
	for (int e = 1; e < 4096; e++) {
		assert_false(nc2_is_error(-e));
		assert_false(nc2_is_protocol_error(-e));
		assert_string_equal(nc2_strerror(-e), "unknown error");
	}
	assert_true(nc2_is_protocol_error(-NC2_EP_MSG_SIZE));
	assert_false(nc2_is_protocol_error(NC2_EP_MSG_SIZE));
	assert_false(nc2_is_protocol_error(-NC2_E_CLOSED));
	assert_false(nc2_is_protocol_error(-NC2_EP_LAST));
	assert_string_equal(nc2_strerror(0), "success");
	assert_string_equal(nc2_strerror(NC2_EP_MSG_SIZE), "success");
	assert_string_equal(nc2_strerror(-NC2_EP_MSG_SIZE),
			    "protocol error: bad message size");

	/* nc2_pkt_check obeys the same rule: a negated code. */
	nc2_net_limits_default(&lim);
	memset(&p, 0, sizeof(p));
	assert_int_equal(nc2_pkt_check(&p, &lim), -NC2_EP_PKT_LENGTH);
}

/* nc2/errno.h: the drivers' one conversion to errno. */
static void test_errno(void **state)
{
	assert_int_equal(nc2_errno(0), 0);
	assert_int_equal(nc2_errno(1500), 1500);
	/* An errno is already one. */
	for (int e = 1; e < 4096; e++)
		assert_int_equal(nc2_errno(-e), -e);
	assert_int_equal(nc2_errno(-NC2_E_AGAIN), -EAGAIN);
	assert_int_equal(nc2_errno(-NC2_E_INVAL), -EINVAL);
	assert_int_equal(nc2_errno(-NC2_E_LIMIT), -EMSGSIZE);
	assert_int_equal(nc2_errno(-NC2_E_STATE), -ENOTCONN);
	assert_int_equal(nc2_errno(-NC2_E_CLOSED), -ECONNRESET);
	for (int c = NC2_EP_FIRST; c < NC2_EP_LAST; c++)
		assert_int_equal(nc2_errno(-c), -EPROTO);
	/* Never a library code out, whatever comes in. */
	for (int c = NC2_ERR_BASE; c < NC2_ERR_BASE + 256; c++)
		assert_true(nc2_errno(-c) > -4096);
}

/* The wire values of section 5.2 are frozen whatever NC2_ERR_BASE is. */
static void test_error_wire_values(void **state)
{
	assert_int_equal(nc2_err_to_wire(0), 0);
	assert_int_equal(nc2_err_to_wire(-NC2_E_AGAIN), 1);
	assert_int_equal(nc2_err_to_wire(-NC2_E_INVAL), 2);
	assert_int_equal(nc2_err_to_wire(-NC2_E_LIMIT), 3);
	assert_int_equal(nc2_err_to_wire(-NC2_E_STATE), 4);
	assert_int_equal(nc2_err_to_wire(-NC2_E_CLOSED), 5);
	assert_int_equal(nc2_err_to_wire(-NC2_EP_PROD_INDEX), 32);
	assert_int_equal(nc2_err_to_wire(-NC2_EP_MSG_LAYOUT), 36);
	assert_int_equal(nc2_err_to_wire(-NC2_EP_ID_RANGE), 40);
	assert_int_equal(nc2_err_to_wire(-NC2_EP_PKT_FLAGS), 48);
	assert_int_equal(nc2_err_to_wire(-NC2_EP_BYPASS), 49);
	/* An errno, a count or a positive code never reaches the wire. */
	assert_int_equal(nc2_err_to_wire(-5), 0);
	assert_int_equal(nc2_err_to_wire(36), 0);
	assert_int_equal(nc2_err_to_wire(NC2_EP_MSG_LAYOUT), 0);
	for (uint32_t v = 0; v < 64; v++) {
		int e = nc2_err_from_wire(v);

		if ((v >= 1 && v <= 5) || (v >= 32 && v <= 49)) {
			assert_true(nc2_is_error(e));
			assert_int_equal(nc2_err_to_wire(e), v);
		} else {
			assert_int_equal(e, 0);
		}
	}
	assert_int_equal(nc2_err_from_wire(0xffffffffu), 0);
}

/* ---- section 10.2: bypass validation order (normative) */

static int bp_decode(enum nc2_net_role role, uint8_t type, uint16_t size,
		     uint32_t pages_at, uint16_t pages)
{
	static uint8_t buf[256];
	struct nc2_msg m = { .type = type, .size = size, .data = buf };
	struct nc2_msg_hdr h = { .type = type, .size = size };
	struct nc2_bypass_msg b;
	uint16_t le = nc2_cpu_to_le16(pages);

	memset(buf, 0, sizeof(buf));
	memcpy(buf, &h, sizeof(h));
	if (pages_at)
		memcpy(buf + pages_at, &le, 2);
	return nc2_bypass_decode(role, &m, &b);
}

static void test_bypass_order_frontend(void **state)
{
	const enum nc2_net_role fe = NC2_ROLE_FRONTEND;

	/* Size first: both wrong is a layout error. */
	assert_int_equal(bp_decode(fe, NC2_MSG_BYPASS_FRONTEND, 32, 18, 3),
			 -NC2_EP_MSG_LAYOUT);
	assert_int_equal(bp_decode(fe, NC2_MSG_BYPASS_FRONTEND, 16, 0, 0),
			 -NC2_EP_MSG_LAYOUT);
	assert_int_equal(bp_decode(fe, NC2_MSG_BYPASS_FRONTEND, 24, 18, 3),
			 -NC2_EP_BYPASS);
	assert_int_equal(bp_decode(fe, NC2_MSG_BYPASS_FRONTEND, 24, 18, 4), 0);
	/* The role rule comes before everything. */
	assert_int_equal(bp_decode(NC2_ROLE_BACKEND, NC2_MSG_BYPASS_FRONTEND,
				   32, 18, 3), -NC2_EP_BYPASS);
}

static void test_bypass_order_rings(void **state)
{
	const enum nc2_net_role fe = NC2_ROLE_FRONTEND, be = NC2_ROLE_BACKEND;

	/* BYPASS_BACKEND: 32 fixed bytes hold ring_pages; at most 160. */
	assert_int_equal(bp_decode(fe, NC2_MSG_BYPASS_BACKEND, 24, 0, 0),
			 -NC2_EP_MSG_LAYOUT);
	assert_int_equal(bp_decode(fe, NC2_MSG_BYPASS_BACKEND, 200, 24, 3),
			 -NC2_EP_MSG_LAYOUT);
	assert_int_equal(bp_decode(fe, NC2_MSG_BYPASS_BACKEND, 168, 24, 3),
			 -NC2_EP_MSG_LAYOUT);
	/* In bounds: ring_pages before the exact size. */
	assert_int_equal(bp_decode(fe, NC2_MSG_BYPASS_BACKEND, 40, 24, 3),
			 -NC2_EP_BYPASS);
	assert_int_equal(bp_decode(fe, NC2_MSG_BYPASS_BACKEND, 160, 24, 0),
			 -NC2_EP_BYPASS);
	assert_int_equal(bp_decode(fe, NC2_MSG_BYPASS_BACKEND, 40, 24, 2),
			 -NC2_EP_MSG_LAYOUT);
	assert_int_equal(bp_decode(fe, NC2_MSG_BYPASS_BACKEND, 48, 24, 2), 0);
	assert_int_equal(bp_decode(fe, NC2_MSG_BYPASS_BACKEND, 160, 24, 16), 0);

	/*
	 * BYPASS_FRONTEND_READY: "long enough to hold ring_pages" is its 20
	 * fixed bytes, so 24 as sizes go in 8s; at most 24 + 8 x 16 = 152.
	 */
	assert_int_equal(bp_decode(be, NC2_MSG_BYPASS_FRONTEND_READY, 16, 0, 0),
			 -NC2_EP_MSG_LAYOUT);
	assert_int_equal(bp_decode(be, NC2_MSG_BYPASS_FRONTEND_READY, 160, 12,
				   3), -NC2_EP_MSG_LAYOUT);
	assert_int_equal(bp_decode(be, NC2_MSG_BYPASS_FRONTEND_READY, 24, 12, 0),
			 -NC2_EP_BYPASS);
	assert_int_equal(bp_decode(be, NC2_MSG_BYPASS_FRONTEND_READY, 24, 12, 1),
			 -NC2_EP_MSG_LAYOUT);
	assert_int_equal(bp_decode(be, NC2_MSG_BYPASS_FRONTEND_READY, 32, 12, 1),
			 0);
	assert_int_equal(bp_decode(be, NC2_MSG_BYPASS_FRONTEND_READY, 152, 12,
				   16), 0);
}

static void test_bypass_order_addrs(void **state)
{
	static uint8_t buf[256];
	struct nc2_msg m = { .type = NC2_MSG_BYPASS_ADDRS, .data = buf };
	struct nc2_bypass_msg b;

	memset(buf, 0, sizeof(buf));
	buf[0] = NC2_MSG_BYPASS_ADDRS;
	buf[8] = 9; /* too many IPv4 addresses */
	/* At most align8(12 + 4 x 4 + 16 x 4) = 96 bytes: size first. */
	m.size = 104;
	assert_int_equal(nc2_bypass_decode(NC2_ROLE_FRONTEND, &m, &b),
			 -NC2_EP_MSG_LAYOUT);
	m.size = 8;
	assert_int_equal(nc2_bypass_decode(NC2_ROLE_FRONTEND, &m, &b),
			 -NC2_EP_MSG_LAYOUT);
	m.size = 16;
	assert_int_equal(nc2_bypass_decode(NC2_ROLE_FRONTEND, &m, &b),
			 -NC2_EP_BYPASS);
	buf[8] = 1;
	m.size = 24; /* should be 16 */
	assert_int_equal(nc2_bypass_decode(NC2_ROLE_FRONTEND, &m, &b),
			 -NC2_EP_MSG_LAYOUT);
	m.size = 16;
	assert_int_equal(nc2_bypass_decode(NC2_ROLE_FRONTEND, &m, &b), 0);
}

/* ---- core decisions (sections 3, 4.3, 6.3, 6.4) */

struct sfix {
	struct tpair t;
	struct nc2_link a, b;
	struct nc2_link_config ca, cb;
};

static void sfix_up(struct sfix *f, uint32_t a_pool_cap)
{
	tpair_alloc(&f->t, 1);
	tpair_config(&f->t, &f->ca, &f->cb, NC2_CLASS_BLOCK_EXAMPLE);
	f->ca.pool_cap = a_pool_cap;
	tpair_links_up(&f->t, &f->a, &f->ca, &f->b, &f->cb);
}

/* A raw message from a to b, as a hostile or foreign producer writes it. */
static void a_raw(struct sfix *f, uint8_t type, uint16_t size,
		  const void *body, uint32_t len)
{
	traw(&f->a.tx, type, 0, size, body, len);
	nc2_prod_push(&f->a.tx);
}

/* 6.4 Decided: after CLOSE the ring is still read; a message is SEQUENCE. */
static void test_after_close(void **state)
{
	struct sfix f;
	struct nc2_msg m;
	uint32_t v = 300;

	sfix_up(&f, 256);
	assert_int_equal(nc2_link_close(&f.a, 0), 0);
	nc2_link_push(&f.a);
	assert_int_equal(nc2_link_poll(&f.b, &m), -NC2_E_CLOSED);
	assert_int_equal(nc2_link_poll(&f.b, &m), -NC2_E_CLOSED);
	/* A PAD is invisible, even after CLOSE. */
	a_raw(&f, NC2_MSG_PAD, 16, NULL, 0);
	assert_int_equal(nc2_link_poll(&f.b, &m), -NC2_E_CLOSED);
	a_raw(&f, NC2_MSG_SET_MAX_OUTSTANDING, 8, &v, 4);
	assert_int_equal(nc2_link_poll(&f.b, &m), -NC2_EP_SEQUENCE);
	assert_int_equal(nc2_link_state(&f.b), NC2_LINK_ERROR);
	tpair_free(&f.t);
}

/* 3.6/4.3 Decided: the size is checked first, so zeros are MSG_SIZE. */
static void test_zeroed_ring(void **state)
{
	struct sfix f;
	struct nc2_msg m;

	sfix_up(&f, 256);
	memset(f.t.a2b.data + (f.a.tx.pvt & 4095), 0, 64);
	f.a.tx.pvt += 8;
	f.a.tx.limit = f.a.tx.pvt;
	nc2_prod_push(&f.a.tx);
	assert_int_equal(nc2_link_poll(&f.b, &m), -NC2_EP_MSG_SIZE);
	tpair_free(&f.t);

	/* Type 0x00 under a valid size is MSG_TYPE. */
	sfix_up(&f, 256);
	a_raw(&f, NC2_MSG_INVALID, 8, NULL, 0);
	assert_int_equal(nc2_link_poll(&f.b, &m), -NC2_EP_MSG_TYPE);
	tpair_free(&f.t);
}

/* 3.5 Decided: a PAD in the middle of the ring is skipped, no error. */
static void test_mid_ring_pad(void **state)
{
	static const uint8_t body[20] = { 1, 2, 3 };
	struct sfix f;
	struct nc2_msg m;

	sfix_up(&f, 256);
	a_raw(&f, NC2_MSG_PAD, 8, NULL, 0);
	a_raw(&f, NC2_MSG_PAD, 32, NULL, 0);
	a_raw(&f, NC2_MSG_CLASS_FIRST, 24, body, sizeof(body));
	assert_int_equal(nc2_link_poll(&f.b, &m), 1);
	assert_int_equal(m.type, NC2_MSG_CLASS_FIRST);
	assert_int_equal(m.size, 24);
	assert_int_equal(nc2_cons_stats(&f.b.rx)->pads, 2);
	tpair_free(&f.t);
}

/* 3.4 Decided: a receiver accepts a message over half the ring. */
static void test_big_message_accepted(void **state)
{
	static uint8_t body[3000];
	struct sfix f;
	struct nc2_msg m;

	sfix_up(&f, 256);
	assert_true(3000 > f.t.a2b.bytes / 2);
	a_raw(&f, NC2_MSG_CLASS_FIRST, 3000, body, sizeof(body) - 4);
	assert_int_equal(nc2_link_poll(&f.b, &m), 1);
	assert_int_equal(m.size, 3000);
	assert_int_equal(nc2_link_error(&f.b), 0);
	tpair_free(&f.t);
}

/*
 * 6.3 Decided: a FINISH id is checked against the completer's limit at
 * the original sender, min(own pool, declared maximum): above it is
 * ID_RANGE even below what the completer declared.
 */
static void test_finish_limit(void **state)
{
	struct sfix f;
	struct nc2_msg m;
	struct nc2_finish_iter it;
	uint32_t id, fin[2];

	/* a's pool holds 4 ids; b declared 256. */
	sfix_up(&f, 4);
	assert_int_equal(f.a.pool.declared, 256);
	assert_int_equal(f.a.pool.limit, 4);
	fin[0] = 1;	/* count 1, reserved 0 */
	fin[1] = 100;	/* below 256, above a's 4 */
	traw(&f.b.tx, NC2_MSG_FINISH, 0, 16, fin, sizeof(fin));
	nc2_prod_push(&f.b.tx);
	assert_int_equal(nc2_link_poll(&f.a, &m), 1);
	assert_int_equal(nc2_link_finish_begin(&f.a, &m, &it), 0);
	assert_int_equal(nc2_link_finish_next(&f.a, &it, &id, NULL),
			 -NC2_EP_ID_RANGE);
	tpair_free(&f.t);

	/* In range but never sent: ID_UNKNOWN. */
	sfix_up(&f, 4);
	fin[1] = 3;
	traw(&f.b.tx, NC2_MSG_FINISH, 0, 16, fin, sizeof(fin));
	nc2_prod_push(&f.b.tx);
	assert_int_equal(nc2_link_poll(&f.a, &m), 1);
	assert_int_equal(nc2_link_finish_begin(&f.a, &m, &it), 0);
	assert_int_equal(nc2_link_finish_next(&f.a, &it, &id, NULL),
			 -NC2_EP_ID_UNKNOWN);
	tpair_free(&f.t);
}

/* ---- network decisions (sections 8, 9.3) */

struct nfix {
	struct tpair t;
	struct nc2_net a, b;
	struct nc2_link_config ca, cb;
};

static void nfix_init(struct nfix *f)
{
	struct nc2_net_limits lim;

	nc2_net_limits_default(&lim);
	tpair_alloc(&f->t, 1);
	tpair_config(&f->t, &f->ca, &f->cb, NC2_CLASS_NET);
	assert_int_equal(nc2_net_init(&f->a, NC2_ROLE_FRONTEND, &f->ca, &lim,
				      f->t.a2b.ctrl, f->t.a2b.data, 4096,
				      f->t.b2a.ctrl, f->t.b2a.data, 4096), 0);
	assert_int_equal(nc2_net_init(&f->b, NC2_ROLE_BACKEND, &f->cb, &lim,
				      f->t.b2a.ctrl, f->t.b2a.data, 4096,
				      f->t.a2b.ctrl, f->t.a2b.data, 4096), 0);
}

static void small_pkt(struct nc2_pkt *p, const uint8_t *frame, uint16_t len)
{
	memset(p, 0, sizeof(*p));
	p->type = NC2_PKT_SMALL;
	p->prefix_size = len;
	p->total_len = len;
	p->prefix = frame;
}

/*
 * 8 Decided: a small PACKET MAY be sent in WAIT (it needs no credit and
 * only the default limits); libnc2ring itself sends none before UP, and a
 * receiver accepts one whatever state its sender was in.
 */
static void test_small_packet_in_wait(void **state)
{
	static uint8_t frame[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static uint8_t buf[128];
	struct nfix f;
	struct nc2_msg m;
	struct nc2_pkt p, got;
	uint32_t size;

	nfix_init(&f);
	assert_int_equal(nc2_net_start(&f.a), 0);
	assert_int_equal(nc2_link_state(&f.a.link), NC2_LINK_WAIT);
	small_pkt(&p, frame, sizeof(frame));
	assert_int_equal(nc2_net_send_packet(&f.a, &p, NULL), -NC2_E_STATE);
	/* What another conforming sender in WAIT may write. */
	size = nc2_pkt_msg_size(&p);
	nc2_pkt_encode(buf, &p);
	traw(&f.a.link.tx, NC2_MSG_PACKET, 0, (uint16_t)size,
	     buf + sizeof(struct nc2_msg_hdr),
	     size - sizeof(struct nc2_msg_hdr));
	nc2_link_push(&f.a.link);
	assert_int_equal(nc2_link_state(&f.a.link), NC2_LINK_WAIT);
	assert_int_equal(nc2_net_start(&f.b), 0);
	assert_int_equal(nc2_net_poll(&f.b, &m), 1);
	assert_int_equal(m.type, NC2_MSG_PACKET);
	assert_int_equal(nc2_net_recv_packet(&f.b, &m, &got), 0);
	assert_int_equal(got.total_len, sizeof(frame));
	tpair_free(&f.t);
}

/*
 * 9.3 Decided: nc2_pkt_check applies rules 4-15, in that order, and
 * nothing else: not the layout (1-3, the decoder's) nor the id (16, the
 * link's).
 */
static void test_pkt_check_rules(void **state)
{
	static uint8_t frame[60];
	struct nc2_net_limits lim;
	struct nc2_pkt p;

	nc2_net_limits_default(&lim);
	/* An id far above any limit: rule 16 is not nc2_pkt_check's. */
	small_pkt(&p, frame, 14);
	p.type = NC2_PKT_RECEIVER_COPY;
	p.id = 1u << 30;
	p.nr_frags = 1;
	p.frag[0].len = 100;
	p.total_len = 114;
	assert_int_equal(nc2_pkt_check(&p, &lim), 0);
	/* Rule 4 before rule 6: bad flags and too many fragments. */
	p.flags = 0x80;
	p.nr_frags = 2;
	assert_int_equal(nc2_pkt_check(&p, &lim), -NC2_EP_PKT_FLAGS);
	/* Rule 6 before rule 7. */
	p.flags = 0;
	p.prefix_size = 300;
	assert_int_equal(nc2_pkt_check(&p, &lim), -NC2_EP_PKT_FRAGS);
	/* Rule 7 before rule 8: prefix over the limit and an empty frag. */
	p.nr_frags = 1;
	p.frag[0].len = 0;
	assert_int_equal(nc2_pkt_check(&p, &lim), -NC2_EP_PKT_LENGTH);
	/* Rule 8 before rule 9. */
	p.prefix_size = 14;
	assert_int_equal(nc2_pkt_check(&p, &lim), -NC2_EP_PKT_FRAG);
	/* Rule 9 before rule 10. */
	p.frag[0].len = 100;
	p.prefix_size = 10;
	assert_int_equal(nc2_pkt_check(&p, &lim), -NC2_EP_PKT_LENGTH);
	p.total_len = 110;
	assert_int_equal(nc2_pkt_check(&p, &lim), -NC2_EP_PKT_HEADER);
	/* Rule 10 before rule 11. */
	p.flags = NC2_PKT_F_CSUM_BLANK;
	assert_int_equal(nc2_pkt_check(&p, &lim), -NC2_EP_PKT_HEADER);
	p.prefix_size = 14;
	p.total_len = 114;
	assert_int_equal(nc2_pkt_check(&p, &lim), -NC2_EP_PKT_OFFLOAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_domain),
		cmocka_unit_test(test_error_wire_values),
		cmocka_unit_test(test_errno),
		cmocka_unit_test(test_bypass_order_frontend),
		cmocka_unit_test(test_bypass_order_rings),
		cmocka_unit_test(test_bypass_order_addrs),
		cmocka_unit_test(test_after_close),
		cmocka_unit_test(test_zeroed_ring),
		cmocka_unit_test(test_mid_ring_pad),
		cmocka_unit_test(test_big_message_accepted),
		cmocka_unit_test(test_finish_limit),
		cmocka_unit_test(test_small_packet_in_wait),
		cmocka_unit_test(test_pkt_check_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
