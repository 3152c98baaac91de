// SPDX-License-Identifier: MIT
/*
 * XSA-90: netback crashed while disabling an interface after a malformed
 * packet. Here: after each kind of protocol error, every call a driver
 * makes while shutting down returns the same sticky error, sends nothing,
 * and the id books stay readable so the driver can release what it holds.
 */
#include "xsa.h"

static void attack(struct xnet *x, int kind)
{
	struct nc2_pkt pkt;
	uint32_t v = 0;

	switch (kind) {
	case 0: /* zero-length fragment */
		xpkt_frags(&pkt, 1, 2, 100);
		pkt.frag[1].len = 0;
		pkt.total_len = 114;
		xpkt(x, &pkt);
		break;
	case 1: /* a message of an unknown type */
		xraw(x, 0xf3, &v, 4);
		break;
	case 2: /* a second HELLO */
		xraw(x, NC2_MSG_HELLO, "\1\0\1\0\1\0\0\0\0\0\0\0", 12);
		break;
	default: /* a shrinking SET_MAX_FRAGMENTS */
		v = 1;
		xraw(x, NC2_MSG_SET_MAX_FRAGMENTS, &v, 4);
		break;
	}
}

static void test_teardown_after_error(void **state)
{
	for (int kind = 0; kind < 4; kind++) {
		struct xnet x;
		struct nc2_pkt pkt, rx, junk;
		struct nc2_msg m;
		uint32_t id;
		int err;

		xnet_up(&x, NC2_ROLE_BACKEND);
		/* Something in flight both ways before the attack. */
		xpkt_frags(&pkt, 0, 1, 100);
		assert_int_equal(nc2_net_send_packet(&x.a, &pkt, NULL), 0);
		id = pkt.id;
		xpkt_frags(&pkt, 7, 1, 100);
		xpkt(&x, &pkt);
		assert_int_equal(xpoll_a(&x, &m), NC2_MSG_PACKET);
		assert_int_equal(nc2_net_recv_packet(&x.a, &m, &rx), 0);
		nc2_link_consume(&x.a.link);

		attack(&x, kind);
		err = nc2_net_poll(&x.a, &m);
		if (err == 1)
			err = nc2_net_recv_packet(&x.a, &m, &junk);
		assert_true(nc2_is_protocol_error(err));
		xassert_failed(&x, err);
		/* What the driver must release is still known. */
		assert_int_equal(nc2_idpool_busy(&x.a.link.pool, id), 1);
		assert_int_equal(nc2_idpool_inflight(&x.a.link.pool), 1);
		assert_int_equal(nc2_idset_inflight(&x.a.link.set), 1);
		assert_int_equal(rx.id, 7);
		xnet_free(&x);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_teardown_after_error),
	};

	return cmocka_run_group_tests_name("xsa90", tests, NULL, NULL);
}
