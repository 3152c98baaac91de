// SPDX-License-Identifier: MIT
/*
 * The backend data path. Packets from a frontend (or the dom0 TAP) become
 * jobs; copies the backend itself must do are batched into one grant-copy
 * call; then each job is delivered in arrival order:
 *   small          inline, nothing to copy, no id
 *   receiver copy  a transitive grant per fragment onto the sender's own
 *                  sub-page grant; the sender's id is finished only when
 *                  the receiver finishes ours
 *   backend copy   data copied into a backend buffer (sender finished at
 *                  once), then granted sub-page to each receiver
 * Everything the backend holds for a receiver is charged to that
 * receiver's limiter, so a slow or stalled frontend is capped.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>

#include "back.h"
#include "util.h"
#include "vnet.h"

struct back *B;

int buf_get(void)
{
	int b = B->free_buf;

	if (b >= 0) {
		B->free_buf = B->buf[b].next;
		B->buf[b].refs = 1;
	}
	return b;
}

static void tap_block(bool block)
{
	struct epoll_event ev = { .events = block ? 0 : EPOLLIN,
				  .data.u32 = 0 };

	if (B->tapfd < 0 || B->tap_blocked == block)
		return;
	B->tap_blocked = block;
	epoll_ctl(B->epfd, EPOLL_CTL_MOD, B->tapfd, &ev);
}

void buf_put(int b)
{
	if (--B->buf[b].refs > 0)
		return;
	B->buf[b].next = B->free_buf;
	B->free_buf = b;
	tap_block(false);
}

static int fwd_get(void)
{
	int f = B->free_fwd;

	if (f >= 0) {
		B->free_fwd = B->fwd[f].next;
		memset(&B->fwd[f], 0, offsetof(struct fwd, pkt));
		B->fwd[f].buf = -1;
	}
	return f;
}

/* We owe src a FINISH for id, unless it reconnected or left since. */
static void owe_finish(int src, uint32_t gen, uint32_t id)
{
	struct vif *s;

	if (src < 0)
		return;
	s = &B->vif[src];
	if (s->used && s->gen == gen && s->ch.live && !s->failed)
		chan_finish(&s->ch, &id, 1);
}

/* Answer every sender the ledger says may be answered now. */
static void answer_ready(void)
{
	uint32_t src, gen, id;

	while (nc2_fwdl_next_answer(&B->led, &src, &gen, &id) > 0)
		owe_finish((int)src, gen, id);
}

/*
 * gref (of backend buffer buf, or for ledger entry lh) is still busy:
 * retry it later. With no room left it is never retried: the data stays
 * put and the sender it holds up is never answered (its entry stays
 * taken, as other zombies may still name it).
 */
static void zombie(uint32_t gref, int buf, uint32_t lh)
{
	if (buf >= 0)
		B->buf[buf].refs++; /* keep the data */
	if (B->nzombie < sizeof(B->zombie) / sizeof(B->zombie[0])) {
		B->zombie[B->nzombie].gref = gref;
		B->zombie[B->nzombie].buf = buf;
		B->zombie[B->nzombie++].lh = lh;
	}
}

/*
 * Revoke our grants of fwd f and settle what it owed: its receiver is
 * done with it (FINISHed, never got it, or gone), so a transitive
 * forward's sender is answered once the grants into it have ended.
 */
static void fwd_release(int fi)
{
	struct fwd *f = &B->fwd[fi];
	uint32_t lh = f->led ? f->lh : ZOMBIE_NO_LH;

	if (f->led)
		nc2_fwdl_dest_done(&B->led, lh);
	for (unsigned int i = 0; f->kind != FWD_INLINE && i < f->pkt.nr_frags;
	     i++) {
		if (!f->pkt.frag[i].gref)
			continue;
		/* Busy only if the receiver FINISHed while still copying. */
		if (nc2_hv_end_access(B->hv, f->pkt.frag[i].gref) == -EBUSY)
			zombie(f->pkt.frag[i].gref, f->buf, lh);
		else if (f->led)
			nc2_fwdl_grant_ended(&B->led, lh, 1);
	}
	f->led = false;
	f->inflight = false;
	answer_ready();
	if (f->buf >= 0)
		buf_put(f->buf);
	if (f->bytes)
		nc2_limiter_unqueue(&B->vif[f->dst].lim, f->bytes);
	f->next = B->free_fwd;
	B->free_fwd = fi;
}

void back_reap(void)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < B->nzombie; i++) {
		struct zombie *z = &B->zombie[i];

		if (nc2_hv_end_access(B->hv, z->gref) == -EBUSY) {
			B->zombie[k++] = *z;
			continue;
		}
		if (z->lh != ZOMBIE_NO_LH)
			nc2_fwdl_grant_ended(&B->led, z->lh, 1);
		if (z->buf >= 0)
			buf_put(z->buf);
	}
	B->nzombie = k;
	answer_ready();
}

