// SPDX-License-Identifier: MIT
/*
 * Decoder harness: PACKET and bypass messages as a hostile peer writes
 * them, decoded under limits the input picks. Whatever a decoder accepts
 * must obey the rules it claims to enforce and must survive the round
 * trip through the encoder unchanged; what the encoder is allowed to send
 * must decode back to itself.
 *
 * Input: selector, limits, then the message (or packet fields) bytes.
 */
#include "fuzz.h"

#define PKT_MAX (NC2_MSG_MAX_SIZE)

/* Limits as a receiver may declare them; bit 7 of sel picks raw ones. */
static void read_limits(struct fin *in, uint8_t sel, struct nc2_net_limits *l)
{
	uint8_t f = fin_u8(in);
	uint16_t i = fin_u16(in);
	uint8_t o = fin_u8(in);

	if (sel & 0x80) {
		/* A careless caller: the decoder must still stay in bounds. */
		l->max_frags = f;
		l->max_inline = i;
		l->offloads = o;
	} else {
		l->max_frags = 1 + f % NC2_MAX_FRAGMENTS_LIMIT;
		l->max_inline = NC2_DEFAULT_MAX_INLINE +
				i % (NC2_MAX_INLINE_LIMIT - NC2_DEFAULT_MAX_INLINE + 1);
		l->offloads = o & NC2_OFFLOAD_ALL;
	}
}

static bool limits_sane(const struct nc2_net_limits *l)
{
	return l->max_frags >= 1 && l->max_frags <= NC2_MAX_FRAGMENTS_LIMIT &&
	       l->max_inline <= NC2_MAX_INLINE_LIMIT;
}

static void same_pkt(const struct nc2_pkt *a, const struct nc2_pkt *b)
{
	FUZZ_CHECK(a->id == b->id && a->type == b->type);
	FUZZ_CHECK(a->flags == b->flags && a->gso_type == b->gso_type);
	FUZZ_CHECK(a->nr_frags == b->nr_frags);
	FUZZ_CHECK(a->prefix_size == b->prefix_size);
	FUZZ_CHECK(a->gso_size == b->gso_size && a->hdr_len == b->hdr_len);
	FUZZ_CHECK(a->csum_start == b->csum_start);
	FUZZ_CHECK(a->csum_offset == b->csum_offset);
	FUZZ_CHECK(a->total_len == b->total_len);
	FUZZ_CHECK(!memcmp(a->frag, b->frag, a->nr_frags * sizeof(a->frag[0])));
	FUZZ_CHECK(!a->prefix_size ||
		   !memcmp(a->prefix, b->prefix, a->prefix_size));
}

/* Bytes the encoder owns: everything but reserved words and tail padding. */
static bool owned_byte(const struct nc2_pkt *p, uint32_t i)
{
	if ((i >= 22 && i < 24) || (i >= 28 && i < 32))
		return false;
	return i < sizeof(struct nc2_msg_packet) +
			   p->nr_frags * sizeof(struct nc2_wire_frag) +
			   p->prefix_size;
}

