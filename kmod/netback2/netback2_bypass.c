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
 * The sequence itself, which message each guest is owed and which answer
 * it may give when, and the deadlines, is libnc2ring's (nc2/steer.h):
 * here are the requests, the policy, xenstore and the sending.
 *
 * Messages arrive in NAPI context with the channel lock held; they are
 * decoded there (the library fails the link on a bad one) and acted on
 * here, in process context under nb2_lock, so that sending to the other
 * guest never nests two channel locks.
 */
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/etherdevice.h>
#include <xen/events.h>
#include <xen/xenbus.h>

#include <nc2/steer.h>
#include <nc2/traffic.h>
#include <nc2/xenbus.h>

#include "netback2.h"
#include "netback2_bp.h"

static unsigned int bypass_ring_pages = 4;
module_param(bypass_ring_pages, uint, 0444);
MODULE_PARM_DESC(bypass_ring_pages,
		 "pages per bypass ring, a power of two up to 16");

struct nb2_bp_event {
	struct list_head node;
	struct nb2_vif *vif;
	struct nc2_bypass_msg msg;
};

struct nc2_steer nb2_slot[NB2_BP_SLOTS];
struct nb2_bp nb2_bp[NB2_BP_SLOTS];
struct nc2_steer_table nb2_steer;	/* nb2_lock */
static u32 nb2_next_key = 1;

/* Decoded messages from NAPI, waiting for nb2_event_work. */
static LIST_HEAD(nb2_events);
static DEFINE_SPINLOCK(nb2_events_lock);

static void nb2_event_fn(struct work_struct *w);
static void nb2_scan_fn(struct work_struct *w);
static void nb2_retry_fn(struct work_struct *w);
static DECLARE_WORK(nb2_event_work, nb2_event_fn);
static DECLARE_WORK(nb2_scan_work, nb2_scan_fn);
static DECLARE_WORK(nb2_policy_work, nb2_policy_fn);
static DECLARE_DELAYED_WORK(nb2_retry_work, nb2_retry_fn);

u64 nb2_now(void)
{
	return jiffies64_to_msecs(get_jiffies_64());
}

struct nb2_bp *nb2_priv(const struct nc2_steer *s)
{
	return &nb2_bp[s - nb2_slot];
}

