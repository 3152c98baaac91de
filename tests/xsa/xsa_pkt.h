/* SPDX-License-Identifier: MIT */
/* A PACKET from B that A must refuse with err, failing the link. */
#ifndef NC2_TEST_XSA_PKT_H
#define NC2_TEST_XSA_PKT_H

#include "xsa.h"

static inline void xexpect_pkt(const struct nc2_pkt *pkt, int err)
{
	struct nc2_net_limits lim = { NC2_MAX_FRAGMENTS_LIMIT,
				      NC2_MAX_INLINE_LIMIT, NC2_OFFLOAD_ALL };
	struct xnet x;
	struct nc2_pkt ok, got, junk;
	struct nc2_msg m;

	assert_int_equal(nc2_pkt_check(pkt, &lim), err);
	xnet_up(&x, NC2_ROLE_BACKEND);
	xpkt_frags(&ok, 9, 1, 64);
	xpkt(&x, &ok);
	xpkt(&x, pkt);
	assert_int_equal(xpoll_a(&x, &m), NC2_MSG_PACKET);
	assert_int_equal(nc2_net_recv_packet(&x.a, &m, &got), 0);
	nc2_link_consume(&x.a.link);
	assert_int_equal(xpoll_a(&x, &m), NC2_MSG_PACKET);
	assert_int_equal(nc2_net_recv_packet(&x.a, &m, &junk), err);
	xassert_failed(&x, err);
	/* the packet before it is intact and its id still tracked */
	assert_int_equal(got.id, 9);
	assert_int_equal(got.total_len, 78);
	assert_int_equal(got.prefix[0], 0x02);
	assert_int_equal(nc2_idset_inflight(&x.a.link.set), 1);
	xnet_free(&x);
}

#endif
