// SPDX-License-Identifier: GPL-2.0-only
/*
 * netback2_bypass.c - steering of dom0 bypasses (docs/protocol.md 10).
 *
 * The toolstack asks (nc2ctl bypass writes nc2/bypass/<A>-<B>/request in
 * our xenstore home); we, the trusted end, run the in-band sequence over
 * the two parent rings and report in .../status:
 *
 *   connecting  BYPASS_FRONTEND sent to A, BYPASS_BACKEND to B later
 *   active      B answered BYPASS_READY: the guests talk directly
 *   disabling   BYPASS_DISABLE sent, waiting for both DISABLED
 *   detaching   BYPASS_DETACH sent, waiting for both DETACHED
 *   disabled    torn down, traffic back on the parent rings
 *   error       refused; .../error says why
 *
 * Messages arrive in NAPI context with the channel lock held; they are
 * decoded there (the library fails the link on a bad one) and acted on
 * here, in process context under nb2_lock, so that sending to the other
 * guest never nests two channel locks.
 */
#include <linux/slab.h>
#include <linux/etherdevice.h>
#include <xen/events.h>
#include <xen/xenbus.h>

#include "netback2.h"

static unsigned int bypass_ring_pages = 4;
module_param(bypass_ring_pages, uint, 0444);
MODULE_PARM_DESC(bypass_ring_pages,
		 "pages per bypass ring, a power of two up to 16");

#define NB2_BYPASS_DIR "nc2/bypass"

/*
 * Bypass messages of one guest waiting for nb2_event_work. An honest
 * guest answers one step at a time for each bypass it is in; more than
 * this in the queue is a flood, and fails its link.
 */
#define NB2_BP_QUEUE_MAX 32u
/* How often undelivered steps are retried, and how long an end may take. */
#define NB2_BP_RETRY (HZ / 10)
#define NB2_BP_STEP_TIMEOUT (5 * HZ)
#define NB2_BP_CONNECT_TIMEOUT (15 * HZ)

enum nb2_bp_state {
	NB2_BP_CONNECTING = 1,	/* BYPASS_FRONTEND sent to A */
	NB2_BP_BACKEND_SENT,	/* BYPASS_BACKEND sent to B */
	NB2_BP_ACTIVE,
	NB2_BP_DISABLING,
	NB2_BP_DETACHING,
};

struct nb2_bypass {
	struct list_head node;		/* nb2_bypasses, under nb2_lock */
	u32 handle;
	struct nb2_vif *va, *vb;	/* NULL once that guest has gone */
	domid_t a, b;
	enum nb2_bp_state state;
	u8 answered;			/* bit 0: A, bit 1: B, this step */
	u8 unsent;			/* this step's message still to send */
	u8 flags;			/* NC2_BYPASS_F_ADDRS: selected by IP */
	bool auto_origin;		/* requested by netback2_auto.c */
	unsigned long since;		/* jiffies the step began */
	char dir[48];
};

struct nb2_bp_event {
	struct list_head node;
	struct nb2_vif *vif;
	struct nc2_bypass_msg msg;
};

static LIST_HEAD(nb2_bypasses);
static u32 nb2_next_handle = 1;

/* Decoded messages from NAPI, waiting for nb2_event_work. */
static LIST_HEAD(nb2_events);
static DEFINE_SPINLOCK(nb2_events_lock);

static void nb2_event_fn(struct work_struct *w);
static void nb2_scan_fn(struct work_struct *w);
static void nb2_retry_fn(struct work_struct *w);
static void nb2_policy_fn(struct work_struct *w);
static DECLARE_WORK(nb2_event_work, nb2_event_fn);
static DECLARE_WORK(nb2_scan_work, nb2_scan_fn);
static DECLARE_WORK(nb2_policy_work, nb2_policy_fn);
static DECLARE_DELAYED_WORK(nb2_retry_work, nb2_retry_fn);

