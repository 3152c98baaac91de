/* SPDX-License-Identifier: MIT */
/*
 * nc2/net.h - a network link: the core link plus the net device class.
 *
 * Adds the net control messages (SET_OFFLOAD, SET_MAX_FRAGMENTS,
 * SET_MAX_INLINE) in both directions, sender-side credit so that nothing
 * the peer would refuse is ever sent, and the role that decides who may
 * send bypass messages (only the backend, the trusted end).
 */
#ifndef NC2_NET_H
#define NC2_NET_H

#include <nc2/link.h>
#include <nc2/packet.h>

enum nc2_net_role {
	NC2_ROLE_FRONTEND = 1, /* a guest's end of a parent ring */
	NC2_ROLE_BACKEND = 2,  /* dom0's end: trusted, may steer bypasses */
	NC2_ROLE_PEER = 3,     /* either end of a bypass ring: no one trusted */
};

struct nc2_net_stats {
	uint64_t tx_packets, tx_small, tx_bytes;
	uint64_t rx_packets, rx_small, rx_bytes;
};

/* Fields are private to the library. */
struct nc2_net {
	struct nc2_link link;
	struct nc2_net_limits local; /* what we accept, declared at start */
	struct nc2_net_limits peer;  /* what the peer accepts */
	uint8_t role;
	struct nc2_net_stats stats;
};

/* Attach a network link to its rings; local are the limits we accept. */
int nc2_net_init(struct nc2_net *n, enum nc2_net_role role,
		 const struct nc2_link_config *cfg,
		 const struct nc2_net_limits *local,
		 struct nc2_wire_ctrl *tx_ctrl, void *tx_ring,
		 uint32_t tx_bytes, struct nc2_wire_ctrl *rx_ctrl,
		 const void *rx_ring, uint32_t rx_bytes);

/* Queue HELLO, SET_MAX_OUTSTANDING and our SET_* limits; push after. */
int nc2_net_start(struct nc2_net *n);

/*
 * Next message for the caller: PACKET, FINISH or a bypass message allowed
 * for our role. Control messages are applied inside. As nc2_link_poll().
 */
int nc2_net_poll(struct nc2_net *n, struct nc2_msg *m);

/* Decode the PACKET m under our limits and record its id. */
int nc2_net_recv_packet(struct nc2_net *n, const struct nc2_msg *m,
			struct nc2_pkt *pkt);

/* What nc2_net_send_packet() did with a packet it queued. */
enum {
	NC2_NET_SENT_ID = 0,	 /* took an id: token comes back at FINISH */
	NC2_NET_SENT_INLINE = 1, /* small: no id, no completion will come */
};

/*
 * Queue pkt. A non-small packet takes an id, written to pkt->id, and
 * token rides with it to its completion (nc2_link_finish_next): returns
 * NC2_NET_SENT_ID. A small packet is wholly in the ring, takes no id and
 * is never completed, so token is not kept: NC2_NET_SENT_INLINE, and the
 * caller's buffers are free at once. -NC2_E_LIMIT if the peer's limits
 * forbid it, -NC2_E_AGAIN if no room or no credit; nothing is kept then.
 *
 * The token is an argument, not a field of struct nc2_pkt: it is the
 * sender's bookkeeping, never on the wire, and means nothing in a packet
 * that was received.
 */
int nc2_net_send_packet(struct nc2_net *n, struct nc2_pkt *pkt, void *token);

/* 1 if a packet of len bytes may travel wholly inline to the peer. */
static inline int nc2_net_fits_inline(const struct nc2_net *n, uint32_t len)
{
	return len > 0 && len <= n->peer.max_inline;
}

/* What the peer declared it accepts (they only ever grow). */
static inline const struct nc2_net_limits *
nc2_net_peer_limits(const struct nc2_net *n)
{
	return &n->peer;
}

/* Packet counters of this link. */
static inline const struct nc2_net_stats *
nc2_net_get_stats(const struct nc2_net *n)
{
	return &n->stats;
}

/* The link beneath, for push/release/rearm/finish and error state. */
static inline struct nc2_link *nc2_net_link(struct nc2_net *n)
{
	return &n->link;
}

#endif /* NC2_NET_H */
