/* SPDX-License-Identifier: MIT */
/*
 * payload.h - the message contents every transport carries.
 *
 * All three transports call exactly these inline functions, so each one
 * pays the same to write every payload byte and to read every byte back.
 * The payload is its sequence number followed by a word derived from it,
 * repeated; the consumer sums it as 64-bit words, so a lost, repeated,
 * reordered or torn message fails the check.
 */
#ifndef NC2_BENCH_PAYLOAD_H
#define NC2_BENCH_PAYLOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bench.h"

#define PAYLOAD_MAX	 1500u
#define PAYLOAD_RTT_REQ	 64u /* request of a round trip */
#define PAYLOAD_RTT_CMP	 8u  /* its completion: the request's seq, mangled */
#define PAYLOAD_CMP_MAGIC 0x5a5a0f0fc3c3a5a5ull

/* 7:4:1 of 64, 576 and 1500 bytes, spread out rather than in runs. */
static const uint16_t payload_mix[12] = {
	64, 576, 64, 64, 576, 64, 1500, 64, 576, 64, 64, 576,
};

/*
 * The one length every message of wl has, or 0 if it varies (mixed):
 * bench_cfg's fixed_len. The transports' batch loops read that once per
 * call and then call payload_len_at(), so that a fixed length is a
 * constant in the loop rather than a switch per message, however each
 * compiler unit happens to optimise the switch: harness cost the ring
 * under test has no part in, kept equal and small for all of them.
 */
static inline uint32_t payload_fixed_len(enum bench_wl wl)
{
	switch (wl) {
	case WL_64:
		return 64;
	case WL_256:
		return 256;
	case WL_1500:
		return 1500;
	case WL_MIXED:
		return 0;
	default:
		return PAYLOAD_RTT_REQ;
	}
}

/* Message seq's payload length, given fixed = payload_fixed_len(wl). */
static inline uint32_t payload_len_at(uint32_t fixed, uint64_t seq)
{
	return fixed ? fixed : payload_mix[seq % 12];
}

/* Message seq's payload length in workload wl. */
static inline uint32_t payload_len(enum bench_wl wl, uint64_t seq)
{
	return payload_len_at(payload_fixed_len(wl), seq);
}

/* Largest payload of a workload: what a fixed-size slot or buffer holds. */
static inline uint32_t payload_max(enum bench_wl wl)
{
	return wl == WL_MIXED ? 1500 : payload_len(wl, 0);
}

static inline uint64_t payload_word(uint64_t seq)
{
	return (seq + 1) * 0x9e3779b97f4a7c15ull;
}

static inline void payload_fill(void *dst, uint32_t len, uint64_t seq)
{
	uint8_t *d = dst;
	uint64_t w = payload_word(seq);
	uint32_t i;

	memcpy(d, &seq, 8);
	for (i = 8; i + 8 <= len; i += 8)
		memcpy(d + i, &w, 8);
	/* Bytewise: a variable-length memcpy would be a libc call. */
	for (; i < len; i++)
		d[i] = (uint8_t)(w >> (8 * (i & 7)));
}

/* True if src holds exactly what payload_fill(src, len, seq) wrote. */
static inline bool payload_check(const void *src, uint32_t len, uint64_t seq)
{
	const uint8_t *s = src;
	uint64_t w = payload_word(seq), sum = 0, v, tail = 0, want;
	uint32_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&v, s + i, 8);
		sum += v;
	}
	for (; i < len; i++)
		tail |= (uint64_t)s[i] << (8 * (i & 7));
	sum += tail;
	if (len & 7)
		tail = w & ((1ull << (8 * (len & 7))) - 1);
	else
		tail = 0;
	want = seq + (uint64_t)(len / 8 - 1) * w + tail;
	return sum == want;
}

#endif /* NC2_BENCH_PAYLOAD_H */
