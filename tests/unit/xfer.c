// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "xfer.h"
#include <nc2/ring.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct xfer {
	const struct xfer_opts *o;
	struct nc2_wire_ctrl *ctrl;
	uint8_t *ring;
	struct nc2_prod p;
	struct nc2_cons c;
	sem_t to_cons, to_prod; /* the two event channels */
	struct xfer_result *r;
	int stop;
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Both threads derive message i's size from the same generator. */
static uint32_t msg_len(const struct xfer_opts *o, uint64_t *s)
{
	uint32_t span = o->max_len - o->min_len + 1;

	return o->min_len + (uint32_t)(rnd(s) % span);
}

static void fill(uint8_t *b, uint32_t n, uint64_t i)
{
	uint8_t v = (uint8_t)(i * 131);

	memcpy(b, &i, n < 8 ? n : 8);
	for (uint32_t j = 8; j < n; j++)
		b[j] = (uint8_t)(v + j);
}

static int check(const uint8_t *b, uint32_t n, uint64_t i)
{
	uint8_t v = (uint8_t)(i * 131);
	uint64_t got = 0;

	memcpy(&got, b, n < 8 ? n : 8);
	if (n >= 8 && got != i)
		return 0;
	for (uint32_t j = 8; j < n; j++)
		if (b[j] != (uint8_t)(v + j))
			return 0;
	return 1;
}

/* Sleep on an event channel; a long silence means a lost wakeup. */
static int wait_event(sem_t *s)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 20;
	while (sem_timedwait(s, &ts) != 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static void *producer(void *arg)
{
	struct xfer *x = arg;
	const struct xfer_opts *o = x->o;
	uint64_t s = o->seed, bs = o->seed * 7 + 1, i = 0;

	while (i < o->msgs && !x->stop) {
		uint32_t batch = 1 + (uint32_t)(rnd(&bs) % o->max_batch), k;

		for (k = 0; k < batch && i < o->msgs; k++) {
			uint64_t save = s;
			uint32_t len = msg_len(o, &s);
			void *m;
			int err = nc2_prod_reserve(&x->p, len, &m);

			if (err == -NC2_E_AGAIN) {
				s = save; /* same message again after the wait */
				if (nc2_prod_push(&x->p) > 0) {
					x->r->prod_notifies++;
					sem_post(&x->to_cons);
				}
				err = nc2_prod_want_space(&x->p, len);
				if (err == 0) {
					x->r->prod_sleeps++;
					if (wait_event(&x->to_prod)) {
						x->r->error = -1;
						x->stop = 1;
						return NULL;
					}
				}
				if (err < 0)
					goto fail;
				continue;
			}
			if (err)
				goto fail;
			if (o->check)
				fill((uint8_t *)m + 4, len - 4, i);
			else
				memcpy((uint8_t *)m + 4, &i, len - 4 < 8 ? len - 4 : 8);
			nc2_prod_commit(&x->p, 0x80, 0, len);
			i++;
		}
		if (nc2_prod_push(&x->p) > 0) {
			x->r->prod_notifies++;
			sem_post(&x->to_cons);
		}
	}
	return NULL;
fail:
	x->r->error = nc2_prod_error(&x->p);
	x->stop = 1;
	sem_post(&x->to_cons);
	return NULL;
}

static void *consumer(void *arg)
{
	struct xfer *x = arg;
	const struct xfer_opts *o = x->o;
	uint64_t s = o->seed, i = 0;
	struct nc2_msg m;
	int ret;

	while (i < o->msgs) {
		while ((ret = nc2_cons_peek(&x->c, &m)) > 0) {
			uint32_t len = msg_len(o, &s);

			if (m.size != ((len + 7) & ~7u) ||
			    (o->check && !check(m.data + 4, len - 4, i)))
				x->r->bad++;
			nc2_cons_consume(&x->c);
			x->r->bytes += m.size;
			i++;
		}
		if (ret < 0)
			goto fail;
		if (nc2_cons_release(&x->c) > 0) {
			x->r->cons_notifies++;
			sem_post(&x->to_prod);
		}
		if (i == o->msgs)
			break;
		ret = nc2_cons_rearm(&x->c, 0);
		if (ret < 0)
			goto fail;
		if (ret == 0) {
			x->r->cons_sleeps++;
			if (wait_event(&x->to_cons) || x->stop) {
				x->r->error = x->stop ? x->r->error : -1;
				x->stop = 1;
				sem_post(&x->to_prod);
				return NULL;
			}
		}
	}
	x->r->msgs = i;
	return NULL;
fail:
	x->r->error = nc2_cons_error(&x->c);
	x->stop = 1;
	sem_post(&x->to_prod);
	return NULL;
}

int xfer_run(const struct xfer_opts *o, struct xfer_result *r)
{
	struct xfer x = { .o = o, .r = r };
	struct timespec t0, t1;
	pthread_t pt, ct;
	uint32_t bytes = o->pages * NC2_PAGE_SIZE;

	memset(r, 0, sizeof(*r));
	x.ctrl = aligned_alloc(4096, 4096);
	x.ring = aligned_alloc(4096, bytes);
	if (!x.ctrl || !x.ring)
		return -1;
	nc2_ctrl_reset(x.ctrl);
	if (nc2_prod_init(&x.p, x.ctrl, x.ring, bytes) ||
	    nc2_cons_init(&x.c, x.ctrl, x.ring, bytes))
		return -1;
	sem_init(&x.to_cons, 0, 0);
	sem_init(&x.to_prod, 0, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&ct, NULL, consumer, &x);
	pthread_create(&pt, NULL, producer, &x);
	pthread_join(pt, NULL);
	pthread_join(ct, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->seconds = (double)(t1.tv_sec - t0.tv_sec) +
		     (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	r->pads = x.c.stats.pads;
	sem_destroy(&x.to_cons);
	sem_destroy(&x.to_prod);
	free(x.ctrl);
	free(x.ring);
	return r->error || r->bad || r->msgs != o->msgs ? -1 : 0;
}
