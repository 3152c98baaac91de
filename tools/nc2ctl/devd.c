// SPDX-License-Identifier: GPL-2.0-only
/*
 * nc2ctl devd - hotplug for the vif2 backends of this domain, as "xl
 * devd" does for a driver domain's vifs.
 *
 * When netback2 runs in a driver domain (a network VM), the toolstack in
 * dom0 only writes the device's xenstore entries; the backend interface
 * exists in the driver domain, so the hotplug script must run there.
 * devd watches this domain's backend/vif2 directory and:
 *
 *  - runs the script with "online" for a device whose backend reached
 *    InitWait or later, with online=1 and no hotplug-status yet;
 *  - runs it with "offline" for a device it brought online once the
 *    toolstack has set online=0, the backend closed, or the directory is
 *    gone (with the script and interface name it remembered: the keys
 *    may be gone).
 *
 * It reads only keys of its own backend directories, which the guest
 * cannot write.  In dom0, "nc2ctl attach" runs the script itself; devd
 * is for the other domains (it works in dom0 too, for devices attached
 * with --no-wait).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nc2/xenbus.h>
#include "nc2ctl.h"

#define NC2_DEVD_TAG "nc2-devd"

#define NC2_DEVD_MAX	256	/* devices brought online at once */
#define NC2_DEVD_PERIOD_MS 2000

struct devd_dev {
	char be[NC2_PATH_MAX];
	char script[NC2_PATH_MAX];
	char vif[32];
	bool seen;
};

struct devd {
	const struct nc2_opts *o;
	struct xs_handle *h;
	unsigned int self, n;
	struct devd_dev dev[NC2_DEVD_MAX];
};

static volatile sig_atomic_t devd_stop;

static void devd_signal(int sig)
{
	(void)sig;
	devd_stop = 1;
}

static struct devd_dev *find(struct devd *dd, const char *be)
{
	unsigned int i;

	for (i = 0; i < dd->n; i++)
		if (!strcmp(dd->dev[i].be, be))
			return &dd->dev[i];
	return NULL;
}

static void offline(struct devd *dd, struct devd_dev *d, const char *why)
{
	nc2_log(NC2_DEVD_TAG, "%s: %s, running %s offline", d->vif, why, d->script);
	if (nc2_hotplug_exec(dd->o, d->script, d->be, d->vif, "offline"))
		nc2_log(NC2_DEVD_TAG, "%s: offline failed", d->vif);
	*d = dd->dev[--dd->n];
}

/* One backend directory: bring it online or take it offline. */
static void one(struct devd *dd, unsigned int domid, unsigned int handle)
{
	char be[NC2_PATH_MAX], p[NC2_PATH_MAX];
	struct devd_dev *d;
	int state, online;
	char *script;

	nc2_be_path(be, dd->self, domid, handle);
	nc2_path(p, "%s/" NC2_XS_STATE, be);
	state = nc2_xs_read_int(dd->h, XBT_NULL, p, -1);
	nc2_path(p, "%s/" NC2_XS_ONLINE, be);
	online = nc2_xs_read_int(dd->h, XBT_NULL, p, 0);
	d = find(dd, be);
	if (d) {
		d->seen = true;
		if (online != 1)
			offline(dd, d, "online=0");
		else if (state >= NC2_XB_CLOSING)
			offline(dd, d, "backend closed");
		return;
	}
	nc2_path(p, "%s/" NC2_XS_HOTPLUG_STATUS, be);
	if (online != 1 || state < NC2_XB_INITWAIT ||
	    state >= NC2_XB_CLOSING || nc2_xs_exists(dd->h, XBT_NULL, p))
		return;
	if (dd->n == NC2_DEVD_MAX) {
		nc2_log(NC2_DEVD_TAG, "%s: more than %u devices, not brought online", be,
		     NC2_DEVD_MAX);
		return;
	}
	nc2_path(p, "%s/" NC2_XS_SCRIPT, be);
	script = nc2_xs_read(dd->h, XBT_NULL, p);
	d = &dd->dev[dd->n];
	memset(d, 0, sizeof(*d));
	snprintf(d->be, sizeof(d->be), "%s", be);
	/* Only an absolute path, as attach insists. */
	snprintf(d->script, sizeof(d->script), "%s",
		 script && script[0] == '/' ? script : NC2_DEFAULT_SCRIPT);
	free(script);
	nc2_vif_name(dd->h, be, domid, handle, d->vif, sizeof(d->vif));
	d->seen = true;
	dd->n++;
	nc2_log(NC2_DEVD_TAG, "%s: vif2 %u/%u, running %s online", d->vif, domid, handle,
	     d->script);
	if (nc2_hotplug_exec(dd->o, d->script, be, d->vif, "online"))
		nc2_log(NC2_DEVD_TAG, "%s: online failed", d->vif);
}

