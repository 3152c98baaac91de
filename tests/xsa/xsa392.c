// SPDX-License-Identifier: MIT
/*
 * XSA-392: a guest that stopped consuming made the backend queue
 * gigabytes, and dribbling a little fooled the stall detection. Here: a
 * peer that never consumes costs exactly one ring (sends then fail with
 * -NC2_E_AGAIN, nothing else grows), the limiter caps what is held for it,
 * a dribble below the floor is judged stalled window after window, a
 * peer that FINISHes without ever releasing ring space is stalled too,
 * and a peer that resumes wakes the sender through the want_space event.
 */
#include "xsa.h"

static void test_ring_bounds_memory(void **state)
{
	struct xnet x;
	struct nc2_pkt pkt;
	uint32_t sent = 0, prod;
	int r, i;

	xnet_up(&x, NC2_ROLE_BACKEND);
	memset(&pkt, 0, sizeof(pkt));
	pkt.prefix = (const uint8_t *)"0123456789abcdefghijklmnopqrstuv";
	pkt.prefix_size = pkt.total_len = 32;
	while ((r = nc2_net_send_packet(&x.a, &pkt, NULL)) == NC2_NET_SENT_INLINE)
		sent++;
	assert_int_equal(r, -NC2_E_AGAIN);
	nc2_link_push(&x.a.link);
	prod = x.p.a2b.ctrl->prod;
	/* Pressing on changes nothing: no hidden queue behind the ring. */
	for (i = 0; i < 10000; i++)
		assert_int_equal(nc2_net_send_packet(&x.a, &pkt, NULL),
				 -NC2_E_AGAIN);
	assert_int_equal(x.p.a2b.ctrl->prod, prod);
	assert_true(x.a.link.tx.stats.full >= 10000);
	assert_int_equal(nc2_link_error(&x.a.link), 0);
	/* Ask for room, then B drains: the release says "notify A". */
	assert_int_equal(nc2_prod_want_space(&x.a.link.tx, 64), 0);
	{
		struct nc2_msg m;

		while (nc2_net_poll(&x.b, &m) == 1)
			nc2_link_consume(&x.b.link);
	}
	assert_int_equal(nc2_link_release(&x.b.link), 1);
	assert_int_equal(nc2_prod_want_space(&x.a.link.tx, 64), 1);
	assert_int_equal(nc2_net_send_packet(&x.a, &pkt, NULL),
			 NC2_NET_SENT_INLINE);
	assert_true(sent > 0);
	xnet_free(&x);
}

static void test_queue_cap(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter l;
	uint32_t n = 0;

	nc2_limiter_config_default(&c);
	assert_int_equal(nc2_limiter_init(&l, &c, 0), 0);
	while (nc2_limiter_queue(&l, 1500) == 0)
		n++;
	assert_true(nc2_limiter_queued(&l) <= c.queue_bytes_max);
	assert_true(n <= c.queue_pkts_max);
	assert_int_equal(nc2_limiter_queue(&l, 0xffffffffu), -NC2_E_AGAIN);
	assert_true(l.stats.queue_drops >= 2);
	/* unqueue of more than held cannot underflow into a huge credit */
	nc2_limiter_unqueue(&l, 0xffffffffu);
	assert_int_equal(nc2_limiter_queued(&l), 0);
}

static void test_dribble_is_stalled(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter l;
	uint64_t now = 1000, w;
	int i;

	nc2_limiter_config_default(&c);
	w = c.stall_window_ns;
	assert_int_equal(nc2_limiter_init(&l, &c, now), 0);
	assert_int_equal(nc2_limiter_queue(&l, 1u << 20), 0);
	for (i = 0; i < 10; i++) {
		/* a byte every millisecond: progress, but below the floor */
		for (int k = 0; k < 1000; k++) {
			nc2_limiter_progress(&l, 1);
			now += w / 1000;
			if (k < 999)
				assert_int_equal(nc2_limiter_stalled(&l, now),
						 i > 0);
		}
		assert_true(nc2_limiter_stalled(&l, now));
	}
	assert_int_equal(l.stats.stalls, 1);
	/* a window that meets the floor clears it */
	nc2_limiter_progress(&l, c.stall_min_bytes);
	now += w;
	assert_false(nc2_limiter_stalled(&l, now));
	/* nothing held: never stalled, however idle */
	nc2_limiter_unqueue(&l, 1u << 20);
	now += 5 * w;
	assert_false(nc2_limiter_stalled(&l, now));
	/* asked very late: the floor grows with the windows, saturating */
	assert_int_equal(nc2_limiter_queue(&l, 1), 0);
	nc2_limiter_progress(&l, 0xffffffffu);
	c.stall_window_ns = 1;
	assert_int_equal(nc2_limiter_init(&l, &c, 0), 0);
	assert_int_equal(nc2_limiter_queue(&l, 1), 0);
	nc2_limiter_progress(&l, 0xffffffffu);
	assert_true(nc2_limiter_stalled(&l, 1ull << 40));
}

