// SPDX-License-Identifier: GPL-2.0-only
/*
 * netfront2_hostile.c - test hooks: this guest misbehaves on purpose.
 *
 * The backend in dom0 must survive a hostile guest (issue #11, the lab's
 * --hostile suite). A guest's kernel is the guest's to change, so the
 * attacks live here, built from the same sources as the honest driver and
 * reachable only by root in the guest:
 *
 *	echo "CMD [ARG...]" > /sys/module/netfront2/parameters/hostile
 *	cat /sys/module/netfront2/parameters/hostile   # "CMD rc=R count=C"
 *
 * Each command acts on every vif2 device of this guest and returns when
 * done (each bounded to about ten seconds). tools/lab/README.md lists
 * them and what each proves. Nothing here runs unless written to.
 */
#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/page.h>

#include "netfront2.h"

/* The source MAC forged by flip_src (tools/lab/guest/nc2-hooks.sh). */
static const u8 nf2_forged[ETH_ALEN] = { 0x00, 0x16, 0x3e, 0x00, 0x02, 0x66 };

#define NF2H_MAX_KEEP	512u	/* peer grants kept mapped (keep_grants) */
#define NF2H_MAX_MEMO	64u	/* peer grants remembered (remember) */

struct nf2h_map {
	domid_t dom;
	grant_ref_t ref;
	grant_handle_t handle;
	struct page *page;
};

struct nf2h_memo {
	domid_t dom;
	grant_ref_t ref;
	u16 off;
};

/* All hook state; written by root through the parameter only. */
static struct {
	struct mutex lock;		/* one command at a time */
	spinlock_t obs;			/* what rx_observe fills */
	char last[32];
	int rc;
	long count;
	/* keep_grants */
	bool keep;
	struct nf2h_map map[NF2H_MAX_KEEP];
	unsigned int nr_map;
	struct nf2h_memo want[NF2H_MAX_KEEP];	/* seen, not yet mapped */
	unsigned int nr_want;
	struct work_struct map_work;
	/* remember */
	bool memo_on;
	bool memo_src_set;
	u8 memo_src[ETH_ALEN];
	struct nf2h_memo memo[NF2H_MAX_MEMO];
	unsigned int nr_memo, memo_next;
	/* watch_src */
	bool watch_on;
	u8 watch_mac[ETH_ALEN];
	atomic_long_t watch_count;
} nf2h;

static LIST_HEAD(nf2h_devs);	/* struct nf2_info, under nf2h.lock */

/* ---- what the channels see arriving (NAPI, channel lock held) */

static bool nf2h_known(const struct nf2h_memo *v, unsigned int n,
		       domid_t dom, grant_ref_t ref)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (v[i].dom == dom && v[i].ref == ref)
			return true;
	return false;
}

void nf2_hostile_observe(struct nc2k_chan *ch, const struct nc2_pkt *pkt)
{
	const u8 *src = pkt->prefix_size >= ETH_HLEN ? pkt->prefix + ETH_ALEN :
			NULL;
	unsigned int i;

	/* As they arrive, before the driver's own checks (lab F7, F10). */
	if (READ_ONCE(nf2h.watch_on) && src &&
	    ether_addr_equal(src, nf2h.watch_mac))
		atomic_long_inc(&nf2h.watch_count);
	if (!READ_ONCE(nf2h.keep) && !READ_ONCE(nf2h.memo_on))
		return;
	spin_lock(&nf2h.obs);
	for (i = 0; i < pkt->nr_frags; i++) {
		const struct nc2_pkt_frag *f = &pkt->frag[i];

		if (nf2h.keep && nf2h.nr_want < NF2H_MAX_KEEP &&
		    nf2h.nr_map + nf2h.nr_want < NF2H_MAX_KEEP &&
		    !nf2h_known(nf2h.want, nf2h.nr_want, ch->peer, f->gref)) {
			nf2h.want[nf2h.nr_want].dom = ch->peer;
			nf2h.want[nf2h.nr_want++].ref = f->gref;
		}
		if (nf2h.memo_on && src &&
		    (!nf2h.memo_src_set || ether_addr_equal(src, nf2h.memo_src)) &&
		    !nf2h_known(nf2h.memo, nf2h.nr_memo, ch->peer, f->gref)) {
			struct nf2h_memo *m = &nf2h.memo[nf2h.memo_next];

			m->dom = ch->peer;
			m->ref = f->gref;
			m->off = f->off;
			nf2h.memo_next = (nf2h.memo_next + 1) % NF2H_MAX_MEMO;
			if (nf2h.nr_memo < NF2H_MAX_MEMO)
				nf2h.nr_memo++;
		}
	}
	spin_unlock(&nf2h.obs);
	if (nf2h.keep)
		schedule_work(&nf2h.map_work);
}

