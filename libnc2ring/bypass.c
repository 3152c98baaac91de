// SPDX-License-Identifier: MIT
/*
 * Bypass messages: who may send which, and their layouts. Each message's
 * size is fixed by its type (and ring_pages), so a size mismatch is caught
 * before any field is used.
 */
#include <nc2/bypass.h>

/* The role that sends a given bypass type, or 0 for unknown types. */
static int sender_role(uint8_t type)
{
	switch (type) {
	case NC2_MSG_BYPASS_FRONTEND:
	case NC2_MSG_BYPASS_BACKEND:
	case NC2_MSG_BYPASS_DISABLE:
	case NC2_MSG_BYPASS_DETACH:
	case NC2_MSG_BYPASS_ADDRS:
		return NC2_ROLE_BACKEND;
	case NC2_MSG_BYPASS_FRONTEND_READY:
	case NC2_MSG_BYPASS_READY:
	case NC2_MSG_BYPASS_DISABLED:
	case NC2_MSG_BYPASS_DETACHED:
	case NC2_MSG_SUGGEST_BYPASS:
		return NC2_ROLE_FRONTEND;
	default:
		return 0;
	}
}

int nc2_bypass_allowed(enum nc2_net_role role, uint8_t type)
{
	int from = sender_role(type);

	if (!from)
		return -NC2_EP_MSG_TYPE;
	if (role == NC2_ROLE_PEER || (int)role == from)
		return -NC2_EP_BYPASS;
	return 0;
}

/*
 * Each type's layout: its fixed size, where its peer description and ring
 * description sit (0: none), and whether 2 * ring_pages grefs follow.
 */
struct layout {
	uint8_t size;
	uint8_t peer_at;
	uint8_t rings_at;
	uint8_t pages_at; /* ring_pages outside a rings block */
};

static struct layout layout_of(uint8_t type)
{
	switch (type) {
	case NC2_MSG_BYPASS_FRONTEND:
		return (struct layout){sizeof(struct nc2_msg_bypass_frontend),
				       8, 0, 18};
	case NC2_MSG_BYPASS_FRONTEND_READY:
		return (struct layout){
		    sizeof(struct nc2_msg_bypass_frontend_ready), 0, 8, 0};
	case NC2_MSG_BYPASS_BACKEND:
		return (struct layout){sizeof(struct nc2_msg_bypass_backend), 8,
				       20, 0};
	case NC2_MSG_SUGGEST_BYPASS:
		return (struct layout){sizeof(struct nc2_msg_suggest_bypass), 0,
				       0, 0};
	default:
		return (struct layout){sizeof(struct nc2_msg_bypass_handle), 0,
				       0, 0};
	}
}

static bool pages_ok(uint32_t pages)
{
	return pages && pages <= NC2_BYPASS_MAX_PAGES && !(pages & (pages - 1));
}

static uint32_t msg_size(struct layout lo, uint32_t pages)
{
	uint32_t n = lo.size + (lo.rings_at ? 8 * pages : 0);

	return (n + 7) & ~7u;
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	nc2_memcpy(&v, p, 2);
	return nc2_le16_to_cpu(v);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	nc2_memcpy(&v, p, 4);
	return nc2_le32_to_cpu(v);
}

static void put16(uint8_t *p, uint16_t v)
{
	v = nc2_cpu_to_le16(v);
	nc2_memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = nc2_cpu_to_le32(v);
	nc2_memcpy(p, &v, 4);
}

/* BYPASS_ADDRS: 12 bytes, the addresses, padding to 8. */
static uint32_t addrs_size(uint32_t nr4, uint32_t nr6)
{
	return (sizeof(struct nc2_msg_bypass_addrs) + 4 * nr4 + 16 * nr6 + 7) &
	       ~7u;
}

/* buf: a private copy of the whole message, size bytes. */
static int decode_addrs(const uint8_t *buf, uint32_t size,
			struct nc2_bypass_msg *b)
{
	const uint8_t *p = buf + sizeof(struct nc2_msg_bypass_addrs);
	uint32_t nr4 = buf[8], nr6 = buf[9], i;

	if (nr4 > NC2_BYPASS_MAX_ADDRS || nr6 > NC2_BYPASS_MAX_ADDRS ||
	    !(nr4 + nr6))
		return -NC2_EP_BYPASS;
	if (size != addrs_size(nr4, nr6))
		return -NC2_EP_MSG_LAYOUT;
	b->addrs.nr_ipv4 = (uint8_t)nr4;
	b->addrs.nr_ipv6 = (uint8_t)nr6;
	for (i = 0; i < nr4; i++, p += 4)
		nc2_memcpy(b->addrs.ipv4[i], p, 4);
	for (i = 0; i < nr6; i++, p += 16)
		nc2_memcpy(b->addrs.ipv6[i], p, 16);
	return 0;
}

