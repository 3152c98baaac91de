// SPDX-License-Identifier: MIT
/*
 * The shared library still exports every call nc2/ring.h and nc2/link.h
 * define inline (libnc2ring/ring_inline.c), and those copies work: a
 * round trip made only through symbols looked up in libnc2ring.so,
 * whose path is the test's argument.
 */
#include "fixture.h"
#include <dlfcn.h>
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

static void test_round_trip(void **state)
{
	int (*reserve)(struct nc2_prod *, uint32_t, void **) =
		sym("nc2_prod_reserve");
	void (*commit)(struct nc2_prod *, uint8_t, uint8_t, uint32_t) =
		sym("nc2_prod_commit");
	int (*push)(struct nc2_prod *) = sym("nc2_prod_push");
	int (*peek)(struct nc2_cons *, struct nc2_msg *) =
		sym("nc2_cons_peek");
	void (*consume)(struct nc2_cons *) = sym("nc2_cons_consume");
	int (*release)(struct nc2_cons *) = sym("nc2_cons_release");
	struct tring t;
	struct nc2_prod p;
	struct nc2_cons c;
	struct nc2_msg m;
	void *msg;

	tring_alloc(&t, 1);
	assert_int_equal(nc2_prod_init(&p, t.ctrl, t.data, t.bytes), 0);
	assert_int_equal(nc2_cons_init(&c, t.ctrl, t.data, t.bytes), 0);
	/* Enough to wrap the ring, so the PAD path runs too. */
	for (uint32_t i = 0; i < 3 * t.bytes / 48; i++) {
		assert_int_equal(reserve(&p, 44, &msg), 0);
		memcpy((uint8_t *)msg + 4, &i, 4);
		commit(&p, 0x40, 1, 44);
		assert_true(push(&p) >= 0);
		assert_int_equal(peek(&c, &m), 1);
		assert_int_equal(m.type, 0x40);
		assert_int_equal(m.flags, 1);
		assert_int_equal(m.size, 48);
		assert_memory_equal(m.data + 4, &i, 4);
		consume(&c);
		assert_true(release(&c) >= 0);
	}
	assert_int_equal(peek(&c, &m), 0);
	assert_true(p.stats.pads > 0);
	assert_int_equal(reserve(&p, 7, &msg), -NC2_E_INVAL);
	tring_free(&t);
}

/* The fused calls' exported copies, through a wrap of the ring. */
static void test_alloc_take(void **state)
{
	int (*alloc)(struct nc2_prod *, uint8_t, uint8_t, uint32_t, void **) =
		sym("nc2_prod_alloc");
	int (*take)(struct nc2_cons *, struct nc2_msg *) = sym("nc2_cons_take");
	int (*push)(struct nc2_prod *) = sym("nc2_prod_push");
	int (*release)(struct nc2_cons *) = sym("nc2_cons_release");
	struct tring t;
	struct nc2_prod p;
	struct nc2_cons c;
	struct nc2_msg m;
	void *msg;

	tring_alloc(&t, 1);
	assert_int_equal(nc2_prod_init(&p, t.ctrl, t.data, t.bytes), 0);
	assert_int_equal(nc2_cons_init(&c, t.ctrl, t.data, t.bytes), 0);
	for (uint32_t i = 0; i < 3 * t.bytes / 48; i++) {
		assert_int_equal(alloc(&p, 0x40, 2, 44, &msg), 0);
		memcpy((uint8_t *)msg + 4, &i, 4);
		assert_true(push(&p) >= 0);
		assert_int_equal(take(&c, &m), 1);
		assert_int_equal(m.type, 0x40);
		assert_int_equal(m.flags, 2);
		assert_int_equal(m.size, 48);
		assert_memory_equal(m.data + 4, &i, 4);
		assert_true(release(&c) >= 0);
	}
	assert_int_equal(take(&c, &m), 0);
	assert_true(p.stats.pads > 0);
	assert_int_equal(alloc(&p, 0x40, 0, 7, &msg), -NC2_E_INVAL);
	tring_free(&t);
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
