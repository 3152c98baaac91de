// SPDX-License-Identifier: MIT
/*
 * The forwarding ledger: a source is answered only after its destination
 * is done and every grant into its memory ended, never once it is gone,
 * and never for an entry given up with grants still live.
 */
#include "fixture.h"

#define CAP 8

struct ffix {
	struct nc2_fwdledger fl;
	struct nc2_fwd_entry e[CAP];
};

static void ffix_init(struct ffix *f)
{
	assert_int_equal(nc2_fwdl_init(&f->fl, f->e, CAP), 0);
}

/* The next answer must be (src, gen, id). */
static void want(struct ffix *f, uint32_t src, uint32_t gen, uint32_t id)
{
	uint32_t s = ~0u, g = ~0u, i = ~0u;

	assert_int_equal(nc2_fwdl_next_answer(&f->fl, &s, &g, &i), 1);
	assert_int_equal(s, src);
	assert_int_equal(g, gen);
	assert_int_equal(i, id);
}

static void none(struct ffix *f)
{
	assert_int_equal(nc2_fwdl_next_answer(&f->fl, NULL, NULL, NULL), 0);
}

static void test_init(void **state)
{
	struct ffix f;

	assert_int_equal(nc2_fwdl_init(&f.fl, NULL, CAP), -NC2_E_INVAL);
	assert_int_equal(nc2_fwdl_init(&f.fl, f.e, 0), -NC2_E_INVAL);
	ffix_init(&f);
	assert_int_equal(nc2_fwdl_used(&f.fl), 0);
	none(&f);
}

/* Both conditions, in either order, and nothing before both. */
static void test_dest_and_grants(void **state)
{
	struct ffix f;
	uint32_t h1, h2, h3;

	ffix_init(&f);
	assert_int_equal(nc2_fwdl_add(&f.fl, 1, 5, 10, 2, &h1), 0);
	assert_int_equal(nc2_fwdl_add(&f.fl, 2, 6, 20, 1, &h2), 0);
	assert_int_equal(nc2_fwdl_add(&f.fl, 3, 7, 30, 0, &h3), 0);
	assert_int_equal(nc2_fwdl_used(&f.fl), 3);
	/* Destination done, one grant of two still live: wait. */
	assert_int_equal(nc2_fwdl_dest_done(&f.fl, h1), 0);
	assert_int_equal(nc2_fwdl_grant_ended(&f.fl, h1, 1), 0);
	none(&f);
	/* Grants ended before the destination FINISHed: wait too. */
	assert_int_equal(nc2_fwdl_grant_ended(&f.fl, h2, 1), 0);
	none(&f);
	/* In the order they became answerable, not the order added. */
	assert_int_equal(nc2_fwdl_dest_done(&f.fl, h3), 0);
	assert_int_equal(nc2_fwdl_dest_done(&f.fl, h2), 0);
	assert_int_equal(nc2_fwdl_grant_ended(&f.fl, h1, 1), 0);
	want(&f, 3, 7, 30);
	want(&f, 2, 6, 20);
	want(&f, 1, 5, 10);
	none(&f);
	assert_int_equal(nc2_fwdl_used(&f.fl), 0);
}

static void test_caller_bugs(void **state)
{
	struct ffix f;
	uint32_t h;

	ffix_init(&f);
	assert_int_equal(nc2_fwdl_add(&f.fl, 1, 1, 1, 0x10000, &h),
			 -NC2_E_INVAL);
	assert_int_equal(nc2_fwdl_add(&f.fl, 1, 1, 1, 2, &h), 0);
	/* More grants ended than it had: refused, nothing changes. */
	assert_int_equal(nc2_fwdl_grant_ended(&f.fl, h, 3), -NC2_E_INVAL);
	assert_int_equal(nc2_fwdl_dest_done(&f.fl, h), 0);
	assert_int_equal(nc2_fwdl_dest_done(&f.fl, h), -NC2_E_INVAL);
	none(&f);
	assert_int_equal(nc2_fwdl_grant_ended(&f.fl, h, 2), 0);
	/* Ready: no longer live for the verbs. */
	assert_int_equal(nc2_fwdl_grant_ended(&f.fl, h, 0), -NC2_E_INVAL);
	assert_int_equal(nc2_fwdl_abandon(&f.fl, h), -NC2_E_INVAL);
	want(&f, 1, 1, 1);
	/* Freed handles and handles out of range. */
	assert_int_equal(nc2_fwdl_dest_done(&f.fl, h), -NC2_E_INVAL);
	assert_int_equal(nc2_fwdl_dest_done(&f.fl, CAP), -NC2_E_INVAL);
	assert_int_equal(nc2_fwdl_grant_ended(&f.fl, ~0u, 0), -NC2_E_INVAL);
	assert_int_equal(nc2_fwdl_abandon(&f.fl, CAP + 1), -NC2_E_INVAL);
}

