// SPDX-License-Identifier: MIT
/*
 * PACKET rules, shared by the encoder (checking against the peer's limits,
 * so we never send what it would refuse) and the decoder (checking the
 * peer against ours). The header rules exist so that no receiver ever
 * parses headers split across fragments (XSA-423) or bigger than the
 * packet (XSA-432), and empty fragments are refused outright (XSA-448).
 */
#include <nc2/packet.h>

void nc2_net_limits_default(struct nc2_net_limits *lim)
{
	lim->max_frags = NC2_DEFAULT_MAX_FRAGMENTS;
	lim->max_inline = NC2_DEFAULT_MAX_INLINE;
	lim->offloads = 0;
}

static int check_frags(const struct nc2_pkt *pkt, uint32_t *sum)
{
	uint32_t i, total = 0;

	for (i = 0; i < pkt->nr_frags; i++) {
		const struct nc2_pkt_frag *f = &pkt->frag[i];

		if (f->len == 0 || (uint32_t)f->off + f->len > NC2_PAGE_SIZE)
			return -NC2_EP_PKT_FRAG;
		total += f->len;
	}
	*sum = total;
	return 0;
}

static int check_offload(const struct nc2_pkt *pkt,
			 const struct nc2_net_limits *lim)
{
	static const uint32_t need[] = {
	    [NC2_GSO_TCPV4] = NC2_OFFLOAD_TSO4,
	    [NC2_GSO_TCPV6] = NC2_OFFLOAD_TSO6,
	    [NC2_GSO_UDP_L4] = NC2_OFFLOAD_USO,
	};

	if (pkt->flags & NC2_PKT_F_CSUM_BLANK) {
		if (!(lim->offloads & NC2_OFFLOAD_CSUM))
			return -NC2_EP_PKT_OFFLOAD;
		/* The checksum field itself must be inline. */
		if ((uint32_t)pkt->csum_start + pkt->csum_offset + 2 >
		    pkt->prefix_size)
			return -NC2_EP_PKT_HEADER;
	} else if (pkt->csum_start || pkt->csum_offset) {
		/* Stale offsets would be a trap for a receiver that trusts them. */
		return -NC2_EP_PKT_OFFLOAD;
	}
	if (pkt->gso_type == NC2_GSO_NONE)
		return pkt->gso_size || pkt->hdr_len ? -NC2_EP_PKT_OFFLOAD : 0;
	if (pkt->gso_type > NC2_GSO_UDP_L4 ||
	    !(lim->offloads & need[pkt->gso_type]) ||
	    !(pkt->flags & NC2_PKT_F_CSUM_BLANK) || pkt->gso_size == 0)
		return -NC2_EP_PKT_OFFLOAD;
	/*
	 * Segmentation needs every header inline, the checksum field inside
	 * them, and payload after them.
	 */
	if (pkt->hdr_len < NC2_MIN_PREFIX ||
	    pkt->hdr_len < (uint32_t)pkt->csum_start + pkt->csum_offset + 2 ||
	    pkt->hdr_len > pkt->prefix_size || pkt->hdr_len >= pkt->total_len)
		return -NC2_EP_PKT_HEADER;
	return 0;
}

int nc2_pkt_check(const struct nc2_pkt *pkt, const struct nc2_net_limits *lim)
{
	uint32_t sum = 0;
	int err;

	if (pkt->type > NC2_PKT_RECEIVER_MAP || (pkt->flags & ~NC2_PKT_F_ALL))
		return -NC2_EP_PKT_FLAGS;
	if (pkt->type == NC2_PKT_SMALL) {
		if (pkt->nr_frags || pkt->id)
			return -NC2_EP_PKT_FLAGS;
	} else if (pkt->nr_frags == 0) {
		return -NC2_EP_PKT_FLAGS;
	}
	/* The second bound keeps frag[] in range whatever limits we get. */
	if (pkt->nr_frags > lim->max_frags ||
	    pkt->nr_frags > NC2_MAX_FRAGMENTS_LIMIT)
		return -NC2_EP_PKT_FRAGS;
	if (pkt->prefix_size > lim->max_inline)
		return -NC2_EP_PKT_LENGTH;
	err = check_frags(pkt, &sum);
	if (err)
		return err;
	sum += pkt->prefix_size;
	if (sum != pkt->total_len || sum == 0 || sum > NC2_MAX_PACKET_BYTES)
		return -NC2_EP_PKT_LENGTH;
	/* Switching needs the Ethernet header without touching any grant. */
	if (pkt->prefix_size < NC2_MIN_PREFIX && pkt->prefix_size != sum)
		return -NC2_EP_PKT_HEADER;
	return check_offload(pkt, lim);
}

