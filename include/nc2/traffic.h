/* SPDX-License-Identifier: MIT */
/*
 * nc2/traffic.h - what a frontend tells its backend about the traffic
 * its bypasses carry (docs/xenbus.md, frontend key bypass-traffic), so
 * that the backend can take down an automatic bypass that went idle and
 * say when each last carried anything: the traffic itself goes around
 * the backend.
 *
 * Text form, at most NC2_TRAFFIC_MAX_TEXT bytes: one "HANDLE:PACKETS"
 * pair per live bypass, separated by spaces, in decimal; PACKETS counts
 * what the bypass carried both ways since it came up, and only grows.
 * The frontend writes it; the backend reads it as hostile input (the
 * report can only make that guest's own bypasses look busy or idle).
 */
#ifndef NC2_TRAFFIC_H
#define NC2_TRAFFIC_H

#include <nc2/platform.h>

#define NC2_TRAFFIC_MAX 8u	   /* pairs: NC2_BYPASS_MAX_PER_END */
#define NC2_TRAFFIC_MAX_TEXT 256u /* 8 x (10 + 1 + 20) + 7 spaces fits */

struct nc2_traffic {
	uint32_t handle;
	uint64_t packets;
};

/*
 * Parse the len bytes at s (one trailing NUL or newline allowed) into up
 * to NC2_TRAFFIC_MAX pairs at out: their number, or -NC2_E_INVAL for
 * anything malformed (too long, a bad number, a handle 0, more pairs),
 * in which case nothing is to be believed. "" is 0 pairs.
 */
int nc2_traffic_parse(const char *s, size_t len, struct nc2_traffic *out);

/*
 * Write the n pairs at in (n <= NC2_TRAFFIC_MAX) as text into buf of
 * size bytes, NUL-terminated: the length without the NUL, or
 * -NC2_E_INVAL if n is too big or it does not fit.
 */
int nc2_traffic_format(char *buf, size_t size, const struct nc2_traffic *in,
		       uint32_t n);

#endif /* NC2_TRAFFIC_H */