/*
 * A frontend that FINISHes every packet but never releases ring space
 * (or stops consuming) earns no progress: the backend judges the ring.
 * Under the old rule its FINISHed bytes kept it looking alive.
 */
static void test_finish_without_release(void **state)
{
	struct nc2_limiter_config c;
	struct nc2_limiter lim;
	struct xnet x;
	struct nc2_pkt pkt;
	struct nc2_msg m;
	uint64_t now = 0;
	uint32_t finished = 0, released_before;

	xnet_up(&x, NC2_ROLE_BACKEND);
	nc2_limiter_config_default(&c);
	assert_int_equal(nc2_limiter_init(&lim, &c, now), 0);
	nc2_limiter_ring(&lim, nc2_link_tx_consumed(&x.a.link),
			 nc2_link_tx_unconsumed(&x.a.link));
	for (int w = 0; w < 4; w++) {
		uint32_t id;

		/* A sends what fits; each packet is held until FINISHed. */
		while (nc2_link_get_id(&x.a.link, NULL, &id) == 0) {
			xpkt_frags(&pkt, id, 1, 1400);
			if (nc2_net_send_packet(&x.a, &pkt, NULL)) {
				nc2_link_complete(&x.a.link, id, NULL);
				break;
			}
			assert_int_equal(nc2_limiter_queue(&lim, 1414), 0);
		}
		nc2_link_push(&x.a.link);
		/* B reads and FINISHes everything, never releasing. */
		while (nc2_net_poll(&x.b, &m) == 1) {
			assert_int_equal(nc2_net_recv_packet(&x.b, &m, &pkt),
					 0);
			nc2_link_consume(&x.b.link);
			assert_int_equal(nc2_link_finish(&x.b.link, &pkt.id, 1),
					 1);
		}
		nc2_link_push(&x.b.link);
		/* A sees the FINISHes: bytes completed, data released. */
		while (nc2_net_poll(&x.a, &m) == 1) {
			struct nc2_finish_iter it;

			assert_int_equal(m.type, NC2_MSG_FINISH);
			nc2_link_finish_begin(&x.a.link, &m, &it);
			while (nc2_link_finish_next(&x.a.link, &it, &id, NULL) > 0) {
				nc2_limiter_unqueue(&lim, 1414);
				nc2_limiter_progress(&lim, 1414);
				finished++;
			}
			nc2_link_consume(&x.a.link);
		}
		nc2_link_release(&x.a.link);
		now += c.stall_window_ns;
		nc2_limiter_ring(&lim, nc2_link_tx_consumed(&x.a.link),
				 nc2_link_tx_unconsumed(&x.a.link));
		assert_true(nc2_link_tx_unconsumed(&x.a.link) > 0);
		/* The first window had nothing waiting when it opened. */
		assert_int_equal(nc2_limiter_stalled(&lim, now), w > 0);
	}
	/* Everything was FINISHed: nothing held off the ring, no queue. */
	assert_true(finished * 1414ull > c.stall_min_bytes);
	assert_int_equal(nc2_limiter_queued(&lim), 0);
	assert_int_equal(lim.stats.stalls, 1);
	assert_int_equal(nc2_link_error(&x.a.link), 0);
	/*
	 * B finally releases the ring: it ate all that waited for it (a
	 * page, under the 64 KiB floor), and the stall clears.
	 */
	released_before = nc2_link_tx_consumed(&x.a.link);
	nc2_link_release(&x.b.link);
	now += c.stall_window_ns;
	nc2_limiter_ring(&lim, nc2_link_tx_consumed(&x.a.link),
			 nc2_link_tx_unconsumed(&x.a.link));
	assert_true(nc2_link_tx_consumed(&x.a.link) - released_before >
		    x.p.a2b.bytes / 2);
	assert_int_equal(nc2_link_tx_unconsumed(&x.a.link), 0);
	assert_false(nc2_limiter_stalled(&lim, now));
	xnet_free(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_bounds_memory),
		cmocka_unit_test(test_queue_cap),
		cmocka_unit_test(test_dribble_is_stalled),
		cmocka_unit_test(test_finish_without_release),
	};

	return cmocka_run_group_tests_name("xsa392", tests, NULL, NULL);
}