/* ---- keep_grants: map the peer's grants read-only and never let go */

static int nf2h_map_one(struct nf2h_map *m)
{
	struct gnttab_map_grant_ref op;
	int err;

	err = gnttab_alloc_pages(1, &m->page);
	if (err)
		return err;
	gnttab_set_map_op(&op, (unsigned long)pfn_to_kaddr(page_to_pfn(m->page)),
			  GNTMAP_host_map | GNTMAP_readonly, m->ref, m->dom);
	err = gnttab_map_refs(&op, NULL, &m->page, 1);
	if (err || op.status != GNTST_okay) {
		gnttab_free_pages(1, &m->page);
		return -EIO;
	}
	m->handle = op.handle;
	return 0;
}

static void nf2h_unmap_one(struct nf2h_map *m)
{
	struct gnttab_unmap_grant_ref op;

	gnttab_set_unmap_op(&op, (unsigned long)pfn_to_kaddr(page_to_pfn(m->page)),
			    GNTMAP_host_map | GNTMAP_readonly, m->handle);
	gnttab_unmap_refs(&op, NULL, &m->page, 1);
	gnttab_free_pages(1, &m->page);
}

static void nf2h_map_fn(struct work_struct *w)
{
	struct nf2h_map m;

	for (;;) {
		spin_lock_bh(&nf2h.obs);
		if (!nf2h.keep || !nf2h.nr_want ||
		    nf2h.nr_map >= NF2H_MAX_KEEP) {
			spin_unlock_bh(&nf2h.obs);
			return;
		}
		nf2h.nr_want--;
		m.dom = nf2h.want[nf2h.nr_want].dom;
		m.ref = nf2h.want[nf2h.nr_want].ref;
		spin_unlock_bh(&nf2h.obs);
		/* Grants the backend made copy-only (v2) refuse: fine. */
		if (nf2h_map_one(&m))
			continue;
		spin_lock_bh(&nf2h.obs);
		nf2h.map[nf2h.nr_map++] = m;
		spin_unlock_bh(&nf2h.obs);
	}
}

static void nf2h_unmap_all(void)
{
	unsigned int i;

	spin_lock_bh(&nf2h.obs);
	nf2h.keep = false;
	nf2h.nr_want = 0;
	spin_unlock_bh(&nf2h.obs);
	cancel_work_sync(&nf2h.map_work);
	for (i = 0; i < nf2h.nr_map; i++)
		nf2h_unmap_one(&nf2h.map[i]);
	nf2h.nr_map = 0;
}

/* ---- crafting messages on a channel's send ring (channel lock held) */

/* Queue a raw message of len bytes (header included); its body in *body. */
static int nf2h_reserve(struct nc2k_chan *ch, u32 len, void **msg)
{
	return nc2_prod_reserve(&nc2_net_link(&ch->net)->tx, len, msg);
}

static void nf2h_commit(struct nc2k_chan *ch, u8 type, u32 len)
{
	nc2_prod_commit(&nc2_net_link(&ch->net)->tx, type, 0, len);
}

static void nf2h_push(struct nc2k_chan *ch)
{
	nc2_link_push(nc2_net_link(&ch->net));
	notify_remote_via_irq(ch->irq);
}

/* One malformed PACKET: too short for its own header. */
static int nf2h_garbage(struct nc2k_chan *ch)
{
	void *msg;
	int err;

	spin_lock_bh(&ch->lock);
	err = nf2h_reserve(ch, 16, &msg);
	if (!err) {
		memset(msg + sizeof(struct nc2_msg_hdr), 0xff,
		       16 - sizeof(struct nc2_msg_hdr));
		nf2h_commit(ch, NC2_MSG_PACKET, 16);
		nf2h_push(ch);
	}
	spin_unlock_bh(&ch->lock);
	return err ? -EAGAIN : 1;
}

