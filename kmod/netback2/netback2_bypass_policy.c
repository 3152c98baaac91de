// SPDX-License-Identifier: GPL-2.0-only
/*
 * netback2_bypass_policy.c - around the bypass sequence: what each
 * bypass carried (bypass-traffic, idle automatic bypasses ended), the
 * automatic requests, and the bypass-allow policy that may end them.
 */
#include <linux/jiffies.h>
#include <xen/xenbus.h>

#include <nc2/steer.h>
#include <nc2/traffic.h>
#include <nc2/xenbus.h>

#include "netback2.h"
#include "netback2_bp.h"

static unsigned int auto_bypass_idle_secs = 30;
module_param(auto_bypass_idle_secs, uint, 0644);
MODULE_PARM_DESC(auto_bypass_idle_secs,
		 "take an automatic bypass down once an end has reported no traffic on it for this long (0: never)");

/* Say in the bypass's directory when it last carried traffic. nb2_lock. */
static void nb2_show_traffic(struct nc2_steer *s, u64 now)
{
	struct nb2_bp *p = nb2_priv(s);
	u64 last = nc2_steer_last_traffic(s), age;

	if (!last || last == p->traffic_shown)
		return;
	p->traffic_shown = last;
	/* Wall-clock seconds: nc2ctl may run in another domain than us. */
	age = now > last ? now - last : 0;
	xenbus_printf(XBT_NIL, p->dir, NC2_XS_BP_LAST_TRAFFIC, "%llu",
		      (unsigned long long)(ktime_get_real_seconds() - age / 1000));
}

/*
 * From the vif's tick, once a second while it is in a bypass: read what
 * its frontend reports its bypasses carried (hostile input: the library
 * parses it, and a report can only make this guest's own bypasses look
 * busy or idle), note it, and take down an automatic bypass that an end
 * says has been idle for auto_bypass_idle_secs. It forms again if the
 * flow comes back through us.
 */
void nb2_bypass_tick(struct nb2_vif *vif)
{
	struct nc2_traffic tr[NC2_TRAFFIC_MAX];
	unsigned int len, i, idle = READ_ONCE(auto_bypass_idle_secs);
	char *text;
	int n;
	u64 now;

	if (!READ_ONCE(vif->ch.bypass_count))
		return;
	text = xenbus_read(XBT_NIL, vif->xbdev->otherend, NC2_XS_BYPASS_TRAFFIC,
			   &len);
	if (IS_ERR(text))
		return;
	n = nc2_traffic_parse(text, len, tr);
	kfree(text);
	if (n < 0) {
		netdev_warn_once(vif->ch.dev, "bypass-traffic from the guest is malformed: ignored\n");
		return;
	}
	now = nb2_now();
	mutex_lock(&nb2_lock);
	for (i = 0; vif->bp_key && i < n; i++)
		nc2_steer_traffic(&nb2_steer, vif->bp_key, tr[i].handle,
				  tr[i].packets, now);
	for (i = 0; i < NB2_BP_SLOTS; i++) {
		struct nc2_steer *s = &nb2_slot[i];
		struct nb2_bp *p = &nb2_bp[i];

		if (p->end[0] != vif && p->end[1] != vif)
			continue;
		nb2_show_traffic(s, now);
		if (!p->auto_origin || !idle ||
		    !nc2_steer_idle(s, now, idle * 1000))
			continue;
		pr_info("netback2: bypass %u-%u: idle for %u s, taking it down\n",
			p->a, p->b, idle);
		nb2_disable(s);
	}
	mutex_unlock(&nb2_lock);
}

/*
 * netback2_auto.c saw a sustained flow from guest "from" to guest "to":
 * ask for a bypass between them as the toolstack would (a request in our
 * own nc2/bypass, origin = auto), if the policy allows the pair, both
 * have room under max-bypasses, and no request for the pair exists (a
 * manual one, or an admin's disable, takes precedence). From there on it
 * is handled like any other request.
 */
