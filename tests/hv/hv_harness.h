/* SPDX-License-Identifier: MIT */
/*
 * Test harness: a private nc2-hv daemon and "remote" domains, each a
 * separate process driving its own nc2_hv connection on command.
 */
#ifndef NC2_HV_HARNESS_H
#define NC2_HV_HARNESS_H

#include <stdint.h>
#include <sys/types.h>

#include "hv.h"

extern const char *harness_daemon_path;

struct daemon {
	pid_t pid;
	char sock[108];
};

/* Start a daemon; @delay_ms > 0 slows every copy (busy-grant tests). */
int daemon_start(struct daemon *d, unsigned int delay_ms);
void daemon_stop(struct daemon *d);
/* Is the daemon process still running? */
int daemon_alive(struct daemon *d);

enum rcmd {
	R_PAGE = 1,   /* a0 shareable, a1 fill byte -> v0 frame */
	R_GRANT,      /* a0 domid, a1 frame, a2 ro */
	R_GRANT_SUB,  /* a0 domid, a1 frame, a2 off, a3 len, a4 ro */
	R_GRANT_TRANS,/* a0 domid, a1 tdom, a2 tref, a3 ro */
	R_END,        /* a0 gref, a1 delay ms before ending */
	R_PEEK,       /* a0 frame, a1 offset -> v0 byte */
	R_EVT_ALLOC,  /* a0 remote */
	R_EVT_BIND,   /* a0 remote, a1 port */
	R_EVT_WAIT,   /* a0 port, a1 timeout */
	R_EVT_NOTIFY, /* a0 port */
	R_EVT_ECHO,   /* a0 port, a1 count: wait then notify, count times */
	R_ST_WRITE,   /* s path, s2 value */
	R_ST_PERMS,   /* s path, a0 owner, a1 default, a2 acl dom, a3 perm */
	R_SET_VER,    /* a0 version */
	R_COPY_FROM,  /* a0 domid, a1 gref, a2 local frame -> rc = status */
};

struct rmsg {
	int32_t cmd;
	int64_t a[6];
	char s[128], s2[128];
};

struct rrsp {
	int64_t rc;
	int64_t v0;
};

struct remote {
	pid_t pid;
	int sock;
	uint16_t domid;
};

/* Fork a domain process connected to @d as @domid with @version grants. */
int remote_start(struct remote *r, struct daemon *d, uint16_t domid,
		 int version);
/* Run a command synchronously; returns rc, v0 to *@v0 if non-NULL. */
int64_t remote_cmd(struct remote *r, const struct rmsg *m, int64_t *v0);
/* Send a command; collect its result later with remote_wait(). */
void remote_send(struct remote *r, const struct rmsg *m);
int64_t remote_wait(struct remote *r, int64_t *v0);
void remote_kill(struct remote *r);

#endif
