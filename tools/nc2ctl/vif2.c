// SPDX-License-Identifier: GPL-2.0-only
/*
 * nc2ctl - vif2 devices: attach, detach, and removing a dead guest's.
 *
 * attach mirrors what libxl does for a "vif": one transaction writes the
 * frontend directory (owned by the guest, readable by the backend) and
 * the backend directory (owned by the backend domain, readable by the
 * guest), both in state Initialising.  The drivers take it from there;
 * once the backend reaches InitWait the hotplug script puts its
 * interface on the bridge.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nc2/xenbus.h>
#include "nc2ctl.h"

struct vif2_cfg {
	unsigned int domid;
	unsigned int backend;
	unsigned int handle;
	bool handle_set;
	char mac[18];
	const char *bridge;
	const char *script;
	unsigned int max_bypasses;
	unsigned int local_trusted;
	unsigned int remote_trusted;
	unsigned int filter_mac;
	char ip[256];		/* space-separated addresses, or "" */
	char vifname[16];	/* backend interface name, or "" */
	char gateway[INET6_ADDRSTRLEN];	/* routed: backend's address, or "" */
	char bypass_allow[NC2_POLICY_MAX_TEXT + 1];	/* "" until decided */
};


static bool handle_in_use(struct xs_handle *h, xs_transaction_t t,
			  const struct vif2_cfg *c, unsigned int handle)
{
	char path[NC2_PATH_MAX];

	nc2_fe_path(path, c->domid, handle);
	if (nc2_xs_exists(h, t, path))
		return true;
	nc2_be_path(path, c->backend, c->domid, handle);
	return nc2_xs_exists(h, t, path);
}


