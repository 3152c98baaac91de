// SPDX-License-Identifier: MIT
/*
 * Flow meter harness: the frames a hostile guest sends (any bytes, any
 * claimed length) into a meter of any configuration init accepts, with
 * ticks in between. Checked: a tick reports at most what it may and only
 * keys of a known kind, never one key twice in a tick, a reported key
 * comes from a frame the meter saw (its kind and address), and a key is
 * reported again only after a tick in which it went cold (hysteresis).
 */
#include "fuzz.h"

#define SEEN_MAX 64u

static const uint8_t backend_mac[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };

struct h {
	struct nc2_flowmeter m;
	struct nc2_flow_key seen[SEEN_MAX]; /* every key a frame produced */
	unsigned int nseen;
};

static bool same(const struct nc2_flow_key *a, const struct nc2_flow_key *b)
{
	return a->kind == b->kind && !memcmp(a->addr, b->addr, 16);
}

static void frame(struct h *h, struct fin *in)
{
	uint8_t f[80];
	size_t len = fin_u8(in) % sizeof(f);
	uint32_t total = fin_u32(in);
	unsigned int i;

	memset(f, 0, sizeof(f));
	for (i = 0; i < len; i++)
		f[i] = fin_u8(in);
	/* Often aimed at the backend, as a routed guest's frames are. */
	if (len >= 6 && (f[0] & 0x80))
		memcpy(f, backend_mac, 6);
	nc2_flowmeter_frame(&h->m, f, len, total, backend_mac);
	/* Remember what the slots hold now: reports must come from them. */
	for (i = 0; i < NC2_FLOWMETER_SLOTS; i++) {
		const struct nc2_flow_key *k = &h->m.slot[i].key;
		unsigned int j;

		if (k->kind == NC2_FLOW_NONE)
			continue;
		for (j = 0; j < h->nseen && !same(&h->seen[j], k); j++)
			;
		if (j == h->nseen && h->nseen < SEEN_MAX)
			h->seen[h->nseen++] = *k;
	}
}

static void tick(struct h *h, struct fin *in)
{
	struct nc2_flow_key out[NC2_FLOWMETER_SLOTS + 1];
	unsigned int max = fin_u8(in) % (NC2_FLOWMETER_SLOTS + 2), n, i, j;
	bool was_reported[NC2_FLOWMETER_SLOTS];

	for (i = 0; i < NC2_FLOWMETER_SLOTS; i++)
		was_reported[i] = h->m.slot[i].reported;
	n = nc2_flowmeter_tick(&h->m, out, max);
	FUZZ_CHECK(n <= max && n <= NC2_FLOWMETER_SLOTS);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(out[i].kind == NC2_FLOW_MAC ||
			   out[i].kind == NC2_FLOW_IPV4 ||
			   out[i].kind == NC2_FLOW_IPV6);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(!same(&out[i], &out[j]));
		/* A MAC key is never a broadcast or multicast address. */
		FUZZ_CHECK(out[i].kind != NC2_FLOW_MAC || !(out[i].addr[0] & 1));
		for (j = 0; j < h->nseen && !same(&h->seen[j], &out[i]); j++)
			;
		FUZZ_CHECK(j < h->nseen || h->nseen == SEEN_MAX);
		/* Not reported twice without going cold in between. */
		for (j = 0; j < NC2_FLOWMETER_SLOTS; j++)
			if (same(&h->m.slot[j].key, &out[i]))
				FUZZ_CHECK(!was_reported[j]);
	}
	for (i = 0; i < NC2_FLOWMETER_SLOTS; i++) {
		FUZZ_CHECK(h->m.slot[i].pkts == 0);
		FUZZ_CHECK(h->m.slot[i].busy <= h->m.cfg.hot_ticks);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin in = { data, size };
	struct nc2_flowmeter_config c;
	static struct h h;
	unsigned int ops = 0;

	memset(&h, 0, sizeof(h));
	c.min_pps = fin_u16(&in);
	c.ticks_per_sec = fin_u16(&in) % 1100;
	c.hot_ticks = fin_u8(&in) % 8;
	if (nc2_flowmeter_init(&h.m, &c)) {
		/* Refused: a meter that counts and reports nothing. */
		FUZZ_CHECK(nc2_flowmeter_tick(&h.m, NULL, 0) == 0);
		return 0;
	}
	while (fin_left(&in) && ops++ < 4096) {
		if (fin_u8(&in) & 1)
			frame(&h, &in);
		else
			tick(&h, &in);
	}
	return 0;
}
