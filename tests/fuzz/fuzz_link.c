// SPDX-License-Identifier: MIT
/*
 * Completion and flow harness: an honest network link A against a peer B
 * whose every message the input writes (HELLO, SET_MAX_OUTSTANDING,
 * FINISH, CLOSE, SET_*, PACKET, anything), interleaved with A's own calls.
 * B's rings are well formed; only what B says is hostile. A shadow of
 * A's ids and of what B declared checks that A never exceeds what B
 * allowed, never completes what it never sent, and fails for good. A's
 * FINISHes go out directly or through its FINISH queue, paid from a
 * response limiter that B's messages fill.
 */
#include "fuzz.h"

#define CAP 32u

struct h {
	struct nc2_wire_ctrl a2b_ctrl, b2a_ctrl;
	uint8_t *a2b, *b2a;
	struct nc2_net a;
	struct nc2_prod bp;	/* B writes A's receive ring */
	struct nc2_cons bc;	/* B drains and checks A's messages */
	uint32_t pool[NC2_IDPOOL_WORDS(CAP)], set[NC2_IDSET_WORDS(CAP)];
	uint8_t out[CAP];	/* A's ids in flight at B, as we saw them sent */
	uint32_t nout;
	uint8_t in[CAP];	/* ids B has in flight at A, per A */
	uint32_t rcvd[CAP], nrcvd; /* the same, in arrival order */
	uint32_t fpend[CAP];	/* FINISHes A sent for an id, B not yet read */
	uint32_t b_max;		/* highest SET_MAX_OUTSTANDING value B sent */
	struct nc2_finq q;	/* FINISHes A owes B, oldest first */
	uint32_t qids[CAP];
	struct nc2_limiter lim;	/* A's response credit, earned from B */
	bool a_closed;		/* A sent CLOSE: nothing may follow */
	int err;
};

static struct nc2_link *A(struct h *h)
{
	return &h->a.link;
}

static void invariants(struct h *h)
{
	int e = nc2_link_error(A(h));
	uint32_t i, n = 0;

	if (h->err)
		FUZZ_CHECK(e == h->err);
	else if (e)
		h->err = e;
	if (nc2_is_protocol_error(e))
		FUZZ_CHECK(nc2_link_state(A(h)) == NC2_LINK_ERROR);
	/* Never more in flight than B allowed, nor than our storage. */
	FUZZ_CHECK(A(h)->pool.limit <= h->b_max && A(h)->pool.limit <= CAP);
	FUZZ_CHECK(nc2_idpool_inflight(&A(h)->pool) <= A(h)->pool.limit);
	FUZZ_CHECK(nc2_idpool_inflight(&A(h)->pool) == h->nout);
	for (i = 0; i < CAP; i++)
		n += h->in[i];
	FUZZ_CHECK(nc2_idset_inflight(&A(h)->set) == n);
	/* Owed ids are received ones, queued or not, never both. */
	FUZZ_CHECK(nc2_finq_len(&h->q) + h->nrcvd == n);
	for (i = 0; i < nc2_finq_len(&h->q); i++)
		FUZZ_CHECK(h->qids[i] < CAP && h->in[h->qids[i]]);
	/* A never spent credit B did not earn. */
	FUZZ_CHECK(h->lim.stats.resp_denied == 0);
	/* What A believes B accepts, B really declared at some point. */
	FUZZ_CHECK(h->a.peer.max_frags <= NC2_MAX_FRAGMENTS_LIMIT);
	FUZZ_CHECK(h->a.peer.max_inline <= NC2_MAX_INLINE_LIMIT);
}

static void b_send(struct h *h, uint8_t type, const void *body, uint32_t len)
{
	if (!nc2_prod_send(&h->bp, type, 0, body, len))
		nc2_prod_push(&h->bp);
}

