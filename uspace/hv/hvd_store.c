// SPDX-License-Identifier: MIT
/*
 * The store: the subset of xenstore that split drivers use.  A flat list of
 * nodes is enough for a handful of devices.  Permissions follow xenstore:
 * perms[0] names the owner (full access) and the default for everyone not
 * in the ACL that follows; dom0 bypasses all checks.  Transactions buffer
 * their changes and fail with EAGAIN at commit if anything was committed
 * since they started, which is coarse but safe: callers retry.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nc2/xenbus.h>

#include "hv_msg.h"
#include "hvd.h"

struct node {
	char *path;
	char *val;
	uint32_t vlen;
	uint16_t nperms;
	struct nc2_hv_perm perms[NC2_HV_PERM_MAX];
};

struct watch {
	struct hvd_dom *d;
	char *path;
	char *token;
};

struct txop {
	uint32_t op;
	char *path;
	char *val;
	uint32_t vlen;
	uint16_t nperms;
	struct nc2_hv_perm perms[NC2_HV_PERM_MAX];
};

struct tx {
	uint32_t id;
	struct hvd_dom *d;
	uint64_t start_gen;
	struct txop *ops;
	size_t nops;
};

#define MAX_NODES 65536u
#define MAX_WATCHES 4096u
#define MAX_TX 256u
#define MAX_TXOPS 1024u

static struct node *nodes[MAX_NODES];
static size_t nnodes;
static struct watch watches[MAX_WATCHES];
static struct tx txs[MAX_TX];
static uint32_t next_tx = 1;
static uint64_t gen;

static struct node *find(const char *path)
{
	for (size_t i = 0; i < nnodes; i++)
		if (!strcmp(nodes[i]->path, path))
			return nodes[i];
	return NULL;
}

/* Is @p equal to or below @base (component-wise)? */
static bool is_under(const char *p, const char *base)
{
	size_t n = strlen(base);

	if (!strcmp(base, "/"))
		return p[0] == '/';
	return !strncmp(p, base, n) && (p[n] == '\0' || p[n] == '/');
}

static void parent_of(const char *path, char *out)
{
	char *s;

	if (out != path)
		strcpy(out, path);
	s = strrchr(out, '/');
	if (s == out)
		s[1] = '\0';
	else
		*s = '\0';
}

static unsigned int perm_of(const struct node *n, uint16_t domid)
{
	if (domid == 0 || n->perms[0].domid == domid)
		return NC2_HV_PERM_BOTH;
	for (unsigned int i = 1; i < n->nperms; i++)
		if (n->perms[i].domid == domid)
			return n->perms[i].perm;
	return n->perms[0].perm;
}

static struct node *nearest(const char *path)
{
	char p[HV_PATH_MAX];
	struct node *n;

	strcpy(p, path);
	while (!(n = find(p)))
		parent_of(p, p);
	return n;
}

static struct node *node_new(const char *path, const struct node *parent,
			     uint16_t owner)
{
	struct node *n;

	if (nnodes == MAX_NODES)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->path = strdup(path);
	n->val = calloc(1, 1);
	if (!n->path || !n->val) {
		free(n->path);
		free(n->val);
		free(n);
		return NULL;
	}
	if (parent) {
		n->nperms = parent->nperms;
		memcpy(n->perms, parent->perms, sizeof(n->perms));
	} else {
		n->nperms = 1;
	}
	/* A node a guest creates is the guest's, as in xenstored. */
	if (owner != 0)
		n->perms[0].domid = owner;
	nodes[nnodes++] = n;
	return n;
}

static void node_free(struct node *n)
{
	free(n->path);
	free(n->val);
	free(n);
}

