// SPDX-License-Identifier: MIT
/*
 * nc2-hv: the hypervisor model daemon.  One process, one poll loop, one
 * SOCK_SEQPACKET connection per domain.  Guest memory and grant tables are
 * memfds the guests hand over at HELLO; the daemon maps them all, which is
 * what lets it copy between domains that cannot see each other.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "hv_msg.h"
#include "hvd.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

#define MAX_CONNS (HVD_MAX_DOMS + 16)

struct hvd_dom *hvd_doms[HVD_MAX_DOMS];

struct conn {
	int fd;
	pid_t pid;
	struct hvd_dom *d;
};

static struct conn conns[MAX_CONNS];
static unsigned int nconns;
static bool verbose;

/* Request/response buffers; the daemon is single-threaded. */
static _Alignas(16) uint8_t rbuf[sizeof(struct hv_req) + HV_MSG_MAX];
static _Alignas(16) uint8_t obuf[HV_MSG_MAX];

static void *map_sealed(int fd, size_t size)
{
	int need = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
	struct stat st;
	void *p;

	/* Sealed size: a guest must not be able to truncate and fault us. */
	if ((fcntl(fd, F_GET_SEALS) & need) != need || fstat(fd, &st) ||
	    (size_t)st.st_size != size)
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void dom_free(struct hvd_dom *d)
{
	if (d->mem)
		munmap(d->mem, d->nr_pages * NC2_HV_PAGE_SIZE);
	if (d->gt)
		munmap(d->gt, NC2_HV_GNT_BYTES);
	if (d->evst)
		munmap(d->evst, NC2_HV_EVTCHN_PORTS * 4);
	if (d->wsock >= 0)
		close(d->wsock);
	free(d->act);
	free(d);
}

static void dom_dead(struct hvd_dom *d)
{
	if (verbose)
		fprintf(stderr, "nc2-hv: dom%u gone\n", d->id);
	hvd_map_dom_dead(d);
	hvd_evt_dom_dead(d);
	hvd_doms[d->id] = NULL;
	hvd_store_dom_dead(d);
	dom_free(d);
}

static int ev_status_ro_fd(int fd)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* HELLO: make a domain out of a connection.  fds: guest memory, grants. */
static int do_hello(struct conn *c, const struct hv_req *rq, int *fds,
		    int nfds, int *ofds, uint32_t *oa)
{
	struct hvd_dom *d;
	int evfd, rofd, sv[2], rc = -EINVAL;
	uint32_t id = rq->a;

	if (nfds != 2 || rq->b == 0 || rq->b > (1u << 20) ||
	    (rq->c != 1 && rq->c != 2))
		return -EINVAL;
	if (id == 0xffff) {
		for (id = 1; id < HVD_MAX_DOMS && hvd_doms[id]; id++)
			;
	}
	if (id >= HVD_MAX_DOMS)
		return -ENOSPC;
	if (hvd_doms[id])
		return -EEXIST;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->wsock = -1;
	d->id = id;
	d->pid = c->pid;
	d->sock = c->fd;
	d->nr_pages = rq->b;
	d->version = rq->c;
	for (unsigned int i = 0; i < NC2_HV_EVTCHN_PORTS; i++)
		d->ports[i].efd = -1;
	d->act = calloc(NC2_HV_GNT_ENTRIES, sizeof(*d->act));
	d->mem = map_sealed(fds[0], d->nr_pages * NC2_HV_PAGE_SIZE);
	d->gt = map_sealed(fds[1], NC2_HV_GNT_BYTES);
	if (!d->act || !d->mem || !d->gt)
		goto fail;

	/* Port status page: we write, the guest may only read. */
	rc = -ENOMEM;
	evfd = memfd_create("nc2-evtchn", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (evfd < 0)
		goto fail;
	if (ftruncate(evfd, NC2_HV_EVTCHN_PORTS * 4) ||
	    fcntl(evfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		goto fail_ev;
	d->evst = mmap(NULL, NC2_HV_EVTCHN_PORTS * 4, PROT_READ | PROT_WRITE,
		       MAP_SHARED, evfd, 0);
	if (d->evst == MAP_FAILED) {
		d->evst = NULL;
		goto fail_ev;
	}
	/*
	 * With our mapping in place, forbid any new writable one, even
	 * through reopening /proc/self/fd/N; then hand out a read-only fd.
	 */
	if (fcntl(evfd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE | F_SEAL_SEAL))
		goto fail_ev;
	rofd = ev_status_ro_fd(evfd);
	close(evfd);
	evfd = rofd;
	if (evfd < 0)
		goto fail;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		goto fail_ev;
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &(int){ 1 << 20 },
		   sizeof(int));
	d->wsock = sv[0];
	ofds[0] = evfd;
	ofds[1] = sv[1];
	c->d = d;
	hvd_doms[id] = d;
	*oa = id;
	hvd_store_dom_new(d);
	if (verbose)
		fprintf(stderr, "nc2-hv: dom%u up, %u pages, pid %d\n", id,
			rq->b, (int)c->pid);
	return 0;

fail_ev:
	close(evfd);
fail:
	dom_free(d);
	return rc;
}

static int dispatch(struct conn *c, struct hv_req *rq, uint8_t *pl,
		    size_t plen, int *fds, int nfds, struct hv_rsp *rsp,
		    int *ofds, int *nofds, bool *close_ofds)
{
	struct hvd_dom *d = c->d;
	uint32_t olen = 0;
	int rc;

	*close_ofds = false;
	if (!d && rq->op != HV_OP_HELLO)
		return -EPROTO;
	switch (rq->op) {
	case HV_OP_HELLO:
		if (d)
			return -EEXIST;
		rc = do_hello(c, rq, fds, nfds, ofds, &rsp->a);
		if (rc == 0) {
			*nofds = 2;
			*close_ofds = true;
		}
		return rc;
	case HV_OP_SET_VERSION:
		return hvd_grant_set_version(d, rq->a);
	case HV_OP_REG_PAGE: {
		uint64_t frame;

		if (nfds != 1)
			return -EINVAL;
		rc = hvd_xpage_register(d, fds[0], &frame);
		if (rc == 0) {
			fds[0] = -1; /* now owned by the xpage */
			rsp->a = frame;
			rsp->b = frame >> 32;
		}
		return rc;
	}
	case HV_OP_UNREG_PAGE:
		return hvd_xpage_unregister(d, rq->a | (uint64_t)rq->b << 32);
	case HV_OP_COPY: {
		struct nc2_hv_copy_op *ops = (void *)pl;
		int16_t *st = (void *)obuf;

		if (rq->a > HV_COPY_BATCH || plen != rq->a * sizeof(*ops))
			return -EINVAL;
		hvd_copy(d, ops, rq->a);
		for (uint32_t i = 0; i < rq->a; i++)
			st[i] = ops[i].status;
		olen = rq->a * sizeof(*st);
		break;
	}
	case HV_OP_MAP:
		if (rq->b == 0 || rq->b > NC2_HV_MAP_MAX ||
		    plen != rq->b * sizeof(uint32_t))
			return -EINVAL;
		*nofds = hvd_map(d, rq->a, rq->c, (uint32_t *)pl, rq->b,
				 (struct hv_map_res *)obuf, ofds);
		*close_ofds = true;
		olen = rq->b * sizeof(struct hv_map_res);
		break;
	case HV_OP_UNMAP:
		if (rq->a > NC2_HV_MAP_MAX || plen != rq->a * sizeof(uint32_t))
			return -EINVAL;
		hvd_unmap(d, (uint32_t *)pl, rq->a, (int16_t *)obuf);
		olen = rq->a * sizeof(int16_t);
		break;
	case HV_OP_EVT_ALLOC:
		rc = hvd_evt_alloc(d, rq->a, &ofds[0]);
		if (rc > 0)
			*nofds = 1;
		return rc;
	case HV_OP_EVT_BIND:
		rc = hvd_evt_bind(d, rq->a, rq->b, ofds);
		if (rc > 0)
			*nofds = 2;
		return rc;
	case HV_OP_EVT_PEERFD:
		rc = hvd_evt_peerfd(d, rq->a, &ofds[0], &rsp->a);
		if (rc == 0)
			*nofds = 1;
		return rc;
	case HV_OP_EVT_CLOSE:
		return hvd_evt_close(d, rq->a);
	default:
		if (rq->op >= HV_OP_ST_READ && rq->op <= HV_OP_ST_UNWATCH) {
			rc = hvd_store_op(d, rq, (char *)pl, plen, (char *)obuf,
					  &olen, &rsp->a);
			if (rc < 0)
				return rc;
			rsp->len = olen;
			return rc;
		}
		return -ENOSYS;
	}
	rsp->len = olen;
	return 0;
}

/* Serve one request; false if the connection must go. */
static bool serve(struct conn *c)
{
	int fds[HV_MSG_MAX_FDS], ofds[HV_MSG_MAX_FDS], nfds, nofds = 0;
	struct hv_rsp rsp = { 0 };
	struct hv_req rq;
	bool close_ofds;
	ssize_t r;

	r = hv_msg_recv(c->fd, rbuf, sizeof(rbuf), fds, HV_MSG_MAX_FDS, &nfds);
	if (r == -EMSGSIZE) {
		/* Oversized: answer anyway so the sender does not hang. */
		rsp.rc = -EMSGSIZE;
		hv_msg_send(c->fd, &rsp, sizeof(rsp), NULL, 0, NULL, 0);
		return true;
	}
	if (r <= 0)
		return r == -EAGAIN;
	if ((size_t)r < sizeof(rq)) {
		rsp.rc = -EINVAL;
	} else {
		memcpy(&rq, rbuf, sizeof(rq));
		rsp.rc = dispatch(c, &rq, rbuf + sizeof(rq), r - sizeof(rq),
				  fds, nfds, &rsp, ofds, &nofds, &close_ofds);
	}
	for (int i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (rsp.rc < 0 && (size_t)r >= sizeof(rq) && rq.op != HV_OP_MAP)
		rsp.len = 0;
	hv_msg_send(c->fd, &rsp, sizeof(rsp), obuf, rsp.len, ofds, nofds);
	if (nofds && close_ofds)
		for (int i = 0; i < nofds; i++)
			close(ofds[i]);
	return true;
}

static void conn_drop(unsigned int i)
{
	struct conn *c = &conns[i];

	if (c->d)
		dom_dead(c->d);
	close(c->fd);
	conns[i] = conns[--nconns];
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	unlink(path);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	/* Only root (the toolstack) may create domains. */
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(path, 0600) || listen(s, 64)) {
		close(s);
		return -1;
	}
	return s;
}

static void accept_one(int ls)
{
	struct ucred cr;
	socklen_t cl = sizeof(cr);
	int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (nconns == MAX_CONNS ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl)) {
		close(fd);
		return;
	}
	conns[nconns++] = (struct conn){ .fd = fd, .pid = cr.pid };
}

int main(int argc, char **argv)
{
	struct pollfd pfd[MAX_CONNS + 1];
	const char *env;
	int ls, opt;

	while ((opt = getopt(argc, argv, "v")) != -1) {
		if (opt == 'v') {
			verbose = true;
		} else {
			fprintf(stderr, "usage: %s [-v] SOCKET\n", argv[0]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: %s [-v] SOCKET\n", argv[0]);
		return 2;
	}
	env = getenv("NC2_HV_COPY_DELAY_MS");
	if (env)
		hvd_copy_delay_ms = atoi(env);
	signal(SIGPIPE, SIG_IGN);
	hvd_store_init();
	ls = listen_on(argv[optind]);
	if (ls < 0) {
		perror("nc2-hv: listen");
		return 1;
	}
	for (;;) {
		unsigned int n = nconns;

		pfd[0] = (struct pollfd){ .fd = ls, .events = POLLIN };
		for (unsigned int i = 0; i < n; i++)
			pfd[i + 1] = (struct pollfd){ .fd = conns[i].fd,
						      .events = POLLIN };
		if (poll(pfd, n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("nc2-hv: poll");
			return 1;
		}
		/* Walk backwards: conn_drop moves the last entry into i. */
		for (unsigned int i = n; i-- > 0;) {
			if (!pfd[i + 1].revents)
				continue;
			if (!(pfd[i + 1].revents & POLLIN) || !serve(&conns[i]))
				conn_drop(i);
		}
		if (pfd[0].revents & POLLIN)
			accept_one(ls);
	}
}
