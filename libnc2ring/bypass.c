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

static uint32_t rings_size(uint32_t fixed, uint32_t pages)
{
	return (fixed + 8 * pages + 7) & ~7u;
}

static int decode_rings(const struct nc2_wire_bypass_rings *w,
			const uint8_t *grefs, struct nc2_bypass_msg *b)
{
	uint32_t i;

	b->evtchn = nc2_le32_to_cpu(w->evtchn);
	b->ctrl_gref = nc2_le32_to_cpu(w->ctrl_gref);
	for (i = 0; i < 2u * b->ring_pages; i++) {
		uint32_t g;

		nc2_memcpy(&g, grefs + 4 * i, 4);
		b->gref[i] = nc2_le32_to_cpu(g);
	}
	nc2_barrier();
	return 0;
}

/* ring_pages is read from the message exactly once, then checked. */
static int pages_of(const struct nc2_msg *m, uint32_t at, uint16_t *pages)
{
	uint16_t v;

	if (m->size < at + 2)
		return -NC2_EP_MSG_LAYOUT;
	nc2_memcpy(&v, m->data + at, 2);
	nc2_barrier();
	v = nc2_le16_to_cpu(v);
	if (v == 0 || v > NC2_BYPASS_MAX_PAGES || (v & (v - 1)))
		return -NC2_EP_BYPASS;
	*pages = v;
	return 0;
}

int nc2_bypass_decode(enum nc2_net_role role, const struct nc2_msg *m,
		      struct nc2_bypass_msg *b)
{
	int err = nc2_bypass_allowed(role, m->type);

	if (err)
		return err;
	nc2_memset(b, 0, sizeof(*b));
	b->type = m->type;
	switch (m->type) {
	case NC2_MSG_BYPASS_FRONTEND: {
		struct nc2_msg_bypass_frontend w;

		if (m->size != sizeof(w))
			return -NC2_EP_MSG_LAYOUT;
		nc2_msg_copy(m, &w, sizeof(w));
		b->handle = nc2_le32_to_cpu(w.handle);
		b->peer_domid = nc2_le16_to_cpu(w.peer_domid);
		nc2_memcpy(b->mac, w.peer_mac, 6);
		b->flags = w.flags;
		b->ring_pages = nc2_le16_to_cpu(w.ring_pages);
		if (b->ring_pages == 0 ||
		    b->ring_pages > NC2_BYPASS_MAX_PAGES ||
		    (b->ring_pages & (b->ring_pages - 1)))
			return -NC2_EP_BYPASS;
		break;
	}
	case NC2_MSG_BYPASS_FRONTEND_READY: {
		struct nc2_msg_bypass_frontend_ready w;

		err = pages_of(m, 12, &b->ring_pages);
		if (err)
			return err;
		if (m->size != rings_size(sizeof(w), b->ring_pages))
			return -NC2_EP_MSG_LAYOUT;
		nc2_msg_copy(m, &w, sizeof(w));
		b->handle = nc2_le32_to_cpu(w.handle);
		decode_rings(&w.rings, m->data + sizeof(w), b);
		break;
	}
	case NC2_MSG_BYPASS_BACKEND: {
		struct nc2_msg_bypass_backend w;

		err = pages_of(m, 24, &b->ring_pages);
		if (err)
			return err;
		if (m->size != rings_size(sizeof(w), b->ring_pages))
			return -NC2_EP_MSG_LAYOUT;
		nc2_msg_copy(m, &w, sizeof(w));
		b->handle = nc2_le32_to_cpu(w.handle);
		b->peer_domid = nc2_le16_to_cpu(w.peer_domid);
		nc2_memcpy(b->mac, w.peer_mac, 6);
		b->flags = w.flags;
		decode_rings(&w.rings, m->data + sizeof(w), b);
		break;
	}
	case NC2_MSG_SUGGEST_BYPASS: {
		struct nc2_msg_suggest_bypass w;

		if (m->size != sizeof(w))
			return -NC2_EP_MSG_LAYOUT;
		nc2_msg_copy(m, &w, sizeof(w));
		nc2_memcpy(b->mac, w.mac, 6);
		break;
	}
	default: {
		struct nc2_msg_bypass_handle w;

		if (m->size != sizeof(w))
			return -NC2_EP_MSG_LAYOUT;
		nc2_msg_copy(m, &w, sizeof(w));
		b->handle = nc2_le32_to_cpu(w.handle);
		break;
	}
	}
	if (b->flags & ~NC2_BYPASS_F_ALL)
		return -NC2_EP_BYPASS;
	return 0;
}

