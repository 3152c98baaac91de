/* SPDX-License-Identifier: MIT */
/*
 * Shared pieces of the libFuzzer harnesses: a reader that turns the input
 * into a script, and the check that aborts on a broken invariant. Built
 * three ways: libFuzzer (clang -fsanitize=fuzzer), AFL++ and a plain main()
 * replay driver (replay.c) for coverage and regression runs.
 */
#ifndef NC2_FUZZ_H
#define NC2_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nc2/nc2.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant, not an input check: abort so every driver sees a crash. */
#define FUZZ_CHECK(cond)                                                      \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",      \
				__FILE__, __LINE__, #cond);                   \
			abort();                                              \
		}                                                             \
	} while (0)

/* Reads run out into zeros, so every input is a complete script. */
struct fin {
	const uint8_t *p;
	size_t n;
};

static inline int fin_left(const struct fin *f)
{
	return f->n > 0;
}

static inline uint8_t fin_u8(struct fin *f)
{
	uint8_t v = 0;

	if (f->n) {
		v = *f->p++;
		f->n--;
	}
	return v;
}

static inline uint16_t fin_u16(struct fin *f)
{
	uint16_t lo = fin_u8(f);

	return (uint16_t)(lo | (uint16_t)fin_u8(f) << 8);
}

static inline uint32_t fin_u32(struct fin *f)
{
	uint32_t lo = fin_u16(f);

	return lo | (uint32_t)fin_u16(f) << 16;
}

static inline uint64_t fin_u64(struct fin *f)
{
	uint64_t lo = fin_u32(f);

	return lo | (uint64_t)fin_u32(f) << 32;
}

/* Copy up to n bytes, zero-filling what the input lacks; returns n. */
static inline size_t fin_bytes(struct fin *f, void *dst, size_t n)
{
	size_t k = n < f->n ? n : f->n;

	memcpy(dst, f->p, k);
	memset((uint8_t *)dst + k, 0, n - k);
	f->p += k;
	f->n -= k;
	return n;
}

#endif /* NC2_FUZZ_H */
