/* SPDX-License-Identifier: MIT */
/*
 * A second device class on the nc2 ring: block-style request/response.
 *
 * It exists to prove that the ring, id and link layers carry any protocol:
 * nothing below knows about sectors. Requests carry an id from the link's
 * pool; a RESPONSE names that id back (instead of a FINISH) with a status
 * and, for reads, the data inline. 512-byte sectors, at most one per
 * request, keep the example small.
 */
#ifndef NC2_EXAMPLE_BLK_H
#define NC2_EXAMPLE_BLK_H

#include <nc2/link.h>

#define BLK_MSG_REQUEST	 0x80
#define BLK_MSG_RESPONSE 0x81
#define BLK_SECTOR	 512u

enum blk_op { BLK_OP_READ = 1, BLK_OP_WRITE = 2 };

struct blk_wire_request {
	struct nc2_msg_hdr hdr;
	uint32_t id;
	uint8_t op;
	uint8_t reserved0;
	uint16_t reserved1;
	uint32_t sector_lo;
	uint32_t sector_hi;
	/* then BLK_SECTOR bytes for a write */
};

struct blk_wire_response {
	struct nc2_msg_hdr hdr;
	uint32_t id;
	int32_t status; /* 0 or a negative errno-style code */
	uint32_t reserved;
	/* then BLK_SECTOR bytes for a successful read */
};

_Static_assert(sizeof(struct blk_wire_request) == 20, "request size");
_Static_assert(sizeof(struct blk_wire_response) == 16, "response size");

/* A ramdisk server: the backend end. */
struct blk_server {
	struct nc2_link *link;
	uint8_t *disk;
	uint64_t sectors;
	uint64_t served;
};

/* Queue a request; *id receives its completion id. data: 512 bytes (write). */
int blk_submit(struct nc2_link *l, enum blk_op op, uint64_t sector,
	       const void *data, uint32_t *id);

/* Serve every waiting request: the number served, or a negative error. */
int blk_serve(struct blk_server *s);

/*
 * Take one response: 1 with *id, *status and (reads) data filled, 0 if
 * none, or a negative error.
 */
int blk_reap(struct nc2_link *l, uint32_t *id, int32_t *status, void *data);

#endif /* NC2_EXAMPLE_BLK_H */
