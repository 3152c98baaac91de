/* SPDX-License-Identifier: MIT */
/*
 * Packet buffers: 17 guest pages, enough for a 64 KiB frame starting at a
 * page boundary. Pages need not be contiguous: TAP I/O uses iovecs and
 * grants name pages one by one.
 */
#ifndef NC2U_PBUF_H
#define NC2U_PBUF_H

#include <stdint.h>
#include <sys/uio.h>

#include <nc2/packet.h>
#include "hv.h"

#define PBUF_PAGES 17u
#define PBUF_BYTES (PBUF_PAGES * NC2_PAGE_SIZE)

struct pbuf {
	uint8_t *page[PBUF_PAGES];
	uint64_t frame[PBUF_PAGES];
};

int pbuf_alloc(struct nc2_hv *hv, struct pbuf *b);
void pbuf_free(struct nc2_hv *hv, struct pbuf *b);

/* iovecs over bytes [0, len); returns how many. */
int pbuf_iov(struct pbuf *b, uint32_t len, struct iovec *iov);

/* Copy len bytes from src into the buffer at off. */
void pbuf_put(struct pbuf *b, uint32_t off, const void *src, uint32_t len);

/*
 * Grant domid copy access to exactly bytes [from, len) as sub-page grants
 * (XSA-403: nothing around the packet is exposed) and describe them as
 * pkt's fragments. Returns 0 or -errno; on error nothing stays granted.
 */
int pbuf_grant(struct nc2_hv *hv, struct pbuf *b, uint16_t domid,
	       uint32_t from, uint32_t len, struct nc2_pkt *pkt);

/* End the grants of pkt's fragments; returns how many are still busy. */
int pbuf_ungrant(struct nc2_hv *hv, struct nc2_pkt *pkt);

/*
 * Append to ops the grant copies that bring pkt's fragments (granted by
 * src_domid) into the buffer after the prefix. Returns the op count, at
 * most 2 * nr_frags (a fragment may straddle two of our pages).
 */
int pbuf_copy_ops(struct pbuf *b, const struct nc2_pkt *pkt,
		  uint16_t src_domid, struct nc2_hv_copy_op *ops);

#endif
