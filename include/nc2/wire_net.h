/* SPDX-License-Identifier: MIT */
/*
 * nc2/wire_net.h - wire format of the network device class (0x40-0x7f).
 *
 * Packets carry their first bytes (at least the Ethernet header) inline in
 * the ring; the rest is described by fragments, each a grant reference plus
 * a byte range inside that granted page, which the receiver copies from.
 * Small packets travel wholly inline and need no completion.
 */
#ifndef NC2_WIRE_NET_H
#define NC2_WIRE_NET_H

#include <nc2/wire.h>

enum nc2_net_msg_type {
	NC2_MSG_PACKET = 0x40,
	NC2_MSG_SET_OFFLOAD = 0x41,
	NC2_MSG_SET_MAX_FRAGMENTS = 0x42,
	NC2_MSG_SET_MAX_INLINE = 0x43,
	/* dom0 bypass (nc2/bypass.h): docs/protocol.md says who sends what */
	NC2_MSG_BYPASS_FRONTEND = 0x50,
	NC2_MSG_BYPASS_BACKEND = 0x51,
	NC2_MSG_BYPASS_FRONTEND_READY = 0x52,
	NC2_MSG_BYPASS_READY = 0x53,
	NC2_MSG_BYPASS_DISABLE = 0x54,
	NC2_MSG_BYPASS_DISABLED = 0x55,
	NC2_MSG_BYPASS_DETACH = 0x56,
	NC2_MSG_BYPASS_DETACHED = 0x57,
	NC2_MSG_SUGGEST_BYPASS = 0x58,
	NC2_MSG_BYPASS_ADDRS = 0x59,
};

#define NC2_MAX_PACKET_BYTES	  65536u
#define NC2_MIN_PREFIX		  14u /* the Ethernet header is always inline */
#define NC2_DEFAULT_MAX_INLINE	  256u /* until SET_MAX_INLINE says otherwise */
#define NC2_MAX_INLINE_LIMIT	  1024u /* keeps a packet under half a page */
#define NC2_DEFAULT_MAX_FRAGMENTS 1u
#define NC2_MAX_FRAGMENTS_LIMIT	  64u

/* How the receiver reaches the fragments. */
enum nc2_pkt_type {
	NC2_PKT_SMALL = 0,	   /* no fragments, no id, no FINISH */
	NC2_PKT_RECEIVER_COPY = 1, /* grants for GNTTABOP_copy only */
	NC2_PKT_RECEIVER_MAP = 2,  /* full-page grants the receiver may map */
};

/* PACKET.flags */
#define NC2_PKT_F_CSUM_BLANK	   (1u << 0) /* csum_start/offset valid */
#define NC2_PKT_F_DATA_VALIDATED   (1u << 1) /* checksum already verified */
#define NC2_PKT_F_BYPASS_CANDIDATE (1u << 2) /* backend may offer a bypass */
#define NC2_PKT_F_NEED_EVENT	   (1u << 3) /* FINISH promptly, with event */
#define NC2_PKT_F_ALL		   0x0fu

/* PACKET.gso_type, the equivalents of VIRTIO_NET_HDR_GSO_*. */
enum nc2_gso_type {
	NC2_GSO_NONE = 0,
	NC2_GSO_TCPV4 = 1,
	NC2_GSO_TCPV6 = 2,
	NC2_GSO_UDP_L4 = 3,
};

struct nc2_wire_frag {
	uint32_t gref;
	uint16_t off; /* into the granted page; off + len <= 4096 */
	uint16_t len; /* never 0 */
};

_Static_assert(sizeof(struct nc2_wire_frag) == 8, "frag size");
_Static_assert(__builtin_offsetof(struct nc2_wire_frag, off) == 4, "frag.off");
_Static_assert(__builtin_offsetof(struct nc2_wire_frag, len) == 6, "frag.len");

/*
 * PACKET: fixed part, then nr_frags fragments, then prefix_size inline
 * bytes padded to 8. The packet is the prefix followed by the fragments'
 * bytes in order; total_len is its length.
 */
