/* SPDX-License-Identifier: MIT */
/*
 * nc2/flowmeter.h - which destinations one guest sends enough to, through
 * its backend, to deserve a bypass.
 *
 * The backend counts each frame a guest sends by destination: the
 * destination MAC on a bridge, or, for frames addressed to the backend
 * itself (a routed vif: the guest's gateway is the backend), the
 * destination IPv4 or IPv6 address. A few slots in caller storage, the
 * busiest win. At the end of each tick the meter judges every slot: a
 * destination that stayed at or above min_pps for hot_ticks ticks in a
 * row turns hot and is reported once; it must fall below half of min_pps
 * (hysteresis) before it can be reported again. What the backend does
 * with a report (look the destination up among its guests, ask its
 * bypass policy) is its business; the meter only measures.
 */
#ifndef NC2_FLOWMETER_H
#define NC2_FLOWMETER_H

#include <nc2/platform.h>

#define NC2_FLOWMETER_SLOTS 4u

enum nc2_flow_kind {
	NC2_FLOW_NONE = 0,
	NC2_FLOW_MAC = 1,  /* addr[0..5]: destination MAC (bridged) */
	NC2_FLOW_IPV4 = 4, /* addr[0..3]: destination address (routed) */
	NC2_FLOW_IPV6 = 6, /* addr[0..15] */
};

struct nc2_flow_key {
	uint8_t kind; /* enum nc2_flow_kind */
	uint8_t addr[16];
};

struct nc2_flowmeter_config {
	uint32_t min_pps;      /* packets per second that count as busy */
	uint32_t ticks_per_sec; /* how often nc2_flowmeter_tick() is called */
	uint32_t hot_ticks;    /* busy ticks in a row before a report */
};

struct nc2_flowmeter {
	struct nc2_flowmeter_config cfg;
	struct {
		struct nc2_flow_key key;
		uint32_t pkts;	 /* this tick */
		uint32_t busy;	 /* busy ticks in a row */
		bool reported;	 /* hot, and said so; cleared when cold */
	} slot[NC2_FLOWMETER_SLOTS];
};

/*
 * Set up m with c; -NC2_E_INVAL (and m unusable) if c has a zero field
 * or more than 1000 ticks per second.
 */
int nc2_flowmeter_init(struct nc2_flowmeter *m,
		       const struct nc2_flowmeter_config *c);

/*
 * Count one frame the guest sent: len bytes from its Ethernet header
 * (the inline prefix is enough; what is not there is not counted), of
 * total_len bytes in all. A large (GSO) frame counts as the wire packets
 * it stands for, one per NC2_FLOWMETER_WIRE bytes, so a bulk flow is busy
 * whatever its segment size. backend_mac: the backend's own MAC on this
 * vif, to which a routed guest sends everything. Broadcast and multicast
 * frames are not counted.
 */
void nc2_flowmeter_frame(struct nc2_flowmeter *m, const uint8_t *frame,
			 size_t len, uint32_t total_len,
			 const uint8_t backend_mac[6]);

#define NC2_FLOWMETER_WIRE 1514u /* an Ethernet frame at MTU 1500 */

/*
 * End of a tick: judge and reset the counts. Writes up to max keys that
 * turned hot this tick to out and returns how many.
 */
unsigned int nc2_flowmeter_tick(struct nc2_flowmeter *m,
				struct nc2_flow_key *out, unsigned int max);

#endif /* NC2_FLOWMETER_H */
