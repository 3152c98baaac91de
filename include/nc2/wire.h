/* SPDX-License-Identifier: MIT */
/*
 * nc2/wire.h - the device-class-neutral nc2 wire format.
 *
 * Everything here lives in memory shared between two domains. All fields
 * are little-endian and fixed-width; every size and offset is checked at
 * compile time so that any compiler produces the same layout. docs/protocol.md
 * is the normative description; this header is its machine-readable twin.
 *
 * A connection is two independent one-way byte rings. Each ring has a
 * 256-byte control block (below) and a power-of-two data area of 1 to
 * NC2_RING_MAX_PAGES pages holding 8-byte-aligned messages.
 */
#ifndef NC2_WIRE_H
#define NC2_WIRE_H

#include <nc2/platform.h>

#define NC2_PAGE_SIZE	     4096u
#define NC2_RING_MAX_PAGES   256u
#define NC2_RING_MAX_BYTES   (NC2_RING_MAX_PAGES * NC2_PAGE_SIZE)
#define NC2_MSG_ALIGN	     8u
#define NC2_MSG_MAX_SIZE     65528u /* largest multiple of 8 in a u16 */
#define NC2_PROTOCOL_VERSION 1u

/*
 * One direction's control block. The producer writes prod and cons_event;
 * the consumer writes cons and prod_event. Each sits on its own cache line
 * so that the two sides never write the same line. The indices are
 * free-running byte offsets (mod 2^32), always multiples of 8.
 */
struct nc2_wire_ctrl {
	uint32_t prod; /* bytes ever published by the producer */
	uint8_t pad0[60];
	uint32_t cons; /* bytes ever released by the consumer */
	uint8_t pad1[60];
	uint32_t prod_event; /* consumer: notify me when prod passes this */
	uint8_t pad2[60];
	uint32_t cons_event; /* producer: notify me when cons passes this */
	uint8_t pad3[60];
};

_Static_assert(sizeof(struct nc2_wire_ctrl) == 256, "ctrl size");
_Static_assert(__builtin_offsetof(struct nc2_wire_ctrl, prod) == 0, "prod");
_Static_assert(__builtin_offsetof(struct nc2_wire_ctrl, cons) == 64, "cons");
_Static_assert(__builtin_offsetof(struct nc2_wire_ctrl, prod_event) == 128,
	       "prod_event");
_Static_assert(__builtin_offsetof(struct nc2_wire_ctrl, cons_event) == 192,
	       "cons_event");

/*
 * The shared control page of a connection: the ring the frontend produces
 * into (front-to-back) at offset 0, the ring it consumes (back-to-front) at
 * offset 256. The rest of the page is reserved and must be zero.
 */
#define NC2_CTRL_OFF_F2B 0u
#define NC2_CTRL_OFF_B2F 256u

/* Every message starts with this header; size counts header and padding. */
struct nc2_msg_hdr {
	uint8_t type;
	uint8_t flags; /* type-specific; zero unless the type defines bits */
	uint16_t size; /* bytes, multiple of 8, at least 8 */
};

_Static_assert(sizeof(struct nc2_msg_hdr) == 4, "hdr size");
_Static_assert(__builtin_offsetof(struct nc2_msg_hdr, size) == 2, "hdr.size");

/*
 * Message type space. 0 is never valid, so a zeroed ring reads as an
 * error rather than as an endless stream of empty messages.
 */
enum nc2_msg_type {
	NC2_MSG_INVALID = 0x00,
	/* 0x01-0x3f: core messages, meaningful for every device class */
	NC2_MSG_HELLO = 0x01,
	NC2_MSG_SET_MAX_OUTSTANDING = 0x02, /* netchannel2's SET_MAX_PACKETS */
	NC2_MSG_FINISH = 0x03,
	NC2_MSG_CLOSE = 0x04,
	NC2_MSG_CORE_LAST = 0x3f,
	/* 0x40-0x7f: the network device class (nc2/wire_net.h) */
	NC2_MSG_NET_FIRST = 0x40,
	NC2_MSG_NET_LAST = 0x7f,
	/* 0x80-0xef: other device classes, by HELLO.device_class */
	NC2_MSG_CLASS_FIRST = 0x80,
	NC2_MSG_CLASS_LAST = 0xef,
	/* 0xf0-0xfe: reserved */
	NC2_MSG_PAD = 0xff,
};

/* Device classes announced in HELLO; they own the 0x40-0xef type space. */
enum nc2_device_class {
	NC2_CLASS_NET = 1,
	NC2_CLASS_BLOCK_EXAMPLE = 2,
	NC2_CLASS_PRIVATE_FIRST = 0x8000, /* experiments, never upstream */
};

/*
 * HELLO: first message in each direction. version is the highest protocol
 * version the sender speaks; features are core feature bits it offers. The
 * connection runs at min(versions) with the AND of both feature sets.
 */
struct nc2_msg_hello {
	struct nc2_msg_hdr hdr;
	uint16_t version;
	uint16_t device_class;
	uint32_t features;
	uint32_t reserved;
};

_Static_assert(sizeof(struct nc2_msg_hello) == 16, "hello size");
_Static_assert(__builtin_offsetof(struct nc2_msg_hello, version) == 4, "ver");
_Static_assert(__builtin_offsetof(struct nc2_msg_hello, device_class) == 6,
	       "class");
_Static_assert(__builtin_offsetof(struct nc2_msg_hello, features) == 8,
	       "features");

/* Core feature bits (HELLO.features). */
#define NC2_FEAT_FINISH_BATCH (1u << 0) /* FINISH may carry >1 id */
#define NC2_FEAT_ALL	      NC2_FEAT_FINISH_BATCH

/*
 * SET_MAX_OUTSTANDING: the sender of this message can track ids
 * [0, max) in flight towards it. No id-carrying message may be sent to it
 * before it arrives; later ones may only raise the limit.
 */
struct nc2_msg_set_max {
	struct nc2_msg_hdr hdr;
	uint32_t value;
};

_Static_assert(sizeof(struct nc2_msg_set_max) == 8, "set_max size");
_Static_assert(__builtin_offsetof(struct nc2_msg_set_max, value) == 4, "val");

#define NC2_MAX_OUTSTANDING_LIMIT 65536u

/*
 * FINISH: completes count ids, in any order. size is exactly
 * 8 + 4 * count rounded up to a multiple of 8.
 */
struct nc2_msg_finish {
	struct nc2_msg_hdr hdr;
	uint16_t count;
	uint16_t reserved;
	uint32_t id[]; /* count entries */
};

_Static_assert(sizeof(struct nc2_msg_finish) == 8, "finish size");
_Static_assert(__builtin_offsetof(struct nc2_msg_finish, id) == 8, "ids");

#define NC2_FINISH_MAX_IDS ((NC2_MSG_MAX_SIZE - 8u) / 4u)

/* CLOSE: the sender will produce no further messages on this ring. */
struct nc2_msg_close {
	struct nc2_msg_hdr hdr;
	uint32_t reason; /* 0 for orderly, else nc2_err_to_wire() of a code */
};

_Static_assert(sizeof(struct nc2_msg_close) == 8, "close size");

#endif /* NC2_WIRE_H */
