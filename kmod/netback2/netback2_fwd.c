// SPDX-License-Identifier: GPL-2.0-only
/*
 * netback2_fwd.c - receiver-side copy between two guests of this backend.
 *
 * A unicast frame from guest A to guest B, both vif2 on the same bridge,
 * normally costs two copies: we copy A's grants into an skb, the bridge
 * hands it to B's vif, and B copies it out of our bounce pages. With
 * transitive grants (grant table v2 and the xen-patches/linux-6.1 helpers)
 * we copy nothing: A's PACKET is re-sent on B's ring with each fragment
 * turned into a transitive grant of A's own grant, B copies straight out
 * of A's memory, and A's id is answered when B has finished. Xen checks
 * A's grant on every copy, so B sees exactly the bytes A granted.
 *
 * Everything else (broadcast, unknown or non-vif2 destinations, peers
 * without transitive grants, a full queue) takes the bridge as before.
 * Frames forwarded here do not traverse the bridge, so we forward only
 * where the bridge would have passed the frame without asking anyone
 * (nb2_fwd_unfiltered): a backend domain's filtering rules always see
 * the traffic between its guests. Routed vifs are on no bridge and never
 * forwarded here. The module parameter receiver_copy turns it all off.
 *
 * Locking: each endpoint's lock is a leaf, never held while taking a
 * channel lock, so A's poll (A's channel lock) may queue work for B and
 * B's poll (B's channel lock) may answer A without lock-order cycles.
 */
#include <linux/module.h>
#include <linux/etherdevice.h>
#include <linux/if_bridge.h>
#include <linux/netfilter_bridge.h>
#include <linux/netdevice.h>
#include <linux/rculist.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "nc2k.h"
#include "netback2.h"

static bool receiver_copy = true;
module_param(receiver_copy, bool, 0644);
MODULE_PARM_DESC(receiver_copy,
		 "forward unicast between vif2 guests on one bridge through transitive grants, so the receiver copies (needs grant table v2 and the xen-patches helpers)");

/* A guest's packets out at other guests: half its ids, the rest stay free. */
#define NB2_FWD_MAX_INFLIGHT	(NC2K_IDS / 2)
/* Frames waiting for room on one guest's ring. */
#define NB2_FWD_MAX_QUEUE	256u

struct nb2_fwd {
	struct list_head node;		/* nb2_fwds, RCU */
	struct rcu_head rcu;
	refcount_t ref;
	u32 h;				/* its name in nb2_fwd_srcs */
	u32 gen;			/* tells this connection from others */
	spinlock_t lock;		/* leaf; everything below */
	bool alive;			/* vif connected: may queue, schedule */
	struct nb2_vif *vif;
	u8 mac[ETH_ALEN];
	struct list_head inq;		/* nb2_fwd_pkt bound for this vif */
	unsigned int inq_len;
	/*
	 * Own ids whose packet was delivered, owed a FINISH: filled under
	 * the destination's channel lock and this leaf lock, spliced into
	 * the channel's own queue by its poll (taking the channel lock here
	 * would nest two channel locks, ABBA between two guests forwarding
	 * to each other). Sized by the id space, not the forwarding budget:
	 * every id the guest can have out may complete between two polls.
	 */
	struct nc2_finq done;
	u32 done_ids[NC2K_IDS];
	atomic_t inflight;		/* own packets queued or out elsewhere */
};

/* One forwarded frame: A's PACKET with its inline bytes copied out. */
struct nb2_fwd_pkt {
	struct list_head node;
	struct nb2_fwd *src;		/* holds a reference */
	domid_t owner;			/* the source guest: owns the grants */
	bool has_id;
	struct nc2_pkt pkt;		/* prefix points at data[] */
	u8 data[];
};

static LIST_HEAD(nb2_fwds);

/*
 * The forwarding ledgers name sources by a u32 handle and generation;
 * this finds the endpoint (RCU, freed with kfree_rcu) from the handle.
 * Handles are allocated cyclically and each connection's generation is
 * new, so a stale entry never reaches another connection's endpoint.
 */
static DEFINE_XARRAY_ALLOC(nb2_fwd_srcs);
static u32 nb2_fwd_next_h;
static atomic_t nb2_fwd_gens = ATOMIC_INIT(0);

