// SPDX-License-Identifier: GPL-2.0-only
/*
 * nc2ctl - thin helpers over libxenstore: reads with defaults, formatted
 * writes, transactions that restart on conflict, and waiting on watches.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <nc2/xenbus.h>

#include "nc2ctl.h"

/* How long the first request may take before xenstore counts as gone. */
#define NC2_XS_PROBE_SECONDS 5

static void nc2_xs_probe_alarm(int sig)
{
	static const char msg[] =
		"nc2ctl: xenstore did not answer within 5 s "
		"(is xenstored running in dom0?)\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(NC2_EXIT_ERROR);
	_exit(NC2_EXIT_ERROR);
}

/*
 * Open xenstore and prove it answers.  In dom0 /dev/xen/xenbus opens fine
 * even with no xenstored behind it, and the first request then blocks
 * forever; the alarm turns that into an error message.
 */
static struct xs_handle *nc2_xs_open(void)
{
	struct sigaction sa = { .sa_handler = nc2_xs_probe_alarm };
	struct xs_handle *h;
	char *v;

	h = xs_open(0);
	if (!h) {
		nc2_err("cannot connect to xenstore: %s "
			"(is xenstored running? run nc2ctl as root in dom0)",
			strerror(errno));
		return NULL;
	}
	sigaction(SIGALRM, &sa, NULL);
	alarm(NC2_XS_PROBE_SECONDS);
	/*
	 * Any answer proves xenstored is there: our own "domid" (relative,
	 * so a driver domain may read it too), or a refusal.
	 */
	v = xs_read(h, XBT_NULL, NC2_XS_DOMID, NULL);
	alarm(0);
	signal(SIGALRM, SIG_DFL);
	if (!v && errno != ENOENT && errno != EACCES) {
		nc2_err("xenstore does not answer: %s", strerror(errno));
		xs_close(h);
		return NULL;
	}
	free(v);
	return h;
}

static struct xs_handle *nc2_xs_handle;

struct xs_handle *nc2_xs(void)
{
	if (!nc2_xs_handle)
		nc2_xs_handle = nc2_xs_open();
	return nc2_xs_handle;
}

void nc2_xs_close(void)
{
	xs_close(nc2_xs_handle);
	nc2_xs_handle = NULL;
}

void nc2_path(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, NC2_PATH_MAX, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= NC2_PATH_MAX) {
		nc2_err("internal error: xenstore path too long");
		exit(NC2_EXIT_ERROR);
	}
}

char *nc2_xs_read(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	return xs_read(h, t, path, NULL);
}

int nc2_xs_read_int(struct xs_handle *h, xs_transaction_t t, const char *path,
		    int dflt)
{
	char *v = xs_read(h, t, path, NULL);
	char *end;
	long n;

	if (!v)
		return dflt;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < -32768 || n > 0x7fffffff)
		n = dflt;
	free(v);
	return (int)n;
}

bool nc2_xs_exists(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	char *v = xs_read(h, t, path, NULL);

	free(v);
	return v != NULL;
}

bool nc2_xs_writef(struct xs_handle *h, xs_transaction_t t, const char *dir,
		   const char *key, const char *fmt, ...)
{
	char path[NC2_PATH_MAX];
	char val[NC2_PATH_MAX];
	va_list ap;
	int n;

	nc2_path(path, "%s/%s", dir, key);
	va_start(ap, fmt);
	n = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(val)) {
		errno = E2BIG;
		return false;
	}
	if (!xs_write(h, t, path, val, n)) {
		nc2_err("cannot write %s: %s", path, strerror(errno));
		return false;
	}
	return true;
}

bool nc2_domain_exists(struct xs_handle *h, xs_transaction_t t,
		       unsigned int domid)
{
	char path[NC2_PATH_MAX];

	nc2_path(path, NC2_XS_DOM_PATH, domid);
	return nc2_xs_exists(h, t, path);
}

int nc2_xs_transact(struct xs_handle *h,
		    int (*body)(struct xs_handle *h, xs_transaction_t t,
				void *arg),
		    void *arg)
{
	xs_transaction_t t;
	int rc;

	for (;;) {
		t = xs_transaction_start(h);
		if (t == XBT_NULL) {
			nc2_err("cannot start xenstore transaction: %s",
				strerror(errno));
			return -1;
		}
		rc = body(h, t, arg);
		if (rc) {
			xs_transaction_end(h, t, true);
			return rc;
		}
		if (xs_transaction_end(h, t, false))
			return 0;
		if (errno != EAGAIN) {
			nc2_err("xenstore transaction failed: %s",
				strerror(errno));
			return -1;
		}
	}
}

