// SPDX-License-Identifier: MIT
/*
 * Bypass sequence harness: a backend's steering table (nc2/steer.h) and
 * three frontends' end tables (nc2/bpend.h), run by the input: starts,
 * disables, ticks, frontends going away, rings that are full or down,
 * builds that fail, drains, and hostile messages injected on either side.
 *
 * Checked: slots and handles stay consistent (no two live bypasses share
 * a handle or a pair, no frontend holds more than its table); the backend
 * never sends DISABLE or DETACH to an end it never told, nor DETACH before
 * that end's DISABLED; and while nobody injected anything and no deadline
 * cut a frontend off, an honest conversation never yields a protocol
 * error on either side.
 */
#include "fuzz.h"

#define NF 3u	   /* frontends */
#define NSLOT 4u   /* backend slots */
#define NEND 2u	   /* each frontend's table */

struct h {
	struct nc2_steer slot[NSLOT];
	struct nc2_steer_table t;
	struct nc2_bpend end[NF][NEND];
	struct nc2_bpend_table f[NF];
	struct nc2_steer_end desc[NF];
	bool tainted[NF]; /* hostile input or a deadline touched it */
	uint64_t now;
};

static unsigned int fe_of(uint32_t key)
{
	return key - 1;
}

static void check_tables(struct h *h)
{
	unsigned int i, j, k;

	for (i = 0; i < NSLOT; i++) {
		const struct nc2_steer *s = &h->slot[i];

		FUZZ_CHECK(s->state <= NC2_STEER_LINGER);
		if (s->state == NC2_STEER_FREE)
			continue;
		FUZZ_CHECK(s->handle != 0);
		FUZZ_CHECK(s->ring_pages >= 1 &&
			   s->ring_pages <= NC2_BYPASS_MAX_PAGES);
		for (j = i + 1; j < NSLOT; j++) {
			const struct nc2_steer *o = &h->slot[j];

			if (o->state == NC2_STEER_FREE)
				continue;
			FUZZ_CHECK(o->handle != s->handle);
			if (nc2_steer_live(s) && nc2_steer_live(o))
				FUZZ_CHECK(!(s->end[0].key && s->end[1].key &&
					     ((o->end[0].key == s->end[0].key &&
					       o->end[1].key == s->end[1].key) ||
					      (o->end[0].key == s->end[1].key &&
					       o->end[1].key == s->end[0].key))));
		}
	}
	for (k = 0; k < NF; k++) {
		FUZZ_CHECK(nc2_steer_count(&h->t, k + 1) <= NSLOT);
		for (i = 0; i < NEND; i++) {
			const struct nc2_bpend *e = &h->end[k][i];

			FUZZ_CHECK(e->state <= NC2_BPEND_RELEASED);
			if (e->state == NC2_BPEND_FREE ||
			    e->state == NC2_BPEND_RELEASED)
				continue;
			for (j = i + 1; j < NEND; j++)
				FUZZ_CHECK(h->end[k][j].state ==
						   NC2_BPEND_FREE ||
					   h->end[k][j].state ==
						   NC2_BPEND_RELEASED ||
					   h->end[k][j].handle != e->handle);
		}
	}
}

static void gone(struct h *h, unsigned int k)
{
	nc2_steer_gone(&h->t, k + 1, h->now);
	nc2_bpend_reset(&h->f[k]);
	h->tainted[k] = true;
}

/* Deliver what s owes; err_sel picks ring full or down now and then. */
static void pump_steer(struct h *h, struct nc2_steer *s, struct fin *in)
{
	struct nc2_bypass_msg m;
	unsigned int end, n = 0;

	while (n++ < 8 && nc2_steer_next(s, &end, &m)) {
		uint8_t sel = fin_u8(in);
		uint32_t key = nc2_steer_key(s, end);
		struct nc2_bpend *e;
		unsigned int k;
		int r;

		FUZZ_CHECK(end < 2 && key);
		k = fe_of(key);
		if (m.type == NC2_MSG_BYPASS_DISABLE ||
		    m.type == NC2_MSG_BYPASS_DETACH)
			FUZZ_CHECK(s->told & (1u << end));
		if (m.type == NC2_MSG_BYPASS_DETACH)
			FUZZ_CHECK(s->disabled & (1u << end));
		if (sel % 16 == 0) {
			nc2_steer_sent(&h->t, s, end, -NC2_E_AGAIN, h->now);
			continue;
		}
		if (sel % 32 == 1) {
			/* Its link is down: the driver reports it gone. */
			nc2_steer_sent(&h->t, s, end, -NC2_E_STATE, h->now);
			gone(h, k);
			continue;
		}
		nc2_steer_sent(&h->t, s, end, 0, h->now);
		r = nc2_bpend_recv(&h->f[k], &m, &e);
		if (r == -NC2_E_STATE) {
			/* The harness left an end in BUILD: finish it first. */
			unsigned int i;

			for (i = 0; i < NEND; i++)
				if (h->end[k][i].state == NC2_BPEND_BUILD)
					nc2_bpend_failed(&h->end[k][i]);
			r = nc2_bpend_recv(&h->f[k], &m, &e);
		}
		if (r < 0) {
			FUZZ_CHECK(h->tainted[k]);
			gone(h, k);
		}
	}
}

