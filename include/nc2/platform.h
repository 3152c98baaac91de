/* SPDX-License-Identifier: MIT */
/*
 * nc2/platform.h - the only environment libnc2ring depends on.
 *
 * The library is freestanding: it needs fixed-width types, a memcpy, two
 * kinds of barrier and single-copy loads and stores of 32-bit words that
 * live in memory shared with another domain. Inside the Linux kernel these
 * map onto kernel primitives (virt_* barriers, because the peer is another
 * domain even on a UP kernel); elsewhere onto GCC/Clang builtins.
 *
 * nc2_prefetch(p) is only a hint to the cache: it never faults and reads
 * nothing into the program, so the library may issue it on memory the
 * peer is still free to change.
 *
 * nc2_assert(cond) guards a caller's contract (never the peer's input,
 * which is always a clean error): it evaluates to cond's truth so the
 * library can still refuse the call.
 */
#ifndef NC2_PLATFORM_H
#define NC2_PLATFORM_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#include <linux/compiler.h>
#include <asm/barrier.h>
#include <asm/byteorder.h>
#include <asm/bug.h>
#include <linux/prefetch.h>

#define nc2_memcpy(d, s, n) memcpy((d), (s), (n))
#define nc2_memset(d, c, n) memset((d), (c), (n))
#define nc2_prefetch(p)	    prefetch(p)
/* Forces a copy out of shared memory to really happen (no re-reads). */
#define nc2_barrier() barrier()
/* Full barrier between our shared-memory store and a later shared load. */
#define nc2_mb() virt_mb()
/* Orders shared loads before later loads (consumer side). */
#define nc2_rmb() virt_rmb()
/* Orders stores before the index store that publishes them. */
#define nc2_wmb()		  virt_wmb()
#define nc2_load32(p)		  READ_ONCE(*(p))
#define nc2_load_acquire32(p)	  virt_load_acquire(p)
#define nc2_store_release32(p, v) virt_store_release((p), (v))
#define nc2_store32(p, v)	  WRITE_ONCE(*(p), (v))
#define nc2_load16(p)		  READ_ONCE(*(p))
#define nc2_load8(p)		  READ_ONCE(*(p))
#define nc2_cpu_to_le16(x)	  ((__force uint16_t)cpu_to_le16(x))
#define nc2_cpu_to_le32(x)	  ((__force uint32_t)cpu_to_le32(x))
#define nc2_le16_to_cpu(x)	  ((uint16_t)le16_to_cpu((__force __le16)(x)))
#define nc2_le32_to_cpu(x)	  ((uint32_t)le32_to_cpu((__force __le32)(x)))
#define nc2_unlikely(x)		  unlikely(x)
#define nc2_likely(x)		  likely(x)
/* Caller-contract check: warns once, then the caller returns an error. */
#define nc2_assert(c)		  (!WARN_ON_ONCE(!(c)))

#else /* !__KERNEL__ */

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define nc2_memcpy(d, s, n)	  __builtin_memcpy((d), (s), (n))
#define nc2_memset(d, c, n)	  __builtin_memset((d), (c), (n))
#define nc2_prefetch(p)		  __builtin_prefetch(p)
/* Forces a copy out of shared memory to really happen (no re-reads). */
#define nc2_barrier()		  __asm__ __volatile__("" ::: "memory")
#define nc2_mb()		  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define nc2_rmb()		  __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define nc2_wmb()		  __atomic_thread_fence(__ATOMIC_RELEASE)
/*
 * Relaxed atomics give single-copy loads and stores the compiler may not
 * split, merge or repeat: exactly the "read once" the protocol relies on.
 */
#define nc2_load32(p)		  __atomic_load_n((p), __ATOMIC_RELAXED)
#define nc2_load_acquire32(p)	  __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define nc2_store_release32(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define nc2_store32(p, v)	  __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define nc2_load16(p)		  __atomic_load_n((p), __ATOMIC_RELAXED)
#define nc2_load8(p)		  __atomic_load_n((p), __ATOMIC_RELAXED)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define nc2_cpu_to_le16(x) ((uint16_t)(x))
#define nc2_cpu_to_le32(x) ((uint32_t)(x))
#else
#define nc2_cpu_to_le16(x) __builtin_bswap16((uint16_t)(x))
#define nc2_cpu_to_le32(x) __builtin_bswap32((uint32_t)(x))
#endif
#define nc2_le16_to_cpu(x) nc2_cpu_to_le16(x)
#define nc2_le32_to_cpu(x) nc2_cpu_to_le32(x)
#define nc2_unlikely(x)	   __builtin_expect(!!(x), 0)
#define nc2_likely(x)	   __builtin_expect(!!(x), 1)
/*
 * Caller-contract check. A freestanding library has no stderr to write to,
 * so a broken contract stops the program where it happened (a debugger or
 * the sanitizers show the caller); NDEBUG builds, and tests that drive a
 * contract violation on purpose (NC2_ASSERT_RETURN), get the error return
 * the caller must handle anyway.
 */
#if defined(NDEBUG) || defined(NC2_ASSERT_RETURN)
#define nc2_assert(c) nc2_likely(c)
#else
#define nc2_assert(c) (nc2_likely(c) ? 1 : (__builtin_trap(), 0))
#endif

#endif /* __KERNEL__ */

#endif /* NC2_PLATFORM_H */
