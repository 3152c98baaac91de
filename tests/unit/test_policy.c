// SPDX-License-Identifier: MIT
/*
 * The bypass policy: what the toolstack may write, what it means, and
 * that every malformed policy forbids rather than allows.
 */
#include "fixture.h"
#include <stdio.h>
#include <string.h>

static int parse(struct nc2_policy *p, const char *s)
{
	return nc2_policy_parse(p, s, strlen(s));
}

static void test_words(void **state)
{
	struct nc2_policy p;

	(void)state;
	assert_int_equal(parse(&p, "any"), 0);
	assert_int_equal(p.mode, NC2_POLICY_ANY);
	assert_true(nc2_policy_allows(&p, 0));
	assert_true(nc2_policy_allows(&p, 0x7FEF));
	assert_int_equal(parse(&p, "none"), 0);
	assert_int_equal(p.mode, NC2_POLICY_NONE);
	assert_false(nc2_policy_allows(&p, 3));
	/* As xenstore hands it over: with the terminator, or a newline. */
	assert_int_equal(nc2_policy_parse(&p, "any", 4), 0);
	assert_int_equal(p.mode, NC2_POLICY_ANY);
	assert_int_equal(parse(&p, " any\n"), 0);
	assert_int_equal(p.mode, NC2_POLICY_ANY);
}

static void test_list(void **state)
{
	struct nc2_policy p;

	(void)state;
	assert_int_equal(parse(&p, "3 7,12"), 0);
	assert_int_equal(p.mode, NC2_POLICY_LIST);
	assert_int_equal(p.nr, 3);
	assert_true(nc2_policy_allows(&p, 3));
	assert_true(nc2_policy_allows(&p, 7));
	assert_true(nc2_policy_allows(&p, 12));
	assert_false(nc2_policy_allows(&p, 1));
	assert_false(nc2_policy_allows(&p, 0));
	assert_int_equal(parse(&p, "0 32751"), 0); /* 0x7FEF: last guest */
	assert_true(nc2_policy_allows(&p, 0x7FEF));
}

static void test_bad_forbids(void **state)
{
	static const char *const bad[] = {
		"", " ", ",", "all", "3x", "-1", "32752", "65536", "123456",
		"any 3", "3 any", "none,none", "any none", "0x10", "3;4",
	};
	struct nc2_policy p;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* Start from "any": a failed parse must not keep it. */
		assert_int_equal(parse(&p, "any"), 0);
		assert_int_equal(parse(&p, bad[i]), -NC2_E_INVAL);
		assert_int_equal(p.mode, NC2_POLICY_NONE);
		assert_false(nc2_policy_allows(&p, 3));
	}
}

static void test_bounds(void **state)
{
	char s[NC2_POLICY_MAX_TEXT + 8];
	struct nc2_policy p;
	size_t n = 0;

	(void)state;
	/* NC2_POLICY_MAX_PEERS ids fit; one more is refused, not cut. */
	for (unsigned int i = 0; i < NC2_POLICY_MAX_PEERS; i++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%u ", i + 1);
	assert_int_equal(parse(&p, s), 0);
	assert_int_equal(p.nr, NC2_POLICY_MAX_PEERS);
	assert_true(nc2_policy_allows(&p, NC2_POLICY_MAX_PEERS));
	snprintf(s + n, sizeof(s) - n, "99");
	assert_int_equal(parse(&p, s), -NC2_E_INVAL);
	/* Longer than NC2_POLICY_MAX_TEXT, even if only blanks. */
	memset(s, ' ', sizeof(s));
	s[0] = '1';
	assert_int_equal(nc2_policy_parse(&p, s, NC2_POLICY_MAX_TEXT + 1),
			 -NC2_E_INVAL);
	assert_int_equal(nc2_policy_parse(&p, s, NC2_POLICY_MAX_TEXT), 0);
	/* A zero length is an empty policy: refused. */
	assert_int_equal(nc2_policy_parse(&p, s, 0), -NC2_E_INVAL);
}

static void test_pair(void **state)
{
	struct nc2_policy a, b;

	(void)state;
	assert_int_equal(parse(&a, "any"), 0);
	assert_int_equal(parse(&b, "4"), 0);
	/* Guest 2 (any) and guest 4 (only 4): 4 does not allow 2. */
	assert_false(nc2_policy_pair_allowed(&a, 2, &b, 4));
	assert_int_equal(parse(&b, "2"), 0);
	assert_true(nc2_policy_pair_allowed(&a, 2, &b, 4));
	assert_true(nc2_policy_pair_allowed(&b, 4, &a, 2));
	/* One side withdrawn: the pair is gone, whichever side. */
	nc2_policy_none(&a);
	assert_false(nc2_policy_pair_allowed(&a, 2, &b, 4));
	assert_false(nc2_policy_pair_allowed(&b, 4, &a, 2));
	/* Never with itself. */
	assert_int_equal(parse(&a, "any"), 0);
	assert_false(nc2_policy_pair_allowed(&a, 2, &a, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_bad_forbids),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_pair),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
