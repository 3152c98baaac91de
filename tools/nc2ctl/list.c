// SPDX-License-Identifier: GPL-2.0-only
/*
 * nc2ctl - list and stats: what xenstore holds about vif2 devices and
 * bypass requests, joined with the declarations in /etc/nc2/domains.
 * Read only.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <nc2/xenbus.h>
#include "nc2ctl.h"

/* One row of "list": a live device, a declared NIC, or both. */
struct list_row {
	int domid, backend;	/* -1: not running / not attached */
	unsigned int handle;
	char name[65];
	char mac[18], bridge[32];
	int bs, fs;
	const char *declared;	/* yes, no, differs; declared-only rows:
				 * "not running" or "not attached" */
};

struct list_ctx {
	struct list_row *rows;
	unsigned int n, cap;
};

static struct list_row *list_add(struct list_ctx *l)
{
	struct list_row *r;

	if (l->n == l->cap) {
		unsigned int cap = l->cap ? 2 * l->cap : 16;

		r = realloc(l->rows, cap * sizeof(*r));
		if (!r)
			return NULL;
		l->rows = r;
		l->cap = cap;
	}
	r = &l->rows[l->n++];
	memset(r, 0, sizeof(*r));
	return r;
}

static void list_one(struct xs_handle *h, unsigned int b, unsigned int d,
		     unsigned int hd, void *arg)
{
	char be[NC2_PATH_MAX], fe[NC2_PATH_MAX], p[NC2_PATH_MAX];
	struct list_row *r = list_add(arg);
	char *mac, *bridge, *name;

	if (!r)
		return;
	nc2_be_path(be, b, d, hd);
	nc2_fe_path(fe, d, hd);
	nc2_path(p, "%s/" NC2_XS_MAC, be);
	mac = nc2_xs_read(h, XBT_NULL, p);
	nc2_path(p, "%s/" NC2_XS_BRIDGE, be);
	bridge = nc2_xs_read(h, XBT_NULL, p);
	name = nc2_domain_name(h, d);
	r->domid = (int)d;
	r->backend = (int)b;
	r->handle = hd;
	snprintf(r->mac, sizeof(r->mac), "%s", mac ? mac : "-");
	snprintf(r->bridge, sizeof(r->bridge), "%s", bridge ? bridge : "-");
	snprintf(r->name, sizeof(r->name), "%s", name ? name : "-");
	nc2_path(p, "%s/" NC2_XS_STATE, be);
	r->bs = nc2_xs_read_int(h, XBT_NULL, p, -1);
	nc2_path(p, "%s/" NC2_XS_STATE, fe);
	r->fs = nc2_xs_read_int(h, XBT_NULL, p, -1);
	r->declared = "no";
	free(mac);
	free(bridge);
	free(name);
}

/* The running domain a config file's key (name or UUID) names, or -1. */
static int domain_of_key(struct xs_handle *h, const char *key)
{
	unsigned int i, n, d;
	char path[NC2_PATH_MAX];
	int found = -1;
	char **doms;

	doms = xs_directory(h, XBT_NULL, NC2_XS_LOCAL_DOMAIN, &n);
	for (i = 0; doms && i < n && found < 0; i++) {
		char *v;

		if (nc2_parse_uint_quiet(doms[i], NC2_DOMID_LIMIT - 1, &d))
			continue;
		v = nc2_domain_name(h, d);
		if (v && !strcmp(v, key))
			found = (int)d;
		free(v);
		nc2_path(path, NC2_XS_DOM_PATH "/" NC2_XS_VM, d);
		v = nc2_xs_read(h, XBT_NULL, path);
		if (found < 0 && v && strlen(v) > 36 &&
		    !strcmp(v + strlen(v) - 36, key) && strlen(key) == 36)
			found = (int)d;
		free(v);
	}
	free(doms);
	return found;
}

/* Join the declarations in @dir with the live rows. */
static void list_declared(struct xs_handle *h, const char *dir, int only,
			  struct list_ctx *l)
{
	struct nc2_domcfg *cfg = malloc(sizeof(*cfg));
	struct dirent *de;
	struct nc2_nic nic;
	unsigned int i, k;
	DIR *dp;