/*
 * The sizes a type allows, before any field is read: exactly its size for
 * a fixed layout; for one that grows with a count, from its fixed part
 * (which holds the count) to its size at the largest count.
 */
static void size_bounds(uint8_t type, struct layout lo, uint32_t *min,
			uint32_t *max)
{
	if (type == NC2_MSG_BYPASS_ADDRS) {
		*min = sizeof(struct nc2_msg_bypass_addrs);
		*max = addrs_size(NC2_BYPASS_MAX_ADDRS, NC2_BYPASS_MAX_ADDRS);
	} else if (lo.rings_at) {
		*min = lo.size;
		*max = msg_size(lo, NC2_BYPASS_MAX_PAGES);
	} else {
		*min = *max = msg_size(lo, 0);
	}
}

/*
 * Checks run in the order of docs/protocol.md 10.2 (normative there):
 * role, then the size against what the type allows, then the fields, then
 * the exact size a count implies. The size comes first so that no field
 * is ever read from past the end of a short message. The whole message is
 * copied into buf first, once; ring_pages is read from that copy, so the
 * size check and the gref walk agree.
 */
int nc2_bypass_decode(enum nc2_net_role role, const struct nc2_msg *m,
		      struct nc2_bypass_msg *b)
{
	uint8_t buf[sizeof(struct nc2_msg_bypass_backend) +
		    8 * NC2_BYPASS_MAX_PAGES];
	struct layout lo;
	uint32_t i, pages = 0, min, max;
	int err = nc2_bypass_allowed(role, m->type);

	if (err)
		return err;
	lo = layout_of(m->type);
	size_bounds(m->type, lo, &min, &max);
	if (m->size < min || m->size > max || m->size > sizeof(buf))
		return -NC2_EP_MSG_LAYOUT;
	nc2_msg_copy(m, buf, m->size);
	nc2_memset(b, 0, sizeof(*b));
	b->type = m->type;
	if (m->type == NC2_MSG_SUGGEST_BYPASS)
		nc2_memcpy(b->mac, buf + 4, 6);
	else
		b->handle = get32(buf + 4);
	if (m->type == NC2_MSG_BYPASS_ADDRS)
		return decode_addrs(buf, m->size, b);
	if (lo.pages_at)
		pages = get16(buf + lo.pages_at);
	if (lo.rings_at)
		pages = get16(buf + lo.rings_at + 4);
	if ((lo.pages_at || lo.rings_at) && !pages_ok(pages))
		return -NC2_EP_BYPASS;
	if (m->size != msg_size(lo, pages))
		return -NC2_EP_MSG_LAYOUT;
	b->ring_pages = (uint16_t)pages;
	if (lo.peer_at) {
		b->peer_domid = get16(buf + lo.peer_at);
		nc2_memcpy(b->mac, buf + lo.peer_at + 2, 6);
		b->flags = buf[lo.peer_at + 8];
		if (b->flags & ~NC2_BYPASS_F_ALL)
			return -NC2_EP_BYPASS;
	}
	if (lo.rings_at) {
		b->evtchn = get32(buf + lo.rings_at);
		b->ctrl_gref = get32(buf + lo.rings_at + 8);
		for (i = 0; i < 2 * pages; i++)
			b->gref[i] = get32(buf + lo.size + 4 * i);
	}
	return 0;
}

static int send_addrs(struct nc2_net *n, const struct nc2_bypass_msg *b)
{
	uint8_t buf[128];
	uint32_t nr4 = b->addrs.nr_ipv4, nr6 = b->addrs.nr_ipv6, i, len;
	uint8_t *p = buf + sizeof(struct nc2_msg_bypass_addrs);

	if (nr4 > NC2_BYPASS_MAX_ADDRS || nr6 > NC2_BYPASS_MAX_ADDRS ||
	    !(nr4 + nr6))
		return -NC2_E_INVAL;
	len = addrs_size(nr4, nr6);
	nc2_memset(buf, 0, sizeof(buf));
	put32(buf + 4, b->handle);
	buf[8] = (uint8_t)nr4;
	buf[9] = (uint8_t)nr6;
	for (i = 0; i < nr4; i++, p += 4)
		nc2_memcpy(p, b->addrs.ipv4[i], 4);
	for (i = 0; i < nr6; i++, p += 16)
		nc2_memcpy(p, b->addrs.ipv6[i], 16);
	return nc2_link_send(&n->link, b->type, 0,
			     buf + sizeof(struct nc2_msg_hdr),
			     len - sizeof(struct nc2_msg_hdr));
}

