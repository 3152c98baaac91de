// SPDX-License-Identifier: GPL-2.0-only
/*
 * nc2ctl - bypass requests.
 *
 * A bypass is a direct ring between two guests that both have a vif2 on
 * the same backend.  The toolstack only asks; the backend driver (the
 * trusted end) negotiates it in-band and reports back.  One directory per
 * guest pair, owned by the backend domain and invisible to the guests:
 *
 *   /local/domain/<BE>/nc2/bypass/<A>-<B>/    (A < B)
 *     domid-a, domid-b    the two guests           (written by nc2ctl)
 *     handle-a, handle-b  their vif2 handles       (written by nc2ctl)
 *     request             "enable" or "disable"    (written by nc2ctl)
 *     origin              "manual" (nc2ctl) or "auto" (netback2 saw a
 *                         sustained flow and asked for it itself)
 *     status              see README.md            (written by netback2)
 *     error               text, when refused       (written by netback2)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nc2/xenbus.h>
#include "nc2ctl.h"

struct bypass_req {
	unsigned int a, b;	/* a < b */
	unsigned int backend;
	int handle_a, handle_b;
	bool enable;
	char dir[NC2_PATH_MAX];
};

static int bypass_txn(struct xs_handle *h, xs_transaction_t t, void *arg)
{
	struct bypass_req *r = arg;
	struct xs_permissions perms[1] = {
		{ .id = r->backend, .perms = XS_PERM_NONE },
	};
	char path[NC2_PATH_MAX];

	if (!nc2_domain_exists(h, t, r->backend)) {
		nc2_err("backend domain %u does not exist", r->backend);
		return -1;
	}
	if (!nc2_domain_exists(h, t, r->a) || !nc2_domain_exists(h, t, r->b)) {
		nc2_err("unknown domain %u",
			nc2_domain_exists(h, t, r->a) ? r->b : r->a);
		return -1;
	}
	if (!r->enable) {
		if (!nc2_xs_exists(h, t, r->dir)) {
			nc2_err("no bypass between domains %u and %u", r->a,
				r->b);
			return -1;
		}
		/* An admin's disable stays, a veto on automatic bypasses. */
		if (!nc2_xs_writef(h, t, r->dir, NC2_XS_BP_REQUEST, "disable") ||
		    !nc2_xs_writef(h, t, r->dir, NC2_XS_BP_ORIGIN, "manual"))
			return -1;
		goto clear_status;
	}
	r->handle_a = nc2_first_handle(h, t, r->backend, r->a);
	r->handle_b = nc2_first_handle(h, t, r->backend, r->b);
	if (r->handle_a < 0 || r->handle_b < 0) {
		nc2_err("domain %u has no " NC2_XS_DEVICE " on backend %u; "
			"a bypass needs both guests attached to one backend",
			r->handle_a < 0 ? r->a : r->b, r->backend);
		return -1;
	}
	if (!xs_mkdir(h, t, r->dir) ||
	    !xs_set_permissions(h, t, r->dir, perms, 1)) {
		nc2_err("cannot create %s: %s", r->dir, strerror(errno));
		return -1;
	}
	if (!nc2_xs_writef(h, t, r->dir, NC2_XS_BP_DOMID_A, "%u", r->a) ||
	    !nc2_xs_writef(h, t, r->dir, NC2_XS_BP_DOMID_B, "%u", r->b) ||
	    !nc2_xs_writef(h, t, r->dir, NC2_XS_BP_HANDLE_A, "%d", r->handle_a) ||
	    !nc2_xs_writef(h, t, r->dir, NC2_XS_BP_HANDLE_B, "%d", r->handle_b) ||
	    !nc2_xs_writef(h, t, r->dir, NC2_XS_BP_ORIGIN, "manual") ||
	    !nc2_xs_writef(h, t, r->dir, NC2_XS_BP_REQUEST, "enable"))
		return -1;
clear_status:
	/* A fresh request has no answer yet. */
	nc2_path(path, "%s/" NC2_XS_BP_STATUS, r->dir);
	xs_rm(h, t, path);
	nc2_path(path, "%s/" NC2_XS_BP_ERROR, r->dir);
	xs_rm(h, t, path);
	return 0;
}

struct allow_req {
	unsigned int domid, backend;
	const char *policy;
	unsigned int nr;	/* vif2 devices changed */
};