/* Bounded: a full ledger says so, and a freed entry is reused. */
static void test_full(void **state)
{
	struct ffix f;
	uint32_t h[CAP], x;

	ffix_init(&f);
	for (uint32_t i = 0; i < CAP; i++)
		assert_int_equal(nc2_fwdl_add(&f.fl, 0, 0, i, 0, &h[i]), 0);
	assert_int_equal(nc2_fwdl_add(&f.fl, 0, 0, 99, 0, &x), -NC2_E_AGAIN);
	assert_int_equal(nc2_fwdl_dest_done(&f.fl, h[4]), 0);
	/* Ready but not yet answered still holds its entry. */
	assert_int_equal(nc2_fwdl_add(&f.fl, 0, 0, 99, 0, &x), -NC2_E_AGAIN);
	want(&f, 0, 0, 4);
	assert_int_equal(nc2_fwdl_add(&f.fl, 0, 0, 99, 0, &x), 0);
	assert_int_equal(x, h[4]);
	assert_int_equal(nc2_fwdl_used(&f.fl), CAP);
}

/* A source that went away is never answered, whatever the order. */
static void test_source_gone(void **state)
{
	struct ffix f;
	uint32_t a1, a2, a3, b1;

	ffix_init(&f);
	assert_int_equal(nc2_fwdl_add(&f.fl, 1, 3, 10, 1, &a1), 0);
	assert_int_equal(nc2_fwdl_add(&f.fl, 1, 3, 11, 1, &a2), 0);
	assert_int_equal(nc2_fwdl_add(&f.fl, 1, 3, 12, 0, &a3), 0);
	assert_int_equal(nc2_fwdl_add(&f.fl, 2, 9, 20, 0, &b1), 0);
	/* a3 is ready but unanswered when its source goes. */
	assert_int_equal(nc2_fwdl_dest_done(&f.fl, a3), 0);
	assert_int_equal(nc2_fwdl_source_gone(&f.fl, 1), 3);
	assert_int_equal(nc2_fwdl_source_gone(&f.fl, 1), 0);
	assert_int_equal(nc2_fwdl_orphans(&f.fl), 3);
	/* Orphans still wait for their destination and grants. */
	assert_int_equal(nc2_fwdl_dest_done(&f.fl, a1), 0);
	assert_int_equal(nc2_fwdl_used(&f.fl), 4);
	assert_int_equal(nc2_fwdl_grant_ended(&f.fl, a1, 1), 0);
	assert_int_equal(nc2_fwdl_used(&f.fl), 3); /* a1 freed silently */
	/* The reconnected source's new entries are answered as usual. */
	assert_int_equal(nc2_fwdl_add(&f.fl, 1, 4, 10, 0, &a1), 0);
	assert_int_equal(nc2_fwdl_dest_done(&f.fl, a1), 0);
	assert_int_equal(nc2_fwdl_dest_done(&f.fl, b1), 0);
	want(&f, 1, 4, 10); /* the ready orphan a3 is dropped first */
	want(&f, 2, 9, 20);
	none(&f);
	assert_int_equal(nc2_fwdl_orphans(&f.fl), 1); /* a2 */
	assert_int_equal(nc2_fwdl_abandon(&f.fl, a2), 0);
	assert_int_equal(nc2_fwdl_orphans(&f.fl), 0);
	assert_int_equal(nc2_fwdl_used(&f.fl), 0);
}

/*
 * The destination goes away: entries whose grants all end are answered
 * (their destination is done, by decree); those it may still read
 * through are given up, their source never answered.
 */
static void test_dest_gone(void **state)
{
	struct ffix f;
	uint32_t h1, h2;

	ffix_init(&f);
	assert_int_equal(nc2_fwdl_add(&f.fl, 1, 1, 10, 2, &h1), 0);
	assert_int_equal(nc2_fwdl_add(&f.fl, 2, 1, 20, 2, &h2), 0);
	assert_int_equal(nc2_fwdl_dest_done(&f.fl, h1), 0);
	assert_int_equal(nc2_fwdl_grant_ended(&f.fl, h1, 2), 0);
	assert_int_equal(nc2_fwdl_dest_done(&f.fl, h2), 0);
	assert_int_equal(nc2_fwdl_grant_ended(&f.fl, h2, 1), 0);
	assert_int_equal(nc2_fwdl_abandon(&f.fl, h2), 0);
	want(&f, 1, 1, 10);
	none(&f);
	assert_int_equal(nc2_fwdl_used(&f.fl), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_dest_and_grants),
		cmocka_unit_test(test_caller_bugs),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_source_gone),
		cmocka_unit_test(test_dest_gone),
	};

	return cmocka_run_group_tests_name("fwdledger", tests, NULL, NULL);
}
