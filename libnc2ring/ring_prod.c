// SPDX-License-Identifier: MIT
/*
 * Producer end of a ring. Messages never wrap: when one does not fit
 * before the end of the ring, a PAD message fills the tail first. That is
 * why a message may take at most half the ring: the PAD in front of it is
 * always shorter than the message, so both fit once the ring drains.
 */
#include <nc2/ring.h>

static inline uint32_t align8(uint32_t n)
{
	return (n + NC2_MSG_ALIGN - 1) & ~(NC2_MSG_ALIGN - 1);
}

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
	if (!p->err)
		p->err = err < 0 ? err : -err;
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
		nc2_prod_fail(p, NC2_EP_CONS_INDEX);
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

int nc2_prod_reserve(struct nc2_prod *p, uint32_t len, void **msg)
{
	uint32_t pad, need;

	p->resv_len = 0;
	if (nc2_unlikely(p->err))
		return p->err;
	if (nc2_unlikely(len < sizeof(struct nc2_msg_hdr) ||
			 len > NC2_MSG_MAX_SIZE || len > p->size / 2))
		return -NC2_E_INVAL;
	len = align8(len);
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
	p->resv_pad = pad;
	p->resv_len = len;
	*msg = p->ring + ((p->pvt + pad) & (p->size - 1));
	return 0;
}

/*
 * Zero all but the first keep bytes of the 8-byte word at w. One masked
 * load and store: a memset of 1-7 bytes would be a library call on every
 * message that is not a multiple of 8 long.
 */
static inline void zero_tail(uint8_t *w, uint32_t keep)
{
	uint64_t v;

	nc2_memcpy(&v, w, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v &= (1ull << (8 * keep)) - 1;
#else
	v &= ~((1ull << (64 - 8 * keep)) - 1);
#endif
	nc2_memcpy(w, &v, 8);
}

void nc2_prod_commit(struct nc2_prod *p, uint8_t type, uint8_t flags,
		     uint32_t len)
{
	struct nc2_msg_hdr *h;
	uint32_t alen = align8(len);

	/* A commit without a fitting reservation is a caller bug: drop it. */
	if (nc2_unlikely(!p->resv_len || alen > p->resv_len ||
			 len < sizeof(*h)))
		return;
	if (p->resv_pad) {
		h = (struct nc2_msg_hdr *)(p->ring + (p->pvt & (p->size - 1)));
		h->type = NC2_MSG_PAD;
		h->flags = 0;
		h->size = nc2_cpu_to_le16((uint16_t)p->resv_pad);
		p->pvt += p->resv_pad;
		p->stats.pads++;
		p->stats.bytes += p->resv_pad;
	}
	h = (struct nc2_msg_hdr *)(p->ring + (p->pvt & (p->size - 1)));
	if (alen != len)
		zero_tail((uint8_t *)h + alen - 8, len & 7);
	h->type = type;
	h->flags = flags;
	h->size = nc2_cpu_to_le16((uint16_t)alen);
	p->pvt += alen;
	p->resv_len = 0;
	p->stats.msgs++;
	p->stats.bytes += alen;
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

/*
 * Same rule as Xen's RING_PUSH_REQUESTS_AND_CHECK_NOTIFY, on bytes: notify
 * iff prod_event lies in (old, new].
 */
int nc2_prod_push(struct nc2_prod *p)
{
	uint32_t old = p->pushed, new = p->pvt, ev;

	if (nc2_unlikely(p->err))
		return p->err;
	if (new == old)
		return 0;
	/* Pairs with the consumer's acquire load of prod: data before index. */
	nc2_store_release32(&p->ctrl->prod, nc2_cpu_to_le32(new));
	p->pushed = new;
	/* Pairs with nc2_mb() in nc2_cons_rearm(): prod store before event
	 * load. */
	nc2_mb();
	ev = nc2_le32_to_cpu(nc2_load32(&p->ctrl->prod_event));
	if ((uint32_t)(new - ev) < (uint32_t)(new - old)) {
		p->stats.notifies++;
		return 1;
	}
	return 0;
}

int nc2_prod_want_space(struct nc2_prod *p, uint32_t len)
{
	uint32_t pad, need;
	int err;

	if (nc2_unlikely(p->err))
		return p->err;
	if (nc2_unlikely(len < sizeof(struct nc2_msg_hdr) ||
			 len > NC2_MSG_MAX_SIZE || len > p->size / 2))
		return -NC2_E_INVAL;
	need = cost(p, align8(len), &pad);
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
