// SPDX-License-Identifier: GPL-2.0-only
/*
 * nc2k_grant.c - which grants this kernel can create.
 *
 * Linux 6.1 exports no way to write a sub-page or transitive grant (both
 * exist only in grant table v2). xen-patches/linux-6.1/ adds exported
 * helpers; kmod/Kbuild.nc2 defines NC2_HAVE_GNTTAB_SUBPAGE and
 * NC2_HAVE_GNTTAB_TRANS when the headers we build against declare them.
 * Even then the kernel may run grant table v1, so the helpers are asked
 * at load time. A stock kernel gets neither: senders bounce fragments
 * through pages that hold nothing but packet data.
 */
#include <linux/module.h>
#include <xen/grant_table.h>
#include <xen/page.h>

#include "nc2k.h"

struct nc2k_grant_caps nc2k_caps;

void nc2k_grant_probe(void)
{
#ifdef NC2_HAVE_GNTTAB_SUBPAGE
	nc2k_caps.subpage = gnttab_subpage_grants_available();
#endif
#ifdef NC2_HAVE_GNTTAB_TRANS
	nc2k_caps.transitive = gnttab_trans_grants_available();
#endif
}

int nc2k_grant_subpage(grant_ref_t ref, domid_t domid, struct page *page,
		       unsigned int off, unsigned int len)
{
#ifdef NC2_HAVE_GNTTAB_SUBPAGE
	if (nc2k_caps.subpage)
		return gnttab_grant_foreign_access_subpage_ref(ref, domid,
				xen_page_to_gfn(page), 1, off, len);
#endif
	return -EOPNOTSUPP;
}

int nc2k_grant_transitive(grant_ref_t ref, domid_t domid, domid_t trans_domid,
			  grant_ref_t trans_gref)
{
#ifdef NC2_HAVE_GNTTAB_TRANS
	if (nc2k_caps.transitive)
		return gnttab_grant_foreign_access_trans_ref(ref, domid, 1,
							     trans_domid,
							     trans_gref);
#endif
	return -EOPNOTSUPP;
}
