// SPDX-License-Identifier: MIT
/*
 * FINISH messages: batches of completed ids, in any order. Without the
 * FINISH_BATCH feature each message carries exactly one id, as in the
 * original netchannel2. When the ring is nearly full the last message
 * shrinks to the room left, so a caller never waits for room it has.
 */
#include <nc2/link.h>

static uint32_t ids_per_msg(const struct nc2_link *l)
{
	uint32_t room = (l->tx.size / 2 - sizeof(struct nc2_msg_finish)) / 4;

	if (!(l->features & NC2_FEAT_FINISH_BATCH))
		return 1;
	return room < NC2_FINISH_MAX_IDS ? room : NC2_FINISH_MAX_IDS;
}

int nc2_link_finish(struct nc2_link *l, const uint32_t *ids, uint32_t n)
{
	uint32_t done = 0, per = ids_per_msg(l);
	int err = nc2_link_error(l);

	if (err)
		return err;
	if (l->close_sent || l->state == NC2_LINK_INIT)
		return -NC2_E_STATE;
	while (done < n) {
		struct nc2_msg_finish *f;
		uint32_t k = n - done < per ? n - done : per, i;
		void *m;

		/*
		 * Take the ids out of the set as we check them, so that one
		 * named twice is refused rather than finished twice; put them
		 * back if this message cannot go out.
		 */
		for (i = 0; i < k; i++)
			if (nc2_idset_del(&l->set, ids[done + i]))
				break;
		if (i == k)
			err = nc2_prod_reserve(&l->tx, sizeof(*f) + 4 * k, &m);
		else
			err = -NC2_E_INVAL;
		if (err == -NC2_E_AGAIN && k > 1) {
			/* Fill what room is left rather than none of it. */
			uint32_t room = nc2_prod_room(&l->tx), fit = 0;

			if (room >= sizeof(*f) + 4)
				fit = (room - (uint32_t)sizeof(*f)) / 4;
			if (fit && fit < k) {
				while (k > fit)
					nc2_idset_add(&l->set, ids[done + --k]);
				i = k;
				err = nc2_prod_reserve(&l->tx, sizeof(*f) + 4 * k,
						       &m);
			}
		}
		if (err) {
			while (i--)
				nc2_idset_add(&l->set, ids[done + i]);
			if (err == -NC2_E_AGAIN ||
			    (done && err == -NC2_E_INVAL))
				break;
			return nc2_link_check(l, err);
		}
		f = m;
		f->count = nc2_cpu_to_le16((uint16_t)k);
		f->reserved = 0;
		for (i = 0; i < k; i++)
			f->id[i] = nc2_cpu_to_le32(ids[done + i]);
		nc2_prod_commit(&l->tx, NC2_MSG_FINISH, 0, sizeof(*f) + 4 * k);
		l->stats.finish_msgs++;
		l->stats.finish_ids += k;
		done += k;
	}
	return (int)done;
}

int nc2_link_finish_begin(struct nc2_link *l, const struct nc2_msg *m,
			  struct nc2_finish_iter *it)
{
	const struct nc2_msg_finish *f = (const void *)m->data;
	uint32_t count;

	if (m->type != NC2_MSG_FINISH)
		return -NC2_E_INVAL;
	count = nc2_le16_to_cpu(nc2_load16(&f->count));
	if (count == 0 || m->size != ((sizeof(*f) + 4 * count + 7) & ~7u) ||
	    (count > 1 && !(l->features & NC2_FEAT_FINISH_BATCH))) {
		nc2_link_fail(l, -NC2_EP_MSG_LAYOUT);
		return -NC2_EP_MSG_LAYOUT;
	}
	it->ids = f->id;
	it->count = count;
	it->pos = 0;
	return 0;
}

int nc2_link_finish_next(struct nc2_link *l, struct nc2_finish_iter *it,
			 uint32_t *id, void **token)
{
	uint32_t v;
	int err;

	if (it->pos >= it->count)
		return 0;
	err = nc2_link_error(l);
	if (err)
		return err;
	v = nc2_le32_to_cpu(nc2_load32(&it->ids[it->pos]));
	it->pos++;
	err = nc2_idpool_put(&l->pool, v, token);
	if (err) {
		nc2_link_fail(l, err);
		return err;
	}
	if (id)
		*id = v;
	return 1;
}
