/* SPDX-License-Identifier: MIT */
/*
 * XSA regression tests: an honest network link A against a peer B that
 * the test drives. B starts honest (the handshake is real), then writes
 * whatever the attack needs straight into A's receive ring.
 */
#ifndef NC2_TEST_XSA_H
#define NC2_TEST_XSA_H

#include "../unit/fixture.h"
#include <string.h>

struct xnet {
	struct tpair p;
	struct nc2_net a, b;
};

/* Both ends up: A in role ra, B in the matching role, default limits
 * widened to 64 fragments and every offload on A's receive side. */
void xnet_up(struct xnet *x, enum nc2_net_role ra);
void xnet_free(struct xnet *x);

/* B queues a raw message (header built here) and publishes it. */
void xraw(struct xnet *x, uint8_t type, const void *body, uint32_t len);

/* B writes pkt as a PACKET as it is, no checks, and publishes it. */
void xpkt(struct xnet *x, const struct nc2_pkt *pkt);

/* A valid non-small packet of n fragments of len bytes, prefix 14. */
void xpkt_frags(struct nc2_pkt *pkt, uint32_t id, uint32_t n, uint16_t len);

/* A polls once and must get a message: returns its type. */
int xpoll_a(struct xnet *x, struct nc2_msg *m);

/* Every call an owner makes while tearing A down: all must report err. */
void xassert_failed(struct xnet *x, int err);

#endif
