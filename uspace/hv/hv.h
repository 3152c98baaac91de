/* SPDX-License-Identifier: MIT */
/*
 * nc2 hv: the platform services a netchannel2 driver needs from Xen.
 *
 * The userspace implementation talks to the nc2-hv daemon; a kernel
 * implementation maps the same calls onto real grant tables, event channels
 * and xenstore.  Integer returns are >= 0 on success, -errno on failure.
 */
#ifndef NC2_HV_H
#define NC2_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv_abi.h"

struct nc2_hv;

#define NC2_HV_DOMID_ANY 0xffffu

struct nc2_hv_config {
	uint16_t domid;      /* requested domid; 0 = dom0, NC2_HV_DOMID_ANY */
	uint32_t mem_bytes;  /* guest memory size, multiple of the page size */
	int grant_version;   /* 1 or 2 */
};

/* Connect to the daemon at @sock_path as a new domain; NULL + errno on error. */
struct nc2_hv *nc2_hv_open(const char *sock_path,
			   const struct nc2_hv_config *cfg);
/* Disconnect; the daemon tears the domain down as if it had died. */
void nc2_hv_close(struct nc2_hv *hv);
/* Our domain id. */
uint16_t nc2_hv_domid(const struct nc2_hv *hv);

/* ---- guest memory ---- */

/* The page may later be mapped by a peer (costs one fd; use for rings). */
#define NC2_HV_PAGE_SHAREABLE 1u

/* Allocate a zeroed guest page; its frame number goes to *@frame. */
void *nc2_hv_page_alloc(struct nc2_hv *hv, unsigned int flags,
			uint64_t *frame);
/* Free a page from nc2_hv_page_alloc(); any grant on it must be ended. */
void nc2_hv_page_free(struct nc2_hv *hv, void *page);
/* Frame of the guest page holding @p; -EINVAL if not guest memory. */
int nc2_hv_virt_to_frame(struct nc2_hv *hv, const void *p, uint64_t *frame);

/* ---- grant table (our side: granting) ---- */

/* Switch grant table layout (1 or 2); -EBUSY while any grant is active. */
int nc2_hv_set_grant_version(struct nc2_hv *hv, int version);
/* Current grant table layout version. */
int nc2_hv_grant_version(const struct nc2_hv *hv);
/* Grant @domid access to a whole page; returns the gref. */
int nc2_hv_grant_access(struct nc2_hv *hv, uint16_t domid, uint64_t frame,
			bool readonly);
/* Grant @domid copy access to bytes [off, off+len) of a page (v2 only). */
int nc2_hv_grant_subpage(struct nc2_hv *hv, uint16_t domid, uint64_t frame,
			 uint16_t off, uint16_t len, bool readonly);
/* Re-grant @trans_domid's grant @trans_gref to @domid for copies (v2 only). */
int nc2_hv_grant_transitive(struct nc2_hv *hv, uint16_t domid,
			    uint16_t trans_domid, uint32_t trans_gref,
			    bool readonly);
/*
 * Revoke a grant.  -EBUSY if the grantee is copying from/to it or has it
 * mapped: the grant then stays valid and the caller must retry later.
 */
int nc2_hv_end_access(struct nc2_hv *hv, uint32_t gref);

/* ---- grant table (peer side: using grants) ---- */

struct nc2_hv_copy_ptr {
	uint64_t ref;    /* gref if the matching GNTCOPY_*_gref flag, else frame */
	uint16_t domid;  /* granter, or NC2_DOMID_SELF for a local frame */
	uint16_t offset; /* byte offset within the page */
	uint32_t pad;
};

/* Same shape as Xen's struct gnttab_copy. */
struct nc2_hv_copy_op {
	struct nc2_hv_copy_ptr src, dst;
	uint16_t len;
	uint16_t flags;  /* GNTCOPY_source_gref | GNTCOPY_dest_gref */
	int16_t status;  /* GNTST_* on return */
	uint16_t pad;
};

/* Run a batch of copies; per-op result in ops[i].status. */
int nc2_hv_copy(struct nc2_hv *hv, struct nc2_hv_copy_op *ops, unsigned int n);

#define NC2_HV_MAP_MAX 64u

/*
 * Map @n full-page grants of @domid at contiguous addresses.  All or
 * nothing: on failure returns NULL, errno set, per-gref GNTST_* in @status
 * (may be NULL).
 */
void *nc2_hv_map(struct nc2_hv *hv, uint16_t domid, const uint32_t *grefs,
		 unsigned int n, bool readonly, int16_t *status);
