// SPDX-License-Identifier: MIT
/*
 * libnc2hv: connecting to the daemon and guest memory.  Guest memory is a
 * sealed memfd shared with the daemon only; shareable pages are separate
 * one-page memfds so that a peer can be given exactly one page.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hv_client_priv.h"
#include "hv_msg.h"

int hv_call(struct nc2_hv *hv, const struct hv_req *rq, const void *pl,
	    size_t plen, const int *fds, int nfds, struct hv_rsp *rsp,
	    void *out, size_t outmax, int *ofds, int maxofds, int *nofds)
{
	int tfds[HV_MSG_MAX_FDS], n = 0;
	ssize_t r;
	uint8_t hdr[sizeof(struct hv_req)];

	memcpy(hdr, rq, sizeof(*rq));
	r = hv_msg_send(hv->sock, hdr, sizeof(hdr), pl, plen, fds, nfds);
	if (r < 0)
		return r;
	r = hv_msg_recv(hv->sock, hv->rbuf, sizeof(*rsp) + HV_MSG_MAX,
			ofds ? ofds : tfds, ofds ? maxofds : HV_MSG_MAX_FDS,
			&n);
	if (r <= 0)
		return r == 0 ? -EPIPE : (int)r;
	if (!ofds)
		for (int i = 0; i < n; i++)
			close(tfds[i]);
	if (nofds)
		*nofds = n;
	if ((size_t)r < sizeof(*rsp))
		return -EPROTO;
	memcpy(rsp, hv->rbuf, sizeof(*rsp));
	if (rsp->len > (size_t)r - sizeof(*rsp) || rsp->len > outmax)
		return -EPROTO;
	if (rsp->len)
		memcpy(out, hv->rbuf + sizeof(*rsp), rsp->len);
	return rsp->rc;
}

/* A sealed memfd: fixed size, so the daemon can map it without fear. */
static int sealed_memfd(const char *name, size_t size)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, size) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void *map_fd(int fd, size_t size, int prot)
{
	void *p = mmap(NULL, size, prot, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int hello(struct nc2_hv *hv, const char *path, uint16_t domid,
		 int memfd, int gtfd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct hv_req rq = { HV_OP_HELLO, domid, hv->nr_pages, hv->version };
	int fds[2] = { memfd, gtfd }, ofds[2], n = 0, rc;
	struct hv_rsp rsp;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	hv->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (hv->sock < 0)
		return -errno;
	if (connect(hv->sock, (struct sockaddr *)&sa, sizeof(sa)))
		return -errno;
	rc = hv_call(hv, &rq, NULL, 0, fds, 2, &rsp, NULL, 0, ofds, 2, &n);
	if (rc < 0 || n != 2) {
		for (int i = 0; i < n; i++)
			close(ofds[i]);
		return rc < 0 ? rc : -EPROTO;
	}
	hv->domid = rsp.a;
	hv->evst = map_fd(ofds[0], NC2_HV_EVTCHN_PORTS * 4, PROT_READ);
	close(ofds[0]);
	hv->wsock = ofds[1];
	return hv->evst ? 0 : -errno;
}

struct nc2_hv *nc2_hv_open(const char *sock_path,
			   const struct nc2_hv_config *cfg)
{
	size_t mem = cfg->mem_bytes ? cfg->mem_bytes : 32u << 20;
	struct nc2_hv *hv;
	int memfd = -1, gtfd = -1, rc = -ENOMEM;

	if (mem % NC2_HV_PAGE_SIZE ||
	    (cfg->grant_version && cfg->grant_version != 1 &&
	     cfg->grant_version != 2)) {
		errno = EINVAL;
		return NULL;
	}
	hv = calloc(1, sizeof(*hv));
	if (!hv)
		return NULL;
	hv->sock = hv->wsock = -1;
	pthread_mutex_init(&hv->lock, NULL);
	hv->nr_pages = mem / NC2_HV_PAGE_SIZE;
	hv->version = cfg->grant_version ? cfg->grant_version : 1;
	for (unsigned int i = 0; i < NC2_HV_EVTCHN_PORTS; i++)
		hv->ports[i] = (struct hv_cport){ -1, -1, 0 };
	hv->rbuf = malloc(sizeof(struct hv_rsp) + HV_MSG_MAX);
	hv->page_used = calloc((hv->nr_pages + 63) / 64, 8);
	hv->gref_free = malloc(NC2_HV_GNT_ENTRIES * sizeof(uint32_t));
	if (!hv->rbuf || !hv->page_used || !hv->gref_free)
		goto fail;
	/* Hand out low refs first, like Linux does. */
	for (uint32_t r = NC2_HV_GNT_ENTRIES; r-- > NC2_HV_GNT_RESERVED;)
		hv->gref_free[hv->nr_free++] = r;
	rc = -errno;
	memfd = sealed_memfd("nc2-guest", mem);
	gtfd = sealed_memfd("nc2-grant", NC2_HV_GNT_BYTES);
	if (memfd < 0 || gtfd < 0)
		goto fail;
	hv->mem = map_fd(memfd, mem, PROT_READ | PROT_WRITE);
	hv->gt = map_fd(gtfd, NC2_HV_GNT_BYTES, PROT_READ | PROT_WRITE);
	if (!hv->mem || !hv->gt)
		goto fail;
	rc = hello(hv, sock_path, cfg->domid, memfd, gtfd);
	if (rc)
		goto fail;
	close(memfd);
	close(gtfd);
	return hv;
fail:
	if (memfd >= 0)
		close(memfd);
	if (gtfd >= 0)
		close(gtfd);
	nc2_hv_close(hv);
	errno = rc < 0 ? -rc : EIO;
	return NULL;
}

void nc2_hv_close(struct nc2_hv *hv)
{
	if (!hv)
		return;
	for (unsigned int i = 0; i < NC2_HV_EVTCHN_PORTS; i++) {
		if (hv->ports[i].efd >= 0)
			close(hv->ports[i].efd);
		if (hv->ports[i].peer_fd >= 0)
			close(hv->ports[i].peer_fd);
	}
	while (hv->maps) {
		struct hv_cmap *m = hv->maps;

		hv->maps = m->next;
		munmap(m->addr, (size_t)m->n * NC2_HV_PAGE_SIZE);
		free(m);
	}
	for (unsigned int i = 0; i < HV_XPAGES_MAX; i++)
		if (hv->xp[i])
			munmap(hv->xp[i], NC2_HV_PAGE_SIZE);
	if (hv->sock >= 0)
		close(hv->sock);
	if (hv->wsock >= 0)
		close(hv->wsock);
	if (hv->mem)
		munmap(hv->mem, hv->nr_pages * NC2_HV_PAGE_SIZE);
	if (hv->gt)
		munmap(hv->gt, NC2_HV_GNT_BYTES);
	if (hv->evst)
		munmap((void *)hv->evst, NC2_HV_EVTCHN_PORTS * 4);
	free(hv->rbuf);
	free(hv->page_used);
	free(hv->gref_free);
	pthread_mutex_destroy(&hv->lock);
	free(hv);
}

uint16_t nc2_hv_domid(const struct nc2_hv *hv)
{
	return hv->domid;
}

static void *xpage_alloc(struct nc2_hv *hv, uint64_t *frame)
{
	struct hv_req rq = { .op = HV_OP_REG_PAGE };
	struct hv_rsp rsp;
	void *va = NULL;
	int fd, rc;

	fd = sealed_memfd("nc2-page", NC2_HV_PAGE_SIZE);
	if (fd < 0)
		return NULL;
	va = map_fd(fd, NC2_HV_PAGE_SIZE, PROT_READ | PROT_WRITE);
	if (!va)
		goto out;
	rc = hv_call(hv, &rq, NULL, 0, &fd, 1, &rsp, NULL, 0, NULL, 0, NULL);
	if (rc < 0) {
		munmap(va, NC2_HV_PAGE_SIZE);
		va = NULL;
		errno = -rc;
		goto out;
	}
	*frame = rsp.a | (uint64_t)rsp.b << 32;
	hv->xp[*frame - hv->nr_pages] = va;
out:
	/* The mapping keeps the page; the fd would only cost a slot. */
	close(fd);
	return va;
}

void *nc2_hv_page_alloc(struct nc2_hv *hv, unsigned int flags, uint64_t *frame)
{
	void *va = NULL;

	pthread_mutex_lock(&hv->lock);
	if (flags & NC2_HV_PAGE_SHAREABLE) {
		va = xpage_alloc(hv, frame);
		goto out;
	}
	for (uint64_t k = 0; k < hv->nr_pages; k++) {
		uint64_t i = (hv->page_hint + k) % hv->nr_pages;

		if (hv->page_used[i / 64] & (1ull << (i % 64)))
			continue;
		hv->page_used[i / 64] |= 1ull << (i % 64);
		hv->page_hint = i + 1;
		*frame = i;
		va = hv->mem + i * NC2_HV_PAGE_SIZE;
		memset(va, 0, NC2_HV_PAGE_SIZE);
		goto out;
	}
	errno = ENOMEM;
out:
	pthread_mutex_unlock(&hv->lock);
	return va;
}

void nc2_hv_page_free(struct nc2_hv *hv, void *page)
{
	uint64_t frame;

	if (!page || nc2_hv_virt_to_frame(hv, page, &frame))
		return;
	pthread_mutex_lock(&hv->lock);
	if (frame < hv->nr_pages) {
		hv->page_used[frame / 64] &= ~(1ull << (frame % 64));
	} else {
		struct hv_req rq = { HV_OP_UNREG_PAGE, (uint32_t)frame,
				     (uint32_t)(frame >> 32), 0 };
		struct hv_rsp rsp;

		munmap(hv->xp[frame - hv->nr_pages], NC2_HV_PAGE_SIZE);
		hv->xp[frame - hv->nr_pages] = NULL;
		hv_call(hv, &rq, NULL, 0, NULL, 0, &rsp, NULL, 0, NULL, 0,
			NULL);
	}
	pthread_mutex_unlock(&hv->lock);
}

int nc2_hv_virt_to_frame(struct nc2_hv *hv, const void *p, uint64_t *frame)
{
	const uint8_t *b = p;

	if (b >= hv->mem && b < hv->mem + hv->nr_pages * NC2_HV_PAGE_SIZE) {
		*frame = (uint64_t)(b - hv->mem) / NC2_HV_PAGE_SIZE;
		return 0;
	}
	for (unsigned int i = 0; i < HV_XPAGES_MAX; i++) {
		const uint8_t *x = hv->xp[i];

		if (x && b >= x && b < x + NC2_HV_PAGE_SIZE) {
			*frame = hv->nr_pages + i;
			return 0;
		}
	}
	return -EINVAL;
}
