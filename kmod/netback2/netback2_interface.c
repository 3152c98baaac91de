// SPDX-License-Identifier: GPL-2.0-only
/*
 * netback2_interface.c - the net_device side of a vif2: its operations,
 * the channel's callbacks, and the tick that judges a stalled guest and
 * publishes counters.
 */
#include <linux/module.h>
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/inet.h>
#include <linux/ktime.h>
#include <xen/xen.h>
#include <xen/xenbus.h>
#include <xen/events.h>

#include "nc2k.h"
#include <nc2/xenbus.h>

#include "netback2.h"

static unsigned int fault_inject_domid;
module_param(fault_inject_domid, uint, 0600);
MODULE_PARM_DESC(fault_inject_domid,
		 "test hook: publish a misaligned producer index once to this guest's frontend, which must fail its link and close (0: off)");

const u8 nb2_dev_addr[ETH_ALEN] = {
	0xfe, 0xff, 0xff, 0xff, 0xff, 0xff
};

#define NB2_STATS_TICKS 20	/* publish counters in xenstore every 5 s */

static void nb2_publish_stats(struct nb2_vif *vif)
{
	struct nc2k_chan *ch = &vif->ch;
	struct xenbus_device *dev = vif->xbdev;
	struct nc2_limiter_stats ls;
	u64 rxp, txp;
	int err;

	spin_lock_bh(&ch->lock);
	rxp = nc2_net_get_stats(&ch->net)->rx_packets;
	txp = nc2_net_get_stats(&ch->net)->tx_packets;
	err = nc2_link_error(nc2_net_link(&ch->net));
	ls = *nc2_limiter_get_stats(&vif->lim);
	spin_unlock_bh(&ch->lock);
	/* Best effort: the counters are for people, not for the protocol. */
	xenbus_printf(XBT_NIL, dev->nodename, NC2_XS_STATS_TX_PACKETS,
		      "%llu", rxp);
	xenbus_printf(XBT_NIL, dev->nodename, NC2_XS_STATS_RX_PACKETS,
		      "%llu", txp);
	xenbus_printf(XBT_NIL, dev->nodename, NC2_XS_STATS_PROTOCOL_ERROR,
		      "%d", -(int)nc2_err_to_wire(err));
	xenbus_printf(XBT_NIL, dev->nodename, NC2_XS_STATS_QUEUE_DROPS,
		      "%llu", ls.queue_drops);
	xenbus_printf(XBT_NIL, dev->nodename, NC2_XS_STATS_STALLS, "%llu",
		      ls.stalls);
	xenbus_printf(XBT_NIL, dev->nodename, NC2_XS_STATS_BYPASSES, "%u",
		      ch->bypass_count);
}

/*
 * Exercise the frontend's protocol-error path for real: a producer index
 * that is not a multiple of 8 is always a protocol error. Our own ring
 * state is left alone; the guest must fail its link and close.
 */
static void nb2_inject_fault(struct nb2_vif *vif)
{
	struct nc2_wire_ctrl *b2f = vif->ctrl + NC2_CTRL_OFF_B2F;

	netdev_warn(vif->ch.dev, "fault injection: bad producer index\n");
	spin_lock_bh(&vif->ch.lock);
	WRITE_ONCE(b2f->prod, READ_ONCE(b2f->prod) + 4);
	spin_unlock_bh(&vif->ch.lock);
	notify_remote_via_irq(vif->ch.irq);
}

/*
 * XSA-392: a guest that stops consuming must not make us hold its data
 * forever. The limiter judges each window; a stalled guest loses its
 * carrier, so the stack drops for it instead of queueing.
 */