/* Frontend k acts: builds, drains, and sends one owed answer. */
static void frontend(struct h *h, unsigned int k, struct fin *in)
{
	static const uint32_t grefs[2 * NC2_BYPASS_MAX_PAGES];
	struct nc2_bpend *e = &h->end[k][fin_u8(in) % NEND];
	struct nc2_bypass_msg m;
	struct nc2_steer *s;
	uint8_t sel = fin_u8(in);
	int r;

	switch (e->state) {
	case NC2_BPEND_BUILD:
		if (sel % 8 == 0)
			nc2_bpend_failed(e);
		else if (e->role == NC2_BPEND_A)
			nc2_bpend_granted(e, sel, sel + 1u, grefs);
		else
			nc2_bpend_mapped(e);
		break;
	case NC2_BPEND_DRAINING:
		nc2_bpend_drain(&h->f[k], e, NULL, h->now);
		break;
	case NC2_BPEND_RELEASE:
		nc2_bpend_released(e);
		break;
	case NC2_BPEND_UP:
		if (sel % 16 == 1)
			nc2_bpend_failed(e); /* its link failed */
		break;
	default:
		break;
	}
	FUZZ_CHECK(nc2_bpend_route(e, sel & 1) <= NC2_BPEND_HOLD);
	if (!nc2_bpend_next(e, &m))
		return;
	if (sel % 16 == 2) {
		nc2_bpend_sent(e, -NC2_E_AGAIN);
		return;
	}
	nc2_bpend_sent(e, 0);
	r = nc2_steer_recv(&h->t, k + 1, &m, h->now, &s);
	if (r < 0) {
		FUZZ_CHECK(h->tainted[k]);
		gone(h, k);
	}
}

/* Any message, on either side: the receiver must stay consistent. */
static void inject(struct h *h, struct fin *in)
{
	struct nc2_bypass_msg m;
	unsigned int k = fin_u8(in) % NF, i;
	struct nc2_steer *s;
	struct nc2_bpend *e;

	memset(&m, 0, sizeof(m));
	m.type = (uint8_t)(NC2_MSG_BYPASS_FRONTEND + fin_u8(in) % 10);
	m.flags = fin_u8(in) & NC2_BYPASS_F_ALL;
	m.handle = fin_u8(in) % 8;
	m.ring_pages = (uint16_t)(1u << (fin_u8(in) % 5));
	m.peer_domid = fin_u16(in);
	m.addrs.nr_ipv4 = fin_u8(in) % 5;
	for (i = 0; i < 2u * m.ring_pages; i++)
		m.gref[i] = fin_u32(in);
	h->tainted[k] = true;
	if (fin_u8(in) & 1) {
		if (nc2_steer_recv(&h->t, k + 1, &m, h->now, &s) < 0)
			gone(h, k);
	} else if (nc2_bpend_recv(&h->f[k], &m, &e) < 0) {
		gone(h, k);
	}
}

/*
 * A frontend's traffic report, any bytes: what parses formats back to
 * the same pairs, and feeds the idle judgement without upsetting it.
 */
