/* SPDX-License-Identifier: MIT */
/*
 * nc2/xenbus.h - the xenstore keys of a vif2 device and of a backend's
 * bypass requests, as named constants: who writes each and what it means.
 * docs/xenbus.md is the prose; kmod, uspace and nc2ctl use these names,
 * never the strings themselves.
 *
 * Paths: FE = /local/domain/<D>/device/vif2/<H> (the guest's),
 *        BE = /local/domain/<B>/backend/vif2/<D>/<H> (the backend's),
 *        BP = /local/domain/<B>/nc2/bypass/<A>-<C> (a bypass request).
 * Every key a guest can write (FE) is hostile input to the backend.
 */
#ifndef NC2_XENBUS_H
#define NC2_XENBUS_H

/* The xenbus device type. */
#define NC2_XS_DEVICE "vif2"

/*
 * FE and BE as printf formats, for code that is not handed its paths by
 * xenbus (nc2ctl, uspace). They spell out NC2_XS_DEVICE because
 * tools/xenbus-keys.sh takes only plain strings.
 */
#define NC2_XS_FE_PATH "/local/domain/%u/device/vif2/%u"     /* D, H */
#define NC2_XS_BE_PATH "/local/domain/%u/backend/vif2/%u/%u" /* B, D, H */
/* B, D: the directory of all of D's devices on backend B */
#define NC2_XS_BE_DOM_PATH "/local/domain/%u/backend/vif2/%u"
/* B: the directory of all vif2 devices backend B serves */
#define NC2_XS_BE_ROOT_PATH "/local/domain/%u/backend/vif2"

/*
 * ---- Xen's own, written by the toolstack for every domain: nc2 only
 * reads them (nc2ctl and the userspace backend). The model of Xen under
 * uspace/hv and the lab's scripts use these names too.
 */
#define NC2_XS_LOCAL_DOMAIN "/local/domain" /* one directory per domain */
#define NC2_XS_DOM_PATH "/local/domain/%u"  /* a domain's home */
#define NC2_XS_DOMID "domid"		    /* relative: the reader's own id */
#define NC2_XS_NAME "name"		    /* in a home: the domain's name */
#define NC2_XS_VM "vm"			    /* in a home: /vm/<uuid> */
#define NC2_XS_BACKEND_DIR "backend"	    /* in a home: devices it serves */
#define NC2_XS_DEVICE_DIR "device"	    /* in a home: devices it uses */

/* ---- FE, written by the toolstack at creation */
#define NC2_XS_BACKEND "backend"       /* the path BE */
#define NC2_XS_BACKEND_ID "backend-id" /* <B> */
#define NC2_XS_HANDLE "handle"	       /* <H> (also in BE) */
#define NC2_XS_MAC "mac"	       /* the guest's MAC (also in BE) */
#define NC2_XS_STATE "state"	       /* XenbusState (both) */

/* ---- FE, written by the frontend (docs/xenbus.md 3) */
#define NC2_XS_RING_PAGE_ORDER "ring-page-order" /* each ring 2^order pages */
#define NC2_XS_CTRL_REF "ctrl-ref"		  /* gref of the control page */
#define NC2_XS_TX_RING_REF "tx-ring-ref%u"	  /* page i of the F2B ring */
#define NC2_XS_RX_RING_REF "rx-ring-ref%u"	  /* page i of the B2F ring */
#define NC2_XS_EVENT_CHANNEL "event-channel"	  /* port for the backend */
#define NC2_XS_BYPASS_TRAFFIC "bypass-traffic"	  /* nc2/traffic.h text */
#define NC2_XS_FEATURE_BYPASS_ADDRS "feature-bypass-addrs" /* 0/1 */

/* ---- both ends advertise (each its own directory) */
#define NC2_XS_PROTOCOL_VERSION "protocol-version"
#define NC2_XS_FEATURE_COPY_ONLY "feature-copy-only-grants"
#define NC2_XS_FEATURE_SUBPAGE "feature-subpage-grants"
#define NC2_XS_FEATURE_TRANSITIVE "feature-transitive-grants"
#define NC2_XS_FEATURE_BYPASS "feature-bypass"

/* ---- BE, written by the toolstack (nc2ctl attach) */
#define NC2_XS_FRONTEND "frontend"
#define NC2_XS_FRONTEND_ID "frontend-id"
#define NC2_XS_ONLINE "online"
#define NC2_XS_BRIDGE "bridge"
#define NC2_XS_SCRIPT "script"
#define NC2_XS_MAX_BYPASSES "max-bypasses"	/* default 5 */
#define NC2_XS_LOCAL_TRUSTED "local-trusted"	/* default 1 */
#define NC2_XS_REMOTE_TRUSTED "remote-trusted" /* default 0 */
#define NC2_XS_FILTER_MAC "filter-mac"
#define NC2_XS_IP "ip"
#define NC2_XS_GATEWAY "gateway"
#define NC2_XS_BYPASS_ALLOW "bypass-allow" /* nc2/policy.h text */
#define NC2_XS_VIFNAME "vifname"

/* ---- BE, written by the hotplug script (vif2-bridge, vif2-route) */
#define NC2_XS_HOTPLUG_STATUS "hotplug-status" /* "connected" or "error" */
#define NC2_XS_HOTPLUG_ERROR "hotplug-error"   /* why, with "error" */

/* ---- BE, written by the backend */
#define NC2_XS_MAX_RING_PAGE_ORDER "max-ring-page-order"
/*
 * 1 while the link carries traffic, 0 while the guest is stalled
 * (XSA-392). Only the userspace backend writes it; netback2 shows the
 * same as its interface's carrier.
 */
#define NC2_XS_CARRIER "carrier"
/* Counters for nc2ctl stats, refreshed every 5 s (docs/xenbus.md 4). */
#define NC2_XS_STATS "stats"
#define NC2_XS_STATS_TX_PACKETS "stats/guest-tx-packets" /* from the guest */
#define NC2_XS_STATS_RX_PACKETS "stats/guest-rx-packets" /* to the guest */
/* 0, or minus the wire value of the link's error (protocol.md 5.2). */
#define NC2_XS_STATS_PROTOCOL_ERROR "stats/protocol-error"
#define NC2_XS_STATS_QUEUE_DROPS "stats/limiter-queue-drops"
#define NC2_XS_STATS_STALLS "stats/limiter-stalls"
#define NC2_XS_STATS_BYPASSES "stats/bypasses" /* bypasses up */

/* ---- BP: nc2ctl or netback2 ask, netback2 answers (docs/xenbus.md 5) */
#define NC2_XS_BYPASS_DIR "nc2/bypass" /* relative to the backend's home */
#define NC2_XS_BP_DOMID_A "domid-a"
#define NC2_XS_BP_DOMID_B "domid-b"
#define NC2_XS_BP_HANDLE_A "handle-a"
#define NC2_XS_BP_HANDLE_B "handle-b"
#define NC2_XS_BP_REQUEST "request"	  /* "enable" or "disable" */
#define NC2_XS_BP_ORIGIN "origin"	  /* "manual" or "auto" */
#define NC2_XS_BP_STATUS "status"	  /* nc2_steer_status() or "error" */
#define NC2_XS_BP_ERROR "error"		  /* why it was refused or ended */
#define NC2_XS_BP_LAST_TRAFFIC "last-traffic" /* Unix seconds */

#endif /* NC2_XENBUS_H */
