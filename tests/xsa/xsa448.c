// SPDX-License-Identifier: MIT
/*
 * XSA-448: all-zero-length fragments led to a NULL dereference. nc2
 * refuses any empty fragment, a non-small packet without fragments and a
 * zero-length packet.
 */
#include "xsa_pkt.h"

static void test_zero_frags(void **state)
{
	struct nc2_pkt pkt;

	xpkt_frags(&pkt, 1, 4, 0);
	xexpect_pkt(&pkt, -NC2_EP_PKT_FRAG);
	xpkt_frags(&pkt, 1, 4, 100);
	pkt.frag[3].len = 0;
	pkt.total_len -= 100;
	xexpect_pkt(&pkt, -NC2_EP_PKT_FRAG);
	/* a copy packet that names no fragment at all */
	xpkt_frags(&pkt, 1, 0, 0);
	xexpect_pkt(&pkt, -NC2_EP_PKT_FLAGS);
	/* an empty small packet */
	xpkt_frags(&pkt, 0, 0, 0);
	pkt.type = NC2_PKT_SMALL;
	pkt.prefix_size = 0;
	pkt.total_len = 0;
	xexpect_pkt(&pkt, -NC2_EP_PKT_LENGTH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_frags),
	};

	return cmocka_run_group_tests_name("xsa448", tests, NULL, NULL);
}