static const char * const nb2_bp_status[] = {
	[NB2_BP_CONNECTING] = "connecting",
	[NB2_BP_BACKEND_SENT] = "connecting",
	[NB2_BP_ACTIVE] = "active",
	[NB2_BP_DISABLING] = "disabling",
	[NB2_BP_DETACHING] = "detaching",
};

static void nb2_set_status(struct nb2_bypass *bp, const char *status)
{
	xenbus_printf(XBT_NIL, bp->dir, "status", "%s", status);
}

/*
 * A bypass is over. One we asked for ourselves goes from xenstore with it
 * (it may form again when the flow does), unless someone has since asked
 * to disable it: that request stays, as a veto.
 */
static void nb2_ended(struct nb2_bypass *bp)
{
	char *req;

	nb2_set_status(bp, "disabled");
	if (!bp->auto_origin)
		return;
	req = xenbus_read(XBT_NIL, bp->dir, "request", NULL);
	if (IS_ERR(req))
		return;
	if (!strcmp(req, "enable"))
		xenbus_rm(XBT_NIL, bp->dir, "");
	kfree(req);
}

static void nb2_set_state(struct nb2_bypass *bp, enum nb2_bp_state st)
{
	bp->state = st;
	bp->answered = 0;
	bp->unsent = 0;
	bp->since = jiffies;
	/* Every state but ACTIVE waits for the guests, with a deadline. */
	if (st != NB2_BP_ACTIVE)
		mod_delayed_work(system_wq, &nb2_retry_work, NB2_BP_RETRY);
	nb2_set_status(bp, nb2_bp_status[st]);
	if (bp->va)
		WRITE_ONCE(bp->va->ch.bypass_state, st);
	if (bp->vb)
		WRITE_ONCE(bp->vb->ch.bypass_state, st);
}

static void nb2_refuse(const char *dir, const char *why)
{
	xenbus_printf(XBT_NIL, dir, "status", "error");
	xenbus_printf(XBT_NIL, dir, "error", "%s", why);
}

/* Queue b on vif's parent ring and notify. Process context. */
static int nb2_send(struct nb2_vif *vif, const struct nc2_bypass_msg *b)
{
	struct nc2k_chan *ch = &vif->ch;
	struct nc2_link *l = nc2_net_link(&ch->net);
	int err;

	spin_lock_bh(&ch->lock);
	err = ch->up ? nc2_bypass_send(&ch->net, b) : -NC2_E_STATE;
	if (!err && nc2_link_push(l) > 0)
		notify_remote_via_irq(ch->irq);
	spin_unlock_bh(&ch->lock);
	return err;
}

static int nb2_send_handle(struct nb2_vif *vif, u8 type, u32 handle)
{
	struct nc2_bypass_msg b = { .type = type, .handle = handle };

	return vif ? nb2_send(vif, &b) : 0;
}

/* The message each waiting state sends to both ends. */
static u8 nb2_step_msg(const struct nb2_bypass *bp)
{
	return bp->state == NB2_BP_DISABLING ? NC2_MSG_BYPASS_DISABLE :
	       NC2_MSG_BYPASS_DETACH;
}

/*
 * Send this step's message to the ends in bits (1: A, 2: B). An end whose
 * ring is full is retried by nb2_retry_work; an end whose link is down
 * will never answer, and counts as answered (as a gone end does).
 */
static void nb2_send_step(struct nb2_bypass *bp, u8 bits)
{
	struct nb2_vif *end[2] = { bp->va, bp->vb };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		u8 bit = BIT(i);
		int err;

		if (!(bits & bit))
			continue;
		bp->unsent &= ~bit;
		if (!end[i]) {
			bp->answered |= bit;
			continue;
		}
		err = nb2_send_handle(end[i], nb2_step_msg(bp), bp->handle);
		if (err == -NC2_E_AGAIN)
			bp->unsent |= bit;
		else if (err)
			bp->answered |= bit;
	}
	if (bp->unsent)
		mod_delayed_work(system_wq, &nb2_retry_work, NB2_BP_RETRY);
}