static void traffic(struct h *h, struct fin *in)
{
	struct nc2_traffic tr[NC2_TRAFFIC_MAX], back[NC2_TRAFFIC_MAX];
	char text[NC2_TRAFFIC_MAX_TEXT + 8], out[NC2_TRAFFIC_MAX_TEXT + 1];
	size_t len = fin_u8(in) % sizeof(text), i;
	unsigned int k = fin_u8(in) % NF;
	int n, m;

	for (i = 0; i < len; i++)
		text[i] = (char)(fin_u8(in) % 4 == 0 ? ' ' :
				 fin_u8(in) % 8 == 0 ? ':' :
				 '0' + fin_u8(in) % 10);
	n = nc2_traffic_parse(text, len, tr);
	FUZZ_CHECK(n >= -NC2_E_INVAL && n <= (int)NC2_TRAFFIC_MAX);
	if (n <= 0)
		return;
	m = nc2_traffic_format(out, sizeof(out), tr, (uint32_t)n);
	FUZZ_CHECK(m >= 0 && (size_t)m < sizeof(out));
	FUZZ_CHECK(nc2_traffic_parse(out, (size_t)m, back) == n);
	for (i = 0; i < (size_t)n; i++) {
		FUZZ_CHECK(back[i].handle == tr[i].handle &&
			   back[i].packets == tr[i].packets);
		FUZZ_CHECK(tr[i].handle != 0);
		nc2_steer_traffic(&h->t, k + 1, tr[i].handle, tr[i].packets,
				  h->now);
	}
	for (i = 0; i < NSLOT; i++)
		if (nc2_steer_idle(&h->slot[i], h->now, 1000))
			FUZZ_CHECK(h->slot[i].state == NC2_STEER_ACTIVE);
}

static void start(struct h *h, struct fin *in)
{
	unsigned int a = fin_u8(in) % NF, b = fin_u8(in) % NF;
	uint16_t pages = (uint16_t)(1u << (fin_u8(in) % 6));
	uint8_t flags = fin_u8(in) & 1 ? NC2_BYPASS_F_ADDRS : 0;
	struct nc2_steer *s;
	int r;

	/* The driver's max-bypasses: never more than a frontend's table. */
	if (nc2_steer_count(&h->t, a + 1) >= NEND ||
	    nc2_steer_count(&h->t, b + 1) >= NEND)
		return;
	r = nc2_steer_start(&h->t, &h->desc[a], &h->desc[b], pages, flags,
			    h->now, &s);
	if (a == b || pages > NC2_BYPASS_MAX_PAGES)
		FUZZ_CHECK(r == -NC2_E_INVAL);
	if (!r)
		FUZZ_CHECK(s && s->state == NC2_STEER_CONNECTING);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin in = { data, size };
	static struct h h;
	unsigned int ops = 0, k, i;

	memset(&h, 0, sizeof(h));
	nc2_steer_init(&h.t, h.slot, NSLOT);
	h.t.connect_ms = 1 + fin_u16(&in) % 3000;
	h.t.step_ms = 1 + fin_u16(&in) % 3000;
	h.t.linger_ms = 1 + fin_u16(&in) % 6000;
	for (k = 0; k < NF; k++) {
		nc2_bpend_init(&h.f[k], h.end[k], NEND);
		h.desc[k].key = k + 1;
		h.desc[k].domid = (uint16_t)(k + 3);
		h.desc[k].mac[5] = (uint8_t)k;
		h.desc[k].addrs.nr_ipv4 = 1;
		h.desc[k].addrs.ipv4[0][3] = (uint8_t)k;
	}
	h.now = 1000;
	while (fin_left(&in) && ops++ < 4096) {
		uint8_t op = fin_u8(&in);

		switch (op % 8) {
		case 0:
			start(&h, &in);
			break;
		case 1:
			nc2_steer_disable(&h.t, &h.slot[fin_u8(&in) % NSLOT],
					  h.now);
			break;
		case 2:
			pump_steer(&h, &h.slot[fin_u8(&in) % NSLOT], &in);
			break;
		case 3:
			frontend(&h, fin_u8(&in) % NF, &in);
			break;
		case 4: {
			uint64_t before[NSLOT];

			for (i = 0; i < NSLOT; i++)
				before[i] = h.slot[i].late;
			h.now += fin_u16(&in);
			nc2_steer_tick(&h.t, h.now);
			/* A deadline cut an end off: its answers may be refused. */
			for (i = 0; i < NSLOT; i++)
				if (h.slot[i].late != before[i] ||
				    h.slot[i].state == NC2_STEER_LINGER ||
				    (before[i] && h.slot[i].state ==
						  NC2_STEER_FREE))
					for (k = 0; k < NF; k++)
						h.tainted[k] = true;
			break;
		}
		case 5:
			if (fin_u8(&in) % 8 == 0)
				gone(&h, fin_u8(&in) % NF);
			break;
		case 6:
			if (fin_u8(&in) % 4 == 0)
				inject(&h, &in);
			break;
		default:
			if (fin_u8(&in) & 1)
				traffic(&h, &in);
			for (i = 0; i < NSLOT; i++)
				nc2_steer_events(&h.slot[i]);
			break;
		}
		check_tables(&h);
	}
	return 0;
}
