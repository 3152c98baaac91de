// SPDX-License-Identifier: GPL-2.0-only
/*
 * netback2 - netchannel2 (device type "vif2") network backend.
 *
 * One net_device vif2.<domid>.<handle> per frontend, to be put on a bridge
 * by the hotplug script. The frontend owns the rings; we map them, copy
 * its packets in with GNTTABOP_copy and hand it ours through grants of
 * pages that hold nothing but packet data. The asymmetry limiter bounds
 * what a frontend can make us do: copy bytes, FINISH responses, events,
 * and data held for it (docs/protocol.md section 11).
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

/*
 * What netback2 holds of Linux's grant refs and pages, for people and
 * for the lab's leak checks: refs reserved or granted (including ones a
 * guest keeps busy, waiting to be ended), pages allocated for guests.
 */
static int nb2_acct_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(kp->arg));
}

static const struct kernel_param_ops nb2_acct_ops = {
	.get = nb2_acct_get,
};
module_param_cb(grefs_out, &nb2_acct_ops, &nc2k_acct.grefs, 0444);
MODULE_PARM_DESC(grefs_out, "grant refs held now (read-only)");
module_param_cb(pages_out, &nb2_acct_ops, &nc2k_acct.pages, 0444);
MODULE_PARM_DESC(pages_out, "pages held for guests now (read-only)");
module_param_cb(grefs_retired, &nb2_acct_ops, &nc2k_acct.retired, 0444);
MODULE_PARM_DESC(grefs_retired,
		 "of grefs_out, grants a guest keeps busy, retried (read-only)");

LIST_HEAD(nb2_vifs);
/* Guards nb2_vifs and the bypass table; taken only in process context. */
DEFINE_MUTEX(nb2_lock);

static int __init nb2_init(void)
{
	int err;

	if (!xen_domain())
		return -ENODEV;
	nc2k_grant_probe();
	pr_info("netback2 %s: guest RX data via %s; guest to guest: %s\n",
		NC2K_VERSION,
		nc2k_caps.subpage ? "sub-page grants" : "bounce pages",
		nc2k_caps.transitive ? "receiver copy (transitive grants)" :
		"backend copy");
	err = xenbus_register_backend(&nb2_driver);
	if (err)
		return err;
	err = nb2_bypass_start();
	if (err)
		xenbus_unregister_driver(&nb2_driver);
	return err;
}
module_init(nb2_init);

static void __exit nb2_exit(void)
{
	/* Devices first: their NAPI can still queue bypass work. */
	xenbus_unregister_driver(&nb2_driver);
	nb2_bypass_stop();
	nb2_fwd_exit();
	nc2k_grant_exit();
}
module_exit(nb2_exit);

MODULE_DESCRIPTION("Xen netchannel2 (vif2) network backend");
MODULE_LICENSE("GPL");
MODULE_VERSION(NC2K_VERSION);
MODULE_ALIAS("xen-backend:" NC2_XS_DEVICE);
