/* SPDX-License-Identifier: MIT */
/*
 * nc2-back: a netback2 in userspace, the "dom0" side. It serves every
 * frontend that publishes a vif2 device, switches frames between them and
 * a dom0 TAP by destination MAC, and decides per packet how data moves:
 * wholly inline, by receiver-side copy through a transitive grant, or by
 * a copy into its own buffers (netchannel1 style, for comparison).
 */
#ifndef NC2U_BACK_H
#define NC2U_BACK_H

#include <linux/virtio_net.h>

#include "chan.h"
#include "pbuf.h"

#define BACK_VIFS 16
#define BACK_BUFS 192
#define BACK_FWDS 4096
#define BACK_QMAX 1024
#define BACK_JOBS 64
#define BACK_OPS 512
#define PORT_TAP (-2)
#define PORT_FLOOD (-1)
#define ZOMBIE_NO_LH 0xffffffffu

enum copy_mode { MODE_RECEIVER, MODE_BACKEND };

enum bypass_mode { BYPASS_OFF, BYPASS_MANUAL, BYPASS_AUTO };

enum fwd_kind { FWD_INLINE, FWD_TRANS, FWD_BUF };

/*
 * A packet from the backend to one frontend: queued, then in flight under
 * one of its ids (the fwd is that id's token).
 */
struct fwd {
	uint8_t kind;
	bool inflight;		/* sent, its FINISH not yet seen */
	bool led;		/* FWD_TRANS: lh is ours to settle */
	int dst;		/* vif index */
	uint32_t lh;		/* FWD_TRANS: the sender's ledger entry */
	int buf;		/* FWD_BUF: backend buffer */
	uint32_t bytes;		/* charged to dst's limiter */
	struct nc2_pkt pkt;	/* frags: our grants to dst */
	uint8_t prefix[CHAN_INLINE];
	int next;
};

struct bbuf {
	struct pbuf pb;
	int refs;
	int next;
};

struct vif {
	bool used;
	bool failed;
	bool carrier;
	uint16_t domid;
	uint32_t gen;		/* bumped at every (re)connect */
	char fdir[96];		/* frontend's device dir */
	char bdir[96];		/* our backend dir */
	uint8_t mac[6];
	struct chan ch;
	struct nc2_limiter lim;
	struct nc2_flowmeter meter;	/* where it sends: automatic bypass */
	int q[BACK_QMAX];	/* fwds waiting for ring room, FIFO */
	unsigned int qhead, qlen;
	uint64_t block_until;	/* event or copy limiter said wait */
	bool more;		/* polled to budget, messages waiting */
	struct {
		uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
		uint64_t drops, copy_errors, stalls;
	} st;
};

/* A received packet, between decoding and delivery (batched copies). */
struct job {
	int src;		/* vif index, or -1 for the TAP */
	uint32_t src_gen;
	bool has_id;
	uint32_t id;
	int dport;		/* vif index, PORT_TAP or PORT_FLOOD */
	int buf;		/* backend buffer holding the data, or -1 */
	int op0, nops;
	struct nc2_pkt pkt;
	uint8_t prefix[CHAN_INLINE];
};

struct back {
	struct nc2_hv *hv;
	int epfd;
	int tapfd;
	bool tap_blocked;
	enum copy_mode mode;
	struct vif vif[BACK_VIFS];
	struct bbuf buf[BACK_BUFS];
	int free_buf;
	struct fwd fwd[BACK_FWDS];
	int free_fwd;
	struct job job[BACK_JOBS];
	unsigned int njobs;
	struct nc2_hv_copy_op ops[BACK_OPS];
	unsigned int nops;
	/* Grants still busy after their FINISH, retried by back_reap(). */
	struct zombie {
		uint32_t gref;
		int buf;	/* backend buffer it covers, or -1 */
		uint32_t lh;	/* ledger entry it holds up, or ZOMBIE_NO_LH */
	} zombie[4096];
	unsigned int nzombie;
	/* Transitive forwards: when their senders may be answered. */
	struct nc2_fwdledger led;
	struct nc2_fwd_entry led_ents[BACK_FWDS];
	struct nc2_limiter_config limcfg;
	enum bypass_mode bypass_mode;
	int max_bypasses;
	struct nc2_policy bp_policy;	/* docs/xenbus.md 5, bypass-allow */
	uint32_t bypass_pps;
	uint32_t bypass_secs;
	struct {
		uint64_t tap_rx, tap_tx, drops, copy_errors, trans_grants;
	} st;
};

extern struct back *B;

/* back_xenbus.c: discovering, connecting and removing frontends. */
void back_xenbus_init(void);
void back_xenbus_scan(void);
void vif_remove(struct vif *v, const char *why);
void vif_fail(struct vif *v, int err);

/* back_switch.c: the MAC table. */
void sw_learn(const uint8_t *mac, int port);
int sw_lookup(const uint8_t *mac);
void sw_forget(int port);

/* back_fwd.c: the data path. */
int back_vif_poll(struct vif *v);
void back_tap_poll(void);
void back_flush(void);
void back_vif_drain(struct vif *v);
void back_vif_release_all(struct vif *v);
void back_vif_drop_queue(struct vif *v);
void back_vif_orphan(struct vif *v);
int back_bypass_msg(struct vif *v, const struct nc2_msg *m);
void back_reap(void);
int buf_get(void);
void buf_put(int b);

/* back_bypass.c: bypass policy and steering (the sequence: nc2/steer.h). */
void back_bypass_init(void);
void back_bypass_setup(int a, int b);
void back_bypass_teardown_all(void);
int back_bypass_active(void);
void back_bypass_vif_gone(int idx);
void back_bypass_meter_start(int idx);
void back_bypass_frame(int src, const uint8_t *frame, size_t len,
		       uint32_t total_len);
void back_bypass_tick(void);

/* back_limit.c: the asymmetry limiter's verdicts. */
void back_limit_tick(uint64_t now);
void back_carrier(struct vif *v, bool on);
void back_stats(void);

static inline int vif_index(const struct vif *v)
{
	return (int)(v - B->vif);
}

#endif
