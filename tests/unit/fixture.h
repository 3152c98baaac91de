/* SPDX-License-Identifier: MIT */
/* Test fixtures: rings in ordinary memory, standing in for shared pages. */
#ifndef NC2_TEST_FIXTURE_H
#define NC2_TEST_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <nc2/nc2.h>

/* One direction: control block and data area, page aligned. */
struct tring {
	struct nc2_wire_ctrl *ctrl;
	uint8_t *data;
	uint32_t bytes;
};

void tring_alloc(struct tring *t, uint32_t pages);
void tring_free(struct tring *t);

/* A pair of connected links over two trings, a and b. */
struct tpair {
	struct tring a2b, b2a;
	uint32_t pool_a[NC2_IDPOOL_WORDS(256)], set_a[NC2_IDSET_WORDS(256)];
	uint32_t pool_b[NC2_IDPOOL_WORDS(256)], set_b[NC2_IDSET_WORDS(256)];
	void *tok_a[256], *tok_b[256]; /* each side's completion tokens */
};

void tpair_alloc(struct tpair *p, uint32_t pages);
void tpair_free(struct tpair *p);
void tpair_config(struct tpair *p, struct nc2_link_config *ca,
		  struct nc2_link_config *cb, uint16_t device_class);

/*
 * Init a over p's a2b/b2a rings with ca and b the other way with cb,
 * exchange HELLOs, and assert both are UP with nothing else to read.
 */
void tpair_links_up(struct tpair *p, struct nc2_link *a,
		    const struct nc2_link_config *ca, struct nc2_link *b,
		    const struct nc2_link_config *cb);

/* Write a raw message (header and body) where the producer stands. */
void traw(struct nc2_prod *p, uint8_t type, uint8_t flags, uint16_t size,
	  const void *body, uint32_t body_len);

/* Deterministic generator for sizes and payload bytes. */
static inline uint64_t tprng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#endif
