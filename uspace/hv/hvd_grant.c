// SPDX-License-Identifier: MIT
/*
 * Grant table enforcement: validating and pinning a guest's grant entries,
 * and GNTTABOP_copy.  The grant table is shared memory written by a guest
 * that may be hostile, so every entry is read with atomics, re-validated
 * after the busy bit is set, and the frame is cached while pinned.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "hvd.h"

unsigned int hvd_copy_delay_ms;

enum { KIND_FULL, KIND_SUB, KIND_TRANS };

uint8_t *hvd_frame_va(struct hvd_dom *d, uint64_t frame, struct hvd_xpage **xp)
{
	if (xp)
		*xp = NULL;
	if (frame < d->nr_pages)
		return d->mem + frame * NC2_HV_PAGE_SIZE;
	if (frame - d->nr_pages < HV_XPAGES_MAX) {
		struct hvd_xpage *x = &d->xp[frame - d->nr_pages];

		if (!x->va || x->freed)
			return NULL;
		if (xp)
			*xp = x;
		return x->va;
	}
	return NULL;
}

static uint32_t *entry_hdr(struct hvd_dom *g, uint32_t ref)
{
	return (uint32_t *)(g->gt + (size_t)ref * (g->version == 1 ? 8 : 16));
}

/* Where the reading/writing bits live: v1 in flags, v2 in the status array. */
static uint16_t *entry_status(struct hvd_dom *g, uint32_t ref)
{
	if (g->version == 1)
		return (uint16_t *)entry_hdr(g, ref);
	return (uint16_t *)(g->gt + NC2_HV_GNT_STATUS_OFF) + ref;
}

static void unpin(struct hvd_pin *p)
{
	struct hvd_active *act;
	uint32_t *cnt;

	if (!p->held)
		return;
	p->held = false;
	act = &p->d->act[p->ref];
	cnt = p->write ? &act->wr : &act->rd;
	if (--*cnt == 0)
		__atomic_fetch_and(entry_status(p->d, p->ref),
				   (uint16_t)~(p->write ? GTF_writing : GTF_reading),
				   __ATOMIC_SEQ_CST);
}

static int entry_kind(struct hvd_dom *g, uint16_t flags)
{
	if ((flags & GTF_type_mask) == GTF_transitive)
		return g->version == 2 ? KIND_TRANS : -1;
	if ((flags & GTF_type_mask) != GTF_permit_access)
		return -1;
	if (g->version == 2 && (flags & GTF_sub_page))
		return KIND_SUB;
	return KIND_FULL;
}

/* Read the parts of an entry that pinning freezes. */
static int load_active(struct hvd_dom *g, uint32_t ref, int kind,
		       struct hvd_active *act)
{
	act->lo = 0;
	act->hi = NC2_HV_PAGE_SIZE;
	act->trans = false;
	act->kind = kind;
	if (g->version == 1) {
		struct nc2_grant_entry_v1 *e = (void *)entry_hdr(g, ref);

		act->frame = __atomic_load_n(&e->frame, __ATOMIC_ACQUIRE);
		return 0;
	}

	union nc2_grant_entry_v2 *e = (void *)entry_hdr(g, ref);

	switch (kind) {
	case KIND_SUB: {
		uint16_t off = __atomic_load_n(&e->sub_page.page_off,
					       __ATOMIC_ACQUIRE);
		uint16_t len = __atomic_load_n(&e->sub_page.length,
					       __ATOMIC_ACQUIRE);

		if ((uint32_t)off + len > NC2_HV_PAGE_SIZE)
			return GNTST_general_error;
		act->lo = off;
		act->hi = off + len;
		act->frame = __atomic_load_n(&e->sub_page.frame,
					     __ATOMIC_ACQUIRE);
		return 0;
	}
	case KIND_TRANS:
		act->trans = true;
		act->trans_dom = __atomic_load_n(&e->transitive.trans_domid,
						 __ATOMIC_ACQUIRE);
		act->trans_ref = __atomic_load_n(&e->transitive.gref,
						 __ATOMIC_ACQUIRE);
		return 0;
	default:
		act->frame = __atomic_load_n(&e->full_page.frame,
					     __ATOMIC_ACQUIRE);
		return 0;
	}
}

