// SPDX-License-Identifier: MIT
/* Completion ids: credit, out-of-order return, range and duplicate checks. */
#include "fixture.h"

static void test_pool_credit(void **state)
{
	uint32_t words[NC2_IDPOOL_WORDS(8)], id;
	struct nc2_idpool p;

	assert_int_equal(nc2_idpool_init(&p, words, NULL, 0), -NC2_E_INVAL);
	assert_int_equal(nc2_idpool_init(&p, NULL, NULL, 8), -NC2_E_INVAL);
	assert_int_equal(nc2_idpool_init(&p, words, NULL, 70000), -NC2_E_INVAL);
	assert_int_equal(nc2_idpool_init(&p, words, NULL, 8), 0);
	/* No credit before the peer declares its limit. */
	assert_int_equal(nc2_idpool_get(&p, NULL, &id), -NC2_E_AGAIN);
	assert_int_equal(nc2_idpool_set_limit(&p, 0), -NC2_EP_LIMIT);
	assert_int_equal(nc2_idpool_set_limit(&p, 65537), -NC2_EP_LIMIT);
	assert_int_equal(nc2_idpool_set_limit(&p, 4), 0);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(nc2_idpool_get(&p, NULL, &id), 0);
		assert_int_equal(id, i);
	}
	assert_int_equal(nc2_idpool_get(&p, NULL, &id), -NC2_E_AGAIN);
	assert_int_equal(nc2_idpool_inflight(&p), 4);
	/* The peer may raise its limit, never lower it. */
	assert_int_equal(nc2_idpool_set_limit(&p, 3), -NC2_EP_LIMIT);
	assert_int_equal(nc2_idpool_set_limit(&p, 1000), 0); /* capped at 8 */
	for (uint32_t i = 4; i < 8; i++)
		assert_int_equal(nc2_idpool_get(&p, NULL, &id), 0);
	assert_int_equal(nc2_idpool_get(&p, NULL, &id), -NC2_E_AGAIN);
}

static void test_pool_out_of_order(void **state)
{
	uint32_t words[NC2_IDPOOL_WORDS(64)], id, seen[64] = { 0 };
	struct nc2_idpool p;
	uint64_t s = 42;

	nc2_idpool_init(&p, words, NULL, 64);
	nc2_idpool_set_limit(&p, 64);
	for (int i = 0; i < 64; i++)
		nc2_idpool_get(&p, NULL, &id);
	/* Return in a shuffled order; every id must come back exactly once. */
	uint32_t order[64];
	for (uint32_t i = 0; i < 64; i++)
		order[i] = i;
	for (uint32_t i = 63; i > 0; i--) {
		uint32_t j = tprng(&s) % (i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (int i = 0; i < 64; i++) {
		assert_int_equal(nc2_idpool_busy(&p, order[i]), 1);
		assert_int_equal(nc2_idpool_put(&p, order[i], NULL), 0);
		assert_int_equal(nc2_idpool_put(&p, order[i], NULL),
				 -NC2_EP_ID_UNKNOWN);
	}
	assert_int_equal(nc2_idpool_inflight(&p), 0);
	assert_int_equal(nc2_idpool_put(&p, 64, NULL), -NC2_EP_ID_RANGE);
	for (int i = 0; i < 64; i++) {
		assert_int_equal(nc2_idpool_get(&p, NULL, &id), 0);
		assert_true(id < 64);
		seen[id]++;
	}
	for (int i = 0; i < 64; i++)
		assert_int_equal(seen[i], 1);
}

/* Each id's token comes back with it, and only for an id in flight. */
static void test_pool_tokens(void **state)
{
	uint32_t words[NC2_IDPOOL_WORDS(8)], id[8];
	void *tokens[8], *t;
	int obj[8];
	struct nc2_idpool p;

	/* Without token storage only NULL tokens may ride. */
	assert_int_equal(nc2_idpool_init(&p, words, NULL, 8), 0);
	nc2_idpool_set_limit(&p, 8);
	assert_int_equal(nc2_idpool_get(&p, &obj[0], &id[0]), -NC2_E_INVAL);
	assert_int_equal(nc2_idpool_inflight(&p), 0);
	assert_int_equal(nc2_idpool_get(&p, NULL, &id[0]), 0);
	t = &obj[1];
	assert_int_equal(nc2_idpool_put(&p, id[0], &t), 0);
	assert_null(t);

	assert_int_equal(nc2_idpool_init(&p, words, tokens, 8), 0);
	nc2_idpool_set_limit(&p, 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(nc2_idpool_get(&p, &obj[i], &id[i]), 0);
	/* Out of order, each to its own object. */
	for (int i = 7; i >= 0; i -= 2) {
		assert_int_equal(nc2_idpool_put(&p, id[i], &t), 0);
		assert_ptr_equal(t, &obj[i]);
	}
	/* A bad id hands out nothing. */
	t = NULL;
	assert_int_equal(nc2_idpool_put(&p, id[7], &t), -NC2_EP_ID_UNKNOWN);
	assert_int_equal(nc2_idpool_put(&p, 8, &t), -NC2_EP_ID_RANGE);
	assert_null(t);
	/* A recycled id carries its new token, not the old one. */
	assert_int_equal(nc2_idpool_get(&p, &obj[3], &id[7]), 0);
	assert_int_equal(nc2_idpool_put(&p, id[7], &t), 0);
	assert_ptr_equal(t, &obj[3]);
	assert_int_equal(nc2_idpool_put(&p, id[0], NULL), 0);
}

static void test_set(void **state)
{
	uint32_t words[NC2_IDSET_WORDS(40)];
	struct nc2_idset s;

	assert_int_equal(nc2_idset_init(&s, words, 0), -NC2_E_INVAL);
	assert_int_equal(nc2_idset_init(&s, words, 40), 0);
	assert_int_equal(nc2_idset_add(&s, 39), 0);
	assert_int_equal(nc2_idset_add(&s, 39), -NC2_EP_ID_DUP);
	assert_int_equal(nc2_idset_add(&s, 40), -NC2_EP_ID_RANGE);
	assert_int_equal(nc2_idset_add(&s, 0xffffffffu), -NC2_EP_ID_RANGE);
	assert_int_equal(nc2_idset_inflight(&s), 1);
	assert_int_equal(nc2_idset_del(&s, 38), -NC2_E_INVAL);
	assert_int_equal(nc2_idset_del(&s, 400), -NC2_E_INVAL);
	assert_int_equal(nc2_idset_del(&s, 39), 0);
	assert_int_equal(nc2_idset_add(&s, 39), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_credit),
		cmocka_unit_test(test_pool_out_of_order),
		cmocka_unit_test(test_pool_tokens),
		cmocka_unit_test(test_set),
	};

	return cmocka_run_group_tests_name("ids", tests, NULL, NULL);
}