static void scan(struct devd *dd)
{
	char path[NC2_PATH_MAX];
	unsigned int i, j, nd, nh, d, hd;
	char **doms, **hs;

	for (i = 0; i < dd->n; i++)
		dd->dev[i].seen = false;
	nc2_be_root_path(path, dd->self);
	doms = xs_directory(dd->h, XBT_NULL, path, &nd);
	for (i = 0; doms && i < nd; i++) {
		char dir[NC2_PATH_MAX];

		if (nc2_parse_uint_quiet(doms[i], NC2_DOMID_LIMIT - 1, &d))
			continue;
		nc2_path(dir, "%s/%u", path, d);
		hs = xs_directory(dd->h, XBT_NULL, dir, &nh);
		for (j = 0; hs && j < nh; j++)
			if (!nc2_parse_uint_quiet(hs[j], NC2_MAX_HANDLE, &hd))
				one(dd, d, hd);
		free(hs);
	}
	free(doms);
	for (i = 0; i < dd->n;) {
		if (!dd->dev[i].seen)
			offline(dd, &dd->dev[i], "directory removed");
		else
			i++;
	}
}

int nc2_cmd_devd(const struct nc2_opts *o, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = devd_signal };
	char path[NC2_PATH_MAX];
	struct pollfd pfd;
	struct devd *dd;
	bool once = false;
	char **ev;
	int self;

	if (argc == 1 && !strcmp(argv[0], "once")) {
		once = true;
	} else if (argc) {
		nc2_err("devd: unknown argument '%s'", argv[0]);
		return NC2_EXIT_USAGE;
	}
	dd = calloc(1, sizeof(*dd));
	if (!dd) {
		nc2_err("out of memory");
		return NC2_EXIT_ERROR;
	}
	dd->o = o;
	dd->h = nc2_xs();
	if (!dd->h) {
		free(dd);
		return NC2_EXIT_ERROR;
	}
	self = nc2_self_domid(dd->h);
	if (self < 0) {
		nc2_err("devd: this domain's id is not in xenstore (domid)");
		free(dd);
		return NC2_EXIT_ERROR;
	}
	dd->self = (unsigned int)self;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	nc2_be_root_path(path, dd->self);
	if (!xs_watch(dd->h, path, "nc2-devd")) {
		nc2_err("cannot watch %s: %s", path, strerror(errno));
		free(dd);
		return NC2_EXIT_ERROR;
	}
	nc2_log(NC2_DEVD_TAG, "domain %u: hotplug for %s", dd->self, path);
	scan(dd);
	pfd.fd = xs_fileno(dd->h);
	pfd.events = POLLIN;
	while (!once && !devd_stop) {
		if (poll(&pfd, 1, NC2_DEVD_PERIOD_MS) < 0 && errno != EINTR) {
			nc2_err("poll on xenstore: %s", strerror(errno));
			break;
		}
		while ((ev = xs_check_watch(dd->h)))
			free(ev);
		scan(dd);
	}
	xs_unwatch(dd->h, path, "nc2-devd");
	free(dd);
	return NC2_EXIT_OK;
}