static void encode_rings(struct nc2_wire_bypass_rings *w, uint8_t *grefs,
			 const struct nc2_bypass_msg *b)
{
	uint32_t i;

	w->evtchn = nc2_cpu_to_le32(b->evtchn);
	w->ring_pages = nc2_cpu_to_le16(b->ring_pages);
	w->reserved = 0;
	w->ctrl_gref = nc2_cpu_to_le32(b->ctrl_gref);
	for (i = 0; i < 2u * b->ring_pages; i++) {
		uint32_t g = nc2_cpu_to_le32(b->gref[i]);

		nc2_memcpy(grefs + 4 * i, &g, 4);
	}
}

int nc2_bypass_send(struct nc2_net *n, const struct nc2_bypass_msg *b)
{
	uint8_t buf[sizeof(struct nc2_msg_bypass_backend) +
		    8 * NC2_BYPASS_MAX_PAGES];
	uint32_t len;

	if (sender_role(b->type) != n->role || (b->flags & ~NC2_BYPASS_F_ALL))
		return -NC2_E_INVAL;
	if ((b->type == NC2_MSG_BYPASS_FRONTEND ||
	     b->type == NC2_MSG_BYPASS_FRONTEND_READY ||
	     b->type == NC2_MSG_BYPASS_BACKEND) &&
	    (b->ring_pages == 0 || b->ring_pages > NC2_BYPASS_MAX_PAGES ||
	     (b->ring_pages & (b->ring_pages - 1))))
		return -NC2_E_INVAL;
	nc2_memset(buf, 0, sizeof(buf));
	switch (b->type) {
	case NC2_MSG_BYPASS_FRONTEND: {
		struct nc2_msg_bypass_frontend *w = (void *)buf;

		w->handle = nc2_cpu_to_le32(b->handle);
		w->peer_domid = nc2_cpu_to_le16(b->peer_domid);
		nc2_memcpy(w->peer_mac, b->mac, 6);
		w->flags = b->flags;
		w->ring_pages = nc2_cpu_to_le16(b->ring_pages);
		len = sizeof(*w);
		break;
	}
	case NC2_MSG_BYPASS_FRONTEND_READY: {
		struct nc2_msg_bypass_frontend_ready *w = (void *)buf;

		w->handle = nc2_cpu_to_le32(b->handle);
		encode_rings(&w->rings, buf + sizeof(*w), b);
		len = rings_size(sizeof(*w), b->ring_pages);
		break;
	}
	case NC2_MSG_BYPASS_BACKEND: {
		struct nc2_msg_bypass_backend *w = (void *)buf;

		w->handle = nc2_cpu_to_le32(b->handle);
		w->peer_domid = nc2_cpu_to_le16(b->peer_domid);
		nc2_memcpy(w->peer_mac, b->mac, 6);
		w->flags = b->flags;
		encode_rings(&w->rings, buf + sizeof(*w), b);
		len = rings_size(sizeof(*w), b->ring_pages);
		break;
	}
	case NC2_MSG_SUGGEST_BYPASS: {
		struct nc2_msg_suggest_bypass *w = (void *)buf;

		nc2_memcpy(w->mac, b->mac, 6);
		len = sizeof(*w);
		break;
	}
	default: {
		struct nc2_msg_bypass_handle *w = (void *)buf;

		w->handle = nc2_cpu_to_le32(b->handle);
		len = sizeof(*w);
		break;
	}
	}
	return nc2_link_send(&n->link, b->type, 0,
			     buf + sizeof(struct nc2_msg_hdr),
			     len - sizeof(struct nc2_msg_hdr));
}
