// SPDX-License-Identifier: GPL-2.0-only
/*
 * nc2k_netdev.c - net_device features and ethtool glue shared by
 * netfront2 and netback2. Offloads follow what the peer declared in
 * band (SET_OFFLOAD, SET_MAX_FRAGMENTS), so a feature is only switched
 * on once the peer said it accepts it.
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>

#include "nc2k.h"

/* Wire fragments a 64 KiB GSO packet needs when densely packed. */
#define NC2K_GSO_FRAGS (NC2_MAX_PACKET_BYTES / PAGE_SIZE)

static netdev_features_t peer_features(const struct nc2k_chan *ch,
				       netdev_features_t f)
{
	const struct nc2_net_limits *peer = nc2_net_peer_limits(&ch->net);
	u32 off = READ_ONCE(peer->offloads);
	u32 frags = READ_ONCE(peer->max_frags);

	if (!READ_ONCE(ch->up))
		off = 0;
	if (!(off & NC2_OFFLOAD_CSUM))
		f &= ~(NETIF_F_CSUM_MASK | NETIF_F_GSO_MASK);
	if (!(off & NC2_OFFLOAD_TSO4))
		f &= ~NETIF_F_TSO;
	if (!(off & NC2_OFFLOAD_TSO6))
		f &= ~NETIF_F_TSO6;
	if (frags < NC2K_GSO_FRAGS)
		f &= ~NETIF_F_GSO_MASK;
	return f;
}

netdev_features_t nc2k_fix_features(struct net_device *dev,
				    netdev_features_t features)
{
	return peer_features(netdev_priv(dev), features);
}

netdev_features_t nc2k_features_check(struct sk_buff *skb,
				      struct net_device *dev,
				      netdev_features_t features)
{
	/* Covers the window before nc2k_fix_features() is re-run. */
	return peer_features(netdev_priv(dev), features);
}

void nc2k_setup_netdev(struct net_device *dev)
{
	dev->hw_features = NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM |
			   NETIF_F_TSO | NETIF_F_TSO6 | NETIF_F_RXCSUM;
	dev->features = dev->hw_features | NETIF_F_GRO;
	dev->ethtool_ops = &nc2k_ethtool_ops;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = NC2_MAX_PACKET_BYTES - VLAN_ETH_HLEN;
	netif_set_tso_max_size(dev, NC2_MAX_PACKET_BYTES);
	netif_set_tso_max_segs(dev, NC2_MAX_PACKET_BYTES / ETH_MIN_MTU);
}

struct nc2k_stat {
	char name[ETH_GSTRING_LEN];
	size_t off;
};

/* The library's counters, copied out through its getters. */
struct nc2k_libstats {
	struct nc2_ring_stats tx, rx;
	struct nc2_link_stats link;
	struct nc2_net_stats net;
};

#define LS(n, f) { n, offsetof(struct nc2k_libstats, f) }

static const struct nc2k_stat lib_stats[] = {
	LS("ring_tx_msgs", tx.msgs),
	LS("ring_tx_bytes", tx.bytes),
	LS("ring_tx_pads", tx.pads),
	LS("ring_tx_notifies", tx.notifies),
	LS("ring_tx_full", tx.full),
	LS("ring_rx_msgs", rx.msgs),
	LS("ring_rx_bytes", rx.bytes),
	LS("ring_rx_pads", rx.pads),
	LS("ring_rx_notifies", rx.notifies),
	LS("link_ctl_msgs", link.ctl_msgs),
	LS("link_finish_msgs", link.finish_msgs),
	LS("link_finish_ids", link.finish_ids),
	LS("net_tx_packets", net.tx_packets),
	LS("net_tx_small", net.tx_small),
	LS("net_tx_bytes", net.tx_bytes),
	LS("net_rx_packets", net.rx_packets),
	LS("net_rx_small", net.rx_small),
	LS("net_rx_bytes", net.rx_bytes),
};

#define CH(n, f) { n, offsetof(struct nc2k_chan, f) }

