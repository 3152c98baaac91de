// SPDX-License-Identifier: GPL-2.0-only
/*
 * netfront2_bypass_setup.c - the resources of a bypass: its channel,
 * rings and event channel, granted as end A or mapped as end B, and
 * their release; tearing every bypass down, or keeping them across a
 * suspend. The sequence that decides when is netfront2_bypass.c.
 */
#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/interface/event_channel.h>
#include <asm/xen/hypercall.h>

#include <nc2/bpend.h>
#include <nc2/traffic.h>
#include <nc2/xenbus.h>
#include "netfront2.h"

static unsigned int bypass_bounce_pages = 64;
module_param(bypass_bounce_pages, uint, 0444);
MODULE_PARM_DESC(bypass_bounce_pages,
		 "pages per bypass granted for TX data without sub-page grants");

static void nf2_bp_failed(struct nc2k_chan *ch, int err)
{
	struct nf2_info *info = netdev_priv(ch->dev);
	unsigned int i;

	/* Hold the peer's packets until the backend's DISABLE (10.4). */
	spin_lock_bh(&info->bypass_lock);
	for (i = 0; i < NF2_MAX_BYPASSES; i++)
		if (info->bypass[i].ch == ch)
			nc2_bpend_failed(&info->ends[i]);
	spin_unlock_bh(&info->bypass_lock);
	nf2_bp_publish(info);
}

static const struct nc2k_ops nf2_bp_ops = {
	.link_failed = nf2_bp_failed,
	.rx_observe = nf2_hostile_observe,
};

/* Ring page i of end A: the A-to-B ring's pages, then the B-to-A ring's. */
static void *nf2_bp_page(struct nf2_bypass *bp, unsigned int i)
{
	return i < bp->pages ? bp->ring_ab + i * PAGE_SIZE :
	       bp->ring_ba + (i - bp->pages) * PAGE_SIZE;
}

/* Free slot i's resources; its protocol state is the caller's to move. */
void nf2_bp_release(struct nf2_info *info, unsigned int idx)
{
	struct nf2_bypass *bp = &info->bypass[idx];
	unsigned int i;

	if (bp->ch)
		netdev_info(info->ch.dev, "bypass %u to domain %u: released\n",
			    bp->handle, bp->peer);

	spin_lock_bh(&info->bypass_lock);
	bp->dead = true;
	spin_unlock_bh(&info->bypass_lock);
	/* xmit runs under rcu_read_lock_bh(): none still uses bp->ch after. */
	synchronize_net();
	skb_queue_purge(&bp->held);
	if (bp->ch) {
		nc2k_chan_stop(bp->ch);
		if (bp->irq)
			unbind_from_irqhandler(bp->irq, bp->ch);
		nc2k_chan_detach(bp->ch);
		kvfree(bp->ch);
	}
	if (bp->granter) {
		/*
		 * Granted pages are freed once the peer has unmapped them
		 * (XSA-396); pages alloc_pages_exact() split can go one by one.
		 */
		if (bp->ctrl && bp->ctrl_granted)
			gnttab_end_foreign_access(bp->ctrl_ref,
						  virt_to_page(bp->ctrl));
		else if (bp->ctrl)
			free_page((unsigned long)bp->ctrl);
		for (i = 0; bp->ring_ab && bp->ring_ba && i < 2 * bp->pages;
		     i++) {
			void *p = nf2_bp_page(bp, i);

			if (i < bp->nr_refs)
				gnttab_end_foreign_access(bp->refs[i],
							  virt_to_page(p));
			else
				free_page((unsigned long)p);
		}
		if (!bp->ring_ab != !bp->ring_ba) {
			size_t bytes = bp->pages * PAGE_SIZE;

			if (bp->ring_ab)
				free_pages_exact(bp->ring_ab, bytes);
			if (bp->ring_ba)
				free_pages_exact(bp->ring_ba, bytes);
		}
	} else {
		nf2_unmap_grants(&bp->map);
	}
	memset(bp, 0, sizeof(*bp));
	skb_queue_head_init(&bp->held);
	nf2_bp_publish(info);
}

/* Slot idx's resources for the bypass e describes (BUILD). */
static struct nf2_bypass *nf2_bp_new(struct nf2_info *info, unsigned int idx)
{
	const struct nc2_bpend *e = &info->ends[idx];
	struct nf2_bypass *bp = &info->bypass[idx];