static u8 nb2_flags(const struct nb2_vif *self)
{
	return (self->local_trusted ? NC2_BYPASS_F_LOCAL_TRUSTED : 0) |
	       (self->remote_trusted ? NC2_BYPASS_F_REMOTE_TRUSTED : 0);
}

static struct nb2_vif *nb2_find_vif(domid_t domid, unsigned int handle)
{
	struct nb2_vif *vif;

	list_for_each_entry(vif, &nb2_vifs, node)
		if (vif->domid == domid && vif->handle == handle)
			return vif;
	return NULL;
}

static struct nb2_bypass *nb2_find_pair(domid_t a, domid_t b)
{
	struct nb2_bypass *bp;

	list_for_each_entry(bp, &nb2_bypasses, node)
		if (bp->a == a && bp->b == b)
			return bp;
	return NULL;
}

static unsigned int nb2_count(const struct nb2_vif *vif)
{
	struct nb2_bypass *bp;
	unsigned int n = 0;

	list_for_each_entry(bp, &nb2_bypasses, node)
		if (bp->va == vif || bp->vb == vif)
			n++;
	return n;
}

static void nb2_free(struct nb2_bypass *bp)
{
	if (bp->va)
		WRITE_ONCE(bp->va->ch.bypass_count,
			   bp->va->ch.bypass_count - 1);
	if (bp->vb)
		WRITE_ONCE(bp->vb->ch.bypass_count,
			   bp->vb->ch.bypass_count - 1);
	list_del(&bp->node);
	kfree(bp);
}

static void nb2_disable(struct nb2_bypass *bp);

/* Whether the request in dir is our own (origin = auto). */
static bool nb2_is_auto(const char *dir)
{
	char *o = xenbus_read(XBT_NIL, dir, "origin", NULL);
	bool is_auto;

	if (IS_ERR(o))
		return false;
	is_auto = !strcmp(o, "auto");
	kfree(o);
	return is_auto;
}

static bool nb2_routed(const struct nb2_vif *vif)
{
	return vif->addrs.nr_ipv4 || vif->addrs.nr_ipv6;
}

/*
 * Protocol 10.5: after BYPASS_FRONTEND or BYPASS_BACKEND with F_ADDRS,
 * send the peer's addresses. 0, or the bypass must be torn down.
 */
static int nb2_send_addrs(struct nb2_vif *to, const struct nb2_vif *peer,
			  u32 handle)
{
	struct nc2_bypass_msg m = {
		.type = NC2_MSG_BYPASS_ADDRS,
		.handle = handle,
		.addrs = peer->addrs,
	};

	return nb2_send(to, &m);
}

