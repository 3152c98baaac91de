// SPDX-License-Identifier: GPL-2.0-only
/*
 * netfront2 - netchannel2 (device type "vif2") network frontend.
 *
 * The frontend owns the shared memory: one control page and two rings of
 * 2^ring-page-order pages, granted to the backend, plus one event channel.
 * docs/xenbus.md lists the keys and the state machine; libnc2ring speaks
 * the protocol over the rings, kmod/common turns skbs into packets.
 */
#include <linux/module.h>
#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/workqueue.h>
#include <xen/xen.h>
#include <xen/xenbus.h>
#include <xen/events.h>
#include <xen/grant_table.h>

#include "nc2k.h"
#include <nc2/xenbus.h>

#include "netfront2.h"

static unsigned int ring_page_order = 3;
module_param(ring_page_order, uint, 0444);
MODULE_PARM_DESC(ring_page_order,
		 "log2 of the pages in each ring (0-4, capped by the backend)");

static unsigned int bounce_pages = 256;
module_param(bounce_pages, uint, 0444);
MODULE_PARM_DESC(bounce_pages,
		 "pages per ring granted for TX data when sub-page grants are unavailable");

static bool copy_only_grants = true;
module_param(copy_only_grants, bool, 0444);
MODULE_PARM_DESC(copy_only_grants,
		 "accept copy-only (sub-page/transitive) grants from the backend");

static void nf2_fail_work(struct work_struct *w)
{
	struct nf2_info *info = container_of(w, struct nf2_info, fail_work);
	int err = nc2_link_error(nc2_net_link(&info->ch.net));

	/* The backend broke the protocol: close; it can only be re-attached. */
	xenbus_dev_error(info->xbdev, -EPROTO, "nc2 protocol error %u: %s",
			 nc2_err_to_wire(err), nc2_strerror(err));
	xenbus_switch_state(info->xbdev, XenbusStateClosing);
}

static void nf2_link_failed(struct nc2k_chan *ch, int err)
{
	struct nf2_info *info = container_of(ch, struct nf2_info, ch);

	schedule_work(&info->fail_work);
}

static const struct nc2k_ops nf2_chan_ops = {
	.bypass_msg = nf2_bypass_msg,
	.link_failed = nf2_link_failed,
	.bypass_stats = nf2_bypass_stats,
	.rx_observe = nf2_hostile_observe,
};

static void nf2_disconnect(struct nf2_info *info)
{
	unsigned int pages = 1u << info->ring_order;

	netif_carrier_off(info->ch.dev);
	nf2_bypass_teardown_all(info);
	nc2k_chan_stop(&info->ch);
	if (info->ch.irq) {
		unbind_from_irqhandler(info->ch.irq, &info->ch);
		info->ch.irq = 0;
	}
	nc2k_chan_detach(&info->ch);
	if (info->ctrl)
		xenbus_teardown_ring(&info->ctrl, 1, &info->ctrl_ref);
	if (info->tx_ring)
		xenbus_teardown_ring(&info->tx_ring, pages, info->tx_refs);
	if (info->rx_ring)
		xenbus_teardown_ring(&info->rx_ring, pages, info->rx_refs);
}

