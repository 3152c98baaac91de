// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <nc2/errno.h>

#include "chan.h"
#include "util.h"

int chan_nc2_error(const struct chan *c)
{
	return nc2_link_error(&c->net.link);
}

void chan_limits(struct nc2_net_limits *lim)
{
	lim->max_frags = CHAN_MAX_FRAGS;
	lim->max_inline = CHAN_INLINE;
	lim->offloads = NC2_OFFLOAD_CSUM | NC2_OFFLOAD_TSO4 | NC2_OFFLOAD_TSO6 |
			NC2_OFFLOAD_USO;
}

static int net_start(struct chan *c, enum nc2_net_role role)
{
	struct nc2_link_config cfg = {
		.device_class = NC2_CLASS_NET,
		.features = NC2_FEAT_ALL,
		.pool_words = c->pool_words,
		.pool_cap = CHAN_IDS,
		.pool_tokens = c->pool_tokens,
		.set_words = c->set_words,
		.set_limit = CHAN_IDS,
	};
	struct nc2_net_limits lim;
	uint8_t *ctrl = c->ctrl;
	uint32_t bytes = c->sh.ring_pages * NC2_PAGE_SIZE;
	uint32_t tx_off = c->granter ? NC2_CTRL_OFF_F2B : NC2_CTRL_OFF_B2F;
	uint32_t rx_off = c->granter ? NC2_CTRL_OFF_B2F : NC2_CTRL_OFF_F2B;
	uint8_t *tx = c->rings + (c->granter ? 0 : bytes);
	uint8_t *rx = c->rings + (c->granter ? bytes : 0);
	int err;

	chan_limits(&lim);
	err = nc2_net_init(&c->net, role, &cfg, &lim,
			   (struct nc2_wire_ctrl *)(ctrl + tx_off), tx, bytes,
			   (struct nc2_wire_ctrl *)(ctrl + rx_off), rx, bytes);
	if (!err)
		err = nc2_net_start(&c->net);
	if (err)
		return nc2_errno(err);
	nc2_finq_init(&c->finq, c->finq_ids, CHAN_IDS);
	c->dirty = true;
	c->evfd = nc2_hv_evtchn_fd(c->hv, c->port);
	c->live = true;
	return 0;
}

/*
 * Shareable pages are separate mappings; the ring code wants one range,
 * so alias them side by side (mremap with old size 0 duplicates a shared
 * mapping). A kernel would vmap the pages the same way.
 */
static uint8_t *alias_pages(void **pages, unsigned int n)
{
	uint8_t *area = mmap(NULL, (size_t)n * NC2_PAGE_SIZE, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (area == MAP_FAILED)
		return NULL;
	for (unsigned int i = 0; i < n; i++)
		if (mremap(pages[i], 0, NC2_PAGE_SIZE,
			   MREMAP_MAYMOVE | MREMAP_FIXED,
			   area + (size_t)i * NC2_PAGE_SIZE) == MAP_FAILED) {
			munmap(area, (size_t)n * NC2_PAGE_SIZE);
			return NULL;
		}
	return area;
}

int chan_grant(struct chan *c, struct nc2_hv *hv, uint16_t peer,
	       uint16_t pages, enum nc2_net_role role)
{
	unsigned int n = 1 + 2u * pages;
	int g, port;

	memset(c, 0, sizeof(*c));
	c->hv = hv;
	c->peer = peer;
	c->granter = true;
	c->sh.ring_pages = pages;
	if (pages == 0 || pages > CHAN_MAX_PAGES || (pages & (pages - 1)))
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t frame;

		c->page[i] = nc2_hv_page_alloc(hv, NC2_HV_PAGE_SHAREABLE,
					       &frame);
		if (!c->page[i])
			goto nomem;
		g = nc2_hv_grant_access(hv, peer, frame, false);
		if (g < 0)
			goto nomem;
		if (i == 0)
			c->sh.ctrl_gref = (uint32_t)g;
		else
			c->sh.gref[i - 1] = (uint32_t)g;
	}
	c->ctrl = c->page[0];
	nc2_ctrl_reset((struct nc2_wire_ctrl *)c->ctrl);
	nc2_ctrl_reset((struct nc2_wire_ctrl *)((uint8_t *)c->ctrl + 256));
	c->rings = alias_pages(&c->page[1], n - 1);
	if (!c->rings)
		goto nomem;
	port = nc2_hv_evtchn_alloc_unbound(hv, peer);
	if (port < 0)
		return port;
	c->port = (uint32_t)port;
	c->sh.evtchn = c->port;
	return net_start(c, role);
nomem:
	return -ENOMEM;
}