/* Start a bypass between a and b: NULL, or why it was refused. */
static const char *nb2_enable(const char *dir, domid_t a, domid_t b)
{
	struct nc2_bypass_msg m = { .type = NC2_MSG_BYPASS_FRONTEND };
	unsigned int ha, hb;
	struct nb2_vif *va, *vb;
	struct nb2_bypass *bp;
	int mode;

	if (xenbus_scanf(XBT_NIL, dir, "handle-a", "%u", &ha) != 1 ||
	    xenbus_scanf(XBT_NIL, dir, "handle-b", "%u", &hb) != 1)
		return "handle-a/handle-b missing";
	va = nb2_find_vif(a, ha);
	vb = nb2_find_vif(b, hb);
	if (!va || !vb || !va->ch.up || !vb->ch.up)
		return "both vif2 devices must be connected";
	if (!xenbus_read_unsigned(va->xbdev->otherend, "feature-bypass", 0) ||
	    !xenbus_read_unsigned(vb->xbdev->otherend, "feature-bypass", 0))
		return "a frontend lacks feature-bypass";
	if (nb2_count(va) >= va->max_bypasses ||
	    nb2_count(vb) >= vb->max_bypasses)
		return "max-bypasses reached";
	if (!is_valid_ether_addr(va->guest_mac) ||
	    !is_valid_ether_addr(vb->guest_mac))
		return "guest mac unknown";
	/* Fresh: the change's own watch may not have been handled yet. */
	nb2_bypass_policy_read(va);
	nb2_bypass_policy_read(vb);
	if (!nc2_policy_pair_allowed(&va->bp_policy, a, &vb->bp_policy, b))
		return "bypass-allow does not allow this pair both ways";
	mode = nc2_bypass_mode(nb2_routed(va), nb2_routed(vb),
			       xenbus_read_unsigned(va->xbdev->otherend,
						    "feature-bypass-addrs", 0),
			       xenbus_read_unsigned(vb->xbdev->otherend,
						    "feature-bypass-addrs", 0));
	if (mode < 0)
		return nb2_routed(va) != nb2_routed(vb) ?
		       "one vif2 is routed (ip=), the other not" :
		       "a frontend lacks feature-bypass-addrs (routed pair)";
	bp = kzalloc(sizeof(*bp), GFP_KERNEL);
	if (!bp)
		return "out of memory";
	bp->flags = mode;
	bp->handle = nb2_next_handle++;
	bp->va = va;
	bp->vb = vb;
	bp->a = a;
	bp->b = b;
	bp->auto_origin = nb2_is_auto(dir);
	strscpy(bp->dir, dir, sizeof(bp->dir));
	m.handle = bp->handle;
	m.peer_domid = b;
	ether_addr_copy(m.mac, vb->guest_mac);
	m.flags = nb2_flags(va) | bp->flags;
	m.ring_pages = bypass_ring_pages;
	if (nb2_send(va, &m)) {
		kfree(bp);
		return "cannot reach frontend A";
	}
	list_add(&bp->node, &nb2_bypasses);
	WRITE_ONCE(va->ch.bypass_count, va->ch.bypass_count + 1);
	WRITE_ONCE(vb->ch.bypass_count, vb->ch.bypass_count + 1);
	xenbus_rm(XBT_NIL, dir, "error");
	nb2_set_state(bp, NB2_BP_CONNECTING);
	if (bp->flags && nb2_send_addrs(va, vb, bp->handle)) {
		xenbus_printf(XBT_NIL, dir, "error", "cannot send BYPASS_ADDRS");
		nb2_disable(bp);
	}
	return NULL;
}

static void nb2_answer(struct nb2_bypass *bp, u8 bit);

static void nb2_disable(struct nb2_bypass *bp)
{
	if (bp->state >= NB2_BP_DISABLING)
		return;
	nb2_set_state(bp, NB2_BP_DISABLING);
	/* A guest that has gone answers nothing: count it as answered. */
	nb2_send_step(bp, 3);
	/* Both ends may be out of reach already. */
	nb2_answer(bp, 0);
}

/* One request directory; called under nb2_lock. */
static void nb2_scan_one(const char *name)
{
	char dir[48];
	struct nb2_bypass *bp;
	unsigned int a, b;
	char *req;

	if (sscanf(name, "%u-%u", &a, &b) != 2 || a >= b || b >= DOMID_FIRST_RESERVED)
		return;
	snprintf(dir, sizeof(dir), NB2_BYPASS_DIR "/%u-%u", a, b);
	req = xenbus_read(XBT_NIL, dir, "request", NULL);
	if (IS_ERR(req))
		return;
	bp = nb2_find_pair(a, b);
	if (!strcmp(req, "enable") && !bp) {
		char *st = xenbus_read(XBT_NIL, dir, "status", NULL);

		/* Refused once: wait for nc2ctl to ask again (it clears status). */
		const char *why;

		if (IS_ERR(st)) {
			why = nb2_enable(dir, a, b);
			if (why)
				nb2_refuse(dir, why);
		} else {
			kfree(st);
		}
	} else if (!strcmp(req, "disable") && bp) {
		nb2_disable(bp);
	} else if (!strcmp(req, "disable")) {
		/* Nothing to tear down: answer at once. */
		char *st = xenbus_read(XBT_NIL, dir, "status", NULL);

		if (IS_ERR(st))
			xenbus_printf(XBT_NIL, dir, "status", "disabled");
		else
			kfree(st);
	}
	kfree(req);
}

