// SPDX-License-Identifier: MIT
/*
 * XSA-155: backends fetched ring entries twice, so a guest could change
 * them between the check and the use. Here a second thread keeps flipping
 * bytes of everything the peer can write (message headers, packet fields,
 * fragments, FINISH counts and ids, bypass page counts, the prod index)
 * while the library peeks and decodes. Whatever it returns must be
 * self-consistent: a message inside the ring and inside what prod
 * published, a decoded packet that passes nc2_pkt_check, a FINISH walk
 * that stays inside its message, a bypass message with a valid page count.
 * Each must hold for the private copy, whatever the ring says meanwhile.
 */
#include "xsa.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#define POOL 1024u

struct shared {
	struct nc2_wire_ctrl *ctrl;
	uint8_t *ring;
	atomic_bool stop;
	atomic_ulong flips;
};

static uint64_t rng(uint64_t *s)
{
	return tprng(s);
}

/* Toggle one byte many times, so any window between two reads is hit. */
static void *flipper(void *arg)
{
	struct shared *sh = arg;
	uint64_t s = 0x9e3779b97f4a7c15ull;

	while (!atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
		uint64_t r = rng(&s);
		uint8_t *at = sh->ring + (r & (NC2_PAGE_SIZE - 1));
		uint8_t mask = (uint8_t)(r >> 16) | 1;

		if ((r >> 24) % 256 == 0) {
			/* now and then, the index too */
			uint32_t *prod = &sh->ctrl->prod;
			uint32_t v = __atomic_load_n(prod, __ATOMIC_RELAXED);

			__atomic_store_n(prod, v ^ (uint32_t)(8u << (r >> 32) % 14),
					 __ATOMIC_RELAXED);
		}
		for (int i = 0; i < 64; i++) {
			uint8_t v = __atomic_load_n(at, __ATOMIC_RELAXED);

			__atomic_store_n(at, (uint8_t)(v ^ mask), __ATOMIC_RELAXED);
		}
		atomic_fetch_add_explicit(&sh->flips, 1, memory_order_relaxed);
	}
	return NULL;
}

struct stats {
	unsigned long msgs, pkts, finishes, ids, bypass, errors;
};

/* Fill the ring with an honest mix of messages. */
static void produce(struct nc2_prod *p, uint64_t *s)
{
	struct nc2_pkt pkt;
	void *msg;

	for (;;) {
		uint32_t kind = rng(s) % 3, size;

		if (kind == 0) {
			xpkt_frags(&pkt, rng(s) % 256, 1 + rng(s) % 8, 200);
			if (rng(s) & 1) {
				static const uint8_t hdrs[64];

				pkt.prefix = hdrs;
				pkt.prefix_size = 54;
				pkt.total_len += 40;
				pkt.flags = NC2_PKT_F_CSUM_BLANK;
				pkt.csum_start = 34;
				pkt.csum_offset = 16;
				pkt.gso_type = NC2_GSO_TCPV4;
				pkt.gso_size = 100;
				pkt.hdr_len = 54;
			}
			size = nc2_pkt_msg_size(&pkt);
			if (nc2_prod_reserve(p, size, &msg))
				break;
			nc2_pkt_encode(msg, &pkt);
			nc2_prod_commit(p, NC2_MSG_PACKET, 0, size);
		} else if (kind == 1) {
			uint32_t f[9] = { 8 };

			for (int i = 1; i < 9; i++)
				f[i] = (uint32_t)(rng(s) % POOL);
			if (nc2_prod_send(p, NC2_MSG_FINISH, 0, f, sizeof(f)))
				break;
		} else {
			struct nc2_msg_bypass_backend w = { 0 };
			uint8_t buf[sizeof(w) + 8 * 4] = { 0 };

			w.rings.ring_pages = 4;
			memcpy(buf, &w, sizeof(w));
			if (nc2_prod_send(p, NC2_MSG_BYPASS_BACKEND, 0, buf + 4,
					  sizeof(buf) - 4))
				break;
		}
	}
	nc2_prod_push(p);
}

static void check_packet(const struct nc2_msg *m,
			 const struct nc2_net_limits *lim, struct stats *st)
{
	struct nc2_pkt pkt;

	if (nc2_pkt_decode(m, lim, &pkt)) {
		st->errors++;
		return;
	}
	/* pkt is private: what was checked is what the caller gets */
	assert_int_equal(nc2_pkt_check(&pkt, lim), 0);
	assert_int_equal(nc2_pkt_msg_size(&pkt), m->size);
	assert_true(pkt.prefix >= m->data + 32 &&
		    pkt.prefix + pkt.prefix_size <= m->data + m->size);
	st->pkts++;
}

static void check_finish(struct nc2_link *l, const struct nc2_msg *m,
			 struct stats *st)
{
	struct nc2_finish_iter it;
	uint32_t id, n = 0, before = nc2_idpool_inflight(&l->pool);
	int r;

	if (nc2_link_finish_begin(l, m, &it)) {
		st->errors++;
		return;
	}
	/* count was read once: the walk ends inside the message */
	assert_true(8 + 4 * it.count <= m->size);
	assert_true((const uint8_t *)(it.ids + it.count) <= m->data + m->size);
	while ((r = nc2_link_finish_next(l, &it, &id, NULL)) > 0) {
		assert_true(id < POOL);
		assert_int_equal(nc2_idpool_busy(&l->pool, id), 0);
		n++;
	}
	assert_int_equal(nc2_idpool_inflight(&l->pool), before - n);
	if (r)
		st->errors++;
	st->finishes++;
	st->ids += n;
}