static void drop(struct vif *v, int fi)
{
	if (v)
		v->st.drops++;
	B->st.drops++;
	fwd_release(fi);
}

static int vif_send(struct vif *v, int fi)
{
	struct fwd *f = &B->fwd[fi];
	int r = nc2_net_send_packet(&v->ch.net, &f->pkt, f);

	if (r < 0)
		return r;
	v->ch.dirty = true;
	v->st.tx_pkts++;
	v->st.tx_bytes += f->pkt.total_len;
	if (r == NC2_NET_SENT_INLINE)
		fwd_release(fi);
	else
		f->inflight = true;
	return 0;
}

static void want_space(struct vif *v)
{
	nc2_link_want_space(&v->ch.net.link, 1024);
}

static void deliver(struct vif *v, int fi)
{
	struct fwd *f = &B->fwd[fi];
	int r;

	if (!v->used || v->failed || !v->ch.live || !v->carrier ||
	    nc2_limiter_queue(&v->lim, f->pkt.total_len)) {
		drop(v, fi);
		return;
	}
	f->bytes = f->pkt.total_len;
	if (v->qlen == 0) {
		r = vif_send(v, fi);
		if (r == 0)
			return;
		if (r != -NC2_E_AGAIN) {
			drop(v, fi);
			return;
		}
	}
	if (v->qlen >= BACK_QMAX) {
		drop(v, fi);
		return;
	}
	v->q[(v->qhead + v->qlen++) % BACK_QMAX] = fi;
	want_space(v);
}

void back_vif_drain(struct vif *v)
{
	while (v->qlen) {
		int r = vif_send(v, v->q[v->qhead]);

		if (r == -NC2_E_AGAIN) {
			want_space(v);
			return;
		}
		if (r)
			drop(v, v->q[v->qhead]);
		v->qhead = (v->qhead + 1) % BACK_QMAX;
		v->qlen--;
	}
}

void back_vif_drop_queue(struct vif *v)
{
	while (v->qlen) {
		drop(v, v->q[v->qhead]);
		v->qhead = (v->qhead + 1) % BACK_QMAX;
		v->qlen--;
	}
}

/*
 * v stalled: receiver copy would leave each sender's id pinned behind a
 * transitive grant v may never use. Revoke those grants (v cannot copy
 * any more) and finish the senders now; v's own ids stay outstanding
 * until it FINISHes them or goes away.
 */
void back_vif_orphan(struct vif *v)
{
	for (unsigned int fi = 0; fi < BACK_FWDS; fi++) {
		struct fwd *f = &B->fwd[fi];
		unsigned int busy = 0;

		if (!f->inflight || f->dst != vif_index(v) || !f->led)
			continue;
		for (unsigned int i = 0; i < f->pkt.nr_frags; i++) {
			if (!f->pkt.frag[i].gref)
				continue;
			if (nc2_hv_end_access(B->hv, f->pkt.frag[i].gref) ==
			    -EBUSY) {
				busy++;
				continue;
			}
			f->pkt.frag[i].gref = 0;
			nc2_fwdl_grant_ended(&B->led, f->lh, 1);
		}
		if (busy)
			continue;
		/* v can copy nothing more: it is done, by decree. */
		nc2_fwdl_dest_done(&B->led, f->lh);
		f->led = false;
	}
	answer_ready();
}

void back_vif_release_all(struct vif *v)
{
	back_vif_drop_queue(v);
	for (int fi = 0; fi < BACK_FWDS; fi++)
		if (B->fwd[fi].inflight && B->fwd[fi].dst == vif_index(v))
			fwd_release(fi);
}

