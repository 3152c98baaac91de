// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the declared-NIC parser (domcfg.c): what the agent reads
 * from /etc/nc2/domains before it writes anything into xenstore.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "nc2ctl.h"

static struct nc2_domcfg cfg;

static int parse(const char *text)
{
	return nc2_domcfg_parse("test.cfg", text, strlen(text), &cfg);
}

static void test_two_nics_comments_lines(void **state)
{
	(void)state;
	assert_int_equal(parse("# guest web1\n"
			       "name = 'web1'   # ignored, with a warning\n"
			       "vif2 = [ 'mac=00:16:3e:00:02:01, bridge=br1',\n"
			       "         \"bridge=br2,handle=7\", ]\n"), 0);
	assert_int_equal(cfg.n, 2);
	assert_string_equal(cfg.spec[0], "mac=00:16:3e:00:02:01, bridge=br1");
	assert_string_equal(cfg.spec[1], "bridge=br2,handle=7");
}

static void test_no_vif2_is_empty(void **state)
{
	(void)state;
	assert_int_equal(parse("memory = 256\nvif = [ 'bridge=xenbr0' ]\n"), 0);
	assert_int_equal(cfg.n, 0);
	assert_int_equal(parse(""), 0);
	assert_int_equal(cfg.n, 0);
}

static void test_errors(void **state)
{
	static const char *const bad[] = {
		"vif2 = [ 'mac=00:16:3e:00:02:01 ]\n",	/* unterminated */
		"vif2 = [ 'bridge=br1'\n",		/* no ] */
		"vif2 = 'bridge=br1'\n",		/* not a list */
		"vif2 = [ bridge=br1 ]\n",		/* not quoted */
		"vif2 = []\nvif2 = []\n",		/* twice */
		"vif2 [ 'bridge=br1' ]\n",		/* no = */
		"= [ 'bridge=br1' ]\n",			/* no key */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i]), -1);
}

static void nics_text(char *text, int n)
{
	int i;

	text += sprintf(text, "vif2 = [");
	for (i = 0; i < n; i++)
		text += sprintf(text, " 'handle=%d',", i);
	sprintf(text, " ]\n");
}

static void test_bounds(void **state)
{
	char text[4096];
	char big[700];

	(void)state;
	nics_text(text, 16);
	assert_int_equal(parse(text), 0);
	assert_int_equal(cfg.n, 16);
	nics_text(text, 17);
	assert_int_equal(parse(text), -1);
	/* A specification longer than its buffer is refused, not cut. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(text, sizeof(text), "vif2 = [ 'bridge=%s' ]\n", big);
	assert_int_equal(parse(text), -1);
}

static void test_nic_defaults_are_stable(void **state)
{
	struct nc2_nic a, b, c;

	(void)state;
	assert_int_equal(parse("vif2 = [ 'bridge=br1', 'bridge=br1' ]"), 0);
	assert_int_equal(nc2_domcfg_nic(&cfg, 0, "web1", &a), 0);
	assert_int_equal(nc2_domcfg_nic(&cfg, 0, "web1", &b), 0);
	assert_int_equal(nc2_domcfg_nic(&cfg, 1, "web1", &c), 0);
	assert_int_equal(a.handle, 0);
	assert_int_equal(c.handle, 1);
	/* Same name and handle, same MAC: a reboot keeps the address. */
	assert_string_equal(a.mac, b.mac);
	assert_string_not_equal(a.mac, c.mac);
	/* Locally administered, unicast. */
	assert_int_equal(strncmp(a.mac, "02:", 3), 0);
	assert_int_equal(nc2_domcfg_nic(&cfg, 0, "web2", &b), 0);
	assert_string_not_equal(a.mac, b.mac);
	assert_string_equal(a.bridge, "br1");
	/* bridge=br1, mac=..., handle=0: what attach gets. */
	assert_int_equal(a.argc, 3);
	assert_string_equal(a.item[0], "bridge=br1");
	assert_int_equal(strncmp(a.item[1], "mac=02:", 7), 0);
	assert_string_equal(a.item[2], "handle=0");
}

static void test_nic_given_values_win(void **state)
{
	struct nc2_nic n;

	(void)state;
	assert_int_equal(parse("vif2 = [ ' handle=9 , mac=00:16:3e:00:02:05 ' ]"),
			 0);
	assert_int_equal(nc2_domcfg_nic(&cfg, 0, "web1", &n), 0);
	assert_int_equal(n.handle, 9);
	assert_string_equal(n.mac, "00:16:3e:00:02:05");
	assert_string_equal(n.bridge, NC2_DEFAULT_BRIDGE);
	assert_int_equal(n.argc, 2);	/* nothing added */
	assert_string_equal(n.item[0], "handle=9");

	assert_int_equal(parse("vif2 = [ 'bridge' ]"), 0);
	assert_int_equal(nc2_domcfg_nic(&cfg, 0, "web1", &n), -1);
	assert_int_equal(parse("vif2 = [ 'handle=1024' ]"), 0);
	assert_int_equal(nc2_domcfg_nic(&cfg, 0, "web1", &n), -1);
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

static void test_find_by_name_then_uuid(void **state)
{
	static const char uuid[] = "3f2a0c1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b";
	char dir[] = "/tmp/nc2-domcfg-XXXXXX", path[512];
	char *big;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(nc2_domcfg_find(dir, "web1", uuid, &cfg), 1);
	snprintf(path, sizeof(path), "%s/%s.cfg", dir, uuid);
	write_file(path, "vif2 = [ 'bridge=u' ]\n", 22);
	assert_int_equal(nc2_domcfg_find(dir, "web1", uuid, &cfg), 0);
	assert_string_equal(cfg.spec[0], "bridge=u");
	snprintf(path, sizeof(path), "%s/web1.cfg", dir);
	write_file(path, "vif2 = [ 'bridge=n' ]\n", 22);
	assert_int_equal(nc2_domcfg_find(dir, "web1", uuid, &cfg), 0);
	assert_string_equal(cfg.spec[0], "bridge=n");
	/* A name that is not a plain file name never becomes a path. */
	assert_int_equal(nc2_domcfg_find(dir, "../web1", NULL, &cfg), 1);
	assert_int_equal(nc2_domcfg_find(dir, ".hidden", NULL, &cfg), 1);
	/* Larger than 64 KiB: refused. */
	big = malloc(70000);
	assert_non_null(big);
	memset(big, '#', 70000);
	write_file(path, big, 70000);
	free(big);
	assert_int_equal(nc2_domcfg_find(dir, "web1", NULL, &cfg), -1);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.cfg", dir, uuid);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_nics_comments_lines),
		cmocka_unit_test(test_no_vif2_is_empty),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_nic_defaults_are_stable),
		cmocka_unit_test(test_nic_given_values_win),
		cmocka_unit_test(test_find_by_name_then_uuid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