	dp = cfg ? opendir(dir) : NULL;
	while (dp && (de = readdir(dp))) {
		char key[65], path[NC2_PATH_MAX];
		size_t n = strlen(de->d_name);
		int d;

		if (n <= 4 || n - 4 >= sizeof(key) || de->d_name[0] == '.' ||
		    strcmp(de->d_name + n - 4, ".cfg"))
			continue;
		snprintf(key, sizeof(key), "%.*s", (int)(n - 4), de->d_name);
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (nc2_domcfg_load(path, cfg))
			continue;
		d = domain_of_key(h, key);
		if (only >= 0 && d != only)
			continue;
		for (i = 0; i < cfg->n; i++) {
			struct list_row *r = NULL;

			if (nc2_domcfg_nic(cfg, i, key, &nic))
				continue;
			for (k = 0; d >= 0 && k < l->n; k++)
				if (l->rows[k].domid == d &&
				    l->rows[k].handle == nic.handle &&
				    l->rows[k].backend >= 0)
					r = &l->rows[k];
			if (r) {
				r->declared = strcasecmp(r->mac, nic.mac) ||
					      strcmp(r->bridge, nic.bridge) ?
					      "differs" : "yes";
				continue;
			}
			r = list_add(l);
			if (!r)
				break;
			r->domid = d;
			r->backend = -1;
			r->handle = nic.handle;
			snprintf(r->name, sizeof(r->name), "%s", key);
			snprintf(r->mac, sizeof(r->mac), "%s", nic.mac);
			snprintf(r->bridge, sizeof(r->bridge), "%s",
				 nic.bridge);
			r->bs = r->fs = -1;
			r->declared = d < 0 ? "not-running" : "not-attached";
		}
	}
	if (dp)
		closedir(dp);
	free(cfg);
}

/*
 * [DOMAIN] of list and stats: 0 with *out (-1 if absent) and the store
 * in *h, or an exit status (bad argument, no store, unknown domain).
 */
static int open_opt_domid(int argc, char **argv, const char *cmd, int *out,
			  struct xs_handle **h)
{
	unsigned int d;
	int rc;

	*out = -1;
	if (argc > 1) {
		nc2_err("%s: expected at most one DOMID", cmd);
		return NC2_EXIT_USAGE;
	}
	if (argc == 1) {
		rc = nc2_resolve_domain("DOMID", argv[0], &d);
		if (rc)
			return rc;
		*out = (int)d;
	}
	*h = nc2_xs();
	if (!*h)
		return NC2_EXIT_ERROR;
	if (*out >= 0 && !nc2_domain_exists(*h, XBT_NULL, *out)) {
		nc2_err("unknown domain %d", *out);
		return NC2_EXIT_ERROR;
	}
	return 0;
}

/* "12s ago" from a last-traffic value (Unix seconds), or "-". */
static void bypass_ago(char *buf, size_t size, const char *lt)
{
	unsigned long long t;
	long long d;
	char *end;

	if (!lt || !*lt) {
		snprintf(buf, size, "-");
		return;
	}
	t = strtoull(lt, &end, 10);
	if (*end) {
		snprintf(buf, size, "?");
		return;
	}
	d = (long long)time(NULL) - (long long)t;
	snprintf(buf, size, "%llds ago", d < 0 ? 0 : d);
}

/* The bypass table of "list": requests of @domid's, or all (-1). */
static void list_bypasses(struct xs_handle *h, int domid)
{
	char path[NC2_PATH_MAX], dir[NC2_PATH_MAX];
	unsigned int nd, nb, i, j;
	char **doms, **pairs;
	bool header = false;

	doms = xs_directory(h, XBT_NULL, NC2_XS_LOCAL_DOMAIN, &nd);
	for (i = 0; doms && i < nd; i++) {
		unsigned int be = strtoul(doms[i], NULL, 10);

		nc2_bypass_root_path(path, be);
		pairs = xs_directory(h, XBT_NULL, path, &nb);
		for (j = 0; pairs && j < nb; j++) {
			unsigned int a, b;
			char *req, *st, *org, *err, *lt, ago[32];

			if (sscanf(pairs[j], "%u-%u", &a, &b) != 2)
				continue;
			if (domid >= 0 && (unsigned int)domid != a &&
			    (unsigned int)domid != b)
				continue;
			if (!header) {
				printf("\n%-6s %-6s %-7s %-8s %-7s %-9s %s\n",
				       "DOM-A", "DOM-B", "BACKEND", "REQUEST",
				       "ORIGIN", "TRAFFIC", "STATUS");
				header = true;
			}
			nc2_path(dir, "%s/%s/" NC2_XS_BP_REQUEST, path, pairs[j]);
			req = nc2_xs_read(h, XBT_NULL, dir);
			nc2_path(dir, "%s/%s/" NC2_XS_BP_STATUS, path, pairs[j]);
			st = nc2_xs_read(h, XBT_NULL, dir);
			nc2_path(dir, "%s/%s/" NC2_XS_BP_ORIGIN, path, pairs[j]);
			org = nc2_xs_read(h, XBT_NULL, dir);
			nc2_path(dir, "%s/%s/" NC2_XS_BP_ERROR, path, pairs[j]);
			err = nc2_xs_read(h, XBT_NULL, dir);
			/* When it last carried traffic, by its ends' reports. */
			nc2_path(dir, "%s/%s/" NC2_XS_BP_LAST_TRAFFIC, path, pairs[j]);
			lt = nc2_xs_read(h, XBT_NULL, dir);
			bypass_ago(ago, sizeof(ago), lt);
			printf("%-6u %-6u %-7u %-8s %-7s %-9s %s%s%s\n", a, b,
			       be, req ? req : "-", org ? org : "manual", ago,
			       st ? st : "-", err ? ": " : "", err ? err : "");
			free(lt);
			free(req);
			free(st);
			free(org);
			free(err);
		}
		free(pairs);
	}
	free(doms);
}