/* One receiver's copy of job j. */
static void to_vif(struct job *j, int d)
{
	struct vif *v = &B->vif[d];
	struct fwd *f;
	int fi, err = 0;

	if (d == j->src || !v->used)
		return;
	fi = fwd_get();
	if (fi < 0) {
		v->st.drops++;
		return;
	}
	f = &B->fwd[fi];
	f->dst = d;
	f->pkt = j->pkt;
	memcpy(f->prefix, j->prefix, j->pkt.prefix_size);
	f->pkt.prefix = f->prefix;
	if (j->pkt.type == NC2_PKT_SMALL) {
		f->kind = FWD_INLINE;
	} else if (j->buf < 0) {
		struct vif *s = &B->vif[j->src];

		f->kind = FWD_TRANS;
		/* The sender's id now rides on ours: answered per the ledger. */
		if (nc2_fwdl_add(&B->led, (uint32_t)j->src, j->src_gen, j->id,
				 f->pkt.nr_frags, &f->lh)) {
			/* Full of entries for grants still busy: drop. */
			f->kind = FWD_INLINE;
			drop(v, fi);
			return;
		}
		f->led = true;
		j->has_id = false;
		for (unsigned int i = 0; i < f->pkt.nr_frags; i++) {
			int g = nc2_hv_grant_transitive(B->hv, v->domid,
							s->domid,
							j->pkt.frag[i].gref,
							true);

			f->pkt.frag[i].gref = g < 0 ? 0 : (uint32_t)g;
			if (g < 0) {
				err = g;
				nc2_fwdl_grant_ended(&B->led, f->lh, 1);
			} else {
				B->st.trans_grants++;
			}
		}
	} else {
		f->kind = FWD_BUF;
		f->buf = j->buf;
		B->buf[j->buf].refs++;
		err = pbuf_grant(B->hv, &B->buf[j->buf].pb, v->domid,
				 j->pkt.prefix_size, j->pkt.total_len, &f->pkt);
	}
	if (err) {
		drop(v, fi);
		return;
	}
	deliver(v, fi);
}

static void to_tap(struct job *j)
{
	struct iovec iov[1 + PBUF_PAGES];
	struct virtio_net_hdr vh;
	int n;

	if (B->tapfd < 0)
		return;
	vnet_from_pkt(&j->pkt, &vh);
	iov[0].iov_base = &vh;
	iov[0].iov_len = sizeof(vh);
	if (j->buf >= 0) {
		n = pbuf_iov(&B->buf[j->buf].pb, j->pkt.total_len, iov + 1);
	} else {
		iov[1].iov_base = j->prefix;
		iov[1].iov_len = j->pkt.total_len;
		n = 1;
	}
	if (writev(B->tapfd, iov, 1 + n) < 0)
		B->st.drops++;
	else
		B->st.tap_tx++;
}

static void route(struct job *j)
{
	if (j->dport == PORT_FLOOD) {
		for (int d = 0; d < BACK_VIFS; d++)
			if (B->vif[d].used && B->vif[d].ch.live)
				to_vif(j, d);
		if (j->src >= 0)
			to_tap(j);
	} else if (j->dport == PORT_TAP) {
		if (j->src >= 0)
			to_tap(j);
	} else if (j->dport != j->src) {
		to_vif(j, j->dport);
	}
}

void back_flush(void)
{
	if (B->nops && nc2_hv_copy(B->hv, B->ops, B->nops) < 0)
		for (unsigned int i = 0; i < B->nops; i++)
			B->ops[i].status = GNTST_general_error;
	for (unsigned int k = 0; k < B->njobs; k++) {
		struct job *j = &B->job[k];
		bool ok = true;

		for (int i = 0; i < j->nops; i++)
			ok &= B->ops[j->op0 + i].status == GNTST_okay;
		if (ok) {
			route(j);
		} else {
			B->st.copy_errors++;
			if (j->src >= 0)
				B->vif[j->src].st.copy_errors++;
		}
		if (j->has_id)
			owe_finish(j->src, j->src_gen, j->id);
		if (j->buf >= 0)
			buf_put(j->buf);
	}
	B->njobs = 0;
	B->nops = 0;
	for (int d = 0; d < BACK_VIFS; d++)
		if (B->vif[d].used && B->vif[d].ch.live &&
		    chan_kick(&B->vif[d].ch) == -ENOTCONN)
			vif_remove(&B->vif[d], "port closed");
}

/* Queue job j's copy into a backend buffer. -1: no buffer, dropped. */
static int job_copy(struct job *j, uint16_t src_domid)
{
	struct pbuf *pb;

	j->buf = buf_get();
	if (j->buf < 0)
		return -1;
	pb = &B->buf[j->buf].pb;
	pbuf_put(pb, 0, j->prefix, j->pkt.prefix_size);
	j->op0 = (int)B->nops;
	j->nops = pbuf_copy_ops(pb, &j->pkt, src_domid, B->ops + B->nops);
	B->nops += (unsigned int)j->nops;
	return 0;
}

/* v FINISHed the packet sent as f (its id's token). */
static void fwd_done(struct vif *v, struct fwd *f)
{
	if (!f->inflight)
		return;
	nc2_limiter_progress(&v->lim, f->bytes);
	fwd_release((int)(f - B->fwd));
}

static int on_finish(struct vif *v, const struct nc2_msg *m)
{
	struct nc2_link *l = nc2_net_link(&v->ch.net);
	struct nc2_finish_iter it;
	void *f;
	int r = nc2_link_finish_begin(l, m, &it);

	while (r == 0 && (r = nc2_link_finish_next(l, &it, NULL, &f)) > 0) {
		fwd_done(v, f);
		r = 0;
	}
	return r;
}