static void decode_one(struct fin *in, uint8_t sel)
{
	struct nc2_net_limits lim, wide = { NC2_MAX_FRAGMENTS_LIMIT,
					    NC2_MAX_INLINE_LIMIT,
					    NC2_OFFLOAD_ALL };
	struct nc2_pkt pkt, again;
	struct nc2_msg m;
	uint32_t len, i;
	uint8_t *buf, *enc;

	read_limits(in, sel, &lim);
	len = (uint32_t)in->n + 4;
	if (len > PKT_MAX)
		len = PKT_MAX;
	len = (len + 7) & ~7u;
	buf = malloc(len);
	enc = calloc(1, len);
	if (!buf || !enc)
		goto out;
	buf[0] = NC2_MSG_PACKET;
	buf[1] = 0;
	buf[2] = (uint8_t)len;
	buf[3] = (uint8_t)(len >> 8);
	fin_bytes(in, buf + 4, len - 4);
	m.type = (sel & 0x40) ? buf[4] : NC2_MSG_PACKET;
	m.flags = 0;
	m.size = (uint16_t)len;
	m.data = buf;
	if (nc2_pkt_decode(&m, &lim, &pkt))
		goto out;
	FUZZ_CHECK(m.type == NC2_MSG_PACKET);
	FUZZ_CHECK(nc2_pkt_check(&pkt, &lim) == 0);
	FUZZ_CHECK(nc2_pkt_msg_size(&pkt) == len);
	FUZZ_CHECK(pkt.prefix == buf + 32 + 8u * pkt.nr_frags);
	FUZZ_CHECK(pkt.prefix + pkt.prefix_size <= buf + len);
	/* Accepted under some limits: accepted under wider ones, the same. */
	if (limits_sane(&lim)) {
		FUZZ_CHECK(nc2_pkt_decode(&m, &wide, &again) == 0);
		same_pkt(&pkt, &again);
	}
	memcpy(enc, buf, 4);
	nc2_pkt_encode(enc, &pkt);
	for (i = 4; i < len; i++)
		FUZZ_CHECK(!owned_byte(&pkt, i) || enc[i] == buf[i]);
out:
	free(buf);
	free(enc);
}

static void encode_one(struct fin *in, uint8_t sel)
{
	struct nc2_net_limits lim;
	struct nc2_pkt pkt, back;
	uint8_t prefix[NC2_MAX_INLINE_LIMIT + 8];
	struct nc2_msg m;
	uint32_t size, i;
	uint8_t *buf;

	read_limits(in, sel, &lim);
	memset(&pkt, 0, sizeof(pkt));
	pkt.id = fin_u32(in);
	pkt.type = fin_u8(in) % 4;
	pkt.flags = fin_u8(in);
	pkt.gso_type = fin_u8(in) % 5;
	pkt.nr_frags = fin_u8(in) % 70;
	pkt.prefix_size = fin_u16(in) % (NC2_MAX_INLINE_LIMIT + 8);
	pkt.gso_size = fin_u16(in);
	pkt.csum_start = fin_u16(in);
	pkt.csum_offset = fin_u16(in);
	pkt.hdr_len = fin_u16(in);
	for (i = 0; i < NC2_MAX_FRAGMENTS_LIMIT && i < pkt.nr_frags; i++) {
		pkt.frag[i].gref = fin_u32(in);
		pkt.frag[i].off = fin_u16(in);
		pkt.frag[i].len = fin_u16(in);
	}
	/* Let the input fix the total up, or lie about it. */
	pkt.total_len = (sel & 0x20) ? fin_u32(in) : 0;
	if (!(sel & 0x20)) {
		pkt.total_len = pkt.prefix_size;
		for (i = 0; i < NC2_MAX_FRAGMENTS_LIMIT && i < pkt.nr_frags; i++)
			pkt.total_len += pkt.frag[i].len;
	}
	fin_bytes(in, prefix, sizeof(prefix));
	pkt.prefix = prefix;
	if (nc2_pkt_check(&pkt, &lim))
		return;
	FUZZ_CHECK(pkt.nr_frags <= NC2_MAX_FRAGMENTS_LIMIT);
	size = nc2_pkt_msg_size(&pkt);
	FUZZ_CHECK(size <= NC2_MSG_MAX_SIZE && size % 8 == 0);
	buf = calloc(1, size);
	if (!buf)
		return;
	buf[0] = NC2_MSG_PACKET;
	buf[2] = (uint8_t)size;
	buf[3] = (uint8_t)(size >> 8);
	nc2_pkt_encode(buf, &pkt);
	m.type = NC2_MSG_PACKET;
	m.flags = 0;
	m.size = (uint16_t)size;
	m.data = buf;
	FUZZ_CHECK(nc2_pkt_decode(&m, &lim, &back) == 0);
	same_pkt(&pkt, &back);
	free(buf);
}

