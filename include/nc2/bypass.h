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
 *   backend -> A,B BYPASS_ADDRS          the peer's IP addresses, for a
 *                                        bypass set up with F_ADDRS
 *
 * Only the backend may steer; a frontend sending a steering message, or
 * any bypass message on a bypass ring, is a protocol error.
 */
#ifndef NC2_BYPASS_H
#define NC2_BYPASS_H

#include <nc2/net.h>

/*
 * A bypass peer's IP addresses (BYPASS_ADDRS), network byte order. An
 * empty set matches nothing: a bypass set up with NC2_BYPASS_F_ADDRS
 * carries nothing until its addresses have arrived.
 */
struct nc2_bypass_addrs {
	uint8_t nr_ipv4;
	uint8_t nr_ipv6;
	uint8_t ipv4[NC2_BYPASS_MAX_ADDRS][4];
	uint8_t ipv6[NC2_BYPASS_MAX_ADDRS][16];
};

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
	struct nc2_bypass_addrs addrs; /* BYPASS_ADDRS */
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

/*
 * Whether the Ethernet frame (len bytes from its Ethernet header) is an
 * IPv4 or IPv6 packet whose destination is one of a: a frontend steers
 * such a frame onto the bypass (rewriting its destination MAC to the
 * peer's). Anything else, including a frame too short to say, is not.
 */
bool nc2_bypass_addrs_dst(const struct nc2_bypass_addrs *a,
			  const uint8_t *frame, size_t len);

/*
 * Whether the frame is an IPv4 or IPv6 packet whose source is one of a:
 * what a frontend accepts from a bypass set up with NC2_BYPASS_F_ADDRS
 * (the backend's anti-spoofing rules, kept on the path around it).
 */
bool nc2_bypass_addrs_src(const struct nc2_bypass_addrs *a,
			  const uint8_t *frame, size_t len);

/*
 * How a backend sets up a bypass between A and B (protocol 10.5), given
 * whether each end's guest has IP addresses on record (a routed vif) and
 * whether each frontend advertised feature-bypass-addrs: 0 (by MAC, as
 * on a bridge), NC2_BYPASS_F_ADDRS (by IP: set the flag and send each
 * end BYPASS_ADDRS), or -NC2_E_INVAL: no bypass, because one end is
 * routed and the other is not, or a frontend could not honour the
 * addresses (a routed bypass without them would skip the backend's
 * anti-spoofing).
 */
int nc2_bypass_mode(bool a_routed, bool b_routed, bool a_feature_addrs,
		    bool b_feature_addrs);

/* Bytes of a frame the two functions above look at, at most. */
#define NC2_BYPASS_ADDRS_HDR 54u /* Ethernet + IPv6 header */

#endif /* NC2_BYPASS_H */