/* The library's name for vif; a new one for each connection. nb2_lock. */
static u32 nb2_key(struct nb2_vif *vif)
{
	if (!vif->bp_key) {
		vif->bp_key = nb2_next_key++;
		if (!nb2_next_key)
			nb2_next_key = 1;
	}
	return vif->bp_key;
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

/*
 * A bypass is over. One we asked for ourselves goes from xenstore with it
 * (it may form again when the flow does), unless someone has since asked
 * to disable it: that request stays, as a veto.
 */
static void nb2_ended(struct nb2_bp *p)
{
	char *req;

	if (!p->auto_origin)
		return;
	req = xenbus_read(XBT_NIL, p->dir, NC2_XS_BP_REQUEST, NULL);
	if (IS_ERR(req))
		return;
	if (!strcmp(req, "enable"))
		xenbus_rm(XBT_NIL, p->dir, "");
	kfree(req);
}

static void nb2_publish(struct nc2_steer *s)
{
	struct nb2_bp *p = nb2_priv(s);
	unsigned int k;

	for (k = 0; k < 2; k++)
		if (p->end[k])
			WRITE_ONCE(p->end[k]->ch.bypass_state,
				   nc2_steer_live(s) ? s->state : 0);
}

/*
 * Do what the library says s needs: send what it owes (an end whose
 * ring is full is tried again at the next tick), publish its status, and
 * when it is over forget its ends. Called after every change, nb2_lock.
 */
static void nb2_run(struct nc2_steer *s)
{
	struct nb2_bp *p = nb2_priv(s);
	struct nc2_bypass_msg m;
	unsigned int end, ev, n = 0;

	/* Each message leaves the outbox or blocks its end: bounded. */
	while (n++ < 8 && nc2_steer_next(s, &end, &m)) {
		int err = p->end[end] ? nb2_send(p->end[end], &m) :
					-NC2_E_STATE;

		nc2_steer_sent(&nb2_steer, s, end, err, nb2_now());
	}
	ev = nc2_steer_events(s);
	if (ev & NC2_STEER_EV_TIMEOUT)
		xenbus_printf(XBT_NIL, p->dir, NC2_XS_BP_ERROR,
			      "a frontend did not build its end in time");
	if (ev & NC2_STEER_EV_LATE)
		pr_warn_ratelimited("netback2: bypass %u-%u: a guest did not answer in time; going on without it\n",
				    p->a, p->b);
	if (ev & NC2_STEER_EV_STATUS)
		xenbus_printf(XBT_NIL, p->dir, NC2_XS_BP_STATUS, "%s",
			      nc2_steer_status(s));
	nb2_publish(s);
	if (ev & NC2_STEER_EV_OVER) {
		unsigned int k;

		for (k = 0; k < 2; k++) {
			if (!p->end[k])
				continue;
			WRITE_ONCE(p->end[k]->ch.bypass_count,
				   p->end[k]->ch.bypass_count - 1);
			WRITE_ONCE(p->end[k]->ch.bypass_state, 0);
			p->end[k] = NULL;
		}
		nb2_ended(p);
		if (p->again) {
			/* The scan sees no status and enables it anew. */
			p->again = false;
			xenbus_rm(XBT_NIL, p->dir, NC2_XS_BP_STATUS);
			schedule_work(&nb2_scan_work);
		}
	}
	if (s->state != NC2_STEER_FREE && s->state != NC2_STEER_ACTIVE)
		mod_delayed_work(system_wq, &nb2_retry_work, NB2_BP_TICK);
}

static void nb2_run_all(void)
{
	unsigned int i;

	for (i = 0; i < NB2_BP_SLOTS; i++)
		if (nb2_slot[i].state != NC2_STEER_FREE ||
		    nb2_bp[i].end[0] || nb2_bp[i].end[1])
			nb2_run(&nb2_slot[i]);
}

static void nb2_refuse(const char *dir, const char *why)
{
	xenbus_printf(XBT_NIL, dir, NC2_XS_BP_STATUS, NC2_XS_BP_ERROR);
	xenbus_printf(XBT_NIL, dir, NC2_XS_BP_ERROR, "%s", why);
}

static u8 nb2_trust(const struct nb2_vif *self)
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

/* The live bypass between guests a and b, or NULL. nb2_lock. */
struct nc2_steer *nb2_find_pair(domid_t a, domid_t b)
{
	unsigned int i;

	for (i = 0; i < NB2_BP_SLOTS; i++)
		if (nc2_steer_live(&nb2_slot[i]) && nb2_bp[i].a == a &&
		    nb2_bp[i].b == b)
			return &nb2_slot[i];
	return NULL;
}

unsigned int nb2_count(struct nb2_vif *vif)
{
	return nc2_steer_count(&nb2_steer, nb2_key(vif));
}

/* Whether the request in dir is our own (origin = auto). */
static bool nb2_is_auto(const char *dir)
{
	char *o = xenbus_read(XBT_NIL, dir, NC2_XS_BP_ORIGIN, NULL);
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

static void nb2_end_of(struct nb2_vif *vif, struct nc2_steer_end *e)
{
	memset(e, 0, sizeof(*e));
	e->key = nb2_key(vif);
	e->domid = vif->domid;
	ether_addr_copy(e->mac, vif->guest_mac);
	e->trust = nb2_trust(vif);
	e->addrs = vif->addrs;
}

/* Start a bypass between a and b: NULL, or why it was refused. */
static const char *nb2_enable(const char *dir, domid_t a, domid_t b)
{
	struct nc2_steer_end ea, eb;
	unsigned int ha, hb;
	struct nb2_vif *va, *vb;
	struct nc2_steer *s;
	struct nb2_bp *p;
	int mode, err;

	if (xenbus_scanf(XBT_NIL, dir, NC2_XS_BP_HANDLE_A, "%u", &ha) != 1 ||
	    xenbus_scanf(XBT_NIL, dir, NC2_XS_BP_HANDLE_B, "%u", &hb) != 1)
		return "handle-a/handle-b missing";
	va = nb2_find_vif(a, ha);
	vb = nb2_find_vif(b, hb);
	if (!va || !vb || !va->ch.up || !vb->ch.up)
		return "both vif2 devices must be connected";
	if (!xenbus_read_unsigned(va->xbdev->otherend, NC2_XS_FEATURE_BYPASS, 0) ||
	    !xenbus_read_unsigned(vb->xbdev->otherend, NC2_XS_FEATURE_BYPASS, 0))
		return "a frontend lacks feature-bypass";
	if (nb2_count(va) >= min(va->max_bypasses, NC2_BYPASS_MAX_PER_END) ||
	    nb2_count(vb) >= min(vb->max_bypasses, NC2_BYPASS_MAX_PER_END))
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
						    NC2_XS_FEATURE_BYPASS_ADDRS, 0),
			       xenbus_read_unsigned(vb->xbdev->otherend,
						    NC2_XS_FEATURE_BYPASS_ADDRS, 0));
	if (mode < 0)
		return nb2_routed(va) != nb2_routed(vb) ?
		       "one vif2 is routed (ip=), the other not" :
		       "a frontend lacks feature-bypass-addrs (routed pair)";
	nb2_end_of(va, &ea);
	nb2_end_of(vb, &eb);
	err = nc2_steer_start(&nb2_steer, &ea, &eb, bypass_ring_pages, mode,
			      nb2_now(), &s);
	if (err == -NC2_E_LIMIT)
		return "too many bypasses in this backend";
	if (err)
		return "refused by the bypass sequence";
	p = nb2_priv(s);
	p->end[0] = va;
	p->end[1] = vb;
	p->a = a;
	p->b = b;
	p->auto_origin = nb2_is_auto(dir);
	p->again = false;
	p->traffic_shown = 0;
	strscpy(p->dir, dir, sizeof(p->dir));
	WRITE_ONCE(va->ch.bypass_count, va->ch.bypass_count + 1);
	WRITE_ONCE(vb->ch.bypass_count, vb->ch.bypass_count + 1);
	xenbus_rm(XBT_NIL, dir, NC2_XS_BP_ERROR);
	nb2_run(s);
	return NULL;
}