uint32_t nc2_pkt_msg_size(const struct nc2_pkt *pkt)
{
	uint32_t n = sizeof(struct nc2_msg_packet) +
		     pkt->nr_frags * sizeof(struct nc2_wire_frag) +
		     pkt->prefix_size;

	return (n + NC2_MSG_ALIGN - 1) & ~(NC2_MSG_ALIGN - 1);
}

void nc2_pkt_encode(void *msg, const struct nc2_pkt *pkt)
{
	struct nc2_msg_packet *w = msg;
	uint32_t i, pad;
	uint8_t *end;

	w->id = nc2_cpu_to_le32(pkt->id);
	w->type = pkt->type;
	w->flags = pkt->flags;
	w->gso_type = pkt->gso_type;
	w->nr_frags = pkt->nr_frags;
	w->prefix_size = nc2_cpu_to_le16(pkt->prefix_size);
	w->gso_size = nc2_cpu_to_le16(pkt->gso_size);
	w->csum_start = nc2_cpu_to_le16(pkt->csum_start);
	w->csum_offset = nc2_cpu_to_le16(pkt->csum_offset);
	w->hdr_len = nc2_cpu_to_le16(pkt->hdr_len);
	w->reserved0 = 0;
	w->total_len = nc2_cpu_to_le32(pkt->total_len);
	w->reserved1 = 0;
	for (i = 0; i < pkt->nr_frags; i++) {
		w->frag[i].gref = nc2_cpu_to_le32(pkt->frag[i].gref);
		w->frag[i].off = nc2_cpu_to_le16(pkt->frag[i].off);
		w->frag[i].len = nc2_cpu_to_le16(pkt->frag[i].len);
	}
	end = (uint8_t *)&w->frag[pkt->nr_frags];
	if (pkt->prefix_size)
		nc2_memcpy(end, pkt->prefix, pkt->prefix_size);
	/* Padding goes out as zeros, never as stale ring bytes. */
	pad = nc2_pkt_msg_size(pkt) - (uint32_t)(end + pkt->prefix_size -
						 (uint8_t *)msg);
	if (pad)
		nc2_memset(end + pkt->prefix_size, 0, pad);
}

int nc2_pkt_decode(const struct nc2_msg *m, const struct nc2_net_limits *lim,
		   struct nc2_pkt *pkt)
{
	struct nc2_msg_packet w;
	const struct nc2_wire_frag *wf;
	uint32_t i;

	if (m->type != NC2_MSG_PACKET || m->size < sizeof(w))
		return -NC2_EP_MSG_LAYOUT;
	/* One copy of the fixed part; everything below reads the copy. */
	nc2_msg_copy(m, &w, sizeof(w));
	pkt->id = nc2_le32_to_cpu(w.id);
	pkt->type = w.type;
	pkt->flags = w.flags;
	pkt->gso_type = w.gso_type;
	pkt->nr_frags = w.nr_frags;
	pkt->prefix_size = nc2_le16_to_cpu(w.prefix_size);
	pkt->gso_size = nc2_le16_to_cpu(w.gso_size);
	pkt->csum_start = nc2_le16_to_cpu(w.csum_start);
	pkt->csum_offset = nc2_le16_to_cpu(w.csum_offset);
	pkt->hdr_len = nc2_le16_to_cpu(w.hdr_len);
	pkt->total_len = nc2_le32_to_cpu(w.total_len);
	if (pkt->nr_frags > lim->max_frags ||
	    pkt->nr_frags > NC2_MAX_FRAGMENTS_LIMIT)
		return -NC2_EP_PKT_FRAGS;
	if (nc2_pkt_msg_size(pkt) != m->size)
		return -NC2_EP_MSG_LAYOUT;
	wf = (const struct nc2_wire_frag *)(m->data + sizeof(w));
	for (i = 0; i < pkt->nr_frags; i++) {
		struct nc2_wire_frag f;

		nc2_memcpy(&f, &wf[i], sizeof(f));
		pkt->frag[i].gref = nc2_le32_to_cpu(f.gref);
		pkt->frag[i].off = nc2_le16_to_cpu(f.off);
		pkt->frag[i].len = nc2_le16_to_cpu(f.len);
	}
	nc2_barrier();
	pkt->prefix = (const uint8_t *)&wf[pkt->nr_frags];
	return nc2_pkt_check(pkt, lim);
}
