// SPDX-License-Identifier: MIT
/*
 * Producer end of a ring. Messages never wrap: when one does not fit
 * before the end of the ring, a PAD message fills the tail first. That is
 * why a message may take at most half the ring: the PAD in front of it is
 * always shorter than the message, so both fit once the ring drains.
 *
 * reserve, commit and push are inline in nc2/ring.h for the common case;
 * this file holds the rest.
 */
#include <nc2/ring.h>

int nc2_prod_init(struct nc2_prod *p, struct nc2_wire_ctrl *ctrl, void *ring,
		  uint32_t ring_bytes)
{
	nc2_memset(p, 0, sizeof(*p));
	if (!ctrl || !ring || !nc2_ring_size_ok(ring_bytes))
		return -NC2_E_INVAL;
	p->ctrl = ctrl;
	p->ring = ring;
	p->size = ring_bytes;
	return 0;
}

void nc2_prod_fail(struct nc2_prod *p, int err)
{
	/* A non-error here would unfail the ring: a caller bug. */
	if (!nc2_assert(nc2_is_error(err)))
		err = -NC2_E_INVAL;
	if (!p->err)
		p->err = err;
	/* No fast path may run again, nor the pending reservation commit. */
	p->limit = p->pvt;
	p->resv_len = 0;
	p->resv_pad = 0;
}

/*
 * Read the consumer index once. It may only move forward, never past what
 * we published, and always in 8-byte steps; anything else is hostile.
 */
static int refresh_cons(struct nc2_prod *p)
{
	uint32_t cons = nc2_le32_to_cpu(nc2_load_acquire32(&p->ctrl->cons));

	if (nc2_unlikely((cons - p->cons) > (p->pushed - p->cons) ||
			 (cons & (NC2_MSG_ALIGN - 1)))) {
		nc2_prod_fail(p, -NC2_EP_CONS_INDEX);
		return p->err;
	}
	p->cons = cons;
	return 0;
}

/* Bytes a len-byte message costs at the current position, PAD included. */
static uint32_t cost(const struct nc2_prod *p, uint32_t len, uint32_t *pad)
{
	uint32_t to_end = p->size - (p->pvt & (p->size - 1));

	*pad = len > to_end ? to_end : 0;
	return *pad + len;
}

/*
 * Let the inline reserve place messages from pvt up to the least of: the
 * room the consumer index as last read leaves, the ring's end (no PAD)
 * and the longest message allowed (so its own len check is enough), at
 * next, which points at pvt.
 */
static void set_limit(struct nc2_prod *p, uint32_t pvt)
{
	uint32_t room = p->size - (pvt - p->cons);
	uint32_t to_end = p->size - (pvt & (p->size - 1));
	uint32_t max = p->size / 2 < NC2_MSG_MAX_SIZE ? p->size / 2 :
							NC2_MSG_MAX_SIZE;

	if (room > to_end)
		room = to_end;
	if (room > max)
		room = max;
	p->next = p->ring + (pvt & (p->size - 1));
	p->limit = pvt + room;
}

/* A len the protocol allows and this ring can hold (protocol.md 4.2). */
static bool len_ok(const struct nc2_prod *p, uint32_t len)
{
	return len >= NC2_MSG_MIN_SIZE && len <= NC2_MSG_MAX_SIZE &&
	       len <= p->size / 2;
}

/* All of reserve; the inline nc2_prod_reserve() comes here when in doubt. */
int nc2_prod_reserve_slow(struct nc2_prod *p, uint32_t len, void **msg)
{
	uint32_t pad, need;

	p->resv_len = 0;
	p->resv_pad = 0;
	if (nc2_unlikely(p->err))
		return p->err;
	if (nc2_unlikely(!len_ok(p, len)))
		return -NC2_E_INVAL;
	len = nc2_align8(len);
	need = cost(p, len, &pad);
	if (need > p->size - (p->pvt - p->cons)) {
		int err = refresh_cons(p);

		if (err)
			return err;
		if (need > p->size - (p->pvt - p->cons)) {
			p->stats.full++;
			return -NC2_E_AGAIN;
		}
	}
	*msg = p->ring + ((p->pvt + pad) & (p->size - 1));
	/* The padding after the body, as in the inline reserve. */
	nc2_memset((uint8_t *)*msg + len - 8, 0, 8);
	/*
	 * With a PAD pending, pvt stays in the tail until the commit, so no
	 * fast reservation or commit until then (the commit sets limit past
	 * the PAD).
	 */
	if (pad) {
		p->resv_pad = pad;
		p->resv_padded = len;
		p->limit = p->pvt;
	} else {
		p->resv_len = len;
		set_limit(p, p->pvt);
	}
	return 0;
}

/*
 * All of commit: the PAD a reservation needed, a message shorter than
 * its reservation, and a commit the caller had no right to make (no
 * reservation, or len outside 8..reserved), which is refused whole: a
 * message that is half ours would corrupt the ring for the peer.
 */