static void watch_send(struct watch *w, const char *path)
{
	char buf[HV_PATH_MAX * 2 + 2];
	size_t pl = strlen(path) + 1, tl = strlen(w->token) + 1;

	memcpy(buf, path, pl);
	memcpy(buf + pl, w->token, tl);
	/* Non-blocking: a guest that never reads its events only loses them. */
	if (hv_msg_send(w->d->wsock, buf, pl + tl, NULL, 0, NULL, 0))
		w->d->watch_drops++;
}

/* Fire watches on @path and its ancestors; on removal, also those below. */
static void fire(const char *path, bool removal)
{
	struct node *n = path[0] == '/' ? nearest(path) : NULL;

	for (unsigned int i = 0; i < MAX_WATCHES; i++) {
		struct watch *w = &watches[i];

		if (!w->d)
			continue;
		if (path[0] == '@') {
			if (!strcmp(w->path, path))
				watch_send(w, path);
			continue;
		}
		if (w->path[0] == '@' || (n && !(perm_of(n, w->d->id) &
						 NC2_HV_PERM_READ)))
			continue;
		if (is_under(path, w->path))
			watch_send(w, path);
		else if (removal && is_under(w->path, path))
			watch_send(w, w->path);
	}
}

/* Create @path and missing ancestors; caller checked permission. */
static struct node *create(const char *path, uint16_t owner)
{
	char p[HV_PATH_MAX];
	struct node *parent, *n;

	n = find(path);
	if (n)
		return n;
	parent_of(path, p);
	parent = create(p, owner);
	if (!parent)
		return NULL;
	return node_new(path, parent, owner);
}

static int do_write(struct hvd_dom *d, const char *path, const char *val,
		    uint32_t vlen, bool mkdir)
{
	struct node *n = find(path);
	char *v;

	if (n && mkdir)
		return 0;
	if (!(perm_of(n ? n : nearest(path), d->id) & NC2_HV_PERM_WRITE))
		return -EACCES;
	if (!n)
		n = create(path, d->id);
	if (!n)
		return -ENOMEM;
	if (!mkdir) {
		v = malloc(vlen + 1);
		if (!v)
			return -ENOMEM;
		memcpy(v, val, vlen);
		v[vlen] = '\0';
		free(n->val);
		n->val = v;
		n->vlen = vlen;
	}
	gen++;
	fire(path, false);
	return 0;
}

static int do_rm(struct hvd_dom *d, const char *path)
{
	struct node *n = find(path);
	size_t i, j;

	if (!strcmp(path, "/"))
		return -EINVAL;
	if (!n)
		return -ENOENT;
	if (!(perm_of(n, d->id) & NC2_HV_PERM_WRITE))
		return -EACCES;
	fire(path, true);
	for (i = j = 0; i < nnodes; i++) {
		if (is_under(nodes[i]->path, path))
			node_free(nodes[i]);
		else
			nodes[j++] = nodes[i];
	}
	nnodes = j;
	gen++;
	return 0;
}

static int do_setperms(struct hvd_dom *d, const char *path,
		       const struct nc2_hv_perm *perms, unsigned int np)
{
	struct node *n = find(path);

	if (!n)
		return -ENOENT;
	if (np == 0 || np > NC2_HV_PERM_MAX)
		return -EINVAL;
	if (d->id != 0 && n->perms[0].domid != d->id)
		return -EACCES;
	for (unsigned int i = 0; i < np; i++)
		if (perms[i].perm > NC2_HV_PERM_BOTH)
			return -EINVAL;
	memcpy(n->perms, perms, np * sizeof(*perms));
	n->nperms = np;
	gen++;
	fire(path, false);
	return 0;
}

