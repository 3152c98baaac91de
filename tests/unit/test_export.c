// SPDX-License-Identifier: MIT
/*
 * The shared library still exports every call nc2/ring.h and nc2/link.h
 * define inline (libnc2ring/ring_inline.c), and those copies work: a
 * round trip made only through symbols looked up in libnc2ring.so,
 * whose path is the test's argument.
 */
#include "fixture.h"
#include <dlfcn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static void *lib;

static void *sym(const char *name)
{
	void *p = dlsym(lib, name);

	if (!p)
		fail_msg("libnc2ring.so does not export %s", name);
	return p;
}

static void test_symbols(void **state)
{
	static const char *const names[] = {
		"nc2_prod_reserve", "nc2_prod_commit", "nc2_prod_push",
		"nc2_prod_alloc", "nc2_cons_peek", "nc2_cons_consume",
		"nc2_cons_take", "nc2_cons_release", "nc2_cons_release_lazy",
		"nc2_link_poll", "nc2_link_consume", "nc2_link_push",
		"nc2_link_release",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		sym(names[i]);
}

/*
 * Messages through symbols looked up in the .so, enough to wrap the ring
 * so the PAD path runs too: reserve/commit and peek/consume, or (fused)
 * alloc and take.
 */
static void export_trip(bool fused)
{
	int (*reserve)(struct nc2_prod *, uint32_t, void **) =
		sym("nc2_prod_reserve");
	void (*commit)(struct nc2_prod *, uint8_t, uint8_t, uint32_t) =
		sym("nc2_prod_commit");
	int (*alloc)(struct nc2_prod *, uint8_t, uint8_t, uint32_t, void **) =
		sym("nc2_prod_alloc");
	int (*push)(struct nc2_prod *) = sym("nc2_prod_push");
	int (*peek)(struct nc2_cons *, struct nc2_msg *) =
		sym("nc2_cons_peek");
	void (*consume)(struct nc2_cons *) = sym("nc2_cons_consume");
	int (*take)(struct nc2_cons *, struct nc2_msg *) = sym("nc2_cons_take");
	int (*next)(struct nc2_cons *, struct nc2_msg *) = fused ? take : peek;
	int (*release)(struct nc2_cons *) = sym("nc2_cons_release");
	uint8_t flags = fused ? 2 : 1;
	struct tring t;
	struct nc2_prod p;
	struct nc2_cons c;
	struct nc2_msg m;
	void *msg;

	tring_alloc(&t, 1);
	assert_int_equal(nc2_prod_init(&p, t.ctrl, t.data, t.bytes), 0);
	assert_int_equal(nc2_cons_init(&c, t.ctrl, t.data, t.bytes), 0);
	for (uint32_t i = 0; i < 3 * t.bytes / 48; i++) {
		if (fused)
			assert_int_equal(alloc(&p, 0x40, flags, 44, &msg), 0);
		else
			assert_int_equal(reserve(&p, 44, &msg), 0);
		memcpy((uint8_t *)msg + 4, &i, 4);
		if (!fused)
			commit(&p, 0x40, flags, 44);
		assert_true(push(&p) >= 0);
		assert_int_equal(next(&c, &m), 1);
		assert_int_equal(m.type, 0x40);
		assert_int_equal(m.flags, flags);
		assert_int_equal(m.size, 48);
		assert_memory_equal(m.data + 4, &i, 4);
		if (!fused)
			consume(&c);
		assert_true(release(&c) >= 0);
	}
	assert_int_equal(next(&c, &m), 0);
	assert_true(p.stats.pads > 0);
	if (fused)
		assert_int_equal(alloc(&p, 0x40, 0, 7, &msg), -NC2_E_INVAL);
	else
		assert_int_equal(reserve(&p, 7, &msg), -NC2_E_INVAL);
	tring_free(&t);
}

static void test_round_trip(void **state)
{
	export_trip(false);
}

/* The fused calls' exported copies. */
static void test_alloc_take(void **state)
{
	export_trip(true);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symbols),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_alloc_take),
	};

	if (argc < 2 || !(lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL))) {
		print_error("usage: test_export path/to/libnc2ring.so (%s)\n",
			    dlerror());
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