void nb2_tick(struct work_struct *w)
{
	struct nb2_vif *vif = container_of(w, struct nb2_vif, tick.work);
	struct nc2k_chan *ch = &vif->ch;
	bool stalled, up, reaped = false, failed = false;

	spin_lock_bh(&ch->lock);
	/*
	 * Progress is what the guest consumed of its receive ring, and
	 * bytes still in that ring are data held for it: a guest that
	 * FINISHes packets but never frees ring room is stalled too.
	 */
	if (ch->up) {
		struct nc2_link *l = nc2_net_link(&ch->net);
		u32 pending = nc2_link_tx_unconsumed(l);

		nc2_limiter_ring(&vif->lim, nc2_link_tx_consumed(l), pending);
		/* A bad consumer index failed the link: let the poll say so. */
		failed = nc2_link_error(l);
	}
	stalled = nc2_limiter_stalled(&vif->lim, ktime_get_ns());
	up = ch->up;
	ch->peer_stalled = stalled;
	/* Forwarded grants a guest kept busy past its FINISH, retried. */
	if (!list_empty(&vif->busy))
		reaped = nb2_fwd_reap(ch);
	spin_unlock_bh(&ch->lock);
	/* Ledger room came free (forwarding may go on), or the link failed. */
	if (reaped || failed)
		nc2k_chan_schedule(ch);
	if (stalled && !vif->stalled) {
		vif->stalled = true;
		netif_carrier_off(ch->dev);
		netdev_warn(ch->dev, "guest stopped consuming: carrier off\n");
	} else if (!stalled && vif->stalled) {
		vif->stalled = false;
		if (up)
			netif_carrier_on(ch->dev);
	}
	if (fault_inject_domid && fault_inject_domid == vif->domid &&
	    cmpxchg(&fault_inject_domid, vif->domid, 0) == vif->domid)
		nb2_inject_fault(vif);
	nb2_auto_tick(vif);
	/* Once a second: what its bypasses carried, by its own report. */
	if (!(vif->ticks % (HZ / NB2_TICK)))
		nb2_bypass_tick(vif);
	if (++vif->ticks % NB2_STATS_TICKS == 0)
		nb2_publish_stats(vif);
	schedule_delayed_work(&vif->tick, NB2_TICK);
}

void nb2_fail_work(struct work_struct *w)
{
	struct nb2_vif *vif = container_of(w, struct nb2_vif, fail_work);
	int err;

	/*
	 * The guest broke the protocol. The rings stay failed; closing
	 * through xenstore lets the frontend tear down and lets the
	 * toolstack see why (docs/protocol.md 5.1). Under the state lock,
	 * and only if the failed connection is still the current one: a
	 * guest that reconnected meanwhile keeps its new link.
	 */
	mutex_lock(&vif->state_lock);
	err = nc2_link_error(nc2_net_link(&vif->ch.net));
	if (vif->connected && err) {
		xenbus_dev_error(vif->xbdev, -EPROTO, "nc2 protocol error %u: %s",
				 nc2_err_to_wire(err), nc2_strerror(err));
		xenbus_switch_state(vif->xbdev, XenbusStateClosing);
	}
	mutex_unlock(&vif->state_lock);
}

static void nb2_link_failed(struct nc2k_chan *ch, int err)
{
	struct nb2_vif *vif = container_of(ch, struct nb2_vif, ch);

	schedule_work(&vif->fail_work);
}

const struct nc2k_ops nb2_chan_ops = {
	.bypass_msg = nb2_bypass_msg,
	.link_failed = nb2_link_failed,
	.fwd = &nb2_fwd_ops,
	.rx_observe = nb2_auto_observe,
};

static int nb2_open(struct net_device *dev)
{
	netif_start_queue(dev);
	return 0;
}

static int nb2_close(struct net_device *dev)
{
	netif_stop_queue(dev);
	return 0;
}

static netdev_tx_t nb2_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct nb2_vif *vif = netdev_priv(dev);

	return nc2k_chan_xmit(&vif->ch, skb);
}

const struct net_device_ops nb2_netdev_ops = {
	.ndo_open = nb2_open,
	.ndo_stop = nb2_close,
	.ndo_start_xmit = nb2_start_xmit,
	.ndo_fix_features = nc2k_fix_features,
	.ndo_features_check = nc2k_features_check,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};