static void nb2_fwd_put(struct nb2_fwd *f)
{
	if (refcount_dec_and_test(&f->ref))
		kfree_rcu(f, rcu);
}

/* Drop p's hold on its source: budget, reference, memory. */
static void nb2_fwd_free(struct nb2_fwd_pkt *p)
{
	if (p->has_id)
		atomic_dec(&p->src->inflight);
	nb2_fwd_put(p->src);
	kfree(p);
}

/* Owe src a FINISH for id, if it is still connected. */
static void nb2_fwd_owe(struct nb2_fwd *src, u32 id)
{
	spin_lock_bh(&src->lock);
	if (src->alive && !WARN_ON_ONCE(nc2_finq_add(&src->done, id)))
		nc2k_chan_schedule(&src->vif->ch);
	spin_unlock_bh(&src->lock);
}

/* B dropped p before the ledger took it (or it had no id): answer A now. */
static void nb2_fwd_complete(struct nb2_fwd_pkt *p)
{
	if (p->has_id)
		nb2_fwd_owe(p->src, p->pkt.id);
	nb2_fwd_free(p);
}

/*
 * B's ledger took p: it owes A the answer and keeps p's place in A's
 * forwarding budget until nb2_fwd_answer or nb2_fwd_forget.
 */
static void nb2_fwd_handed(struct nb2_fwd_pkt *p)
{
	nb2_fwd_put(p->src);
	kfree(p);
}

/* The endpoint a ledger names, if it is still that connection (RCU). */
static struct nb2_fwd *nb2_fwd_find(u32 h, u32 gen)
{
	struct nb2_fwd *f = xa_load(&nb2_fwd_srcs, h);

	return f && f->gen == gen ? f : NULL;
}

void nb2_fwd_answer(u32 src, u32 gen, u32 id)
{
	struct nb2_fwd *f;

	rcu_read_lock();
	f = nb2_fwd_find(src, gen);
	if (f) {
		atomic_dec(&f->inflight);
		nb2_fwd_owe(f, id);
	}
	rcu_read_unlock();
}

/*
 * The receiver may still read the source's buffer: its id stays
 * unanswered (the source loses that id until it reconnects), but it no
 * longer counts against the source's forwarding budget.
 */
void nb2_fwd_forget(u32 src, u32 gen)
{
	struct nb2_fwd *f;

	rcu_read_lock();
	f = nb2_fwd_find(src, gen);
	if (f)
		atomic_dec(&f->inflight);
	rcu_read_unlock();
}

/* Whether B's link takes pkt as it is; B's limits only ever grow. */
static bool nb2_fwd_fits(struct nb2_vif *b, const struct nc2_pkt *pkt)
{
	const struct nc2_net_limits *peer = nc2_net_peer_limits(&b->ch.net);
	u32 max_frags = min(READ_ONCE(peer->max_frags), NC2K_MAX_SEND_FRAGS);

	if (!READ_ONCE(b->ch.transitive) || !READ_ONCE(b->ch.up) ||
	    READ_ONCE(b->stalled) || !netif_carrier_ok(b->ch.dev))
		return false;
	if (pkt->nr_frags > max_frags ||
	    pkt->prefix_size > READ_ONCE(peer->max_inline))
		return false;
	return true;
}

/*
 * The bridge's port helpers, looked up when first needed: a symbol
 * reference would make netback2 load the bridge module, which routed
 * and driver-domain setups do without. Held until module exit.
 */
struct nb2_br_ops {
	bool (*flag_is_set)(const struct net_device *dev, unsigned long flag);
	bool (*vlan_enabled)(const struct net_device *dev);
};

static struct nb2_br_ops *nb2_br;