/* Random locally chosen MAC in the Xen OUI 00:16:3e, as libxl does. */
static int random_mac(char *mac)
{
	unsigned char b[3];
	int fd = open("/dev/urandom", O_RDONLY);

	if (fd < 0 || read(fd, b, sizeof(b)) != sizeof(b)) {
		nc2_err("cannot read /dev/urandom: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	snprintf(mac, 18, "00:16:3e:%02x:%02x:%02x", b[0] & 0x7f, b[1], b[2]);
	return 0;
}

static int parse_mac(const char *s, char *mac)
{
	unsigned char o[6];
	int i;

	if (strlen(s) != 17)
		goto bad;
	for (i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			goto bad;
	}
	for (i = 0; i < 6; i++)
		o[i] = (unsigned char)strtoul(s + 3 * i, NULL, 16);
	if (o[0] & 1) {
		nc2_err("bad mac '%s': multicast bit set", s);
		return -1;
	}
	snprintf(mac, 18, "%02x:%02x:%02x:%02x:%02x:%02x", o[0], o[1], o[2],
		 o[3], o[4], o[5]);
	return 0;
bad:
	nc2_err("bad mac '%s': expected XX:XX:XX:XX:XX:XX", s);
	return -1;
}

/* An interface name the kernel takes and a shell script can quote. */
static bool ifname_ok(const char *v)
{
	size_t n = strlen(v);

	if (!n || n > 15 || !strcmp(v, ".") || !strcmp(v, ".."))
		return false;
	return strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789._+-") == n;
}

/*
 * ip=: the guest's addresses, IPv4 or IPv6, separated by spaces (as in
 * an xl vif line); each checked with inet_pton and written back in its
 * canonical form, for the routed hotplug script's routes and filters.
 */
static int parse_ips(const char *v, char *out, size_t len)
{
	char buf[256], txt[INET6_ADDRSTRLEN], *tok, *save = NULL;
	unsigned char a[16];
	size_t used = 0;
	int n = 0;

	if (strlen(v) >= sizeof(buf)) {
		nc2_err("ip= is too long");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		int af = strchr(tok, ':') ? AF_INET6 : AF_INET;

		if (inet_pton(af, tok, a) != 1 ||
		    !inet_ntop(af, a, txt, sizeof(txt))) {
			nc2_err("bad ip '%s': expected IPv4 or IPv6 addresses "
				"separated by spaces", tok);
			return -1;
		}
		if (++n > 8 || used + strlen(txt) + 2 > len) {
			nc2_err("ip= holds at most 8 addresses");
			return -1;
		}
		used += snprintf(out + used, len - used, "%s%s", used ? " " : "",
				 txt);
	}
	if (!n) {
		nc2_err("ip= is empty");
		return -1;
	}
	return 0;
}

/* Returns 0, or the exit status: NC2_EXIT_USAGE, or NC2_EXIT_ERROR for a
 * domain name that names no domain. */
static int parse_attach_args(struct vif2_cfg *c, int argc, char **argv)
{
	int i, rc;

	if (argc < 1) {
		nc2_err("attach: missing DOMID");
		return NC2_EXIT_USAGE;
	}
	rc = nc2_resolve_domain("DOMID", argv[0], &c->domid);
	if (rc)
		return rc;
	for (i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		const char *v;
		size_t klen;

		if (!eq) {
			nc2_err("attach: expected KEY=VALUE, got '%s'",
				argv[i]);
			return NC2_EXIT_USAGE;
		}
		klen = eq - argv[i];
		v = eq + 1;
#define KEY(name) (klen == strlen(name) && !strncmp(argv[i], name, klen))
		if (KEY(NC2_XS_MAC)) {
			if (parse_mac(v, c->mac))
				return NC2_EXIT_USAGE;
		} else if (KEY(NC2_XS_BRIDGE)) {
			if (!*v || strlen(v) > 15 || strpbrk(v, "/ \t")) {
				nc2_err("bad bridge name '%s'", v);
				return NC2_EXIT_USAGE;
			}
			c->bridge = v;
		} else if (KEY(NC2_XS_HANDLE)) {
			if (nc2_parse_uint("handle", v, NC2_MAX_HANDLE,
					   &c->handle))
				return NC2_EXIT_USAGE;
			c->handle_set = true;
		} else if (KEY("backend")) {
			rc = nc2_resolve_domain("backend", v, &c->backend);
			if (rc)
				return rc;
		} else if (KEY(NC2_XS_SCRIPT)) {
			if (v[0] != '/') {
				nc2_err("script must be an absolute path");
				return NC2_EXIT_USAGE;
			}
			c->script = v;
		} else if (KEY(NC2_XS_MAX_BYPASSES)) {
			if (nc2_parse_uint(NC2_XS_MAX_BYPASSES, v, 64,
					   &c->max_bypasses))
				return NC2_EXIT_USAGE;
		} else if (KEY(NC2_XS_LOCAL_TRUSTED)) {
			if (nc2_parse_uint(NC2_XS_LOCAL_TRUSTED, v, 1,
					   &c->local_trusted))
				return NC2_EXIT_USAGE;
		} else if (KEY(NC2_XS_REMOTE_TRUSTED)) {
			if (nc2_parse_uint(NC2_XS_REMOTE_TRUSTED, v, 1,
					   &c->remote_trusted))
				return NC2_EXIT_USAGE;
		} else if (KEY(NC2_XS_IP)) {
			if (parse_ips(v, c->ip, sizeof(c->ip)))
				return NC2_EXIT_USAGE;
		} else if (KEY(NC2_XS_GATEWAY)) {
			unsigned char a[4];

			if (inet_pton(AF_INET, v, a) != 1) {
				nc2_err("bad gateway '%s': expected an IPv4 "
					"address", v);
				return NC2_EXIT_USAGE;
			}
			snprintf(c->gateway, sizeof(c->gateway), "%s", v);
		} else if (KEY(NC2_XS_VIFNAME)) {
			if (!ifname_ok(v)) {
				nc2_err("bad vifname '%s': 1-15 of A-Z a-z "
					"0-9 . _ + -, not . or ..", v);
				return NC2_EXIT_USAGE;
			}
			snprintf(c->vifname, sizeof(c->vifname), "%s", v);
		} else if (KEY(NC2_XS_BYPASS_ALLOW)) {
			rc = nc2_bypass_policy_text(v, c->bypass_allow,
						    sizeof(c->bypass_allow));
			if (rc)
				return rc;
		} else if (KEY(NC2_XS_FILTER_MAC)) {
			if (nc2_parse_uint(NC2_XS_FILTER_MAC, v, 1, &c->filter_mac))
				return NC2_EXIT_USAGE;
		} else {
			nc2_err("attach: unknown option '%.*s'", (int)klen,
				argv[i]);
			return NC2_EXIT_USAGE;
		}
#undef KEY
	}
	if (c->backend == c->domid) {
		nc2_err("backend domain %u is the frontend domain itself",
			c->backend);
		return NC2_EXIT_USAGE;
	}
	/*
	 * A bypass skips every rule of the backend domain. On a plain
	 * bridge there are none to skip by default; a routed backend
	 * filters by address, so there it takes the admin's word.
	 */
	if (!c->bypass_allow[0]) {
		const char *base = strrchr(c->script, '/');

		snprintf(c->bypass_allow, sizeof(c->bypass_allow), "%s",
			 !strcmp(base ? base + 1 : c->script, "vif2-bridge") ?
			 "any" : "none");
	}
	return 0;
}

static int write_frontend(struct xs_handle *h, xs_transaction_t t,
			  const struct vif2_cfg *c, const char *fe,
			  const char *be)
{
	struct xs_permissions perms[2] = {
		{ .id = c->domid, .perms = XS_PERM_NONE },
		{ .id = c->backend, .perms = XS_PERM_READ },
	};

	if (!xs_mkdir(h, t, fe) || !xs_set_permissions(h, t, fe, perms, 2)) {
		nc2_err("cannot create %s: %s", fe, strerror(errno));
		return -1;
	}
	if (!nc2_xs_writef(h, t, fe, NC2_XS_BACKEND, "%s", be) ||
	    !nc2_xs_writef(h, t, fe, NC2_XS_BACKEND_ID, "%u", c->backend) ||
	    !nc2_xs_writef(h, t, fe, NC2_XS_HANDLE, "%u", c->handle) ||
	    !nc2_xs_writef(h, t, fe, NC2_XS_MAC, "%s", c->mac) ||
	    !nc2_xs_writef(h, t, fe, NC2_XS_STATE, "%d", NC2_XB_INITIALISING))
		return -1;
	return 0;
}

static int write_backend(struct xs_handle *h, xs_transaction_t t,
			 const struct vif2_cfg *c, const char *fe,
			 const char *be)
{
	struct xs_permissions perms[2] = {
		{ .id = c->backend, .perms = XS_PERM_NONE },
		{ .id = c->domid, .perms = XS_PERM_READ },
	};

	if (!xs_mkdir(h, t, be) || !xs_set_permissions(h, t, be, perms, 2)) {
		nc2_err("cannot create %s: %s", be, strerror(errno));
		return -1;
	}
	if (!nc2_xs_writef(h, t, be, NC2_XS_FRONTEND, "%s", fe) ||
	    !nc2_xs_writef(h, t, be, NC2_XS_FRONTEND_ID, "%u", c->domid) ||
	    !nc2_xs_writef(h, t, be, NC2_XS_ONLINE, "1") ||
	    !nc2_xs_writef(h, t, be, NC2_XS_HANDLE, "%u", c->handle) ||
	    !nc2_xs_writef(h, t, be, NC2_XS_MAC, "%s", c->mac) ||
	    !nc2_xs_writef(h, t, be, NC2_XS_BRIDGE, "%s", c->bridge) ||
	    !nc2_xs_writef(h, t, be, NC2_XS_SCRIPT, "%s", c->script) ||
	    !nc2_xs_writef(h, t, be, NC2_XS_MAX_BYPASSES, "%u", c->max_bypasses) ||
	    !nc2_xs_writef(h, t, be, NC2_XS_LOCAL_TRUSTED, "%u",
			   c->local_trusted) ||
	    !nc2_xs_writef(h, t, be, NC2_XS_REMOTE_TRUSTED, "%u",
			   c->remote_trusted) ||
	    !nc2_xs_writef(h, t, be, NC2_XS_FILTER_MAC, "%u", c->filter_mac) ||
	    !nc2_xs_writef(h, t, be, NC2_XS_BYPASS_ALLOW, "%s", c->bypass_allow) ||
	    (c->ip[0] && !nc2_xs_writef(h, t, be, NC2_XS_IP, "%s", c->ip)) ||
	    (c->gateway[0] &&
	     !nc2_xs_writef(h, t, be, NC2_XS_GATEWAY, "%s", c->gateway)) ||
	    (c->vifname[0] &&
	     !nc2_xs_writef(h, t, be, NC2_XS_VIFNAME, "%s", c->vifname)) ||
	    !nc2_xs_writef(h, t, be, NC2_XS_STATE, "%d", NC2_XB_INITIALISING))
		return -1;
	return 0;
}

/*
 * The backend domain's bypass requests, nc2/bypass in its home: netback2
 * writes its automatic ones there itself, which a driver domain may only
 * do in a directory it owns (its home is dom0's).
 */
static int prepare_bypass_dir(struct xs_handle *h, xs_transaction_t t,
			      unsigned int backend)
{
	struct xs_permissions perms[1] = {
		{ .id = backend, .perms = XS_PERM_NONE },
	};
	char path[NC2_PATH_MAX];

	nc2_bypass_root_path(path, backend);
	if (nc2_xs_exists(h, t, path))
		return 0;
	if (!xs_mkdir(h, t, path) || !xs_set_permissions(h, t, path, perms, 1)) {
		nc2_err("cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Transaction body of attach: all checks and writes see one snapshot. */
static int attach_txn(struct xs_handle *h, xs_transaction_t t, void *arg)
{
	struct vif2_cfg *c = arg;
	char fe[NC2_PATH_MAX], be[NC2_PATH_MAX];

	if (!nc2_domain_exists(h, t, c->domid)) {
		nc2_err("unknown domain %u (no /local/domain/%u in xenstore)",
			c->domid, c->domid);
		return -1;
	}
	if (!nc2_domain_exists(h, t, c->backend)) {
		nc2_err("backend domain %u does not exist", c->backend);
		return -1;
	}
	if (c->handle_set) {
		if (handle_in_use(h, t, c, c->handle)) {
			nc2_err("domain %u already has a " NC2_XS_DEVICE
				" with handle %u",
				c->domid, c->handle);
			return -1;
		}
	} else {
		for (c->handle = 0; c->handle <= NC2_MAX_HANDLE; c->handle++)
			if (!handle_in_use(h, t, c, c->handle))
				break;
		if (c->handle > NC2_MAX_HANDLE) {
			nc2_err("domain %u has no free " NC2_XS_DEVICE " handle",
				c->domid);
			return -1;
		}
	}
	nc2_fe_path(fe, c->domid, c->handle);
	nc2_be_path(be, c->backend, c->domid, c->handle);
	if (write_frontend(h, t, c, fe, be) || write_backend(h, t, c, fe, be))
		return -1;
	return prepare_bypass_dir(h, t, c->backend);
}


struct state_wait {
	char fe_state[NC2_PATH_MAX];
	char be_state[NC2_PATH_MAX];
	int fe, be; /* last seen states, -1 = node gone */
};

static void read_states(struct xs_handle *h, struct state_wait *w)
{
	w->fe = nc2_xs_read_int(h, XBT_NULL, w->fe_state, -1);
	w->be = nc2_xs_read_int(h, XBT_NULL, w->be_state, -1);
}

static bool backend_ready(struct xs_handle *h, void *arg)
{
	struct state_wait *w = arg;

	read_states(h, w);
	return w->be >= NC2_XB_INITWAIT;
}

int nc2_cmd_attach(const struct nc2_opts *o, int argc, char **argv)
{
	struct xs_handle *h;
	struct vif2_cfg c = {
		.backend = 0,
		.bridge = NC2_DEFAULT_BRIDGE,
		.script = NC2_DEFAULT_SCRIPT,
		.max_bypasses = NC2_DEFAULT_BYPASSES,
		.local_trusted = 1,
		.remote_trusted = 0,
		.filter_mac = 1,
	};
	char fe[NC2_PATH_MAX], be[NC2_PATH_MAX];
	const char *watch[1];
	struct state_wait w;
	int rc;

	rc = parse_attach_args(&c, argc, argv);
	if (rc)
		return rc;
	if (!c.mac[0] && random_mac(c.mac))
		return NC2_EXIT_ERROR;
	h = nc2_xs();
	if (!h)
		return NC2_EXIT_ERROR;
	if (nc2_xs_transact(h, attach_txn, &c))
		return NC2_EXIT_ERROR;

	nc2_fe_path(fe, c.domid, c.handle);
	nc2_be_path(be, c.backend, c.domid, c.handle);
	printf("attached " NC2_XS_DEVICE " %u/%u: backend %u, mac %s, bridge %s\n",
	       c.domid, c.handle, c.backend, c.mac, c.bridge);
	fflush(stdout);
	if (o->no_wait)
		return NC2_EXIT_OK;

	/* Wait for the backend driver to create its interface. */
	nc2_path(w.fe_state, "%s/" NC2_XS_STATE, fe);
	nc2_path(w.be_state, "%s/" NC2_XS_STATE, be);
	watch[0] = w.be_state;
	rc = nc2_xs_wait(h, watch, 1, backend_ready, &w, o->timeout);
	if (rc < 0)
		return NC2_EXIT_ERROR;
	if (rc > 0) {
		nc2_warn("backend %s still in state %d (%s) after %d s; "
			 "is netback2 loaded in domain %u? "
			 "entries left in xenstore, hotplug script not run",
			 be, w.be, nc2_state_name(w.be), o->timeout, c.backend);
		return NC2_EXIT_TIMEOUT;
	}
	if (w.be >= NC2_XB_CLOSING) {
		nc2_err("backend %s went to state %d (%s) instead of InitWait",
			be, w.be, nc2_state_name(w.be));
		return NC2_EXIT_ERROR;
	}
	if (nc2_run_hotplug(h, o, be, c.backend, c.domid, c.handle, "online"))
		return NC2_EXIT_ERROR;
	return NC2_EXIT_OK;
}

static bool both_closed(struct xs_handle *h, void *arg)
{
	struct state_wait *w = arg;

	read_states(h, w);
	return (w->fe < 0 || w->fe == NC2_XB_CLOSED) &&
	       (w->be < 0 || w->be == NC2_XB_CLOSED);
}

struct detach_req {
	unsigned int domid, handle, backend;
	char fe[NC2_PATH_MAX];
	char be[NC2_PATH_MAX];
};

static int close_txn(struct xs_handle *h, xs_transaction_t t, void *arg)
{
	struct detach_req *d = arg;

	if (!nc2_xs_exists(h, t, d->be))
		return 0;
	if (!nc2_xs_writef(h, t, d->be, NC2_XS_ONLINE, "0") ||
	    !nc2_xs_writef(h, t, d->be, NC2_XS_STATE, "%d", NC2_XB_CLOSING))
		return -1;
	return 0;
}

static int remove_txn(struct xs_handle *h, xs_transaction_t t, void *arg)
{
	struct detach_req *d = arg;
	char parent[NC2_PATH_MAX];
	unsigned int n;
	char **ents;

	if ((!xs_rm(h, t, d->fe) && errno != ENOENT) ||
	    (!xs_rm(h, t, d->be) && errno != ENOENT)) {
		nc2_err("cannot remove " NC2_XS_DEVICE " %u/%u: %s", d->domid,
			d->handle, strerror(errno));
		return -1;
	}
	/* Drop backend/vif2/<domid> once its last device is gone. */
	nc2_be_dom_path(parent, d->backend, d->domid);
	ents = xs_directory(h, t, parent, &n);
	if (ents && n == 0)
		xs_rm(h, t, parent);
	free(ents);
	return 0;
}

/*
 * Does backend domain @b hold a backend directory for @d's device?  Only
 * keys the backend domain owns are read: the frontend directory belongs
 * to the guest, which may write anything there (finding 13 of issue #11:
 * a guest pointing "backend-id" elsewhere made detach skip the real
 * backend and its hotplug offline step).
 */
static bool backend_serves(struct xs_handle *h, unsigned int b,
			   const struct detach_req *d)
{
	char path[NC2_PATH_MAX], be[NC2_PATH_MAX];
	char *fe;
	bool ok;

	nc2_be_path(be, b, d->domid, d->handle);
	nc2_path(path, "%s/" NC2_XS_FRONTEND_ID, be);
	if (nc2_xs_read_int(h, XBT_NULL, path, -1) != (int)d->domid)
		return false;
	nc2_path(path, "%s/" NC2_XS_FRONTEND, be);
	fe = nc2_xs_read(h, XBT_NULL, path);
	ok = fe && !strcmp(fe, d->fe);
	free(fe);
	return ok;
}

/*
 * Backend of a device, found from backend directories only: every
 * /local/domain/<b>/backend/vif2/<domid>/<handle> whose frontend-id and
 * frontend name this device.  The guest's own domain never counts (attach
 * refuses backend == frontend, and the guest owns its tree).  With
 * @want >= 0 (detach ... backend=B) only that domain is considered.
 * Several candidates: dom0 wins if it is one (another guest may plant
 * a look-alike directory in its own tree), else the caller must choose.
 */
static int find_backend(struct xs_handle *h, struct detach_req *d, int want)
{
	unsigned int i, n, found = 0;
	bool have0 = false;
	long first = -1;
	char **doms;

	if (want >= 0) {
		if ((unsigned int)want == d->domid ||
		    !backend_serves(h, want, d))
			return -1;
		d->backend = want;
		return 0;
	}
	doms = xs_directory(h, XBT_NULL, NC2_XS_LOCAL_DOMAIN, &n);
	for (i = 0; doms && i < n; i++) {
		char *end;
		unsigned long b = strtoul(doms[i], &end, 10);

		if (*end || end == doms[i] || b >= NC2_DOMID_LIMIT ||
		    b == d->domid || !backend_serves(h, b, d))
			continue;
		if (b == 0)
			have0 = true;
		if (first < 0 || (long)b < first)
			first = (long)b;
		found++;
	}
	free(doms);
	if (!found)
		return -1;
	if (found > 1 && !have0) {
		nc2_err(NC2_XS_DEVICE " %u/%u has backend directories in %u "
			"domains; say which with backend=DOMID", d->domid,
			d->handle, found);
		return -2;
	}
	d->backend = have0 ? 0 : (unsigned int)first;
	return 0;
}

int nc2_cmd_detach(const struct nc2_opts *o, int argc, char **argv)
{
	struct xs_handle *h;
	struct detach_req d;
	struct state_wait w;
	const char *watch[2];
	bool hotplugged;
	char path[NC2_PATH_MAX];
	unsigned int b;
	int rc, want = -1;

	if (argc != 2 && argc != 3) {
		nc2_err("detach: expected DOMID HANDLE [backend=DOMID]");
		return NC2_EXIT_USAGE;
	}
	rc = nc2_resolve_domain("DOMID", argv[0], &d.domid);
	if (rc)
		return rc;
	if (nc2_parse_uint("HANDLE", argv[1], NC2_MAX_HANDLE, &d.handle))
		return NC2_EXIT_USAGE;
	if (argc == 3) {
		if (strncmp(argv[2], "backend=", 8)) {
			nc2_err("detach: expected backend=DOMID, got '%s'",
				argv[2]);
			return NC2_EXIT_USAGE;
		}
		rc = nc2_resolve_domain("backend", argv[2] + 8, &b);
		if (rc)
			return rc;
		want = (int)b;
	}
	h = nc2_xs();
	if (!h)
		return NC2_EXIT_ERROR;
	nc2_fe_path(d.fe, d.domid, d.handle);
	rc = find_backend(h, &d, want);
	if (rc == -2)
		return NC2_EXIT_ERROR;
	if (rc) {
		if (!nc2_domain_exists(h, XBT_NULL, d.domid))
			nc2_err("unknown domain %u", d.domid);
		else
			nc2_err("domain %u has no " NC2_XS_DEVICE " %u%s", d.domid,
				d.handle, want >= 0 ? " on that backend" : "");
		return NC2_EXIT_ERROR;
	}
	nc2_be_path(d.be, d.backend, d.domid, d.handle);
	nc2_path(path, "%s/" NC2_XS_HOTPLUG_STATUS, d.be);
	hotplugged = nc2_xs_exists(h, XBT_NULL, path);

	if (nc2_xs_transact(h, close_txn, &d))
		return NC2_EXIT_ERROR;
	nc2_path(w.fe_state, "%s/" NC2_XS_STATE, d.fe);
	nc2_path(w.be_state, "%s/" NC2_XS_STATE, d.be);
	watch[0] = w.fe_state;
	watch[1] = w.be_state;
	rc = nc2_xs_wait(h, watch, 2, both_closed, &w, o->timeout);
	if (rc < 0)
		return NC2_EXIT_ERROR;
	if (rc > 0)
		nc2_warn("" NC2_XS_DEVICE " %u/%u did not close within %d s "
			 "(frontend %s, backend %s); removing it anyway",
			 d.domid, d.handle, o->timeout, nc2_state_name(w.fe),
			 nc2_state_name(w.be));
	if (hotplugged &&
	    nc2_run_hotplug(h, o, d.be, d.backend, d.domid, d.handle, "offline"))
		nc2_warn("continuing despite hotplug script failure");
	if (nc2_xs_transact(h, remove_txn, &d))
		return NC2_EXIT_ERROR;
	printf("detached " NC2_XS_DEVICE " %u/%u\n", d.domid, d.handle);
	return NC2_EXIT_OK;
}

/*
 * A device whose guest is gone (no /local/domain/<domid>): nobody is left
 * to answer a Closing, so do not wait; run the hotplug script's offline
 * step if online had run, then remove both directories.  Used by the
 * agent when a domain dies (xl destroy, shutdown, reboot, the source of
 * a migration).
 */
int nc2_remove_orphan(struct xs_handle *h, const struct nc2_opts *o,
		      unsigned int backend, unsigned int domid,
		      unsigned int handle)
{
	struct detach_req d = {
		.domid = domid, .handle = handle, .backend = backend,
	};
	char path[NC2_PATH_MAX];

	nc2_fe_path(d.fe, domid, handle);
	nc2_be_path(d.be, backend, domid, handle);
	nc2_path(path, "%s/" NC2_XS_HOTPLUG_STATUS, d.be);
	if (nc2_xs_exists(h, XBT_NULL, path) &&
	    nc2_run_hotplug(h, o, d.be, backend, domid, handle, "offline"))
		nc2_warn("continuing despite hotplug script failure");
	if (nc2_xs_transact(h, remove_txn, &d))
		return -1;
	return 0;
}

