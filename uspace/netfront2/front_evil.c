// SPDX-License-Identifier: MIT
/*
 * Hostile frontend modes. Each replays one class of Xen security advisory
 * against the backend; the e2e tests check that the backend survives and
 * keeps serving everyone else. The malformed packets bypass the library's
 * encoder checks (which would refuse them) by writing the ring directly,
 * exactly what a malicious guest kernel could do.
 */
#include <string.h>

#include "front.h"
#include "util.h"

static void raw_send(struct front *f, struct nc2_pkt *pkt)
{
	struct nc2_link *l = nc2_net_link(&f->parent.net);
	uint32_t size = nc2_pkt_msg_size(pkt);
	void *msg;

	if (pkt->type != NC2_PKT_SMALL && nc2_link_get_id(l, NULL, &pkt->id))
		return;
	if (nc2_prod_reserve(&l->tx, size, &msg))
		return;
	nc2_pkt_encode(msg, pkt);
	nc2_prod_commit(&l->tx, NC2_MSG_PACKET, 0, size);
	f->parent.dirty = true;
	logi("evil: sent malformed packet (frags %u, prefix %u, total %u)",
	     pkt->nr_frags, pkt->prefix_size, pkt->total_len);
}

static void malformed(struct front *f)
{
	static uint8_t hdr[64];
	struct nc2_pkt pkt;
	uint64_t frame;
	void *page = nc2_hv_page_alloc(f->hv, 0, &frame);
	int g;

	if (!page)
		return;
	g = nc2_hv_grant_subpage(f->hv, 0, frame, 0, 64, true);
	memset(&pkt, 0, sizeof(pkt));
	memset(hdr, 0xff, 6); /* broadcast: every port would see it */
	memcpy(hdr + 6, f->mac, 6);
	hdr[12] = 0x08;
	pkt.type = NC2_PKT_RECEIVER_COPY;
	pkt.prefix = hdr;
	switch (f->evil) {
	case EVIL_SPLIT_HEADER:
		/* TSO frame whose TCP/IP headers sit in the fragment (423). */
		pkt.prefix_size = 14;
		pkt.nr_frags = 1;
		pkt.frag[0] = (struct nc2_pkt_frag){ (uint32_t)g, 0, 64 };
		pkt.flags = NC2_PKT_F_CSUM_BLANK;
		pkt.csum_start = 34;
		pkt.csum_offset = 16;
		pkt.gso_type = NC2_GSO_TCPV4;
		pkt.gso_size = 1448;
		pkt.hdr_len = 54;
		pkt.total_len = 78;
		break;
	case EVIL_SHORT:
		/* Every fragment slot used, total shorter than the headers (432). */
		pkt.prefix_size = 14;
		pkt.nr_frags = CHAN_MAX_FRAGS;
		for (unsigned int i = 0; i < CHAN_MAX_FRAGS; i++)
			pkt.frag[i] = (struct nc2_pkt_frag){ (uint32_t)g, 0, 1 };
		pkt.gso_type = NC2_GSO_TCPV4;
		pkt.gso_size = 1448;
		pkt.hdr_len = 54;
		pkt.total_len = 14 + CHAN_MAX_FRAGS;
		break;
	default:
		/* All-zero-length fragments (448). */
		pkt.prefix_size = 14;
		pkt.nr_frags = 4;
		for (unsigned int i = 0; i < 4; i++)
			pkt.frag[i] = (struct nc2_pkt_frag){ (uint32_t)g, 0, 0 };
		pkt.total_len = 14;
		break;
	}
	raw_send(f, &pkt);
}

bool front_evil_tick(struct front *f)
{
	static bool done;

	if (!f->connected)
		return false;
	switch (f->evil) {
	case EVIL_STALL:
		/* Never look at the ring again, never free anything. */
		if (!done)
			logi("evil: stalling");
		done = true;
		return true;
	case EVIL_EVENT_STORM:
		for (int i = 0; i < 2000; i++)
			nc2_hv_evtchn_notify(f->hv, f->parent.port);
		return false;
	case EVIL_SPLIT_HEADER:
	case EVIL_SHORT:
	case EVIL_ZERO_FRAG:
		if (!done)
			malformed(f);
		done = true;
		return false;
	default:
		return false;
	}
}
