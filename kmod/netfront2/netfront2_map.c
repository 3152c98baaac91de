// SPDX-License-Identifier: GPL-2.0-only
/*
 * netfront2_map.c - map another guest's granted pages into one virtually
 * contiguous range (end B of a bypass maps end A's control page and
 * rings this way).
 *
 * xenbus_map_ring_valloc() does this only for the xenbus peer (dom0), so
 * the two ways it works are repeated here for any domain: a PV guest has
 * Xen write the grant mappings straight into the page-table entries of a
 * vmap area (GNTMAP_contains_pte), since a vmap of grant-mapped ballooned
 * pages would find no machine frame behind them in the p2m; an
 * auto-translated guest (HVM, PVH) maps ballooned pages and vmaps those.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

#include "netfront2.h"

/* Number the mapped ones; true if all n are. */
static bool nf2_map_note(struct nf2_map *m, struct gnttab_map_grant_ref *ops)
{
	unsigned int i;

	for (i = 0; i < m->n; i++) {
		if (ops[i].status != GNTST_okay)
			continue;
		m->handle[i] = ops[i].handle;
		m->mapped |= BIT_ULL(i);
	}
	return m->mapped == GENMASK_ULL(m->n - 1, 0);
}

static int nf2_map_pv(struct nf2_map *m, domid_t dom, const grant_ref_t *refs,
		      struct gnttab_map_grant_ref *ops)
{
	unsigned int i, level;

	m->va = vmap(m->pages, m->n, VM_MAP, PAGE_KERNEL);
	if (!m->va)
		return -ENOMEM;
	/*
	 * vmap made the page tables; the entries are empty, as the ballooned
	 * pages have no frame. Xen fills them in.
	 */
	for (i = 0; i < m->n; i++) {
		pte_t *pte = lookup_address((unsigned long)m->va + i * PAGE_SIZE,
					    &level);

		if (!pte || level != PG_LEVEL_4K)
			return -EFAULT;
		m->addr[i] = arbitrary_virt_to_machine(pte).maddr;
	}
	for (i = 0; i < m->n; i++)
		gnttab_set_map_op(&ops[i], m->addr[i],
				  GNTMAP_host_map | GNTMAP_contains_pte,
				  refs[i], dom);
	gnttab_batch_map(ops, m->n);
	return nf2_map_note(m, ops) ? 0 : -EACCES;
}

static int nf2_map_hvm(struct nf2_map *m, domid_t dom, const grant_ref_t *refs,
		       struct gnttab_map_grant_ref *ops)
{
	unsigned int i;

	for (i = 0; i < m->n; i++) {
		m->addr[i] = (unsigned long)page_address(m->pages[i]);
		gnttab_set_map_op(&ops[i], m->addr[i], GNTMAP_host_map,
				  refs[i], dom);
	}
	if (gnttab_map_refs(ops, NULL, m->pages, m->n))
		return -EFAULT;
	if (!nf2_map_note(m, ops))
		return -EACCES;
	m->va = vmap(m->pages, m->n, VM_MAP, PAGE_KERNEL);
	return m->va ? 0 : -ENOMEM;
}

int nf2_map_grants(struct nf2_map *m, domid_t dom, const grant_ref_t *refs,
		   unsigned int n)
{
	struct gnttab_map_grant_ref *ops;
	int err;

	memset(m, 0, sizeof(*m));
	if (!n || n > NF2_MAP_MAX)
		return -EINVAL;
	ops = kcalloc(n, sizeof(*ops), GFP_KERNEL);
	if (!ops)
		return -ENOMEM;
	err = gnttab_alloc_pages(n, m->pages);
	if (err) {
		kfree(ops);
		return err;
	}
	m->n = n;
	m->pv = xen_pv_domain();
	err = m->pv ? nf2_map_pv(m, dom, refs, ops) :
		      nf2_map_hvm(m, dom, refs, ops);
	kfree(ops);
	if (err)
		nf2_unmap_grants(m);
	return err;
}

void nf2_unmap_grants(struct nf2_map *m)
{
	struct gnttab_unmap_grant_ref *ops;
	struct page **pages;
	unsigned int i, k = 0;
	int err = 0;

	if (!m->n)
		return;
	/* The hvm layout maps first and vmaps after: undo in reverse. */
	if (!m->pv && m->va)
		vunmap(m->va);
	if (m->mapped) {
		ops = kcalloc(m->n, sizeof(*ops), GFP_KERNEL);
		pages = kcalloc(m->n, sizeof(*pages), GFP_KERNEL);
		if (!ops || !pages) {
			err = -ENOMEM;
		} else {
			for (i = 0; i < m->n; i++) {
				if (!(m->mapped & BIT_ULL(i)))
					continue;
				gnttab_set_unmap_op(&ops[k], m->addr[i],
						    GNTMAP_host_map |
						    (m->pv ? GNTMAP_contains_pte : 0),
						    m->handle[i]);
				pages[k++] = m->pages[i];
			}
			if (m->pv)
				err = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref,
								ops, k);
			else
				err = gnttab_unmap_refs(ops, NULL, pages, k);
			for (i = 0; !err && i < k; i++)
				if (ops[i].status != GNTST_okay)
					err = -EIO;
		}
		kfree(ops);
		kfree(pages);
	}
	if (err) {
		/* Freeing what may still be mapped is worse than a leak. */
		pr_err("netfront2: unmapping a peer's pages failed (%d)\n", err);
		memset(m, 0, sizeof(*m));
		return;
	}
	if (m->pv && m->va)
		vunmap(m->va);
	gnttab_free_pages(m->n, m->pages);
	memset(m, 0, sizeof(*m));
}
