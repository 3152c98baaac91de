// SPDX-License-Identifier: MIT
/*
 * The core handshake and message dispatch of a link. Protocol decisions
 * that every device class shares live here; nothing here knows what a
 * packet is.
 */
#include <nc2/link.h>

/* Core messages handled per poll: a flood cannot hold the caller forever. */
#define CTL_BUDGET 64u

int nc2_link_init(struct nc2_link *l, const struct nc2_link_config *cfg,
		  struct nc2_wire_ctrl *tx_ctrl, void *tx_ring,
		  uint32_t tx_bytes, struct nc2_wire_ctrl *rx_ctrl,
		  const void *rx_ring, uint32_t rx_bytes)
{
	int err;

	nc2_memset(l, 0, sizeof(*l));
	if (!cfg || (cfg->features & ~NC2_FEAT_ALL) || !cfg->device_class)
		return -NC2_E_INVAL;
	err = nc2_prod_init(&l->tx, tx_ctrl, tx_ring, tx_bytes);
	if (!err)
		err = nc2_cons_init(&l->rx, rx_ctrl, rx_ring, rx_bytes);
	if (!err && cfg->pool_cap)
		err = nc2_idpool_init(&l->pool, cfg->pool_words,
				      cfg->pool_tokens, cfg->pool_cap);
	if (!err && cfg->set_limit)
		err = nc2_idset_init(&l->set, cfg->set_words, cfg->set_limit);
	if (err)
		return err;
	l->device_class = cfg->device_class;
	l->features_local = cfg->features;
	l->state = NC2_LINK_INIT;
	return 0;
}

int nc2_link_state(const struct nc2_link *l)
{
	return l->state;
}

int nc2_link_error(const struct nc2_link *l)
{
	if (l->rx.err)
		return l->rx.err;
	return l->tx.err;
}

void nc2_link_fail(struct nc2_link *l, int err)
{
	nc2_prod_fail(&l->tx, err);
	nc2_cons_fail(&l->rx, err);
	l->state = NC2_LINK_ERROR;
}

/* Protocol errors fail the link; local errors just pass through. */
int nc2_link_check(struct nc2_link *l, int err)
{
	if (err < 0 && nc2_is_protocol_error(err))
		nc2_link_fail(l, err);
	return err;
}

int nc2_link_start(struct nc2_link *l)
{
	struct nc2_msg_hello h = {0};
	struct nc2_msg_set_max s = {0};
	int err = nc2_link_error(l);

	if (err)
		return err;
	if (l->state != NC2_LINK_INIT)
		return -NC2_E_STATE;
	h.version = nc2_cpu_to_le16(NC2_PROTOCOL_VERSION);
	h.device_class = nc2_cpu_to_le16(l->device_class);
	h.features = nc2_cpu_to_le32(l->features_local);
	err = nc2_prod_send(&l->tx, NC2_MSG_HELLO, 0, &h.version,
			    sizeof(h) - sizeof(h.hdr));
	if (!err && l->set.limit) {
		s.value = nc2_cpu_to_le32(l->set.limit);
		err = nc2_prod_send(&l->tx, NC2_MSG_SET_MAX_OUTSTANDING, 0,
				    &s.value, sizeof(s) - sizeof(s.hdr));
	}
	if (err)
		return nc2_link_check(l, err);
	l->state = l->hello_rcvd ? NC2_LINK_UP : NC2_LINK_WAIT;
	return 0;
}

static int on_hello(struct nc2_link *l, const struct nc2_msg *m)
{
	struct nc2_msg_hello h;
	uint16_t ver, cls;

	if (l->hello_rcvd)
		return -NC2_EP_SEQUENCE;
	if (m->size != sizeof(h))
		return -NC2_EP_MSG_LAYOUT;
	nc2_msg_copy(m, &h, sizeof(h));
	ver = nc2_le16_to_cpu(h.version);
	cls = nc2_le16_to_cpu(h.device_class);
	if (ver == 0 || cls != l->device_class)
		return -NC2_EP_VERSION;
	l->version = ver < NC2_PROTOCOL_VERSION ? ver : NC2_PROTOCOL_VERSION;
	l->features = l->features_local & nc2_le32_to_cpu(h.features);
	l->hello_rcvd = 1;
	if (l->state == NC2_LINK_WAIT)
		l->state = NC2_LINK_UP;
	return 0;
}

static int on_set_max(struct nc2_link *l, const struct nc2_msg *m)
{
	struct nc2_msg_set_max s;
	uint32_t v;

	if (m->size != sizeof(s))
		return -NC2_EP_MSG_LAYOUT;
	nc2_msg_copy(m, &s, sizeof(s));
	v = nc2_le32_to_cpu(s.value);
	/* Judge the value the peer declared, not what our pool keeps of it. */
	if (v == 0 || v > NC2_MAX_OUTSTANDING_LIMIT || v < l->peer_max)
		return -NC2_EP_LIMIT;
	l->peer_max = v;
	/* A link that never asks for completions needs no pool. */
	if (!l->pool.cap)
		return 0;
	return nc2_idpool_set_limit(&l->pool, v);
}