int nc2_bypass_send(struct nc2_net *n, const struct nc2_bypass_msg *b)
{
	uint8_t buf[sizeof(struct nc2_msg_bypass_backend) +
		    8 * NC2_BYPASS_MAX_PAGES];
	struct layout lo = layout_of(b->type);
	uint32_t i, len;

	if (sender_role(b->type) != n->role || (b->flags & ~NC2_BYPASS_F_ALL))
		return -NC2_E_INVAL;
	if (b->type == NC2_MSG_BYPASS_ADDRS)
		return send_addrs(n, b);
	if ((lo.pages_at || lo.rings_at) && !pages_ok(b->ring_pages))
		return -NC2_E_INVAL;
	nc2_memset(buf, 0, sizeof(buf));
	if (b->type == NC2_MSG_SUGGEST_BYPASS)
		nc2_memcpy(buf + 4, b->mac, 6);
	else
		put32(buf + 4, b->handle);
	if (lo.pages_at)
		put16(buf + lo.pages_at, b->ring_pages);
	if (lo.peer_at) {
		put16(buf + lo.peer_at, b->peer_domid);
		nc2_memcpy(buf + lo.peer_at + 2, b->mac, 6);
		buf[lo.peer_at + 8] = b->flags;
	}
	if (lo.rings_at) {
		put32(buf + lo.rings_at, b->evtchn);
		put16(buf + lo.rings_at + 4, b->ring_pages);
		put32(buf + lo.rings_at + 8, b->ctrl_gref);
		for (i = 0; i < 2u * b->ring_pages; i++)
			put32(buf + lo.size + 4 * i, b->gref[i]);
	}
	len = msg_size(lo, b->ring_pages);
	return nc2_link_send(&n->link, b->type, 0,
			     buf + sizeof(struct nc2_msg_hdr),
			     len - sizeof(struct nc2_msg_hdr));
}

/* Ethernet type of frame and where its IP header starts (no VLAN tags). */
#define ETH_HLEN_ 14u
#define ETH_P_IPV4_ 0x0800u
#define ETH_P_IPV6_ 0x86DDu

static bool same(const uint8_t *x, const uint8_t *y, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

static bool addr_in(const struct nc2_bypass_addrs *a, const uint8_t *frame,
		    size_t len, bool dst)
{
	uint32_t i, nr;
	uint16_t proto;
	const uint8_t *ip;

	if (len < ETH_HLEN_)
		return false;
	proto = (uint16_t)(frame[12] << 8 | frame[13]);
	ip = frame + ETH_HLEN_;
	len -= ETH_HLEN_;
	if (proto == ETH_P_IPV4_) {
		/* version 4, a header of at least 20 bytes */
		if (len < 20 || (ip[0] >> 4) != 4 || (ip[0] & 15) < 5)
			return false;
		ip += dst ? 16 : 12;
		nr = a->nr_ipv4 < NC2_BYPASS_MAX_ADDRS ? a->nr_ipv4 :
							 NC2_BYPASS_MAX_ADDRS;
		for (i = 0; i < nr; i++)
			if (same(ip, a->ipv4[i], 4))
				return true;
		return false;
	}
	if (proto == ETH_P_IPV6_) {
		if (len < 40 || (ip[0] >> 4) != 6)
			return false;
		ip += dst ? 24 : 8;
		nr = a->nr_ipv6 < NC2_BYPASS_MAX_ADDRS ? a->nr_ipv6 :
							 NC2_BYPASS_MAX_ADDRS;
		for (i = 0; i < nr; i++)
			if (same(ip, a->ipv6[i], 16))
				return true;
	}
	return false;
}

bool nc2_bypass_addrs_dst(const struct nc2_bypass_addrs *a,
			  const uint8_t *frame, size_t len)
{
	return addr_in(a, frame, len, true);
}

bool nc2_bypass_addrs_src(const struct nc2_bypass_addrs *a,
			  const uint8_t *frame, size_t len)
{
	return addr_in(a, frame, len, false);
}

int nc2_bypass_mode(bool a_routed, bool b_routed, bool a_feature_addrs,
		    bool b_feature_addrs)
{
	if (!a_routed && !b_routed)
		return 0;
	if (!a_routed || !b_routed || !a_feature_addrs || !b_feature_addrs)
		return -NC2_E_INVAL;
	return NC2_BYPASS_F_ADDRS;
}
