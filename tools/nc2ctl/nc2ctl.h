/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nc2ctl - toolstack half of netchannel2: shared declarations.
 *
 * The tool only ever talks to xenstore.  Everything a netchannel2
 * backend or frontend driver reads from the toolstack lives under the
 * paths built by the nc2_*_path() helpers below; tools/nc2ctl/README.md
 * is the reference for every key.
 */
#ifndef NC2CTL_H
#define NC2CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <xenstore.h>

/* Exit statuses, documented in the EXIT STATUS section of --help. */
#define NC2_EXIT_OK      0
#define NC2_EXIT_ERROR   1
#define NC2_EXIT_USAGE   2
#define NC2_EXIT_TIMEOUT 3

#define NC2_DEVTYPE         "vif2"
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
void nc2_info(const struct nc2_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Argument parsing helpers (return 0 or -1 after printing an error). */
int nc2_parse_uint(const char *what, const char *s, unsigned int max,
		   unsigned int *out);
int nc2_parse_domid(const char *what, const char *s, unsigned int *out);

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

/* ---- vif2.c ---- */
int nc2_cmd_attach(const struct nc2_opts *o, int argc, char **argv);
int nc2_cmd_detach(const struct nc2_opts *o, int argc, char **argv);
int nc2_cmd_list(const struct nc2_opts *o, int argc, char **argv);
int nc2_cmd_stats(const struct nc2_opts *o, int argc, char **argv);

/* Paths of one vif2 device. */
void nc2_fe_path(char *buf, unsigned int domid, unsigned int handle);
void nc2_be_path(char *buf, unsigned int backend, unsigned int domid,
		 unsigned int handle);
/* Lowest vif2 handle of @domid served by @backend, or -1. */
int nc2_first_handle(struct xs_handle *h, xs_transaction_t t,
		     unsigned int backend, unsigned int domid);

/* ---- bypass.c ---- */
int nc2_cmd_bypass(const struct nc2_opts *o, int argc, char **argv);
void nc2_list_bypasses(struct xs_handle *h, int domid);

#endif /* NC2CTL_H */