/* Unmap an area returned by nc2_hv_map(). */
int nc2_hv_unmap(struct nc2_hv *hv, void *addr);

/* ---- event channels ---- */

/* Allocate a port that @remote_domid may bind to; returns the port. */
int nc2_hv_evtchn_alloc_unbound(struct nc2_hv *hv, uint16_t remote_domid);
/* Bind to @remote_domid's unbound @remote_port; returns our local port. */
int nc2_hv_evtchn_bind_interdomain(struct nc2_hv *hv, uint16_t remote_domid,
				   uint32_t remote_port);
/* Kick the peer of @port; no daemon round trip in the common case. */
int nc2_hv_evtchn_notify(struct nc2_hv *hv, uint32_t port);
/* Close @port; the peer's end becomes unbound. */
int nc2_hv_evtchn_close(struct nc2_hv *hv, uint32_t port);
/* NC2_HV_EVTCHN_{CLOSED,UNBOUND,INTERDOMAIN}. */
int nc2_hv_evtchn_status(struct nc2_hv *hv, uint32_t port);
/* Userspace only: fd that polls readable when @port has pending events. */
int nc2_hv_evtchn_fd(struct nc2_hv *hv, uint32_t port);
/* Clear and return the number of pending events on @port (0 if none). */
int nc2_hv_evtchn_consume(struct nc2_hv *hv, uint32_t port);
/* Wait up to @timeout_ms (-1 forever) for an event; 0 on timeout. */
int nc2_hv_evtchn_wait(struct nc2_hv *hv, uint32_t port, int timeout_ms);

/* ---- store (xenstore subset) ---- */

#define NC2_HV_PERM_NONE 0u
#define NC2_HV_PERM_READ 1u
#define NC2_HV_PERM_WRITE 2u
#define NC2_HV_PERM_BOTH 3u
#define NC2_HV_PERM_MAX 16u

/* perms[0]: owner and the default for unlisted domains; then an ACL. */
struct nc2_hv_perm {
	uint16_t domid;
	uint16_t perm;
};

#define NC2_HV_TX_NONE 0u

/* Read a node (tx may be NC2_HV_TX_NONE); malloc'd, NUL-terminated. */
char *nc2_hv_store_read(struct nc2_hv *hv, uint32_t tx, const char *path,
			size_t *len);
/* Write a node, creating missing parents. */
int nc2_hv_store_write(struct nc2_hv *hv, uint32_t tx, const char *path,
		       const void *val, size_t len);
/* Write a NUL-terminated string. */
int nc2_hv_store_write_str(struct nc2_hv *hv, uint32_t tx, const char *path,
			   const char *val);
/* Create an empty node if missing. */
int nc2_hv_store_mkdir(struct nc2_hv *hv, uint32_t tx, const char *path);
/* Remove a node and everything below it. */
int nc2_hv_store_rm(struct nc2_hv *hv, uint32_t tx, const char *path);
/* Child names; one malloc'd block, free() the array only. */
char **nc2_hv_store_directory(struct nc2_hv *hv, uint32_t tx,
			      const char *path, unsigned int *num);
/* Read permissions into @perms (room for NC2_HV_PERM_MAX); returns count. */
int nc2_hv_store_get_perms(struct nc2_hv *hv, uint32_t tx, const char *path,
			   struct nc2_hv_perm *perms);
/* Replace permissions; only the owner or dom0 may. */
int nc2_hv_store_set_perms(struct nc2_hv *hv, uint32_t tx, const char *path,
			   const struct nc2_hv_perm *perms, unsigned int n);
/* Start a transaction; its id goes to *@tx. */
int nc2_hv_store_tx_start(struct nc2_hv *hv, uint32_t *tx);
/* Commit (or abort); -EAGAIN if the store changed meanwhile: redo it. */
int nc2_hv_store_tx_end(struct nc2_hv *hv, uint32_t tx, bool abort);
/* Watch @path and below ("@releaseDomain" too); fires once at once. */
int nc2_hv_store_watch(struct nc2_hv *hv, const char *path, const char *token);
/* Remove a watch added with the same path and token. */
int nc2_hv_store_unwatch(struct nc2_hv *hv, const char *path,
			 const char *token);
/* Userspace only: fd that polls readable when a watch event is queued. */
int nc2_hv_store_watch_fd(struct nc2_hv *hv);
/*
 * Take one watch event, waiting up to @timeout_ms; *@path and *@token are
 * malloc'd.  -ETIMEDOUT if none.
 */
int nc2_hv_store_read_watch(struct nc2_hv *hv, int timeout_ms, char **path,
			    char **token);

#endif