static void nb2_scan_fn(struct work_struct *w)
{
	unsigned int i, n;
	char **ents;

	ents = xenbus_directory(XBT_NIL, NB2_BYPASS_DIR, "", &n);
	if (IS_ERR(ents))
		return;
	mutex_lock(&nb2_lock);
	for (i = 0; i < n; i++)
		nb2_scan_one(ents[i]);
	mutex_unlock(&nb2_lock);
	kfree(ents);
}

static void nb2_watch_fn(struct xenbus_watch *watch, const char *path,
			 const char *token)
{
	schedule_work(&nb2_scan_work);
}

static struct xenbus_watch nb2_watch = {
	.node = NB2_BYPASS_DIR,
	.callback = nb2_watch_fn,
};

static struct nb2_bypass *nb2_by_handle(u32 handle)
{
	struct nb2_bypass *bp;

	list_for_each_entry(bp, &nb2_bypasses, node)
		if (bp->handle == handle)
			return bp;
	return NULL;
}

/* A message that the protocol does not allow now: the guest misbehaves. */
static void nb2_bad(struct nb2_vif *vif)
{
	struct nc2k_chan *ch = &vif->ch;

	spin_lock_bh(&ch->lock);
	nc2_link_fail(nc2_net_link(&ch->net), NC2_EP_BYPASS);
	spin_unlock_bh(&ch->lock);
	nc2k_chan_failed(ch, -NC2_EP_BYPASS);
}

/*
 * End bit (1: A, 2: B; 0: none) answered the current step; advance when
 * both have. Frees bp when the bypass is gone.
 */
static void nb2_answer(struct nb2_bypass *bp, u8 bit)
{
	bp->answered |= bit;
	if (bp->answered != 3)
		return;
	if (bp->state == NB2_BP_DISABLING) {
		nb2_set_state(bp, NB2_BP_DETACHING);
		nb2_send_step(bp, 3);
		if (bp->answered != 3)
			return;
	}
	/* DETACHED from both: the handle is free again. */
	nb2_ended(bp);
	if (bp->va)
		WRITE_ONCE(bp->va->ch.bypass_state, 0);
	if (bp->vb)
		WRITE_ONCE(bp->vb->ch.bypass_state, 0);
	nb2_free(bp);
}

/*
 * An answer from an end we stopped waiting for (nb2_retry_fn): a slow
 * guest is not a hostile one, so its DISABLED or DETACHED for a step we
 * have moved past, or a bypass already gone, is dropped quietly. True if
 * m was such an answer.
 */
static bool nb2_late_answer(struct nb2_vif *vif, struct nb2_bypass *bp,
			    const struct nc2_bypass_msg *m)
{
	unsigned int i;
	bool expected;

	if (m->type != NC2_MSG_BYPASS_DISABLED &&
	    m->type != NC2_MSG_BYPASS_DETACHED)
		return false;
	for (i = 0; i < ARRAY_SIZE(vif->bp_late); i++)
		if (vif->bp_late[i] == m->handle)
			break;
	if (i == ARRAY_SIZE(vif->bp_late))
		return false;
	expected = bp && (vif == bp->va || vif == bp->vb) &&
		   bp->state == (m->type == NC2_MSG_BYPASS_DISABLED ?
				 NB2_BP_DISABLING : NB2_BP_DETACHING);
	if (expected)
		return false;
	if (m->type == NC2_MSG_BYPASS_DETACHED)
		vif->bp_late[i] = 0;
	return true;
}