static int on_close(struct nc2_link *l, const struct nc2_msg *m)
{
	struct nc2_msg_close c;

	if (m->size != sizeof(c))
		return -NC2_EP_MSG_LAYOUT;
	nc2_msg_copy(m, &c, sizeof(c));
	l->close_rcvd = 1;
	l->peer_close_reason = nc2_le32_to_cpu(c.reason);
	l->state = NC2_LINK_CLOSED;
	return 0;
}

/* All of poll: core messages, errors, CLOSE (nc2/link.h inlines the rest). */
int nc2_link_poll_slow(struct nc2_link *l, struct nc2_msg *m)
{
	uint32_t budget = CTL_BUDGET;
	int ret = nc2_link_error(l);

	/* A failure seen while sending stops receiving too. */
	if (ret)
		return nc2_link_check(l, ret);

	while (budget--) {
		ret = nc2_cons_peek(&l->rx, m);
		if (ret == 0 && l->close_rcvd)
			return -NC2_E_CLOSED;
		if (ret <= 0)
			return nc2_link_check(l, ret);
		if (l->close_rcvd)
			return nc2_link_check(l, -NC2_EP_SEQUENCE);
		if (!l->hello_rcvd && m->type != NC2_MSG_HELLO)
			return nc2_link_check(l, -NC2_EP_SEQUENCE);
		switch (m->type) {
		case NC2_MSG_HELLO:
			ret = on_hello(l, m);
			break;
		case NC2_MSG_SET_MAX_OUTSTANDING:
			ret = on_set_max(l, m);
			break;
		case NC2_MSG_CLOSE:
			ret = on_close(l, m);
			break;
		default:
			if (!nc2_link_type_is_ours(l, m->type))
				return nc2_link_check(l, -NC2_EP_MSG_TYPE);
			return 1;
		}
		if (ret)
			return nc2_link_check(l, ret);
		l->stats.ctl_msgs++;
		nc2_cons_consume(&l->rx);
		if (l->close_rcvd)
			return -NC2_E_CLOSED;
	}
	return 0;
}

int nc2_link_rearm(struct nc2_link *l)
{
	return nc2_link_check(l, nc2_cons_rearm(&l->rx, 0));
}

int nc2_link_want_space(struct nc2_link *l, uint32_t len)
{
	return nc2_link_check(l, nc2_prod_want_space(&l->tx, len));
}

uint32_t nc2_link_tx_unconsumed(struct nc2_link *l)
{
	int r = nc2_link_error(l);

	if (!r)
		r = nc2_prod_unconsumed(&l->tx);
	if (r < 0) {
		nc2_link_check(l, r);
		return 0;
	}
	return (uint32_t)r;
}

uint32_t nc2_link_tx_consumed(const struct nc2_link *l)
{
	return nc2_prod_consumed(&l->tx);
}

int nc2_link_get_id(struct nc2_link *l, void *token, uint32_t *id)
{
	int err = nc2_link_error(l);

	if (err)
		return err;
	if (l->state != NC2_LINK_UP)
		return -NC2_E_STATE;
	if (!l->pool.cap)
		return -NC2_E_INVAL;
	return nc2_idpool_get(&l->pool, token, id);
}

int nc2_link_recv_id(struct nc2_link *l, uint32_t id)
{
	int err = nc2_link_error(l);

	if (err)
		return err;
	if (!l->set.limit)
		return nc2_link_check(l, -NC2_EP_ID_RANGE);
	return nc2_link_check(l, nc2_idset_add(&l->set, id));
}

int nc2_link_complete(struct nc2_link *l, uint32_t id, void **token)
{
	int err = nc2_link_error(l);

	if (err)
		return err;
	return nc2_link_check(l, nc2_idpool_put(&l->pool, id, token));
}

int nc2_link_answered(struct nc2_link *l, uint32_t id)
{
	return nc2_idset_del(&l->set, id);
}

int nc2_link_close(struct nc2_link *l, uint32_t reason)
{
	struct nc2_msg_close c = {0};
	int err = nc2_link_error(l);

	if (err)
		return err;
	/* CLOSE before our HELLO would be a protocol error at the peer. */
	if (l->close_sent || l->state == NC2_LINK_INIT)
		return -NC2_E_STATE;
	c.reason = nc2_cpu_to_le32(reason);
	err = nc2_prod_send(&l->tx, NC2_MSG_CLOSE, 0, &c.reason,
			    sizeof(c) - sizeof(c.hdr));
	if (err)
		return nc2_link_check(l, err);
	l->close_sent = 1;
	l->state = NC2_LINK_CLOSED;
	return 0;
}

int nc2_link_send(struct nc2_link *l, uint8_t type, uint8_t flags,
		  const void *body, uint32_t len)
{
	int err = nc2_link_error(l);

	if (err)
		return err;
	if (l->close_sent || l->state == NC2_LINK_INIT)
		return -NC2_E_STATE;
	if (!nc2_link_type_is_ours(l, type) || type == NC2_MSG_FINISH)
		return -NC2_E_INVAL;
	return nc2_link_check(l, nc2_prod_send(&l->tx, type, flags, body, len));
}