void nb2_bypass_auto_locked(struct nb2_vif *from, struct nb2_vif *to)
{
	struct nb2_vif *va = from->domid < to->domid ? from : to;
	struct nb2_vif *vb = va == from ? to : from;
	char dir[48];
	int err;

	lockdep_assert_held(&nb2_lock);
	if (!from->connected || !to->connected || from == to ||
	    from->domid == to->domid || nb2_find_pair(va->domid, vb->domid))
		return;
	nb2_bypass_policy_read(va);
	nb2_bypass_policy_read(vb);
	if (!nc2_policy_pair_allowed(&va->bp_policy, va->domid,
				     &vb->bp_policy, vb->domid) ||
	    nb2_count(va) >= min(va->max_bypasses, NC2_BYPASS_MAX_PER_END) ||
	    nb2_count(vb) >= min(vb->max_bypasses, NC2_BYPASS_MAX_PER_END))
		return;
	snprintf(dir, sizeof(dir), NB2_BYPASS_DIR "/%u-%u", va->domid,
		 vb->domid);
	if (xenbus_exists(XBT_NIL, dir, ""))
		return;
	/* The request key last: the scan acts on a complete directory. */
	err = xenbus_printf(XBT_NIL, dir, NC2_XS_BP_DOMID_A, "%u", va->domid);
	err = err ?: xenbus_printf(XBT_NIL, dir, NC2_XS_BP_DOMID_B, "%u", vb->domid);
	err = err ?: xenbus_printf(XBT_NIL, dir, NC2_XS_BP_HANDLE_A, "%u", va->handle);
	err = err ?: xenbus_printf(XBT_NIL, dir, NC2_XS_BP_HANDLE_B, "%u", vb->handle);
	err = err ?: xenbus_printf(XBT_NIL, dir, NC2_XS_BP_ORIGIN, "auto");
	err = err ?: xenbus_printf(XBT_NIL, dir, NC2_XS_BP_REQUEST, "enable");
	if (err)
		pr_warn_ratelimited("netback2: cannot write %s (%d): no automatic bypass\n",
				    dir, err);
	else
		pr_info("netback2: bypass %u-%u: sustained flow, asking for one\n",
			va->domid, vb->domid);
}

/*
 * Read vif's bypass-allow into vif->bp_policy: absent, unreadable or
 * malformed means no bypass (docs/xenbus.md 5). nb2_lock held, or vif
 * not yet on nb2_vifs.
 */
void nb2_bypass_policy_read(struct nb2_vif *vif)
{
	unsigned int len;
	char *s;

	s = xenbus_read(XBT_NIL, vif->xbdev->nodename, NC2_XS_BYPASS_ALLOW, &len);
	if (IS_ERR(s)) {
		nc2_policy_none(&vif->bp_policy);
		return;
	}
	if (nc2_policy_parse(&vif->bp_policy, s, len))
		dev_warn(&vif->xbdev->dev,
			 "bypass-allow '%.40s' is malformed: no bypass\n", s);
	kfree(s);
}

/*
 * Re-read every connected vif's policy and tear down each bypass whose
 * pair is no longer allowed both ways, saying why in its directory.
 */
void nb2_policy_fn(struct work_struct *w)
{
	struct nb2_vif *vif;
	unsigned int i;

	mutex_lock(&nb2_lock);
	list_for_each_entry(vif, &nb2_vifs, node)
		nb2_bypass_policy_read(vif);
	for (i = 0; i < NB2_BP_SLOTS; i++) {
		struct nc2_steer *s = &nb2_slot[i];
		struct nb2_bp *p = &nb2_bp[i];

		if (!nc2_steer_live(s) || s->state >= NC2_STEER_DISABLING ||
		    !p->end[0] || !p->end[1] ||
		    nc2_policy_pair_allowed(&p->end[0]->bp_policy, p->a,
					    &p->end[1]->bp_policy, p->b))
			continue;
		pr_info("netback2: bypass %u-%u: bypass-allow withdrawn, tearing it down\n",
			p->a, p->b);
		xenbus_printf(XBT_NIL, p->dir, NC2_XS_BP_ERROR,
			      "bypass-allow withdrawn");
		nb2_disable(s);
	}
	mutex_unlock(&nb2_lock);
}
