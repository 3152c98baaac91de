/* SPDX-License-Identifier: MIT */
/*
 * virtio_net_hdr <-> nc2 PACKET offload fields, and the choice of how
 * many leading bytes travel inline: all of a small frame, else exactly
 * its L2-L4 headers, so the receiver never needs a grant to parse them.
 */
#ifndef NC2U_VNET_H
#define NC2U_VNET_H

#include <linux/virtio_net.h>
#include <nc2/packet.h>

/* Bytes of Ethernet, IP and TCP/UDP headers at the start of f (>= 14). */
uint32_t vnet_hdr_len(const uint8_t *f, uint32_t len);

/*
 * Fill the offload fields, type, prefix_size and total_len of pkt for the
 * frame f of len bytes (f holds at least min(len, max_inline) bytes).
 * -1 if the frame cannot travel under max_inline (unknown GSO kind).
 */
int vnet_to_pkt(const struct virtio_net_hdr *vh, const uint8_t *f,
		uint32_t len, uint32_t max_inline, struct nc2_pkt *pkt);

/* The virtio_net_hdr a TAP wants in front of the received pkt. */
void vnet_from_pkt(const struct nc2_pkt *pkt, struct virtio_net_hdr *vh);

#endif
