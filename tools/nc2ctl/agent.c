// SPDX-License-Identifier: GPL-2.0-only
/*
 * nc2ctl agent - the lifecycle agent: NICs declared once follow their
 * guest.
 *
 * Runs in the toolstack domain (dom0), started by nc2-agent.service.  It
 * watches @introduceDomain and @releaseDomain and, on every event and
 * every two seconds besides (watch events can be coalesced, and a rename
 * fires none):
 *
 *  - attaches the NICs declared in <dir>/<name>.cfg to each domain it
 *    has not handled yet: after "xl create", after "xl reboot" (a new
 *    domain with the same name), after "xl restore" and on the receiving
 *    side of "xl migrate" (a new domid, named "<name>--incoming" until
 *    the migration completes: that name counts as <name>);
 *  - removes what a dead domain leaves behind: backend/vif2/<domid>
 *    directories of every backend (running the hotplug script's offline
 *    step first) and bypass requests naming it.
 *
 * A restored or migrated guest resumes with the devices it had, so its
 * vif2 directories must exist before it runs again.  libxl introduces a
 * domain before it adds devices and unpauses it, so the agent pauses
 * the domain (Xen counts pauses: it stays paused until libxl's unpause
 * and ours) while it attaches, and unpauses it after.
 *
 * A NIC the admin detaches by hand stays detached until the domain is
 * new again or the agent gets SIGHUP, which re-applies every declaration
 * to every running domain (after the admin edited a file, say).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>
#include <nc2/xenbus.h>

#include "nc2ctl.h"

#define NC2_AGENT_TAG "nc2-agent"

#define NC2_AGENT_MAX_DOMS	1024
#define NC2_AGENT_TRIES		5	/* attach attempts per domain */
#define NC2_AGENT_PERIOD_MS	2000

static const char nc2_incoming[] = "--incoming";
static const char nc2_migratedaway[] = "--migratedaway";

struct agent_dom {
	unsigned int domid;
	char name[65];		/* name without "--incoming" */
	unsigned int tries;
	bool done;		/* declarations applied (or none) */
	bool present;
};

struct agent {
	const struct nc2_opts *o;
	struct nc2_opts attach_opts;	/* at least 30 s for a backend */
	const char *dir;
	struct xs_handle *h;
	xc_interface *xc;	/* NULL: cannot pause (logged once) */
	unsigned int ndom;
	struct agent_dom dom[NC2_AGENT_MAX_DOMS];
};

static volatile sig_atomic_t agent_hup, agent_stop;