/*
 * Set the busy bit the way Xen does: v1 by cmpxchg on flags+domid, v2 by
 * setting the status bit and then re-checking that the header did not
 * change under us.  A guest flipping its entry forever only gets errors.
 */
static int pin(struct hvd_dom *g, uint32_t ref, uint16_t caller, bool write,
	       int depth, bool for_map, struct hvd_pin *p, int *kindp)
{
	struct hvd_active *act = &g->act[ref];
	uint16_t busy = write ? GTF_writing : GTF_reading;
	uint32_t *hdrp = entry_hdr(g, ref);
	uint16_t *status = entry_status(g, ref);
	bool first = act->rd + act->wr == 0;
	uint32_t hdr;
	int kind, tries, rc;

	for (tries = 0;; tries++) {
		uint16_t flags;

		if (tries == 4)
			return GNTST_general_error;
		hdr = __atomic_load_n(hdrp, __ATOMIC_ACQUIRE);
		flags = hdr & 0xffff;
		if ((hdr >> 16) != caller)
			return GNTST_permission_denied;
		kind = entry_kind(g, flags);
		if (kind < 0)
			return GNTST_general_error;
		if (kind == KIND_TRANS && depth > 0)
			return GNTST_general_error;
		if (kind != KIND_FULL && for_map)
			return GNTST_general_error;
		if (write && (flags & GTF_readonly))
			return GNTST_permission_denied;
		/* A pinned entry must not change form under its users. */
		if (!first && kind != act->kind)
			return GNTST_general_error;
		if (g->version == 1) {
			uint32_t nw = hdr | busy;

			if (nw == hdr ||
			    __atomic_compare_exchange_n(hdrp, &hdr, nw, false,
							__ATOMIC_SEQ_CST,
							__ATOMIC_SEQ_CST))
				break;
			continue;
		}
		__atomic_fetch_or(status, busy, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(hdrp, __ATOMIC_SEQ_CST) == hdr)
			break;
		if ((write ? act->wr : act->rd) == 0)
			__atomic_fetch_and(status, (uint16_t)~busy,
					   __ATOMIC_SEQ_CST);
	}
	p->d = g;
	p->ref = ref;
	p->write = write;
	p->held = true;
	if (write)
		act->wr++;
	else
		act->rd++;
	if (first) {
		rc = load_active(g, ref, kind, act);
		if (rc) {
			unpin(p);
			return rc;
		}
	}
	*kindp = kind;
	return GNTST_okay;
}

int hvd_grant_acquire(struct hvd_dom *g, uint32_t ref, uint16_t caller,
		      bool write, bool for_map, struct hvd_acq *acq)
{
	struct hvd_active *act;
	struct hvd_dom *page_dom = g;
	int kind, rc;

	memset(acq, 0, sizeof(*acq));
	if (!g)
		return GNTST_bad_domain;
	if (ref >= NC2_HV_GNT_ENTRIES)
		return GNTST_bad_gntref;
	rc = pin(g, ref, caller, write, 0, for_map, &acq->pin[0], &kind);
	if (rc)
		return rc;
	act = &g->act[ref];
	acq->lo = act->lo;
	acq->hi = act->hi;
	if (kind == KIND_TRANS) {
		/* The final grant must be made out to the transitive granter. */
		page_dom = hvd_dom_get(act->trans_dom);
		rc = GNTST_bad_domain;
		if (!page_dom || page_dom == g)
			goto fail;
		rc = GNTST_bad_gntref;
		if (act->trans_ref >= NC2_HV_GNT_ENTRIES)
			goto fail;
		rc = pin(page_dom, act->trans_ref, g->id, write, 1, false,
			 &acq->pin[1], &kind);
		if (rc)
			goto fail;
		act = &page_dom->act[act->trans_ref];
		acq->lo = act->lo;
		acq->hi = act->hi;
	}
	rc = GNTST_bad_page;
	acq->page = hvd_frame_va(page_dom, act->frame, &acq->xp);
	if (!acq->page)
		goto fail;
	return GNTST_okay;
fail:
	hvd_grant_release(acq);
	return rc;
}