static void check_bypass(const struct nc2_msg *m, struct stats *st)
{
	struct nc2_bypass_msg b;

	if (nc2_bypass_decode(NC2_ROLE_FRONTEND, m, &b)) {
		st->errors++;
		return;
	}
	assert_true(b.ring_pages >= 1 && b.ring_pages <= NC2_BYPASS_MAX_PAGES &&
		    !(b.ring_pages & (b.ring_pages - 1)));
	for (uint32_t i = 2u * b.ring_pages; i < 2 * NC2_BYPASS_MAX_PAGES; i++)
		assert_int_equal(b.gref[i], 0);
	st->bypass++;
}

/* A link whose pool has every id in flight, to walk FINISHes against. */
static void link_reset(struct nc2_link *l, uint32_t *pool, uint32_t *set,
		       struct tring *tx, struct tring *rx)
{
	struct nc2_link_config cfg = {
		.device_class = NC2_CLASS_NET, .features = NC2_FEAT_ALL,
		.pool_words = pool, .pool_cap = POOL,
		.set_words = set, .set_limit = 1,
	};
	uint32_t id;

	assert_int_equal(nc2_link_init(l, &cfg, tx->ctrl, tx->data, tx->bytes,
				       rx->ctrl, rx->data, rx->bytes), 0);
	l->features = NC2_FEAT_ALL;
	assert_int_equal(nc2_idpool_set_limit(&l->pool, POOL), 0);
	while (nc2_idpool_get(&l->pool, NULL, &id) == 0)
		;
}

static void test_double_fetch(void **state)
{
	struct nc2_net_limits lim = { 8, NC2_MAX_INLINE_LIMIT, NC2_OFFLOAD_ALL };
	static uint32_t pool[NC2_IDPOOL_WORDS(POOL)], set[1];
	const char *env = getenv("NC2_XSA155_SECS");
	double secs = env ? atof(env) : 3.0;
	struct tring ring, spare;
	struct shared sh;
	struct stats st = { 0 };
	struct nc2_link l;
	struct nc2_prod p;
	struct timespec t0, t;
	pthread_t th;
	uint64_t s = 1;

	tring_alloc(&ring, 1);
	tring_alloc(&spare, 1);
	sh.ctrl = ring.ctrl;
	sh.ring = ring.data;
	atomic_init(&sh.stop, false);
	atomic_init(&sh.flips, 0);
	link_reset(&l, pool, set, &spare, &ring);
	assert_int_equal(nc2_prod_init(&p, ring.ctrl, ring.data, ring.bytes), 0);
	assert_int_equal(pthread_create(&th, NULL, flipper, &sh), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		struct nc2_cons *c = &l.rx;
		struct nc2_msg m;
		int r;

		produce(&p, &s);
		for (int i = 0; i < 64; i++) {
			uint32_t pvt = c->pvt;

			r = nc2_cons_peek(c, &m);
			if (r <= 0)
				break;
			/* inside the ring and inside what prod published */
			assert_true(m.data >= ring.data &&
				    m.data + m.size <= ring.data + ring.bytes);
			assert_true(m.data == ring.data + (c->pvt & (ring.bytes - 1)));
			assert_true(c->pvt - pvt + m.size <= c->prod - pvt);
			assert_true(m.size >= 8 && !(m.size & 7));
			st.msgs++;
			if (m.type == NC2_MSG_PACKET)
				check_packet(&m, &lim, &st);
			else if (m.type == NC2_MSG_FINISH)
				check_finish(&l, &m, &st);
			else if (m.type >= NC2_MSG_BYPASS_FRONTEND &&
				 m.type <= NC2_MSG_SUGGEST_BYPASS)
				check_bypass(&m, &st);
			nc2_cons_consume(c);
		}
		nc2_cons_release(c);
		if (nc2_cons_error(c) || nc2_link_error(&l) ||
		    nc2_prod_error(&p) || nc2_prod_idle(&p) < 0 || r < 0) {
			/* start over; the flipper carries on regardless */
			st.errors++;
			nc2_ctrl_reset(ring.ctrl);
			link_reset(&l, pool, set, &spare, &ring);
			assert_int_equal(nc2_prod_init(&p, ring.ctrl, ring.data,
						       ring.bytes), 0);
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 < secs);
	atomic_store(&sh.stop, true);
	pthread_join(th, NULL);
	print_message("xsa155: %lu msgs, %lu packets, %lu finishes (%lu ids), "
		      "%lu bypass, %lu errors, %lu flip bursts\n",
		      st.msgs, st.pkts, st.finishes, st.ids, st.bypass,
		      st.errors, (unsigned long)atomic_load(&sh.flips));
	/* it must have exercised both outcomes to mean anything */
	assert_true(st.pkts > 100 && st.finishes > 100 && st.bypass > 100);
	assert_true(st.errors > 100);
	tring_free(&ring);
	tring_free(&spare);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_double_fetch),
	};

	return cmocka_run_group_tests_name("xsa155", tests, NULL, NULL);
}