struct nc2_msg_packet {
	struct nc2_msg_hdr hdr;
	uint32_t id; /* completion id; 0 for NC2_PKT_SMALL */
	uint8_t type;
	uint8_t flags;
	uint8_t gso_type;
	uint8_t nr_frags;
	uint16_t prefix_size;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t hdr_len; /* L2-L4 header bytes for GSO, else 0 */
	uint16_t reserved0;
	uint32_t total_len;
	uint32_t reserved1;
	struct nc2_wire_frag frag[]; /* then the prefix */
};

_Static_assert(sizeof(struct nc2_msg_packet) == 32, "packet size");
_Static_assert(__builtin_offsetof(struct nc2_msg_packet, id) == 4, "id");
_Static_assert(__builtin_offsetof(struct nc2_msg_packet, type) == 8, "type");
_Static_assert(__builtin_offsetof(struct nc2_msg_packet, nr_frags) == 11, "nr");
_Static_assert(__builtin_offsetof(struct nc2_msg_packet, prefix_size) == 12,
	       "prefix_size");
_Static_assert(__builtin_offsetof(struct nc2_msg_packet, gso_size) == 14,
	       "gso");
_Static_assert(__builtin_offsetof(struct nc2_msg_packet, csum_start) == 16,
	       "csum_start");
_Static_assert(__builtin_offsetof(struct nc2_msg_packet, csum_offset) == 18,
	       "csum_offset");
_Static_assert(__builtin_offsetof(struct nc2_msg_packet, hdr_len) == 20, "hl");
_Static_assert(__builtin_offsetof(struct nc2_msg_packet, total_len) == 24,
	       "total_len");
_Static_assert(__builtin_offsetof(struct nc2_msg_packet, frag) == 32, "frag");

/* SET_OFFLOAD.value: what the sender of the message accepts. */
#define NC2_OFFLOAD_CSUM (1u << 0) /* NC2_PKT_F_CSUM_BLANK packets */
#define NC2_OFFLOAD_TSO4 (1u << 1)
#define NC2_OFFLOAD_TSO6 (1u << 2)
#define NC2_OFFLOAD_USO	 (1u << 3)
#define NC2_OFFLOAD_ALL	 0x0fu

/* SET_OFFLOAD, SET_MAX_FRAGMENTS, SET_MAX_INLINE: struct nc2_msg_set_max. */

/* BYPASS_*.flags */
#define NC2_BYPASS_F_LOCAL_TRUSTED  (1u << 0) /* we may send any source MAC */
#define NC2_BYPASS_F_REMOTE_TRUSTED (1u << 1) /* peer may send any src MAC */
#define NC2_BYPASS_F_ADDRS	    (1u << 2) /* by IP: BYPASS_ADDRS follows */
#define NC2_BYPASS_F_ALL	    0x07u

/* Addresses per family in BYPASS_ADDRS. */
#define NC2_BYPASS_MAX_ADDRS 4u

#define NC2_BYPASS_MAX_PAGES 16u /* per ring of a bypass */

/*
 * Live bypass handles a frontend with feature-bypass keeps room for; a
 * backend never has more open towards one frontend (10.3).
 */
#define NC2_BYPASS_MAX_PER_END 8u

/* Who the other end of a bypass is, as the backend tells each frontend. */
struct nc2_wire_bypass_peer {
	uint16_t domid;
	uint8_t mac[6];
	uint8_t flags; /* NC2_BYPASS_F_* */
	uint8_t reserved;
};

_Static_assert(sizeof(struct nc2_wire_bypass_peer) == 10, "peer size");
_Static_assert(__builtin_offsetof(struct nc2_wire_bypass_peer, mac) == 2,
	       "peer.mac");
_Static_assert(__builtin_offsetof(struct nc2_wire_bypass_peer, flags) == 8,
	       "peer.flags");

/* BYPASS_FRONTEND (backend to frontend A): build a bypass ring to peer. */
struct nc2_msg_bypass_frontend {
	struct nc2_msg_hdr hdr;
	uint32_t handle;
	struct nc2_wire_bypass_peer peer;
	uint16_t ring_pages;
	uint32_t reserved1;
};

_Static_assert(sizeof(struct nc2_msg_bypass_frontend) == 24, "bpf size");
_Static_assert(__builtin_offsetof(struct nc2_msg_bypass_frontend, peer) == 8,
	       "bpf.peer");
