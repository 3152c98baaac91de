// SPDX-License-Identifier: MIT
#include "xsa.h"

static const uint8_t prefix[NC2_MAX_INLINE_LIMIT] = { 0x02, 0, 0, 0, 0, 1 };

void xnet_up(struct xnet *x, enum nc2_net_role ra)
{
	struct nc2_link_config ca, cb;
	struct nc2_net_limits la, lb;
	struct nc2_msg m;
	enum nc2_net_role rb = ra == NC2_ROLE_BACKEND ? NC2_ROLE_FRONTEND :
			       ra == NC2_ROLE_FRONTEND ? NC2_ROLE_BACKEND :
							 NC2_ROLE_PEER;
	int i;

	tpair_alloc(&x->p, 1);
	tpair_config(&x->p, &ca, &cb, NC2_CLASS_NET);
	nc2_net_limits_default(&la);
	la.max_frags = NC2_MAX_FRAGMENTS_LIMIT;
	la.offloads = NC2_OFFLOAD_ALL;
	lb = la;
	assert_int_equal(nc2_net_init(&x->a, ra, &ca, &la, x->p.a2b.ctrl,
				      x->p.a2b.data, x->p.a2b.bytes,
				      x->p.b2a.ctrl, x->p.b2a.data,
				      x->p.b2a.bytes), 0);
	assert_int_equal(nc2_net_init(&x->b, rb, &cb, &lb, x->p.b2a.ctrl,
				      x->p.b2a.data, x->p.b2a.bytes,
				      x->p.a2b.ctrl, x->p.a2b.data,
				      x->p.a2b.bytes), 0);
	assert_int_equal(nc2_net_start(&x->a), 0);
	assert_int_equal(nc2_net_start(&x->b), 0);
	nc2_link_push(&x->a.link);
	nc2_link_push(&x->b.link);
	for (i = 0; i < 2; i++) {
		assert_int_equal(nc2_net_poll(&x->a, &m), 0);
		assert_int_equal(nc2_net_poll(&x->b, &m), 0);
		nc2_link_release(&x->a.link);
		nc2_link_release(&x->b.link);
	}
	assert_int_equal(nc2_link_state(&x->a.link), NC2_LINK_UP);
	assert_int_equal(nc2_link_state(&x->b.link), NC2_LINK_UP);
}

void xnet_free(struct xnet *x)
{
	tpair_free(&x->p);
}

void xraw(struct xnet *x, uint8_t type, const void *body, uint32_t len)
{
	assert_int_equal(nc2_prod_send(&x->b.link.tx, type, 0, body, len), 0);
	nc2_prod_push(&x->b.link.tx);
}

void xpkt(struct xnet *x, const struct nc2_pkt *pkt)
{
	uint32_t size = nc2_pkt_msg_size(pkt);
	void *msg;

	assert_int_equal(nc2_prod_reserve(&x->b.link.tx, size, &msg), 0);
	nc2_pkt_encode(msg, pkt);
	nc2_prod_commit(&x->b.link.tx, NC2_MSG_PACKET, 0, size);
	nc2_prod_push(&x->b.link.tx);
}

void xpkt_frags(struct nc2_pkt *pkt, uint32_t id, uint32_t n, uint16_t len)
{
	uint32_t i;

	memset(pkt, 0, sizeof(*pkt));
	pkt->id = id;
	pkt->type = NC2_PKT_RECEIVER_COPY;
	pkt->nr_frags = (uint8_t)n;
	pkt->prefix_size = 14;
	pkt->prefix = prefix;
	pkt->total_len = 14;
	for (i = 0; i < n; i++) {
		pkt->frag[i].gref = 100 + i;
		pkt->frag[i].len = len;
		pkt->total_len += len;
	}
}

int xpoll_a(struct xnet *x, struct nc2_msg *m)
{
	assert_int_equal(nc2_net_poll(&x->a, m), 1);
	return m->type;
}

void xassert_failed(struct xnet *x, int err)
{
	struct nc2_link *l = &x->a.link;
	struct nc2_pkt pkt;
	struct nc2_msg m = { .type = NC2_MSG_PACKET, .size = 40 };
	struct nc2_finish_iter it;
	uint32_t id = 0, prod = x->p.a2b.ctrl->prod;
	/* a FINISH naming id 0 once, for a walk after the failure */
	static const uint8_t zero[40] = { NC2_MSG_FINISH, 0, 16, 0, 1 };

	assert_true(nc2_is_protocol_error(err));
	assert_int_equal(nc2_link_error(l), err);
	assert_int_equal(nc2_link_state(l), NC2_LINK_ERROR);
	assert_int_equal(nc2_net_poll(&x->a, &m), err);
	assert_int_equal(nc2_link_poll(l, &m), err);
	nc2_link_consume(l);
	assert_int_equal(nc2_link_release(l), err);
	assert_int_equal(nc2_link_rearm(l), err);
	assert_int_equal(nc2_link_push(l), err);
	assert_int_equal(nc2_link_start(l), err);
	assert_int_equal(nc2_link_get_id(l, NULL, &id), err);
	assert_int_equal(nc2_link_send(l, NC2_MSG_SET_OFFLOAD, 0, &id, 4), err);
	assert_int_equal(nc2_link_close(l, 0), err);
	assert_int_equal(nc2_link_finish(l, &id, 1), err);
	{
		struct nc2_finq q;
		uint32_t owed[1];

		nc2_finq_init(&q, owed, 1);
		assert_int_equal(nc2_finq_add(&q, 0), 0);
		assert_int_equal(nc2_finq_flush(&q, l, NULL), err);
		assert_int_equal(nc2_finq_len(&q), 1);
	}
	assert_int_equal(nc2_link_tx_unconsumed(l), 0);
	xpkt_frags(&pkt, 0, 1, 100);
	assert_int_equal(nc2_net_send_packet(&x->a, &pkt, NULL), err);
	m.data = zero;
	assert_true(nc2_net_recv_packet(&x->a, &m, &pkt) < 0);
	m.type = NC2_MSG_FINISH;
	m.size = 16;
	/* the layout is fine, but no id is returned from a failed link */
	assert_int_equal(nc2_link_finish_begin(l, &m, &it), 0);
	assert_int_equal(nc2_link_finish_next(l, &it, &id, NULL), err);
	/* Nothing reached the peer after the failure. */
	assert_int_equal(x->p.a2b.ctrl->prod, prod);
	assert_int_equal(nc2_link_error(l), err);
}
