// SPDX-License-Identifier: MIT
/*
 * Consumer harness: the input is everything a hostile producer controls
 * (the receive ring's bytes and its control block, the cons/prod_event
 * words of our transmit ring) plus a script interleaving peer writes with
 * the consumer calls of one of three layers: the raw ring, a link, or a
 * network link with its decoders.
 *
 * Input: mode, pages, base index, initial ring image, then operations.
 */
#include "fuzz.h"

enum mode { M_RING, M_LINK, M_NET, M_COUNT };

struct h {
	enum mode mode;
	struct nc2_wire_ctrl *rx_ctrl, *tx_ctrl;
	uint8_t *rx, *tx;
	uint32_t size;
	struct nc2_cons *c;	/* the consumer under test, whatever mode */
	struct nc2_cons ring_c;
	struct nc2_net net;	/* M_LINK uses net.link only */
	uint32_t pool[NC2_IDPOOL_WORDS(64)], set[NC2_IDSET_WORDS(64)];
	uint32_t rcvd[64];	/* ids received and not yet finished */
	uint32_t nrcvd;
	int err;		/* first sticky error seen */
};

static struct nc2_link *lnk(struct h *h)
{
	return &h->net.link;
}

/* The error of whatever is under test; it must never change once set. */
static int cur_err(struct h *h)
{
	return h->mode == M_RING ? nc2_cons_error(h->c) : nc2_link_error(lnk(h));
}

static void check_sticky(struct h *h)
{
	int e = cur_err(h);

	if (h->err) {
		FUZZ_CHECK(e == h->err);
	} else if (e) {
		FUZZ_CHECK(e < 0);
		h->err = e;
	}
	/* A failed link is failed everywhere: state, both rings. */
	if (h->mode != M_RING && nc2_is_protocol_error(e)) {
		FUZZ_CHECK(nc2_link_state(lnk(h)) == NC2_LINK_ERROR);
		FUZZ_CHECK(nc2_cons_error(&lnk(h)->rx) != 0);
		FUZZ_CHECK(nc2_prod_error(&lnk(h)->tx) != 0);
	}
	/* Never accept a prod an honest producer could not have written. */
	FUZZ_CHECK(h->c->prod - h->c->released <= h->size);
	FUZZ_CHECK(h->c->pvt - h->c->released <= h->c->prod - h->c->released);
}

/* What peek hands out must lie inside the ring and inside what was published. */
static void check_msg(struct h *h, const struct nc2_msg *m)
{
	uint8_t copy[NC2_PAGE_SIZE * 2];
	uint32_t off = (uint32_t)(m->data - h->rx);

	FUZZ_CHECK(m->data >= h->rx && off < h->size);
	FUZZ_CHECK(m->size >= NC2_MSG_ALIGN && !(m->size % NC2_MSG_ALIGN));
	FUZZ_CHECK(off + m->size <= h->size);
	FUZZ_CHECK(off == (h->c->pvt & (h->size - 1)));
	FUZZ_CHECK(m->size <= h->c->prod - h->c->pvt);
	FUZZ_CHECK(m->type != NC2_MSG_PAD && m->type != NC2_MSG_INVALID);
	FUZZ_CHECK(nc2_msg_copy(m, copy, sizeof(copy)) == m->size);
}

static void handle_finish(struct h *h, const struct nc2_msg *m)
{
	struct nc2_finish_iter it;
	uint32_t id, n = 0;
	int r;

	if (nc2_link_finish_begin(lnk(h), m, &it))
		return;
	while ((r = nc2_link_finish_next(lnk(h), &it, &id, NULL)) > 0) {
		FUZZ_CHECK(id < lnk(h)->pool.limit);
		FUZZ_CHECK(!nc2_idpool_busy(&lnk(h)->pool, id));
		n++;
	}
	FUZZ_CHECK(n <= 0xffff);
}

static void remember(struct h *h, uint32_t id)
{
	if (h->nrcvd < 64)
		h->rcvd[h->nrcvd++] = id;
}

static void handle_net(struct h *h, const struct nc2_msg *m)
{
	struct nc2_bypass_msg b;
	struct nc2_pkt pkt;

	if (m->type == NC2_MSG_PACKET) {
		if (nc2_net_recv_packet(&h->net, m, &pkt))
			return;
		FUZZ_CHECK(nc2_pkt_check(&pkt, &h->net.local) == 0);
		FUZZ_CHECK(pkt.prefix >= m->data &&
			   pkt.prefix + pkt.prefix_size <= m->data + m->size);
		if (pkt.type != NC2_PKT_SMALL)
			remember(h, pkt.id);
	} else if (m->type == NC2_MSG_FINISH) {
		handle_finish(h, m);
	} else if (!nc2_bypass_decode(h->net.role, m, &b)) {
		FUZZ_CHECK(b.type == m->type);
		FUZZ_CHECK(b.ring_pages <= NC2_BYPASS_MAX_PAGES);
	}
}

