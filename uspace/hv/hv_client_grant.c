// SPDX-License-Identifier: MIT
/*
 * libnc2hv grant table: we write our own entries in shared memory exactly
 * as a Linux guest writes its grant table, and ask the daemon (playing Xen)
 * to copy and map on our behalf.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv_client_priv.h"

static int gref_get(struct nc2_hv *hv)
{
	if (!hv->nr_free)
		return -ENOSPC;
	return hv->gref_free[--hv->nr_free];
}

static struct nc2_grant_entry_v1 *v1(struct nc2_hv *hv, uint32_t ref)
{
	return (struct nc2_grant_entry_v1 *)hv->gt + ref;
}

static union nc2_grant_entry_v2 *v2(struct nc2_hv *hv, uint32_t ref)
{
	return (union nc2_grant_entry_v2 *)hv->gt + ref;
}

static uint16_t *v2_status(struct nc2_hv *hv, uint32_t ref)
{
	return (uint16_t *)(hv->gt + NC2_HV_GNT_STATUS_OFF) + ref;
}

/* Publish the flags last: they are what makes the entry valid. */
static void set_flags(uint16_t *flags, uint16_t val)
{
	__atomic_store_n(flags, val, __ATOMIC_RELEASE);
}

int nc2_hv_set_grant_version(struct nc2_hv *hv, int version)
{
	struct hv_req rq = { HV_OP_SET_VERSION, version, 0, 0 };
	struct hv_rsp rsp;
	int rc;

	pthread_mutex_lock(&hv->lock);
	rc = hv_call(hv, &rq, NULL, 0, NULL, 0, &rsp, NULL, 0, NULL, 0, NULL);
	if (rc == 0)
		hv->version = version;
	pthread_mutex_unlock(&hv->lock);
	return rc;
}

int nc2_hv_grant_version(const struct nc2_hv *hv)
{
	return hv->version;
}

int nc2_hv_grant_access(struct nc2_hv *hv, uint16_t domid, uint64_t frame,
			bool readonly)
{
	uint16_t flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
	int ref;

	pthread_mutex_lock(&hv->lock);
	ref = gref_get(hv);
	if (ref >= 0 && hv->version == 1) {
		v1(hv, ref)->domid = domid;
		v1(hv, ref)->frame = frame;
		set_flags(&v1(hv, ref)->flags, flags);
	} else if (ref >= 0) {
		v2(hv, ref)->hdr.domid = domid;
		v2(hv, ref)->full_page.frame = frame;
		set_flags(&v2(hv, ref)->hdr.flags, flags);
	}
	pthread_mutex_unlock(&hv->lock);
	return ref;
}

int nc2_hv_grant_subpage(struct nc2_hv *hv, uint16_t domid, uint64_t frame,
			 uint16_t off, uint16_t len, bool readonly)
{
	uint16_t flags = GTF_permit_access | GTF_sub_page |
			 (readonly ? GTF_readonly : 0);
	int ref;

	if ((uint32_t)off + len > NC2_HV_PAGE_SIZE)
		return -EINVAL;
	pthread_mutex_lock(&hv->lock);
	ref = hv->version == 2 ? gref_get(hv) : -EOPNOTSUPP;
	if (ref >= 0) {
		v2(hv, ref)->hdr.domid = domid;
		v2(hv, ref)->sub_page.page_off = off;
		v2(hv, ref)->sub_page.length = len;
		v2(hv, ref)->sub_page.frame = frame;
		set_flags(&v2(hv, ref)->hdr.flags, flags);
	}
	pthread_mutex_unlock(&hv->lock);
	return ref;
}

int nc2_hv_grant_transitive(struct nc2_hv *hv, uint16_t domid,
			    uint16_t trans_domid, uint32_t trans_gref,
			    bool readonly)
{
	uint16_t flags = GTF_transitive | (readonly ? GTF_readonly : 0);
	int ref;

	pthread_mutex_lock(&hv->lock);
	ref = hv->version == 2 ? gref_get(hv) : -EOPNOTSUPP;
	if (ref >= 0) {
		v2(hv, ref)->hdr.domid = domid;
		v2(hv, ref)->transitive.trans_domid = trans_domid;
		v2(hv, ref)->transitive.gref = trans_gref;
		set_flags(&v2(hv, ref)->hdr.flags, flags);
	}
	pthread_mutex_unlock(&hv->lock);
	return ref;
}

/*
 * Same protocol as Linux's gnttab_end_foreign_access_ref: v1 clears flags
 * only if not busy; v2 clears flags first, then checks the status bits the
 * hypervisor sets before it re-checks flags.  Either way, once this returns
 * 0 no copy or mapping can be using the page.
 */