static int on_packet(struct vif *v, const struct nc2_msg *m, uint64_t now)
{
	struct job *j = &B->job[B->njobs];
	int r = nc2_net_recv_packet(&v->ch.net, m, &j->pkt);
	bool need_buf;

	if (r)
		return r;
	v->st.rx_pkts++;
	v->st.rx_bytes += j->pkt.total_len;
	j->src = vif_index(v);
	j->src_gen = v->gen;
	j->has_id = j->pkt.type != NC2_PKT_SMALL;
	j->id = j->pkt.id;
	j->nops = 0;
	j->buf = -1;
	memcpy(j->prefix, j->pkt.prefix, j->pkt.prefix_size);
	j->pkt.prefix = j->prefix;
	if (j->pkt.prefix_size < 14) {
		/* A runt: no Ethernet header to switch on. */
		v->st.drops++;
		if (j->has_id)
			chan_finish(&v->ch, &j->id, 1);
		return 0;
	}
	sw_learn(j->prefix + 6, j->src);
	j->dport = sw_lookup(j->prefix);
	back_bypass_frame(j->src, j->prefix, j->pkt.prefix_size,
			  j->pkt.total_len);
	need_buf = j->pkt.type != NC2_PKT_SMALL &&
		   (B->mode == MODE_BACKEND || j->dport < 0);
	if (need_buf) {
		uint64_t wait = nc2_limiter_charge_copy(&v->lim,
							j->pkt.total_len, now);

		if (wait)
			v->block_until = now + wait;
		if (job_copy(j, v->domid)) {
			v->st.drops++;
			chan_finish(&v->ch, &j->id, 1);
			return 0;
		}
	}
	B->njobs++;
	return 0;
}

int back_vif_poll(struct vif *v)
{
	uint64_t now = now_ns();
	struct nc2_msg m;
	uint32_t msgs = 0;
	int r = 0, work = 0;

	if (!v->used || !v->ch.live || v->failed)
		return 0;
	if (v->block_until > now)
		return 0;
	while (B->njobs < BACK_JOBS &&
	       B->nops + 2 * CHAN_MAX_FRAGS <= BACK_OPS &&
	       (r = nc2_net_poll(&v->ch.net, &m)) > 0) {
		work = 1;
		msgs++;
		if (m.type == NC2_MSG_FINISH)
			r = on_finish(v, &m);
		else if (m.type == NC2_MSG_PACKET)
			r = on_packet(v, &m, now);
		else
			r = back_bypass_msg(v, &m);
		if (r < 0)
			break;
		nc2_link_consume(nc2_net_link(&v->ch.net));
		if (v->block_until > now)
			break;
	}
	/* Its messages earn the responses (FINISHes) back_flush() sends. */
	nc2_limiter_peer_msgs(&v->lim, msgs);
	back_flush();
	if (r == -NC2_E_CLOSED) {
		vif_remove(v, "frontend closed the link");
		return work;
	}
	if (r < 0 && r != -NC2_E_AGAIN) {
		vif_fail(v, r);
		return work;
	}
	if (v->used)
		back_vif_drain(v);
	return work;
}

void back_tap_poll(void)
{
	for (int k = 0; B->tapfd >= 0 && k < 32; k++) {
		struct job *j = &B->job[B->njobs];
		struct iovec iov[1 + PBUF_PAGES];
		struct virtio_net_hdr vh;
		struct pbuf *pb;
		ssize_t n;
		int b = buf_get();

		if (b < 0) {
			tap_block(true);
			break;
		}
		pb = &B->buf[b].pb;
		iov[0].iov_base = &vh;
		iov[0].iov_len = sizeof(vh);
		pbuf_iov(pb, PBUF_BYTES, iov + 1);
		n = readv(B->tapfd, iov, 1 + PBUF_PAGES);
		if (n < 0) {
			buf_put(b);
			break;
		}
		n -= (ssize_t)sizeof(vh);
		if (n < 14 || n > (ssize_t)NC2_MAX_PACKET_BYTES ||
		    vnet_to_pkt(&vh, pb->page[0], (uint32_t)n, CHAN_INLINE,
				&j->pkt)) {
			buf_put(b);
			B->st.drops++;
			continue;
		}
		B->st.tap_rx++;
		memcpy(j->prefix, pb->page[0], j->pkt.prefix_size);
		j->pkt.prefix = j->prefix;
		j->src = -1;
		j->has_id = false;
		j->buf = b;
		j->nops = 0;
		sw_learn(j->prefix + 6, PORT_TAP);
		j->dport = sw_lookup(j->prefix);
		if (++B->njobs == BACK_JOBS)
			back_flush();
	}
	back_flush();
}
