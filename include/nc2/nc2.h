/* SPDX-License-Identifier: MIT */
/*
 * nc2/nc2.h - everything of libnc2ring, for users who want one include.
 *
 * Layers, bottom up: wire.h (format), ring.h (one-way message ring),
 * ids.h (completion ids), link.h (a connection and its handshake),
 * packet.h and net.h (the network class), bypass.h (dom0 bypass),
 * limiter.h (the asymmetry limiter), finq.h (FINISHes owed, sent as
 * ring room and the limiter allow).
 */
#ifndef NC2_NC2_H
#define NC2_NC2_H

#include <nc2/wire.h>
#include <nc2/wire_net.h>
#include <nc2/error.h>
#include <nc2/ring.h>
#include <nc2/ids.h>
#include <nc2/link.h>
#include <nc2/packet.h>
#include <nc2/net.h>
#include <nc2/bypass.h>
#include <nc2/limiter.h>
#include <nc2/finq.h>
#include <nc2/fwdledger.h>
#include <nc2/flowmeter.h>
#include <nc2/policy.h>
#include <nc2/steer.h>
#include <nc2/bpend.h>
#include <nc2/traffic.h>

#endif /* NC2_NC2_H */