static const struct nb2_br_ops *nb2_br_get(void)
{
	struct nb2_br_ops *ops = READ_ONCE(nb2_br);

	if (ops)
		return ops;
	ops = kzalloc(sizeof(*ops), GFP_ATOMIC);
	if (!ops)
		return NULL;
	ops->flag_is_set = symbol_get(br_port_flag_is_set);
	/* Without VLAN filtering built in there is no VLAN filter to ask. */
	if (IS_ENABLED(CONFIG_BRIDGE_VLAN_FILTERING))
		ops->vlan_enabled = symbol_get(br_vlan_enabled);
	if (!ops->flag_is_set ||
	    (IS_ENABLED(CONFIG_BRIDGE_VLAN_FILTERING) && !ops->vlan_enabled) ||
	    cmpxchg(&nb2_br, NULL, ops)) {
		if (ops->flag_is_set)
			symbol_put(br_port_flag_is_set);
		if (ops->vlan_enabled)
			symbol_put(br_vlan_enabled);
		kfree(ops);
	}
	return READ_ONCE(nb2_br);
}

void nb2_fwd_exit(void)
{
	struct nb2_br_ops *ops = nb2_br;

	if (!ops)
		return;
	symbol_put(br_port_flag_is_set);
	if (ops->vlan_enabled)
		symbol_put(br_vlan_enabled);
	kfree(ops);
	nb2_br = NULL;
}

/*
 * Whether bridge br would hand a frame from port a to port b without
 * asking any filter: no netfilter hook on the bridge path of the
 * namespace (br_netfilter, ebtables and nftables' bridge family all
 * register one), no VLAN filtering, neither port isolated, no ingress
 * classifier or netfilter hook on a, no egress one on b. (STP port
 * states are not asked: the bridge's accessor wants RTNL, which this
 * path cannot take; a blocked port is loop control, not policy.)
 * Anything of that may drop or change the frame, so the frame takes
 * the bridge. Asked per frame: rules may come at any time.
 */
static bool nb2_fwd_unfiltered(const struct net_device *br,
			       const struct net_device *a,
			       const struct net_device *b)
{
	const struct nb2_br_ops *ops;

	/* A bond or Open vSwitch master has rules we cannot ask. */
	if (!netif_is_bridge_master(br) || !netif_is_bridge_port(a) ||
	    !netif_is_bridge_port(b))
		return false;
#ifdef CONFIG_NETFILTER_FAMILY_BRIDGE
	{
		const struct net *net = dev_net(br);

		if (rcu_access_pointer(net->nf.hooks_bridge[NF_BR_PRE_ROUTING]) ||
		    rcu_access_pointer(net->nf.hooks_bridge[NF_BR_FORWARD]) ||
		    rcu_access_pointer(net->nf.hooks_bridge[NF_BR_POST_ROUTING]))
			return false;
	}
#endif
#ifdef CONFIG_NETFILTER_INGRESS
	if (rcu_access_pointer(a->nf_hooks_ingress))
		return false;
#endif
#ifdef CONFIG_NETFILTER_EGRESS
	if (rcu_access_pointer(b->nf_hooks_egress))
		return false;
#endif
#ifdef CONFIG_NET_CLS_ACT
	if (rcu_access_pointer(a->miniq_ingress) ||
	    rcu_access_pointer(b->miniq_egress))
		return false;
#endif
	ops = nb2_br_get();
	if (!ops)
		return false;
	return !(ops->vlan_enabled && ops->vlan_enabled(br)) &&
	       !ops->flag_is_set(a, BR_ISOLATED) &&
	       !ops->flag_is_set(b, BR_ISOLATED);
}

static struct nb2_fwd *nb2_fwd_lookup(struct nb2_vif *a, const u8 *dst)
{
	struct net_device *br = netdev_master_upper_dev_get_rcu(a->ch.dev);
	struct nb2_fwd *f;

	if (!br)
		return NULL;
	list_for_each_entry_rcu(f, &nb2_fwds, node) {
		if (f == a->fwd || !ether_addr_equal(f->mac, dst))
			continue;
		if (netdev_master_upper_dev_get_rcu(f->vif->ch.dev) != br)
			return NULL;
		return f;
	}
	return NULL;
}

