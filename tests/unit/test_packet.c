// SPDX-License-Identifier: MIT
/* PACKET and the net class: round trips, limits, every decoding rule. */
#include "fixture.h"
#include <string.h>

struct nfix {
	struct tpair t;
	struct nc2_net a, b;
	struct nc2_link_config ca, cb;
	struct nc2_net_limits la, lb;
};

static void pump(struct nfix *f)
{
	struct nc2_msg m;

	nc2_link_push(&f->a.link);
	nc2_link_push(&f->b.link);
	assert_int_equal(nc2_net_poll(&f->a, &m), 0);
	assert_int_equal(nc2_net_poll(&f->b, &m), 0);
}

static void nfix_up(struct nfix *f, uint32_t offloads_b, uint32_t frags_b)
{
	tpair_alloc(&f->t, 2);
	tpair_config(&f->t, &f->ca, &f->cb, NC2_CLASS_NET);
	nc2_net_limits_default(&f->la);
	f->lb.max_frags = frags_b;
	f->lb.max_inline = 512;
	f->lb.offloads = offloads_b;
	assert_int_equal(nc2_net_init(&f->a, NC2_ROLE_FRONTEND, &f->ca, &f->la,
				      f->t.a2b.ctrl, f->t.a2b.data,
				      f->t.a2b.bytes, f->t.b2a.ctrl,
				      f->t.b2a.data, f->t.b2a.bytes), 0);
	assert_int_equal(nc2_net_init(&f->b, NC2_ROLE_BACKEND, &f->cb, &f->lb,
				      f->t.b2a.ctrl, f->t.b2a.data,
				      f->t.b2a.bytes, f->t.a2b.ctrl,
				      f->t.a2b.data, f->t.a2b.bytes), 0);
	assert_int_equal(nc2_net_start(&f->a), 0);
	assert_int_equal(nc2_net_start(&f->b), 0);
	pump(f);
	assert_int_equal(f->a.peer.max_frags, frags_b);
	assert_int_equal(f->a.peer.max_inline, 512);
	assert_int_equal(f->a.peer.offloads, offloads_b);
}

/* A valid TCPv4 GSO packet with its headers inline and n fragments. */
static void tcp_pkt(struct nc2_pkt *p, const uint8_t *hdr, uint32_t n)
{
	memset(p, 0, sizeof(*p));
	p->type = NC2_PKT_RECEIVER_COPY;
	p->flags = NC2_PKT_F_CSUM_BLANK;
	p->gso_type = NC2_GSO_TCPV4;
	p->gso_size = 1448;
	p->hdr_len = 66;
	p->csum_start = 34;
	p->csum_offset = 16;
	p->prefix = hdr;
	p->prefix_size = 66;
	p->nr_frags = (uint8_t)n;
	p->total_len = 66;
	for (uint32_t i = 0; i < n; i++) {
		p->frag[i].gref = 100 + i;
		p->frag[i].off = (uint16_t)(i * 8);
		p->frag[i].len = (uint16_t)(4096 - i * 8);
		p->total_len += p->frag[i].len;
	}
}