/* The sender's side of a bypass message: encode what we decoded. */
static void bypass_reencode(enum nc2_net_role rx_role,
			    const struct nc2_bypass_msg *b)
{
	static uint8_t ring_a[NC2_PAGE_SIZE], ring_b[NC2_PAGE_SIZE];
	static struct nc2_wire_ctrl ca, cb;
	enum nc2_net_role tx_role = rx_role == NC2_ROLE_FRONTEND ?
					    NC2_ROLE_BACKEND :
					    NC2_ROLE_FRONTEND;
	struct nc2_link_config cfg = { .device_class = NC2_CLASS_NET };
	struct nc2_net_limits lim;
	struct nc2_bypass_msg back;
	struct nc2_net n;
	struct nc2_cons c;
	struct nc2_msg m;

	nc2_ctrl_reset(&ca);
	nc2_ctrl_reset(&cb);
	nc2_net_limits_default(&lim);
	FUZZ_CHECK(!nc2_net_init(&n, tx_role, &cfg, &lim, &ca, ring_a,
				 sizeof(ring_a), &cb, ring_b, sizeof(ring_b)));
	FUZZ_CHECK(!nc2_link_start(&n.link));
	FUZZ_CHECK(nc2_bypass_send(&n, b) == 0);
	nc2_prod_push(&n.link.tx);
	FUZZ_CHECK(!nc2_cons_init(&c, &ca, ring_a, sizeof(ring_a)));
	FUZZ_CHECK(nc2_cons_peek(&c, &m) == 1 && m.type == NC2_MSG_HELLO);
	nc2_cons_consume(&c);
	FUZZ_CHECK(nc2_cons_peek(&c, &m) == 1 && m.type == b->type);
	FUZZ_CHECK(nc2_bypass_decode(rx_role, &m, &back) == 0);
	FUZZ_CHECK(!memcmp(&back, b, sizeof(back)));
}

static void bypass_one(struct fin *in)
{
	enum nc2_net_role role = 1 + fin_u8(in) % 3;
	struct nc2_bypass_msg b;
	struct nc2_msg m;
	uint32_t len = 8 + 8u * (fin_u8(in) % 24), i;
	uint8_t *buf = malloc(len);
	int r;

	if (!buf)
		return;
	fin_bytes(in, buf, len);
	m.type = (uint8_t)(NC2_MSG_BYPASS_FRONTEND + buf[0] % 10);
	m.flags = buf[1];
	m.size = (uint16_t)len;
	m.data = buf;
	r = nc2_bypass_decode(role, &m, &b);
	if (r) {
		FUZZ_CHECK(nc2_is_protocol_error(r));
		goto out;
	}
	FUZZ_CHECK(role != NC2_ROLE_PEER && b.type == m.type);
	FUZZ_CHECK(!(b.flags & ~NC2_BYPASS_F_ALL));
	FUZZ_CHECK(b.ring_pages <= NC2_BYPASS_MAX_PAGES);
	for (i = 2u * b.ring_pages; i < 2 * NC2_BYPASS_MAX_PAGES; i++)
		FUZZ_CHECK(b.gref[i] == 0);
	FUZZ_CHECK(b.addrs.nr_ipv4 <= NC2_BYPASS_MAX_ADDRS &&
		   b.addrs.nr_ipv6 <= NC2_BYPASS_MAX_ADDRS);
	FUZZ_CHECK(b.type == NC2_MSG_BYPASS_ADDRS ||
		   !(b.addrs.nr_ipv4 | b.addrs.nr_ipv6));
	bypass_reencode(role, &b);
out:
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin in = { data, size };
	uint8_t sel = fin_u8(&in);

	switch (sel % 3) {
	case 0:
		decode_one(&in, sel);
		break;
	case 1:
		encode_one(&in, sel);
		break;
	default:
		bypass_one(&in);
		break;
	}
	return 0;
}
