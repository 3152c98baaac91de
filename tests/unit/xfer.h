/* SPDX-License-Identifier: MIT */
/*
 * Two threads moving messages through one nc2 ring with real event
 * semantics: each side sleeps when the ring says it may, and is woken only
 * by the other side's notify. A lost wakeup therefore shows up as a hang
 * (caught by a timeout), a corrupted message as a content mismatch.
 */
#ifndef NC2_TEST_XFER_H
#define NC2_TEST_XFER_H

#include <stdint.h>

struct xfer_opts {
	uint64_t msgs;	   /* messages to move */
	uint32_t pages;	   /* ring size */
	uint32_t min_len;  /* message size range, header included */
	uint32_t max_len;
	uint32_t max_batch; /* messages per push, random in 1..max_batch */
	int check;	   /* verify every byte */
	uint64_t seed;
};

struct xfer_result {
	uint64_t msgs, bytes, pads;
	uint64_t prod_notifies, cons_notifies;
	uint64_t prod_sleeps, cons_sleeps;
	uint64_t bad;	   /* content mismatches */
	int error;	   /* library error seen, or -1 for a timeout */
	double seconds;
};

/* Run one transfer; 0 if every message arrived intact. */
int xfer_run(const struct xfer_opts *o, struct xfer_result *r);

#endif
