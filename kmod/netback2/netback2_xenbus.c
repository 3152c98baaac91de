// SPDX-License-Identifier: GPL-2.0-only
/*
 * netback2_xenbus.c - the xenbus side of a vif2: probe and remove, the
 * frontend's state machine, connecting to and disconnecting from its
 * rings, and the keys it reads and writes (docs/xenbus.md).
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

static unsigned int max_ring_page_order = NC2K_MAX_RING_ORDER;
module_param(max_ring_page_order, uint, 0444);
MODULE_PARM_DESC(max_ring_page_order,
		 "largest ring-page-order a frontend may use (0-4)");

static unsigned int bounce_pages = 256;
module_param(bounce_pages, uint, 0444);
MODULE_PARM_DESC(bounce_pages,
		 "pages per vif holding RX data for the guest (backend copy)");

static unsigned int copy_mbytes_per_sec = 4000;
module_param(copy_mbytes_per_sec, uint, 0644);
MODULE_PARM_DESC(copy_mbytes_per_sec,
		 "limiter: MB/s of guest TX data copied per vif");

static unsigned int queue_kbytes = 4096;
module_param(queue_kbytes, uint, 0644);
MODULE_PARM_DESC(queue_kbytes,
		 "limiter: KiB of RX data a guest may hold before drops");

/* As netback's rx_stall_timeout: long enough for a descheduled guest. */
static unsigned int stall_ms = 10000;
module_param(stall_ms, uint, 0644);
MODULE_PARM_DESC(stall_ms,
		 "limiter: window in which a guest must consume RX data");

static void nb2_disconnect(struct nb2_vif *vif)
{
	struct xenbus_device *dev = vif->xbdev;

	cancel_delayed_work_sync(&vif->tick);
	netif_carrier_off(vif->ch.dev);
	nb2_fwd_stop(vif);
	/* No more bypass messages from this guest once NAPI is off. */
	nc2k_chan_stop(&vif->ch);
	if (vif->connected) {
		mutex_lock(&nb2_lock);
		list_del(&vif->node);
		mutex_unlock(&nb2_lock);
		nb2_bypass_vif_gone(vif);
		vif->connected = false;
	}
	if (vif->ch.irq) {
		unbind_from_irqhandler(vif->ch.irq, &vif->ch);
		vif->ch.irq = 0;
	}
	nc2k_chan_detach(&vif->ch);
	nb2_fwd_release(vif);
	vif->ch.lim = NULL;
	if (vif->ctrl)
		xenbus_unmap_ring_vfree(dev, vif->ctrl);
	if (vif->tx_ring)
		xenbus_unmap_ring_vfree(dev, vif->tx_ring);
	if (vif->rx_ring)
		xenbus_unmap_ring_vfree(dev, vif->rx_ring);
	vif->ctrl = NULL;
	vif->tx_ring = NULL;
	vif->rx_ring = NULL;
	vif->stalled = false;
}

static int nb2_read_refs(struct xenbus_device *dev, const char *fmt,
			 grant_ref_t *refs, unsigned int n)
{
	char key[24];
	unsigned int i;
	int err;

	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), fmt, i);
		err = xenbus_scanf(XBT_NIL, dev->otherend, key, "%u", &refs[i]);
		if (err != 1)
			return err < 0 ? err : -EINVAL;
	}
	return 0;
}

static void nb2_limiter_config(struct nc2_limiter_config *cfg)
{
	nc2_limiter_config_default(cfg);
	cfg->copy_bytes_per_sec = (u64)max(copy_mbytes_per_sec, 1u) * 1000000;
	cfg->queue_bytes_max = max(queue_kbytes, 64u) * 1024;
	cfg->stall_window_ns = (u64)max(stall_ms, 10u) * NSEC_PER_MSEC;
}