/* The glue's own u64 counters. */
static const struct nc2k_stat chan_stats[] = {
	CH("tx_drop_state", cnt.tx_drop_state),
	CH("tx_drop_limit", cnt.tx_drop_limit),
	CH("tx_drop_queue", cnt.tx_drop_queue),
	CH("tx_drop_stalled", cnt.tx_drop_stalled),
	CH("tx_busy", cnt.tx_busy),
	CH("tx_bounce_pages", cnt.tx_bounce_pages),
	CH("tx_subpage_grants", cnt.tx_subpage_grants),
	CH("tx_deferred_end", cnt.tx_deferred_end),
	CH("tx_trans_grants", cnt.tx_trans_grants),
	CH("fwd_in", cnt.fwd_in),
	CH("fwd_out", cnt.fwd_out),
	CH("fwd_fallback", cnt.fwd_fallback),
	CH("fwd_filtered", cnt.fwd_filtered),
	CH("fwd_held", cnt.fwd_held),
	CH("rx_drop_nomem", cnt.rx_drop_nomem),
	CH("rx_drop_copy", cnt.rx_drop_copy),
	CH("rx_drop_csum", cnt.rx_drop_csum),
	CH("rx_drop_filter", cnt.rx_drop_filter),
	CH("rx_copy_ops", cnt.rx_copy_ops),
	CH("rx_copy_bytes", cnt.rx_copy_bytes),
	CH("rx_throttled", cnt.rx_throttled),
	CH("events", cnt.events),
	CH("events_eoi_delayed", cnt.events_late_eoi_delayed),
	CH("finish_deferred", cnt.finish_deferred),
	CH("protocol_errors", cnt.protocol_errors),
	CH("tx_backlog_drops", cnt.tx_backlog_drops),
	CH("ctl_throttled", cnt.ctl_throttled),
	CH("suggest_dropped", cnt.suggest_dropped),
	CH("grants_retired", cnt.grants_retired),
};

#define LIM(n, f) { n, offsetof(struct nc2_limiter_stats, f) }

static const struct nc2k_stat lim_stats[] = {
	LIM("lim_peer_msgs", peer_msgs),
	LIM("lim_resp_sent", resp_sent),
	LIM("lim_resp_denied", resp_denied),
	LIM("lim_copy_bytes", copy_bytes),
	LIM("lim_copy_throttled", copy_throttled),
	LIM("lim_events", events),
	LIM("lim_events_spurious", events_spurious),
	LIM("lim_events_delayed", events_delayed),
	LIM("lim_queue_drops", queue_drops),
	LIM("lim_stalls", stalls),
};

/* Values computed from state rather than counted. */
static const char state_stats[][ETH_GSTRING_LEN] = {
	"link_state",		/* enum nc2_link_state */
	"link_error",		/* negated enum nc2_err, 0 when healthy */
	"peer_max_frags",
	"peer_max_inline",
	"peer_offloads",
	"lim_queued_bytes",
	"bounce_pages_free",
	"grant_route_subpage",	/* 1: sub-page grants, 0: bounce pages */
	"grant_route_transitive", /* 1: may forward other guests' grants */
	"bypass_state",		/* enum nc2k_bypass_state of the module */
	"bypass_count",
	"finish_owed",		/* FINISHes waiting for ring room or credit */
	"ids_inflight",		/* our ids the peer has not FINISHed */
	"stalled",		/* 1: the peer was judged stalled */
	"bypass_tx_packets",	/* sent on bypass links, not the parent */
	"bypass_rx_packets",
	"bypass_links_up",
	"bypass_tx_subpage_grants",
	"bypass_tx_bounce_pages",
	"bypass_rx_drop_filter",
};

#define NC2K_NSTATS (ARRAY_SIZE(lib_stats) + ARRAY_SIZE(chan_stats) + \
		     ARRAY_SIZE(lim_stats) + ARRAY_SIZE(state_stats))

static int nc2k_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? NC2K_NSTATS : -EOPNOTSUPP;
}

