// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "pbuf.h"

int pbuf_alloc(struct nc2_hv *hv, struct pbuf *b)
{
	for (unsigned int i = 0; i < PBUF_PAGES; i++) {
		b->page[i] = nc2_hv_page_alloc(hv, 0, &b->frame[i]);
		if (!b->page[i]) {
			while (i--)
				nc2_hv_page_free(hv, b->page[i]);
			return -ENOMEM;
		}
	}
	return 0;
}

void pbuf_free(struct nc2_hv *hv, struct pbuf *b)
{
	for (unsigned int i = 0; i < PBUF_PAGES; i++)
		nc2_hv_page_free(hv, b->page[i]);
}

int pbuf_iov(struct pbuf *b, uint32_t len, struct iovec *iov)
{
	int n = 0;

	for (uint32_t off = 0; off < len; off += NC2_PAGE_SIZE, n++) {
		iov[n].iov_base = b->page[n];
		iov[n].iov_len = len - off < NC2_PAGE_SIZE ? len - off :
							     NC2_PAGE_SIZE;
	}
	return n;
}

void pbuf_put(struct pbuf *b, uint32_t off, const void *src, uint32_t len)
{
	const uint8_t *s = src;

	while (len) {
		uint32_t po = off % NC2_PAGE_SIZE;
		uint32_t k = NC2_PAGE_SIZE - po < len ? NC2_PAGE_SIZE - po : len;

		memcpy(b->page[off / NC2_PAGE_SIZE] + po, s, k);
		s += k;
		off += k;
		len -= k;
	}
}

int pbuf_grant(struct nc2_hv *hv, struct pbuf *b, uint16_t domid,
	       uint32_t from, uint32_t len, struct nc2_pkt *pkt)
{
	pkt->nr_frags = 0;
	while (from < len) {
		uint32_t po = from % NC2_PAGE_SIZE;
		uint32_t k = NC2_PAGE_SIZE - po < len - from ?
				     NC2_PAGE_SIZE - po : len - from;
		int g = nc2_hv_grant_subpage(hv, domid,
					     b->frame[from / NC2_PAGE_SIZE],
					     (uint16_t)po, (uint16_t)k, true);

		if (g < 0) {
			pbuf_ungrant(hv, pkt);
			return g;
		}
		pkt->frag[pkt->nr_frags].gref = (uint32_t)g;
		pkt->frag[pkt->nr_frags].off = (uint16_t)po;
		pkt->frag[pkt->nr_frags].len = (uint16_t)k;
		pkt->nr_frags++;
		from += k;
	}
	return 0;
}

int pbuf_ungrant(struct nc2_hv *hv, struct nc2_pkt *pkt)
{
	int busy = 0;

	for (unsigned int i = 0; i < pkt->nr_frags; i++) {
		if (pkt->frag[i].gref == 0)
			continue;
		if (nc2_hv_end_access(hv, pkt->frag[i].gref) == -EBUSY)
			busy++;
		else
			pkt->frag[i].gref = 0;
	}
	return busy;
}

int pbuf_copy_ops(struct pbuf *b, const struct nc2_pkt *pkt,
		  uint16_t src_domid, struct nc2_hv_copy_op *ops)
{
	uint32_t dst = pkt->prefix_size;
	int n = 0;

	for (unsigned int i = 0; i < pkt->nr_frags; i++) {
		const struct nc2_pkt_frag *f = &pkt->frag[i];
		uint32_t done = 0;

		while (done < f->len) {
			uint32_t po = dst % NC2_PAGE_SIZE;
			uint32_t k = f->len - done;
			struct nc2_hv_copy_op *op = &ops[n++];

			if (k > NC2_PAGE_SIZE - po)
				k = NC2_PAGE_SIZE - po;
			memset(op, 0, sizeof(*op));
			op->src.ref = f->gref;
			op->src.domid = src_domid;
			op->src.offset = (uint16_t)(f->off + done);
			op->dst.ref = b->frame[dst / NC2_PAGE_SIZE];
			op->dst.domid = NC2_DOMID_SELF;
			op->dst.offset = (uint16_t)po;
			op->len = (uint16_t)k;
			op->flags = GNTCOPY_source_gref;
			done += k;
			dst += k;
		}
	}
	return n;
}