static int nb2_connect(struct nb2_vif *vif)
{
	struct xenbus_device *dev = vif->xbdev;
	grant_ref_t tx_refs[NC2K_MAX_RING_PAGES], rx_refs[NC2K_MAX_RING_PAGES];
	struct nc2_limiter_config cfg;
	unsigned int order, pages, evtchn;
	grant_ref_t ctrl_ref;
	struct nc2k_rings r;
	bool copy_only;
	int err, irq;

	err = xenbus_scanf(XBT_NIL, dev->otherend, NC2_XS_RING_PAGE_ORDER, "%u",
			   &order);
	if (err != 1 || order > min(max_ring_page_order, NC2K_MAX_RING_ORDER)) {
		xenbus_dev_fatal(dev, -EINVAL, "bad ring-page-order");
		return -EINVAL;
	}
	pages = 1u << order;
	vif->ring_order = order;
	err = xenbus_scanf(XBT_NIL, dev->otherend, NC2_XS_CTRL_REF, "%u", &ctrl_ref);
	if (err == 1)
		err = xenbus_scanf(XBT_NIL, dev->otherend, NC2_XS_EVENT_CHANNEL,
				   "%u", &evtchn);
	if (err != 1) {
		xenbus_dev_fatal(dev, -EINVAL, "reading ctrl-ref/event-channel");
		return -EINVAL;
	}
	err = nb2_read_refs(dev, NC2_XS_TX_RING_REF, tx_refs, pages);
	if (!err)
		err = nb2_read_refs(dev, NC2_XS_RX_RING_REF, rx_refs, pages);
	if (err) {
		xenbus_dev_fatal(dev, err, "reading ring refs");
		return err;
	}
	copy_only = xenbus_read_unsigned(dev->otherend,
					 NC2_XS_FEATURE_COPY_ONLY, 0);

	err = xenbus_map_ring_valloc(dev, &ctrl_ref, 1, &vif->ctrl);
	if (!err)
		err = xenbus_map_ring_valloc(dev, tx_refs, pages,
					     &vif->tx_ring);
	if (!err)
		err = xenbus_map_ring_valloc(dev, rx_refs, pages,
					     &vif->rx_ring);
	if (err)
		goto fail;

	nb2_limiter_config(&cfg);
	err = nc2_limiter_init(&vif->lim, &cfg, ktime_get_ns());
	if (err) {
		err = -EINVAL;
		goto fail;
	}
	vif->ch.lim = &vif->lim;
	vif->ch.filter_src = vif->filter_mac ? vif->guest_mac : NULL;
	/* Our transmit ring is the frontend's receive ring, and back. */
	r.tx_ctrl = vif->ctrl + NC2_CTRL_OFF_B2F;
	r.tx_ring = vif->rx_ring;
	r.rx_ctrl = vif->ctrl + NC2_CTRL_OFF_F2B;
	r.rx_ring = vif->tx_ring;
	r.ring_bytes = pages * XEN_PAGE_SIZE;
	err = nc2k_chan_attach(&vif->ch, NC2_ROLE_BACKEND, dev->otherend_id,
			       &r, copy_only, bounce_pages);
	if (!err)
		err = nb2_fwd_start(vif);
	if (err)
		goto fail;
	irq = bind_interdomain_evtchn_to_irqhandler_lateeoi(dev, evtchn,
							    nc2k_chan_interrupt,
							    0, vif->ch.dev->name,
							    &vif->ch);
	if (irq < 0) {
		err = irq;
		goto fail;
	}
	vif->ch.irq = irq;
	nc2k_chan_kick(&vif->ch);
	nb2_auto_start(vif, HZ / NB2_TICK);
	mutex_lock(&nb2_lock);
	nb2_bypass_policy_read(vif);
	list_add(&vif->node, &nb2_vifs);
	mutex_unlock(&nb2_lock);
	vif->connected = true;
	schedule_delayed_work(&vif->tick, NB2_TICK);
	return 0;

fail:
	xenbus_dev_fatal(dev, err, "connecting vif2 (ring-page-order %u)",
			 order);
	nb2_disconnect(vif);
	return err;
}

/*
 * The frontend's state is a key the guest writes as it likes. We connect
 * only from InitWait, which we reach only fully disconnected (probe, or
 * a disconnect on Initialising); any other order is ignored, so no
 * sequence of writes can make us rebuild a live channel.
 */
static bool nb2_frontend_changed_locked(struct xenbus_device *dev,
					enum xenbus_state fe_state)
{
	struct nb2_vif *vif = dev_get_drvdata(&dev->dev);

	switch (fe_state) {
	case XenbusStateInitialising:
		/* A frontend starting over (resume, reload): so do we. */
		if (dev->state == XenbusStateClosed ||
		    dev->state == XenbusStateClosing ||
		    dev->state == XenbusStateConnected) {
			nb2_disconnect(vif);
			xenbus_switch_state(dev, XenbusStateInitWait);
		}
		break;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (dev->state != XenbusStateInitWait || vif->connected)
			break;
		if (!nb2_connect(vif))
			xenbus_switch_state(dev, XenbusStateConnected);
		break;
	case XenbusStateClosing:
		nb2_disconnect(vif);
		xenbus_switch_state(dev, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		nb2_disconnect(vif);
		xenbus_switch_state(dev, XenbusStateClosed);
		if (xenbus_dev_is_online(dev))
			break;
		fallthrough;	/* the toolstack is removing the device */
	case XenbusStateUnknown:
		nb2_disconnect(vif);
		xenbus_switch_state(dev, XenbusStateClosed);
		return true;	/* unregister, outside the state lock */
	default:
		break;
	}
	return false;
}

static void nb2_frontend_changed(struct xenbus_device *dev,
				 enum xenbus_state fe_state)
{
	struct nb2_vif *vif = dev_get_drvdata(&dev->dev);
	bool gone;