static void test_round_trip(void **state)
{
	struct nfix f;
	struct nc2_msg m;
	struct nc2_pkt tx, rx;
	uint8_t hdr[66], small[200];

	nfix_up(&f, NC2_OFFLOAD_ALL, 17);
	for (int i = 0; i < 66; i++)
		hdr[i] = (uint8_t)i;
	for (int i = 0; i < 200; i++)
		small[i] = (uint8_t)(i * 3);
	tcp_pkt(&tx, hdr, 16);
	assert_int_equal(nc2_net_send_packet(&f.a, &tx, &tx), NC2_NET_SENT_ID);
	memset(&rx, 0, sizeof(rx));
	rx.type = NC2_PKT_SMALL;
	rx.flags = NC2_PKT_F_DATA_VALIDATED;
	rx.prefix = small;
	rx.prefix_size = rx.total_len = 200;
	assert_true(nc2_net_fits_inline(&f.a, 200));
	/* Small: no id, so the token is not kept and nothing comes back. */
	assert_int_equal(nc2_net_send_packet(&f.a, &rx, &rx),
			 NC2_NET_SENT_INLINE);
	assert_int_equal(nc2_link_ids_inflight(&f.a.link), 1);
	nc2_link_push(&f.a.link);

	assert_int_equal(nc2_net_poll(&f.b, &m), 1);
	assert_int_equal(m.type, NC2_MSG_PACKET);
	assert_int_equal(nc2_net_recv_packet(&f.b, &m, &rx), 0);
	assert_int_equal(rx.id, tx.id);
	assert_int_equal(rx.nr_frags, 16);
	assert_int_equal(rx.total_len, tx.total_len);
	assert_int_equal(rx.gso_type, NC2_GSO_TCPV4);
	assert_int_equal(rx.gso_size, 1448);
	assert_int_equal(rx.hdr_len, 66);
	assert_int_equal(rx.csum_start, 34);
	assert_int_equal(rx.csum_offset, 16);
	assert_memory_equal(rx.prefix, hdr, 66);
	assert_memory_equal(rx.frag, tx.frag, sizeof(tx.frag[0]) * 16);
	nc2_link_consume(&f.b.link);
	assert_int_equal(nc2_net_poll(&f.b, &m), 1);
	assert_int_equal(nc2_net_recv_packet(&f.b, &m, &rx), 0);
	assert_int_equal(rx.type, NC2_PKT_SMALL);
	assert_int_equal(rx.flags, NC2_PKT_F_DATA_VALIDATED);
	assert_memory_equal(rx.prefix, small, 200);
	nc2_link_consume(&f.b.link);
	assert_int_equal(f.b.stats.rx_packets, 2);
	assert_int_equal(f.b.stats.rx_small, 1);
	assert_int_equal(f.a.stats.tx_small, 1);
	/* The getters drivers use see the same state. */
	assert_int_equal(nc2_net_get_stats(&f.b)->rx_packets, 2);
	assert_int_equal(nc2_net_get_stats(&f.a)->tx_packets, 2);
	assert_int_equal(nc2_net_peer_limits(&f.a)->max_frags, 17);
	assert_int_equal(nc2_net_peer_limits(&f.a)->max_inline, 512);
	assert_int_equal(nc2_link_ids_inflight(&f.a.link), 1);
	assert_int_equal(nc2_link_ids_free(&f.a.link), f.a.link.pool.limit - 1);
	assert_int_equal(nc2_link_tx_stats(&f.a.link)->msgs,
			 f.a.link.tx.stats.msgs);
	assert_int_equal(nc2_link_rx_stats(&f.b.link)->msgs,
			 f.b.link.rx.stats.msgs);
	assert_true(nc2_link_rx_stats(&f.b.link)->msgs >= 2);
	assert_int_equal(nc2_link_get_stats(&f.a.link)->ctl_msgs,
			 f.a.link.stats.ctl_msgs);
	/* FINISH the one id and watch it return. */
	{
		struct nc2_finish_iter it;
		uint32_t id;
		void *tok = NULL;

		assert_int_equal(nc2_link_finish(&f.b.link, &tx.id, 1), 1);
		nc2_link_push(&f.b.link);
		assert_int_equal(nc2_net_poll(&f.a, &m), 1);
		assert_int_equal(nc2_link_finish_begin(&f.a.link, &m, &it), 0);
		assert_int_equal(nc2_link_finish_next(&f.a.link, &it, &id, &tok),
				 1);
		assert_int_equal(id, tx.id);
		assert_ptr_equal(tok, &tx);
		assert_int_equal(nc2_link_ids_inflight(&f.a.link), 0);
		assert_int_equal(nc2_link_ids_free(&f.a.link),
				 f.a.link.pool.limit);
		assert_int_equal(nc2_link_get_stats(&f.b.link)->finish_ids, 1);
	}
	tpair_free(&f.t);
}

/* The sender refuses what the receiver's limits forbid. */
static void test_sender_limits(void **state)
{
	struct nfix f;
	struct nc2_pkt p;
	uint8_t hdr[600] = { 0 };

	nfix_up(&f, NC2_OFFLOAD_CSUM, 4);
	tcp_pkt(&p, hdr, 4);
	assert_int_equal(nc2_net_send_packet(&f.a, &p, NULL), -NC2_E_LIMIT); /* TSO */
	p.gso_type = NC2_GSO_NONE;
	p.gso_size = p.hdr_len = 0;
	assert_int_equal(nc2_net_send_packet(&f.a, &p, NULL), 0);
	tcp_pkt(&p, hdr, 5);
	p.gso_type = NC2_GSO_NONE;
	p.gso_size = p.hdr_len = 0;
	assert_int_equal(nc2_net_send_packet(&f.a, &p, NULL), -NC2_E_LIMIT); /* frags */
	memset(&p, 0, sizeof(p));
	p.prefix = hdr;
	p.prefix_size = p.total_len = 513;
	assert_false(nc2_net_fits_inline(&f.a, 513));
	assert_int_equal(nc2_net_send_packet(&f.a, &p, NULL), -NC2_E_LIMIT);
	/* b's defaults for a: 1 fragment, 256 inline, no offloads. */
	p.prefix_size = p.total_len = 100;
	p.flags = NC2_PKT_F_CSUM_BLANK;
	p.csum_start = 34;
	p.csum_offset = 16;
	assert_int_equal(nc2_net_send_packet(&f.b, &p, NULL), -NC2_E_LIMIT);
	tpair_free(&f.t);
}

