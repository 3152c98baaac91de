// SPDX-License-Identifier: GPL-2.0-only
/*
 * nc2ctl - declared NICs: /etc/nc2/domains/<name>.cfg (nc2-domain.cfg(5)).
 *
 * One file per guest, keyed by domain name (or UUID), holding the line an
 * admin would have written into the xl config file:
 *
 *     vif2 = [ 'mac=00:16:3e:00:02:01,bridge=br1', 'bridge=br2' ]
 *
 * Why not the xl config itself: xl keeps unknown keys nowhere public, so
 * reading them back would mean parsing xl's private per-domain userdata;
 * a file keyed by the name survives reboot, save/restore and migration
 * (the name stays, the domid does not) and works under any toolstack.
 *
 * Each quoted string is one NIC; its comma-separated KEY=VALUE items are
 * the keys of "nc2ctl attach".  The files are written by root, but parse
 * them as carefully as anything else: bounded size, bounded counts, every
 * error names the file and line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nc2ctl.h"

#define NC2_CFG_FILE_MAX (64 * 1024)

struct lexer {
	const char *path;
	const char *p, *end;
	unsigned int line;
};

static void skip_space(struct lexer *l)
{
	while (l->p < l->end) {
		if (*l->p == '#') {
			while (l->p < l->end && *l->p != '\n')
				l->p++;
		} else if (*l->p == '\n') {
			l->line++;
			l->p++;
		} else if (isspace((unsigned char)*l->p) || *l->p == ';') {
			l->p++;
		} else {
			break;
		}
	}
}

static int cfg_error(const struct lexer *l, const char *what)
{
	nc2_err("%s:%u: %s", l->path, l->line, what);
	return -1;
}

/* A quoted string ('...' or "..."), copied into @out. */
static int read_string(struct lexer *l, char *out, size_t len)
{
	char q = *l->p++;
	size_t n = 0;

	while (l->p < l->end && *l->p != q) {
		if (*l->p == '\n')
			return cfg_error(l, "unterminated string");
		if (n + 1 >= len)
			return cfg_error(l, "NIC specification too long");
		out[n++] = *l->p++;
	}
	if (l->p >= l->end)
		return cfg_error(l, "unterminated string");
	l->p++;
	out[n] = '\0';
	return 0;
}

/* Skip the value of a key we do not know: to the end of its line or list. */
static void skip_value(struct lexer *l)
{
	int depth = 0;

	while (l->p < l->end) {
		if (*l->p == '[')
			depth++;
		else if (*l->p == ']')
			depth--;
		else if (*l->p == '\n') {
			if (depth <= 0)
				return;
			l->line++;
		}
		l->p++;
		if (depth == 0 && l->p[-1] == ']')
			return;
	}
}

static int parse_list(struct lexer *l, struct nc2_domcfg *c)
{
	l->p++; /* '[' */
	for (;;) {
		skip_space(l);
		if (l->p >= l->end)
			return cfg_error(l, "missing ']'");
		if (*l->p == ']') {
			l->p++;
			return 0;
		}
		if (*l->p != '\'' && *l->p != '"')
			return cfg_error(l, "expected a quoted NIC specification");
		if (c->n >= NC2_CFG_MAX_NICS)
			return cfg_error(l, "too many NICs (at most 16)");
		if (read_string(l, c->spec[c->n], sizeof(c->spec[0])))
			return -1;
		c->n++;
		skip_space(l);
		if (l->p < l->end && *l->p == ',')
			l->p++;
	}
}

int nc2_domcfg_parse(const char *path, const char *text, size_t len,
		     struct nc2_domcfg *c)
{
	struct lexer l = { .path = path, .p = text, .end = text + len,
			   .line = 1 };
	bool seen = false;

	c->n = 0;
	snprintf(c->path, sizeof(c->path), "%s", path);
	for (;;) {
		const char *key;
		size_t klen;

		skip_space(&l);
		if (l.p >= l.end)
			break;
		key = l.p;
		while (l.p < l.end && (isalnum((unsigned char)*l.p) ||
				       *l.p == '_' || *l.p == '-'))
			l.p++;
		klen = l.p - key;
		if (!klen)
			return cfg_error(&l, "expected KEY = VALUE");
		skip_space(&l);
		if (l.p >= l.end || *l.p != '=')
			return cfg_error(&l, "expected '=' after the key");
		l.p++;
		skip_space(&l);
		if (klen == 4 && !strncmp(key, "vif2", 4)) {
			if (seen)
				return cfg_error(&l, "vif2 given twice");
			if (l.p >= l.end || *l.p != '[')
				return cfg_error(&l, "vif2 wants a list: "
						 "vif2 = [ '...', ... ]");
			if (parse_list(&l, c))
				return -1;
			seen = true;
		} else {
			nc2_warn("%s:%u: ignoring '%.*s' (only vif2 is read)",
				 path, l.line, (int)klen, key);
			skip_value(&l);
		}
	}
	return 0;
}