	bp->ch = kvzalloc(sizeof(*bp->ch), GFP_KERNEL);
	if (!bp->ch)
		return NULL;
	nc2k_chan_init(bp->ch, info->ch.dev, &nf2_bp_ops, "bypass");
	bp->handle = e->handle;
	bp->peer = e->peer_domid;
	bp->pages = e->ring_pages;
	ether_addr_copy(bp->mac, e->peer_mac);
	/*
	 * docs/protocol.md 10.2: unless the backend vouches for the peer
	 * (REMOTE_TRUSTED), it may only send from its own MAC; unless it
	 * vouches for us (LOCAL_TRUSTED), we only send it our own frames
	 * (nf2_bypass_route keeps the rest on the parent ring).
	 */
	if (!(e->flags & NC2_BYPASS_F_REMOTE_TRUSTED))
		bp->ch->filter_src = bp->mac;
	/* 10.5: by IP; nothing in or out until BYPASS_ADDRS says whom. */
	bp->ch->filter_ip_on = e->flags & NC2_BYPASS_F_ADDRS;
	return bp;
}

static int nf2_bp_start(struct nf2_info *info, struct nf2_bypass *bp,
			const struct nc2k_rings *r, evtchn_port_t port)
{
	int err, irq;

	struct evtchn_close close = { .port = port };

	err = nc2k_chan_attach(bp->ch, NC2_ROLE_PEER, bp->peer, r, true,
			       bypass_bounce_pages);
	if (!err) {
		irq = bind_evtchn_to_irqhandler_lateeoi(port,
							nc2k_chan_interrupt, 0,
							info->ch.dev->name,
							bp->ch);
		err = irq < 0 ? irq : 0;
	}
	if (err) {
		/* Once bound, unbinding closes the port; until then, we do. */
		HYPERVISOR_event_channel_op(EVTCHNOP_close, &close);
		return err;
	}
	bp->irq = irq;
	bp->ch->irq = irq;
	nc2k_chan_kick(bp->ch);
	return 0;
}

/* End A: allocate, reset and grant the rings. 0, or it could not. */
int nf2_bp_grant(struct nf2_info *info, unsigned int idx)
{
	struct nc2_bpend *e = &info->ends[idx];
	struct evtchn_alloc_unbound au = {
		.dom = DOMID_SELF,
		.remote_dom = e->peer_domid,
	};
	size_t bytes = (size_t)e->ring_pages * PAGE_SIZE;
	struct nf2_bypass *bp = nf2_bp_new(info, idx);
	u32 refs[2 * NC2_BYPASS_MAX_PAGES];
	struct nc2k_rings r;
	unsigned int i;
	int ref;

	if (!bp)
		return -ENOMEM;
	bp->granter = true;
	bp->ctrl = (void *)get_zeroed_page(GFP_KERNEL);
	bp->ring_ab = alloc_pages_exact(bytes, GFP_KERNEL | __GFP_ZERO);
	bp->ring_ba = alloc_pages_exact(bytes, GFP_KERNEL | __GFP_ZERO);
	if (!bp->ctrl || !bp->ring_ab || !bp->ring_ba)
		return -ENOMEM;
	nc2_ctrl_reset(bp->ctrl + NC2_CTRL_OFF_F2B);
	nc2_ctrl_reset(bp->ctrl + NC2_CTRL_OFF_B2F);
	ref = gnttab_grant_foreign_access(bp->peer, virt_to_gfn(bp->ctrl), 0);
	if (ref < 0)
		return ref;
	bp->ctrl_ref = ref;
	bp->ctrl_granted = true;
	for (i = 0; i < 2 * bp->pages; i++) {
		ref = gnttab_grant_foreign_access(bp->peer,
						  virt_to_gfn(nf2_bp_page(bp, i)),
						  0);
		if (ref < 0)
			return ref;
		bp->refs[i] = ref;
		bp->nr_refs = i + 1;
		refs[i] = ref;
	}
	if (HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au))
		return -EIO;
	r.tx_ctrl = bp->ctrl + NC2_CTRL_OFF_F2B;	/* A to B */
	r.tx_ring = bp->ring_ab;
	r.rx_ctrl = bp->ctrl + NC2_CTRL_OFF_B2F;
	r.rx_ring = bp->ring_ba;
	r.ring_bytes = bytes;
	if (nf2_bp_start(info, bp, &r, au.port))
		return -EIO;
	spin_lock_bh(&info->bypass_lock);
	nc2_bpend_granted(e, au.port, bp->ctrl_ref, refs);
	spin_unlock_bh(&info->bypass_lock);
	netdev_info(info->ch.dev,
		    "bypass %u to %pM (domain %u): end A, port %u, refs %u/%u/%u\n",
		    bp->handle, bp->mac, bp->peer, au.port, bp->ctrl_ref,
		    bp->refs[0], bp->refs[bp->pages]);
	return 0;
}

