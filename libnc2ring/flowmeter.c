// SPDX-License-Identifier: MIT
/* Per-guest destination meter: when a flow deserves a bypass. */
#include <nc2/error.h>
#include <nc2/flowmeter.h>

int nc2_flowmeter_init(struct nc2_flowmeter *m,
		       const struct nc2_flowmeter_config *c)
{
	nc2_memset(m, 0, sizeof(*m));
	if (!c->min_pps || !c->ticks_per_sec || !c->hot_ticks ||
	    c->ticks_per_sec > 1000)
		return -NC2_E_INVAL;
	m->cfg = *c;
	return 0;
}

static bool same_key(const struct nc2_flow_key *a,
		     const struct nc2_flow_key *b)
{
	unsigned int i;

	if (a->kind != b->kind)
		return false;
	for (i = 0; i < sizeof(a->addr); i++)
		if (a->addr[i] != b->addr[i])
			return false;
	return true;
}

/* The frame's destination as a key; false if it names none we meter. */
static bool frame_key(const uint8_t *f, size_t len, const uint8_t *our_mac,
		      struct nc2_flow_key *k)
{
	unsigned int i;
	bool to_us = true;

	nc2_memset(k, 0, sizeof(*k));
	if (len < 14 || (f[0] & 1))
		return false; /* short, broadcast or multicast */
	for (i = 0; i < 6; i++)
		if (f[i] != our_mac[i])
			to_us = false;
	if (!to_us) {
		k->kind = NC2_FLOW_MAC;
		nc2_memcpy(k->addr, f, 6);
		return true;
	}
	if (f[12] == 0x08 && f[13] == 0x00 && len >= 14 + 20 &&
	    (f[14] >> 4) == 4) {
		k->kind = NC2_FLOW_IPV4;
		nc2_memcpy(k->addr, f + 14 + 16, 4);
		return true;
	}
	if (f[12] == 0x86 && f[13] == 0xdd && len >= 14 + 40 &&
	    (f[14] >> 4) == 6) {
		k->kind = NC2_FLOW_IPV6;
		nc2_memcpy(k->addr, f + 14 + 24, 16);
		return true;
	}
	return false;
}

void nc2_flowmeter_frame(struct nc2_flowmeter *m, const uint8_t *frame,
			 size_t len, uint32_t total_len,
			 const uint8_t backend_mac[6])
{
	uint32_t n = total_len / NC2_FLOWMETER_WIRE +
		     (total_len % NC2_FLOWMETER_WIRE ? 1 : 0);
	struct nc2_flow_key k;
	unsigned int i, low = 0;

	if (!m->cfg.min_pps || !n || !frame_key(frame, len, backend_mac, &k))
		return;
	for (i = 0; i < NC2_FLOWMETER_SLOTS; i++) {
		if (same_key(&m->slot[i].key, &k)) {
			m->slot[i].pkts += n < (uint32_t)~0u - m->slot[i].pkts ?
						   n : (uint32_t)~0u - m->slot[i].pkts;
			return;
		}
		if (m->slot[i].pkts < m->slot[low].pkts ||
		    (m->slot[i].pkts == m->slot[low].pkts &&
		     m->slot[i].busy < m->slot[low].busy))
			low = i;
	}
	/*
	 * The quietest slot this tick gives way; one that is busy (or was
	 * reported) keeps its place unless it saw nothing this tick, so a
	 * spray of one-off destinations cannot evict a real flow mid-tick.
	 */
	if (m->slot[low].pkts && m->slot[low].key.kind != NC2_FLOW_NONE)
		return;
	m->slot[low].key = k;
	m->slot[low].pkts = n;
	m->slot[low].busy = 0;
	m->slot[low].reported = false;
}

unsigned int nc2_flowmeter_tick(struct nc2_flowmeter *m,
				struct nc2_flow_key *out, unsigned int max)
{
	uint64_t busy_at, cold_at;
	unsigned int i, n = 0;

	if (!m->cfg.min_pps)
		return 0;
	/* Per tick, rounded up: a rate of min_pps is busy. */
	busy_at = ((uint64_t)m->cfg.min_pps + m->cfg.ticks_per_sec - 1) /
		  m->cfg.ticks_per_sec;
	cold_at = busy_at / 2;
	for (i = 0; i < NC2_FLOWMETER_SLOTS; i++) {
		uint64_t p = m->slot[i].pkts;

		if (m->slot[i].key.kind == NC2_FLOW_NONE)
			continue;
		if (p >= busy_at) {
			if (m->slot[i].busy < m->cfg.hot_ticks)
				m->slot[i].busy++;
		} else {
			m->slot[i].busy = 0;
			if (p < cold_at || !p)
				m->slot[i].reported = false;
		}
		if (m->slot[i].busy >= m->cfg.hot_ticks &&
		    !m->slot[i].reported && n < max) {
			m->slot[i].reported = true;
			out[n++] = m->slot[i].key;
		}
		m->slot[i].pkts = 0;
	}
	return n;
}
