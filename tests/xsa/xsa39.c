// SPDX-License-Identifier: MIT
/*
 * XSA-39: malformed TX requests from a guest DoS'd the backend and leaked
 * on the error path. Here: a malformed PACKET fails the link cleanly, its
 * id is never recorded (nothing to leak or double-free), the ids of the
 * packets already accepted stay tracked for teardown, and a sender that
 * runs out of ring or credit keeps no id.
 */
#include "xsa.h"

static void test_malformed_packet_no_leak(void **state)
{
	static const uint8_t frame[64] = { 1, 2, 3, 4, 5, 6 };
	struct xnet x;
	struct nc2_pkt ok1, ok2, bad, got1, got2, junk;
	struct nc2_msg m;
	int err;

	xnet_up(&x, NC2_ROLE_BACKEND);
	xpkt_frags(&ok1, 3, 2, 1000);
	xpkt_frags(&ok2, 4, 1, 1500);
	ok2.prefix = frame;
	ok2.prefix_size = 64;
	ok2.total_len = 64 + 1500;
	xpkt(&x, &ok1);
	xpkt(&x, &ok2);
	/* Claims 3000 bytes but its fragments carry 1014. */
	xpkt_frags(&bad, 5, 1, 1000);
	bad.total_len = 3000;
	xpkt(&x, &bad);

	assert_int_equal(xpoll_a(&x, &m), NC2_MSG_PACKET);
	assert_int_equal(nc2_net_recv_packet(&x.a, &m, &got1), 0);
	nc2_link_consume(&x.a.link);
	assert_int_equal(xpoll_a(&x, &m), NC2_MSG_PACKET);
	assert_int_equal(nc2_net_recv_packet(&x.a, &m, &got2), 0);
	nc2_link_consume(&x.a.link);
	assert_int_equal(xpoll_a(&x, &m), NC2_MSG_PACKET);
	err = nc2_net_recv_packet(&x.a, &m, &junk);
	assert_int_equal(err, -NC2_EP_PKT_LENGTH);

	/* The bad id never entered the set; the good ones are still there. */
	assert_int_equal(nc2_idset_inflight(&x.a.link.set), 2);
	assert_int_equal(nc2_idset_del(&x.a.link.set, 5), -NC2_E_INVAL);
	assert_int_equal(got1.id, 3);
	assert_int_equal(got1.total_len, 2014);
	assert_int_equal(got2.id, 4);
	assert_memory_equal(got2.prefix, frame, 64);
	xassert_failed(&x, err);
	/* Teardown walks them, each exactly once. */
	assert_int_equal(nc2_link_answered(&x.a.link, 3), 0);
	assert_int_equal(nc2_link_answered(&x.a.link, 4), 0);
	assert_int_equal(nc2_link_answered(&x.a.link, 4), -NC2_E_INVAL);
	xnet_free(&x);
}

static void test_sender_keeps_no_id(void **state)
{
	struct xnet x;
	struct nc2_pkt pkt;
	uint32_t before;
	int r, sent = 0;

	xnet_up(&x, NC2_ROLE_FRONTEND);
	/* B never consumes: fill A's ring, then one more. */
	for (;;) {
		xpkt_frags(&pkt, 0, 64, 1);
		before = nc2_idpool_inflight(&x.a.link.pool);
		r = nc2_net_send_packet(&x.a, &pkt, NULL);
		if (r)
			break;
		sent++;
	}
	assert_int_equal(r, -NC2_E_AGAIN);
	assert_true(sent > 0);
	assert_int_equal(nc2_idpool_inflight(&x.a.link.pool), before);
	assert_int_equal(before, (uint32_t)sent);
	assert_int_equal(nc2_link_error(&x.a.link), 0);
	xnet_free(&x);
}

static void test_sender_out_of_credit(void **state)
{
	struct xnet x;
	struct nc2_pkt pkt;
	uint32_t i, id;

	xnet_up(&x, NC2_ROLE_FRONTEND);
	/* A fresh pair: B declared 256; use them all up, then one more. */
	for (i = 0; i < 256; i++)
		assert_int_equal(nc2_link_get_id(&x.a.link, NULL, &id), 0);
	xpkt_frags(&pkt, 0, 1, 100);
	assert_int_equal(nc2_net_send_packet(&x.a, &pkt, NULL), -NC2_E_AGAIN);
	assert_int_equal(nc2_idpool_inflight(&x.a.link.pool), 256);
	/* Small packets need no id and still go. */
	memset(&pkt, 0, sizeof(pkt));
	pkt.prefix = (const uint8_t *)"0123456789abcdef";
	pkt.prefix_size = pkt.total_len = 16;
	assert_int_equal(nc2_net_send_packet(&x.a, &pkt, NULL),
			 NC2_NET_SENT_INLINE);
	xnet_free(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed_packet_no_leak),
		cmocka_unit_test(test_sender_keeps_no_id),
		cmocka_unit_test(test_sender_out_of_credit),
	};

	return cmocka_run_group_tests_name("xsa39", tests, NULL, NULL);
}