/* A PACKET whose one fragment is empty (zero) or runs past its page. */
static int nf2h_bad_frag(struct nc2k_chan *ch, bool zero)
{
	struct nc2_pkt *pkt;
	u8 hdr[ETH_HLEN];
	void *msg;
	u32 size;
	int err;

	pkt = kzalloc(sizeof(*pkt), GFP_KERNEL);
	if (!pkt)
		return -ENOMEM;
	eth_broadcast_addr(hdr);
	ether_addr_copy(hdr + ETH_ALEN, ch->dev->dev_addr);
	hdr[12] = 0x08;
	hdr[13] = 0x00;
	pkt->type = NC2_PKT_RECEIVER_COPY;
	pkt->id = NC2K_IDS - 1;
	pkt->prefix = hdr;
	pkt->prefix_size = ETH_HLEN;
	pkt->nr_frags = 1;
	pkt->frag[0].gref = 8;
	pkt->frag[0].off = zero ? 0 : 2048;
	pkt->frag[0].len = zero ? 0 : 4096;
	pkt->total_len = ETH_HLEN + pkt->frag[0].len;
	size = nc2_pkt_msg_size(pkt);
	spin_lock_bh(&ch->lock);
	err = nf2h_reserve(ch, size, &msg);
	if (!err) {
		nc2_pkt_encode(msg, pkt);
		nf2h_commit(ch, NC2_MSG_PACKET, size);
		nf2h_push(ch);
	}
	spin_unlock_bh(&ch->lock);
	kfree(pkt);
	return err ? -EAGAIN : 1;
}

/* SUGGEST_BYPASS hints, as fast as the ring takes them. */
static long nf2h_suggest(struct nc2k_chan *ch, long n)
{
	struct nc2_bypass_msg b = { .type = NC2_MSG_SUGGEST_BYPASS };
	unsigned long end = jiffies + 5 * HZ;
	long sent = 0;
	int err;

	eth_random_addr(b.mac);
	while (sent < n && time_before(jiffies, end)) {
		spin_lock_bh(&ch->lock);
		err = nc2_bypass_send(&ch->net, &b);
		if (!err)
			sent++;
		if (err || sent % 64 == 0)
			nf2h_push(ch);
		spin_unlock_bh(&ch->lock);
		if (err == -NC2_E_AGAIN)
			usleep_range(100, 200);
		else if (err)
			break;
		if (sent % 1024 == 0)
			cond_resched();
	}
	spin_lock_bh(&ch->lock);
	nf2h_push(ch);
	spin_unlock_bh(&ch->lock);
	return sent;
}

/* A UDP frame to dst, wholly inline, from our address. */
static unsigned int nf2h_frame(struct nc2k_chan *ch, u8 *f, const u8 *dst)
{
	unsigned int len = 200;
	struct iphdr *ip = (struct iphdr *)(f + ETH_HLEN);

	memset(f, 0, len);
	ether_addr_copy(f, dst);
	ether_addr_copy(f + ETH_ALEN, ch->dev->dev_addr);
	f[12] = 0x08;
	f[13] = 0x00;
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 1;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(len - ETH_HLEN);
	/* Test addresses only (192.0.2.0/24); the frame is not for delivery. */
	ip->saddr = htonl(0xc00002fe);
	ip->daddr = htonl(0xc00002fd);
	ip->check = ip_fast_csum((u8 *)ip, ip->ihl);
	return len;
}

/*
 * Frames to dst whose source MAC we flip between ours and a forged one
 * while each sits in the ring, for ms milliseconds: the backend must act
 * on one reading of the header only (XSA-155).
 */
static long nf2h_flip_src(struct nc2k_chan *ch, const u8 *dst, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	struct nc2_pkt *pkt;
	long sent = 0;
	u8 *frame;

	pkt = kzalloc(sizeof(*pkt), GFP_KERNEL);
	frame = kzalloc(256, GFP_KERNEL);
	if (!pkt || !frame) {
		kfree(pkt);
		kfree(frame);
		return -ENOMEM;
	}
	while (time_before(jiffies, end)) {
		unsigned int k;
		u8 *src = NULL;
		void *msg;
		u32 size;

		pkt->type = NC2_PKT_SMALL;
		pkt->prefix_size = nf2h_frame(ch, frame, dst);
		pkt->total_len = pkt->prefix_size;
		pkt->prefix = frame;
		size = nc2_pkt_msg_size(pkt);
		spin_lock_bh(&ch->lock);
		if (!nf2h_reserve(ch, size, &msg)) {
			nc2_pkt_encode(msg, pkt);
			src = (u8 *)msg + sizeof(struct nc2_msg_packet) +
			      ETH_ALEN;
			nf2h_commit(ch, NC2_MSG_PACKET, size);
			nf2h_push(ch);
			sent++;
		}
		spin_unlock_bh(&ch->lock);
		if (!src) {
			usleep_range(500, 1000);
			continue;
		}
		/* While the backend reads it. */
		for (k = 0; k < 20000; k++)
			memcpy(src, k & 1 ? nf2_forged : ch->dev->dev_addr,
			       ETH_ALEN);
		cond_resched();
	}
	kfree(pkt);
	kfree(frame);
	return sent;
}

