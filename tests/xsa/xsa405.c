// SPDX-License-Identifier: MIT
/*
 * XSA-405: a backend made the frontend reuse buffers it had freed. In nc2
 * a buffer is released when a FINISH names its id, so the library's part
 * is to refuse any FINISH that does not name an id in flight: never sent,
 * already finished, named twice in one message, or out of range. Each
 * fails the link, and ids still in flight stay busy so their buffers are
 * not freed behind the driver's back.
 */
#include "xsa.h"

struct fin {
	uint16_t count, reserved;
	uint32_t id[3];
};

static void setup_inflight(struct xnet *x, uint32_t ids[3])
{
	struct nc2_pkt pkt;

	xnet_up(x, NC2_ROLE_FRONTEND);
	for (int i = 0; i < 3; i++) {
		xpkt_frags(&pkt, 0, 1, 500);
		assert_int_equal(nc2_net_send_packet(&x->a, &pkt, NULL), 0);
		ids[i] = pkt.id;
	}
	assert_int_equal(nc2_idpool_inflight(&x->a.link.pool), 3);
}

/* B sends FINISH f; A walks it; returns the error and ids completed. */
static int finish(struct xnet *x, const struct fin *f, uint32_t len,
		  uint32_t *done)
{
	struct nc2_finish_iter it;
	struct nc2_msg m;
	uint32_t id;
	int r;

	*done = 0;
	xraw(x, NC2_MSG_FINISH, f, len);
	assert_int_equal(xpoll_a(x, &m), NC2_MSG_FINISH);
	r = nc2_link_finish_begin(&x->a.link, &m, &it);
	if (r)
		return r;
	while ((r = nc2_link_finish_next(&x->a.link, &it, &id, NULL)) > 0)
		(*done)++;
	nc2_link_consume(&x->a.link);
	return r;
}

static void test_bad_finishes(void **state)
{
	for (int kind = 0; kind < 4; kind++) {
		struct xnet x;
		uint32_t ids[3], done;
		struct fin f = { 0 };
		int r, err;

		setup_inflight(&x, ids);
		if (kind == 0) { /* an id never sent (but in range) */
			f.count = 1;
			f.id[0] = 200;
			err = -NC2_EP_ID_UNKNOWN;
		} else if (kind == 1) { /* the same id twice in one FINISH */
			f.count = 2;
			f.id[0] = f.id[1] = ids[1];
			err = -NC2_EP_ID_UNKNOWN;
		} else if (kind == 2) { /* an id beyond the declared range */
			f.count = 1;
			f.id[0] = 256;
			err = -NC2_EP_ID_RANGE;
		} else { /* finished once, then again */
			f.count = 1;
			f.id[0] = ids[0];
			assert_int_equal(finish(&x, &f, 8, &done), 0);
			assert_int_equal(done, 1);
			err = -NC2_EP_ID_UNKNOWN;
		}
		r = finish(&x, &f, 4 + 4u * f.count, &done);
		assert_int_equal(r, err);
		xassert_failed(&x, err);
		/* Ids not properly finished are still held for their owner. */
		assert_int_equal(nc2_idpool_busy(&x.a.link.pool, ids[2]), 1);
		assert_int_equal(nc2_idpool_busy(&x.a.link.pool, ids[1]),
				 kind == 1 ? 0 : 1);
		xnet_free(&x);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_finishes),
	};

	return cmocka_run_group_tests_name("xsa405", tests, NULL, NULL);
}
