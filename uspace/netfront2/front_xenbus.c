// SPDX-License-Identifier: MIT
/*
 * The vif2 handshake, frontend side. We grant a control page and both
 * rings to the backend (dom0), allocate an event channel and publish them
 * under device/vif2/0; writing state = 3 (Initialised) last tells the
 * backend everything is in place. docs/userspace.md lists the keys.
 */
#include <stdio.h>

#include <nc2/xenbus.h>
#include "front.h"
#include "util.h"
#include "xs.h"

enum { XB_INITIALISING = 1, XB_INITIALISED = 3, XB_CONNECTED = 4,
       XB_CLOSING = 5, XB_CLOSED = 6 };

int front_connect(struct front *f)
{
	uint16_t me = nc2_hv_domid(f->hv);
	struct chan *c = &f->parent;
	unsigned int order = 0;
	int err;

	snprintf(f->dir, sizeof(f->dir), NC2_XS_FE_PATH, me, 0);
	snprintf(f->bdir, sizeof(f->bdir), NC2_XS_BE_PATH, 0, me, 0);
	xs_printf(f->hv, f->dir, NC2_XS_STATE, "%d", XB_INITIALISING);
	err = chan_grant(c, f->hv, 0, f->ring_pages, NC2_ROLE_FRONTEND);
	if (err)
		return err;
	while ((1u << order) < f->ring_pages)
		order++;
	err = xs_printf(f->hv, f->dir, NC2_XS_BACKEND_ID, "0");
	err = err ?: xs_printf(f->hv, f->dir, NC2_XS_BACKEND, "%s", f->bdir);
	err = err ?: xs_printf(f->hv, f->dir, NC2_XS_MAC,
			       "%02x:%02x:%02x:%02x:%02x:%02x", f->mac[0],
			       f->mac[1], f->mac[2], f->mac[3], f->mac[4],
			       f->mac[5]);
	err = err ?: xs_printf(f->hv, f->dir, NC2_XS_RING_PAGE_ORDER, "%u", order);
	err = err ?: xs_printf(f->hv, f->dir, NC2_XS_CTRL_REF, "%u", c->sh.ctrl_gref);
	for (unsigned int i = 0; !err && i < f->ring_pages; i++) {
		char key[24];

		/* tx: the ring we produce (granter to mapper); rx: the other. */
		snprintf(key, sizeof(key), NC2_XS_TX_RING_REF, i);
		err = xs_printf(f->hv, f->dir, key, "%u", c->sh.gref[i]);
		snprintf(key, sizeof(key), NC2_XS_RX_RING_REF, i);
		err = err ?: xs_printf(f->hv, f->dir, key, "%u",
				       c->sh.gref[f->ring_pages + i]);
	}
	err = err ?: xs_printf(f->hv, f->dir, NC2_XS_PROTOCOL_VERSION, "%u",
			       NC2_PROTOCOL_VERSION);
	err = err ?: xs_printf(f->hv, f->dir, NC2_XS_FEATURE_SUBPAGE, "1");
	err = err ?: xs_printf(f->hv, f->dir, NC2_XS_FEATURE_TRANSITIVE, "1");
	err = err ?: xs_printf(f->hv, f->dir, NC2_XS_EVENT_CHANNEL, "%u", c->port);
	err = err ?: xs_printf(f->hv, f->dir, NC2_XS_FEATURE_BYPASS, "1");
	err = err ?: xs_printf(f->hv, f->dir, NC2_XS_STATE, "%d", XB_INITIALISED);
	return err;
}

void front_connected(struct front *f)
{
	f->connected = true;
	xs_printf(f->hv, f->dir, NC2_XS_STATE, "%d", XB_CONNECTED);
	logi("connected to dom0 (ring %u pages, port %u)", f->ring_pages,
	     f->parent.port);
}

void front_disconnect(struct front *f)
{
	xs_printf(f->hv, f->dir, NC2_XS_STATE, "%d", XB_CLOSING);
	if (f->parent.live) {
		nc2_link_close(nc2_net_link(&f->parent.net), 0);
		f->parent.dirty = true;
		chan_kick(&f->parent);
	}
	xs_printf(f->hv, f->dir, NC2_XS_STATE, "%d", XB_CLOSED);
}