static void nb2_event(struct nb2_vif *vif, const struct nc2_bypass_msg *m)
{
	struct nb2_bypass *bp;

	bp = nb2_by_handle(m->handle);
	if (nb2_late_answer(vif, bp, m))
		return;
	if (!bp || (vif != bp->va && vif != bp->vb)) {
		nb2_bad(vif);
		return;
	}
	switch (m->type) {
	case NC2_MSG_BYPASS_FRONTEND_READY: {
		struct nc2_bypass_msg fwd = *m;

		if (vif != bp->va || bp->state != NB2_BP_CONNECTING ||
		    m->ring_pages != bypass_ring_pages) {
			nb2_bad(vif);
			return;
		}
		if (!bp->vb) {
			nb2_disable(bp);
			return;
		}
		/* B learns A's rings exactly as A described them. */
		fwd.type = NC2_MSG_BYPASS_BACKEND;
		fwd.peer_domid = bp->a;
		ether_addr_copy(fwd.mac, bp->va->guest_mac);
		fwd.flags = nb2_flags(bp->vb) | bp->flags;
		if (nb2_send(bp->vb, &fwd)) {
			nb2_disable(bp);
			return;
		}
		nb2_set_state(bp, NB2_BP_BACKEND_SENT);
		if (bp->flags && nb2_send_addrs(bp->vb, bp->va, bp->handle))
			nb2_disable(bp);
		break;
	}
	case NC2_MSG_BYPASS_READY:
		if (vif != bp->vb || bp->state != NB2_BP_BACKEND_SENT)
			nb2_bad(vif);
		else
			nb2_set_state(bp, NB2_BP_ACTIVE);
		break;
	case NC2_MSG_BYPASS_DISABLED:
		if (bp->state != NB2_BP_DISABLING)
			nb2_bad(vif);
		else
			nb2_answer(bp, vif == bp->va ? 1 : 2);
		break;
	case NC2_MSG_BYPASS_DETACHED:
		if (bp->state != NB2_BP_DETACHING)
			nb2_bad(vif);
		else
			nb2_answer(bp, vif == bp->va ? 1 : 2);
		break;
	default:
		nb2_bad(vif);
		break;
	}
}

static void nb2_event_fn(struct work_struct *w)
{
	struct nb2_bp_event *ev;

	mutex_lock(&nb2_lock);
	for (;;) {
		spin_lock_bh(&nb2_events_lock);
		ev = list_first_entry_or_null(&nb2_events, struct nb2_bp_event,
					      node);
		if (ev) {
			list_del(&ev->node);
			ev->vif->bp_queued--;
		}
		spin_unlock_bh(&nb2_events_lock);
		if (!ev)
			break;
		nb2_event(ev->vif, &ev->msg);
		kfree(ev);
	}
	mutex_unlock(&nb2_lock);
}

void nb2_bypass_msg(struct nc2k_chan *ch, const struct nc2_msg *m)
{
	struct nb2_vif *vif = container_of(ch, struct nb2_vif, ch);
	struct nc2_bypass_msg b;
	struct nb2_bp_event *ev;
	bool flood;

	/* Checks sender role, layout and ring_pages; fails the link if bad. */
	if (nc2_net_recv_bypass(&ch->net, m, &b))
		return;
	if (b.type == NC2_MSG_SUGGEST_BYPASS) {
		/*
		 * A hint only: policy stays with the toolstack. Costs no
		 * memory and, however many come, a log line now and then.
		 */
		ch->cnt.suggest_dropped++;
		if (__ratelimit(&vif->suggest_rs))
			netdev_info(ch->dev, "guest suggests a bypass to %pM\n",
				    b.mac);
		return;
	}
	spin_lock(&nb2_events_lock);
	flood = vif->bp_queued >= NB2_BP_QUEUE_MAX;
	if (!flood)
		vif->bp_queued++;
	spin_unlock(&nb2_events_lock);
	ev = flood ? NULL : kmalloc(sizeof(*ev), GFP_ATOMIC);
	if (!ev) {
		/*
		 * More answers than steps we asked for, or no memory: losing
		 * a step would wedge the bypass, so fail the link loudly.
		 */
		if (!flood) {
			spin_lock(&nb2_events_lock);
			vif->bp_queued--;
			spin_unlock(&nb2_events_lock);
		}
		nc2_link_fail(nc2_net_link(&ch->net), NC2_EP_BYPASS);
		return;
	}
	ev->msg = b;
	ev->vif = vif;
	spin_lock(&nb2_events_lock);
	list_add_tail(&ev->node, &nb2_events);
	spin_unlock(&nb2_events_lock);
	schedule_work(&nb2_event_work);
}

