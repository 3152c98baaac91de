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
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
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

/* ---- grants a peer kept busy past their end */

struct nc2k_acct nc2k_acct;

/*
 * One grant whose end failed: the peer is copying from it (or has it
 * mapped). What it covers stays allocated until the end succeeds.
 */
struct nc2k_retired {
	struct list_head node;
	grant_ref_t ref;
	struct page *page;
	struct sk_buff *skb;
};

/* How often the retry list is walked while it is not empty. */
#define NC2K_RETIRE_PERIOD (HZ / 10)
/* How long module exit waits for busy grants before letting go. */
#define NC2K_RETIRE_EXIT_MS 5000u

static LIST_HEAD(nc2k_retired_list);
static DEFINE_SPINLOCK(nc2k_retired_lock);
static void nc2k_retire_fn(struct work_struct *w);
static DECLARE_DELAYED_WORK(nc2k_retire_work, nc2k_retire_fn);

/* r's ref has ended and gone back to Linux: free what it covered. */
static void retired_free(struct nc2k_retired *r)
{
	atomic_long_dec(&nc2k_acct.grefs);
	atomic_long_dec(&nc2k_acct.retired);
	if (r->page) {
		__free_page(r->page);
		atomic_long_dec(&nc2k_acct.pages);
	}
	if (r->skb)
		dev_kfree_skb_any(r->skb);
	kfree(r);
}

/* Walk the list once: free what ended; true if anything is left. */
static bool retired_reap(void)
{
	struct nc2k_retired *r, *t;
	unsigned long flags;
	LIST_HEAD(done);
	bool left;

	spin_lock_irqsave(&nc2k_retired_lock, flags);
	list_for_each_entry_safe(r, t, &nc2k_retired_list, node)
		if (gnttab_try_end_foreign_access(r->ref))
			list_move(&r->node, &done);
	left = !list_empty(&nc2k_retired_list);
	spin_unlock_irqrestore(&nc2k_retired_lock, flags);
	list_for_each_entry_safe(r, t, &done, node)
		retired_free(r);
	return left;
}

static void nc2k_retire_fn(struct work_struct *w)
{
	if (retired_reap())
		schedule_delayed_work(&nc2k_retire_work, NC2K_RETIRE_PERIOD);
}

void nc2k_grant_retire(grant_ref_t ref, struct page *page,
		       struct sk_buff *skb)
{
	struct nc2k_retired *r;
	unsigned long flags;

	/* Quietly: a busy ref must not make dom0 log at the peer's will. */
	if (gnttab_try_end_foreign_access(ref)) {
		atomic_long_dec(&nc2k_acct.grefs);
		if (page) {
			__free_page(page);
			atomic_long_dec(&nc2k_acct.pages);
		}
		if (skb)
			dev_kfree_skb_any(skb);
		return;
	}
	r = kmalloc(sizeof(*r), GFP_ATOMIC);
	if (!r) {
		/*
		 * No memory to remember it: keep the ref and whatever it
		 * covers for good. A leak, but never a page the peer can
		 * still read going back to the allocator.
		 */
		pr_warn_ratelimited("nc2: grant %u busy and no memory: leaked\n",
				    ref);
		return;
	}
	r->ref = ref;
	r->page = page;
	r->skb = skb;
	atomic_long_inc(&nc2k_acct.retired);
	spin_lock_irqsave(&nc2k_retired_lock, flags);
	list_add_tail(&r->node, &nc2k_retired_list);
	spin_unlock_irqrestore(&nc2k_retired_lock, flags);
	schedule_delayed_work(&nc2k_retire_work, NC2K_RETIRE_PERIOD);
}

void nc2k_grant_exit(void)
{
	struct nc2k_retired *r, *t;
	unsigned int waited = 0;
	unsigned long n = 0;

	while (retired_reap() && waited < NC2K_RETIRE_EXIT_MS) {
		msleep(20);
		waited += 20;
	}
	cancel_delayed_work_sync(&nc2k_retire_work);
	/*
	 * Still busy after all that: a page goes to Linux's own deferred
	 * end (safe, it is ours); a transitive ref covers no page of ours
	 * and is simply never reused. An skb we cannot let go is leaked.
	 */
	list_for_each_entry_safe(r, t, &nc2k_retired_list, node) {
		list_del(&r->node);
		if (r->page)
			gnttab_end_foreign_access(r->ref, r->page);
		n++;
		kfree(r);
	}
	if (n)
		pr_warn("nc2: %lu grants still busy at unload, left to Xen\n",
			n);
}
