/* SPDX-License-Identifier: MIT */
/*
 * Wire protocol between libnc2hv and the nc2-hv daemon.  One request, one
 * response, over SOCK_SEQPACKET so message boundaries come for free.  Every
 * field arriving at the daemon is untrusted.
 */
#ifndef NC2_HV_PROTO_H
#define NC2_HV_PROTO_H

#include <stdint.h>

#define HV_MSG_MAX (64u * 1024u)
#define HV_COPY_BATCH 512u
#define HV_PATH_MAX 1024u
#define HV_VALUE_MAX 4096u
#define HV_XPAGES_MAX 1024u /* shareable pages per domain */

enum hv_op {
	HV_OP_HELLO = 1,
	HV_OP_SET_VERSION,
	HV_OP_REG_PAGE,
	HV_OP_UNREG_PAGE,
	HV_OP_COPY,
	HV_OP_MAP,
	HV_OP_UNMAP,
	HV_OP_EVT_ALLOC,
	HV_OP_EVT_BIND,
	HV_OP_EVT_PEERFD,
	HV_OP_EVT_CLOSE,
	HV_OP_ST_READ,
	HV_OP_ST_WRITE,
	HV_OP_ST_MKDIR,
	HV_OP_ST_RM,
	HV_OP_ST_DIR,
	HV_OP_ST_GETPERMS,
	HV_OP_ST_SETPERMS,
	HV_OP_ST_TX_START,
	HV_OP_ST_TX_END,
	HV_OP_ST_WATCH,
	HV_OP_ST_UNWATCH,
	HV_OP_MAX
};

struct hv_req {
	uint32_t op;
	uint32_t a, b, c; /* op-specific scalars */
};

struct hv_rsp {
	int32_t rc;      /* >= 0 ok, -errno */
	uint32_t a, b;   /* op-specific scalars */
	uint32_t len;    /* payload bytes that follow */
};

/*
 * HELLO:   a = requested domid, b = guest pages, c = grant version;
 *          fds [guest memfd, grant table memfd] -> a = domid;
 *          fds [event status memfd, watch socket]
 * COPY:    a = n, payload n * nc2_hv_copy_op -> payload statuses (int16)
 * MAP:     a = domid, b = n, c = readonly, payload grefs (u32)
 *          -> payload n * hv_map_res; one fd per ok entry, in order
 * UNMAP:   a = n, payload handles (u32) -> payload statuses (int16)
 * REG_PAGE: fd [one-page memfd] -> a = frame
 * EVT_ALLOC: a = remote -> a = port; fd [port eventfd]
 * EVT_BIND: a = remote dom, b = remote port -> a = port;
 *          fds [port eventfd, peer eventfd]
 * EVT_PEERFD: a = port -> fd [peer eventfd], a = bind generation
 * ST_*:    a = tx, b = path length (incl. NUL); payload path then value
 */
struct hv_map_res {
	int16_t status;
	uint16_t pad;
	uint32_t handle;
};

#endif