/* The ends in bits did not answer bp's step in time: remember it of them. */
static void nb2_note_late(struct nb2_bypass *bp, u8 bits)
{
	struct nb2_vif *end[2] = { bp->va, bp->vb };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct nb2_vif *v = end[i];

		if (!(bits & BIT(i)) || !v)
			continue;
		v->bp_late[v->bp_late_next] = bp->handle;
		v->bp_late_next = (v->bp_late_next + 1) % ARRAY_SIZE(v->bp_late);
	}
}

/*
 * Steps whose message did not fit an end's ring are sent again; an end
 * that leaves a step unanswered past NB2_BP_STEP_TIMEOUT (its ring full,
 * or it ignores us) is taken as answered, so no guest can hold a bypass,
 * and a max-bypasses slot of its peer, in a teardown state for ever.
 */
static void nb2_retry_fn(struct work_struct *w)
{
	struct nb2_bypass *bp, *bt;
	bool again = false;

	mutex_lock(&nb2_lock);
	list_for_each_entry_safe(bp, bt, &nb2_bypasses, node) {
		u8 late;

		if (bp->state == NB2_BP_ACTIVE)
			continue;
		again = true;
		if (bp->state < NB2_BP_DISABLING) {
			/* A guest that never builds its end: tear down. */
			if (time_after(jiffies,
				       bp->since + NB2_BP_CONNECT_TIMEOUT))
				nb2_disable(bp);	/* may free bp */
			continue;
		}
		if (bp->unsent)
			nb2_send_step(bp, bp->unsent);
		if (!time_after(jiffies, bp->since + NB2_BP_STEP_TIMEOUT))
			continue;
		late = ~bp->answered & 3;
		nb2_note_late(bp, late);
		pr_warn_ratelimited("netback2: bypass %u: domain(s)%s%s did not answer %s in time; going on without\n",
				    bp->handle, late & 1 ? " A" : "",
				    late & 2 ? " B" : "",
				    bp->state == NB2_BP_DISABLING ?
				    "DISABLE" : "DETACH");
		bp->unsent = 0;
		/* May move on to DETACHING (again next round) or free bp. */
		nb2_answer(bp, late);
	}
	mutex_unlock(&nb2_lock);
	if (again)
		schedule_delayed_work(&nb2_retry_work, NB2_BP_RETRY);
}