static int nf2_write_keys(struct nf2_info *info, evtchn_port_t port)
{
	struct xenbus_device *dev = info->xbdev;
	unsigned int i, pages = 1u << info->ring_order;
	struct xenbus_transaction xbt;
	char key[24];
	int err;

again:
	err = xenbus_transaction_start(&xbt);
	if (err)
		return err;
	err = xenbus_printf(xbt, dev->nodename, NC2_XS_RING_PAGE_ORDER, "%u",
			    info->ring_order);
	if (!err)
		err = xenbus_printf(xbt, dev->nodename, NC2_XS_CTRL_REF, "%u",
				    info->ctrl_ref);
	for (i = 0; !err && i < pages; i++) {
		snprintf(key, sizeof(key), NC2_XS_TX_RING_REF, i);
		err = xenbus_printf(xbt, dev->nodename, key, "%u",
				    info->tx_refs[i]);
		snprintf(key, sizeof(key), NC2_XS_RX_RING_REF, i);
		if (!err)
			err = xenbus_printf(xbt, dev->nodename, key, "%u",
					    info->rx_refs[i]);
	}
	if (!err)
		err = xenbus_printf(xbt, dev->nodename, NC2_XS_EVENT_CHANNEL, "%u",
				    port);
	if (!err)
		err = xenbus_printf(xbt, dev->nodename, NC2_XS_PROTOCOL_VERSION,
				    "%u", NC2_PROTOCOL_VERSION);
	if (!err)
		err = xenbus_printf(xbt, dev->nodename,
				    NC2_XS_FEATURE_COPY_ONLY, "%u",
				    copy_only_grants);
	if (!err)
		err = xenbus_printf(xbt, dev->nodename,
				    NC2_XS_FEATURE_SUBPAGE, "%u",
				    nc2k_caps.subpage);
	if (!err)
		err = xenbus_printf(xbt, dev->nodename, NC2_XS_FEATURE_BYPASS, "1");
	if (!err)
		err = xenbus_printf(xbt, dev->nodename,
				    NC2_XS_FEATURE_BYPASS_ADDRS, "1");
	if (err) {
		xenbus_transaction_end(xbt, 1);
		return err;
	}
	err = xenbus_transaction_end(xbt, 0);
	if (err == -EAGAIN)
		goto again;
	return err;
}

static int nf2_connect(struct nf2_info *info)
{
	struct xenbus_device *dev = info->xbdev;
	struct net_device *ndev = info->ch.dev;
	unsigned int pages, max_order;
	struct nc2k_rings r;
	evtchn_port_t port;
	bool peer_copy_only;
	int err, irq;

	max_order = xenbus_read_unsigned(dev->otherend, NC2_XS_MAX_RING_PAGE_ORDER,
					 0);
	info->ring_order = min3(ring_page_order, max_order,
				NC2K_MAX_RING_ORDER);
	pages = 1u << info->ring_order;
	peer_copy_only = xenbus_read_unsigned(dev->otherend,
					      NC2_XS_FEATURE_COPY_ONLY, 0);

	err = xenbus_setup_ring(dev, GFP_KERNEL, &info->ctrl, 1,
				&info->ctrl_ref);
	if (!err)
		err = xenbus_setup_ring(dev, GFP_KERNEL, &info->tx_ring, pages,
					info->tx_refs);
	if (!err)
		err = xenbus_setup_ring(dev, GFP_KERNEL, &info->rx_ring, pages,
					info->rx_refs);
	if (err)
		goto fail;
	nc2_ctrl_reset(info->ctrl + NC2_CTRL_OFF_F2B);
	nc2_ctrl_reset(info->ctrl + NC2_CTRL_OFF_B2F);

	r.tx_ctrl = info->ctrl + NC2_CTRL_OFF_F2B;
	r.tx_ring = info->tx_ring;
	r.rx_ctrl = info->ctrl + NC2_CTRL_OFF_B2F;
	r.rx_ring = info->rx_ring;
	r.ring_bytes = pages * XEN_PAGE_SIZE;
	err = nc2k_chan_attach(&info->ch, NC2_ROLE_FRONTEND, dev->otherend_id,
			       &r, peer_copy_only, bounce_pages);
	if (err)
		goto fail;

	err = xenbus_alloc_evtchn(dev, &port);
	if (err)
		goto fail;
	irq = bind_evtchn_to_irqhandler_lateeoi(port, nc2k_chan_interrupt, 0,
						ndev->name, &info->ch);
	if (irq < 0) {
		xenbus_free_evtchn(dev, port);
		err = irq;
		goto fail;
	}
	info->ch.irq = irq;
	err = nf2_write_keys(info, port);
	if (err)
		goto fail;
	nc2k_chan_kick(&info->ch);
	return 0;

fail:
	xenbus_dev_fatal(dev, err, "connecting vif2");
	nf2_disconnect(info);
	return err;
}

