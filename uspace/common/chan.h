/* SPDX-License-Identifier: MIT */
/*
 * A channel: one nc2 net link between two domains over shared pages and an
 * event channel. The granter allocates a control page and both rings and
 * grants them; the mapper maps them. A frontend's parent channel (frontend
 * grants, backend maps) and a bypass (frontend A grants, B maps) are both
 * channels; only the role differs.
 *
 * Layout: control page with the granter-to-mapper ring's control block at
 * NC2_CTRL_OFF_F2B and the other at NC2_CTRL_OFF_B2F; ring pages are the
 * granter-to-mapper ring's pages, then the other ring's.
 *
 * Errors: every chan_* function returns 0 (or a positive count) or a
 * negated errno, never a library code; library results are converted at
 * one place, nc2_errno() (nc2/errno.h). The library's own code for a
 * failed link stays available, for logs, from chan_nc2_error().
 */
#ifndef NC2U_CHAN_H
#define NC2U_CHAN_H

#include <nc2/nc2.h>
#include "hv.h"

#define CHAN_IDS 256u	      /* ids in flight, each direction */
#define CHAN_MAX_FRAGS 20u    /* a 64 KiB frame needs 17 */
#define CHAN_INLINE 256u
#define CHAN_MAX_PAGES NC2_BYPASS_MAX_PAGES

/* What the granter publishes (in the store or a bypass message). */
struct chan_share {
	uint32_t ctrl_gref;
	uint32_t evtchn;      /* the granter's unbound port */
	uint16_t ring_pages;  /* per ring */
	uint32_t gref[2 * CHAN_MAX_PAGES];
};

struct chan {
	struct nc2_hv *hv;
	struct nc2_net net;
	uint16_t peer;
	uint32_t port;
	int evfd;
	bool granter;
	bool live;
	bool bound;	      /* the peer has bound the port once */
	struct chan_share sh;
	void *ctrl;
	uint8_t *rings;	      /* both rings, contiguous */
	void *page[1 + 2 * CHAN_MAX_PAGES]; /* granter's own pages */
	uint32_t pool_words[NC2_IDPOOL_WORDS(CHAN_IDS)];
	void *pool_tokens[CHAN_IDS]; /* what each id in flight stands for */
	uint32_t set_words[NC2_IDSET_WORDS(CHAN_IDS)];
	bool dirty;	      /* queued messages not yet pushed */
	struct nc2_finq finq; /* FINISHes owed, sent as room and credit allow */
	uint32_t finq_ids[CHAN_IDS];
	struct nc2_limiter *lim; /* pays for FINISHes (backend), or NULL */
	uint64_t finq_lost;   /* ids that found the queue full (a bug) */
};


/* The link's sticky library error (a negated enum nc2_err), or 0. */
int chan_nc2_error(const struct chan *c);

/* Limits every userspace endpoint declares. */
void chan_limits(struct nc2_net_limits *lim);

/* Allocate, grant to peer, allocate the port, start the link. */
int chan_grant(struct chan *c, struct nc2_hv *hv, uint16_t peer,
	       uint16_t pages, enum nc2_net_role role);

/* Map what the granter shared, bind, start the link. */
int chan_map(struct chan *c, struct nc2_hv *hv, uint16_t peer,
	     const struct chan_share *sh, enum nc2_net_role role);

/*
 * Push queued messages and release consumed space, notifying the peer if
 * the library says so. Returns -ENOTCONN once the peer's port is gone.
 */
int chan_kick(struct chan *c);

/*
 * Owe FINISHes for ids, after those owed already; they go now or at a
 * later chan_kick(), as ring room and c->lim's response credit allow. A
 * full ring asks the peer for an event, so the next kick comes by itself;
 * missing credit waits for the peer's next messages.
 */
void chan_finish(struct chan *c, const uint32_t *ids, uint32_t n);

/*
 * Re-arm the receive event: 1 if more arrived meanwhile, 0 to sleep,
 * -EPROTO if the link failed (chan_nc2_error() says why).
 */
int chan_rearm(struct chan *c);

/* True when the peer's port was closed (it died or disconnected). */
bool chan_peer_gone(struct chan *c);

/*
 * Close the port and unmap (mapper) or revoke and free (granter). A
 * granter whose grants are still mapped gets -EBUSY and must call again.
 */
int chan_destroy(struct chan *c);

#endif