static void poll(struct h *h)
{
	struct nc2_msg m;
	int r, i;

	for (i = 0; i < 4; i++) {
		if (h->mode == M_RING) {
			r = nc2_cons_peek(h->c, &m);
			if (r > 0) {
				check_msg(h, &m);
				nc2_cons_consume(h->c);
			}
		} else if (h->mode == M_LINK) {
			r = nc2_link_poll(lnk(h), &m);
			if (r > 0) {
				check_msg(h, &m);
				if (m.type == NC2_MSG_FINISH)
					handle_finish(h, &m);
				else if (m.size >= 8 &&
					 !nc2_link_recv_id(lnk(h),
							   m.data[4] & 63))
					remember(h, m.data[4] & 63);
				nc2_link_consume(lnk(h));
			}
		} else {
			r = nc2_net_poll(&h->net, &m);
			if (r > 0) {
				check_msg(h, &m);
				handle_net(h, &m);
				nc2_link_consume(lnk(h));
			}
		}
		if (r <= 0)
			break;
	}
}

/* Our own traffic, so FINISH ids and the transmit ring are in play. */
static void send_some(struct h *h, struct fin *in)
{
	uint8_t what = fin_u8(in), body[256] = { 0 };
	struct nc2_pkt pkt;
	uint32_t id;

	if (h->mode == M_RING)
		return;
	switch (what % 5) {
	case 0:
		if (h->mode == M_NET) {
			memset(&pkt, 0, sizeof(pkt));
			pkt.type = NC2_PKT_RECEIVER_COPY;
			pkt.nr_frags = 1;
			pkt.prefix_size = 14 + (what >> 4);
			pkt.prefix = body;
			pkt.frag[0].len = 100;
			pkt.total_len = pkt.prefix_size + 100u;
			nc2_net_send_packet(&h->net, &pkt, NULL);
		} else if (!nc2_link_get_id(lnk(h), NULL, &id)) {
			body[0] = (uint8_t)id;
			nc2_link_send(lnk(h),
				      lnk(h)->device_class == NC2_CLASS_NET ?
					      NC2_MSG_NET_LAST :
					      NC2_MSG_CLASS_FIRST,
				      0, body, 4);
		}
		break;
	case 1:
		if (h->nrcvd) {
			uint32_t k = 1 + (what >> 3) % h->nrcvd;
			int r = nc2_link_finish(lnk(h), h->rcvd, k);

			if (r > 0) {
				memmove(h->rcvd, h->rcvd + r,
					(h->nrcvd - (uint32_t)r) * 4);
				h->nrcvd -= (uint32_t)r;
			}
		}
		break;
	case 2:
		nc2_link_close(lnk(h), what >> 3);
		break;
	case 3:
		if (h->mode == M_NET)
			nc2_net_start(&h->net);
		else
			nc2_link_start(lnk(h));
		break;
	default:
		nc2_link_push(lnk(h));
		break;
	}
}

static void write_ring(struct h *h, uint32_t at, const void *src, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		h->rx[(at + i) & (h->size - 1)] = ((const uint8_t *)src)[i];
}

