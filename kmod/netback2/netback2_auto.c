// SPDX-License-Identifier: GPL-2.0-only
/*
 * netback2_auto.c - automatic bypass: the backend notices a sustained
 * flow between two of its guests and asks for a bypass itself.
 *
 * The library's flow meter (nc2/flowmeter.h) counts each guest's frames
 * by destination as they arrive (NAPI, channel lock held); the vif's tick
 * ends a meter period. A destination that stayed busy is looked up among
 * our guests (by MAC on a bridge; by address among routed vifs, whose
 * frames all go to our own MAC) and handed to nb2_bypass_auto(), which
 * applies the toolstack's policy (bypass-allow, max-bypasses) and writes
 * the request like nc2ctl would, marked origin = auto. A frontend's
 * SUGGEST_BYPASS is not asked: what we measure ourselves decides.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>

#include "nc2k.h"
#include "netback2.h"

static bool auto_bypass = true;
module_param(auto_bypass, bool, 0644);
MODULE_PARM_DESC(auto_bypass,
		 "set up a bypass by itself between two guests with a sustained flow through us, where bypass-allow lets them");

static unsigned int auto_bypass_pps = 1000;
module_param(auto_bypass_pps, uint, 0644);
MODULE_PARM_DESC(auto_bypass_pps,
		 "packets per second from one guest to another that count as a sustained flow");

static unsigned int auto_bypass_secs = 1;
module_param(auto_bypass_secs, uint, 0644);
MODULE_PARM_DESC(auto_bypass_secs,
		 "seconds a flow must stay at auto_bypass_pps before a bypass is asked for");

void nb2_auto_start(struct nb2_vif *vif, unsigned int ticks_per_sec)
{
	struct nc2_flowmeter_config c = {
		.min_pps = READ_ONCE(auto_bypass_pps),
		.ticks_per_sec = ticks_per_sec,
		.hot_ticks = max(1u, READ_ONCE(auto_bypass_secs)) *
			     ticks_per_sec,
	};

	int err;

	/* NAPI may count already. A bad setting leaves the meter off. */
	spin_lock_bh(&vif->ch.lock);
	err = nc2_flowmeter_init(&vif->meter, &c);
	spin_unlock_bh(&vif->ch.lock);
	if (err)
		netdev_warn(vif->ch.dev, "auto_bypass_pps/secs unusable: no automatic bypass\n");
}

/* Every frame the guest sends, before forwarding or copying. */
void nb2_auto_observe(struct nc2k_chan *ch, const struct nc2_pkt *pkt)
{
	struct nb2_vif *vif = container_of(ch, struct nb2_vif, ch);

	if (READ_ONCE(auto_bypass))
		nc2_flowmeter_frame(&vif->meter, pkt->prefix,
				    pkt->prefix_size, pkt->total_len,
				    ch->dev->dev_addr);
}

/* The guest a hot destination belongs to, under nb2_lock; NULL if none. */
static struct nb2_vif *nb2_auto_peer(const struct nc2_flow_key *k)
{
	struct nb2_vif *v;
	unsigned int i;

	list_for_each_entry(v, &nb2_vifs, node) {
		const struct nc2_bypass_addrs *a = &v->addrs;

		if (k->kind == NC2_FLOW_MAC &&
		    ether_addr_equal(k->addr, v->guest_mac))
			return v;
		for (i = 0; k->kind == NC2_FLOW_IPV4 && i < a->nr_ipv4; i++)
			if (!memcmp(k->addr, a->ipv4[i], 4))
				return v;
		for (i = 0; k->kind == NC2_FLOW_IPV6 && i < a->nr_ipv6; i++)
			if (!memcmp(k->addr, a->ipv6[i], 16))
				return v;
	}
	return NULL;
}

/* From the vif's tick: end the meter period, act on what turned hot. */
void nb2_auto_tick(struct nb2_vif *vif)
{
	struct nc2_flow_key hot[NC2_FLOWMETER_SLOTS];
	unsigned int n, i;

	spin_lock_bh(&vif->ch.lock);
	n = nc2_flowmeter_tick(&vif->meter, hot, ARRAY_SIZE(hot));
	spin_unlock_bh(&vif->ch.lock);
	if (!n || !READ_ONCE(auto_bypass))
		return;
	for (i = 0; i < n; i++) {
		struct nb2_vif *peer;

		/*
		 * Looked up and used under nb2_lock: a vif leaves nb2_vifs
		 * under it before it goes away.
		 */
		mutex_lock(&nb2_lock);
		peer = nb2_auto_peer(&hot[i]);
		if (peer && peer != vif)
			nb2_bypass_auto_locked(vif, peer);
		mutex_unlock(&nb2_lock);
	}
}