void nb2_disable(struct nc2_steer *s)
{
	nc2_steer_disable(&nb2_steer, s, nb2_now());
	nb2_run(s);
}

/*
 * An enable for a pair whose bypass already exists. Only a fresh request
 * counts (nc2ctl clears the status with each one; our own status writes
 * bring us here too): nc2ctl may have asked for a bypass netback2_auto.c
 * had just formed, or for one still going down. The request is now the
 * admin's (no idle take-down) and gets an answer: a bypass that is up
 * changes state no more, so its status is written here; one going down
 * is formed again once it is over.
 */
static void nb2_enable_again(struct nc2_steer *s, const char *dir)
{
	struct nb2_bp *p = nb2_priv(s);
	char *st = xenbus_read(XBT_NIL, dir, NC2_XS_BP_STATUS, NULL);

	if (!IS_ERR(st)) {
		kfree(st);
		return;
	}
	p->auto_origin = nb2_is_auto(dir);
	if (s->state >= NC2_STEER_DISABLING)
		p->again = true;
	xenbus_printf(XBT_NIL, dir, NC2_XS_BP_STATUS, "%s",
		      nc2_steer_status(s));
}

/* One request directory; called under nb2_lock. */
static void nb2_scan_one(const char *name)
{
	char dir[48];
	struct nc2_steer *s;
	unsigned int a, b;
	char *req;

	if (sscanf(name, "%u-%u", &a, &b) != 2 || a >= b || b >= DOMID_FIRST_RESERVED)
		return;
	snprintf(dir, sizeof(dir), NB2_BYPASS_DIR "/%u-%u", a, b);
	req = xenbus_read(XBT_NIL, dir, NC2_XS_BP_REQUEST, NULL);
	if (IS_ERR(req))
		return;
	s = nb2_find_pair(a, b);
	if (!strcmp(req, "enable") && s) {
		nb2_enable_again(s, dir);
	} else if (!strcmp(req, "enable")) {
		char *st = xenbus_read(XBT_NIL, dir, NC2_XS_BP_STATUS, NULL);

		/* Refused once: wait for nc2ctl to ask again (it clears status). */
		const char *why;

		if (IS_ERR(st)) {
			why = nb2_enable(dir, a, b);
			if (why)
				nb2_refuse(dir, why);
		} else {
			kfree(st);
		}
	} else if (!strcmp(req, "disable") && s) {
		nb2_disable(s);
	} else if (!strcmp(req, "disable")) {
		/* Nothing to tear down: answer at once. */
		char *st = xenbus_read(XBT_NIL, dir, NC2_XS_BP_STATUS, NULL);

		if (IS_ERR(st))
			xenbus_printf(XBT_NIL, dir, NC2_XS_BP_STATUS, "disabled");
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

/* vif broke the sequence: fail its link and go on without it. nb2_lock. */
static void nb2_bad(struct nb2_vif *vif)
{
	struct nc2k_chan *ch = &vif->ch;

	spin_lock_bh(&ch->lock);
	nc2_link_fail(nc2_net_link(&ch->net), -NC2_EP_BYPASS);
	spin_unlock_bh(&ch->lock);
	nc2k_chan_failed(ch, -NC2_EP_BYPASS);
	nc2_steer_gone(&nb2_steer, nb2_key(vif), nb2_now());
	nb2_run_all();
}

static void nb2_event(struct nb2_vif *vif, const struct nc2_bypass_msg *m)
{
	struct nc2_steer *s;
	int r;

	r = nc2_steer_recv(&nb2_steer, nb2_key(vif), m, nb2_now(), &s);
	if (r < 0) {
		nb2_bad(vif);
		return;
	}
	if (s)
		nb2_run(s);
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
		nc2_link_fail(nc2_net_link(&ch->net), -NC2_EP_BYPASS);
		return;
	}
	ev->msg = b;
	ev->vif = vif;
	spin_lock(&nb2_events_lock);
	list_add_tail(&ev->node, &nb2_events);
	spin_unlock(&nb2_events_lock);
	schedule_work(&nb2_event_work);
}

/*
 * The library's deadlines: a bypass that does not come up, an end that
 * leaves a step unanswered (its ring full, or it ignores us) is let go,
 * so no guest can hold a bypass, or a max-bypasses slot of its peer, in
 * a teardown state for ever. Ends whose ring was full are tried again.
 */
static void nb2_retry_fn(struct work_struct *w)
{
	u32 waiting;

	mutex_lock(&nb2_lock);
	waiting = nc2_steer_tick(&nb2_steer, nb2_now());
	nb2_run_all();
	mutex_unlock(&nb2_lock);
	if (waiting)
		schedule_delayed_work(&nb2_retry_work, NB2_BP_TICK);
}

void nb2_bypass_vif_gone(struct nb2_vif *vif)
{
	struct nb2_bp_event *ev, *tmp;
	unsigned int i, k;

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
	/* The survivor of each bypass drains and detaches without it. */
	for (i = 0; i < NB2_BP_SLOTS; i++)
		for (k = 0; k < 2; k++)
			if (nb2_bp[i].end[k] == vif)
				nb2_bp[i].end[k] = NULL;
	if (vif->bp_key)
		nc2_steer_gone(&nb2_steer, vif->bp_key, nb2_now());
	/* A reconnection is a new frontend to the library. */
	vif->bp_key = 0;
	WRITE_ONCE(vif->ch.bypass_count, 0);
	WRITE_ONCE(vif->ch.bypass_state, 0);
	nb2_run_all();
	mutex_unlock(&nb2_lock);
}

/* A vif's bypass-allow changed (xenwatch): re-judge in process context. */
void nb2_bypass_policy_changed(struct xenbus_watch *watch, const char *path,
			       const char *token)
{
	schedule_work(&nb2_policy_work);
}

int nb2_bypass_start(void)
{
	nc2_steer_init(&nb2_steer, nb2_slot, NB2_BP_SLOTS);
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