static void step(struct h *h, struct fin *in)
{
	uint8_t op = fin_u8(in), buf[256];
	uint32_t v, prod;
	struct nc2_msg_hdr hdr;

	prod = nc2_le32_to_cpu(h->rx_ctrl->prod);
	switch (op % 14) {
	case 0:
	case 1:
		poll(h);
		break;
	case 2:
		if (h->mode == M_RING)
			nc2_cons_consume(h->c);
		else
			nc2_link_consume(lnk(h));
		break;
	case 3:
		if (h->mode == M_RING)
			nc2_cons_release(h->c);
		else
			nc2_link_release(lnk(h));
		FUZZ_CHECK(h->c->err ||
			   nc2_le32_to_cpu(h->rx_ctrl->cons) == h->c->released);
		break;
	case 4:
		v = fin_u16(in);
		if (h->mode == M_RING) {
			int r = nc2_cons_rearm(h->c, v);

			FUZZ_CHECK(r <= 0 || h->c->pvt != h->c->prod);
		} else {
			nc2_link_rearm(lnk(h));
		}
		break;
	case 5: /* arbitrary prod */
		h->rx_ctrl->prod = nc2_cpu_to_le32(fin_u32(in));
		break;
	case 6: /* plausible prod */
		h->rx_ctrl->prod = nc2_cpu_to_le32(prod + 8u * fin_u8(in));
		break;
	case 7: /* a message header where the producer would write next */
		hdr.type = fin_u8(in);
		hdr.flags = fin_u8(in);
		hdr.size = nc2_cpu_to_le16(fin_u16(in));
		write_ring(h, prod, &hdr, sizeof(hdr));
		break;
	case 8: /* a whole message body, then publish it */
		v = fin_u8(in);
		fin_bytes(in, buf, v);
		write_ring(h, prod, buf, v);
		h->rx_ctrl->prod = nc2_cpu_to_le32(prod + ((v + 7) & ~7u));
		break;
	case 9: /* bytes anywhere */
		v = fin_u16(in);
		write_ring(h, v, buf, (uint32_t)fin_bytes(in, buf, fin_u8(in) % 32));
		break;
	case 10:
		h->rx_ctrl->cons_event = nc2_cpu_to_le32(fin_u32(in));
		break;
	case 11:
		send_some(h, in);
		break;
	case 12: /* the peer consumes our ring honestly, or not */
		if (fin_u8(in) & 1)
			h->tx_ctrl->cons = nc2_cpu_to_le32(fin_u32(in));
		else
			h->tx_ctrl->cons = h->tx_ctrl->prod;
		break;
	default:
		h->tx_ctrl->prod_event = nc2_cpu_to_le32(fin_u32(in));
		break;
	}
	check_sticky(h);
}

static int setup(struct h *h, struct fin *in)
{
	uint8_t mode = fin_u8(in), pages = 1 + (fin_u8(in) & 1);
	uint32_t base = fin_u32(in) & ~7u, len;
	struct nc2_link_config cfg = { 0 };
	struct nc2_net_limits lim;

	h->mode = (enum mode)(mode % M_COUNT);
	h->size = pages * NC2_PAGE_SIZE;
	h->rx_ctrl = calloc(1, sizeof(*h->rx_ctrl));
	h->tx_ctrl = calloc(1, sizeof(*h->tx_ctrl));
	h->rx = calloc(1, h->size);
	h->tx = calloc(1, h->size);
	if (!h->rx_ctrl || !h->tx_ctrl || !h->rx || !h->tx)
		return -1;
	nc2_ctrl_reset(h->rx_ctrl);
	nc2_ctrl_reset(h->tx_ctrl);
	cfg.device_class = (mode & 0x80) && h->mode == M_LINK ?
				   NC2_CLASS_BLOCK_EXAMPLE : NC2_CLASS_NET;
	cfg.features = (mode & 0x40) ? NC2_FEAT_ALL : 0;
	cfg.pool_words = h->pool;
	cfg.pool_cap = 64;
	cfg.set_words = h->set;
	cfg.set_limit = 64;
	nc2_net_limits_default(&lim);
	lim.max_frags = NC2_MAX_FRAGMENTS_LIMIT;
	lim.offloads = NC2_OFFLOAD_ALL;
	if (h->mode == M_RING) {
		FUZZ_CHECK(!nc2_cons_init(&h->ring_c, h->rx_ctrl, h->rx, h->size));
		h->c = &h->ring_c;
	} else if (h->mode == M_LINK) {
		FUZZ_CHECK(!nc2_link_init(lnk(h), &cfg, h->tx_ctrl, h->tx,
					  h->size, h->rx_ctrl, h->rx, h->size));
		h->c = &lnk(h)->rx;
	} else {
		FUZZ_CHECK(!nc2_net_init(&h->net, 1 + (mode >> 2) % 3, &cfg,
					 &lim, h->tx_ctrl, h->tx, h->size,
					 h->rx_ctrl, h->rx, h->size));
		h->c = &lnk(h)->rx;
	}
	/*
	 * Stand in for a connection that has already moved base bytes, so the
	 * indices wrap at 2^32 within the run.
	 */
	h->c->pvt = h->c->limit = h->c->prod = h->c->released = base;
	h->rx_ctrl->cons = nc2_cpu_to_le32(base);
	h->rx_ctrl->prod = nc2_cpu_to_le32(base + (fin_u16(in) & ~7u));
	len = fin_u16(in) % (h->size + 1);
	for (uint32_t i = 0; i < len; i++)
		h->rx[(base + i) & (h->size - 1)] = fin_u8(in);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin in = { data, size };
	struct h *h = calloc(1, sizeof(*h));
	unsigned steps = 0;

	if (h && !setup(h, &in))
		while (fin_left(&in) && steps++ < 4096)
			step(h, &in);
	if (h) {
		free(h->rx_ctrl);
		free(h->tx_ctrl);
		free(h->rx);
		free(h->tx);
	}
	free(h);
	return 0;
}
