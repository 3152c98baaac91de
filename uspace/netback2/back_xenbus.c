// SPDX-License-Identifier: MIT
/*
 * The vif2 handshake, backend side. One watch on /local/domain shows us
 * every frontend's device/vif2/0 changing; when one reaches Initialised we
 * map what it granted, bind its event channel and answer in our own
 * backend/vif2/<domid>/0 directory (readable by that frontend only).
 * A frontend that closes, dies (@releaseDomain, closed port) or breaks
 * the protocol is removed without disturbing the others.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <nc2/xenbus.h>
#include "back.h"
#include "util.h"
#include "xs.h"

enum { XB_INITIALISED = 3, XB_CONNECTED = 4, XB_CLOSING = 5, XB_CLOSED = 6 };

static uint32_t next_gen = 1;

void back_xenbus_init(void)
{
	if (nc2_hv_store_watch(B->hv, NC2_XS_LOCAL_DOMAIN, "dom") ||
	    nc2_hv_store_watch(B->hv, "@releaseDomain", "rel"))
		die("cannot watch the store");
}

static struct vif *vif_find(uint16_t domid)
{
	for (int i = 0; i < BACK_VIFS; i++)
		if (B->vif[i].used && B->vif[i].domid == domid)
			return &B->vif[i];
	return NULL;
}

static int read_share(struct vif *v, struct chan_share *sh)
{
	char mac[32], key[24];
	uint32_t order, pages;
	int err;

	memset(sh, 0, sizeof(*sh));
	err = xs_read_u32(B->hv, v->fdir, NC2_XS_RING_PAGE_ORDER, &order);
	err = err ?: xs_read_u32(B->hv, v->fdir, NC2_XS_CTRL_REF, &sh->ctrl_gref);
	err = err ?: xs_read_u32(B->hv, v->fdir, NC2_XS_EVENT_CHANNEL, &sh->evtchn);
	err = err ?: xs_read_str(B->hv, v->fdir, NC2_XS_MAC, mac, sizeof(mac));
	if (err)
		return err;
	/* Everything here is the frontend's word: check before using it. */
	if (order > 4 || !xs_parse_mac(mac, v->mac))
		return -EINVAL;
	pages = 1u << order;
	sh->ring_pages = (uint16_t)pages;
	for (unsigned int i = 0; !err && i < pages; i++) {
		snprintf(key, sizeof(key), NC2_XS_TX_RING_REF, i);
		err = xs_read_u32(B->hv, v->fdir, key, &sh->gref[i]);
		snprintf(key, sizeof(key), NC2_XS_RX_RING_REF, i);
		err = err ?: xs_read_u32(B->hv, v->fdir, key,
					 &sh->gref[pages + i]);
	}
	return err;
}

static void vif_connect(uint16_t domid)
{
	struct nc2_hv_perm perms[2] = { { 0, NC2_HV_PERM_NONE },
					{ domid, NC2_HV_PERM_READ } };
	struct epoll_event ev = { .events = EPOLLIN };
	struct chan_share sh;
	struct vif *v = NULL;
	int err;

	for (int i = 0; i < BACK_VIFS && !v; i++)
		if (!B->vif[i].used)
			v = &B->vif[i];
	if (!v) {
		logi("dom%u: no free vif slot", domid);
		return;
	}
	memset(v, 0, sizeof(*v));
	v->domid = domid;
	v->gen = next_gen++;
	snprintf(v->fdir, sizeof(v->fdir), NC2_XS_FE_PATH, domid, 0);
	snprintf(v->bdir, sizeof(v->bdir), NC2_XS_BE_PATH, 0, domid, 0);
	err = read_share(v, &sh);
	err = err ?: chan_map(&v->ch, B->hv, domid, &sh, NC2_ROLE_BACKEND);
	if (err) {
		logi("dom%u: connect failed: %s", domid, strerror(-err));
		chan_destroy(&v->ch);
		return;
	}
	v->used = true;
	v->carrier = true;
	back_bypass_meter_start(vif_index(v));
	nc2_limiter_init(&v->lim, &B->limcfg, now_ns());
	/* FINISHes answer the frontend's packets: its limiter pays. */
	v->ch.lim = &v->lim;
	nc2_hv_store_mkdir(B->hv, NC2_HV_TX_NONE, v->bdir);
	nc2_hv_store_set_perms(B->hv, NC2_HV_TX_NONE, v->bdir, perms, 2);
	xs_printf(B->hv, v->bdir, NC2_XS_FRONTEND_ID, "%u", domid);
	xs_printf(B->hv, v->bdir, NC2_XS_FRONTEND, "%s", v->fdir);
	xs_printf(B->hv, v->bdir, NC2_XS_CARRIER, "1");
	xs_printf(B->hv, v->bdir, NC2_XS_STATE, "%d", XB_CONNECTED);
	ev.data.u32 = 1 + (uint32_t)vif_index(v);
	epoll_ctl(B->epfd, EPOLL_CTL_ADD, v->ch.evfd, &ev);
	chan_kick(&v->ch);
	/*
	 * The frontend pushed its SEQUENCE, and maybe packets, before we
	 * bound the event channel: nobody was there to notify, and the ring
	 * asks for no second event. Look at it once now (the main loop
	 * services a vif with more set), as netback2's NAPI does on attach.
	 */
	v->more = true;
	logi("dom%u connected: vif %d, ring %u pages, "
	     "mac %02x:%02x:%02x:%02x:%02x:%02x", domid, vif_index(v),
	     sh.ring_pages, v->mac[0], v->mac[1], v->mac[2], v->mac[3],
	     v->mac[4], v->mac[5]);
}