static void nf2_backend_changed(struct xenbus_device *dev,
				enum xenbus_state backend_state)
{
	struct nf2_info *info = dev_get_drvdata(&dev->dev);

	switch (backend_state) {
	case XenbusStateInitWait:
		if (dev->state != XenbusStateInitialising)
			break;
		if (!nf2_connect(info))
			xenbus_switch_state(dev, XenbusStateInitialised);
		break;
	case XenbusStateConnected:
		if (dev->state == XenbusStateInitialised)
			xenbus_switch_state(dev, XenbusStateConnected);
		break;
	case XenbusStateClosed:
		if (dev->state == XenbusStateClosed)
			break;
		fallthrough;	/* missed the backend's Closing */
	case XenbusStateClosing:
		nf2_disconnect(info);
		xenbus_frontend_closed(dev);
		break;
	default:
		break;
	}
}

int nf2_hostile_reconnect(struct nf2_info *info)
{
	struct xenbus_device *dev = info->xbdev;
	unsigned int i;

	if (dev->state != XenbusStateConnected)
		return -ENOTCONN;
	/* As after resume: drop everything, start over from Initialising. */
	nf2_disconnect(info);
	xenbus_switch_state(dev, XenbusStateInitialising);
	for (i = 0; i < 100 && dev->state != XenbusStateConnected; i++)
		msleep(50);
	return dev->state == XenbusStateConnected ? 0 : -ETIMEDOUT;
}

static int nf2_open(struct net_device *dev)
{
	netif_start_queue(dev);
	return 0;
}

static int nf2_close(struct net_device *dev)
{
	netif_stop_queue(dev);
	return 0;
}

static atomic_t fault_inject_bad_grefs = ATOMIC_INIT(0);

static int nf2_fault_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int err = kstrtouint(val, 0, &n);

	if (!err)
		atomic_set(&fault_inject_bad_grefs, min(n, 1000u));
	return err;
}

static int nf2_fault_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&fault_inject_bad_grefs));
}

static const struct kernel_param_ops nf2_fault_ops = {
	.set = nf2_fault_set,
	.get = nf2_fault_get,
};
module_param_cb(fault_inject_bad_grefs, &nf2_fault_ops, NULL, 0600);
MODULE_PARM_DESC(fault_inject_bad_grefs,
		 "test hook: send the next N packets that have fragments with a grant reference we never granted, as a hostile guest would; the receiver's copy must fail and drop just those (0: off)");

static netdev_tx_t nf2_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct nf2_info *info = netdev_priv(dev);
	struct nc2k_chan *ch = nf2_bypass_route(info, skb);

	if (unlikely(atomic_read(&fault_inject_bad_grefs)) && ch &&
	    skb->len > NC2_DEFAULT_MAX_INLINE &&
	    atomic_dec_if_positive(&fault_inject_bad_grefs) >= 0)
		WRITE_ONCE(ch->fault_bad_gref, true);

	/* NULL: held for a draining bypass (or dropped), not ours any more. */
	return ch ? nc2k_chan_xmit(ch, skb) : NETDEV_TX_OK;
}

static const struct net_device_ops nf2_netdev_ops = {
	.ndo_open = nf2_open,
	.ndo_stop = nf2_close,
	.ndo_start_xmit = nf2_start_xmit,
	.ndo_fix_features = nc2k_fix_features,
	.ndo_features_check = nc2k_features_check,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};

static int nf2_read_mac(struct xenbus_device *dev, u8 *mac)
{
	char *s;
	int err = 0;

	s = xenbus_read(XBT_NIL, dev->nodename, NC2_XS_MAC, NULL);
	if (IS_ERR(s))
		return PTR_ERR(s);
	if (!mac_pton(s, mac) || !is_valid_ether_addr(mac))
		err = -EINVAL;
	kfree(s);
	return err;
}

