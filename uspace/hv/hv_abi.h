/* SPDX-License-Identifier: MIT */
/*
 * Grant table layouts, flags and status codes of the nc2 hv model.
 *
 * These mirror Xen's public grant_table.h bit for bit so that code written
 * against the model (and the model's tests) transfers to real grant tables.
 */
#ifndef NC2_HV_ABI_H
#define NC2_HV_ABI_H

#include <stdint.h>

#define NC2_HV_PAGE_SIZE 4096u
#define NC2_HV_PAGE_SHIFT 12

#define NC2_DOMID_SELF 0x7ff0u
#define NC2_DOMID_INVALID 0x7ff4u

/* Grant entry flags (GTF_*). */
#define GTF_invalid (0u << 0)
#define GTF_permit_access (1u << 0)
#define GTF_accept_transfer (2u << 0)
#define GTF_transitive (3u << 0)
#define GTF_type_mask (3u << 0)
#define GTF_readonly (1u << 2)
#define GTF_reading (1u << 3)
#define GTF_writing (1u << 4)
#define GTF_sub_page (1u << 8)

/* v1: 8 bytes, busy bits live in flags. */
struct nc2_grant_entry_v1 {
	uint16_t flags;
	uint16_t domid;
	uint32_t frame;
};

struct nc2_grant_entry_header {
	uint16_t flags;
	uint16_t domid;
};

/* v2: 16 bytes, busy bits live in the separate status array. */
union nc2_grant_entry_v2 {
	struct nc2_grant_entry_header hdr;
	struct {
		struct nc2_grant_entry_header hdr;
		uint32_t pad0;
		uint64_t frame;
	} full_page;
	struct {
		struct nc2_grant_entry_header hdr;
		uint16_t page_off;
		uint16_t length;
		uint64_t frame;
	} sub_page;
	struct {
		struct nc2_grant_entry_header hdr;
		uint16_t trans_domid;
		uint16_t pad0;
		uint32_t gref;
	} transitive;
	uint32_t spacer[4];
};

_Static_assert(sizeof(struct nc2_grant_entry_v1) == 8, "v1 entry size");
_Static_assert(sizeof(union nc2_grant_entry_v2) == 16, "v2 entry size");

/* Grant operation status codes (GNTST_*). */
#define GNTST_okay 0
#define GNTST_general_error (-1)
#define GNTST_bad_domain (-2)
#define GNTST_bad_gntref (-3)
#define GNTST_bad_handle (-4)
#define GNTST_bad_virt_addr (-5)
#define GNTST_bad_dev_addr (-6)
#define GNTST_no_device_space (-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page (-9)
#define GNTST_bad_copy_arg (-10)
#define GNTST_address_too_big (-11)
#define GNTST_eagain (-12)

/* Copy op flags (GNTCOPY_*). */
#define GNTCOPY_source_gref (1u << 0)
#define GNTCOPY_dest_gref (1u << 1)

/*
 * Shared grant table memfd layout: entries first, the v2 status array at a
 * fixed offset after room for v2 entries.  Xen keeps the first 8 refs for
 * the toolstack; so do we.
 */
#define NC2_HV_GNT_ENTRIES 16384u
#define NC2_HV_GNT_RESERVED 8u
#define NC2_HV_GNT_STATUS_OFF (NC2_HV_GNT_ENTRIES * 16u)
#define NC2_HV_GNT_BYTES (NC2_HV_GNT_STATUS_OFF + NC2_HV_GNT_ENTRIES * 2u)

/* Event channel ports per domain, and the per-port status word layout. */
#define NC2_HV_EVTCHN_PORTS 1024u
#define NC2_HV_EVTCHN_CLOSED 0
#define NC2_HV_EVTCHN_UNBOUND 1
#define NC2_HV_EVTCHN_INTERDOMAIN 2
#define NC2_HV_EVTCHN_STATE_MASK 3u

#endif