/* B reads everything A sent: it must all be valid under B's rules. */
static void b_drain(struct h *h)
{
	struct nc2_msg m;
	struct nc2_pkt pkt;
	struct nc2_finish_iter it;
	int r;

	while ((r = nc2_cons_peek(&h->bc, &m)) > 0) {
		FUZZ_CHECK(!h->a_closed);
		if (m.type == NC2_MSG_PACKET) {
			struct nc2_net_limits wide = { NC2_MAX_FRAGMENTS_LIMIT,
						       NC2_MAX_INLINE_LIMIT,
						       NC2_OFFLOAD_ALL };

			FUZZ_CHECK(nc2_pkt_decode(&m, &wide, &pkt) == 0);
			if (pkt.type != NC2_PKT_SMALL) {
				FUZZ_CHECK(pkt.id < h->b_max && pkt.id < CAP);
			}
		} else if (m.type == NC2_MSG_FINISH) {
			const struct nc2_msg_finish *f = (const void *)m.data;
			uint32_t i, id;

			it.count = f->count;
			FUZZ_CHECK(it.count >= 1 &&
				   m.size == ((8 + 4 * it.count + 7) & ~7u));
			for (i = 0; i < it.count; i++) {
				id = f->id[i];
				/* Only what B sent and A has not yet finished. */
				FUZZ_CHECK(id < CAP && h->fpend[id]);
				h->fpend[id]--;
			}
		} else if (m.type == NC2_MSG_CLOSE) {
			h->a_closed = true;
		}
		nc2_cons_consume(&h->bc);
	}
	nc2_cons_release(&h->bc);
}

static void a_handle(struct h *h, const struct nc2_msg *m)
{
	struct nc2_finish_iter it;
	struct nc2_pkt pkt;
	uint32_t id;

	if (m->type == NC2_MSG_FINISH) {
		if (nc2_link_finish_begin(A(h), m, &it))
			return;
		while (nc2_link_finish_next(A(h), &it, &id, NULL) > 0) {
			FUZZ_CHECK(id < CAP && h->out[id]);
			h->out[id] = 0;
			h->nout--;
		}
	} else if (m->type == NC2_MSG_PACKET) {
		if (nc2_net_recv_packet(&h->a, m, &pkt))
			return;
		FUZZ_CHECK(nc2_pkt_check(&pkt, &h->a.local) == 0);
		if (pkt.type != NC2_PKT_SMALL) {
			FUZZ_CHECK(pkt.id < CAP && !h->in[pkt.id]);
			FUZZ_CHECK(h->nrcvd < CAP);
			h->in[pkt.id] = 1;
			h->rcvd[h->nrcvd++] = pkt.id;
		}
	}
}

static void a_poll(struct h *h, uint8_t n)
{
	struct nc2_msg m;
	uint32_t msgs = 0;

	while (n-- && nc2_net_poll(&h->a, &m) > 0) {
		a_handle(h, &m);
		nc2_link_consume(A(h));
		msgs++;
	}
	nc2_limiter_peer_msgs(&h->lim, msgs);
	nc2_link_release(A(h));
}

static void a_send(struct h *h, struct fin *in)
{
	uint8_t prefix[64] = { 0 }, k = fin_u8(in);
	struct nc2_pkt pkt;

	memset(&pkt, 0, sizeof(pkt));
	pkt.prefix = prefix;
	pkt.prefix_size = 14 + (k & 31);
	pkt.total_len = pkt.prefix_size;
	if (k & 0x80) {
		pkt.type = NC2_PKT_RECEIVER_COPY;
		pkt.nr_frags = 1 + (k >> 5 & 1);
		for (uint8_t i = 0; i < pkt.nr_frags; i++) {
			pkt.frag[i].len = 64;
			pkt.total_len += 64;
		}
	}
	if (nc2_net_send_packet(&h->a, &pkt, NULL) == 0 && pkt.type) {
		FUZZ_CHECK(pkt.id < CAP && !h->out[pkt.id]);
		h->out[pkt.id] = 1;
		h->nout++;
	}
}

static void a_finish(struct h *h, uint8_t k)
{
	uint32_t n = h->nrcvd < k ? h->nrcvd : k, i;
	int r;

	if (!n)
		return;
	r = nc2_link_finish(A(h), h->rcvd, n);
	if (r <= 0)
		return;
	for (i = 0; i < (uint32_t)r; i++) {
		h->in[h->rcvd[i]] = 0;
		h->fpend[h->rcvd[i]]++;
	}
	memmove(h->rcvd, h->rcvd + r, (h->nrcvd - (uint32_t)r) * 4);
	h->nrcvd -= (uint32_t)r;
}

/*
 * A owes the oldest k received ids through its FINISH queue and flushes
 * it: ids go in order, the limiter pays exactly for those, and the
 * verdict matches the state left behind.
 */
