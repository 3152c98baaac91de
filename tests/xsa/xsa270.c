// SPDX-License-Identifier: MIT
/*
 * XSA-270: an integer overflow in a control message (the hash mapping
 * size) let a frontend write out of bounds. Here every count, size and
 * limit field of every control message takes its extreme values; each
 * is refused with a protocol error before it sizes anything, and the
 * limiter's own arithmetic saturates instead of wrapping.
 */
#include "xsa.h"

static void expect(uint8_t type, const void *body, uint32_t len, int err)
{
	struct xnet x;
	struct nc2_msg m;
	int r;

	xnet_up(&x, NC2_ROLE_FRONTEND);
	xraw(&x, type, body, len);
	r = nc2_net_poll(&x.a, &m);
	if (r == 1 && m.type == NC2_MSG_FINISH) {
		struct nc2_finish_iter it;
		uint32_t id;

		r = nc2_link_finish_begin(&x.a.link, &m, &it);
		if (!r)
			while ((r = nc2_link_finish_next(&x.a.link, &it, &id, NULL)) > 0)
				;
	} else if (r == 1) {
		struct nc2_bypass_msg b;

		r = nc2_net_recv_bypass(&x.a, &m, &b);
	}
	assert_int_equal(r, err);
	xassert_failed(&x, err);
	xnet_free(&x);
}

static void test_set_limits(void **state)
{
	static const uint32_t bad_max[] = { 0, NC2_MAX_OUTSTANDING_LIMIT + 1,
					    0x80000000u, 0xffffffffu };
	static const uint32_t bad_frags[] = { 0, 65, 0x10000, 0xffffffffu };
	static const uint32_t bad_inline[] = { 255, 1025, 0x10000 + 256,
					       0xffffffffu };

	for (unsigned i = 0; i < 4; i++) {
		expect(NC2_MSG_SET_MAX_OUTSTANDING, &bad_max[i], 4,
		       -NC2_EP_LIMIT);
		expect(NC2_MSG_SET_MAX_FRAGMENTS, &bad_frags[i], 4,
		       -NC2_EP_LIMIT);
		expect(NC2_MSG_SET_MAX_INLINE, &bad_inline[i], 4,
		       -NC2_EP_LIMIT);
	}
	expect(NC2_MSG_SET_OFFLOAD, &(uint32_t){ 0x10 }, 4, -NC2_EP_LIMIT);
	expect(NC2_MSG_SET_OFFLOAD, &(uint32_t){ 0xffffffffu }, 4,
	       -NC2_EP_LIMIT);
	/* the right value in the wrong size */
	expect(NC2_MSG_SET_MAX_OUTSTANDING, "\x10\0\0\0\0\0\0\0\0", 9,
	       -NC2_EP_MSG_LAYOUT);
}

static void test_finish_counts(void **state)
{
	uint8_t f[16] = { 0 };

	/* count 0xffff in a 16-byte message */
	f[0] = f[1] = 0xff;
	expect(NC2_MSG_FINISH, f, 12, -NC2_EP_MSG_LAYOUT);
	/* count 0 */
	f[0] = f[1] = 0;
	expect(NC2_MSG_FINISH, f, 8, -NC2_EP_MSG_LAYOUT);
	/* one id at the top of the range */
	f[0] = 1;
	memset(f + 4, 0xff, 4);
	expect(NC2_MSG_FINISH, f, 8, -NC2_EP_ID_RANGE);
}

static void test_bypass_pages(void **state)
{
	/* BYPASS_FRONTEND with ring_pages 0, 3, 17 and 0xffff */
	static const uint16_t pages[] = { 0, 3, 17, 0xffff };

	for (unsigned i = 0; i < 4; i++) {
		struct nc2_msg_bypass_frontend w = { 0 };

		w.ring_pages = pages[i];
		expect(NC2_MSG_BYPASS_FRONTEND, (uint8_t *)&w + 4,
		       sizeof(w) - 4, -NC2_EP_BYPASS);
	}
}

/* Lengths a caller passes are checked too, before any arithmetic. */
static void test_local_lengths(void **state)
{
	struct xnet x;
	struct nc2_finish_iter it;
	struct nc2_bypass_msg b;
	static uint8_t huge[1024];
	struct nc2_msg m = { .type = NC2_MSG_PACKET, .size = 8, .data = huge };

	xnet_up(&x, NC2_ROLE_FRONTEND);
	assert_int_equal(nc2_prod_want_space(&x.a.link.tx, 0), -NC2_E_INVAL);
	assert_int_equal(nc2_prod_want_space(&x.a.link.tx, 65536),
			 -NC2_E_INVAL);
	assert_int_equal(nc2_link_finish_begin(&x.a.link, &m, &it),
			 -NC2_E_INVAL);
	/* a bypass message bigger than any bypass layout */
	m.type = NC2_MSG_BYPASS_BACKEND;
	m.size = sizeof(huge);
	assert_int_equal(nc2_bypass_decode(NC2_ROLE_FRONTEND, &m, &b),
			 -NC2_EP_MSG_LAYOUT);
	m.size = 16;
	assert_int_equal(nc2_bypass_decode(NC2_ROLE_FRONTEND, &m, &b),
			 -NC2_EP_MSG_LAYOUT);
	assert_int_equal(nc2_link_error(&x.a.link), 0);
	xnet_free(&x);
}