static void nc2k_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	unsigned int i;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < ARRAY_SIZE(lib_stats); i++, data += ETH_GSTRING_LEN)
		memcpy(data, lib_stats[i].name, ETH_GSTRING_LEN);
	for (i = 0; i < ARRAY_SIZE(chan_stats); i++, data += ETH_GSTRING_LEN)
		memcpy(data, chan_stats[i].name, ETH_GSTRING_LEN);
	for (i = 0; i < ARRAY_SIZE(lim_stats); i++, data += ETH_GSTRING_LEN)
		memcpy(data, lim_stats[i].name, ETH_GSTRING_LEN);
	for (i = 0; i < ARRAY_SIZE(state_stats); i++, data += ETH_GSTRING_LEN)
		memcpy(data, state_stats[i], ETH_GSTRING_LEN);
}

static void nc2k_get_stats(struct net_device *dev, struct ethtool_stats *st,
			   u64 *data)
{
	struct nc2k_chan *ch = netdev_priv(dev);
	struct nc2_link *l = nc2_net_link(&ch->net);
	const struct nc2_net_limits *peer = nc2_net_peer_limits(&ch->net);
	struct nc2k_bypass_sums bs = { };
	struct nc2_limiter_stats lim = { };
	struct nc2k_libstats ls;
	unsigned int i;

	spin_lock_bh(&ch->lock);
	ls.tx = *nc2_link_tx_stats(l);
	ls.rx = *nc2_link_rx_stats(l);
	ls.link = *nc2_link_get_stats(l);
	ls.net = *nc2_net_get_stats(&ch->net);
	if (ch->lim)
		lim = *nc2_limiter_get_stats(ch->lim);
	for (i = 0; i < ARRAY_SIZE(lib_stats); i++)
		*data++ = *(u64 *)((u8 *)&ls + lib_stats[i].off);
	for (i = 0; i < ARRAY_SIZE(chan_stats); i++)
		*data++ = *(u64 *)((u8 *)ch + chan_stats[i].off);
	for (i = 0; i < ARRAY_SIZE(lim_stats); i++)
		*data++ = *(u64 *)((u8 *)&lim + lim_stats[i].off);
	*data++ = nc2_link_state(l);
	*data++ = (u64)(s64)nc2_link_error(l);
	*data++ = peer->max_frags;
	*data++ = peer->max_inline;
	*data++ = peer->offloads;
	*data++ = ch->lim ? nc2_limiter_queued(ch->lim) : 0;
	*data++ = ch->bounce_avail;
	*data++ = ch->subpage;
	*data++ = ch->transitive;
	*data++ = ch->bypass_state;
	*data++ = ch->bypass_count;
	*data++ = ch->slot_pool ? nc2_finq_len(&ch->finq) : 0;
	*data++ = nc2_link_ids_inflight(l);
	*data++ = ch->peer_stalled;
	spin_unlock_bh(&ch->lock);
	/* Outside our lock: the bypass channels have their own. */
	if (ch->ops && ch->ops->bypass_stats)
		ch->ops->bypass_stats(ch, &bs);
	*data++ = bs.tx_packets;
	*data++ = bs.rx_packets;
	*data++ = bs.links_up;
	*data++ = bs.tx_subpage_grants;
	*data++ = bs.tx_bounce_pages;
	*data++ = bs.rx_drop_filter;
}

static void nc2k_get_drvinfo(struct net_device *dev,
			     struct ethtool_drvinfo *info)
{
	strscpy(info->driver, dev->dev.parent && dev->dev.parent->driver ?
		dev->dev.parent->driver->name : "nc2", sizeof(info->driver));
	strscpy(info->version, NC2K_VERSION, sizeof(info->version));
	strscpy(info->bus_info, dev->dev.parent ? dev_name(dev->dev.parent) :
		"", sizeof(info->bus_info));
}

const struct ethtool_ops nc2k_ethtool_ops = {
	.get_drvinfo = nc2k_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_sset_count = nc2k_get_sset_count,
	.get_strings = nc2k_get_strings,
	.get_ethtool_stats = nc2k_get_stats,
};
