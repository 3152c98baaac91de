/* SPDX-License-Identifier: MIT */
/*
 * nc2/ids.h - completion ids, the out-of-order completion layer.
 *
 * A sender takes an id from its nc2_idpool for every message that needs a
 * completion and gets it back when a FINISH names it, in any order. The
 * receiver tracks the ids in flight towards it in an nc2_idset, so that an
 * id out of range or used twice is caught as a protocol error. Both know
 * nothing of what the ids stand for: any device class can use them.
 *
 * Each id handed out carries the sender's token (void *, say the buffer
 * the message stands for), given back when the id completes: the sender
 * keeps no id-to-object table, and never gets a token for an id the peer
 * had no business naming (out of range, or not in flight).
 *
 * Storage comes from the caller (the library never allocates):
 *	uint32_t pool_words[NC2_IDPOOL_WORDS(256)];
 *	void *pool_tokens[256];        or NULL: no tokens kept
 *	nc2_idpool_init(&pool, pool_words, pool_tokens, 256);
 */
#ifndef NC2_IDS_H
#define NC2_IDS_H

#include <nc2/error.h>

#define NC2_IDSET_WORDS(n)  (((n) + 31u) / 32u)
/* The free stack, each id's hand-out number, the busy bits. */
#define NC2_IDPOOL_WORDS(n) (2u * (n) + NC2_IDSET_WORDS(n))

/* Ids this side has in flight at the peer. Fields are private. */
struct nc2_idpool {
	uint32_t *stack;   /* free ids, cap entries */
	uint32_t *seq;	   /* per id: the value of gets it was handed out at */
	uint32_t *busy;	   /* bit per id: in flight */
	void **tokens;	   /* per id: the sender's token, or NULL storage */
	uint32_t gets;	   /* ids handed out so far (wraps) */
	uint32_t cap;	   /* ids the storage can track */
	uint32_t limit;	   /* min(cap, the peer's declared maximum) */
	uint32_t declared; /* the peer's declared maximum itself */
	uint32_t nfree;	   /* ids on the stack */
	uint32_t fresh;	   /* ids [fresh, limit) never handed out */
	uint32_t inflight;
};

/* Ids the peer has in flight towards this side. Fields are private. */
struct nc2_idset {
	uint32_t *busy;
	uint32_t limit; /* the maximum this side declared */
	uint32_t inflight;
};

/*
 * Set up a pool over words[NC2_IDPOOL_WORDS(cap)] and tokens[cap] (tokens
 * may be NULL: then every token must be NULL). It starts with no credit.
 */
int nc2_idpool_init(struct nc2_idpool *p, uint32_t *words, void **tokens,
		    uint32_t cap);

/*
 * Apply the peer's SET_MAX_OUTSTANDING value. -NC2_EP_LIMIT if it is 0,
 * above NC2_MAX_OUTSTANDING_LIMIT or lower than an earlier one.
 */
int nc2_idpool_set_limit(struct nc2_idpool *p, uint32_t peer_max);

/*
 * Take a free id into *id, remembering token with it. -NC2_E_AGAIN when
 * the peer's limit is reached, -NC2_E_INVAL for a token without storage.
 */
int nc2_idpool_get(struct nc2_idpool *p, void *token, uint32_t *id);

/*
 * Give back id named by a FINISH, its token into *token (token may be
 * NULL). -NC2_EP_ID_RANGE/-NC2_EP_ID_UNKNOWN, *token untouched, if the
 * id is out of range or not in flight.
 */
int nc2_idpool_put(struct nc2_idpool *p, uint32_t id, void **token);

/* Ids currently in flight. */
static inline uint32_t nc2_idpool_inflight(const struct nc2_idpool *p)
{
	return p->inflight;
}

/*
 * A mark for nc2_idpool_done_since(): everything handed out up to now.
 */
static inline uint32_t nc2_idpool_mark(const struct nc2_idpool *p)
{
	return p->gets;
}

/*
 * True once every id handed out up to mark has come back (ids handed
 * out since may still be in flight). Walks the busy ids: a slow path.
 */
bool nc2_idpool_done_since(const struct nc2_idpool *p, uint32_t mark);

/* 1 if id is in flight, 0 if not (for consumers' own checks). */
int nc2_idpool_busy(const struct nc2_idpool *p, uint32_t id);

/* Set up a set over words[NC2_IDSET_WORDS(limit)] accepting ids < limit. */
int nc2_idset_init(struct nc2_idset *s, uint32_t *words, uint32_t limit);

/* Record an arriving id. -NC2_EP_ID_RANGE or -NC2_EP_ID_DUP if bad. */
int nc2_idset_add(struct nc2_idset *s, uint32_t id);

/* Forget a finished id. -NC2_E_INVAL if it was not in flight. */
int nc2_idset_del(struct nc2_idset *s, uint32_t id);

/* Ids currently in flight towards this side. */
static inline uint32_t nc2_idset_inflight(const struct nc2_idset *s)
{
	return s->inflight;
}

#endif /* NC2_IDS_H */