int chan_map(struct chan *c, struct nc2_hv *hv, uint16_t peer,
	     const struct chan_share *sh, enum nc2_net_role role)
{
	int port;

	memset(c, 0, sizeof(*c));
	c->hv = hv;
	c->peer = peer;
	c->sh = *sh;
	if (sh->ring_pages == 0 || sh->ring_pages > CHAN_MAX_PAGES ||
	    (sh->ring_pages & (sh->ring_pages - 1)))
		return -EINVAL;
	c->ctrl = nc2_hv_map(hv, peer, &sh->ctrl_gref, 1, false, NULL);
	if (!c->ctrl)
		return -errno;
	c->rings = nc2_hv_map(hv, peer, sh->gref, 2u * sh->ring_pages, false,
			      NULL);
	if (!c->rings) {
		port = -errno;
		nc2_hv_unmap(hv, c->ctrl);
		c->ctrl = NULL;
		return port;
	}
	port = nc2_hv_evtchn_bind_interdomain(hv, peer, sh->evtchn);
	if (port < 0)
		return port;
	c->port = (uint32_t)port;
	c->bound = true;
	return net_start(c, role);
}

/*
 * The library decides what may go: ring room and the limiter's credit.
 * It asks the peer for a space event itself when the ring is full, and
 * charges the limiter only for ids sent, so calling this on every kick
 * costs nothing while FINISHes wait.
 */
static void flush_finish(struct chan *c)
{
	uint32_t owed = nc2_finq_len(&c->finq);

	if (!owed)
		return;
	nc2_finq_flush(&c->finq, nc2_net_link(&c->net), c->lim);
	if (nc2_finq_len(&c->finq) != owed)
		c->dirty = true;
}

void chan_finish(struct chan *c, const uint32_t *ids, uint32_t n)
{
	/* Ids are unique and fewer than CHAN_IDS in flight: this fits. */
	for (uint32_t i = 0; i < n; i++)
		if (nc2_finq_add(&c->finq, ids[i]) && !c->finq_lost++)
			logi("dom%u: FINISH queue full, id %u lost", c->peer,
			     ids[i]);
	flush_finish(c);
}

int chan_kick(struct chan *c)
{
	struct nc2_link *l = nc2_net_link(&c->net);
	int notify = 0;

	if (!c->live)
		return -ENOTCONN;
	flush_finish(c);
	if (c->dirty)
		notify |= nc2_link_push(l) > 0;
	notify |= nc2_link_release(l) > 0;
	c->dirty = false;
	if (!c->bound)
		c->bound = nc2_hv_evtchn_status(c->hv, c->port) ==
			   NC2_HV_EVTCHN_INTERDOMAIN;
	/* Before the peer binds there is no one to notify; it looks anyway. */
	if (notify && c->bound &&
	    nc2_hv_evtchn_notify(c->hv, c->port) == -ENOTCONN)
		return -ENOTCONN;
	return 0;
}

int chan_rearm(struct chan *c)
{
	return c->live ? nc2_errno(nc2_link_rearm(nc2_net_link(&c->net))) : 0;
}

bool chan_peer_gone(struct chan *c)
{
	int st;

	if (!c->port)
		return false;
	st = nc2_hv_evtchn_status(c->hv, c->port);
	if (st == NC2_HV_EVTCHN_INTERDOMAIN)
		c->bound = true;
	return c->bound && st != NC2_HV_EVTCHN_INTERDOMAIN;
}

int chan_destroy(struct chan *c)
{
	int busy = 0;

	c->live = false;
	nc2_finq_reset(&c->finq);
	if (c->port) {
		nc2_hv_evtchn_close(c->hv, c->port);
		c->port = 0;
	}
	if (!c->granter) {
		if (c->rings)
			nc2_hv_unmap(c->hv, c->rings);
		if (c->ctrl)
			nc2_hv_unmap(c->hv, c->ctrl);
		c->rings = NULL;
		c->ctrl = NULL;
		return 0;
	}
	for (unsigned int i = 0; i < 1 + 2u * c->sh.ring_pages; i++) {
		uint32_t *g = i ? &c->sh.gref[i - 1] : &c->sh.ctrl_gref;

		if (*g && nc2_hv_end_access(c->hv, *g) == -EBUSY)
			busy++;
		else
			*g = 0;
	}
	if (busy)
		return -EBUSY;
	if (c->rings)
		munmap(c->rings, 2u * c->sh.ring_pages * NC2_PAGE_SIZE);
	c->rings = NULL;
	for (unsigned int i = 0; i < 1 + 2u * c->sh.ring_pages; i++) {
		if (c->page[i])
			nc2_hv_page_free(c->hv, c->page[i]);
		c->page[i] = NULL;
	}
	return 0;
}
