/* SPDX-License-Identifier: MIT */
/*
 * nc2/packet.h - PACKET messages: encoding, decoding and their rules.
 *
 * struct nc2_pkt is the private-memory form of a PACKET. Decoding copies
 * every field and fragment out of the ring exactly once and then checks
 * the copy, so a peer rewriting the ring meanwhile changes nothing. Only
 * the inline prefix stays in the ring: copy it out before parsing it.
 */
#ifndef NC2_PACKET_H
#define NC2_PACKET_H

#include <nc2/wire_net.h>
#include <nc2/ring.h>

struct nc2_pkt_frag {
	uint32_t gref;
	uint16_t off;
	uint16_t len;
};

struct nc2_pkt {
	uint32_t id;
	uint8_t type;	  /* enum nc2_pkt_type */
	uint8_t flags;	  /* NC2_PKT_F_* */
	uint8_t gso_type; /* enum nc2_gso_type */
	uint8_t nr_frags;
	uint16_t prefix_size;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t hdr_len;
	uint32_t total_len;
	const uint8_t *prefix; /* decoded: in the ring; encoding: the source */
	struct nc2_pkt_frag frag[NC2_MAX_FRAGMENTS_LIMIT];
};

/* What a receiver accepts; it declares these with SET_* messages. */
struct nc2_net_limits {
	uint32_t max_frags;  /* 1..NC2_MAX_FRAGMENTS_LIMIT */
	uint32_t max_inline; /* NC2_DEFAULT_MAX_INLINE..NC2_MAX_INLINE_LIMIT */
	uint32_t offloads;   /* NC2_OFFLOAD_* */
};

/* The limits in force before any SET_* message arrives. */
void nc2_net_limits_default(struct nc2_net_limits *lim);

/* 0 if pkt obeys every PACKET rule under lim, else a negated NC2_EP_PKT_*. */
int nc2_pkt_check(const struct nc2_pkt *pkt, const struct nc2_net_limits *lim);

/* Bytes the PACKET message for pkt takes in the ring. */
uint32_t nc2_pkt_msg_size(const struct nc2_pkt *pkt);

/* Write pkt as a PACKET body into msg (nc2_pkt_msg_size bytes reserved). */
void nc2_pkt_encode(void *msg, const struct nc2_pkt *pkt);

/* Copy m into *pkt and check it under lim. 0 or a negated NC2_EP_* code. */
int nc2_pkt_decode(const struct nc2_msg *m, const struct nc2_net_limits *lim,
		   struct nc2_pkt *pkt);

#endif /* NC2_PACKET_H */