void nb2_bypass_vif_gone(struct nb2_vif *vif)
{
	struct nb2_bp_event *ev, *tmp;
	struct nb2_bypass *bp, *bt;

	spin_lock_bh(&nb2_events_lock);
	list_for_each_entry_safe(ev, tmp, &nb2_events, node) {
		if (ev->vif == vif) {
			list_del(&ev->node);
			kfree(ev);
		}
	}
	vif->bp_queued = 0;
	spin_unlock_bh(&nb2_events_lock);

	mutex_lock(&nb2_lock);
	list_for_each_entry_safe(bp, bt, &nb2_bypasses, node) {
		u8 bit;

		if (bp->va != vif && bp->vb != vif)
			continue;
		bit = bp->va == vif ? 1 : 2;
		if (bit == 1)
			bp->va = NULL;
		else
			bp->vb = NULL;
		WRITE_ONCE(vif->ch.bypass_count, vif->ch.bypass_count - 1);
		WRITE_ONCE(vif->ch.bypass_state, 0);
		if (!bp->va && !bp->vb) {
			nb2_ended(bp);
			list_del(&bp->node);
			kfree(bp);
		} else if (bp->state < NB2_BP_DISABLING) {
			/* The survivor must drain and detach; a gone end agrees. */
			nb2_disable(bp);
		} else {
			nb2_answer(bp, bit);
		}
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
	    nb2_count(va) >= va->max_bypasses ||
	    nb2_count(vb) >= vb->max_bypasses)
		return;
	snprintf(dir, sizeof(dir), NB2_BYPASS_DIR "/%u-%u", va->domid,
		 vb->domid);
	if (xenbus_exists(XBT_NIL, dir, ""))
		return;
	/* The request key last: the scan acts on a complete directory. */
	err = xenbus_printf(XBT_NIL, dir, "domid-a", "%u", va->domid);
	err = err ?: xenbus_printf(XBT_NIL, dir, "domid-b", "%u", vb->domid);
	err = err ?: xenbus_printf(XBT_NIL, dir, "handle-a", "%u", va->handle);
	err = err ?: xenbus_printf(XBT_NIL, dir, "handle-b", "%u", vb->handle);
	err = err ?: xenbus_printf(XBT_NIL, dir, "origin", "auto");
	err = err ?: xenbus_printf(XBT_NIL, dir, "request", "enable");
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

	s = xenbus_read(XBT_NIL, vif->xbdev->nodename, "bypass-allow", &len);
	if (IS_ERR(s)) {
		nc2_policy_none(&vif->bp_policy);
		return;
	}
	if (nc2_policy_parse(&vif->bp_policy, s, len))
		dev_warn(&vif->xbdev->dev,
			 "bypass-allow '%.40s' is malformed: no bypass\n", s);
	kfree(s);
}

/* A vif's bypass-allow changed (xenwatch): re-judge in process context. */
void nb2_bypass_policy_changed(struct xenbus_watch *watch, const char *path,
			       const char *token)
{
	schedule_work(&nb2_policy_work);
}

/*
 * Re-read every connected vif's policy and tear down each bypass whose
 * pair is no longer allowed both ways, saying why in its directory.
 */
static void nb2_policy_fn(struct work_struct *w)
{
	struct nb2_bypass *bp, *t;
	struct nb2_vif *vif;

	mutex_lock(&nb2_lock);
	list_for_each_entry(vif, &nb2_vifs, node)
		nb2_bypass_policy_read(vif);
	list_for_each_entry_safe(bp, t, &nb2_bypasses, node) {
		if (bp->state >= NB2_BP_DISABLING || !bp->va || !bp->vb ||
		    nc2_policy_pair_allowed(&bp->va->bp_policy, bp->a,
					    &bp->vb->bp_policy, bp->b))
			continue;
		pr_info("netback2: bypass %u-%u: bypass-allow withdrawn, tearing it down\n",
			bp->a, bp->b);
		xenbus_printf(XBT_NIL, bp->dir, "error",
			      "bypass-allow withdrawn");
		nb2_disable(bp);
	}
	mutex_unlock(&nb2_lock);
}

int nb2_bypass_start(void)
{
	if (!bypass_ring_pages || bypass_ring_pages > NC2_BYPASS_MAX_PAGES ||
	    (bypass_ring_pages & (bypass_ring_pages - 1)))
		bypass_ring_pages = 1;
	return register_xenbus_watch(&nb2_watch);
}

void nb2_bypass_stop(void)
{
	unregister_xenbus_watch(&nb2_watch);
	cancel_work_sync(&nb2_scan_work);
	cancel_work_sync(&nb2_policy_work);
	cancel_work_sync(&nb2_event_work);
	cancel_delayed_work_sync(&nb2_retry_work);
}