/* Every rule: build a bad packet, check the encoder and the decoder agree. */
static void test_rules(void **state)
{
	struct nc2_net_limits lim = { 17, 512, NC2_OFFLOAD_ALL };
	uint8_t hdr[600] = { 0 };
	struct nc2_pkt p;
	struct {
		const char *what;
		int err;
	} cases[] = {
		{ "zero-length fragment (XSA-448)", NC2_EP_PKT_FRAG },
		{ "fragment past its page", NC2_EP_PKT_FRAG },
		{ "GSO header not inline (XSA-423)", NC2_EP_PKT_HEADER },
		{ "packet smaller than its header (XSA-432)", NC2_EP_PKT_HEADER },
		{ "too many fragments", NC2_EP_PKT_FRAGS },
		{ "total over 64 KiB", NC2_EP_PKT_LENGTH },
		{ "total_len disagrees", NC2_EP_PKT_LENGTH },
		{ "prefix over the inline limit", NC2_EP_PKT_LENGTH },
		{ "Ethernet header not inline", NC2_EP_PKT_HEADER },
		{ "checksum field not inline", NC2_EP_PKT_HEADER },
		{ "GSO without CSUM_BLANK", NC2_EP_PKT_OFFLOAD },
		{ "GSO with gso_size 0", NC2_EP_PKT_OFFLOAD },
		{ "unknown GSO type", NC2_EP_PKT_OFFLOAD },
		{ "gso_size without GSO", NC2_EP_PKT_OFFLOAD },
		{ "unknown flag", NC2_EP_PKT_FLAGS },
		{ "unknown packet type", NC2_EP_PKT_FLAGS },
		{ "small packet with an id", NC2_EP_PKT_FLAGS },
		{ "copy packet without fragments", NC2_EP_PKT_FLAGS },
		{ "empty small packet", NC2_EP_PKT_LENGTH },
		{ "TSO6 not offered", NC2_EP_PKT_OFFLOAD },
		{ "csum not offered", NC2_EP_PKT_OFFLOAD },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nc2_net_limits l = lim;

		tcp_pkt(&p, hdr, 2);
		assert_int_equal(nc2_pkt_check(&p, &l), 0);
		switch (i) {
		case 0: p.frag[1].len = 0; p.total_len -= 4088; break;
		case 1: p.frag[1].off = 4000; break;
		case 2: p.hdr_len = 80; break;
		case 3:
			p.nr_frags = 0; p.type = NC2_PKT_SMALL;
			p.total_len = 66; break;
		case 4: tcp_pkt(&p, hdr, 18); break;
		case 5: tcp_pkt(&p, hdr, 17); break;
		case 6: p.total_len++; break;
		case 7:
			p.prefix_size = 520; p.total_len += 520 - 66; break;
		case 8:
			p.prefix_size = 10; p.total_len -= 56;
			p.gso_type = 0; p.gso_size = p.hdr_len = 0;
			p.flags = 0; break;
		case 9: p.csum_offset = 40; break;
		case 10: p.flags = 0; break;
		case 11: p.gso_size = 0; break;
		case 12: p.gso_type = 4; break;
		case 13: p.gso_type = 0; p.hdr_len = 0; break;
		case 14: p.flags |= 0x10; break;
		case 15: p.type = 3; break;
		case 16:
			p.type = NC2_PKT_SMALL; p.nr_frags = 0; p.id = 5;
			p.gso_type = 0; p.gso_size = p.hdr_len = 0;
			p.total_len = 66; break;
		case 17:
			p.nr_frags = 0; p.total_len = 66;
			p.gso_type = 0; p.gso_size = p.hdr_len = 0; break;
		case 18:
			memset(&p, 0, sizeof(p)); break;
		case 19: p.gso_type = NC2_GSO_TCPV6; l.offloads = NC2_OFFLOAD_TSO4 | NC2_OFFLOAD_CSUM; break;
		case 20: l.offloads = NC2_OFFLOAD_TSO4; break;
		}
		if (nc2_pkt_check(&p, &l) != -cases[i].err)
			fail_msg("case %s: got %d", cases[i].what,
				 nc2_pkt_check(&p, &l));

		/* Encode it anyway, as a hostile sender would, and decode. */
		{
			static uint8_t buf[2048];
			struct nc2_msg m = { .type = NC2_MSG_PACKET };
			struct nc2_pkt out;

			m.size = (uint16_t)nc2_pkt_msg_size(&p);
			m.data = buf;
			nc2_pkt_encode(buf, &p);
			assert_int_equal(nc2_pkt_decode(&m, &l, &out),
					 i == 4 ? -NC2_EP_PKT_FRAGS
						: -cases[i].err);
		}
	}
}

