/* SPDX-License-Identifier: MIT */
/*
 * nc2/policy.h - the backend domain's bypass policy: with which guests a
 * vif's guest may share a bypass.
 *
 * A bypass carries traffic between two guests past every rule the backend
 * domain applies (bridge filters, routing, anti-spoofing), so the backend
 * starts one only for a pair whose policies allow each other, and tears
 * it down as soon as either policy stops allowing it. The toolstack
 * writes one policy per vif (xenstore key bypass-allow, docs/xenbus.md 5);
 * guests cannot write it.
 *
 * Text form, at most NC2_POLICY_MAX_TEXT bytes:
 *   "none"            no bypass (also what a bad policy means)
 *   "any"             any guest of this backend
 *   "3 7,12"          these domain ids, separated by spaces or commas
 */
#ifndef NC2_POLICY_H
#define NC2_POLICY_H

#include <nc2/platform.h>

#define NC2_POLICY_MAX_PEERS 32u
#define NC2_POLICY_MAX_TEXT 256u

enum nc2_policy_mode {
	NC2_POLICY_NONE = 0,
	NC2_POLICY_ANY = 1,
	NC2_POLICY_LIST = 2,
};

struct nc2_policy {
	uint8_t mode; /* enum nc2_policy_mode */
	uint8_t nr;   /* entries of peer[] (NC2_POLICY_LIST) */
	uint16_t peer[NC2_POLICY_MAX_PEERS];
};

/* Set *p to "none". */
void nc2_policy_none(struct nc2_policy *p);

/*
 * Parse the len bytes at s (no terminator needed; one trailing NUL or
 * newline is allowed) into *p. On any error *p is "none" and the result
 * is -NC2_E_INVAL: a policy nobody can read forbids, it never allows.
 * Domain ids must be below 0x7FF0 (DOMID_FIRST_RESERVED); an empty list
 * is an error, so is "any" or "none" mixed with ids.
 */
int nc2_policy_parse(struct nc2_policy *p, const char *s, size_t len);

/* True if p lets its guest share a bypass with domain peer. */
bool nc2_policy_allows(const struct nc2_policy *p, uint16_t peer);

/*
 * True if guest a (policy pa) and guest b (policy pb) may share a
 * bypass: each policy allows the other guest, and they are two guests.
 */
bool nc2_policy_pair_allowed(const struct nc2_policy *pa, uint16_t a,
			     const struct nc2_policy *pb, uint16_t b);

#endif /* NC2_POLICY_H */