void vif_remove(struct vif *v, const char *why)
{
	char path[128];

	if (!v->used)
		return;
	logi("dom%u removed (%s): rx %llu tx %llu drops %llu copy errors %llu",
	     v->domid, why, (unsigned long long)v->st.rx_pkts,
	     (unsigned long long)v->st.tx_pkts,
	     (unsigned long long)v->st.drops,
	     (unsigned long long)v->st.copy_errors);
	if (v->ch.evfd > 0)
		epoll_ctl(B->epfd, EPOLL_CTL_DEL, v->ch.evfd, NULL);
	back_vif_release_all(v);
	/* Its ids of this generation mean nothing once it is gone. */
	nc2_fwdl_source_gone(&B->led, (uint32_t)vif_index(v));
	sw_forget(vif_index(v));
	chan_destroy(&v->ch);
	v->used = false;
	back_bypass_vif_gone(vif_index(v));
	v->failed = false;
	snprintf(path, sizeof(path), NC2_XS_BE_DOM_PATH, 0, v->domid);
	nc2_hv_store_rm(B->hv, NC2_HV_TX_NONE, path);
}

void vif_fail(struct vif *v, int err)
{
	if (!v->used || v->failed)
		return;
	/* nc2_strerror() says "protocol error: ..." itself for those. */
	logi("dom%u: %s; frontend marked failed", v->domid, nc2_strerror(err));
	v->failed = true;
	xs_printf(B->hv, v->bdir, NC2_XS_STATE, "%d", XB_CLOSING);
	vif_remove(v, "failed");
}

void back_xenbus_scan(void)
{
	unsigned int n = 0;
	char **doms = nc2_hv_store_directory(B->hv, NC2_HV_TX_NONE,
					     NC2_XS_LOCAL_DOMAIN, &n);

	for (int i = 0; i < BACK_VIFS; i++) {
		struct vif *v = &B->vif[i];
		uint32_t st;

		if (!v->used)
			continue;
		if (chan_peer_gone(&v->ch))
			vif_remove(v, "domain died");
		else if (xs_read_u32(B->hv, v->fdir, NC2_XS_STATE, &st))
			vif_remove(v, "device gone");
		else if (st >= XB_CLOSING)
			vif_remove(v, "frontend closing");
	}
	for (unsigned int i = 0; doms && i < n; i++) {
		char dir[96];
		unsigned long d = strtoul(doms[i], NULL, 10);
		uint32_t st;

		if (d == 0 || d >= NC2_DOMID_SELF || vif_find((uint16_t)d))
			continue;
		snprintf(dir, sizeof(dir), NC2_XS_FE_PATH, (unsigned int)d, 0);
		if (xs_read_u32(B->hv, dir, NC2_XS_STATE, &st) == 0 &&
		    st == XB_INITIALISED)
			vif_connect((uint16_t)d);
	}
	free(doms);
}