static int nf2_probe(struct xenbus_device *dev,
		     const struct xenbus_device_id *id)
{
	struct net_device *ndev;
	struct nf2_info *info;
	u8 mac[ETH_ALEN];
	int err;

	err = nf2_read_mac(dev, mac);
	if (err) {
		xenbus_dev_fatal(dev, err, "reading mac");
		return err;
	}
	ndev = alloc_etherdev(sizeof(*info));
	if (!ndev)
		return -ENOMEM;
	info = netdev_priv(ndev);
	info->xbdev = dev;
	INIT_WORK(&info->fail_work, nf2_fail_work);
	nc2k_chan_init(&info->ch, ndev, &nf2_chan_ops, "parent");
	nf2_bypass_init(info);
	ndev->netdev_ops = &nf2_netdev_ops;
	nc2k_setup_netdev(ndev);
	eth_hw_addr_set(ndev, mac);
	SET_NETDEV_DEV(ndev, &dev->dev);
	netif_carrier_off(ndev);
	dev_set_drvdata(&dev->dev, info);
	err = register_netdev(ndev);
	if (err) {
		dev_set_drvdata(&dev->dev, NULL);
		free_netdev(ndev);
		return err;
	}
	nf2_hostile_add(info);
	return 0;
}

static void nf2_remove(struct xenbus_device *dev)
{
	struct nf2_info *info = dev_get_drvdata(&dev->dev);
	struct net_device *ndev = info->ch.dev;

	nf2_hostile_del(info);
	/*
	 * Quiesce first (NAPI and bypass work can report a failure), then
	 * wait out a failure report already queued.
	 */
	nf2_disconnect(info);
	cancel_work_sync(&info->fail_work);
	nf2_bypass_destroy(info);
	unregister_netdev(ndev);
	dev_set_drvdata(&dev->dev, NULL);
	free_netdev(ndev);
}

/*
 * Before the domain is saved or migrated no bypass may stay: as end B we
 * map the peer's pages, foreign frames a saved image cannot hold; as end
 * A the peer maps ours. The backend tears its side down once we are gone
 * and resume starts from scratch (nf2_resume); the backend may then set
 * a new bypass up. (A cancelled checkpoint resumes without them, their
 * handles kept as failed: the backend's DISABLE and DETACH are answered.)
 */
static int nf2_suspend(struct xenbus_device *dev)
{
	struct nf2_info *info = dev_get_drvdata(&dev->dev);

	nf2_bypass_suspend(info);
	return 0;
}

/*
 * After suspend the backend is new (or has forgotten us): drop every
 * grant and ring, and let the state machine connect afresh from
 * Initialising when the backend reaches InitWait.
 */
static int nf2_resume(struct xenbus_device *dev)
{
	struct nf2_info *info = dev_get_drvdata(&dev->dev);

	nf2_disconnect(info);
	return 0;
}

static const struct xenbus_device_id nf2_ids[] = {
	{ NC2_XS_DEVICE },
	{ "" }
};

static struct xenbus_driver nf2_driver = {
	.ids = nf2_ids,
	.probe = nf2_probe,
	.remove = nf2_remove,
	.suspend = nf2_suspend,
	.resume = nf2_resume,
	.otherend_changed = nf2_backend_changed,
};

static int __init nf2_init(void)
{
	if (!xen_domain())
		return -ENODEV;
	nc2k_grant_probe();
	pr_info("netfront2 %s: TX data via %s\n", NC2K_VERSION,
		nc2k_caps.subpage ? "sub-page grants" : "bounce pages");
	nf2_hostile_init();
	return xenbus_register_frontend(&nf2_driver);
}
module_init(nf2_init);

static void __exit nf2_exit(void)
{
	xenbus_unregister_driver(&nf2_driver);
	nf2_hostile_exit();
	nc2k_grant_exit();
}
module_exit(nf2_exit);

MODULE_DESCRIPTION("Xen netchannel2 (vif2) network frontend");
MODULE_LICENSE("GPL");
MODULE_VERSION(NC2K_VERSION);
MODULE_ALIAS("xen:" NC2_XS_DEVICE);
