/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nc2ctl - toolstack half of netchannel2: shared declarations.
 *
 * The tool only ever talks to xenstore.  Everything a netchannel2
 * backend or frontend driver reads from the toolstack lives under the
 * paths built by the nc2_*_path() helpers below (paths.c), with the key
 * names of nc2/xenbus.h; docs/xenbus.md is the reference for every key.
 *
 * The files form layers; each calls only into layers below it:
 *
 *   main.c, manual.c   command line and dispatch, the manual
 *   agent.c            the lifecycle agent (uses attach and the clean-up
 *                      of vif2.c)
 *   vif2.c  bypass.c  list.c  devd.c
 *                      the commands: devices, bypass requests, the
 *                      read-only views, driver-domain hotplug
 *   hotplug.c allow.c  a device's hotplug script; the bypass-allow text
 *   paths.c            where devices and bypass requests live
 *   xs.c  domcfg.c     libxenstore helpers; /etc/nc2/domains parsing
 *   util.c             messages and number parsing
 */
#ifndef NC2CTL_H
#define NC2CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <xenstore.h>

#include <nc2/policy.h>

/* Exit statuses, documented in the EXIT STATUS section of --help. */
#define NC2_EXIT_OK      0
#define NC2_EXIT_ERROR   1
#define NC2_EXIT_USAGE   2
#define NC2_EXIT_TIMEOUT 3

#define NC2_DEFAULT_BRIDGE  "xenbr0"
#define NC2_DEFAULT_SCRIPT  "/etc/xen/scripts/vif2-bridge"
#define NC2_DEFAULT_BYPASSES 5
#define NC2_DEFAULT_TIMEOUT 10 /* seconds */
#define NC2_MAX_HANDLE      1023
#define NC2_PATH_MAX        256

/* First domid Xen reserves for special purposes (DOMID_FIRST_RESERVED). */
#define NC2_DOMID_LIMIT 0x7ff0U

/* XenbusState values (xen/include/public/io/xenbus.h). */
enum nc2_xenbus_state {
	NC2_XB_UNKNOWN = 0,
	NC2_XB_INITIALISING = 1,
	NC2_XB_INITWAIT = 2,
	NC2_XB_INITIALISED = 3,
	NC2_XB_CONNECTED = 4,
	NC2_XB_CLOSING = 5,
	NC2_XB_CLOSED = 6,
	NC2_XB_RECONFIGURING = 7,
	NC2_XB_RECONFIGURED = 8,
};

/* Options shared by every command. */
struct nc2_opts {
	int timeout;	/* seconds to wait for a driver; 0 = do not wait */
	bool no_wait;	/* attach: do not wait for the backend at all */
	bool verbose;
};

extern const char *nc2_prog;