static void a_finq(struct h *h, uint8_t k)
{
	struct nc2_link *l = A(h);
	uint32_t before[CAP], n0, sent, avail, i;
	uint64_t ids0 = l->stats.finish_ids, paid0 = h->lim.stats.resp_sent;
	int r;

	while (k-- && h->nrcvd) {
		FUZZ_CHECK(nc2_finq_add(&h->q, h->rcvd[0]) == 0);
		memmove(h->rcvd, h->rcvd + 1, --h->nrcvd * 4);
	}
	n0 = nc2_finq_len(&h->q);
	memcpy(before, h->qids, n0 * 4);
	avail = nc2_limiter_resp_avail(&h->lim);
	r = nc2_finq_flush(&h->q, l, &h->lim);
	sent = (uint32_t)(l->stats.finish_ids - ids0);
	FUZZ_CHECK(sent <= avail && sent <= n0);
	FUZZ_CHECK(h->lim.stats.resp_sent - paid0 == sent);
	FUZZ_CHECK(nc2_finq_len(&h->q) == n0 - sent);
	FUZZ_CHECK(!memcmp(h->qids, before + sent, (n0 - sent) * 4));
	for (i = 0; i < sent; i++) {
		h->in[before[i]] = 0;
		h->fpend[before[i]]++;
	}
	if (r == NC2_FINQ_EMPTY)
		FUZZ_CHECK(nc2_finq_len(&h->q) == 0);
	else if (r == NC2_FINQ_WAIT_CREDIT)
		FUZZ_CHECK(nc2_limiter_resp_avail(&h->lim) == 0 &&
			   nc2_finq_len(&h->q));
	else if (r == NC2_FINQ_WAIT_ROOM)
		FUZZ_CHECK(nc2_prod_room(&l->tx) < 16 && nc2_finq_len(&h->q));
	else
		FUZZ_CHECK(r < 0 && (nc2_link_error(l) == r ||
				     r == -NC2_E_STATE));
}

static void b_finish(struct h *h, struct fin *in)
{
	uint8_t buf[8 + 4 * 16] = { 0 };
	uint8_t k = fin_u8(in), cnt = k % 17, i;
	uint16_t c;

	/* Mostly well formed; bit 7 lets the count and size disagree. */
	c = (k & 0x80) ? fin_u16(in) : cnt;
	memcpy(buf, &c, 2);
	for (i = 0; i < cnt; i++) {
		uint8_t sel = fin_u8(in);
		uint32_t id = sel % CAP;

		/* Prefer ids really in flight, so real completions happen. */
		if (!(sel & 0x80))
			for (uint32_t j = 0; j < CAP; j++)
				if (h->out[(id + j) % CAP]) {
					id = (id + j) % CAP;
					break;
				}
		if (sel & 0x40)
			id = fin_u32(in);
		memcpy(buf + 4 + 4 * i, &id, 4);
	}
	b_send(h, NC2_MSG_FINISH, buf, 4 + 4u * cnt);
}