static void test_packet_lengths(void **state)
{
	struct nc2_net_limits lim = { NC2_MAX_FRAGMENTS_LIMIT,
				      NC2_MAX_INLINE_LIMIT, NC2_OFFLOAD_ALL };
	struct nc2_pkt pkt;

	/* total_len that wraps a 32-bit sum, and 64 KiB + 1 */
	xpkt_frags(&pkt, 1, 1, 100);
	pkt.total_len = 0xffffffffu;
	assert_int_equal(nc2_pkt_check(&pkt, &lim), -NC2_EP_PKT_LENGTH);
	xpkt_frags(&pkt, 1, 17, 4096);
	pkt.frag[16].len = 4096 - 14 + 1;
	pkt.total_len = 14 + 16 * 4096 + pkt.frag[16].len;
	assert_int_equal(nc2_pkt_check(&pkt, &lim), -NC2_EP_PKT_LENGTH);
	/* off + len past the page, where a u16 sum would wrap */
	xpkt_frags(&pkt, 1, 1, 0xffff);
	pkt.frag[0].off = 1;
	pkt.total_len = 14 + 0xffff;
	assert_int_equal(nc2_pkt_check(&pkt, &lim), -NC2_EP_PKT_FRAG);
	xpkt_frags(&pkt, 1, 1, 2);
	pkt.frag[0].off = 0xffff;
	assert_int_equal(nc2_pkt_check(&pkt, &lim), -NC2_EP_PKT_FRAG);
}

static void test_limiter_saturates(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter l;
	uint64_t w;

	nc2_limiter_config_default(&c);
	c.resp_per_msg_x16 = 0xffffffffu;
	c.resp_burst = 0xffffffffu;
	assert_int_equal(nc2_limiter_init(&l, &c, 0), 0);
	/* n * rate comes within 2^33 of 2^64: must saturate, not wrap */
	nc2_limiter_peer_msgs(&l, 0xffffffffu);
	nc2_limiter_peer_msgs(&l, 0xffffffffu);
	assert_int_equal(nc2_limiter_charge_resp(&l, 0xffffffffu), 0);
	/* the deepest copy deficit still gives a finite, exact wait */
	c.copy_bytes_per_sec = 1;
	c.copy_burst_bytes = 1;
	assert_int_equal(nc2_limiter_init(&l, &c, 0), 0);
	assert_int_equal(nc2_limiter_charge_copy(&l, 0xffffffffu, 0), 0);
	w = nc2_limiter_charge_copy(&l, 1, 0);
	assert_true(w > 0 && w <= 0xffffffffull * 1000000000ull);
	/* and after exactly that wait the next request goes through */
	assert_int_equal(nc2_limiter_charge_copy(&l, 1, w), 0);
}

/*
 * A deep debt is repaid at the full rate: one request of 1 MB at 1000 B/s
 * costs 999 s, not one second's worth of credit per call (which made it
 * 499501 s over 1000 too-short waits).
 */
static void test_limiter_debt(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter l;
	uint64_t now = 0, w;
	int asks = 0;

	nc2_limiter_config_default(&c);
	c.copy_bytes_per_sec = 1000;
	c.copy_burst_bytes = 1000;
	assert_int_equal(nc2_limiter_init(&l, &c, 0), 0);
	assert_int_equal(nc2_limiter_charge_copy(&l, 1000000, now), 0);
	while ((w = nc2_limiter_charge_copy(&l, 1500, now)) != 0) {
		now += w;
		assert_true(++asks < 3);
	}
	assert_int_equal(asks, 1);
	assert_true(now <= 1000ull * 1000000000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_limits),
		cmocka_unit_test(test_finish_counts),
		cmocka_unit_test(test_bypass_pages),
		cmocka_unit_test(test_local_lengths),
		cmocka_unit_test(test_packet_lengths),
		cmocka_unit_test(test_limiter_saturates),
		cmocka_unit_test(test_limiter_debt),
	};

	return cmocka_run_group_tests_name("xsa270", tests, NULL, NULL);
}