/* Messages: every one names the program, errors go to stderr. */
void nc2_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void nc2_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A daemon's action line on stdout, "WHO: ...", flushed (journald reads it). */
void nc2_log(const char *who, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void nc2_info(const struct nc2_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Argument parsing helpers (return 0 or -1 after printing an error). */
int nc2_parse_uint(const char *what, const char *s, unsigned int max,
		   unsigned int *out);
int nc2_parse_domid(const char *what, const char *s, unsigned int *out);
/* As nc2_parse_uint, without a message: for names found in xenstore. */
int nc2_parse_uint_quiet(const char *s, unsigned int max, unsigned int *out);

/* ---- xs.c: thin helpers over libxenstore ---- */

/*
 * The xenstore connection, opened on first use so that argument errors
 * are reported even where xenstore is unreachable.  NULL (after an error
 * message) if xenstore cannot be reached.
 */
struct xs_handle *nc2_xs(void);
void nc2_xs_close(void);

/* Formatted path; aborts the program if the path does not fit. */
void nc2_path(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

char *nc2_xs_read(struct xs_handle *h, xs_transaction_t t, const char *path);
int nc2_xs_read_int(struct xs_handle *h, xs_transaction_t t, const char *path,
		    int dflt);
bool nc2_xs_exists(struct xs_handle *h, xs_transaction_t t, const char *path);
bool nc2_xs_writef(struct xs_handle *h, xs_transaction_t t, const char *dir,
		   const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
bool nc2_domain_exists(struct xs_handle *h, xs_transaction_t t,
		       unsigned int domid);

/*
 * Run @body inside a xenstore transaction, restarting it while xenstored
 * reports a conflict (EAGAIN).  @body returns 0 to commit, anything else
 * to abort; that value is passed back.  Returns -1 if the transaction
 * itself failed (message already printed).
 */
int nc2_xs_transact(struct xs_handle *h,
		    int (*body)(struct xs_handle *h, xs_transaction_t t,
				void *arg),
		    void *arg);

/*
 * Wait until @done returns true, re-evaluating it whenever one of the
 * @n watched @paths changes.  Returns 0 when done, 1 on timeout, -1 on
 * error.  @timeout_s == 0 means a single check.
 */
int nc2_xs_wait(struct xs_handle *h, const char *const *paths, int n,
		bool (*done)(struct xs_handle *h, void *arg), void *arg,
		int timeout_s);

const char *nc2_state_name(int state);

/* This domain's id (its "domid" key), or -1. */
int nc2_self_domid(struct xs_handle *h);
/* /local/domain/@domid/name (malloc'd), or NULL. */
char *nc2_domain_name(struct xs_handle *h, unsigned int domid);
/*
 * @s is a domain id or a domain name (as xl shows it).  Returns 0 and
 * sets *@out, NC2_EXIT_USAGE for a malformed id, NC2_EXIT_ERROR when no
 * or several domains have that name (message printed).
 */
int nc2_resolve_domain(const char *what, const char *s, unsigned int *out);

/* ---- domcfg.c: declared NICs, /etc/nc2/domains/<name>.cfg ---- */
#define NC2_DEFAULT_CFG_DIR "/etc/nc2/domains"
#define NC2_CFG_MAX_NICS    16
#define NC2_CFG_MAX_ITEMS   16

struct nc2_domcfg {
	char path[NC2_PATH_MAX];
	unsigned int n;				/* NICs declared */
	char spec[NC2_CFG_MAX_NICS][512];	/* 'k=v,k=v' each */
};

/* One declared NIC, as "nc2ctl attach" arguments (without the domain). */
struct nc2_nic {
	unsigned int handle;
	char backend[65];	/* backend= as given (id or name), or "" */
	char mac[18];
	char bridge[32];
	int argc;
	char item[NC2_CFG_MAX_ITEMS][128];
};

/* Parse a config text; 0, or -1 with a message naming @path:line. */
int nc2_domcfg_parse(const char *path, const char *text, size_t len,
		     struct nc2_domcfg *c);
/* Load @path: 0 loaded, 1 no such file, -1 error (message printed). */
int nc2_domcfg_load(const char *path, struct nc2_domcfg *c);
/* @dir/@name.cfg, else @dir/@uuid.cfg: 0 found, 1 none, -1 error. */
int nc2_domcfg_find(const char *dir, const char *name, const char *uuid,
		    struct nc2_domcfg *c);
/*
 * NIC @i of @c for domain @name: attach arguments with handle= (the
 * NIC's index unless given) and mac= (derived from @name and the handle
 * unless given) filled in.  0, or -1 with a message.
 */
int nc2_domcfg_nic(const struct nc2_domcfg *c, unsigned int i,
		   const char *name, struct nc2_nic *nic);

/* ---- paths.c: where vif2 devices and bypass requests live ---- */

/* FE, /local/domain/@domid/device/vif2/@handle. */
void nc2_fe_path(char *buf, unsigned int domid, unsigned int handle);
/* BE, /local/domain/@backend/backend/vif2/@domid/@handle. */
void nc2_be_path(char *buf, unsigned int backend, unsigned int domid,
		 unsigned int handle);
/* The parent of @domid's BEs on @backend: .../backend/vif2/@domid. */
void nc2_be_dom_path(char *buf, unsigned int backend, unsigned int domid);
/* All vif2 BEs of @backend: /local/domain/@backend/backend/vif2. */
void nc2_be_root_path(char *buf, unsigned int backend);
/* @backend's bypass requests: /local/domain/@backend/nc2/bypass. */
void nc2_bypass_root_path(char *buf, unsigned int backend);
/* The request for guests @a < @b: .../nc2/bypass/@a-@b. */
void nc2_bypass_path(char *buf, unsigned int backend, unsigned int a,
		     unsigned int b);
/* Lowest vif2 handle of @domid served by @backend, or -1. */
int nc2_first_handle(struct xs_handle *h, xs_transaction_t t,
		     unsigned int backend, unsigned int domid);
/*
 * Call @fn for every vif2 device in xenstore (only those of frontend
 * domain @only if @only >= 0), walking the backend directories of all
 * domains.  Returns how many there were.
 */
int nc2_for_each_vif2(struct xs_handle *h, int only,
		      void (*fn)(struct xs_handle *h, unsigned int backend,
				 unsigned int domid, unsigned int handle,
				 void *arg),
		      void *arg);

/* ---- hotplug.c: a device's hotplug script ---- */

/* Interface name of backend @be: its "vifname" key, else vif2.D.H. */
void nc2_vif_name(struct xs_handle *h, const char *be, unsigned int domid,
		  unsigned int handle, char *name, size_t len);
/*
 * Run hotplug @script with @action ("online", "offline") for backend
 * directory @be and interface @vif, in the environment libxl gives vif
 * scripts.  0, or -1 with a message.
 */
int nc2_hotplug_exec(const struct nc2_opts *o, const char *script,
		     const char *be, const char *vif, const char *action);
/*
 * The same with the script and interface name read from @be, if
 * @backend is this domain; for another backend domain nothing (its
 * "nc2ctl devd" runs the script there).  0, or -1 with a message.
 */
int nc2_run_hotplug(struct xs_handle *h, const struct nc2_opts *o,
		    const char *be, unsigned int backend, unsigned int domid,
		    unsigned int handle, const char *action);

/* ---- allow.c: the bypass-allow policy ---- */

/*
 * A bypass-allow policy as the admin writes it ("any", "none", or domain
 * ids and names separated by spaces or commas) into its xenstore form,
 * names resolved to ids now; checked with the library's parser, so what
 * is written is what netback2 reads. Returns 0 or the exit status.
 */
int nc2_bypass_policy_text(const char *s, char *out, size_t size);

/* ---- the commands: 0 or an NC2_EXIT_* status ---- */

/* vif2.c: creating and removing devices. */
int nc2_cmd_attach(const struct nc2_opts *o, int argc, char **argv);
int nc2_cmd_detach(const struct nc2_opts *o, int argc, char **argv);
/* Clean up a device of a domain that no longer exists (no waiting). */
int nc2_remove_orphan(struct xs_handle *h, const struct nc2_opts *o,
		      unsigned int backend, unsigned int domid,
		      unsigned int handle);

/* bypass.c: bypass requests (enable, disable, allow). */
int nc2_cmd_bypass(const struct nc2_opts *o, int argc, char **argv);

/* list.c: the read-only views. */
int nc2_cmd_list(const struct nc2_opts *o, int argc, char **argv);
int nc2_cmd_stats(const struct nc2_opts *o, int argc, char **argv);

/* devd.c: hotplug for a driver domain. */
int nc2_cmd_devd(const struct nc2_opts *o, int argc, char **argv);

/* agent.c: the lifecycle agent. */
int nc2_cmd_agent(const struct nc2_opts *o, int argc, char **argv);

/* manual.c: the text of --help (and of nc2ctl(8)). */
extern const char nc2_manual[];

#endif /* NC2CTL_H */
