// SPDX-License-Identifier: MIT
#include "fixture.h"
#include <stdlib.h>
#include <string.h>

void tring_alloc(struct tring *t, uint32_t pages)
{
	t->bytes = pages * NC2_PAGE_SIZE;
	t->ctrl = aligned_alloc(4096, 4096);
	t->data = aligned_alloc(4096, t->bytes);
	assert_non_null(t->ctrl);
	assert_non_null(t->data);
	nc2_ctrl_reset(t->ctrl);
	memset(t->data, 0xa5, t->bytes);
}

void tring_free(struct tring *t)
{
	free(t->ctrl);
	free(t->data);
}

void tpair_alloc(struct tpair *p, uint32_t pages)
{
	memset(p, 0, sizeof(*p));
	tring_alloc(&p->a2b, pages);
	tring_alloc(&p->b2a, pages);
}

void tpair_free(struct tpair *p)
{
	tring_free(&p->a2b);
	tring_free(&p->b2a);
}

void tpair_config(struct tpair *p, struct nc2_link_config *ca,
		  struct nc2_link_config *cb, uint16_t device_class)
{
	memset(ca, 0, sizeof(*ca));
	memset(cb, 0, sizeof(*cb));
	ca->device_class = cb->device_class = device_class;
	ca->features = cb->features = NC2_FEAT_ALL;
	ca->pool_words = p->pool_a;
	ca->set_words = p->set_a;
	cb->pool_words = p->pool_b;
	ca->pool_tokens = p->tok_a;
	cb->pool_tokens = p->tok_b;
	cb->set_words = p->set_b;
	ca->pool_cap = ca->set_limit = cb->pool_cap = cb->set_limit = 256;
}

void tpair_links_up(struct tpair *p, struct nc2_link *a,
		    const struct nc2_link_config *ca, struct nc2_link *b,
		    const struct nc2_link_config *cb)
{
	struct nc2_msg m;

	assert_int_equal(nc2_link_init(a, ca, p->a2b.ctrl, p->a2b.data,
				       p->a2b.bytes, p->b2a.ctrl, p->b2a.data,
				       p->b2a.bytes), 0);
	assert_int_equal(nc2_link_init(b, cb, p->b2a.ctrl, p->b2a.data,
				       p->b2a.bytes, p->a2b.ctrl, p->a2b.data,
				       p->a2b.bytes), 0);
	assert_int_equal(nc2_link_start(a), 0);
	assert_int_equal(nc2_link_start(b), 0);
	nc2_link_push(a);
	nc2_link_push(b);
	assert_int_equal(nc2_link_poll(a, &m), 0);
	assert_int_equal(nc2_link_poll(b, &m), 0);
	nc2_link_release(a);
	nc2_link_release(b);
	assert_int_equal(nc2_link_state(a), NC2_LINK_UP);
	assert_int_equal(nc2_link_state(b), NC2_LINK_UP);
}

void traw(struct nc2_prod *p, uint8_t type, uint8_t flags, uint16_t size,
	  const void *body, uint32_t body_len)
{
	uint8_t *at = p->ring + (p->pvt & (p->size - 1));
	struct nc2_msg_hdr h = { .type = type, .flags = flags, .size = size };

	memcpy(at, &h, sizeof(h));
	if (body_len)
		memcpy(at + sizeof(h), body, body_len);
	p->pvt += (size + 7u) & ~7u;
	if (((size + 7u) & ~7u) == 0)
		p->pvt += 8;
	/* The producer's cached view no longer holds: the slow path redoes it. */
	p->limit = p->pvt;
}
