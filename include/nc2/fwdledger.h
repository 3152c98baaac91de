/* SPDX-License-Identifier: MIT */
/*
 * nc2/fwdledger.h - when a forwarded packet's source may be answered.
 *
 * A backend that forwards a packet from source A to destination B without
 * copying it (B reads A's memory through transitive grants) owes A a
 * FINISH for A's id, but may send it only once B is done with the packet
 * (B FINISHed it, or the backend gave B up) AND every grant that pointed
 * into A's memory has ended: until then A's buffer may still be read. If
 * A goes away meanwhile (its generation changes) nobody is answered, ever.
 *
 * The ledger keeps one entry per forwarded packet in caller storage and
 * says which sources may be answered now. It knows nothing of grants or
 * links: handles are the caller's names for its sources (a vif index, a
 * channel number), generations its counters of their reconnects.
 *
 *	struct nc2_fwd_entry ents[1024];
 *	nc2_fwdl_init(&fl, ents, 1024);
 *
 *	on a packet from A forwarded to B with n transitive grants:
 *	  nc2_fwdl_add(&fl, a, a_gen, a_id, n, &h);   keep h with the
 *	                                              packet (B's token)
 *	on B's FINISH of it:
 *	  nc2_fwdl_dest_done(&fl, h);
 *	  ended = try to end each grant;              the rest: retry later
 *	  nc2_fwdl_grant_ended(&fl, h, ended);
 *	on A's reconnect or removal:
 *	  nc2_fwdl_source_gone(&fl, a);
 *	then, and after every retry of busy grants:
 *	  while (nc2_fwdl_next_answer(&fl, &src, &gen, &id) > 0)
 *	          owe src a FINISH for id (the caller's finq);
 *
 * If B goes away, the caller ends what grants it can and reports them;
 * an entry whose grants it cannot end (B may still read through them)
 * and will stop tracking is given up with nc2_fwdl_abandon(): its source
 * is never answered. Each entry lives until it is answered, dropped as an
 * orphan (its source gone) or abandoned; handles are then reused.
 *
 * No locks: serialise every call on one ledger.
 */
#ifndef NC2_FWDLEDGER_H
#define NC2_FWDLEDGER_H

#include <nc2/error.h>

/* One forwarded packet. Fields are private to the library. */
struct nc2_fwd_entry {
	uint32_t src;	 /* the caller's handle of the source */
	uint32_t gen;	 /* the source's generation when added */
	uint32_t id;	 /* the source's id to answer */
	uint16_t grants; /* grants into the source's memory still live */
	uint8_t state;	 /* free, in flight, ready to answer */
	uint8_t flags;	 /* destination done, orphan */
	uint32_t next;	 /* free list or ready list */
};

/* A forwarding ledger. Fields are private to the library. */
struct nc2_fwdledger {
	struct nc2_fwd_entry *e;
	uint32_t cap;
	uint32_t free;	     /* first free entry */
	uint32_t ready_head; /* entries that may be answered, oldest first */
	uint32_t ready_tail;
	uint32_t used;	     /* entries not free */
	uint32_t orphans;    /* used entries whose source is gone */
};

/* Most grants one entry may wait for (a PACKET has fewer fragments). */
#define NC2_FWDL_MAX_GRANTS 0xffffu

/*
 * Set up an empty ledger over ents[cap] (1 <= cap < 2^31). -NC2_E_INVAL
 * on bad storage.
 */
int nc2_fwdl_init(struct nc2_fwdledger *fl, struct nc2_fwd_entry *ents,
		  uint32_t cap);

/*
 * Record a packet from source src (at generation gen) whose id the
 * destination's completion must answer, forwarded with grants grants
 * into src's memory (0 if none, e.g. all inline). Its handle into *h.
 * -NC2_E_AGAIN if the ledger is full (forward by copy, or drop),
 * -NC2_E_INVAL if grants is above NC2_FWDL_MAX_GRANTS.
 */
int nc2_fwdl_add(struct nc2_fwdledger *fl, uint32_t src, uint32_t gen,
		 uint32_t id, uint32_t grants, uint32_t *h);

/*
 * The destination is done with entry h: it FINISHed it, or the caller
 * gave the destination up (it stalled or went away) and revoked its
 * grants. -NC2_E_INVAL if h is not a live entry or was done already.
 */
int nc2_fwdl_dest_done(struct nc2_fwdledger *fl, uint32_t h);

/*
 * n more of entry h's grants have ended. -NC2_E_INVAL if h is not live
 * or n is more than it still waits for (nothing changes then).
 */
int nc2_fwdl_grant_ended(struct nc2_fwdledger *fl, uint32_t h, uint32_t n);

/*
 * Source src went away (or reconnected: its ids of the old generation
 * mean nothing now). Its entries are never answered; each is freed once
 * its destination is done and its grants have ended, as it would have
 * been answered, so the caller's bookkeeping is unchanged. Returns how
 * many entries became orphans.
 */
uint32_t nc2_fwdl_source_gone(struct nc2_fwdledger *fl, uint32_t src);

/*
 * Give entry h up without ever answering it, whatever it still waits
 * for (its grants could not be ended and the caller stops tracking it).
 * -NC2_E_INVAL if h is not live.
 */
int nc2_fwdl_abandon(struct nc2_fwdledger *fl, uint32_t h);

/*
 * Next source that may be answered now, oldest first: 1 with *src, *gen
 * and *id set (the entry is freed), 0 if none. Orphans that became ready
 * are freed here without being returned. Any out pointer may be NULL.
 */
int nc2_fwdl_next_answer(struct nc2_fwdledger *fl, uint32_t *src,
			 uint32_t *gen, uint32_t *id);

/* Entries not yet answered, dropped or abandoned. */
static inline uint32_t nc2_fwdl_used(const struct nc2_fwdledger *fl)
{
	return fl->used;
}

/* Of those, entries whose source is gone. */
static inline uint32_t nc2_fwdl_orphans(const struct nc2_fwdledger *fl)
{
	return fl->orphans;
}

#endif /* NC2_FWDLEDGER_H */
