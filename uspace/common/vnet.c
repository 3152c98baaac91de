// SPDX-License-Identifier: MIT
#include <string.h>

#include "vnet.h"

#define ETH_MIN_HDR 14u
/* Debian 12's uapi headers predate UDP segmentation offload. */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

uint32_t vnet_hdr_len(const uint8_t *f, uint32_t len)
{
	uint32_t l3 = ETH_MIN_HDR, l4;
	uint16_t type;
	uint8_t proto;

	if (len < ETH_MIN_HDR)
		return len;
	type = (uint16_t)(f[12] << 8 | f[13]);
	if (type == 0x8100 && len >= l3 + 4) {
		type = (uint16_t)(f[16] << 8 | f[17]);
		l3 += 4;
	}
	if (type == 0x0800 && len >= l3 + 20) {
		l4 = l3 + (f[l3] & 0xfu) * 4u;
		proto = f[l3 + 9];
	} else if (type == 0x86dd && len >= l3 + 40) {
		l4 = l3 + 40;
		proto = f[l3 + 6];
	} else {
		return l3 > len ? len : l3;
	}
	if (proto == 6 && len >= l4 + 20)
		l4 += (f[l4 + 12] >> 4) * 4u;
	else if (proto == 17 && len >= l4 + 8)
		l4 += 8;
	return l4 > len ? len : l4;
}

static int gso_from_vnet(uint8_t v, uint8_t *nc2)
{
	switch (v & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		*nc2 = NC2_GSO_NONE;
		return 0;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		*nc2 = NC2_GSO_TCPV4;
		return 0;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		*nc2 = NC2_GSO_TCPV6;
		return 0;
	case VIRTIO_NET_HDR_GSO_UDP_L4:
		*nc2 = NC2_GSO_UDP_L4;
		return 0;
	default:
		return -1;
	}
}

int vnet_to_pkt(const struct virtio_net_hdr *vh, const uint8_t *f,
		uint32_t len, uint32_t max_inline, struct nc2_pkt *pkt)
{
	uint32_t pre;

	memset(pkt, 0, offsetof(struct nc2_pkt, frag));
	pkt->total_len = len;
	if (gso_from_vnet(vh->gso_type, &pkt->gso_type))
		return -1;
	if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		pkt->flags |= NC2_PKT_F_CSUM_BLANK;
		pkt->csum_start = vh->csum_start;
		pkt->csum_offset = vh->csum_offset;
	} else if (vh->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
		pkt->flags |= NC2_PKT_F_DATA_VALIDATED;
	}
	pre = vnet_hdr_len(f, len < max_inline ? len : max_inline);
	if (pkt->gso_type != NC2_GSO_NONE) {
		pkt->gso_size = vh->gso_size;
		pkt->hdr_len = (uint16_t)pre;
		if (pre >= len)
			return -1;
	}
	if (pkt->flags & NC2_PKT_F_CSUM_BLANK &&
	    (uint32_t)pkt->csum_start + pkt->csum_offset + 2 > pre)
		pre = (uint32_t)pkt->csum_start + pkt->csum_offset + 2;
	if (len <= max_inline && pkt->gso_type == NC2_GSO_NONE) {
		pkt->type = NC2_PKT_SMALL;
		pre = len;
	} else {
		pkt->type = NC2_PKT_RECEIVER_COPY;
	}
	if (pre > max_inline || pre > len)
		return -1;
	pkt->prefix_size = (uint16_t)pre;
	return 0;
}

void vnet_from_pkt(const struct nc2_pkt *pkt, struct virtio_net_hdr *vh)
{
	static const uint8_t gso[] = {
		[NC2_GSO_NONE] = VIRTIO_NET_HDR_GSO_NONE,
		[NC2_GSO_TCPV4] = VIRTIO_NET_HDR_GSO_TCPV4,
		[NC2_GSO_TCPV6] = VIRTIO_NET_HDR_GSO_TCPV6,
		[NC2_GSO_UDP_L4] = VIRTIO_NET_HDR_GSO_UDP_L4,
	};

	memset(vh, 0, sizeof(*vh));
	if (pkt->flags & NC2_PKT_F_CSUM_BLANK) {
		vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh->csum_start = pkt->csum_start;
		vh->csum_offset = pkt->csum_offset;
	} else if (pkt->flags & NC2_PKT_F_DATA_VALIDATED) {
		vh->flags = VIRTIO_NET_HDR_F_DATA_VALID;
	}
	/* The library checked gso_type against what we accept. */
	vh->gso_type = gso[pkt->gso_type <= NC2_GSO_UDP_L4 ? pkt->gso_type : 0];
	vh->gso_size = pkt->gso_size;
	vh->hdr_len = pkt->hdr_len;
}
