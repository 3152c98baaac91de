// SPDX-License-Identifier: MIT
/*
 * XSA-403: page-granular grants exposed the data that shared a page with
 * a packet. What nc2 itself writes to shared memory must carry nothing
 * but the message: alignment padding and reserved fields are zeroed, so
 * no stale private bytes reach the peer; and a fragment is a byte range
 * inside one page, so a receiver never reads past it. (Granting only
 * those bytes is the consumers' part: see README.md.)
 */
#include "xsa_pkt.h"

static void test_padding_zeroed(void **state)
{
	struct tring t;
	struct nc2_prod p;
	uint8_t body[64];
	uint32_t len;

	tring_alloc(&t, 1); /* the ring starts full of 0xa5 "secrets" */
	assert_int_equal(nc2_prod_init(&p, t.ctrl, t.data, t.bytes), 0);
	memset(body, 0x11, sizeof(body));
	/* A message is 8 bytes at least (protocol.md 4.2). */
	for (len = 0; len < 4; len++)
		assert_int_equal(nc2_prod_send(&p, 0x40, 0, body, len),
				 -NC2_E_INVAL);
	for (len = 4; len <= 60; len++) {
		uint32_t at = p.pvt, size = (4 + len + 7) & ~7u;

		assert_int_equal(nc2_prod_send(&p, 0x40, 0, body, len), 0);
		for (uint32_t i = 4 + len; i < size; i++)
			assert_int_equal(t.data[at + i], 0);
	}
	tring_free(&t);
}

static void test_packet_reserved_zeroed(void **state)
{
	struct nc2_pkt pkt;
	uint8_t msg[64];
	const struct nc2_msg_packet *w = (const void *)msg;

	memset(msg, 0xa5, sizeof(msg));
	xpkt_frags(&pkt, 1, 1, 100);
	nc2_pkt_encode(msg, &pkt);
	assert_int_equal(w->reserved0, 0);
	assert_int_equal(w->reserved1, 0);
}

static void test_frag_stays_in_page(void **state)
{
	struct nc2_pkt pkt;

	xpkt_frags(&pkt, 1, 1, 4096);
	pkt.frag[0].off = 1;
	xexpect_pkt(&pkt, -NC2_EP_PKT_FRAG);
	xpkt_frags(&pkt, 1, 2, 100);
	pkt.frag[1].off = 4000;
	xexpect_pkt(&pkt, -NC2_EP_PKT_FRAG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_padding_zeroed),
		cmocka_unit_test(test_packet_reserved_zeroed),
		cmocka_unit_test(test_frag_stays_in_page),
	};

	return cmocka_run_group_tests_name("xsa403", tests, NULL, NULL);
}