/* Make @in absolute in @out; relative paths are under our home. */
static int norm_path(struct hvd_dom *d, const char *in, size_t len, char *out,
		     bool allow_special)
{
	size_t n;

	if (len == 0 || memchr(in, '\0', len) == NULL)
		return -EINVAL;
	if (in[0] == '@') {
		if (!allow_special || (strcmp(in, "@releaseDomain") &&
				       strcmp(in, "@introduceDomain")))
			return -EINVAL;
		strcpy(out, in);
		return 0;
	}
	if (in[0] == '/')
		n = snprintf(out, HV_PATH_MAX, "%s", in);
	else
		n = snprintf(out, HV_PATH_MAX, NC2_XS_DOM_PATH "/%s", d->id,
			     in);
	if (n >= HV_PATH_MAX)
		return -E2BIG;
	for (const char *s = out; *s; s++) {
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789/_-.:@", *s))
			return -EINVAL;
		if (s[0] == '/' && s[1] == '/')
			return -EINVAL;
		/* No "." or ".." components: paths mean what they say. */
		if (s[0] == '/' && s[1] == '.' &&
		    (s[2] == '/' || !s[2] ||
		     (s[2] == '.' && (s[3] == '/' || !s[3]))))
			return -EINVAL;
	}
	if (n > 1 && out[n - 1] == '/')
		return -EINVAL;
	return 0;
}

static struct tx *tx_get(struct hvd_dom *d, uint32_t id)
{
	for (unsigned int i = 0; i < MAX_TX; i++)
		if (txs[i].d == d && txs[i].id == id)
			return &txs[i];
	return NULL;
}

static void tx_free(struct tx *t)
{
	for (size_t i = 0; i < t->nops; i++) {
		free(t->ops[i].path);
		free(t->ops[i].val);
	}
	free(t->ops);
	memset(t, 0, sizeof(*t));
}

/*
 * Look a path up through a transaction's buffered changes.  Returns 1 and
 * sets *val if the transaction decides it, -ENOENT if it removed it, 0 if
 * the store decides.
 */
static int tx_lookup(struct tx *t, const char *path, const char **val,
		     uint32_t *vlen)
{
	for (size_t i = t->nops; i-- > 0;) {
		struct txop *o = &t->ops[i];

		if (o->op == HV_OP_ST_RM && is_under(path, o->path))
			return -ENOENT;
		if (strcmp(o->path, path))
			continue;
		if (o->op == HV_OP_ST_WRITE) {
			*val = o->val;
			*vlen = o->vlen;
			return 1;
		}
		if (o->op == HV_OP_ST_MKDIR && !find(path)) {
			*val = "";
			*vlen = 0;
			return 1;
		}
	}
	return 0;
}

static int tx_log(struct tx *t, uint32_t op, const char *path, const char *val,
		  uint32_t vlen)
{
	struct txop *o, *ops;
	struct node *n = find(path);

	if (t->nops == MAX_TXOPS)
		return -ENOSPC;
	/* Check now against the store; commit re-checks when replaying. */
	if (!(perm_of(n ? n : nearest(path), t->d->id) & NC2_HV_PERM_WRITE))
		return -EACCES;
	ops = realloc(t->ops, (t->nops + 1) * sizeof(*ops));
	if (!ops)
		return -ENOMEM;
	t->ops = ops;
	o = &ops[t->nops];
	memset(o, 0, sizeof(*o));
	o->op = op;
	o->path = strdup(path);
	o->val = malloc(vlen + 1);
	if (!o->path || !o->val) {
		free(o->path);
		free(o->val);
		return -ENOMEM;
	}
	memcpy(o->val, val, vlen);
	o->val[vlen] = '\0';
	o->vlen = vlen;
	if (op == HV_OP_ST_SETPERMS) {
		o->nperms = vlen / sizeof(struct nc2_hv_perm);
		if (o->nperms == 0 || o->nperms > NC2_HV_PERM_MAX) {
			free(o->path);
			free(o->val);
			return -EINVAL;
		}
		memcpy(o->perms, val, o->nperms * sizeof(struct nc2_hv_perm));
	}
	t->nops++;
	return 0;
}