/* ---- copying through remembered grants of the peer */

static long nf2h_copy_memo(unsigned int ms, bool once)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	struct nf2h_memo memo[NF2H_MAX_MEMO];
	struct gnttab_copy op;
	unsigned int i, n;
	struct page *page;
	long ok = 0;

	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	spin_lock_bh(&nf2h.obs);
	n = nf2h.nr_memo;
	memcpy(memo, nf2h.memo, n * sizeof(memo[0]));
	spin_unlock_bh(&nf2h.obs);
	do {
		for (i = 0; i < n; i++) {
			memset(&op, 0, sizeof(op));
			op.source.u.ref = memo[i].ref;
			op.source.domid = memo[i].dom;
			op.source.offset = memo[i].off;
			op.dest.u.gmfn = xen_page_to_gfn(page);
			op.dest.domid = DOMID_SELF;
			op.len = 64;
			op.flags = GNTCOPY_source_gref;
			gnttab_batch_copy(&op, 1);
			if (op.status == GNTST_okay)
				ok++;
		}
		cond_resched();
	} while (!once && n && time_before(jiffies, end));
	__free_page(page);
	return ok;
}

/* ---- the parameter */

static void nf2h_each_chan(struct nf2_info *info,
			   void (*fn)(struct nc2k_chan *ch, unsigned long arg),
			   unsigned long arg)
{
	unsigned int i;

	fn(&info->ch, arg);
	mutex_lock(&info->bypass_mutex);
	for (i = 0; i < NF2_MAX_BYPASSES; i++)
		if (info->bypass[i].ch)
			fn(info->bypass[i].ch, arg);
	mutex_unlock(&info->bypass_mutex);
}

static void nf2h_set_test(struct nc2k_chan *ch, unsigned long arg)
{
	u8 bit = arg & 0xff;
	bool on = arg >> 8;

	spin_lock_bh(&ch->lock);
	if (on)
		ch->test |= bit;
	else
		ch->test &= ~bit;
	spin_unlock_bh(&ch->lock);
	/* Catch up on what arrived meanwhile. */
	if (!on)
		nc2k_chan_schedule(ch);
}