void nc2_prod_commit_slow(struct nc2_prod *p, uint8_t type, uint8_t flags,
			  uint32_t len)
{
	struct nc2_msg_hdr *h;
	uint32_t resv = p->resv_pad ? p->resv_padded : p->resv_len;

	/* nc2_prod_fail() cancelled the reservation: nothing to commit. */
	if (p->err)
		return;
	if (!nc2_assert(resv && len >= NC2_MSG_MIN_SIZE && len <= resv))
		return;
	if (p->resv_pad) {
		h = (struct nc2_msg_hdr *)(p->ring + (p->pvt & (p->size - 1)));
		h->type = NC2_MSG_PAD;
		h->flags = 0;
		h->size = nc2_cpu_to_le16((uint16_t)p->resv_pad);
		p->pvt += p->resv_pad;
		p->stats.pads++;
		p->resv_pad = 0;
		p->resv_len = resv;
		set_limit(p, p->pvt);
	}
	if (nc2_align8(len) != p->resv_len && (len & (NC2_MSG_ALIGN - 1))) {
		/*
		 * Shorter than reserved, so the word reserve zeroed is not
		 * the last: zero the 1-7 bytes after len in this one.
		 */
		uint8_t *w = p->next + nc2_align8(len) - 8;
		uint64_t v;

		nc2_memcpy(&v, w, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		v &= (1ull << (8 * (len & 7))) - 1;
#else
		v &= ~((1ull << (64 - 8 * (len & 7))) - 1);
#endif
		nc2_memcpy(w, &v, 8);
	}
	nc2_prod_put_msg(p, p->next, type, flags, nc2_align8(len));
}

/* All of alloc: reserve's slow path (PAD, refresh, errors), then commit. */
int nc2_prod_alloc_slow(struct nc2_prod *p, uint8_t type, uint8_t flags,
			uint32_t len, void **msg)
{
	void *t;
	int err = nc2_prod_reserve_slow(p, len, &t);

	if (err)
		return err;
	nc2_prod_commit(p, type, flags, len);
	*msg = t;
	return 0;
}

int nc2_prod_send(struct nc2_prod *p, uint8_t type, uint8_t flags,
		  const void *body, uint32_t len)
{
	void *m;
	int err;

	err = nc2_prod_reserve(p, len + sizeof(struct nc2_msg_hdr), &m);
	if (err)
		return err;
	if (len)
		nc2_memcpy((uint8_t *)m + sizeof(struct nc2_msg_hdr), body,
			   len);
	nc2_prod_commit(p, type, flags, len + sizeof(struct nc2_msg_hdr));
	return 0;
}

int nc2_prod_want_space(struct nc2_prod *p, uint32_t len)
{
	uint32_t pad, need;
	int err;

	if (nc2_unlikely(p->err))
		return p->err;
	if (nc2_unlikely(!len_ok(p, len)))
		return -NC2_E_INVAL;
	need = cost(p, nc2_align8(len), &pad);
	/* The consumer must release up to pvt + need - size for it to fit. */
	nc2_store32(&p->ctrl->cons_event,
		    nc2_cpu_to_le32(p->pvt + need - p->size));
	/* Pairs with nc2_mb() in nc2_cons_release(): event store, cons load. */
	nc2_mb();
	err = refresh_cons(p);
	if (err)
		return err;
	return need <= p->size - (p->pvt - p->cons);
}

int nc2_prod_idle(struct nc2_prod *p)
{
	int err;

	if (nc2_unlikely(p->err))
		return p->err;
	err = refresh_cons(p);
	if (err)
		return err;
	return p->cons == p->pushed && p->pushed == p->pvt;
}

int nc2_prod_unconsumed(struct nc2_prod *p)
{
	int err;

	if (nc2_unlikely(p->err))
		return p->err;
	err = refresh_cons(p);
	if (err)
		return err;
	return (int)(p->pushed - p->cons);
}

/*
 * A message no longer than the tail fits without a PAD; a longer one
 * needs the tail padded and room for itself at the start.
 */
uint32_t nc2_prod_room(const struct nc2_prod *p)
{
	uint32_t free = p->size - (p->pvt - p->cons);
	uint32_t to_end = p->size - (p->pvt & (p->size - 1));
	uint32_t max = p->size / 2 < NC2_MSG_MAX_SIZE ? p->size / 2 :
							NC2_MSG_MAX_SIZE;
	uint32_t fit;

	if (nc2_unlikely(p->err))
		return 0;
	if (free <= to_end)
		fit = free;
	else
		fit = to_end > free - to_end ? to_end : free - to_end;
	if (fit > max)
		fit = max;
	fit &= ~(NC2_MSG_ALIGN - 1);
	return fit >= sizeof(struct nc2_msg_hdr) ? fit : 0;
}
