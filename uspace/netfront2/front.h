/* SPDX-License-Identifier: MIT */
/*
 * nc2-front: a netfront2 in userspace. One process is one domU: it owns a
 * TAP device (its "NIC" as the guest kernel sees it) and translates
 * between TAP frames and nc2 PACKETs on its parent channel to the backend,
 * or on a bypass channel straight to a peer domU.
 */
#ifndef NC2U_FRONT_H
#define NC2U_FRONT_H

#include <linux/virtio_net.h>

#include "chan.h"
#include "pbuf.h"

#define FRONT_SLOTS 128u      /* TX packets in flight */
#define FRONT_RXB 32u	      /* RX packets copied per batch */
#define FRONT_MAX_BYPASS NC2_BYPASS_MAX_PER_END
#define FRONT_HELD_MAX (FRONT_SLOTS / 2) /* TX packets held for peers */

enum evil {
	EVIL_NONE,
	EVIL_STALL,	    /* stop consuming: XSA-392 */
	EVIL_REVOKE,	    /* end TX grants while the backend uses them: 396/405 */
	EVIL_SPLIT_HEADER,  /* headers not inline: 423 */
	EVIL_SHORT,	    /* max fragments, fewer bytes than the headers: 432 */
	EVIL_ZERO_FRAG,	    /* zero-length fragments: 448 */
	EVIL_EVENT_STORM,   /* notify with no work: 332/391 */
	EVIL_SPOOF,	    /* any source MAC on a bypass, trusted or not */
};

struct txslot {
	struct pbuf buf;
	struct nc2_pkt pkt;   /* frags hold our grefs while in flight */
	struct virtio_net_hdr vh;
	struct chan *ch;
	uint32_t len;
	bool granted;
	bool inflight;	      /* sent under an id of ch: its token */
	int next;	      /* free list */
};

/*
 * A bypass end's resources: the private channel to one peer domU. byp[i]
 * sits beside bpend[i], the library's state of that end (nc2/bpend.h:
 * handle, peer, flags, where frames for the peer go); see front_bypass.c.
 */
struct bypass {
	bool built;	      /* ch granted or mapped, not yet freed */
	bool polled;	      /* ch's event fd is in the epoll set */
	bool up_logged;
	struct chan ch;
};

struct front {
	struct nc2_hv *hv;
	int tapfd;
	int epfd;
	char dir[96];	      /* our device dir in the store */
	char bdir[96];	      /* the backend's */
	uint8_t mac[6];
	uint16_t ring_pages;
	enum evil evil;
	bool connected;
	bool tap_blocked;
	struct chan parent;
	struct txslot slot[FRONT_SLOTS];
	int free_slot;
	int pending;	      /* slot read but not yet sent, or -1 */
	int zombies;	      /* slots whose grants are still busy */
	struct pbuf rxbuf[FRONT_RXB];
	struct nc2_bpend bpend[FRONT_MAX_BYPASS];
	struct nc2_bpend_table bpt;
	struct bypass byp[FRONT_MAX_BYPASS];
	int held[FRONT_HELD_MAX]; /* slots held while a bypass drains, FIFO */
	unsigned int nheld;
	struct {
		uint64_t tx_pkts, tx_bytes, tx_drops;
		uint64_t rx_pkts, rx_bytes, rx_drops, copy_errors;
		uint64_t rx_spoofed; /* bypass frames from a foreign MAC */
		uint64_t revoked, revoke_busy;
	} st;
};

int front_connect(struct front *f);
void front_connected(struct front *f);
void front_disconnect(struct front *f);

/* Read frames from the TAP and send them while there is room. */
void front_tx(struct front *f);
/* t's packet completed (its id's token came back): release the slot. */
void front_tx_done(struct front *f, struct txslot *t);
/* Retry ending grants that were busy. */
void front_tx_reap(struct front *f);

/* Consume ch: FINISHes, PACKETs (copied into our buffers), bypass msgs. */
int front_rx(struct front *f, struct chan *ch);

/* Hostile modes, for the XSA regression tests. */
bool front_evil_tick(struct front *f);

/* An empty bypass table. */
void front_bypass_init(struct front *f);
/* Bypass messages from the backend on the parent ring. */
int front_bypass_msg(struct front *f, const struct nc2_msg *m);
/*
 * The channel for frame (its Ethernet header, in our own memory): a
 * bypass to its destination MAC, or the parent; NULL: hold it, a bypass
 * to its destination is draining (or failed, until the backend disables
 * it). A frame whose source is not our MAC stays off a bypass that does
 * not trust us with others.
 */
struct chan *front_route(struct front *f, const uint8_t *frame);
/*
 * Whether what holds frame (route NULL) ends by itself: its bypass is
 * draining, not failed and waiting for the backend's DISABLE.
 */
bool front_bypass_hold_drains(struct front *f, const uint8_t *frame);
/*
 * May a frame (len bytes, copied into our own memory) that arrived on ch
 * be delivered? On a bypass whose peer is not trusted with other MACs
 * only frames from the peer's own MAC may (docs/protocol.md 10.2).
 */
bool front_bypass_src_ok(struct front *f, const struct chan *ch,
			 const uint8_t *frame, uint32_t len);
/* Poll every bypass channel; drain, free and answer as the library says. */
void front_bypass_poll(struct front *f);
/*
 * Whether a bypass waits on something that sends no event when it
 * happens (a drain, the switch onto a bypass): poll again soon.
 */
bool front_bypass_busy(struct front *f);
/* Push and re-arm every bypass: 1 if one has more to read. */
int front_bypass_kick(struct front *f);
/* An event arrived on bypass i. */
void front_bypass_event(struct front *f, unsigned int i);

#endif