int nc2_domcfg_load(const char *path, struct nc2_domcfg *c)
{
	char *buf;
	size_t n;
	FILE *f;
	int rc;

	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 1 : (nc2_err("cannot open %s: %s",
					      path, strerror(errno)), -1);
	buf = malloc(NC2_CFG_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		nc2_err("out of memory");
		return -1;
	}
	n = fread(buf, 1, NC2_CFG_FILE_MAX + 1, f);
	if (ferror(f) || n > NC2_CFG_FILE_MAX) {
		nc2_err("%s: %s", path, ferror(f) ? strerror(errno) :
			"larger than 64 KiB");
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	rc = nc2_domcfg_parse(path, buf, n, c);
	free(buf);
	return rc;
}

/* A name usable as a file name: what xl accepts, minus '/' and dot-files. */
static bool name_ok(const char *name)
{
	return *name && *name != '.' && strlen(name) < 64 &&
	       !strchr(name, '/');
}

int nc2_domcfg_find(const char *dir, const char *name, const char *uuid,
		    struct nc2_domcfg *c)
{
	char path[NC2_PATH_MAX];
	int rc = 1;

	if (name && name_ok(name)) {
		snprintf(path, sizeof(path), "%s/%s.cfg", dir, name);
		rc = nc2_domcfg_load(path, c);
	}
	if (rc == 1 && uuid && name_ok(uuid)) {
		snprintf(path, sizeof(path), "%s/%s.cfg", dir, uuid);
		rc = nc2_domcfg_load(path, c);
	}
	return rc;
}

/* FNV-1a: a stable hash of the domain name for a default MAC. */
static unsigned int name_hash(const char *name, unsigned int handle)
{
	unsigned int h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	h = (h ^ handle) * 16777619u;
	return h;
}

int nc2_domcfg_nic(const struct nc2_domcfg *c, unsigned int i,
		   const char *name, struct nc2_nic *nic)
{
	const char *s = c->spec[i];
	bool has_handle = false;
	unsigned int hash;

	memset(nic, 0, sizeof(*nic));
	nic->handle = i;
	while (*s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		while (n && isspace((unsigned char)*s)) {
			s++;
			n--;
		}
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		if (n) {
			if (nic->argc >= NC2_CFG_MAX_ITEMS ||
			    n >= sizeof(nic->item[0])) {
				nc2_err("%s: NIC %u: too many or too long items",
					c->path, i);
				return -1;
			}
			memcpy(nic->item[nic->argc], s, n);
			nic->item[nic->argc][n] = '\0';
			if (!strchr(nic->item[nic->argc], '=')) {
				nc2_err("%s: NIC %u: expected KEY=VALUE, got '%s'",
					c->path, i, nic->item[nic->argc]);
				return -1;
			}
			if (!strncmp(s, "handle=", 7)) {
				if (nc2_parse_uint("handle",
						   nic->item[nic->argc] + 7,
						   NC2_MAX_HANDLE,
						   &nic->handle))
					return -1;
				has_handle = true;
			}
			if (!strncmp(s, "mac=", 4))
				snprintf(nic->mac, sizeof(nic->mac), "%.*s",
					 (int)(n - 4), s + 4);
			if (!strncmp(s, "backend=", 8))
				snprintf(nic->backend, sizeof(nic->backend),
					 "%.*s", (int)(n - 8), s + 8);
			if (!strncmp(s, "bridge=", 7))
				snprintf(nic->bridge, sizeof(nic->bridge),
					 "%.*s", (int)(n - 7), s + 7);
			nic->argc++;
		}
		if (!e)
			break;
		s = e + 1;
	}
	if (nic->argc + 2 > NC2_CFG_MAX_ITEMS) {
		nc2_err("%s: NIC %u: too many items", c->path, i);
		return -1;
	}
	if (!nic->mac[0]) {
		/* Locally administered, so never a real vendor's address. */
		hash = name_hash(name, nic->handle);
		snprintf(nic->mac, sizeof(nic->mac),
			 "02:16:3e:%02x:%02x:%02x", (hash >> 16) & 0xff,
			 (hash >> 8) & 0xff, hash & 0xff);
		snprintf(nic->item[nic->argc++], sizeof(nic->item[0]),
			 "mac=%s", nic->mac);
	}
	if (!nic->bridge[0])
		snprintf(nic->bridge, sizeof(nic->bridge), "%s",
			 NC2_DEFAULT_BRIDGE);
	/* The handle is part of the declaration: the same after a reboot. */
	if (!has_handle)
		snprintf(nic->item[nic->argc++], sizeof(nic->item[0]),
			 "handle=%u", nic->handle);
	return 0;
}