_Static_assert(__builtin_offsetof(struct nc2_msg_bypass_frontend, ring_pages) ==
		   18,
	       "bpf.pages");

/*
 * Grants of a bypass ring pair. The message carrying it continues with
 * 2 * ring_pages grefs: the A-to-B ring's pages, then the B-to-A ring's.
 */
struct nc2_wire_bypass_rings {
	uint32_t evtchn;
	uint16_t ring_pages;
	uint16_t reserved;
	uint32_t ctrl_gref;
};

_Static_assert(sizeof(struct nc2_wire_bypass_rings) == 12, "rings size");

/* BYPASS_FRONTEND_READY (frontend A to backend): the rings A granted to B. */
struct nc2_msg_bypass_frontend_ready {
	struct nc2_msg_hdr hdr;
	uint32_t handle;
	struct nc2_wire_bypass_rings rings;
	/* then uint32_t gref[2 * rings.ring_pages] */
};

_Static_assert(sizeof(struct nc2_msg_bypass_frontend_ready) == 20, "bpfr");
_Static_assert(__builtin_offsetof(struct nc2_msg_bypass_frontend_ready,
				  rings) == 8,
	       "bpfr.rings");

/* BYPASS_BACKEND (backend to frontend B): map A's rings and connect. */
struct nc2_msg_bypass_backend {
	struct nc2_msg_hdr hdr;
	uint32_t handle;
	struct nc2_wire_bypass_peer peer;
	uint16_t reserved1;
	struct nc2_wire_bypass_rings rings;
	/* then uint32_t gref[2 * rings.ring_pages] */
};

_Static_assert(sizeof(struct nc2_msg_bypass_backend) == 32, "bpb size");
_Static_assert(__builtin_offsetof(struct nc2_msg_bypass_backend, peer) == 8,
	       "bpb.peer");
_Static_assert(__builtin_offsetof(struct nc2_msg_bypass_backend, rings) == 20,
	       "bpb.rings");

/* READY, DISABLE, DISABLED, DETACH and DETACHED name only the bypass. */
struct nc2_msg_bypass_handle {
	struct nc2_msg_hdr hdr;
	uint32_t handle;
};

_Static_assert(sizeof(struct nc2_msg_bypass_handle) == 8, "bph size");

/*
 * BYPASS_ADDRS (backend to A or B, after BYPASS_FRONTEND or BYPASS_BACKEND
 * with NC2_BYPASS_F_ADDRS): the peer's IP addresses. The frontend steers
 * frames for them onto the bypass and accepts from it only frames from
 * them (docs/protocol.md 10.5). Body: nr_ipv4 IPv4 addresses (4 bytes
 * each), then nr_ipv6 IPv6 addresses (16 bytes each), network order;
 * the message is padded to a multiple of 8 bytes.
 */
struct nc2_msg_bypass_addrs {
	struct nc2_msg_hdr hdr;
	uint32_t handle;
	uint8_t nr_ipv4;
	uint8_t nr_ipv6;
	uint16_t reserved;
	/* then uint8_t ipv4[nr_ipv4][4], uint8_t ipv6[nr_ipv6][16] */
};

_Static_assert(sizeof(struct nc2_msg_bypass_addrs) == 12, "bpa size");
_Static_assert(__builtin_offsetof(struct nc2_msg_bypass_addrs, nr_ipv4) == 8,
	       "bpa.nr_ipv4");
_Static_assert(__builtin_offsetof(struct nc2_msg_bypass_addrs, nr_ipv6) == 9,
	       "bpa.nr_ipv6");

/* SUGGEST_BYPASS (frontend to backend): I talk a lot to this MAC. */
struct nc2_msg_suggest_bypass {
	struct nc2_msg_hdr hdr;
	uint8_t mac[6];
	uint16_t reserved0;
	uint32_t reserved1;
};

_Static_assert(sizeof(struct nc2_msg_suggest_bypass) == 16, "sugg size");
_Static_assert(__builtin_offsetof(struct nc2_msg_suggest_bypass, mac) == 4,
	       "sugg.mac");

#endif /* NC2_WIRE_NET_H */