int nc2_cmd_list(const struct nc2_opts *o, int argc, char **argv)
{
	const char *dir = NC2_DEFAULT_CFG_DIR;
	struct list_ctx l = { 0 };
	struct xs_handle *h;
	char idbuf[3][12];
	unsigned int i;
	int only, rc;

	(void)o;
	if (argc > 0 && !strncmp(argv[argc - 1], "config-dir=", 11)) {
		dir = argv[argc - 1] + 11;
		argc--;
	}
	rc = open_opt_domid(argc, argv, "list", &only, &h);
	if (rc)
		return rc;
	nc2_for_each_vif2(h, only, list_one, &l);
	list_declared(h, dir, only, &l);
	printf("%-6s %-6s %-7s %-17s %-10s %-12s %-12s %-16s %s\n", "DOMID",
	       "HANDLE", "BACKEND", "MAC", "BRIDGE", "BE-STATE", "FE-STATE",
	       "DOMAIN", "DECLARED");
	for (i = 0; i < l.n; i++) {
		const struct list_row *r = &l.rows[i];

		snprintf(idbuf[0], sizeof(idbuf[0]), "%d", r->domid);
		snprintf(idbuf[1], sizeof(idbuf[1]), "%u", r->handle);
		snprintf(idbuf[2], sizeof(idbuf[2]), "%d", r->backend);
		printf("%-6s %-6s %-7s %-17s %-10s %-12s %-12s %-16s %s\n",
		       r->domid < 0 ? "-" : idbuf[0], idbuf[1],
		       r->backend < 0 ? "-" : idbuf[2], r->mac, r->bridge,
		       nc2_state_name(r->bs), nc2_state_name(r->fs), r->name,
		       r->declared);
	}
	free(l.rows);
	list_bypasses(h, only);
	return NC2_EXIT_OK;
}

static void stats_one(struct xs_handle *h, unsigned int b, unsigned int d,
		      unsigned int hd, void *arg)
{
	char dir[NC2_PATH_MAX], p[NC2_PATH_MAX];
	unsigned int i, n;
	char **keys;

	(void)arg;
	nc2_be_path(dir, b, d, hd);
	nc2_path(dir + strlen(dir), "/" NC2_XS_STATS);
	printf(NC2_XS_DEVICE " %u/%u (backend %u):\n", d, hd, b);
	keys = xs_directory(h, XBT_NULL, dir, &n);
	if (!keys || n == 0) {
		printf("  (no counters published; is netback2 loaded?)\n");
		free(keys);
		return;
	}
	for (i = 0; i < n; i++) {
		char *v;

		nc2_path(p, "%s/%s", dir, keys[i]);
		v = nc2_xs_read(h, XBT_NULL, p);
		printf("  %-24s %s\n", keys[i], v ? v : "?");
		free(v);
	}
	free(keys);
}

int nc2_cmd_stats(const struct nc2_opts *o, int argc, char **argv)
{
	struct xs_handle *h;
	int only, rc;

	(void)o;
	rc = open_opt_domid(argc, argv, "stats", &only, &h);
	if (rc)
		return rc;
	if (nc2_for_each_vif2(h, only, stats_one, NULL) == 0)
		printf("no " NC2_XS_DEVICE " devices\n");
	return NC2_EXIT_OK;
}
