// SPDX-License-Identifier: MIT
/*
 * XSA-423: packet headers split across fragments crashed drivers that
 * parsed them in place. nc2 requires the Ethernet header inline, every
 * header a GSO packet needs inline, and the checksum field inline; a
 * packet that splits any of them is refused before a driver sees it.
 */
#include "xsa_pkt.h"

static void test_split_headers(void **state)
{
	struct nc2_net_limits lim = { NC2_MAX_FRAGMENTS_LIMIT,
				      NC2_MAX_INLINE_LIMIT, NC2_OFFLOAD_ALL };
	static const uint8_t hdrs[128];
	struct nc2_pkt pkt;

	/* Ethernet header split: 10 bytes inline, the rest in a fragment */
	xpkt_frags(&pkt, 1, 1, 1000);
	pkt.prefix_size = 10;
	pkt.total_len = 1010;
	xexpect_pkt(&pkt, -NC2_EP_PKT_HEADER);
	/* no prefix at all */
	pkt.prefix_size = 0;
	pkt.total_len = 1000;
	xexpect_pkt(&pkt, -NC2_EP_PKT_HEADER);

	/* TSO with hdr_len (54) beyond the 14 inline bytes */
	xpkt_frags(&pkt, 1, 1, 3000);
	pkt.flags = NC2_PKT_F_CSUM_BLANK;
	pkt.gso_type = NC2_GSO_TCPV4;
	pkt.gso_size = 1448;
	pkt.hdr_len = 54;
	pkt.csum_start = 0;
	pkt.csum_offset = 12;
	xexpect_pkt(&pkt, -NC2_EP_PKT_HEADER);

	/* checksum field beyond the prefix */
	xpkt_frags(&pkt, 1, 1, 1000);
	pkt.prefix = hdrs;
	pkt.prefix_size = 54;
	pkt.total_len = 1054;
	pkt.flags = NC2_PKT_F_CSUM_BLANK;
	pkt.csum_start = 34;
	pkt.csum_offset = 19;
	xexpect_pkt(&pkt, -NC2_EP_PKT_HEADER);

	/* and the same packet with everything inline is fine */
	pkt.csum_offset = 16;
	assert_int_equal(nc2_pkt_check(&pkt, &lim), 0);
	pkt.gso_type = NC2_GSO_TCPV4;
	pkt.gso_size = 1448;
	pkt.hdr_len = 54;
	assert_int_equal(nc2_pkt_check(&pkt, &lim), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_headers),
	};

	return cmocka_run_group_tests_name("xsa423", tests, NULL, NULL);
}
