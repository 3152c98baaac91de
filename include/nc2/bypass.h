/* SPDX-License-Identifier: MIT */
/*
 * nc2/bypass.h - the in-band messages that set up and tear down a dom0
 * bypass: a private ring pair between two frontends A and B.
 *
 *   backend -> A  BYPASS_FRONTEND        A grants rings to B
 *   A -> backend  BYPASS_FRONTEND_READY  ... and names them
 *   backend -> B  BYPASS_BACKEND         B maps them and connects
 *   B -> backend  BYPASS_READY
 *   backend -> A,B BYPASS_DISABLE        stop using it, drain
 *   A,B -> backend BYPASS_DISABLED       drained, traffic back on parent
 *   backend -> A,B BYPASS_DETACH         unmap and free
 *   A,B -> backend BYPASS_DETACHED
 *   A -> backend  SUGGEST_BYPASS         hint: busy peer MAC
 *
 * Only the backend may steer; a frontend sending a steering message, or
 * any bypass message on a bypass ring, is a protocol error.
 */
#ifndef NC2_BYPASS_H
#define NC2_BYPASS_H

#include <nc2/net.h>

/* Private-memory form of any bypass message; unused fields are zero. */
struct nc2_bypass_msg {
	uint8_t type;  /* NC2_MSG_BYPASS_* or NC2_MSG_SUGGEST_BYPASS */
	uint8_t flags; /* NC2_BYPASS_F_* */
	uint16_t peer_domid;
	uint32_t handle;
	uint8_t mac[6]; /* peer MAC, or the suggested MAC */
	uint16_t ring_pages;
	uint32_t evtchn;
	uint32_t ctrl_gref;
	uint32_t gref[2 * NC2_BYPASS_MAX_PAGES];
};

/*
 * 0 if a receiver in role may accept a message of type, -NC2_EP_BYPASS if
 * the sender had no right to send it, -NC2_EP_MSG_TYPE if it is unknown.
 */
int nc2_bypass_allowed(enum nc2_net_role role, uint8_t type);

/* Copy and check the bypass message m, received in role, into *b. */
int nc2_bypass_decode(enum nc2_net_role role, const struct nc2_msg *m,
		      struct nc2_bypass_msg *b);

/* Decode the bypass message m received on n; a bad one fails the link. */
int nc2_net_recv_bypass(struct nc2_net *n, const struct nc2_msg *m,
			struct nc2_bypass_msg *b);

/* Queue the bypass message b; -NC2_E_INVAL if our role may not send it. */
int nc2_bypass_send(struct nc2_net *n, const struct nc2_bypass_msg *b);

#endif /* NC2_BYPASS_H */