bool nb2_fwd_rx(struct nc2k_chan *ch, const struct nc2_pkt *pkt)
{
	struct nb2_vif *a = container_of(ch, struct nb2_vif, ch);
	bool has_id = pkt->type != NC2_PKT_SMALL;
	struct nb2_fwd *f, *src = a->fwd;
	struct nb2_fwd_pkt *p;
	const u8 *eth = pkt->prefix;
	bool queued = false;

	/*
	 * pkt->prefix is the glue's private copy of the inline bytes, read
	 * once from the ring (XSA-155): the checks below and the frame we
	 * forward see the same header, whatever the guest writes meanwhile.
	 */
	if (!READ_ONCE(receiver_copy) || !src || !READ_ONCE(src->alive) ||
	    !ch->transitive || pkt->prefix_size < ETH_HLEN ||
	    !is_unicast_ether_addr(eth))
		return false;
	/* Spoofed frames take the copy path, which counts and drops them. */
	if (ch->filter_src && !ether_addr_equal(eth + ETH_ALEN, ch->filter_src))
		return false;
	rcu_read_lock();
	f = nb2_fwd_lookup(a, eth);
	if (!f)
		goto out;
	if (!nb2_fwd_unfiltered(netdev_master_upper_dev_get_rcu(ch->dev),
				ch->dev, f->vif->ch.dev)) {
		ch->cnt.fwd_filtered++;
		goto out;
	}
	if (!nb2_fwd_fits(f->vif, pkt) ||
	    (has_id && atomic_read(&src->inflight) >= NB2_FWD_MAX_INFLIGHT))
		goto fallback;
	p = kmalloc(struct_size(p, data, pkt->prefix_size), GFP_ATOMIC);
	if (!p)
		goto fallback;
	/* The ring message is consumed after we return: keep what we need. */
	memcpy(&p->pkt, pkt, offsetof(struct nc2_pkt, frag));
	memcpy(p->pkt.frag, pkt->frag, pkt->nr_frags * sizeof(pkt->frag[0]));
	memcpy(p->data, pkt->prefix, pkt->prefix_size);
	p->pkt.prefix = p->data;
	p->has_id = has_id;
	p->owner = a->domid;
	p->src = src;
	refcount_inc(&src->ref);
	if (has_id)
		atomic_inc(&src->inflight);
	spin_lock_bh(&f->lock);
	if (f->alive && f->inq_len < NB2_FWD_MAX_QUEUE) {
		list_add_tail(&p->node, &f->inq);
		f->inq_len++;
		nc2k_chan_schedule(&f->vif->ch);
		queued = true;
	}
	spin_unlock_bh(&f->lock);
	if (queued) {
		ch->cnt.fwd_out++;
		goto out;
	}
	nb2_fwd_free(p);	/* a->fwd's own reference remains */
fallback:
	ch->cnt.fwd_fallback++;
out:
	rcu_read_unlock();
	return queued;
}

/* B's poll, B's channel lock held: answer B's ids, send what waits for B. */
void nb2_fwd_poll(struct nc2k_chan *ch)
{
	struct nb2_vif *b = container_of(ch, struct nb2_vif, ch);
	struct nb2_fwd *f = b->fwd;

	if (!f)
		return;
	/*
	 * Each id is out once, here or in ch->finq, and both hold the whole
	 * id space: the splice always fits.
	 */
	spin_lock_bh(&f->lock);
	WARN_ON_ONCE(nc2_finq_splice(&ch->finq, &f->done));
	spin_unlock_bh(&f->lock);

	for (;;) {
		struct nb2_fwd_pkt *p;
		int err;

		spin_lock_bh(&f->lock);
		p = list_first_entry_or_null(&f->inq, struct nb2_fwd_pkt,
					     node);
		if (p) {
			list_del(&p->node);
			f->inq_len--;
		}
		spin_unlock_bh(&f->lock);
		if (!p)
			break;
		/*
		 * Its source disconnected: its grant refs may name new data
		 * by now. Checked under our channel lock, which the source's
		 * nb2_fwd_stop() takes after clearing alive (see there).
		 */
		if (!READ_ONCE(p->src->alive)) {
			ch->dev->stats.tx_dropped++;
			nb2_fwd_free(p);
			continue;
		}
		err = nb2_fwd_send(ch, &p->pkt, p->owner, p->src->h,
				   p->src->gen);
		if (err == -EAGAIN) {
			/* Our ring is full: retried when the guest frees room. */
			spin_lock_bh(&f->lock);
			list_add(&p->node, &f->inq);
			f->inq_len++;
			spin_unlock_bh(&f->lock);
			break;
		}
		if (err)
			ch->dev->stats.tx_dropped++;
		/* Small packets and early drops are done; the ledger has the rest. */
		if (err < 0 || !p->has_id)
			nb2_fwd_complete(p);
		else
			nb2_fwd_handed(p);
	}
}