static long long nc2_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int nc2_xs_wait(struct xs_handle *h, const char *const *paths, int n,
		bool (*done)(struct xs_handle *h, void *arg), void *arg,
		int timeout_s)
{
	long long deadline = nc2_now_ms() + timeout_s * 1000LL;
	struct pollfd pfd;
	char **ev;
	int i, rc = 1;

	for (i = 0; i < n; i++) {
		if (!xs_watch(h, paths[i], "nc2ctl")) {
			nc2_err("cannot watch %s: %s", paths[i],
				strerror(errno));
			n = i;
			rc = -1;
			goto out;
		}
	}
	pfd.fd = xs_fileno(h);
	pfd.events = POLLIN;
	for (;;) {
		long long left;

		if (done(h, arg)) {
			rc = 0;
			break;
		}
		left = deadline - nc2_now_ms();
		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR) {
			nc2_err("poll on xenstore: %s", strerror(errno));
			rc = -1;
			break;
		}
		/* Drain the queued events; the condition is re-read anyway. */
		while ((ev = xs_check_watch(h)))
			free(ev);
	}
out:
	for (i = 0; i < n; i++)
		xs_unwatch(h, paths[i], "nc2ctl");
	return rc;
}

const char *nc2_state_name(int state)
{
	static const char *const names[] = {
		[NC2_XB_UNKNOWN] = "Unknown",
		[NC2_XB_INITIALISING] = "Initialising",
		[NC2_XB_INITWAIT] = "InitWait",
		[NC2_XB_INITIALISED] = "Initialised",
		[NC2_XB_CONNECTED] = "Connected",
		[NC2_XB_CLOSING] = "Closing",
		[NC2_XB_CLOSED] = "Closed",
		[NC2_XB_RECONFIGURING] = "Reconfiguring",
		[NC2_XB_RECONFIGURED] = "Reconfigured",
	};

	if (state < 0 || state >= (int)(sizeof(names) / sizeof(names[0])))
		return "-";
	return names[state];
}

char *nc2_domain_name(struct xs_handle *h, unsigned int domid)
{
	char path[NC2_PATH_MAX];

	nc2_path(path, NC2_XS_DOM_PATH "/" NC2_XS_NAME, domid);
	return nc2_xs_read(h, XBT_NULL, path);
}

int nc2_resolve_domain(const char *what, const char *s, unsigned int *out)
{
	unsigned int i, n, found = 0;
	struct xs_handle *h;
	char **doms;

	if (*s >= '0' && *s <= '9')
		return nc2_parse_domid(what, s, out) ? NC2_EXIT_USAGE : 0;
	if (!*s || strlen(s) > 64) {
		nc2_err("bad %s '%s': expected a domain id or name", what, s);
		return NC2_EXIT_USAGE;
	}
	h = nc2_xs();
	if (!h)
		return NC2_EXIT_ERROR;
	/* Names are not unique to xenstore; to xl they are.  Insist. */
	doms = xs_directory(h, XBT_NULL, NC2_XS_LOCAL_DOMAIN, &n);
	for (i = 0; doms && i < n; i++) {
		unsigned int d;
		char *name;

		if (nc2_parse_uint_quiet(doms[i], NC2_DOMID_LIMIT - 1, &d))
			continue;
		name = nc2_domain_name(h, d);
		if (name && !strcmp(name, s)) {
			*out = d;
			found++;
		}
		free(name);
	}
	free(doms);
	if (found == 1)
		return 0;
	if (found)
		nc2_err("%s: %u domains are named '%s'; give the domain id",
			what, found, s);
	else
		nc2_err("unknown domain '%s' (no domain of that name)", s);
	return NC2_EXIT_ERROR;
}

int nc2_self_domid(struct xs_handle *h)
{
	static int self = -2;

	/* Relative: the domain's own home.  dom0's is set by xen-init-dom0. */
	if (self == -2)
		self = nc2_xs_read_int(h, XBT_NULL, NC2_XS_DOMID, -1);
	return self;
}