/* End B: map A's pages and bind to A's port. 0, or it could not. */
int nf2_bp_map(struct nf2_info *info, unsigned int idx)
{
	struct nc2_bpend *e = &info->ends[idx];
	struct evtchn_bind_interdomain bi = {
		.remote_dom = e->peer_domid,
		.remote_port = e->evtchn,
	};
	grant_ref_t refs[NF2_MAP_MAX];
	unsigned int i, pages = e->ring_pages;
	struct nf2_bypass *bp;
	struct nc2k_rings r;
	void *va;

	/* The library checked ring_pages (a power of two, at most the max). */
	bp = nf2_bp_new(info, idx);
	if (!bp)
		return -ENOMEM;
	refs[0] = e->ctrl_gref;
	for (i = 0; i < 2 * pages; i++)
		refs[1 + i] = e->gref[i];
	if (nf2_map_grants(&bp->map, bp->peer, refs, 1 + 2 * pages))
		return -EIO;
	va = bp->map.va;
	if (HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bi))
		return -EIO;
	r.tx_ctrl = va + NC2_CTRL_OFF_B2F;
	r.tx_ring = va + (1 + pages) * PAGE_SIZE;	/* B to A */
	r.rx_ctrl = va + NC2_CTRL_OFF_F2B;
	r.rx_ring = va + PAGE_SIZE;			/* A to B */
	r.ring_bytes = pages * PAGE_SIZE;
	if (nf2_bp_start(info, bp, &r, bi.local_port))
		return -EIO;
	spin_lock_bh(&info->bypass_lock);
	nc2_bpend_mapped(e);
	spin_unlock_bh(&info->bypass_lock);
	netdev_info(info->ch.dev,
		    "bypass %u to %pM (domain %u): end B, port %u->%u, %u-page rings\n",
		    bp->handle, bp->mac, bp->peer, bi.local_port, e->evtchn,
		    pages);
	return 0;
}

/*
 * Stop the bypass work items (messages, the gate, traffic reports) and
 * wait for a running one: both teardown and suspend start here.
 */
static void nf2_bypass_quiesce(struct nf2_info *info)
{
	cancel_work_sync(&info->bypass_work);
	cancel_delayed_work_sync(&info->gate_work);
	cancel_delayed_work_sync(&info->traffic_work);
}

void nf2_bypass_teardown_all(struct nf2_info *info)
{
	unsigned int i;

	nf2_bypass_quiesce(info);
	/* A new connection starts a new report. */
	info->traffic_last[0] = '\0';
	mutex_lock(&info->bypass_mutex);
	for (i = 0; i < NF2_MAX_BYPASSES; i++)
		if (info->bypass[i].ch || info->ends[i].state)
			nf2_bp_release(info, i);
	spin_lock_bh(&info->bypass_lock);
	nc2_bpend_reset(&info->bpt);
	info->msgq_len = 0;
	spin_unlock_bh(&info->bypass_lock);
	nf2_bp_publish(info);
	mutex_unlock(&info->bypass_mutex);
}

/*
 * Before a save or migration: let go of every bypass's resources (as end
 * B we map the peer's pages, which a saved image cannot hold), but keep
 * each handle, as FAILED, so that after a cancelled suspend (a
 * checkpoint: xl save -c) the backend's DISABLE and DETACH for it are
 * still answered in sequence; the peer's packets take the parent ring.
 * A real restore starts from scratch (nf2_bypass_teardown_all).
 */
void nf2_bypass_suspend(struct nf2_info *info)
{
	unsigned int i;

	nf2_bypass_quiesce(info);
	mutex_lock(&info->bypass_mutex);
	for (i = 0; i < NF2_MAX_BYPASSES; i++) {
		struct nc2_bpend *e = &info->ends[i];

		if (info->bypass[i].ch)
			nf2_bp_release(info, i);
		spin_lock_bh(&info->bypass_lock);
		if (e->state == NC2_BPEND_DRAINING)
			nc2_bpend_drain(&info->bpt, e, NULL, nf2_now());
		else if (e->state == NC2_BPEND_RELEASE)
			nc2_bpend_released(e);
		else
			nc2_bpend_failed(e);
		spin_unlock_bh(&info->bypass_lock);
	}
	nf2_bp_publish(info);
	mutex_unlock(&info->bypass_mutex);
}

void nf2_bypass_destroy(struct nf2_info *info)
{
	nf2_bypass_teardown_all(info);
	mutex_destroy(&info->bypass_mutex);
}
