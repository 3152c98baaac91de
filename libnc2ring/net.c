// SPDX-License-Identifier: MIT
/*
 * The network device class on top of a link: control messages that set
 * what each side accepts, and packet send/receive with credit.
 */
#include <nc2/net.h>
#include <nc2/bypass.h>

static bool limits_valid(const struct nc2_net_limits *lim)
{
	return lim->max_frags >= 1 &&
	       lim->max_frags <= NC2_MAX_FRAGMENTS_LIMIT &&
	       lim->max_inline >= NC2_DEFAULT_MAX_INLINE &&
	       lim->max_inline <= NC2_MAX_INLINE_LIMIT &&
	       !(lim->offloads & ~NC2_OFFLOAD_ALL);
}

int nc2_net_init(struct nc2_net *n, enum nc2_net_role role,
		 const struct nc2_link_config *cfg,
		 const struct nc2_net_limits *local,
		 struct nc2_wire_ctrl *tx_ctrl, void *tx_ring,
		 uint32_t tx_bytes, struct nc2_wire_ctrl *rx_ctrl,
		 const void *rx_ring, uint32_t rx_bytes)
{
	int err;

	nc2_memset(n, 0, sizeof(*n));
	if (role < NC2_ROLE_FRONTEND || role > NC2_ROLE_PEER || !local ||
	    !limits_valid(local) || !cfg || cfg->device_class != NC2_CLASS_NET)
		return -NC2_E_INVAL;
	err = nc2_link_init(&n->link, cfg, tx_ctrl, tx_ring, tx_bytes, rx_ctrl,
			    rx_ring, rx_bytes);
	if (err)
		return err;
	n->local = *local;
	nc2_net_limits_default(&n->peer);
	n->role = (uint8_t)role;
	return 0;
}

static int send_u32(struct nc2_link *l, uint8_t type, uint32_t v)
{
	uint32_t le = nc2_cpu_to_le32(v);

	return nc2_link_send(l, type, 0, &le, sizeof(le));
}

int nc2_net_start(struct nc2_net *n)
{
	int err = nc2_link_start(&n->link);

	if (!err)
		err = send_u32(&n->link, NC2_MSG_SET_MAX_FRAGMENTS,
			       n->local.max_frags);
	if (!err)
		err = send_u32(&n->link, NC2_MSG_SET_MAX_INLINE,
			       n->local.max_inline);
	if (!err)
		err =
		    send_u32(&n->link, NC2_MSG_SET_OFFLOAD, n->local.offloads);
	return err;
}

/*
 * A peer may raise what it accepts but never lower it: packets we already
 * sent under the old limits must stay valid when they arrive.
 */
static int on_set(struct nc2_net *n, const struct nc2_msg *m)
{
	struct nc2_msg_set_max s;
	struct nc2_net_limits next = n->peer;
	uint32_t v;

	if (m->size != sizeof(s))
		return -NC2_EP_MSG_LAYOUT;
	nc2_msg_copy(m, &s, sizeof(s));
	v = nc2_le32_to_cpu(s.value);
	switch (m->type) {
	case NC2_MSG_SET_MAX_FRAGMENTS:
		next.max_frags = v;
		break;
	case NC2_MSG_SET_MAX_INLINE:
		next.max_inline = v;
		break;
	default:
		next.offloads = v;
		break;
	}
	if (!limits_valid(&next) || next.max_frags < n->peer.max_frags ||
	    next.max_inline < n->peer.max_inline ||
	    (n->peer.offloads & ~next.offloads))
		return -NC2_EP_LIMIT;
	n->peer = next;
	return 0;
}

int nc2_net_poll(struct nc2_net *n, struct nc2_msg *m)
{
	uint32_t budget = 64;
	int ret;

	while (budget--) {
		ret = nc2_link_poll(&n->link, m);
		if (ret <= 0)
			return ret;
		switch (m->type) {
		case NC2_MSG_SET_OFFLOAD:
		case NC2_MSG_SET_MAX_FRAGMENTS:
		case NC2_MSG_SET_MAX_INLINE:
			ret = on_set(n, m);
			if (ret) {
				nc2_link_fail(&n->link, ret);
				return ret;
			}
			nc2_link_consume(&n->link);
			continue;
		case NC2_MSG_PACKET:
		case NC2_MSG_FINISH:
			return 1;
		default:
			ret = nc2_bypass_allowed(n->role, m->type);
			if (ret) {
				nc2_link_fail(&n->link, ret);
				return ret;
			}
			return 1;
		}
	}
	return 0;
}

int nc2_net_recv_packet(struct nc2_net *n, const struct nc2_msg *m,
			struct nc2_pkt *pkt)
{
	int err = nc2_pkt_decode(m, &n->local, pkt);

	if (!err && pkt->type != NC2_PKT_SMALL)
		err = nc2_link_recv_id(&n->link, pkt->id);
	if (err) {
		nc2_link_fail(&n->link, err);
		return err;
	}
	n->stats.rx_packets++;
	n->stats.rx_bytes += pkt->total_len;
	if (pkt->type == NC2_PKT_SMALL)
		n->stats.rx_small++;
	return 0;
}

int nc2_net_send_packet(struct nc2_net *n, struct nc2_pkt *pkt, void *token)
{
	struct nc2_link *l = &n->link;
	uint32_t size, id = 0;
	void *msg;
	int err = nc2_link_error(l);

	if (err)
		return err;
	if (l->state != NC2_LINK_UP || l->close_sent)
		return -NC2_E_STATE;
	if (pkt->type != NC2_PKT_SMALL)
		pkt->id = 0;
	if (nc2_pkt_check(pkt, &n->peer))
		return -NC2_E_LIMIT;
	size = nc2_pkt_msg_size(pkt);
	/* Room first, id second: a full ring must not leak an id. */
	err = nc2_prod_reserve(&l->tx, size, &msg);
	if (err)
		return nc2_link_check(l, err);
	if (pkt->type != NC2_PKT_SMALL) {
		err = nc2_link_get_id(l, token, &id);
		if (err)
			return err;
		pkt->id = id;
	}
	nc2_pkt_encode((uint8_t *)msg, pkt);
	nc2_prod_commit(&l->tx, NC2_MSG_PACKET, 0, size);
	n->stats.tx_packets++;
	n->stats.tx_bytes += pkt->total_len;
	if (pkt->type != NC2_PKT_SMALL)
		return NC2_NET_SENT_ID;
	n->stats.tx_small++;
	return NC2_NET_SENT_INLINE;
}

int nc2_net_recv_bypass(struct nc2_net *n, const struct nc2_msg *m,
			struct nc2_bypass_msg *b)
{
	return nc2_link_check(&n->link, nc2_bypass_decode(n->role, m, b));
}