	mutex_lock(&vif->state_lock);
	gone = nb2_frontend_changed_locked(dev, fe_state);
	mutex_unlock(&vif->state_lock);
	/* nb2_remove() takes the state lock itself. */
	if (gone)
		device_unregister(&dev->dev);
}

static int nb2_write_features(struct xenbus_device *dev)
{
	int err;

	err = xenbus_printf(XBT_NIL, dev->nodename, NC2_XS_MAX_RING_PAGE_ORDER,
			    "%u", min(max_ring_page_order,
				      NC2K_MAX_RING_ORDER));
	/* We only ever copy from the frontend's grants, never map them. */
	if (!err)
		err = xenbus_printf(XBT_NIL, dev->nodename,
				    NC2_XS_FEATURE_COPY_ONLY, "1");
	if (!err)
		err = xenbus_printf(XBT_NIL, dev->nodename,
				    NC2_XS_FEATURE_SUBPAGE, "%u",
				    nc2k_caps.subpage);
	if (!err)
		err = xenbus_printf(XBT_NIL, dev->nodename,
				    NC2_XS_FEATURE_TRANSITIVE, "%u",
				    nc2k_caps.transitive);
	if (!err)
		err = xenbus_printf(XBT_NIL, dev->nodename, NC2_XS_FEATURE_BYPASS,
				    "1");
	if (!err)
		err = xenbus_printf(XBT_NIL, dev->nodename,
				    NC2_XS_PROTOCOL_VERSION, "%u",
				    NC2_PROTOCOL_VERSION);
	return err;
}

/*
 * The toolstack's "ip" key: the guest's IPv4 and IPv6 addresses, separated
 * by spaces (docs/xenbus.md 1). Up to NC2_BYPASS_MAX_ADDRS of each family
 * are kept for bypass selection; what is beyond, or unparsable, is said.
 */
static void nb2_read_addrs(struct nb2_vif *vif)
{
	struct nc2_bypass_addrs *a = &vif->addrs;
	char *s, *p, *tok;

	memset(a, 0, sizeof(*a));
	s = xenbus_read(XBT_NIL, vif->xbdev->nodename, NC2_XS_IP, NULL);
	if (IS_ERR(s))
		return;
	p = s;
	while ((tok = strsep(&p, " ")) != NULL) {
		u8 buf[16];

		if (!*tok)
			continue;
		if (in4_pton(tok, -1, buf, -1, NULL) &&
		    a->nr_ipv4 < NC2_BYPASS_MAX_ADDRS)
			memcpy(a->ipv4[a->nr_ipv4++], buf, 4);
		else if (in6_pton(tok, -1, buf, -1, NULL) &&
			 a->nr_ipv6 < NC2_BYPASS_MAX_ADDRS)
			memcpy(a->ipv6[a->nr_ipv6++], buf, 16);
		else
			dev_warn(&vif->xbdev->dev,
				 "ip: '%.40s' not kept for bypass selection\n",
				 tok);
	}
	kfree(s);
}

static void nb2_read_config(struct nb2_vif *vif)
{
	struct xenbus_device *dev = vif->xbdev;
	char *s;

	s = xenbus_read(XBT_NIL, dev->nodename, NC2_XS_MAC, NULL);
	if (!IS_ERR(s)) {
		if (!mac_pton(s, vif->guest_mac))
			eth_zero_addr(vif->guest_mac);
		kfree(s);
	}
	vif->local_trusted = xenbus_read_unsigned(dev->nodename,
						  NC2_XS_LOCAL_TRUSTED, 1);
	vif->remote_trusted = xenbus_read_unsigned(dev->nodename,
						   NC2_XS_REMOTE_TRUSTED, 0);
	vif->max_bypasses = xenbus_read_unsigned(dev->nodename,
						 NC2_XS_MAX_BYPASSES, 5);
	vif->filter_mac = xenbus_read_unsigned(dev->nodename, NC2_XS_FILTER_MAC, 1) &&
			  is_valid_ether_addr(vif->guest_mac);
	nb2_read_addrs(vif);
}

/*
 * The interface's name: the toolstack's "vifname" (so that an admin's
 * firewall rules, e.g. for "vif+", match nc2 interfaces), else
 * vif2.<domid>.<handle>.  The key lives in the backend directory, which
 * only the toolstack writes; a name the kernel would refuse falls back.
 */
static void nb2_ifname(struct xenbus_device *dev, unsigned int handle,
		       char name[IFNAMSIZ])
{
	char *v = xenbus_read(XBT_NIL, dev->nodename, NC2_XS_VIFNAME, NULL);

	if (!IS_ERR(v) && dev_valid_name(v) && !strchr(v, '%')) {
		strscpy(name, v, IFNAMSIZ);
	} else {
		if (!IS_ERR(v))
			dev_warn(&dev->dev, "ignoring vifname '%.*s'\n",
				 IFNAMSIZ, v);
		snprintf(name, IFNAMSIZ, "vif2.%u.%u", dev->otherend_id,
			 handle);
	}
	if (!IS_ERR(v))
		kfree(v);
}

static int nb2_probe(struct xenbus_device *dev,
		     const struct xenbus_device_id *id)
{
	struct net_device *ndev;
	struct nb2_vif *vif;
	char name[IFNAMSIZ];
	unsigned int handle;
	int err;

	err = xenbus_scanf(XBT_NIL, dev->nodename, NC2_XS_HANDLE, "%u", &handle);
	if (err != 1) {
		xenbus_dev_fatal(dev, -EINVAL, "reading handle");
		return -EINVAL;
	}
	nb2_ifname(dev, handle, name);
	ndev = alloc_netdev(sizeof(*vif), name, NET_NAME_PREDICTABLE,
			    ether_setup);
	if (!ndev)
		return -ENOMEM;
	vif = netdev_priv(ndev);
	vif->xbdev = dev;
	vif->domid = dev->otherend_id;
	vif->handle = handle;
	INIT_LIST_HEAD(&vif->node);
	INIT_DELAYED_WORK(&vif->tick, nb2_tick);
	INIT_WORK(&vif->fail_work, nb2_fail_work);
	mutex_init(&vif->state_lock);
	INIT_LIST_HEAD(&vif->busy);
	INIT_LIST_HEAD(&vif->busy_free);
	ratelimit_state_init(&vif->suggest_rs, 10 * HZ, 1);
	nc2k_chan_init(&vif->ch, ndev, &nb2_chan_ops, "parent");
	/* One bounce pool per vif, reused by every reconnect of its guest. */
	vif->ch.keep_bounce = true;
	nb2_read_config(vif);
	ndev->netdev_ops = &nb2_netdev_ops;
	nc2k_setup_netdev(ndev);
	/* As netback: a fixed local address the bridge never learns. */
	eth_hw_addr_set(ndev, nb2_dev_addr);
	SET_NETDEV_DEV(ndev, &dev->dev);
	netif_carrier_off(ndev);
	dev_set_drvdata(&dev->dev, vif);
	err = register_netdev(ndev);
	if (err)
		goto fail;
	err = nb2_write_features(dev);
	if (!err)
		err = xenbus_watch_pathfmt(dev, &vif->policy_watch, NULL,
					   nb2_bypass_policy_changed,
					   "%s/" NC2_XS_BYPASS_ALLOW, dev->nodename);
	if (err) {
		unregister_netdev(ndev);
		goto fail;
	}
	/* The toolstack waits for InitWait to run the hotplug script. */
	xenbus_switch_state(dev, XenbusStateInitWait);
	return 0;

fail:
	xenbus_dev_fatal(dev, err, "creating %s", name);
	dev_set_drvdata(&dev->dev, NULL);
	free_netdev(ndev);
	return err;
}

static void nb2_remove(struct xenbus_device *dev)
{
	struct nb2_vif *vif = dev_get_drvdata(&dev->dev);
	struct net_device *ndev = vif->ch.dev;

	/* Its callback only schedules work, which takes vifs off nb2_vifs. */
	unregister_xenbus_watch(&vif->policy_watch);
	kfree(vif->policy_watch.node);
	/*
	 * Quiesce first (NAPI, bypass work: whatever can report a protocol
	 * error), then wait out a failure report already queued, so no work
	 * item touches a dying vif.
	 */
	mutex_lock(&vif->state_lock);
	nb2_disconnect(vif);
	mutex_unlock(&vif->state_lock);
	cancel_work_sync(&vif->fail_work);
	nc2k_chan_destroy(&vif->ch);
	unregister_netdev(ndev);
	dev_set_drvdata(&dev->dev, NULL);
	free_netdev(ndev);
}

static const struct xenbus_device_id nb2_ids[] = {
	{ NC2_XS_DEVICE },
	{ "" }
};

struct xenbus_driver nb2_driver = {
	.ids = nb2_ids,
	.probe = nb2_probe,
	.remove = nb2_remove,
	.otherend_changed = nb2_frontend_changed,
};