static void test_review_rules(void **state)
{
	struct nc2_net_limits lim = { 17, 512, NC2_OFFLOAD_ALL };
	uint8_t hdr[70] = { 0 }, buf[256];
	struct nc2_pkt p;

	tcp_pkt(&p, hdr, 1);
	p.hdr_len = 10; /* shorter than an Ethernet header */
	assert_int_equal(nc2_pkt_check(&p, &lim), -NC2_EP_PKT_HEADER);
	tcp_pkt(&p, hdr, 1);
	p.hdr_len = 40; /* ends before the TCP checksum field */
	assert_int_equal(nc2_pkt_check(&p, &lim), -NC2_EP_PKT_HEADER);
	tcp_pkt(&p, hdr, 1);
	p.gso_type = NC2_GSO_NONE;
	p.gso_size = p.hdr_len = 0;
	p.flags = 0; /* checksum offsets without CSUM_BLANK */
	assert_int_equal(nc2_pkt_check(&p, &lim), -NC2_EP_PKT_OFFLOAD);
	/* Encoding pads with zeros whatever the buffer held. */
	tcp_pkt(&p, hdr, 1);
	p.prefix_size = 67;
	p.total_len++;
	memset(buf, 0xa5, sizeof(buf));
	nc2_pkt_encode(buf, &p);
	assert_int_equal(nc2_pkt_msg_size(&p), 32 + 8 + 72);
	for (int i = 32 + 8 + 67; i < 32 + 8 + 72; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(buf[32 + 8 + 72], 0xa5);
}

static void test_decode_layout(void **state)
{
	struct nc2_net_limits lim = { 17, 512, NC2_OFFLOAD_ALL };
	static uint8_t buf[2048];
	uint8_t hdr[66] = { 0 };
	struct nc2_msg m = { .type = NC2_MSG_PACKET, .data = buf };
	struct nc2_pkt p, out;

	tcp_pkt(&p, hdr, 2);
	nc2_pkt_encode(buf, &p);
	m.size = (uint16_t)nc2_pkt_msg_size(&p);
	assert_int_equal(nc2_pkt_decode(&m, &lim, &out), 0);
	m.size += 8;
	assert_int_equal(nc2_pkt_decode(&m, &lim, &out), -NC2_EP_MSG_LAYOUT);
	m.size = 24;
	assert_int_equal(nc2_pkt_decode(&m, &lim, &out), -NC2_EP_MSG_LAYOUT);
	m.type = NC2_MSG_FINISH;
	assert_int_equal(nc2_pkt_decode(&m, &lim, &out), -NC2_EP_MSG_LAYOUT);
}

/* Through a link: a bad packet fails the link; a bad SET_* too. */
static void test_net_errors(void **state)
{
	const struct {
		uint8_t type;
		uint32_t v;
		int err;
	} sets[] = {
		{ NC2_MSG_SET_MAX_FRAGMENTS, 0, -NC2_EP_LIMIT },
		{ NC2_MSG_SET_MAX_FRAGMENTS, 65, -NC2_EP_LIMIT },
		{ NC2_MSG_SET_MAX_FRAGMENTS, 1, 0 }, /* equal: fine */
		{ NC2_MSG_SET_MAX_INLINE, 255, -NC2_EP_LIMIT },
		{ NC2_MSG_SET_MAX_INLINE, 1025, -NC2_EP_LIMIT },
		{ NC2_MSG_SET_OFFLOAD, 0x10, -NC2_EP_LIMIT },
		{ NC2_MSG_SET_OFFLOAD, NC2_OFFLOAD_CSUM, 0 },
	};

	for (unsigned i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		struct nfix f;
		struct nc2_msg m;

		nfix_up(&f, 0, 1);
		nc2_prod_send(&f.a.link.tx, sets[i].type, 0, &sets[i].v, 4);
		nc2_link_push(&f.a.link);
		assert_int_equal(nc2_net_poll(&f.b, &m), sets[i].err);
		tpair_free(&f.t);
	}
	/* Lowering a limit is refused. */
	{
		struct nfix f;
		struct nc2_msg m;
		uint32_t v = NC2_OFFLOAD_TSO4, w = 0, bad[2] = { 16, 0 };

		nfix_up(&f, 0, 1);
		nc2_prod_send(&f.a.link.tx, NC2_MSG_SET_OFFLOAD, 0, &v, 4);
		nc2_prod_send(&f.a.link.tx, NC2_MSG_SET_OFFLOAD, 0, &w, 4);
		nc2_link_push(&f.a.link);
		assert_int_equal(nc2_net_poll(&f.b, &m), -NC2_EP_LIMIT);
		tpair_free(&f.t);
		nfix_up(&f, 0, 1);
		nc2_prod_send(&f.a.link.tx, NC2_MSG_SET_OFFLOAD, 0, bad, 8);
		nc2_link_push(&f.a.link);
		assert_int_equal(nc2_net_poll(&f.b, &m), -NC2_EP_MSG_LAYOUT);
		tpair_free(&f.t);
	}
	/* A packet with a duplicate id, and one breaking a rule. */
	{
		struct nfix f;
		struct nc2_msg m;
		struct nc2_pkt p, out;
		uint8_t hdr[66] = { 0 };

		nfix_up(&f, NC2_OFFLOAD_ALL, 4);
		tcp_pkt(&p, hdr, 1);
		assert_int_equal(nc2_net_send_packet(&f.a, &p, NULL), 0);
		/* Replay the same message by hand: same id again. */
		{
			void *msg;

			nc2_prod_reserve(&f.a.link.tx, nc2_pkt_msg_size(&p), &msg);
			nc2_pkt_encode(msg, &p);
			nc2_prod_commit(&f.a.link.tx, NC2_MSG_PACKET, 0,
					nc2_pkt_msg_size(&p));
		}
		nc2_link_push(&f.a.link);
		assert_int_equal(nc2_net_poll(&f.b, &m), 1);
		assert_int_equal(nc2_net_recv_packet(&f.b, &m, &out), 0);
		nc2_link_consume(&f.b.link);
		assert_int_equal(nc2_net_poll(&f.b, &m), 1);
		assert_int_equal(nc2_net_recv_packet(&f.b, &m, &out),
				 -NC2_EP_ID_DUP);
		assert_int_equal(nc2_link_error(&f.b.link), -NC2_EP_ID_DUP);
		assert_int_equal(nc2_net_send_packet(&f.b, &p, NULL), -NC2_EP_ID_DUP);
		tpair_free(&f.t);
	}
}

static void test_init_checks(void **state)
{
	struct tpair t;
	struct nc2_link_config ca, cb;
	struct nc2_net_limits l = { 0, 256, 0 };
	struct nc2_net n;
	struct nc2_pkt p = { 0 };

	tpair_alloc(&t, 1);
	tpair_config(&t, &ca, &cb, NC2_CLASS_NET);
	assert_int_equal(nc2_net_init(&n, NC2_ROLE_FRONTEND, &ca, &l, t.a2b.ctrl,
				      t.a2b.data, 4096, t.b2a.ctrl, t.b2a.data,
				      4096), -NC2_E_INVAL);
	l.max_frags = 1;
	assert_int_equal(nc2_net_init(&n, 7, &ca, &l, t.a2b.ctrl, t.a2b.data,
				      4096, t.b2a.ctrl, t.b2a.data, 4096),
			 -NC2_E_INVAL);
	ca.device_class = NC2_CLASS_BLOCK_EXAMPLE;
	assert_int_equal(nc2_net_init(&n, 1, &ca, &l, t.a2b.ctrl, t.a2b.data,
				      4096, t.b2a.ctrl, t.b2a.data, 4096),
			 -NC2_E_INVAL);
	ca.device_class = NC2_CLASS_NET;
	assert_int_equal(nc2_net_init(&n, 1, &ca, &l, t.a2b.ctrl, t.a2b.data,
				      4096, t.b2a.ctrl, t.b2a.data, 4096), 0);
	assert_ptr_equal(nc2_net_link(&n), &n.link);
	assert_int_equal(nc2_net_send_packet(&n, &p, NULL), -NC2_E_STATE);
	tpair_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_sender_limits),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_review_rules),
		cmocka_unit_test(test_decode_layout),
		cmocka_unit_test(test_net_errors),
		cmocka_unit_test(test_init_checks),
	};

	return cmocka_run_group_tests_name("packet", tests, NULL, NULL);
}
