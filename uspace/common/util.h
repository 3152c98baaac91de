/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by the userspace drivers: logging that names the
 * process (several run into one terminal), a monotonic clock, and a
 * quiet exit flag set from signal handlers.
 */
#ifndef NC2U_UTIL_H
#define NC2U_UTIL_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

extern const char *nc2u_prog;
extern volatile sig_atomic_t nc2u_quit;

#define logi(fmt, ...) \
	fprintf(stderr, "%s: " fmt "\n", nc2u_prog, ##__VA_ARGS__)
#define die(fmt, ...)                                  \
	do {                                           \
		logi("fatal: " fmt, ##__VA_ARGS__);    \
		exit(1);                               \
	} while (0)

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* SIGINT/SIGTERM set nc2u_quit; SIGPIPE is ignored. */
void nc2u_signals(void);

#endif