static int tx_commit(struct tx *t)
{
	int rc = 0;

	if (gen != t->start_gen)
		return -EAGAIN;
	for (size_t i = 0; i < t->nops; i++) {
		struct txop *o = &t->ops[i];
		int r = 0;

		switch (o->op) {
		case HV_OP_ST_WRITE:
		case HV_OP_ST_MKDIR:
			r = do_write(t->d, o->path, o->val, o->vlen,
				     o->op == HV_OP_ST_MKDIR);
			break;
		case HV_OP_ST_RM:
			r = do_rm(t->d, o->path);
			if (r == -ENOENT)
				r = 0;
			break;
		case HV_OP_ST_SETPERMS:
			r = do_setperms(t->d, o->path, o->perms, o->nperms);
			break;
		}
		if (r && !rc)
			rc = r;
	}
	return rc;
}

static int st_read(struct hvd_dom *d, struct tx *t, const char *path,
		   char *out, uint32_t *olen)
{
	const char *val;
	uint32_t vlen;
	struct node *n;
	int r = t ? tx_lookup(t, path, &val, &vlen) : 0;

	if (r < 0)
		return r;
	n = find(path);
	if (r == 0) {
		if (!n)
			return -ENOENT;
		val = n->val;
		vlen = n->vlen;
	}
	if (!(perm_of(n ? n : nearest(path), d->id) & NC2_HV_PERM_READ))
		return -EACCES;
	memcpy(out, val, vlen);
	*olen = vlen;
	return 0;
}

static int st_dir(struct hvd_dom *d, const char *path, char *out,
		  uint32_t *olen)
{
	struct node *n = find(path);
	size_t base = strcmp(path, "/") ? strlen(path) : 0, off = 0;

	if (!n)
		return -ENOENT;
	if (!(perm_of(n, d->id) & NC2_HV_PERM_READ))
		return -EACCES;
	for (size_t i = 0; i < nnodes; i++) {
		const char *p = nodes[i]->path;
		size_t l;

		if (strcmp(p, path) == 0 || !is_under(p, path) ||
		    strchr(p + base + 1, '/'))
			continue;
		l = strlen(p + base + 1) + 1;
		if (off + l > HV_MSG_MAX - 64)
			return -E2BIG;
		memcpy(out + off, p + base + 1, l);
		off += l;
	}
	*olen = off;
	return 0;
}

static int st_watch(struct hvd_dom *d, const char *path, const char *token,
		    bool add)
{
	for (unsigned int i = 0; i < MAX_WATCHES; i++) {
		struct watch *w = &watches[i];

		if (add && !w->d) {
			w->path = strdup(path);
			w->token = strdup(token);
			if (!w->path || !w->token) {
				free(w->path);
				free(w->token);
				w->path = w->token = NULL;
				return -ENOMEM;
			}
			w->d = d;
			/* xenstore fires a new watch once straight away. */
			watch_send(w, path);
			return 0;
		}
		if (!add && w->d == d && !strcmp(w->path, path) &&
		    !strcmp(w->token, token)) {
			free(w->path);
			free(w->token);
			memset(w, 0, sizeof(*w));
			return 0;
		}
	}
	return add ? -ENOSPC : -ENOENT;
}