int nb2_fwd_start(struct nb2_vif *vif)
{
	struct nb2_fwd *f = kzalloc(sizeof(*f), GFP_KERNEL);
	int err;

	if (!f)
		return -ENOMEM;
	f->gen = atomic_inc_return(&nb2_fwd_gens);
	err = xa_alloc_cyclic(&nb2_fwd_srcs, &f->h, f, xa_limit_31b,
			      &nb2_fwd_next_h, GFP_KERNEL);
	if (err < 0) {
		kfree(f);
		return err;
	}
	refcount_set(&f->ref, 1);
	spin_lock_init(&f->lock);
	INIT_LIST_HEAD(&f->inq);
	nc2_finq_init(&f->done, f->done_ids, NC2K_IDS);
	atomic_set(&f->inflight, 0);
	f->vif = vif;
	f->alive = true;
	ether_addr_copy(f->mac, vif->guest_mac);
	vif->fwd = f;
	if (!is_valid_ether_addr(f->mac))
		return 0;	/* nobody can address it: send-only */
	mutex_lock(&nb2_lock);
	list_add_rcu(&f->node, &nb2_fwds);
	mutex_unlock(&nb2_lock);
	return 0;
}

/*
 * Packets of src that other guests hold or wait for: dropped from their
 * queues, and every transitive grant pointing at src's refs ended now
 * (nb2_fwd_revoke waits out busy ones). Once src reconnects it reuses
 * those refs for new data, which nobody may read through an old grant.
 * Called with nb2_lock held, after src->alive went false.
 */
static void nb2_fwd_revoke_src(struct nb2_fwd *src)
{
	struct nb2_vif *vif;

	list_for_each_entry(vif, &nb2_vifs, node) {
		struct nb2_fwd *f = vif->fwd;
		struct nb2_fwd_pkt *p, *t;
		LIST_HEAD(q);

		if (!f || f == src)
			continue;
		spin_lock_bh(&f->lock);
		list_for_each_entry_safe(p, t, &f->inq, node) {
			if (p->src != src)
				continue;
			list_move_tail(&p->node, &q);
			f->inq_len--;
		}
		spin_unlock_bh(&f->lock);
		list_for_each_entry_safe(p, t, &q, node)
			nb2_fwd_free(p);
		/* Taking its channel lock orders us after any send of src's. */
		nb2_fwd_revoke(&vif->ch, src->h);
	}
}

/*
 * Before the vif's channel stops: nobody queues for it or answers into it
 * any more; what waited for it is answered to its sources undelivered,
 * and nothing of its own stays readable at the other guests.
 */
void nb2_fwd_stop(struct nb2_vif *vif)
{
	struct nb2_fwd *f = vif->fwd;
	struct nb2_fwd_pkt *p, *t;
	LIST_HEAD(q);

	if (!f)
		return;
	if (is_valid_ether_addr(f->mac)) {
		mutex_lock(&nb2_lock);
		list_del_rcu(&f->node);
		mutex_unlock(&nb2_lock);
		synchronize_rcu();
	}
	spin_lock_bh(&f->lock);
	WRITE_ONCE(f->alive, false);
	list_splice_init(&f->inq, &q);
	f->inq_len = 0;
	nc2_finq_reset(&f->done);
	spin_unlock_bh(&f->lock);
	list_for_each_entry_safe(p, t, &q, node)
		nb2_fwd_complete(p);
	mutex_lock(&nb2_lock);
	nb2_fwd_revoke_src(f);
	mutex_unlock(&nb2_lock);
}

/* After the channel is detached: its forwarded packets are all answered. */
void nb2_fwd_release(struct nb2_vif *vif)
{
	if (!vif->fwd)
		return;
	/* Ledger entries still naming it find nothing from now on. */
	xa_erase(&nb2_fwd_srcs, vif->fwd->h);
	nb2_fwd_put(vif->fwd);
	vif->fwd = NULL;
}
