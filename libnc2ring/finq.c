// SPDX-License-Identifier: MIT
/*
 * The queue of FINISHes still owed. It decides when they may go: a full
 * ring turns into a space event asked of the peer, missing credit into a
 * wait for the peer's next messages, and the limiter pays only for ids
 * actually sent, so a retry costs nothing but the retry.
 */
#include <nc2/finq.h>

/* The smallest FINISH: one id. */
#define FINISH_ONE ((uint32_t)sizeof(struct nc2_msg_finish) + 4u)

void nc2_finq_init(struct nc2_finq *q, uint32_t *ids, uint32_t cap)
{
	q->ids = ids;
	q->cap = ids ? cap : 0;
	q->n = 0;
}

int nc2_finq_add(struct nc2_finq *q, uint32_t id)
{
	if (q->n >= q->cap)
		return -NC2_E_AGAIN;
	q->ids[q->n++] = id;
	return 0;
}

void nc2_finq_reset(struct nc2_finq *q)
{
	q->n = 0;
}

/* Drop the first k ids, keeping the rest in order. */
static void shift(struct nc2_finq *q, uint32_t from, uint32_t k)
{
	uint32_t i;

	for (i = from; i + k < q->n; i++)
		q->ids[i] = q->ids[i + k];
	q->n -= k;
}

int nc2_finq_splice(struct nc2_finq *dst, struct nc2_finq *src)
{
	uint32_t k = src->n, i;

	if (k > dst->cap - dst->n)
		k = dst->cap - dst->n;
	for (i = 0; i < k; i++)
		dst->ids[dst->n++] = src->ids[i];
	shift(src, 0, k);
	return src->n ? -NC2_E_AGAIN : 0;
}

/*
 * nc2_link_finish() refused the batch starting at ids[at]: send that one
 * id alone, or drop it if the link does not hold it. 1 sent, 0 dropped,
 * 2 no room, <0 error.
 */
static int finish_one(struct nc2_finq *q, uint32_t at, struct nc2_link *l)
{
	int r = nc2_link_finish(l, &q->ids[at], 1);

	if (r == -NC2_E_INVAL) {
		shift(q, at, 1);
		return 0;
	}
	if (r < 0)
		return r;
	return r == 1 ? 1 : 2;
}

int nc2_finq_flush(struct nc2_finq *q, struct nc2_link *l,
		   struct nc2_limiter *lim)
{
	uint32_t sent = 0;
	int ret = nc2_link_error(l);

	if (!q->n)
		return NC2_FINQ_EMPTY;
	if (ret)
		return ret;
	for (;;) {
		uint32_t k = q->n - sent, avail;
		int done;

		if (!k) {
			ret = NC2_FINQ_EMPTY;
			break;
		}
		if (lim) {
			avail = nc2_limiter_resp_avail(lim);
			if (!avail) {
				ret = NC2_FINQ_WAIT_CREDIT;
				break;
			}
			if (k > avail)
				k = avail;
		}
		done = nc2_link_finish(l, &q->ids[sent], k);
		if (done == -NC2_E_INVAL) {
			done = finish_one(q, sent, l);
			if (done == 0)
				continue;
			k = 1;
			if (done == 2)
				done = 0;
		}
		if (done < 0) {
			ret = done;
			break;
		}
		if (lim && done)
			nc2_limiter_charge_resp(lim, (uint32_t)done);
		sent += (uint32_t)done;
		if ((uint32_t)done == k)
			continue;
		/*
		 * Not even one more id fits (or a bad id ended the run: the
		 * next round finds it). Ask for the event, then look again:
		 * the peer may have made room since the ring was read.
		 */
		ret = nc2_link_want_space(l, FINISH_ONE);
		if (ret < 0)
			break;
		if (ret == 0) {
			ret = NC2_FINQ_WAIT_ROOM;
			break;
		}
	}
	shift(q, 0, sent);
	return ret;
}