static void agent_signal(int sig)
{
	if (sig == SIGHUP)
		agent_hup = 1;
	else
		agent_stop = 1;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

/* The domain's UUID, from its "vm" key (/vm/<uuid>), or "". */
static void dom_uuid(struct xs_handle *h, unsigned int domid, char *out,
		     size_t len)
{
	char path[NC2_PATH_MAX];
	char *vm, *slash;

	out[0] = '\0';
	nc2_path(path, NC2_XS_DOM_PATH "/" NC2_XS_VM, domid);
	vm = nc2_xs_read(h, XBT_NULL, path);
	if (vm) {
		slash = strrchr(vm, '/');
		if (slash && strlen(slash + 1) == 36)
			snprintf(out, len, "%s", slash + 1);
	}
	free(vm);
}

static void dom_pause(struct agent *a, unsigned int domid, bool pause)
{
	int rc;

	if (!a->xc)
		return;
	rc = pause ? xc_domain_pause(a->xc, domid) :
		     xc_domain_unpause(a->xc, domid);
	if (rc)
		nc2_log(NC2_AGENT_TAG, "warning: cannot %s domain %u: %s",
		     pause ? "pause" : "unpause", domid, strerror(errno));
}

/*
 * Attach every declared NIC of @domid that has no frontend directory yet.
 * 0 when all are there (or none is declared), -1 to retry later.
 */
static int apply(struct agent *a, unsigned int domid, const char *name)
{
	char uuid[40], path[NC2_PATH_MAX], did[16];
	struct nc2_domcfg *cfg;
	struct nc2_nic nic;
	bool paused = false;
	int rc, ret = 0;
	unsigned int i;

	cfg = malloc(sizeof(*cfg));
	if (!cfg)
		return -1;
	dom_uuid(a->h, domid, uuid, sizeof(uuid));
	rc = nc2_domcfg_find(a->dir, name, uuid, cfg);
	if (rc) {
		free(cfg);
		return rc > 0 ? 0 : -1;
	}
	snprintf(did, sizeof(did), "%u", domid);
	for (i = 0; i < cfg->n; i++) {
		char *argv[NC2_CFG_MAX_ITEMS + 1];
		int j;

		if (nc2_domcfg_nic(cfg, i, name, &nic)) {
			ret = -1;
			continue;
		}
		nc2_fe_path(path, domid, nic.handle);
		if (nc2_xs_exists(a->h, XBT_NULL, path))
			continue;
		if (!paused) {
			dom_pause(a, domid, true);
			paused = true;
		}
		argv[0] = did;
		for (j = 0; j < nic.argc; j++)
			argv[j + 1] = nic.item[j];
		nc2_log(NC2_AGENT_TAG, "%s (domain %u): attaching vif2 %u from %s", name, domid,
		     nic.handle, cfg->path);
		rc = nc2_cmd_attach(&a->attach_opts, nic.argc + 1, argv);
		if (rc == NC2_EXIT_TIMEOUT) {
			unsigned int b = 0;

			/*
			 * The backend never reached InitWait, so the hotplug
			 * script did not run: take the half-made device away
			 * and let the next pass start over.
			 */
			if (!nic.backend[0] ||
			    !nc2_resolve_domain("backend", nic.backend, &b))
				nc2_remove_orphan(a->h, a->o, b, domid,
						  nic.handle);
		}
		if (rc) {
			nc2_log(NC2_AGENT_TAG, "%s (domain %u): attaching vif2 %u failed "
			     "(exit %d)", name, domid, nic.handle, rc);
			/* A usage error will not get better by retrying. */
			if (rc != NC2_EXIT_USAGE)
				ret = -1;
		}
	}
	if (paused)
		dom_pause(a, domid, false);
	free(cfg);
	return ret;
}

static struct agent_dom *find_dom(struct agent *a, unsigned int domid)
{
	unsigned int i;

	for (i = 0; i < a->ndom; i++)
		if (a->dom[i].domid == domid)
			return &a->dom[i];
	if (a->ndom == NC2_AGENT_MAX_DOMS)
		return NULL;
	memset(&a->dom[a->ndom], 0, sizeof(a->dom[0]));
	a->dom[a->ndom].domid = domid;
	return &a->dom[a->ndom++];
}

static void handle_dom(struct agent *a, unsigned int domid)
{
	struct agent_dom *e;
	char *name;
	size_t n;

	name = nc2_domain_name(a->h, domid);
	if (!name || !*name || strlen(name) >= sizeof(e->name)) {
		free(name);	/* still being built, or not ours to name */
		return;
	}
	e = find_dom(a, domid);
	if (!e) {
		free(name);
		return;
	}
	e->present = true;
	/* The outgoing side of a migration keeps what it has. */
	if (ends_with(name, nc2_migratedaway)) {
		e->done = true;
		free(name);
		return;
	}
	n = strlen(name);
	if (ends_with(name, nc2_incoming))
		name[n - strlen(nc2_incoming)] = '\0';
	if (e->done && !strcmp(e->name, name)) {
		free(name);
		return;
	}
	if (strcmp(e->name, name)) {
		/* New to us, or renamed (xl rename): a new declaration. */
		snprintf(e->name, sizeof(e->name), "%s", name);
		e->tries = 0;
		e->done = false;
	}
	free(name);
	if (e->tries >= NC2_AGENT_TRIES)
		return;
	if (apply(a, domid, e->name) == 0) {
		e->done = true;
		return;
	}
	if (++e->tries == NC2_AGENT_TRIES)
		nc2_log(NC2_AGENT_TAG, "%s (domain %u): giving up after %u attempts; "
		     "SIGHUP retries", e->name, domid, e->tries);
}

/* Backend directories and bypass requests of domains that are gone. */
static void cleanup(struct agent *a, char **doms, unsigned int nd)
{
	char path[NC2_PATH_MAX], dir[NC2_PATH_MAX];
	unsigned int i, j, k, nf, nh, b, d, x, y;
	char **fes, **hs, **pairs;

	for (i = 0; i < nd; i++) {
		if (nc2_parse_uint_quiet(doms[i], NC2_DOMID_LIMIT - 1, &b))
			continue;
		nc2_be_root_path(path, b);
		fes = xs_directory(a->h, XBT_NULL, path, &nf);
		for (j = 0; fes && j < nf; j++) {
			if (nc2_parse_uint_quiet(fes[j], NC2_DOMID_LIMIT - 1,
						 &d) ||
			    nc2_domain_exists(a->h, XBT_NULL, d))
				continue;
			nc2_path(dir, "%s/%u", path, d);
			hs = xs_directory(a->h, XBT_NULL, dir, &nh);
			for (k = 0; hs && k < nh; k++) {
				unsigned int hd;

				if (nc2_parse_uint_quiet(hs[k], NC2_MAX_HANDLE,
							 &hd))
					continue;
				nc2_log(NC2_AGENT_TAG, "domain %u is gone: removing its vif2 %u "
				     "(backend %u)", d, hd, b);
				nc2_remove_orphan(a->h, a->o, b, d, hd);
			}
			free(hs);
			/* Whatever is left (no handles, odd names). */
			xs_rm(a->h, XBT_NULL, dir);
		}
		free(fes);

		nc2_bypass_root_path(path, b);
		pairs = xs_directory(a->h, XBT_NULL, path, &nf);
		for (j = 0; pairs && j < nf; j++) {
			if (sscanf(pairs[j], "%u-%u", &x, &y) != 2 ||
			    (nc2_domain_exists(a->h, XBT_NULL, x) &&
			     nc2_domain_exists(a->h, XBT_NULL, y)))
				continue;
			nc2_log(NC2_AGENT_TAG, "bypass %u-%u: domain %u is gone, request removed",
			     x, y, nc2_domain_exists(a->h, XBT_NULL, x) ? y : x);
			nc2_path(dir, "%s/%s", path, pairs[j]);
			xs_rm(a->h, XBT_NULL, dir);
		}
		free(pairs);
	}
}

static void reconcile(struct agent *a)
{
	unsigned int i, n, d;
	char **doms;

	doms = xs_directory(a->h, XBT_NULL, NC2_XS_LOCAL_DOMAIN, &n);
	if (!doms) {
		nc2_log(NC2_AGENT_TAG, "warning: cannot list /local/domain: %s", strerror(errno));
		return;
	}
	for (i = 0; i < a->ndom; i++)
		a->dom[i].present = false;
	for (i = 0; i < n; i++) {
		if (nc2_parse_uint_quiet(doms[i], NC2_DOMID_LIMIT - 1, &d) ||
		    d == 0)
			continue;
		handle_dom(a, d);
	}
	/* Forget domains that are gone; their domids may come back. */
	for (i = 0; i < a->ndom;) {
		if (!a->dom[i].present)
			a->dom[i] = a->dom[--a->ndom];
		else
			i++;
	}
	cleanup(a, doms, n);
	free(doms);
}

int nc2_cmd_agent(const struct nc2_opts *o, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = agent_signal };
	struct pollfd pfd;
	struct agent *a;
	bool once = false;
	char **ev;
	int i;

	a = calloc(1, sizeof(*a));
	if (!a) {
		nc2_err("out of memory");
		return NC2_EXIT_ERROR;
	}
	a->o = o;
	a->attach_opts = *o;
	a->attach_opts.no_wait = false;
	/* A loaded host may take more than attach's usual 10 s. */
	if (a->attach_opts.timeout < 30)
		a->attach_opts.timeout = 30;
	a->dir = NC2_DEFAULT_CFG_DIR;
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "config-dir=", 11) && argv[i][11]) {
			a->dir = argv[i] + 11;
		} else if (!strcmp(argv[i], "once")) {
			once = true;
		} else {
			nc2_err("agent: unknown argument '%s'", argv[i]);
			free(a);
			return NC2_EXIT_USAGE;
		}
	}
	a->h = nc2_xs();
	if (!a->h) {
		free(a);
		return NC2_EXIT_ERROR;
	}
	a->xc = xc_interface_open(NULL, NULL, 0);
	if (!a->xc)
		nc2_log(NC2_AGENT_TAG, "warning: no hypervisor interface (%s): restored guests "
		     "may resume before their vif2 exists", strerror(errno));
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (!xs_watch(a->h, "@introduceDomain", "nc2-agent") ||
	    !xs_watch(a->h, "@releaseDomain", "nc2-agent")) {
		nc2_err("cannot watch domain events: %s", strerror(errno));
		if (a->xc)
			xc_interface_close(a->xc);
		free(a);
		return NC2_EXIT_ERROR;
	}
	nc2_log(NC2_AGENT_TAG, "watching domains; declarations in %s", a->dir);
	reconcile(a);
	pfd.fd = xs_fileno(a->h);
	pfd.events = POLLIN;
	while (!once && !agent_stop) {
		if (poll(&pfd, 1, NC2_AGENT_PERIOD_MS) < 0 && errno != EINTR) {
			nc2_err("poll on xenstore: %s", strerror(errno));
			break;
		}
		while ((ev = xs_check_watch(a->h)))
			free(ev);
		if (agent_hup) {
			agent_hup = 0;
			nc2_log(NC2_AGENT_TAG, "SIGHUP: applying every declaration again");
			for (i = 0; i < (int)a->ndom; i++) {
				a->dom[i].done = false;
				a->dom[i].tries = 0;
			}
		}
		reconcile(a);
	}
	xs_unwatch(a->h, "@introduceDomain", "nc2-agent");
	xs_unwatch(a->h, "@releaseDomain", "nc2-agent");
	if (a->xc)
		xc_interface_close(a->xc);
	free(a);
	return NC2_EXIT_OK;
}
