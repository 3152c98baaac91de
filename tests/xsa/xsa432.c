// SPDX-License-Identifier: MIT
/*
 * XSA-432: a packet with the maximum number of fragments but smaller than
 * the header area overran a buffer. nc2 checks the total against the
 * fragments, the header length against the packet, and the fragment count
 * against the negotiated limit before anything is copied.
 */
#include "xsa_pkt.h"

static void test_max_frags_tiny(void **state)
{
	static const uint8_t hdrs[128];
	struct nc2_pkt pkt;

	/* 64 one-byte fragments, GSO headers longer than the whole packet */
	xpkt_frags(&pkt, 1, NC2_MAX_FRAGMENTS_LIMIT, 1);
	pkt.prefix = hdrs;
	pkt.prefix_size = 54;
	pkt.total_len = 54 + 64;
	pkt.flags = NC2_PKT_F_CSUM_BLANK;
	pkt.csum_start = 34;
	pkt.csum_offset = 16;
	pkt.gso_type = NC2_GSO_TCPV4;
	pkt.gso_size = 1448;
	pkt.hdr_len = 200;
	xexpect_pkt(&pkt, -NC2_EP_PKT_HEADER);
	/* headers exactly the packet: nothing left to segment */
	pkt.hdr_len = 54;
	pkt.nr_frags = 0;
	pkt.type = NC2_PKT_SMALL;
	pkt.id = 0;
	pkt.total_len = 54;
	xexpect_pkt(&pkt, -NC2_EP_PKT_HEADER);
	/* max fragments claiming more bytes than they carry */
	xpkt_frags(&pkt, 1, NC2_MAX_FRAGMENTS_LIMIT, 1);
	pkt.total_len = 14 + 64 * 4096;
	xexpect_pkt(&pkt, -NC2_EP_PKT_LENGTH);
	/* one more fragment than the limit */
	xpkt_frags(&pkt, 1, NC2_MAX_FRAGMENTS_LIMIT, 1);
	pkt.nr_frags = NC2_MAX_FRAGMENTS_LIMIT + 1;
	pkt.frag[0].len = 2;
	assert_int_equal(nc2_pkt_check(&pkt, &(struct nc2_net_limits){
					       255, 1024, 15 }),
			 -NC2_EP_PKT_FRAGS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_max_frags_tiny),
	};

	return cmocka_run_group_tests_name("xsa432", tests, NULL, NULL);
}
