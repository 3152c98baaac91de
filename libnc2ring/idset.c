// SPDX-License-Identifier: MIT
/* Receiver-side set of ids in flight: one bit each, checked on arrival. */
#include <nc2/ids.h>
#include <nc2/wire.h>

int nc2_idset_init(struct nc2_idset *s, uint32_t *words, uint32_t limit)
{
	nc2_memset(s, 0, sizeof(*s));
	if (!words || limit == 0 || limit > NC2_MAX_OUTSTANDING_LIMIT)
		return -NC2_E_INVAL;
	s->busy = words;
	s->limit = limit;
	nc2_memset(words, 0, NC2_IDSET_WORDS(limit) * sizeof(uint32_t));
	return 0;
}

int nc2_idset_add(struct nc2_idset *s, uint32_t id)
{
	uint32_t bit;

	if (id >= s->limit)
		return -NC2_EP_ID_RANGE;
	bit = 1u << (id % 32);
	if (s->busy[id / 32] & bit)
		return -NC2_EP_ID_DUP;
	s->busy[id / 32] |= bit;
	s->inflight++;
	return 0;
}

int nc2_idset_del(struct nc2_idset *s, uint32_t id)
{
	uint32_t bit;

	if (id >= s->limit)
		return -NC2_E_INVAL;
	bit = 1u << (id % 32);
	if (!(s->busy[id / 32] & bit))
		return -NC2_E_INVAL;
	s->busy[id / 32] &= ~bit;
	s->inflight--;
	return 0;
}