int nc2_hv_end_access(struct nc2_hv *hv, uint32_t gref)
{
	int rc = 0;

	if (gref < NC2_HV_GNT_RESERVED || gref >= NC2_HV_GNT_ENTRIES)
		return -EINVAL;
	pthread_mutex_lock(&hv->lock);
	if (hv->version == 1) {
		uint16_t *pf = &v1(hv, gref)->flags;
		uint16_t flags = __atomic_load_n(pf, __ATOMIC_ACQUIRE);

		do {
			if (flags & (GTF_reading | GTF_writing)) {
				rc = -EBUSY;
				break;
			}
		} while (!__atomic_compare_exchange_n(pf, &flags, 0, false,
						      __ATOMIC_SEQ_CST,
						      __ATOMIC_SEQ_CST));
	} else {
		__atomic_store_n(&v2(hv, gref)->hdr.flags, 0, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(v2_status(hv, gref), __ATOMIC_SEQ_CST) &
		    (GTF_reading | GTF_writing))
			rc = -EBUSY;
	}
	if (rc == 0)
		hv->gref_free[hv->nr_free++] = gref;
	pthread_mutex_unlock(&hv->lock);
	return rc;
}

int nc2_hv_copy(struct nc2_hv *hv, struct nc2_hv_copy_op *ops, unsigned int n)
{
	int16_t st[HV_COPY_BATCH];
	int rc = 0;

	pthread_mutex_lock(&hv->lock);
	for (unsigned int done = 0; done < n && rc == 0;) {
		unsigned int k = n - done < HV_COPY_BATCH ? n - done :
							    HV_COPY_BATCH;
		struct hv_req rq = { HV_OP_COPY, k, 0, 0 };
		struct hv_rsp rsp;

		rc = hv_call(hv, &rq, ops + done, k * sizeof(*ops), NULL, 0,
			     &rsp, st, sizeof(st), NULL, 0, NULL);
		if (rc == 0 && rsp.len != k * sizeof(st[0]))
			rc = -EPROTO;
		for (unsigned int i = 0; rc == 0 && i < k; i++)
			ops[done + i].status = st[i];
		done += k;
	}
	pthread_mutex_unlock(&hv->lock);
	return rc;
}

static int unmap_handles(struct nc2_hv *hv, const uint32_t *handles,
			 unsigned int n)
{
	struct hv_req rq = { HV_OP_UNMAP, n, 0, 0 };
	int16_t st[NC2_HV_MAP_MAX];
	struct hv_rsp rsp;
	int rc;

	rc = hv_call(hv, &rq, handles, n * sizeof(*handles), NULL, 0, &rsp,
		     st, sizeof(st), NULL, 0, NULL);
	for (unsigned int i = 0; rc == 0 && i < n; i++)
		if (st[i])
			rc = -EIO;
	return rc;
}

void *nc2_hv_map(struct nc2_hv *hv, uint16_t domid, const uint32_t *grefs,
		 unsigned int n, bool readonly, int16_t *status)
{
	struct hv_req rq = { HV_OP_MAP, domid, n, readonly };
	struct hv_map_res res[NC2_HV_MAP_MAX];
	int fds[NC2_HV_MAP_MAX], nfds = 0, rc, f = 0;
	struct hv_cmap *m = NULL;
	struct hv_rsp rsp;
	uint8_t *area = NULL;
	unsigned int ok = 0;

	if (n == 0 || n > NC2_HV_MAP_MAX) {
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&hv->lock);
	rc = hv_call(hv, &rq, grefs, n * sizeof(*grefs), NULL, 0, &rsp, res,
		     sizeof(res), fds, NC2_HV_MAP_MAX, &nfds);
	if (rc == 0 && rsp.len != n * sizeof(res[0]))
		rc = -EPROTO;
	m = calloc(1, sizeof(*m));
	/* Reserve the whole range first so the pages end up contiguous. */
	area = mmap(NULL, (size_t)n * NC2_HV_PAGE_SIZE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		area = NULL;
	if (!m || !area)
		rc = rc ? rc : -ENOMEM;
	for (unsigned int i = 0; rc == 0 && i < n; i++) {
		if (status)
			status[i] = res[i].status;
		if (res[i].status)
			continue;
		if (f >= nfds) {
			rc = -EPROTO;
			break;
		}
		if (mmap(area + (size_t)i * NC2_HV_PAGE_SIZE, NC2_HV_PAGE_SIZE,
			 PROT_READ | (readonly ? 0 : PROT_WRITE),
			 MAP_SHARED | MAP_FIXED, fds[f++], 0) == MAP_FAILED) {
			rc = -errno;
			break;
		}
		m->handles[ok++] = res[i].handle;
	}
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	if (rc == 0 && ok != n)
		rc = -EACCES;
	if (rc) {
		if (area)
			munmap(area, (size_t)n * NC2_HV_PAGE_SIZE);
		if (ok)
			unmap_handles(hv, m->handles, ok);
		free(m);
		pthread_mutex_unlock(&hv->lock);
		errno = -rc;
		return NULL;
	}
	m->addr = area;
	m->n = n;
	m->next = hv->maps;
	hv->maps = m;
	pthread_mutex_unlock(&hv->lock);
	return area;
}

int nc2_hv_unmap(struct nc2_hv *hv, void *addr)
{
	struct hv_cmap **pp, *m;
	int rc = -EINVAL;

	pthread_mutex_lock(&hv->lock);
	for (pp = &hv->maps; (m = *pp); pp = &m->next) {
		if (m->addr != addr)
			continue;
		*pp = m->next;
		munmap(m->addr, (size_t)m->n * NC2_HV_PAGE_SIZE);
		rc = unmap_handles(hv, m->handles, m->n);
		free(m);
		break;
	}
	pthread_mutex_unlock(&hv->lock);
	return rc;
}
