// SPDX-License-Identifier: MIT
/*
 * The forwarding ledger: a source's id is answered only once its
 * destination is done and every grant into the source's memory ended.
 * Entries sit on a free list, then in flight (not linked: the caller
 * holds the handle), then on a ready list in the order they became
 * answerable, so answers go out in completion order and in O(1).
 */
#include <nc2/fwdledger.h>

#define NONE 0xffffffffu

enum { E_FREE, E_LIVE, E_READY };

#define F_DEST_DONE 0x1u
#define F_ORPHAN 0x2u

int nc2_fwdl_init(struct nc2_fwdledger *fl, struct nc2_fwd_entry *ents,
		  uint32_t cap)
{
	uint32_t i;

	nc2_memset(fl, 0, sizeof(*fl));
	if (!ents || cap == 0 || cap >= 0x80000000u)
		return -NC2_E_INVAL;
	fl->e = ents;
	fl->cap = cap;
	for (i = 0; i < cap; i++) {
		nc2_memset(&ents[i], 0, sizeof(ents[i]));
		ents[i].state = E_FREE;
		ents[i].next = i + 1 < cap ? i + 1 : NONE;
	}
	fl->free = 0;
	fl->ready_head = fl->ready_tail = NONE;
	return 0;
}

static void entry_free(struct nc2_fwdledger *fl, uint32_t h)
{
	struct nc2_fwd_entry *e = &fl->e[h];

	if (e->flags & F_ORPHAN)
		fl->orphans--;
	e->state = E_FREE;
	e->flags = 0;
	e->next = fl->free;
	fl->free = h;
	fl->used--;
}

/* Move h on once it waits for nothing: to the answers, or away. */
static void settle(struct nc2_fwdledger *fl, uint32_t h)
{
	struct nc2_fwd_entry *e = &fl->e[h];

	if (e->state != E_LIVE || !(e->flags & F_DEST_DONE) || e->grants)
		return;
	if (e->flags & F_ORPHAN) {
		entry_free(fl, h);
		return;
	}
	e->state = E_READY;
	e->next = NONE;
	if (fl->ready_tail == NONE)
		fl->ready_head = h;
	else
		fl->e[fl->ready_tail].next = h;
	fl->ready_tail = h;
}

static bool live(const struct nc2_fwdledger *fl, uint32_t h)
{
	return h < fl->cap && fl->e[h].state == E_LIVE;
}

int nc2_fwdl_add(struct nc2_fwdledger *fl, uint32_t src, uint32_t gen,
		 uint32_t id, uint32_t grants, uint32_t *h)
{
	struct nc2_fwd_entry *e;
	uint32_t i = fl->free;

	if (grants > NC2_FWDL_MAX_GRANTS)
		return -NC2_E_INVAL;
	if (i == NONE)
		return -NC2_E_AGAIN;
	e = &fl->e[i];
	fl->free = e->next;
	e->src = src;
	e->gen = gen;
	e->id = id;
	e->grants = (uint16_t)grants;
	e->state = E_LIVE;
	e->flags = 0;
	e->next = NONE;
	fl->used++;
	*h = i;
	return 0;
}

int nc2_fwdl_dest_done(struct nc2_fwdledger *fl, uint32_t h)
{
	if (!live(fl, h) || (fl->e[h].flags & F_DEST_DONE))
		return -NC2_E_INVAL;
	fl->e[h].flags |= F_DEST_DONE;
	settle(fl, h);
	return 0;
}

int nc2_fwdl_grant_ended(struct nc2_fwdledger *fl, uint32_t h, uint32_t n)
{
	if (!live(fl, h) || n > fl->e[h].grants)
		return -NC2_E_INVAL;
	fl->e[h].grants = (uint16_t)(fl->e[h].grants - n);
	settle(fl, h);
	return 0;
}

uint32_t nc2_fwdl_source_gone(struct nc2_fwdledger *fl, uint32_t src)
{
	uint32_t i, n = 0;

	for (i = 0; i < fl->cap; i++) {
		struct nc2_fwd_entry *e = &fl->e[i];

		if (e->state == E_FREE || e->src != src ||
		    (e->flags & F_ORPHAN))
			continue;
		/* Ready ones stay listed; nc2_fwdl_next_answer drops them. */
		e->flags |= F_ORPHAN;
		fl->orphans++;
		n++;
	}
	return n;
}

int nc2_fwdl_abandon(struct nc2_fwdledger *fl, uint32_t h)
{
	if (!live(fl, h))
		return -NC2_E_INVAL;
	entry_free(fl, h);
	return 0;
}

int nc2_fwdl_next_answer(struct nc2_fwdledger *fl, uint32_t *src,
			 uint32_t *gen, uint32_t *id)
{
	while (fl->ready_head != NONE) {
		uint32_t h = fl->ready_head;
		struct nc2_fwd_entry *e = &fl->e[h];
		bool orphan = e->flags & F_ORPHAN;

		fl->ready_head = e->next;
		if (fl->ready_head == NONE)
			fl->ready_tail = NONE;
		if (!orphan) {
			if (src)
				*src = e->src;
			if (gen)
				*gen = e->gen;
			if (id)
				*id = e->id;
		}
		entry_free(fl, h);
		if (!orphan)
			return 1;
	}
	return 0;
}