void hvd_grant_release(struct hvd_acq *acq)
{
	unpin(&acq->pin[1]);
	unpin(&acq->pin[0]);
}

int hvd_grant_set_version(struct hvd_dom *d, int version)
{
	if (version != 1 && version != 2)
		return -EINVAL;
	if (version == d->version)
		return 0;
	for (uint32_t i = 0; i < NC2_HV_GNT_ENTRIES; i++) {
		uint32_t hdr = __atomic_load_n(entry_hdr(d, i),
					       __ATOMIC_ACQUIRE);

		if (d->act[i].rd || d->act[i].wr || (hdr & GTF_type_mask))
			return -EBUSY;
	}
	memset(d->gt, 0, NC2_HV_GNT_BYTES);
	d->version = version;
	return 0;
}

/* One side of a copy: a grant (pinned) or a frame of the caller. */
static int copy_side(struct hvd_dom *d, const struct nc2_hv_copy_ptr *ptr,
		     bool is_gref, bool write, uint16_t len, struct hvd_acq *acq,
		     uint8_t **va)
{
	int rc;

	memset(acq, 0, sizeof(*acq));
	if (!is_gref) {
		if (ptr->domid != NC2_DOMID_SELF && ptr->domid != d->id)
			return GNTST_permission_denied;
		*va = hvd_frame_va(d, ptr->ref, NULL);
		if (!*va)
			return GNTST_bad_page;
		*va += ptr->offset;
		return GNTST_okay;
	}
	if (ptr->ref >= NC2_HV_GNT_ENTRIES)
		return GNTST_bad_gntref;
	rc = hvd_grant_acquire(hvd_dom_get(ptr->domid), ptr->ref, d->id, write,
			       false, acq);
	if (rc)
		return rc;
	if (ptr->offset < acq->lo || ptr->offset + len > acq->hi) {
		hvd_grant_release(acq);
		return GNTST_general_error;
	}
	*va = acq->page + ptr->offset;
	return GNTST_okay;
}

static int copy_one(struct hvd_dom *d, struct nc2_hv_copy_op *op)
{
	struct hvd_acq sa, da;
	uint8_t *src, *dst;
	int rc;

	if (op->flags & ~(GNTCOPY_source_gref | GNTCOPY_dest_gref))
		return GNTST_bad_copy_arg;
	if ((uint32_t)op->src.offset + op->len > NC2_HV_PAGE_SIZE ||
	    (uint32_t)op->dst.offset + op->len > NC2_HV_PAGE_SIZE)
		return GNTST_bad_copy_arg;
	rc = copy_side(d, &op->src, op->flags & GNTCOPY_source_gref, false,
		       op->len, &sa, &src);
	if (rc)
		return rc;
	rc = copy_side(d, &op->dst, op->flags & GNTCOPY_dest_gref, true,
		       op->len, &da, &dst);
	if (rc) {
		hvd_grant_release(&sa);
		return rc;
	}
	if (hvd_copy_delay_ms) {
		/* Test hook: widen the window in which the grants are busy. */
		struct timespec ts = { hvd_copy_delay_ms / 1000,
				       (hvd_copy_delay_ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	memmove(dst, src, op->len);
	hvd_grant_release(&da);
	hvd_grant_release(&sa);
	return GNTST_okay;
}

void hvd_copy(struct hvd_dom *d, struct nc2_hv_copy_op *ops, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		ops[i].status = copy_one(d, &ops[i]);
}