int hvd_store_op(struct hvd_dom *d, const struct hv_req *rq, const char *buf,
		 size_t len, char *out, uint32_t *olen, uint32_t *oa)
{
	char path[HV_PATH_MAX];
	const char *val = buf + rq->b;
	size_t vlen = len - rq->b;
	struct tx *t = NULL;
	int rc;

	*olen = 0;
	if (rq->op == HV_OP_ST_TX_START) {
		for (unsigned int i = 0; i < MAX_TX; i++) {
			if (!txs[i].d) {
				txs[i].d = d;
				txs[i].id = next_tx++;
				if (!next_tx)
					next_tx = 1;
				txs[i].start_gen = gen;
				*oa = txs[i].id;
				return 0;
			}
		}
		return -ENOSPC;
	}
	if (rq->a != NC2_HV_TX_NONE) {
		t = tx_get(d, rq->a);
		if (!t)
			return -ESRCH;
	}
	if (rq->op == HV_OP_ST_TX_END) {
		if (!t)
			return -EINVAL;
		rc = rq->c ? 0 : tx_commit(t);
		tx_free(t);
		return rc;
	}
	if (rq->b > len)
		return -EINVAL;
	rc = norm_path(d, buf, rq->b, path, rq->op == HV_OP_ST_WATCH ||
					    rq->op == HV_OP_ST_UNWATCH);
	if (rc)
		return rc;
	if (vlen > HV_VALUE_MAX)
		return -E2BIG;

	switch (rq->op) {
	case HV_OP_ST_READ:
		return st_read(d, t, path, out, olen);
	case HV_OP_ST_DIR:
		return st_dir(d, path, out, olen);
	case HV_OP_ST_GETPERMS: {
		struct node *n = find(path);

		if (!n)
			return -ENOENT;
		if (!(perm_of(n, d->id) & NC2_HV_PERM_READ))
			return -EACCES;
		*olen = n->nperms * sizeof(struct nc2_hv_perm);
		memcpy(out, n->perms, *olen);
		return n->nperms;
	}
	case HV_OP_ST_WRITE:
	case HV_OP_ST_MKDIR:
	case HV_OP_ST_RM:
	case HV_OP_ST_SETPERMS:
		if (t)
			return tx_log(t, rq->op, path, val, vlen);
		if (rq->op == HV_OP_ST_RM)
			return do_rm(d, path);
		if (rq->op == HV_OP_ST_SETPERMS) {
			struct nc2_hv_perm p[NC2_HV_PERM_MAX];

			if (vlen % sizeof(p[0]) || vlen > sizeof(p))
				return -EINVAL;
			memcpy(p, val, vlen);
			return do_setperms(d, path, p, vlen / sizeof(p[0]));
		}
		return do_write(d, path, val, vlen, rq->op == HV_OP_ST_MKDIR);
	case HV_OP_ST_WATCH:
	case HV_OP_ST_UNWATCH:
		if (vlen == 0 || memchr(val, '\0', vlen) != val + vlen - 1 ||
		    vlen > HV_PATH_MAX)
			return -EINVAL;
		return st_watch(d, path, val, rq->op == HV_OP_ST_WATCH);
	}
	return -ENOSYS;
}

void hvd_store_init(void)
{
	struct node *n = node_new("/", NULL, 0);

	if (!n)
		abort();
	n->perms[0] = (struct nc2_hv_perm){ 0, NC2_HV_PERM_READ };
	create(NC2_XS_LOCAL_DOMAIN, 0);
}

void hvd_store_dom_new(struct hvd_dom *d)
{
	char path[64];
	struct node *n;

	/* The toolstack's job in Xen: a private home for the domain. */
	snprintf(path, sizeof(path), NC2_XS_DOM_PATH, d->id);
	n = create(path, 0);
	if (n) {
		n->nperms = 1;
		n->perms[0] = (struct nc2_hv_perm){ d->id, NC2_HV_PERM_NONE };
	}
	gen++;
	fire("@introduceDomain", false);
}

void hvd_store_dom_dead(struct hvd_dom *d)
{
	struct hvd_dom dom0 = { .id = 0 };
	char path[64];

	for (unsigned int i = 0; i < MAX_TX; i++)
		if (txs[i].d == d)
			tx_free(&txs[i]);
	for (unsigned int i = 0; i < MAX_WATCHES; i++) {
		if (watches[i].d == d) {
			free(watches[i].path);
			free(watches[i].token);
			memset(&watches[i], 0, sizeof(watches[i]));
		}
	}
	/* Again the toolstack's job: remove the dead domain's home. */
	snprintf(path, sizeof(path), NC2_XS_DOM_PATH, d->id);
	do_rm(&dom0, path);
	gen++;
	fire("@releaseDomain", false);
}
