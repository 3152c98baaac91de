// SPDX-License-Identifier: MIT
/*
 * Consumer end of a ring. The producer is hostile until proven otherwise:
 * its index and each message header are read exactly once into locals and
 * checked against the ring before anything is trusted.
 *
 * peek, consume and release are inline in nc2/ring.h for the common case
 * (a message already known to be published); this file holds the rest.
 */
#include <nc2/ring.h>

int nc2_cons_init(struct nc2_cons *c, struct nc2_wire_ctrl *ctrl,
		  const void *ring, uint32_t ring_bytes)
{
	nc2_memset(c, 0, sizeof(*c));
	if (!ctrl || !ring || !nc2_ring_size_ok(ring_bytes))
		return -NC2_E_INVAL;
	c->ctrl = ctrl;
	c->ring = ring;
	c->size = ring_bytes;
	c->pf_lim = nc2_cons_prefetch_lim(ring_bytes);
	return 0;
}

void nc2_cons_fail(struct nc2_cons *c, int err)
{
	/* A non-error here would unfail the ring: a caller bug. */
	if (!nc2_assert(nc2_is_error(err)))
		err = -NC2_E_INVAL;
	if (!c->err)
		c->err = err;
	c->peeked = 0;
	/* The inline peek must come to the slow path, which reports err. */
	c->limit = c->pvt;
}

/*
 * prod may only move forward, in 8-byte steps, and never more than a ring
 * ahead of what we released (the producer cannot have overwritten it).
 */
static inline int refresh_prod(struct nc2_cons *c)
{
	uint32_t prod = nc2_le32_to_cpu(nc2_load_acquire32(&c->ctrl->prod));

	if (nc2_unlikely((prod - c->released) > c->size ||
			 (prod - c->released) < (c->prod - c->released) ||
			 (prod & (NC2_MSG_ALIGN - 1)))) {
		nc2_cons_fail(c, -NC2_EP_PROD_INDEX);
		return c->err;
	}
	c->prod = prod;
	return 0;
}

/*
 * Let the inline peek read from pvt, at next, up to prod or the ring's
 * end, whichever comes first: the bytes it may read, 0 if none.
 */
static uint32_t set_limit(struct nc2_cons *c)
{
	uint32_t avail = c->prod - c->pvt;
	uint32_t off = c->pvt & (c->size - 1);

	if (avail > c->size - off)
		avail = c->size - off;
	c->next = c->ring + off;
	c->limit = c->pvt + avail;
	return avail;
}

/* All of peek; the inline nc2_cons_peek() comes here when in doubt. */
int nc2_cons_peek_slow(struct nc2_cons *c, struct nc2_msg *m)
{
	const struct nc2_msg_hdr *h;
	uint32_t off, size, avail;
	uint8_t type;

	if (nc2_unlikely(c->err))
		return c->err;
	/* Each PAD consumes at least 8 bytes of a finite snapshot: bounded. */
	for (;;) {
		if (c->pvt == c->prod) {
			int err = refresh_prod(c);

			if (err)
				return err;
			if (c->pvt == c->prod) {
				set_limit(c);
				return 0;
			}
		}
		avail = c->prod - c->pvt;
		off = c->pvt & (c->size - 1);
		h = (const struct nc2_msg_hdr *)(c->ring + off);
		type = nc2_load8(&h->type);
		size = nc2_le16_to_cpu(nc2_load16(&h->size));
		if (nc2_unlikely(size < NC2_MSG_MIN_SIZE ||
				 (size & (NC2_MSG_ALIGN - 1)) || size > avail ||
				 size > c->size - off)) {
			nc2_cons_fail(c, -NC2_EP_MSG_SIZE);
			return c->err;
		}
		if (type != NC2_MSG_PAD)
			break;
		c->pvt += size;
		c->stats.pads++;
	}
	if (nc2_unlikely(type == NC2_MSG_INVALID)) {
		nc2_cons_fail(c, -NC2_EP_MSG_TYPE);
		return c->err;
	}
	m->type = type;
	m->flags = nc2_load8(&h->flags);
	m->size = (uint16_t)size;
	m->data = (const uint8_t *)h;
	c->peeked = size;
	set_limit(c);
	return 1;
}

int nc2_cons_refill(struct nc2_cons *c)
{
	if (nc2_unlikely(c->err))
		return c->err;
	if (c->pvt == c->prod) {
		int err = refresh_prod(c);

		if (err)
			return err;
	}
	return (int)set_limit(c);
}

/*
 * The end of a re-arm: ask for an event min_bytes on (0: any message),
 * fence, and look at prod again; 1 if messages are waiting, else 0.
 */
static int arm_and_look(struct nc2_cons *c, uint32_t min_bytes)
{
	int err;

	if (min_bytes == 0 || min_bytes > c->size)
		min_bytes = 1;
	nc2_store32(&c->ctrl->prod_event, nc2_cpu_to_le32(c->pvt + min_bytes));
	/*
	 * Pairs with nc2_mb() in nc2_prod_push(): event store, prod load;
	 * and, after nc2_cons_release_rearm()'s cons store, with the one in
	 * nc2_prod_want_space(): cons store, cons_event load.
	 */
	nc2_mb();
	err = refresh_prod(c);
	if (err)
		return err;
	return c->pvt != c->prod;
}

int nc2_cons_release_rearm(struct nc2_cons *c, uint32_t min_bytes,
			   bool *notify)
{
	uint32_t old = c->released, cur = c->pvt;
	int r;

	*notify = false;
	if (nc2_unlikely(c->err))
		return c->err;
	if (cur != c->prod) {
		/* More is known to be there: no sleep, an ordinary release. */
		r = nc2_cons_release(c);
		if (r < 0)
			return r;
		*notify = r > 0;
		return 1;
	}
	if (cur != old) {
		/* Our reads of the messages complete before the producer reuses them. */
		nc2_store_release32(&c->ctrl->cons, nc2_cpu_to_le32(cur));
		c->released = cur;
		c->stats.bytes += cur - old;
	}
	/* One fence, in there, for both stores. */
	r = arm_and_look(c, min_bytes);
	if (r < 0)
		return r;
	if (cur != old &&
	    nc2_event_due(nc2_le32_to_cpu(nc2_load32(&c->ctrl->cons_event)),
			  old, cur)) {
		c->stats.notifies++;
		*notify = true;
	}
	return r;
}

int nc2_cons_rearm(struct nc2_cons *c, uint32_t min_bytes)
{
	if (nc2_unlikely(c->err))
		return c->err;
	if (c->pvt != c->prod)
		return 1;
	return arm_and_look(c, min_bytes);
}