static void step(struct h *h, struct fin *in)
{
	uint8_t op = fin_u8(in), buf[256];
	uint32_t v;
	uint16_t w[2];

#ifdef FUZZ_TRACE
	fprintf(stderr, "op %u b_max %u limit %u\n", op % 16, h->b_max,
		A(h)->pool.limit);
#endif
	switch (op % 16) {
	case 0:
		w[0] = fin_u8(in) & 3;
		w[1] = (fin_u8(in) & 7) ? NC2_CLASS_NET : NC2_CLASS_BLOCK_EXAMPLE;
		memcpy(buf, w, 4);
		v = fin_u32(in);
		memcpy(buf + 4, &v, 4);
		memset(buf + 8, 0, 4);
		b_send(h, NC2_MSG_HELLO, buf, 12);
		break;
	case 1:
		v = fin_u32(in);
		if (!(op & 0x80))
			v %= CAP + 8;
		if (v > h->b_max && v <= NC2_MAX_OUTSTANDING_LIMIT)
			h->b_max = v;
		b_send(h, NC2_MSG_SET_MAX_OUTSTANDING, &v, 4);
		break;
	case 2:
		b_finish(h, in);
		break;
	case 3:
		v = fin_u32(in);
		b_send(h, NC2_MSG_CLOSE, &v, 4);
		break;
	case 4: { /* a PACKET as B chooses to write it */
		struct nc2_pkt p;
		uint32_t size;

		memset(&p, 0, sizeof(p));
		p.type = fin_u8(in) % 3;
		p.id = fin_u8(in);
		p.flags = fin_u8(in) & 0x1f;
		p.nr_frags = fin_u8(in) % 3;
		p.prefix_size = fin_u8(in);
		p.prefix = buf;
		p.frag[0].len = p.frag[1].len = fin_u16(in) & 0x1fff;
		p.total_len = p.prefix_size + p.nr_frags * p.frag[0].len;
		if (op & 0x80)
			p.total_len = fin_u32(in);
		size = nc2_pkt_msg_size(&p);
		{
			uint8_t *msg = calloc(1, size);

			if (!msg)
				break;
			nc2_pkt_encode(msg, &p);
			b_send(h, NC2_MSG_PACKET, msg + 4, size - 4);
			free(msg);
		}
		break;
	}
	case 5:
		v = fin_u32(in);
		if (!(op & 0x80))
			v %= 1100;
		b_send(h, NC2_MSG_SET_OFFLOAD + fin_u8(in) % 3, &v, 4);
		break;
	case 6: {
		uint8_t type;

		v = fin_u8(in);
		type = fin_u8(in);
		v = (uint32_t)fin_bytes(in, buf, v % 64);
		/* The commit pads a short body with zeros: the value is that. */
		if (type == NC2_MSG_SET_MAX_OUTSTANDING && v <= 4) {
			uint32_t val = 0;

			memcpy(&val, buf, v);
			if (val > h->b_max && val <= NC2_MAX_OUTSTANDING_LIMIT)
				h->b_max = val;
		}
		b_send(h, type, buf, v);
		break;
	}
	case 7:
	case 8:
		a_poll(h, fin_u8(in));
		break;
	case 9:
		a_send(h, in);
		break;
	case 10:
		/* Bit 7: through the FINISH queue and the limiter. */
		if (op & 0x80)
			a_finq(h, fin_u8(in));
		else
			a_finish(h, fin_u8(in));
		break;
	case 11:
		nc2_net_start(&h->a);
		break;
	case 12:
		nc2_link_close(A(h), 0);
		break;
	case 13:
		nc2_link_push(A(h));
		b_drain(h);
		break;
	case 14:
		nc2_link_rearm(A(h));
		/* Bit 7: what B has not consumed, as A reads and checks it. */
		if (op & 0x80) {
			uint32_t u = nc2_link_tx_unconsumed(A(h));

			FUZZ_CHECK(u <= NC2_PAGE_SIZE && (u & 7) == 0);
			FUZZ_CHECK(u == (nc2_link_error(A(h)) ? 0 :
					 A(h)->tx.pushed -
						 nc2_link_tx_consumed(A(h))));
		}
		break;
	default: /* B stays quiet, A asks for room */
		nc2_prod_want_space(&A(h)->tx, 8 + 8u * (fin_u8(in) % 64));
		break;
	}
	invariants(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin in = { data, size };
	struct nc2_link_config cfg = { .device_class = NC2_CLASS_NET };
	struct nc2_net_limits lim;
	struct h *h = calloc(1, sizeof(*h));
	uint8_t flags = fin_u8(&in);
	unsigned steps = 0;

	if (!h)
		return 0;
	h->a2b = calloc(1, NC2_PAGE_SIZE);
	h->b2a = calloc(1, NC2_PAGE_SIZE);
	if (!h->a2b || !h->b2a)
		goto out;
	nc2_ctrl_reset(&h->a2b_ctrl);
	nc2_ctrl_reset(&h->b2a_ctrl);
	cfg.features = flags & 1 ? NC2_FEAT_ALL : 0;
	cfg.pool_words = h->pool;
	cfg.pool_cap = CAP;
	cfg.set_words = h->set;
	cfg.set_limit = CAP;
	nc2_finq_init(&h->q, h->qids, CAP);
	{
		struct nc2_limiter_config lc;

		/* A small response bank, so credit runs out now and then. */
		nc2_limiter_config_default(&lc);
		lc.resp_burst = 1 + (flags >> 2 & 15);
		lc.resp_per_msg_x16 = 4 + (flags >> 6) * 4;
		FUZZ_CHECK(!nc2_limiter_init(&h->lim, &lc, 0));
	}
	nc2_net_limits_default(&lim);
	lim.max_frags = 4;
	lim.offloads = NC2_OFFLOAD_ALL;
	FUZZ_CHECK(!nc2_net_init(&h->a, flags & 2 ? NC2_ROLE_BACKEND :
						    NC2_ROLE_FRONTEND,
				 &cfg, &lim, &h->a2b_ctrl, h->a2b, NC2_PAGE_SIZE,
				 &h->b2a_ctrl, h->b2a, NC2_PAGE_SIZE));
	FUZZ_CHECK(!nc2_prod_init(&h->bp, &h->b2a_ctrl, h->b2a, NC2_PAGE_SIZE));
	FUZZ_CHECK(!nc2_cons_init(&h->bc, &h->a2b_ctrl, h->a2b, NC2_PAGE_SIZE));
	while (fin_left(&in) && steps++ < 4096)
		step(h, &in);
out:
	free(h->a2b);
	free(h->b2a);
	free(h);
	return 0;
}
