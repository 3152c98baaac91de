// SPDX-License-Identifier: MIT
/*
 * libnc2hv event channels.  Notify writes the peer's eventfd directly; the
 * daemon is only asked for that fd when the port's bind generation (in the
 * read-only status page the daemon maintains) shows our copy is stale.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <unistd.h>

#include "hv_client_priv.h"

static bool port_ok(uint32_t port)
{
	return port > 0 && port < NC2_HV_EVTCHN_PORTS;
}

static void port_reset(struct hv_cport *p)
{
	if (p->efd >= 0)
		close(p->efd);
	if (p->peer_fd >= 0)
		close(p->peer_fd);
	*p = (struct hv_cport){ -1, -1, 0 };
}

int nc2_hv_evtchn_alloc_unbound(struct nc2_hv *hv, uint16_t remote_domid)
{
	struct hv_req rq = { HV_OP_EVT_ALLOC, remote_domid, 0, 0 };
	struct hv_rsp rsp;
	int fd = -1, n = 0, rc;

	pthread_mutex_lock(&hv->lock);
	rc = hv_call(hv, &rq, NULL, 0, NULL, 0, &rsp, NULL, 0, &fd, 1, &n);
	if (rc > 0 && port_ok(rc) && n == 1) {
		port_reset(&hv->ports[rc]);
		hv->ports[rc].efd = fd;
	} else if (rc >= 0) {
		if (n)
			close(fd);
		rc = -EPROTO;
	}
	pthread_mutex_unlock(&hv->lock);
	return rc;
}

int nc2_hv_evtchn_bind_interdomain(struct nc2_hv *hv, uint16_t remote_domid,
				   uint32_t remote_port)
{
	struct hv_req rq = { HV_OP_EVT_BIND, remote_domid, remote_port, 0 };
	struct hv_rsp rsp;
	int fds[2], n = 0, rc;

	pthread_mutex_lock(&hv->lock);
	rc = hv_call(hv, &rq, NULL, 0, NULL, 0, &rsp, NULL, 0, fds, 2, &n);
	if (rc > 0 && port_ok(rc) && n == 2) {
		struct hv_cport *p = &hv->ports[rc];

		port_reset(p);
		p->efd = fds[0];
		p->peer_fd = fds[1];
		p->gen = __atomic_load_n(&hv->evst[rc], __ATOMIC_ACQUIRE) >> 2;
	} else if (rc >= 0) {
		for (int i = 0; i < n; i++)
			close(fds[i]);
		rc = -EPROTO;
	}
	pthread_mutex_unlock(&hv->lock);
	return rc;
}

/* Fetch the peer's eventfd for @port again; lock held. */
static int refresh_peer(struct nc2_hv *hv, uint32_t port)
{
	struct hv_req rq = { HV_OP_EVT_PEERFD, port, 0, 0 };
	struct hv_cport *p = &hv->ports[port];
	struct hv_rsp rsp;
	int fd = -1, n = 0, rc;

	rc = hv_call(hv, &rq, NULL, 0, NULL, 0, &rsp, NULL, 0, &fd, 1, &n);
	if (rc == 0 && n != 1)
		rc = -EPROTO;
	if (rc) {
		if (n)
			close(fd);
		return rc;
	}
	if (p->peer_fd >= 0)
		close(p->peer_fd);
	p->peer_fd = fd;
	p->gen = rsp.a;
	return 0;
}

int nc2_hv_evtchn_notify(struct nc2_hv *hv, uint32_t port)
{
	uint64_t one = 1;
	uint32_t st;
	int rc = 0;

	if (!port_ok(port))
		return -EINVAL;
	pthread_mutex_lock(&hv->lock);
	st = __atomic_load_n(&hv->evst[port], __ATOMIC_ACQUIRE);
	if ((st & NC2_HV_EVTCHN_STATE_MASK) != NC2_HV_EVTCHN_INTERDOMAIN)
		rc = -ENOTCONN;
	else if (hv->ports[port].peer_fd < 0 || hv->ports[port].gen != st >> 2)
		rc = refresh_peer(hv, port);
	/* EAGAIN: counter saturated, so the peer has events pending anyway. */
	if (rc == 0 && write(hv->ports[port].peer_fd, &one, sizeof(one)) < 0 &&
	    errno != EAGAIN)
		rc = -errno;
	pthread_mutex_unlock(&hv->lock);
	return rc;
}

int nc2_hv_evtchn_close(struct nc2_hv *hv, uint32_t port)
{
	struct hv_req rq = { HV_OP_EVT_CLOSE, port, 0, 0 };
	struct hv_rsp rsp;
	int rc;

	if (!port_ok(port))
		return -EINVAL;
	pthread_mutex_lock(&hv->lock);
	rc = hv_call(hv, &rq, NULL, 0, NULL, 0, &rsp, NULL, 0, NULL, 0, NULL);
	if (rc == 0)
		port_reset(&hv->ports[port]);
	pthread_mutex_unlock(&hv->lock);
	return rc;
}

int nc2_hv_evtchn_status(struct nc2_hv *hv, uint32_t port)
{
	if (!port_ok(port))
		return -EINVAL;
	return __atomic_load_n(&hv->evst[port], __ATOMIC_ACQUIRE) &
	       NC2_HV_EVTCHN_STATE_MASK;
}

int nc2_hv_evtchn_fd(struct nc2_hv *hv, uint32_t port)
{
	if (!port_ok(port) || hv->ports[port].efd < 0)
		return -EINVAL;
	return hv->ports[port].efd;
}

int nc2_hv_evtchn_consume(struct nc2_hv *hv, uint32_t port)
{
	uint64_t cnt;
	int fd = nc2_hv_evtchn_fd(hv, port);

	if (fd < 0)
		return fd;
	if (read(fd, &cnt, sizeof(cnt)) != sizeof(cnt))
		return errno == EAGAIN ? 0 : -errno;
	return cnt > INT32_MAX ? INT32_MAX : (int)cnt;
}

int nc2_hv_evtchn_wait(struct nc2_hv *hv, uint32_t port, int timeout_ms)
{
	struct pollfd pfd = { .events = POLLIN };
	int rc;

	pfd.fd = nc2_hv_evtchn_fd(hv, port);
	if (pfd.fd < 0)
		return pfd.fd;
	do {
		rc = poll(&pfd, 1, timeout_ms);
	} while (rc < 0 && errno == EINTR);
	if (rc <= 0)
		return rc < 0 ? -errno : 0;
	return nc2_hv_evtchn_consume(hv, port);
}
