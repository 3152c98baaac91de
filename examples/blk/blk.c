// SPDX-License-Identifier: MIT
/* The block example class: requests, a ramdisk server, responses. */
#include "blk.h"

int blk_submit(struct nc2_link *l, enum blk_op op, uint64_t sector,
	       const void *data, uint32_t *id)
{
	uint8_t buf[sizeof(struct blk_wire_request) + BLK_SECTOR];
	struct blk_wire_request *r = (void *)buf;
	uint32_t len = sizeof(*r) + (op == BLK_OP_WRITE ? BLK_SECTOR : 0);
	int err;

	if (op != BLK_OP_READ && op != BLK_OP_WRITE)
		return -NC2_E_INVAL;
	err = nc2_link_get_id(l, NULL, id);
	if (err)
		return err;
	nc2_memset(r, 0, sizeof(*r));
	r->id = nc2_cpu_to_le32(*id);
	r->op = (uint8_t)op;
	r->sector_lo = nc2_cpu_to_le32((uint32_t)sector);
	r->sector_hi = nc2_cpu_to_le32((uint32_t)(sector >> 32));
	if (op == BLK_OP_WRITE)
		nc2_memcpy(buf + sizeof(*r), data, BLK_SECTOR);
	err = nc2_link_send(l, BLK_MSG_REQUEST, 0, buf + sizeof(r->hdr),
			    len - sizeof(r->hdr));
	if (err)
		nc2_link_complete(l, *id, NULL); /* give the id back unused */
	return err;
}

static int serve_one(struct blk_server *s, const struct nc2_msg *m)
{
	uint8_t out[sizeof(struct blk_wire_response) + BLK_SECTOR];
	struct blk_wire_response *rsp = (void *)out;
	struct blk_wire_request req;
	uint64_t sector;
	uint32_t rlen = sizeof(*rsp);
	int err;

	if (m->type != BLK_MSG_REQUEST || m->size < sizeof(req)) {
		nc2_link_fail(s->link, -NC2_EP_MSG_TYPE);
		return -NC2_EP_MSG_TYPE;
	}
	nc2_msg_copy(m, &req, sizeof(req));
	if ((req.op == BLK_OP_WRITE &&
	     m->size != ((sizeof(req) + BLK_SECTOR + 7) & ~7u)) ||
	    (req.op == BLK_OP_READ && m->size != ((sizeof(req) + 7) & ~7u)) ||
	    (req.op != BLK_OP_READ && req.op != BLK_OP_WRITE)) {
		nc2_link_fail(s->link, -NC2_EP_MSG_LAYOUT);
		return -NC2_EP_MSG_LAYOUT;
	}
	err = nc2_link_recv_id(s->link, nc2_le32_to_cpu(req.id));
	if (err)
		return err;
	sector = nc2_le32_to_cpu(req.sector_lo) |
		 (uint64_t)nc2_le32_to_cpu(req.sector_hi) << 32;
	nc2_memset(rsp, 0, sizeof(*rsp));
	rsp->id = req.id;
	if (sector >= s->sectors) {
		rsp->status = (int32_t)nc2_cpu_to_le32((uint32_t)-22);
	} else if (req.op == BLK_OP_WRITE) {
		nc2_memcpy(s->disk + sector * BLK_SECTOR, m->data + sizeof(req),
			   BLK_SECTOR);
	} else {
		nc2_memcpy(out + sizeof(*rsp), s->disk + sector * BLK_SECTOR,
			   BLK_SECTOR);
		rlen += BLK_SECTOR;
	}
	/* Answered or not, the id leaves the set; a retry re-adds it. */
	nc2_link_answered(s->link, nc2_le32_to_cpu(req.id));
	err = nc2_link_send(s->link, BLK_MSG_RESPONSE, 0,
			    out + sizeof(rsp->hdr), rlen - sizeof(rsp->hdr));
	if (err)
		return err;
	s->served++;
	return 0;
}

int blk_serve(struct blk_server *s)
{
	struct nc2_msg m;
	int n = 0, ret;

	while ((ret = nc2_link_poll(s->link, &m)) > 0) {
		/* Stop before consuming if the response does not fit yet. */
		ret = serve_one(s, &m);
		if (ret == -NC2_E_AGAIN)
			break;
		if (ret)
			return ret;
		nc2_link_consume(s->link);
		n++;
	}
	return ret < 0 && ret != -NC2_E_AGAIN ? ret : n;
}

int blk_reap(struct nc2_link *l, uint32_t *id, int32_t *status, void *data)
{
	struct blk_wire_response rsp;
	struct nc2_msg m;
	int ret = nc2_link_poll(l, &m);

	if (ret <= 0)
		return ret;
	if (m.type != BLK_MSG_RESPONSE || m.size < sizeof(rsp) ||
	    (m.size != sizeof(rsp) && m.size != sizeof(rsp) + BLK_SECTOR)) {
		nc2_link_fail(l, -NC2_EP_MSG_LAYOUT);
		return -NC2_EP_MSG_LAYOUT;
	}
	nc2_msg_copy(&m, &rsp, sizeof(rsp));
	*id = nc2_le32_to_cpu(rsp.id);
	ret = nc2_link_complete(l, *id, NULL);
	if (ret)
		return ret;
	*status = (int32_t)nc2_le32_to_cpu((uint32_t)rsp.status);
	if (m.size > sizeof(rsp) && data)
		nc2_memcpy(data, m.data + sizeof(rsp), BLK_SECTOR);
	nc2_link_consume(l);
	return 1;
}
