// SPDX-License-Identifier: MIT
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hv_harness.h"

const char *harness_daemon_path;

static void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int daemon_start(struct daemon *d, unsigned int delay_ms)
{
	static int seq;

	snprintf(d->sock, sizeof(d->sock), "/tmp/nc2hv-test-%d-%d.sock",
		 (int)getpid(), seq++);
	d->pid = fork();
	if (d->pid < 0)
		return -errno;
	if (d->pid == 0) {
		char env[32];

		if (delay_ms) {
			snprintf(env, sizeof(env), "%u", delay_ms);
			setenv("NC2_HV_COPY_DELAY_MS", env, 1);
		}
		execl(harness_daemon_path, "nc2-hv", d->sock, (char *)NULL);
		_exit(127);
	}
	/* Wait until it accepts connections. */
	for (int i = 0; i < 500; i++) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);

		strcpy(sa.sun_path, d->sock);
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(s);
			return 0;
		}
		close(s);
		msleep(5);
	}
	return -ETIMEDOUT;
}

int daemon_alive(struct daemon *d)
{
	return waitpid(d->pid, NULL, WNOHANG) == 0;
}

void daemon_stop(struct daemon *d)
{
	kill(d->pid, SIGTERM);
	waitpid(d->pid, NULL, 0);
	unlink(d->sock);
}

/* Pages a remote allocated, so R_PEEK can find them by frame. */
static uint8_t *pages[64];
static uint64_t frames[64];
static int npages;

static int64_t run(struct nc2_hv *hv, const struct rmsg *m, int64_t *v0)
{
	const int64_t *a = m->a;
	uint64_t frame;

	switch (m->cmd) {
	case R_PAGE: {
		uint8_t *p = nc2_hv_page_alloc(hv, a[0] ? NC2_HV_PAGE_SHAREABLE
						       : 0, &frame);

		if (!p)
			return -errno;
		for (int i = 0; i < (int)NC2_HV_PAGE_SIZE; i++)
			p[i] = a[1] + (i / 1024); /* distinct per quarter */
		*v0 = frame;
		if (npages < 64) {
			frames[npages] = frame;
			pages[npages++] = p;
		}
		return 0;
	}
	case R_GRANT:
		return nc2_hv_grant_access(hv, a[0], a[1], a[2]);
	case R_GRANT_SUB:
		return nc2_hv_grant_subpage(hv, a[0], a[1], a[2], a[3], a[4]);
	case R_GRANT_TRANS:
		return nc2_hv_grant_transitive(hv, a[0], a[1], a[2], a[3]);
	case R_END:
		msleep(a[1]);
		return nc2_hv_end_access(hv, a[0]);
	case R_PEEK:
		for (int i = 0; i < npages; i++) {
			if (frames[i] == (uint64_t)a[0]) {
				*v0 = pages[i][a[1]];
				return 0;
			}
		}
		return -ENOENT;
	case R_EVT_ALLOC:
		return nc2_hv_evtchn_alloc_unbound(hv, a[0]);
	case R_EVT_BIND:
		return nc2_hv_evtchn_bind_interdomain(hv, a[0], a[1]);
	case R_EVT_WAIT:
		return nc2_hv_evtchn_wait(hv, a[0], a[1]);
	case R_EVT_NOTIFY:
		return nc2_hv_evtchn_notify(hv, a[0]);
	case R_EVT_ECHO:
		for (int64_t i = 0; i < a[1]; i++) {
			int rc = nc2_hv_evtchn_wait(hv, a[0], 5000);

			if (rc <= 0)
				return rc ? rc : -ETIMEDOUT;
			rc = nc2_hv_evtchn_notify(hv, a[0]);
			if (rc)
				return rc;
		}
		return 0;
	case R_ST_WRITE:
		return nc2_hv_store_write_str(hv, 0, m->s, m->s2);
	case R_ST_PERMS: {
		struct nc2_hv_perm p[2] = { { a[0], a[1] }, { a[2], a[3] } };

		return nc2_hv_store_set_perms(hv, 0, m->s, p, 2);
	}
	case R_SET_VER:
		return nc2_hv_set_grant_version(hv, a[0]);
	case R_COPY_FROM: {
		struct nc2_hv_copy_op op = {
			.src = { .ref = a[1], .domid = a[0] },
			.dst = { .ref = a[2], .domid = NC2_DOMID_SELF },
			.len = NC2_HV_PAGE_SIZE,
			.flags = GNTCOPY_source_gref,
		};
		int rc = nc2_hv_copy(hv, &op, 1);

		return rc ? rc : op.status;
	}
	}
	return -ENOSYS;
}

int remote_start(struct remote *r, struct daemon *d, uint16_t domid,
		 int version)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
		return -errno;
	r->domid = domid;
	r->pid = fork();
	if (r->pid < 0)
		return -errno;
	if (r->pid == 0) {
		struct nc2_hv_config cfg = { domid, 4u << 20, version };
		struct nc2_hv *hv;
		struct rmsg m;
		struct rrsp rsp;

		close(sv[0]);
		hv = nc2_hv_open(d->sock, &cfg);
		rsp.rc = hv ? 0 : -errno;
		if (write(sv[1], &rsp, sizeof(rsp)) != sizeof(rsp) || !hv)
			_exit(1);
		while (read(sv[1], &m, sizeof(m)) == sizeof(m)) {
			rsp.v0 = 0;
			rsp.rc = run(hv, &m, &rsp.v0);
			if (write(sv[1], &rsp, sizeof(rsp)) != sizeof(rsp))
				break;
		}
		nc2_hv_close(hv);
		_exit(0);
	}
	close(sv[1]);
	r->sock = sv[0];
	return remote_wait(r, NULL);
}

void remote_send(struct remote *r, const struct rmsg *m)
{
	if (write(r->sock, m, sizeof(*m)) != sizeof(*m))
		abort();
}

int64_t remote_wait(struct remote *r, int64_t *v0)
{
	struct rrsp rsp;

	if (read(r->sock, &rsp, sizeof(rsp)) != sizeof(rsp))
		return -EPIPE;
	if (v0)
		*v0 = rsp.v0;
	return rsp.rc;
}

int64_t remote_cmd(struct remote *r, const struct rmsg *m, int64_t *v0)
{
	remote_send(r, m);
	return remote_wait(r, v0);
}

void remote_kill(struct remote *r)
{
	if (r->pid <= 0)
		return;
	kill(r->pid, SIGKILL);
	waitpid(r->pid, NULL, 0);
	close(r->sock);
	r->pid = 0;
}
