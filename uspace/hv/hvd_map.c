// SPDX-License-Identifier: MIT
/*
 * Grant mapping.  A mappable ("shareable") page is its own one-page memfd,
 * so a grantee receives an fd for exactly the granted page and nothing
 * else.  A mapping pins the grant (busy bit set) until it is unmapped, which
 * makes the granter's end-access fail meanwhile, as in Xen.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hvd.h"

struct hvd_mapping {
	bool used;
	struct hvd_dom *grantee;
	struct hvd_acq acq;  /* pin[0].held is false once the granter died */
	struct hvd_xpage *xp;
	ino_t ino;
	dev_t dev;
};

static struct hvd_mapping maps[HVD_MAX_MAPPINGS];

int hvd_xpage_register(struct hvd_dom *d, int fd, uint64_t *frame)
{
	int need = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
	struct hvd_xpage *x = NULL;
	struct stat st;
	unsigned int i;
	void *va;

	/* Sealed size, so a guest cannot truncate it and fault the daemon. */
	if ((fcntl(fd, F_GET_SEALS) & need) != need || fstat(fd, &st) ||
	    st.st_size != NC2_HV_PAGE_SIZE)
		return -EINVAL;
	for (i = 0; i < HV_XPAGES_MAX; i++) {
		if (!d->xp[i].va) {
			x = &d->xp[i];
			break;
		}
	}
	if (!x)
		return -ENOSPC;
	va = mmap(NULL, NC2_HV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		  fd, 0);
	if (va == MAP_FAILED)
		return -errno;
	x->fd = fd;
	x->va = va;
	x->ino = st.st_ino;
	x->dev = st.st_dev;
	x->freed = false;
	*frame = d->nr_pages + i;
	return 0;
}

static void xpage_drop(struct hvd_xpage *x)
{
	munmap(x->va, NC2_HV_PAGE_SIZE);
	close(x->fd);
	memset(x, 0, sizeof(*x));
	x->fd = -1;
}

static bool xpage_mapped(struct hvd_xpage *x)
{
	for (unsigned int i = 0; i < HVD_MAX_MAPPINGS; i++)
		if (maps[i].used && maps[i].xp == x)
			return true;
	return false;
}

int hvd_xpage_unregister(struct hvd_dom *d, uint64_t frame)
{
	struct hvd_xpage *x;

	if (frame < d->nr_pages || frame - d->nr_pages >= HV_XPAGES_MAX)
		return -EINVAL;
	x = &d->xp[frame - d->nr_pages];
	if (!x->va || x->freed)
		return -EINVAL;
	/* Like a page kept alive by a foreign mapping: reuse waits for unmap. */
	if (xpage_mapped(x))
		x->freed = true;
	else
		xpage_drop(x);
	return 0;
}

static void mapping_put(struct hvd_mapping *m)
{
	hvd_grant_release(&m->acq);
	if (m->xp) {
		struct hvd_xpage *x = m->xp;

		m->xp = NULL;
		m->used = false;
		if (x->freed && !xpage_mapped(x))
			xpage_drop(x);
	}
	memset(m, 0, sizeof(*m));
}

int hvd_map(struct hvd_dom *d, uint16_t granter, bool ro, const uint32_t *refs,
	    unsigned int n, struct hv_map_res *res, int *fds)
{
	struct hvd_dom *g = hvd_dom_get(granter);
	unsigned int i, slot = 0, nfds = 0;

	for (i = 0; i < n; i++) {
		struct hvd_mapping *m = NULL;
		struct hvd_acq acq;
		char path[64];
		int rc, fd;

		res[i].handle = ~0u;
		rc = hvd_grant_acquire(g, refs[i], d->id, !ro, true, &acq);
		if (!rc && !acq.xp) {
			/* Bulk memory pages are copy-only in this model. */
			hvd_grant_release(&acq);
			rc = GNTST_bad_page;
		}
		for (; !rc && slot < HVD_MAX_MAPPINGS; slot++) {
			if (!maps[slot].used) {
				m = &maps[slot];
				break;
			}
		}
		if (!rc && !m) {
			hvd_grant_release(&acq);
			rc = GNTST_no_device_space;
		}
		if (!rc) {
			/* A fresh open file; read-only ones cannot be mmapped RW. */
			snprintf(path, sizeof(path), "/proc/self/fd/%d",
				 acq.xp->fd);
			fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
			if (fd < 0) {
				hvd_grant_release(&acq);
				rc = GNTST_general_error;
			}
		}
		res[i].status = rc;
		if (rc)
			continue;
		m->used = true;
		m->grantee = d;
		m->acq = acq;
		m->xp = acq.xp;
		m->ino = acq.xp->ino;
		m->dev = acq.xp->dev;
		res[i].handle = slot;
		fds[nfds++] = fd;
	}
	return nfds;
}

/* Does process @pid still map, or hold an fd of, the page (ino, dev)? */
static bool still_reachable(pid_t pid, ino_t ino, dev_t dev)
{
	char path[64], line[512];
	bool found = false;
	struct dirent *de;
	FILE *f;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long long li;

		if (sscanf(line, "%*s %*s %*s %*s %llu", &li) == 1 &&
		    li == (unsigned long long)ino && strstr(line, "memfd:"))
			found = true;
	}
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return found;
	while (!found && (de = readdir(dir))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(dir), de->d_name, &st, 0) == 0 &&
		    st.st_ino == ino && st.st_dev == dev)
			found = true;
	}
	closedir(dir);
	return found;
}

void hvd_unmap(struct hvd_dom *d, const uint32_t *handles, unsigned int n,
	       int16_t *status)
{
	for (unsigned int i = 0; i < n; i++) {
		struct hvd_mapping *m;
		bool other = false;

		status[i] = GNTST_bad_handle;
		if (handles[i] >= HVD_MAX_MAPPINGS)
			continue;
		m = &maps[handles[i]];
		if (!m->used || m->grantee != d)
			continue;
		for (unsigned int j = 0; j < HVD_MAX_MAPPINGS; j++)
			if (j != handles[i] && maps[j].used &&
			    maps[j].grantee == d && maps[j].ino == m->ino &&
			    maps[j].dev == m->dev)
				other = true;
		/*
		 * We cannot tear down another process's mapping, so check it
		 * did so itself: otherwise the granter could reuse a page the
		 * grantee still reaches.
		 */
		if (!other && still_reachable(d->pid, m->ino, m->dev)) {
			status[i] = GNTST_general_error;
			continue;
		}
		mapping_put(m);
		status[i] = GNTST_okay;
	}
}

void hvd_map_dom_dead(struct hvd_dom *d)
{
	for (unsigned int i = 0; i < HVD_MAX_MAPPINGS; i++) {
		struct hvd_mapping *m = &maps[i];

		if (!m->used)
			continue;
		if (m->grantee == d) {
			/* Xen releases a dying domain's mappings. */
			if (m->acq.pin[0].d == d)
				m->acq.pin[0].held = false;
			mapping_put(m);
		} else if (m->acq.pin[0].d == d) {
			/* Granter gone; the grantee's mapping stays usable. */
			m->acq.pin[0].held = false;
			m->xp = NULL;
		}
	}
	for (unsigned int i = 0; i < HV_XPAGES_MAX; i++)
		if (d->xp[i].va)
			xpage_drop(&d->xp[i]);
}
