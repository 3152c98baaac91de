// SPDX-License-Identifier: MIT
/*
 * TX: TAP frame -> PACKET. The frame lands in a slot's pages; its headers
 * go inline and the rest is granted as sub-page grants covering exactly
 * the packet bytes, so the receiver can see nothing else of our memory.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/uio.h>

#include "front.h"
#include "util.h"
#include "vnet.h"

static int slot_get(struct front *f)
{
	int s = f->free_slot;

	if (s >= 0)
		f->free_slot = f->slot[s].next;
	return s;
}

static void slot_put(struct front *f, int s)
{
	f->slot[s].next = f->free_slot;
	f->free_slot = s;
}

static void tap_block(struct front *f, bool block)
{
	struct epoll_event ev = { .events = block ? 0 : EPOLLIN,
				  .data.fd = f->tapfd };

	if (f->tap_blocked == block)
		return;
	f->tap_blocked = block;
	epoll_ctl(f->epfd, EPOLL_CTL_MOD, f->tapfd, &ev);
}

/* Read one frame into slot s; 1 if read, 0 if none, -1 to drop. */
static int tap_read(struct front *f, int s)
{
	struct txslot *t = &f->slot[s];
	struct iovec iov[1 + PBUF_PAGES];
	ssize_t n;

	iov[0].iov_base = &t->vh;
	iov[0].iov_len = sizeof(t->vh);
	pbuf_iov(&t->buf, PBUF_BYTES, iov + 1);
	n = readv(f->tapfd, iov, 1 + PBUF_PAGES);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if ((size_t)n <= sizeof(t->vh) + 14 ||
	    (size_t)n - sizeof(t->vh) > NC2_MAX_PACKET_BYTES)
		return -1;
	t->len = (uint32_t)(n - sizeof(t->vh));
	t->granted = false;
	if (vnet_to_pkt(&t->vh, t->buf.page[0], t->len, CHAN_INLINE, &t->pkt))
		return -1;
	t->pkt.prefix = t->buf.page[0];
	return 1;
}

/* 0 sent, -NC2_E_AGAIN to retry later, other <0: dropped. */
static int tx_send(struct front *f, int s)
{
	struct txslot *t = &f->slot[s];
	struct chan *ch;
	int err;

	/* Route again at every try: a bypass may have come or gone. */
	ch = front_route(f, t->buf.page[0]);
	if (!ch) {
		t->ch = NULL; /* held until its bypass has drained */
		return -NC2_E_AGAIN;
	}
	if (t->ch != ch && t->granted) {
		/* Grants name the old peer: make them for the new one. */
		if (pbuf_ungrant(f->hv, &t->pkt))
			return -NC2_E_AGAIN;
		t->granted = false;
	}
	t->ch = ch;
	if (!ch->live)
		return -NC2_E_STATE;
	if (t->pkt.type != NC2_PKT_SMALL && !t->granted) {
		err = pbuf_grant(f->hv, &t->buf, ch->peer, t->pkt.prefix_size,
				 t->len, &t->pkt);
		if (err)
			return -NC2_E_AGAIN;
		t->granted = true;
	}
	err = nc2_net_send_packet(&ch->net, &t->pkt, t);
	if (err < 0)
		return err;
	ch->dirty = true;
	if (err == NC2_NET_SENT_ID) {
		t->inflight = true;
		if (f->evil == EVIL_REVOKE) {
			int busy = pbuf_ungrant(f->hv, &t->pkt);

			f->st.revoked += t->pkt.nr_frags - busy;
			f->st.revoke_busy += busy;
		}
	}
	return 0;
}

static void tx_drop(struct front *f, int s)
{
	struct txslot *t = &f->slot[s];

	if (t->granted)
		pbuf_ungrant(f->hv, &t->pkt);
	t->granted = false;
	t->ch = NULL;
	f->st.tx_drops++;
	slot_put(f, s);
}

static void tx_sent(struct front *f, int s)
{
	f->st.tx_pkts++;
	f->st.tx_bytes += f->slot[s].len;
	if (f->slot[s].pkt.type == NC2_PKT_SMALL) {
		f->slot[s].ch = NULL;
		slot_put(f, s);
	}
}

/*
 * Send the frames held while a bypass drained, oldest first, those whose
 * bypass has let them go (DISABLED is out: they take the parent). False
 * if one of them waits for ring room: nothing newer may go before it.
 */
static bool flush_held(struct front *f)
{
	unsigned int kept = 0;
	bool stuck = false;

	for (unsigned int i = 0; i < f->nheld; i++) {
		int s = f->held[i], err;

		if (stuck) {
			f->held[kept++] = s;
			continue;
		}
		err = tx_send(f, s);
		if (err == -NC2_E_AGAIN) {
			struct chan *ch = f->slot[s].ch;

			/* Still held, or it must wait (ring full). */
			if (ch)
				nc2_link_want_space(&ch->net.link, 1024);
			stuck = ch || front_route(f, f->slot[s].buf.page[0]);
			f->held[kept++] = s;
			continue;
		}
		if (err)
			tx_drop(f, s);
		else
			tx_sent(f, s);
	}
	f->nheld = kept;
	return !stuck;
}

void front_tx(struct front *f)
{
	if (f->connected && f->nheld && !flush_held(f)) {
		tap_block(f, true);
		return;
	}
	while (f->connected) {
		int s = f->pending, err;

		f->pending = -1;
		if (s < 0) {
			s = slot_get(f);
			if (s < 0) {
				tap_block(f, true);
				return;
			}
			f->slot[s].ch = NULL;
			err = tap_read(f, s);
			if (err == 0) {
				slot_put(f, s);
				tap_block(f, false);
				return;
			}
			if (err < 0) {
				tx_drop(f, s);
				continue;
			}
		}
		err = tx_send(f, s);
		if (err == -NC2_E_AGAIN) {
			struct chan *ch = f->slot[s].ch;

			if (!ch && f->nheld < FRONT_HELD_MAX) {
				/* Its bypass drains: held, after those before. */
				f->held[f->nheld++] = s;
				continue;
			}
			if (!ch && !front_bypass_hold_drains(f,
						f->slot[s].buf.page[0])) {
				/* A failed bypass waits for the backend: drop. */
				tx_drop(f, s);
				continue;
			}
			/* Ring full, or enough held: wait, reading no more. */
			f->pending = s;
			tap_block(f, true);
			if (!ch)
				return;
			/* Ask for an event when ring space frees up. */
			if (nc2_link_want_space(&ch->net.link, 1024) > 0)
				continue;
			return;
		}
		if (err) {
			tx_drop(f, s);
			continue;
		}
		tx_sent(f, s);
	}
}

void front_tx_done(struct front *f, struct txslot *t)
{
	int s;

	/* NULL: an id the hostile modes took for a hand-made packet. */
	if (!t || !t->inflight)
		return;
	s = (int)(t - f->slot);
	t->inflight = false;
	/* Still busy means the peer finished before its copy ended. */
	if (t->granted && pbuf_ungrant(f->hv, &t->pkt)) {
		f->zombies++;
		t->next = -2;
		return;
	}
	t->granted = false;
	t->ch = NULL;
	slot_put(f, s);
	tap_block(f, false);
}

void front_tx_reap(struct front *f)
{
	for (unsigned int s = 0; f->zombies && s < FRONT_SLOTS; s++) {
		struct txslot *t = &f->slot[s];

		if (t->next != -2 || pbuf_ungrant(f->hv, &t->pkt))
			continue;
		f->zombies--;
		t->granted = false;
		t->ch = NULL;
		slot_put(f, (int)s);
	}
}
