// SPDX-License-Identifier: MIT
/*
 * RX: receiver-side copy. Each PACKET's fragments are grants (the
 * backend's transitive grants onto the sender's buffer, a backend buffer,
 * or a bypass peer's buffer); we copy them into our own pages with one
 * batched grant copy, hand the frames to the TAP, then FINISH the ids.
 */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "front.h"
#include "util.h"
#include "vnet.h"

#define RX_OPS 512u

struct rxent {
	struct nc2_pkt pkt;
	int op0, nops;
};

static void deliver(struct front *f, struct chan *ch, struct rxent *e,
		    struct pbuf *b, const struct nc2_hv_copy_op *ops)
{
	struct iovec iov[1 + PBUF_PAGES];
	struct virtio_net_hdr vh;

	for (int i = 0; i < e->nops; i++) {
		if (ops[e->op0 + i].status != GNTST_okay) {
			f->st.copy_errors++;
			f->st.rx_drops++;
			return;
		}
	}
	/*
	 * The whole frame is in our own buffer now (prefix copied out of the
	 * ring once, the rest by grant copy): check the source there.
	 */
	if (ch != &f->parent &&
	    !front_bypass_src_ok(f, ch, b->page[0], e->pkt.total_len)) {
		f->st.rx_drops++;
		return;
	}
	vnet_from_pkt(&e->pkt, &vh);
	iov[0].iov_base = &vh;
	iov[0].iov_len = sizeof(vh);
	pbuf_iov(b, e->pkt.total_len, iov + 1);
	if (writev(f->tapfd, iov,
		   1 + (int)((e->pkt.total_len + NC2_PAGE_SIZE - 1) /
			     NC2_PAGE_SIZE)) < 0) {
		f->st.rx_drops++;
		return;
	}
	f->st.rx_pkts++;
	f->st.rx_bytes += e->pkt.total_len;
}

static int on_finish(struct front *f, struct chan *ch, const struct nc2_msg *m)
{
	struct nc2_link *l = nc2_net_link(&ch->net);
	struct nc2_finish_iter it;
	void *t;
	int r = nc2_link_finish_begin(l, m, &it);

	while (r == 0 && (r = nc2_link_finish_next(l, &it, NULL, &t)) > 0) {
		front_tx_done(f, t);
		r = 0;
	}
	return r;
}

int front_rx(struct front *f, struct chan *ch)
{
	static struct nc2_hv_copy_op ops[RX_OPS];
	struct rxent ent[FRONT_RXB];
	uint32_t ids[FRONT_RXB], nids = 0;
	unsigned int n = 0, nops = 0;
	struct nc2_msg m;
	int r = 0, work = 0;

	if (!ch->live)
		return 0;
	while (n < FRONT_RXB && nops + 2 * CHAN_MAX_FRAGS <= RX_OPS &&
	       (r = nc2_net_poll(&ch->net, &m)) > 0) {
		work = 1;
		if (m.type == NC2_MSG_FINISH) {
			r = on_finish(f, ch, &m);
		} else if (m.type == NC2_MSG_PACKET) {
			struct rxent *e = &ent[n];

			r = nc2_net_recv_packet(&ch->net, &m, &e->pkt);
			if (r == 0) {
				/* The prefix lives in the ring: copy it out now. */
				pbuf_put(&f->rxbuf[n], 0, e->pkt.prefix,
					 e->pkt.prefix_size);
				e->op0 = (int)nops;
				e->nops = pbuf_copy_ops(&f->rxbuf[n], &e->pkt,
							ch->peer, ops + nops);
				nops += (unsigned int)e->nops;
				n++;
			}
		} else if (ch == &f->parent) {
			r = front_bypass_msg(f, &m);
		} else {
			r = -NC2_EP_MSG_TYPE;
		}
		if (r < 0)
			break;
		nc2_link_consume(nc2_net_link(&ch->net));
	}
	if (nops && nc2_hv_copy(f->hv, ops, nops) < 0)
		for (unsigned int i = 0; i < nops; i++)
			ops[i].status = GNTST_general_error;
	for (unsigned int i = 0; i < n; i++) {
		deliver(f, ch, &ent[i], &f->rxbuf[i], ops);
		if (ent[i].pkt.type != NC2_PKT_SMALL)
			ids[nids++] = ent[i].pkt.id;
	}
	if (nids)
		chan_finish(ch, ids, nids);
	if (r < 0 && r != -NC2_E_AGAIN) {
		logi("link to dom%u failed: %s", ch->peer, nc2_strerror(r));
		return r;
	}
	return work;
}