static long nf2h_run(const char *cmd, const char *arg1, const char *arg2)
{
	struct nf2_info *info;
	unsigned long n = 0;
	long count = 0, r;
	u8 mac[ETH_ALEN];

	if (arg1 && kstrtoul(arg1, 0, &n) && !mac_pton(arg1, mac))
		return -EINVAL;

	if (!strcmp(cmd, "keep_grants")) {
		if (n) {
			spin_lock_bh(&nf2h.obs);
			nf2h.keep = true;
			spin_unlock_bh(&nf2h.obs);
		} else {
			nf2h_unmap_all();
		}
		return nf2h.nr_map;
	}
	if (!strcmp(cmd, "remember")) {
		spin_lock_bh(&nf2h.obs);
		nf2h.memo_on = n;
		nf2h.memo_src_set = arg2 && mac_pton(arg2, nf2h.memo_src);
		if (!n) {
			nf2h.nr_memo = 0;
			nf2h.memo_next = 0;
		}
		count = nf2h.nr_memo;
		spin_unlock_bh(&nf2h.obs);
		return count;
	}
	if (!strcmp(cmd, "watch_src")) {
		WRITE_ONCE(nf2h.watch_on, false);
		atomic_long_set(&nf2h.watch_count, 0);
		if (arg1 && mac_pton(arg1, mac)) {
			ether_addr_copy(nf2h.watch_mac, mac);
			WRITE_ONCE(nf2h.watch_on, true);
		}
		return 0;
	}
	if (!strcmp(cmd, "copy_trans"))
		return nf2h_copy_memo(min_t(unsigned long, n, 10000), false);
	if (!strcmp(cmd, "stale_trans"))
		return nf2h_copy_memo(0, true);

	list_for_each_entry(info, &nf2h_devs, hostile_node) {
		struct nc2k_chan *ch = &info->ch;

		if (!strcmp(cmd, "garbage")) {
			r = nf2h_garbage(ch);
		} else if (!strcmp(cmd, "zero_frag") ||
			   !strcmp(cmd, "big_frag")) {
			unsigned long i;

			for (i = 0, r = 0; i < min(n, 64ul) && r >= 0; i++) {
				r = nf2h_bad_frag(ch, cmd[0] == 'z');
				count += r > 0;
			}
			continue;
		} else if (!strcmp(cmd, "rx_hold")) {
			nf2h_each_chan(info, nf2h_set_test,
				       NC2K_TEST_RX_HOLD | (!!n << 8));
			r = 1;
		} else if (!strcmp(cmd, "no_release")) {
			nf2h_each_chan(info, nf2h_set_test,
				       NC2K_TEST_NO_RELEASE | (!!n << 8));
			r = 1;
		} else if (!strcmp(cmd, "suggest")) {
			r = nf2h_suggest(ch, min(n, 10000000ul));
		} else if (!strcmp(cmd, "events")) {
			unsigned long i;

			for (i = 0; i < min(n, 10000000ul); i++) {
				notify_remote_via_irq(ch->irq);
				if (i % 1024 == 0)
					cond_resched();
			}
			r = i;
		} else if (!strcmp(cmd, "reconnect")) {
			unsigned long i;

			for (i = 0, r = 0; i < min(n, 50ul); i++) {
				if (nf2_hostile_reconnect(info))
					break;
				r++;
			}
		} else if (!strcmp(cmd, "flip_src")) {
			if (!arg1 || !arg2 || !mac_pton(arg1, mac) ||
			    kstrtoul(arg2, 0, &n))
				return -EINVAL;
			r = nf2h_flip_src(ch, mac, min(n, 10000ul));
		} else {
			return -EINVAL;
		}
		if (r < 0)
			return r;
		count += r;
	}
	return count;
}

static int nf2h_set(const char *val, const struct kernel_param *kp)
{
	char buf[96], *p = buf, *cmd, *a1, *a2;
	long r;

	strscpy(buf, val, sizeof(buf));
	cmd = strsep(&p, " \t\n");
	a1 = strsep(&p, " \t\n");
	a2 = strsep(&p, " \t\n");
	if (a1 && !*a1)
		a1 = NULL;
	if (a2 && !*a2)
		a2 = NULL;
	if (!cmd || !*cmd)
		return -EINVAL;
	mutex_lock(&nf2h.lock);
	r = nf2h_run(cmd, a1, a2);
	strscpy(nf2h.last, cmd, sizeof(nf2h.last));
	nf2h.rc = r < 0 ? (int)r : 0;
	nf2h.count = r < 0 ? 0 : r;
	mutex_unlock(&nf2h.lock);
	pr_info("netfront2: hostile %s: rc %d count %ld\n", nf2h.last,
		nf2h.rc, nf2h.count);
	return r < 0 ? (int)r : 0;
}

static int nf2h_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s rc=%d count=%ld\n", nf2h.last, nf2h.rc,
			  nf2h.count);
}

static const struct kernel_param_ops nf2h_ops = {
	.set = nf2h_set,
	.get = nf2h_get,
};
module_param_cb(hostile, &nf2h_ops, NULL, 0600);
MODULE_PARM_DESC(hostile,
		 "test hook: make this guest attack its backend (see tools/lab/README.md)");

static int nf2h_watch_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&nf2h.watch_count));
}

static const struct kernel_param_ops nf2h_watch_ops = {
	.get = nf2h_watch_get,
};
module_param_cb(hostile_watch, &nf2h_watch_ops, NULL, 0400);
MODULE_PARM_DESC(hostile_watch,
		 "test hook: frames seen from the MAC given to 'watch_src'");

void nf2_hostile_add(struct nf2_info *info)
{
	mutex_lock(&nf2h.lock);
	list_add_tail(&info->hostile_node, &nf2h_devs);
	mutex_unlock(&nf2h.lock);
}

void nf2_hostile_del(struct nf2_info *info)
{
	mutex_lock(&nf2h.lock);
	list_del(&info->hostile_node);
	mutex_unlock(&nf2h.lock);
}

void nf2_hostile_init(void)
{
	mutex_init(&nf2h.lock);
	spin_lock_init(&nf2h.obs);
	INIT_WORK(&nf2h.map_work, nf2h_map_fn);
}

void nf2_hostile_exit(void)
{
	nf2h_unmap_all();
}
