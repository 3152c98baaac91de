// SPDX-License-Identifier: MIT
/*
 * Sender-side id pool. Ids are handed out lowest-first until the peer's
 * limit, then recycled through a stack, so a small peer limit keeps every
 * id inside the range the peer declared.
 */
#include <nc2/ids.h>
#include <nc2/wire.h>

int nc2_idpool_init(struct nc2_idpool *p, uint32_t *words, void **tokens,
		    uint32_t cap)
{
	nc2_memset(p, 0, sizeof(*p));
	if (!words || cap == 0 || cap > NC2_MAX_OUTSTANDING_LIMIT)
		return -NC2_E_INVAL;
	p->stack = words;
	p->seq = words + cap;
	p->busy = words + 2 * cap;
	p->tokens = tokens;
	p->cap = cap;
	nc2_memset(p->busy, 0, NC2_IDSET_WORDS(cap) * sizeof(uint32_t));
	return 0;
}

int nc2_idpool_set_limit(struct nc2_idpool *p, uint32_t peer_max)
{
	uint32_t lim;

	if (peer_max == 0 || peer_max > NC2_MAX_OUTSTANDING_LIMIT)
		return -NC2_EP_LIMIT;
	/* Shrinking could strand ids already in flight above the new limit. */
	if (peer_max < p->declared)
		return -NC2_EP_LIMIT;
	lim = peer_max < p->cap ? peer_max : p->cap;
	p->declared = peer_max;
	p->limit = lim;
	return 0;
}

int nc2_idpool_get(struct nc2_idpool *p, void *token, uint32_t *id)
{
	uint32_t v;

	if (token && !p->tokens)
		return -NC2_E_INVAL;

	if (p->nfree)
		v = p->stack[--p->nfree];
	else if (p->fresh < p->limit)
		v = p->fresh++;
	else
		return -NC2_E_AGAIN;
	p->busy[v / 32] |= 1u << (v % 32);
	p->seq[v] = ++p->gets;
	if (p->tokens)
		p->tokens[v] = token;
	p->inflight++;
	*id = v;
	return 0;
}

bool nc2_idpool_done_since(const struct nc2_idpool *p, uint32_t mark)
{
	uint32_t w, b, words = NC2_IDSET_WORDS(p->fresh);

	for (w = 0; w < words; w++) {
		uint32_t bits = p->busy[w];

		for (b = 0; bits; b++, bits >>= 1)
			if ((bits & 1) &&
			    (int32_t)(p->seq[w * 32 + b] - mark) <= 0)
				return false;
	}
	return true;
}

int nc2_idpool_busy(const struct nc2_idpool *p, uint32_t id)
{
	if (id >= p->fresh)
		return 0;
	return !!(p->busy[id / 32] & (1u << (id % 32)));
}

int nc2_idpool_put(struct nc2_idpool *p, uint32_t id, void **token)
{
	if (id >= p->limit)
		return -NC2_EP_ID_RANGE;
	if (!nc2_idpool_busy(p, id))
		return -NC2_EP_ID_UNKNOWN;
	p->busy[id / 32] &= ~(1u << (id % 32));
	p->stack[p->nfree++] = id;
	if (token)
		*token = p->tokens ? p->tokens[id] : NULL;
	p->inflight--;
	return 0;
}