static int allow_txn(struct xs_handle *h, xs_transaction_t t, void *arg)
{
	struct allow_req *r = arg;
	char dir[NC2_PATH_MAX];
	unsigned int n, i;
	char **ents;

	r->nr = 0;
	nc2_be_dom_path(dir, r->backend, r->domid);
	ents = xs_directory(h, t, dir, &n);
	for (i = 0; ents && i < n; i++) {
		char be[NC2_PATH_MAX];

		nc2_path(be, "%s/%s", dir, ents[i]);
		if (!nc2_xs_writef(h, t, be, NC2_XS_BYPASS_ALLOW, "%s", r->policy)) {
			free(ents);
			return -1;
		}
		r->nr++;
	}
	free(ents);
	if (!r->nr) {
		nc2_err("domain %u has no " NC2_XS_DEVICE " on backend %u",
			r->domid, r->backend);
		return -1;
	}
	return 0;
}

/* bypass allow DOMAIN POLICY [backend=DOMAIN] */
static int bypass_allow(int argc, char **argv)
{
	char policy[NC2_POLICY_MAX_TEXT + 1];
	struct allow_req r = { .policy = policy };
	struct xs_handle *h;
	int rc;

	if (argc < 2 || argc > 3) {
		nc2_err("bypass allow: expected DOMAIN POLICY [backend=DOMAIN]");
		return NC2_EXIT_USAGE;
	}
	rc = nc2_resolve_domain("DOMAIN", argv[0], &r.domid);
	if (!rc)
		rc = nc2_bypass_policy_text(argv[1], policy, sizeof(policy));
	if (!rc && argc == 3) {
		if (strncmp(argv[2], "backend=", 8)) {
			nc2_err("bypass allow: unknown option '%s'", argv[2]);
			return NC2_EXIT_USAGE;
		}
		rc = nc2_resolve_domain("backend", argv[2] + 8, &r.backend);
	}
	if (rc)
		return rc;
	h = nc2_xs();
	if (!h)
		return NC2_EXIT_ERROR;
	if (nc2_xs_transact(h, allow_txn, &r))
		return NC2_EXIT_ERROR;
	printf("bypass-allow of domain %u on backend %u: %s (%u vif2)\n",
	       r.domid, r.backend, policy, r.nr);
	return NC2_EXIT_OK;
}

int nc2_cmd_bypass(const struct nc2_opts *o, int argc, char **argv)
{
	struct xs_handle *h;
	struct bypass_req r = { .backend = 0 };
	unsigned int x, y;
	int rc;

	(void)o;
	if (argc >= 1 && !strcmp(argv[0], "allow"))
		return bypass_allow(argc - 1, argv + 1);
	if (argc < 3 || argc > 4) {
		nc2_err("bypass: expected enable|disable DOMID_A DOMID_B "
			"[backend=DOMID], or allow DOMAIN POLICY "
			"[backend=DOMID]");
		return NC2_EXIT_USAGE;
	}
	if (!strcmp(argv[0], "enable")) {
		r.enable = true;
	} else if (strcmp(argv[0], "disable")) {
		nc2_err("bypass: expected enable or disable, got '%s'",
			argv[0]);
		return NC2_EXIT_USAGE;
	}
	rc = nc2_resolve_domain("DOMID_A", argv[1], &x);
	if (!rc)
		rc = nc2_resolve_domain("DOMID_B", argv[2], &y);
	if (rc)
		return rc;
	if (argc == 4) {
		if (strncmp(argv[3], "backend=", 8)) {
			nc2_err("bypass: unknown option '%s'", argv[3]);
			return NC2_EXIT_USAGE;
		}
		rc = nc2_resolve_domain("backend", argv[3] + 8, &r.backend);
		if (rc)
			return rc;
	}
	if (x == y) {
		nc2_err("bypass: a domain cannot bypass to itself");
		return NC2_EXIT_USAGE;
	}
	if (x == r.backend || y == r.backend) {
		nc2_err("bypass: the backend domain cannot be a bypass end");
		return NC2_EXIT_USAGE;
	}
	r.a = x < y ? x : y;
	r.b = x < y ? y : x;
	nc2_bypass_path(r.dir, r.backend, r.a, r.b);
	h = nc2_xs();
	if (!h)
		return NC2_EXIT_ERROR;
	if (nc2_xs_transact(h, bypass_txn, &r))
		return NC2_EXIT_ERROR;
	printf("bypass %u-%u: %s requested (backend %u)\n", r.a, r.b,
	       r.enable ? "enable" : "disable", r.backend);
	return NC2_EXIT_OK;
}
