// SPDX-License-Identifier: MIT
/*
 * XSA-86: hostile producer/consumer indices made vchan's memcpy overflow.
 * Here every index and header size a peer can write is tried against a
 * ring with guard bytes on both sides: each is a clean protocol error,
 * nothing is read or written outside the ring, and messages taken before
 * the attack keep their contents.
 */
#include "xsa.h"
#include <stdlib.h>

#define GUARD 4096u

struct gring {
	uint8_t *mem;	/* guard, ring, guard */
	uint8_t *ring;
	struct nc2_wire_ctrl ctrl;
	struct nc2_prod p;
	struct nc2_cons c;
};

static void gring_init(struct gring *g)
{
	g->mem = malloc(GUARD + NC2_PAGE_SIZE + GUARD);
	assert_non_null(g->mem);
	memset(g->mem, 0x5a, GUARD + NC2_PAGE_SIZE + GUARD);
	g->ring = g->mem + GUARD;
	nc2_ctrl_reset(&g->ctrl);
	assert_int_equal(nc2_prod_init(&g->p, &g->ctrl, g->ring, NC2_PAGE_SIZE), 0);
	assert_int_equal(nc2_cons_init(&g->c, &g->ctrl, g->ring, NC2_PAGE_SIZE), 0);
}

static void gring_check_free(struct gring *g)
{
	for (uint32_t i = 0; i < GUARD; i++) {
		assert_int_equal(g->mem[i], 0x5a);
		assert_int_equal(g->mem[GUARD + NC2_PAGE_SIZE + i], 0x5a);
	}
	free(g->mem);
}

/* Two honest messages consumed, copied out, then the attack. */
static void prime(struct gring *g, uint8_t out[2][64])
{
	struct nc2_msg m;
	uint8_t body[60];

	for (int i = 0; i < 2; i++) {
		memset(body, 0x10 + i, sizeof(body));
		assert_int_equal(nc2_prod_send(&g->p, 0x40, 0, body, 60), 0);
	}
	nc2_prod_push(&g->p);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(nc2_cons_peek(&g->c, &m), 1);
		assert_int_equal(nc2_msg_copy(&m, out[i], 64), 64);
		nc2_cons_consume(&g->c);
	}
	assert_int_equal(nc2_cons_release(&g->c), 0);
}

static void check_primed(uint8_t out[2][64])
{
	for (int i = 0; i < 2; i++)
		for (int j = 4; j < 64; j++)
			assert_int_equal(out[i][j], 0x10 + i);
}

static void expect_cons_error(struct gring *g, int err)
{
	struct nc2_msg m;

	assert_int_equal(nc2_cons_peek(&g->c, &m), err);
	assert_int_equal(nc2_cons_peek(&g->c, &m), err);
	assert_int_equal(nc2_cons_release(&g->c), err);
	assert_int_equal(nc2_cons_rearm(&g->c, 0), err);
	nc2_cons_consume(&g->c);
	assert_int_equal(nc2_cons_error(&g->c), err);
}

static void test_hostile_prod(void **state)
{
	static const uint32_t delta[] = {
		NC2_PAGE_SIZE + 8, 0x80000000u, 0xfffffff8u, 4, 0xffffffffu,
	};

	for (unsigned i = 0; i < sizeof(delta) / sizeof(delta[0]); i++) {
		struct gring g;
		uint8_t out[2][64];

		gring_init(&g);
		prime(&g, out);
		g.ctrl.prod = g.c.prod + delta[i];
		expect_cons_error(&g, -NC2_EP_PROD_INDEX);
		check_primed(out);
		gring_check_free(&g);
	}
}

/* A prod a ring past what we released, though not past what we read. */
static void test_prod_past_unreleased(void **state)
{
	struct gring g;
	uint8_t out[2][64];
	struct nc2_msg m;

	gring_init(&g);
	prime(&g, out);
	assert_int_equal(nc2_prod_send(&g.p, 0x40, 0, out[0], 60), 0);
	nc2_prod_push(&g.p);
	assert_int_equal(nc2_cons_peek(&g.c, &m), 1);
	nc2_cons_consume(&g.c);
	/* consumed, not released: the producer may not reuse those 64 bytes */
	g.ctrl.prod = g.c.released + NC2_PAGE_SIZE + 8;
	expect_cons_error(&g, -NC2_EP_PROD_INDEX);
	gring_check_free(&g);
}

static void test_hostile_sizes(void **state)
{
	/* sizes: 0, unaligned, past prod, past the ring's end, max */
	static const uint16_t sizes[] = { 0, 4, 12, 72, 65528, 65535 };

	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct gring g;
		uint8_t out[2][64];

		gring_init(&g);
		prime(&g, out);
		traw(&g.p, 0x40, 0, sizes[i], NULL, 0);
		/* publish 64 bytes whatever the header says */
		g.ctrl.prod = g.c.prod + 64;
		expect_cons_error(&g, -NC2_EP_MSG_SIZE);
		check_primed(out);
		gring_check_free(&g);
	}
}

