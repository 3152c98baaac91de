// SPDX-License-Identifier: MIT
/*
 * The flow meter: a sustained flow is reported once, after hot_ticks busy
 * ticks; a short burst, a trickle or a spray of destinations is not; a
 * flow that went cold may be reported again. Routed frames (to the
 * backend's MAC) are keyed by destination IP.
 */
#include "fixture.h"
#include <string.h>

static const uint8_t be_mac[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t peer_mac[6] = { 0x00, 0x16, 0x3e, 0, 2, 2 };

static void setup_meter(struct nc2_flowmeter *m)
{
	const struct nc2_flowmeter_config c = {
		.min_pps = 400, .ticks_per_sec = 4, .hot_ticks = 3,
	};

	assert_int_equal(nc2_flowmeter_init(m, &c), 0);
}

/* n frames to mac (or, routed, to ipv4 through the backend). */
static void send_mac(struct nc2_flowmeter *m, const uint8_t *mac, int n)
{
	uint8_t f[64] = { 0 };

	memcpy(f, mac, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	while (n-- > 0)
		nc2_flowmeter_frame(m, f, sizeof(f), 64, be_mac);
}

static void send_ip4(struct nc2_flowmeter *m, uint8_t last, int n)
{
	uint8_t f[64] = { 0 };

	memcpy(f, be_mac, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[30] = 198;
	f[31] = 51;
	f[32] = 100;
	f[33] = last;
	while (n-- > 0)
		nc2_flowmeter_frame(m, f, sizeof(f), 64, be_mac);
}

static unsigned int tick(struct nc2_flowmeter *m, struct nc2_flow_key *k)
{
	return nc2_flowmeter_tick(m, k, 4);
}

static void test_config(void **state)
{
	struct nc2_flowmeter m;
	struct nc2_flowmeter_config c = { 1, 4, 1 };

	(void)state;
	assert_int_equal(nc2_flowmeter_init(&m, &c), 0);
	c.min_pps = 0;
	assert_int_equal(nc2_flowmeter_init(&m, &c), -NC2_E_INVAL);
	c.min_pps = 1;
	c.ticks_per_sec = 1001;
	assert_int_equal(nc2_flowmeter_init(&m, &c), -NC2_E_INVAL);
	c.ticks_per_sec = 4;
	c.hot_ticks = 0;
	assert_int_equal(nc2_flowmeter_init(&m, &c), -NC2_E_INVAL);
	/* An unusable meter counts and reports nothing. */
	send_mac(&m, peer_mac, 1000);
	assert_int_equal(nc2_flowmeter_tick(&m, NULL, 0), 0);
}

static void test_sustained_once(void **state)
{
	struct nc2_flowmeter m;
	struct nc2_flow_key k[4];

	(void)state;
	setup_meter(&m);
	/* 100 per tick = 400 pps: busy; the third tick in a row reports. */
	send_mac(&m, peer_mac, 100);
	assert_int_equal(tick(&m, k), 0);
	send_mac(&m, peer_mac, 100);
	assert_int_equal(tick(&m, k), 0);
	send_mac(&m, peer_mac, 100);
	assert_int_equal(tick(&m, k), 1);
	assert_int_equal(k[0].kind, NC2_FLOW_MAC);
	assert_memory_equal(k[0].addr, peer_mac, 6);
	/* Still busy: not again. */
	for (int i = 0; i < 10; i++) {
		send_mac(&m, peer_mac, 150);
		assert_int_equal(tick(&m, k), 0);
	}
	/* Between cold (50) and busy (100): still not cold, not again. */
	send_mac(&m, peer_mac, 70);
	assert_int_equal(tick(&m, k), 0);
	for (int i = 0; i < 3; i++) {
		send_mac(&m, peer_mac, 100);
		assert_int_equal(tick(&m, k), 0);
	}
	/* Cold, then sustained again: reported again. */
	send_mac(&m, peer_mac, 10);
	assert_int_equal(tick(&m, k), 0);
	for (int i = 0; i < 2; i++) {
		send_mac(&m, peer_mac, 100);
		assert_int_equal(tick(&m, k), 0);
	}
	send_mac(&m, peer_mac, 100);
	assert_int_equal(tick(&m, k), 1);
}

static void test_burst_and_trickle(void **state)
{
	struct nc2_flowmeter m;
	struct nc2_flow_key k[4];

	(void)state;
	setup_meter(&m);
	/* A burst two ticks long, then a gap: never three in a row. */
	for (int r = 0; r < 5; r++) {
		send_mac(&m, peer_mac, 1000);
		assert_int_equal(tick(&m, k), 0);
		send_mac(&m, peer_mac, 1000);
		assert_int_equal(tick(&m, k), 0);
		assert_int_equal(tick(&m, k), 0);
	}
	/* A steady trickle below the rate. */
	for (int r = 0; r < 20; r++) {
		send_mac(&m, peer_mac, 99);
		assert_int_equal(tick(&m, k), 0);
	}
	/* Broadcast, multicast and short frames are not counted. */
	for (int r = 0; r < 5; r++) {
		uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
		uint8_t mc[6] = { 0x33, 0x33, 0, 0, 0, 1 };
		uint8_t f[10] = { 0 };

		send_mac(&m, bc, 500);
		send_mac(&m, mc, 500);
		for (int i = 0; i < 500; i++)
			nc2_flowmeter_frame(&m, f, sizeof(f), 64, be_mac);
		assert_int_equal(tick(&m, k), 0);
	}
}

static void test_routed_by_ip(void **state)
{
	struct nc2_flowmeter m;
	struct nc2_flow_key k[4];
	uint8_t f[64] = { 0 };

	(void)state;
	setup_meter(&m);
	for (int i = 0; i < 3; i++) {
		send_ip4(&m, 12, 100);
		send_ip4(&m, 13, 20);
		assert_int_equal(tick(&m, k), i == 2 ? 1 : 0);
	}
	assert_int_equal(k[0].kind, NC2_FLOW_IPV4);
	assert_memory_equal(k[0].addr, "\xc6\x33\x64\x0c", 4);
	/* IPv6 to the backend: keyed by the destination address. */
	memcpy(f, be_mac, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	f[14] = 0x60;
	f[14 + 24] = 0x20;
	f[14 + 39] = 0x12;
	for (int i = 0; i < 3; i++) {
		for (int j = 0; j < 100; j++)
			nc2_flowmeter_frame(&m, f, sizeof(f), 64, be_mac);
		assert_int_equal(tick(&m, k), i == 2 ? 1 : 0);
	}
	assert_int_equal(k[0].kind, NC2_FLOW_IPV6);
	assert_int_equal(k[0].addr[0], 0x20);
	assert_int_equal(k[0].addr[15], 0x12);
	/* To the backend but not IP, or cut short: not counted. */
	f[13] = 0x06;
	for (int j = 0; j < 1000; j++)
		nc2_flowmeter_frame(&m, f, sizeof(f), 64, be_mac);
	f[13] = 0xdd;
	for (int j = 0; j < 1000; j++)
		nc2_flowmeter_frame(&m, f, 14 + 39, 64, be_mac);
	for (int i = 0; i < 4; i++)
		assert_int_equal(tick(&m, k), 0);
}

/* A GSO frame counts as the wire packets it stands for. */
static void test_gso_weight(void **state)
{
	struct nc2_flowmeter m;
	struct nc2_flow_key k[4];
	uint8_t f[64] = { 0 };

	(void)state;
	setup_meter(&m);
	memcpy(f, peer_mac, 6);
	/* 3 x 64 KiB a tick: 3 x 44 = 132 wire packets, over 100. */
	for (int t = 0; t < 3; t++) {
		for (int i = 0; i < 3; i++)
			nc2_flowmeter_frame(&m, f, sizeof(f), 65536, be_mac);
		assert_int_equal(tick(&m, k), t == 2 ? 1 : 0);
	}
	/* One wire packet each, exactly at the edge, and empty frames. */
	setup_meter(&m);
	for (int t = 0; t < 3; t++) {
		for (int i = 0; i < 100; i++)
			nc2_flowmeter_frame(&m, f, sizeof(f), 1514, be_mac);
		for (int i = 0; i < 100; i++)
			nc2_flowmeter_frame(&m, f, sizeof(f), 0, be_mac);
		assert_int_equal(tick(&m, k), t == 2 ? 1 : 0);
	}
	/* A count that would overflow saturates. */
	setup_meter(&m);
	for (int i = 0; i < 2000; i++)	/* 2000 x 2836783 > 2^32 */
		nc2_flowmeter_frame(&m, f, sizeof(f), 0xffffffffu, be_mac);
	assert_int_equal(m.slot[0].pkts, 0xffffffffu);
}

/* Many one-off destinations cannot push a real flow out. */
static void test_spray(void **state)
{
	struct nc2_flowmeter m;
	struct nc2_flow_key k[4];

	(void)state;
	setup_meter(&m);
	for (int t = 0; t < 3; t++) {
		send_mac(&m, peer_mac, 100);
		for (int i = 0; i < 200; i++) {
			uint8_t mac[6] = { 0x00, 0x16, 0x3e, 9, (uint8_t)t,
					   (uint8_t)i };

			send_mac(&m, mac, 1);
		}
		assert_int_equal(tick(&m, k), t == 2 ? 1 : 0);
	}
	assert_memory_equal(k[0].addr, peer_mac, 6);
	/* Four real flows at once: all reported, max respected. */
	setup_meter(&m);
	for (int t = 0; t < 3; t++) {
		for (int i = 0; i < 4; i++) {
			uint8_t mac[6] = { 0x00, 0x16, 0x3e, 1, 1, (uint8_t)i };

			send_mac(&m, mac, 100);
		}
		assert_int_equal(nc2_flowmeter_tick(&m, k, 2), t == 2 ? 2 : 0);
	}
	for (int i = 0; i < 4; i++) {
		uint8_t mac[6] = { 0x00, 0x16, 0x3e, 1, 1, (uint8_t)i };

		send_mac(&m, mac, 100);
	}
	/* The two left over come next tick. */
	assert_int_equal(nc2_flowmeter_tick(&m, k, 4), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_sustained_once),
		cmocka_unit_test(test_burst_and_trickle),
		cmocka_unit_test(test_routed_by_ip),
		cmocka_unit_test(test_spray),
		cmocka_unit_test(test_gso_weight),
	};

	return cmocka_run_group_tests_name("flowmeter", tests, NULL, NULL);
}
