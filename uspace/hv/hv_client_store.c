// SPDX-License-Identifier: MIT
/* libnc2hv store client: thin marshalling of xenstore-like requests. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "hv_client_priv.h"
#include "hv_msg.h"

/* Send path (+ value); reply payload into a malloc'd buffer if @out. */
static int st_call(struct nc2_hv *hv, uint32_t op, uint32_t tx,
		   uint32_t c, const char *path, const void *val, size_t vlen,
		   struct hv_rsp *rsp, char **out)
{
	size_t pl = path ? strlen(path) + 1 : 0;
	struct hv_req rq = { op, tx, pl, c };
	char *buf, *reply = NULL;
	int rc;

	if (pl > HV_PATH_MAX || vlen > HV_VALUE_MAX)
		return -E2BIG;
	buf = malloc(pl + vlen + 1);
	if (out)
		reply = malloc(HV_MSG_MAX + 1);
	if (!buf || (out && !reply)) {
		free(buf);
		free(reply);
		return -ENOMEM;
	}
	if (pl)
		memcpy(buf, path, pl);
	if (vlen)
		memcpy(buf + pl, val, vlen);
	pthread_mutex_lock(&hv->lock);
	rc = hv_call(hv, &rq, buf, pl + vlen, NULL, 0, rsp, reply,
		     HV_MSG_MAX, NULL, 0, NULL);
	pthread_mutex_unlock(&hv->lock);
	free(buf);
	if (out) {
		if (rc >= 0) {
			reply[rsp->len] = '\0';
			*out = reply;
		} else {
			free(reply);
		}
	}
	return rc;
}

char *nc2_hv_store_read(struct nc2_hv *hv, uint32_t tx, const char *path,
			size_t *len)
{
	struct hv_rsp rsp;
	char *out = NULL;
	int rc = st_call(hv, HV_OP_ST_READ, tx, 0, path, NULL, 0, &rsp, &out);

	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	if (len)
		*len = rsp.len;
	return out;
}

int nc2_hv_store_write(struct nc2_hv *hv, uint32_t tx, const char *path,
		       const void *val, size_t len)
{
	struct hv_rsp rsp;

	return st_call(hv, HV_OP_ST_WRITE, tx, 0, path, val, len, &rsp, NULL);
}

int nc2_hv_store_write_str(struct nc2_hv *hv, uint32_t tx, const char *path,
			   const char *val)
{
	return nc2_hv_store_write(hv, tx, path, val, strlen(val));
}

int nc2_hv_store_mkdir(struct nc2_hv *hv, uint32_t tx, const char *path)
{
	struct hv_rsp rsp;

	return st_call(hv, HV_OP_ST_MKDIR, tx, 0, path, NULL, 0, &rsp, NULL);
}

int nc2_hv_store_rm(struct nc2_hv *hv, uint32_t tx, const char *path)
{
	struct hv_rsp rsp;

	return st_call(hv, HV_OP_ST_RM, tx, 0, path, NULL, 0, &rsp, NULL);
}

char **nc2_hv_store_directory(struct nc2_hv *hv, uint32_t tx,
			      const char *path, unsigned int *num)
{
	struct hv_rsp rsp;
	char *out = NULL, **v, *s;
	unsigned int n = 0;
	int rc = st_call(hv, HV_OP_ST_DIR, tx, 0, path, NULL, 0, &rsp, &out);

	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	for (uint32_t i = 0; i < rsp.len; i++)
		n += out[i] == '\0';
	/* One block: the pointer array followed by the strings. */
	v = malloc((n + 1) * sizeof(*v) + rsp.len + 1);
	if (!v) {
		free(out);
		return NULL;
	}
	s = (char *)(v + n + 1);
	memcpy(s, out, rsp.len);
	free(out);
	for (unsigned int i = 0; i < n; i++) {
		v[i] = s;
		s += strlen(s) + 1;
	}
	v[n] = NULL;
	*num = n;
	return v;
}

int nc2_hv_store_get_perms(struct nc2_hv *hv, uint32_t tx, const char *path,
			   struct nc2_hv_perm *perms)
{
	struct hv_rsp rsp;
	char *out = NULL;
	int rc = st_call(hv, HV_OP_ST_GETPERMS, tx, 0, path, NULL, 0, &rsp,
			 &out);

	if (rc < 0)
		return rc;
	if (rsp.len > NC2_HV_PERM_MAX * sizeof(*perms))
		rc = -EPROTO;
	else
		memcpy(perms, out, rsp.len);
	free(out);
	return rc < 0 ? rc : (int)(rsp.len / sizeof(*perms));
}

int nc2_hv_store_set_perms(struct nc2_hv *hv, uint32_t tx, const char *path,
			   const struct nc2_hv_perm *perms, unsigned int n)
{
	struct hv_rsp rsp;

	if (n == 0 || n > NC2_HV_PERM_MAX)
		return -EINVAL;
	return st_call(hv, HV_OP_ST_SETPERMS, tx, 0, path, perms,
		       n * sizeof(*perms), &rsp, NULL);
}

int nc2_hv_store_tx_start(struct nc2_hv *hv, uint32_t *tx)
{
	struct hv_rsp rsp;
	int rc = st_call(hv, HV_OP_ST_TX_START, 0, 0, NULL, NULL, 0, &rsp,
			 NULL);

	if (rc == 0)
		*tx = rsp.a;
	return rc;
}

int nc2_hv_store_tx_end(struct nc2_hv *hv, uint32_t tx, bool abort)
{
	struct hv_rsp rsp;

	return st_call(hv, HV_OP_ST_TX_END, tx, abort, NULL, NULL, 0, &rsp,
		       NULL);
}

int nc2_hv_store_watch(struct nc2_hv *hv, const char *path, const char *token)
{
	struct hv_rsp rsp;

	return st_call(hv, HV_OP_ST_WATCH, 0, 0, path, token,
		       strlen(token) + 1, &rsp, NULL);
}

int nc2_hv_store_unwatch(struct nc2_hv *hv, const char *path,
			 const char *token)
{
	struct hv_rsp rsp;

	return st_call(hv, HV_OP_ST_UNWATCH, 0, 0, path, token,
		       strlen(token) + 1, &rsp, NULL);
}

int nc2_hv_store_watch_fd(struct nc2_hv *hv)
{
	return hv->wsock;
}

int nc2_hv_store_read_watch(struct nc2_hv *hv, int timeout_ms, char **path,
			    char **token)
{
	struct pollfd pfd = { .fd = hv->wsock, .events = POLLIN };
	char buf[HV_PATH_MAX * 2 + 2];
	int fds[1], nfds, rc;
	ssize_t r;
	size_t pl;

	do {
		rc = poll(&pfd, 1, timeout_ms);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return -ETIMEDOUT;
	r = hv_msg_recv(hv->wsock, buf, sizeof(buf) - 1, fds, 0, &nfds);
	if (r <= 0)
		return r == 0 ? -EPIPE : (int)r;
	buf[r] = '\0';
	pl = strlen(buf);
	if (pl + 1 >= (size_t)r)
		return -EPROTO;
	*path = strdup(buf);
	*token = strdup(buf + pl + 1);
	if (!*path || !*token) {
		free(*path);
		free(*token);
		return -ENOMEM;
	}
	return 0;
}
