// SPDX-License-Identifier: GPL-2.0-only
/*
 * netfront2_traffic.c - what the bypasses carry: ethtool's sums and the
 * bypass-traffic report for the backend.
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

/* For ethtool -S on the device: what its bypass links carried. */
void nf2_bypass_stats(struct nc2k_chan *parent, struct nc2k_bypass_sums *s)
{
	struct nf2_info *info = container_of(parent, struct nf2_info, ch);
	unsigned int i;

	/*
	 * ethtool holds RTNL; a bypass being torn down under the mutex may
	 * wait for features_work, which takes RTNL: never block here.
	 */
	if (!mutex_trylock(&info->bypass_mutex))
		return;
	for (i = 0; i < NF2_MAX_BYPASSES; i++) {
		struct nc2k_chan *ch = info->bypass[i].ch;

		if (!ch)
			continue;
		spin_lock_bh(&ch->lock);
		s->tx_packets += nc2_net_get_stats(&ch->net)->tx_packets;
		s->rx_packets += nc2_net_get_stats(&ch->net)->rx_packets;
		s->links_up += ch->up;
		s->tx_subpage_grants += ch->cnt.tx_subpage_grants;
		s->tx_bounce_pages += ch->cnt.tx_bounce_pages;
		s->rx_drop_filter += ch->cnt.rx_drop_filter;
		spin_unlock_bh(&ch->lock);
	}
	mutex_unlock(&info->bypass_mutex);
}

/*
 * Tell the backend what each bypass carried (nc2/traffic.h), every two
 * seconds while any is up: the traffic goes around it, and it takes an
 * idle automatic bypass down. Written only when it changed.
 */
void nf2_traffic_fn(struct work_struct *w)
{
	struct nf2_info *info = container_of(to_delayed_work(w),
					     struct nf2_info, traffic_work);
	struct nc2_traffic tr[NC2_TRAFFIC_MAX];
	char text[NC2_TRAFFIC_MAX_TEXT];
	unsigned int i, n = 0;

	if (!mutex_trylock(&info->bypass_mutex)) {
		schedule_delayed_work(&info->traffic_work, HZ);
		return;
	}
	for (i = 0; i < NF2_MAX_BYPASSES && n < NC2_TRAFFIC_MAX; i++) {
		struct nf2_bypass *bp = &info->bypass[i];
		const struct nc2_net_stats *st;

		if (info->ends[i].state != NC2_BPEND_UP || !bp->ch)
			continue;
		spin_lock_bh(&bp->ch->lock);
		st = nc2_net_get_stats(&bp->ch->net);
		tr[n].handle = bp->handle;
		tr[n].packets = st->tx_packets + st->rx_packets;
		spin_unlock_bh(&bp->ch->lock);
		n++;
	}
	mutex_unlock(&info->bypass_mutex);
	if (nc2_traffic_format(text, sizeof(text), tr, n) >= 0 &&
	    strcmp(text, info->traffic_last) &&
	    !xenbus_write(XBT_NIL, info->xbdev->nodename, NC2_XS_BYPASS_TRAFFIC,
			  text))
		strscpy(info->traffic_last, text, sizeof(info->traffic_last));
	if (n)
		schedule_delayed_work(&info->traffic_work, 2 * HZ);
}