static void test_message_across_end(void **state)
{
	struct gring g;
	uint8_t out[2][64], body[4] = { 0 };
	uint32_t at;

	gring_init(&g);
	prime(&g, out);
	/* Walk to 16 bytes before the end, then a 64-byte message there. */
	while ((g.p.pvt & (NC2_PAGE_SIZE - 1)) != NC2_PAGE_SIZE - 16) {
		struct nc2_msg m;

		assert_int_equal(nc2_prod_send(&g.p, 0x40, 0, body, 4), 0);
		nc2_prod_push(&g.p);
		assert_int_equal(nc2_cons_peek(&g.c, &m), 1);
		nc2_cons_consume(&g.c);
		nc2_cons_release(&g.c);
	}
	at = g.p.pvt;
	traw(&g.p, 0x40, 0, 64, NULL, 0);
	g.ctrl.prod = at + 64;
	expect_cons_error(&g, -NC2_EP_MSG_SIZE);
	gring_check_free(&g);
}

static void test_hostile_cons(void **state)
{
	static const uint32_t delta[] = { 8 * 3, 4, 0xfffffff8u, 0x80000000u };

	for (unsigned i = 0; i < sizeof(delta) / sizeof(delta[0]); i++) {
		struct gring g;
		uint8_t out[2][64];
		void *msg;

		gring_init(&g);
		prime(&g, out);
		assert_int_equal(nc2_prod_idle(&g.p), 1); /* learn cons */
		/* cons may not pass what was pushed, nor go back, nor be odd */
		g.ctrl.cons = g.p.pushed + delta[i];
		assert_int_equal(nc2_prod_idle(&g.p), -NC2_EP_CONS_INDEX);
		assert_int_equal(nc2_prod_reserve(&g.p, 64, &msg),
				 -NC2_EP_CONS_INDEX);
		assert_int_equal(nc2_prod_push(&g.p), -NC2_EP_CONS_INDEX);
		assert_int_equal(nc2_prod_want_space(&g.p, 64),
				 -NC2_EP_CONS_INDEX);
		gring_check_free(&g);
	}
}

/* The re-arm and want_space rechecks validate what they read, too. */
static void test_rechecks_validate(void **state)
{
	struct gring g;
	uint8_t out[2][64];

	gring_init(&g);
	prime(&g, out);
	g.ctrl.prod = g.c.prod + 4;
	assert_int_equal(nc2_cons_rearm(&g.c, 0), -NC2_EP_PROD_INDEX);
	gring_check_free(&g);

	gring_init(&g);
	prime(&g, out);
	assert_int_equal(nc2_prod_idle(&g.p), 1);
	g.ctrl.cons = g.p.pushed + 8;
	assert_int_equal(nc2_prod_want_space(&g.p, 64), -NC2_EP_CONS_INDEX);
	gring_check_free(&g);
}

/*
 * The same through a link: whichever call meets the hostile index (a
 * send, a FINISH, a CLOSE once the ring is full), the whole link fails.
 */
static void test_link_fails_whole(void **state)
{
	for (int how = 0; how < 3; how++) {
		struct xnet x;
		uint8_t big[1500] = { 0 };
		uint32_t id = 7;
		struct nc2_pkt pkt;
		struct nc2_msg m;
		int r = 0;

		xnet_up(&x, NC2_ROLE_FRONTEND);
		if (how == 1) { /* something to FINISH */
			xpkt_frags(&pkt, id, 1, 100);
			xpkt(&x, &pkt);
			assert_int_equal(xpoll_a(&x, &m), NC2_MSG_PACKET);
			assert_int_equal(nc2_net_recv_packet(&x.a, &m, &pkt), 0);
			nc2_link_consume(&x.a.link);
		}
		/* fill the ring to the last byte, so the next send looks */
		while (how && nc2_link_send(&x.a.link, NC2_MSG_SET_OFFLOAD, 0,
					    big, 1500) == 0)
			;
		while (how && nc2_link_send(&x.a.link, NC2_MSG_SET_OFFLOAD, 0,
					    big, 4) == 0)
			;
		x.p.a2b.ctrl->cons = 12345; /* odd, beyond what A pushed */
		if (how == 0)
			for (int i = 0; i < 8 && !r; i++)
				r = nc2_link_send(&x.a.link, NC2_MSG_SET_OFFLOAD,
						  0, big, 1500);
		else if (how == 1)
			r = nc2_link_finish(&x.a.link, &id, 1);
		else
			r = nc2_link_close(&x.a.link, 0);
		assert_int_equal(r, -NC2_EP_CONS_INDEX);
		xassert_failed(&x, r);
		xnet_free(&x);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_prod),
		cmocka_unit_test(test_prod_past_unreleased),
		cmocka_unit_test(test_hostile_sizes),
		cmocka_unit_test(test_message_across_end),
		cmocka_unit_test(test_hostile_cons),
		cmocka_unit_test(test_rechecks_validate),
		cmocka_unit_test(test_link_fails_whole),
	};

	return cmocka_run_group_tests_name("xsa86", tests, NULL, NULL);
}
