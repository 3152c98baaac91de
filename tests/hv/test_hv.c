// SPDX-License-Identifier: MIT
/*
 * nc2 hv tests: a daemon, the test process as domain 1 (grant v2), and
 * forked domains 2 (v2) and 3 (v1).  argv[1] is the nc2-hv binary.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "hv_harness.h"
#include "hv_client_priv.h"
#include "hv_proto.h"

struct fx {
	struct daemon d;
	struct nc2_hv *a;
	struct remote b, c;
};

#define A_ID 1
#define B_ID 2
#define C_ID 3

static int fx_setup_delay(void **state, unsigned int delay)
{
	struct nc2_hv_config cfg = { A_ID, 4u << 20, 2 };
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(daemon_start(&f->d, delay), 0);
	f->a = nc2_hv_open(f->d.sock, &cfg);
	assert_non_null(f->a);
	assert_int_equal(nc2_hv_domid(f->a), A_ID);
	assert_int_equal(remote_start(&f->b, &f->d, B_ID, 2), 0);
	assert_int_equal(remote_start(&f->c, &f->d, C_ID, 1), 0);
	*state = f;
	return 0;
}

static int fx_setup(void **state)
{
	return fx_setup_delay(state, 0);
}

static int fx_setup_slow(void **state)
{
	return fx_setup_delay(state, 400);
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	remote_kill(&f->b);
	remote_kill(&f->c);
	nc2_hv_close(f->a);
	daemon_stop(&f->d);
	free(f);
	return 0;
}

static int64_t rc_(struct remote *r, int cmd, int64_t a0, int64_t a1,
		   int64_t a2, int64_t a3, int64_t a4, int64_t *v0)
{
	struct rmsg m = { .cmd = cmd, .a = { a0, a1, a2, a3, a4, 0 } };

	return remote_cmd(r, &m, v0);
}

#define RC(r, cmd, ...) rc_(r, cmd, __VA_ARGS__)

/* A page in the remote filled with @fill (+1 per KiB quarter); its frame. */
static uint64_t rpage(struct remote *r, bool shareable, int fill)
{
	int64_t frame = -1;

	assert_int_equal(RC(r, R_PAGE, shareable, fill, 0, 0, 0, &frame), 0);
	return frame;
}

static int rpeek(struct remote *r, uint64_t frame, int off)
{
	int64_t v = -1;

	assert_int_equal(RC(r, R_PEEK, frame, off, 0, 0, 0, &v), 0);
	return v;
}

static int16_t copy1(struct nc2_hv *hv, uint16_t sdom, uint64_t sref,
		     uint16_t soff, uint16_t ddom, uint64_t dref, uint16_t doff,
		     uint16_t len)
{
	struct nc2_hv_copy_op op = {
		.src = { sref, sdom, soff, 0 },
		.dst = { dref, ddom, doff, 0 },
		.len = len,
		.flags = (sdom != NC2_DOMID_SELF ? GNTCOPY_source_gref : 0) |
			 (ddom != NC2_DOMID_SELF ? GNTCOPY_dest_gref : 0),
	};

	assert_int_equal(nc2_hv_copy(hv, &op, 1), 0);
	return op.status;
}

#define SELF NC2_DOMID_SELF

static void test_copy_ok(void **state)
{
	struct fx *f = *state;
	uint64_t lf, bf = rpage(&f->b, false, 0x10), cf;
	uint8_t *lp = nc2_hv_page_alloc(f->a, 0, &lf);
	int gb, gc;

	assert_non_null(lp);
	/* v2 granter, read. */
	gb = RC(&f->b, R_GRANT, A_ID, bf, 1, 0, 0, NULL);
	assert_true(gb >= 8);
	assert_int_equal(copy1(f->a, B_ID, gb, 0, SELF, lf, 0, 4096), 0);
	assert_int_equal(lp[0], 0x10);
	assert_int_equal(lp[4095], 0x13);
	/* v1 granter, write into its page. */
	cf = rpage(&f->c, false, 0x40);
	gc = RC(&f->c, R_GRANT, A_ID, cf, 0, 0, 0, NULL);
	assert_true(gc >= 8);
	memset(lp, 0x77, 4096);
	assert_int_equal(copy1(f->a, SELF, lf, 0, C_ID, gc, 100, 50), 0);
	assert_int_equal(rpeek(&f->c, cf, 99), 0x40);
	assert_int_equal(rpeek(&f->c, cf, 100), 0x77);
	assert_int_equal(rpeek(&f->c, cf, 149), 0x77);
	assert_int_equal(rpeek(&f->c, cf, 150), 0x40);
	/* Grant to grant, no local page involved. */
	assert_int_equal(copy1(f->a, B_ID, gb, 1024, C_ID, gc, 0, 16), 0);
	assert_int_equal(rpeek(&f->c, cf, 0), 0x11);
	/* Unused grants end cleanly. */
	assert_int_equal(RC(&f->b, R_END, gb, 0, 0, 0, 0, NULL), 0);
	assert_int_equal(RC(&f->c, R_END, gc, 0, 0, 0, 0, NULL), 0);
}

static void test_copy_denied(void **state)
{
	struct fx *f = *state;
	uint64_t lf, bf = rpage(&f->b, false, 1);
	int g;

	assert_non_null(nc2_hv_page_alloc(f->a, 0, &lf));
	/* Granted to C, used by A. */
	g = RC(&f->b, R_GRANT, C_ID, bf, 0, 0, 0, NULL);
	assert_int_equal(copy1(f->a, B_ID, g, 0, SELF, lf, 0, 64),
			 GNTST_permission_denied);
	assert_int_equal(RC(&f->c, R_COPY_FROM, B_ID, g, rpage(&f->c, 0, 0),
			    0, 0, NULL), 0);
	/* Read-only: reading is fine, writing is not. */
	g = RC(&f->b, R_GRANT, A_ID, bf, 1, 0, 0, NULL);
	assert_int_equal(copy1(f->a, B_ID, g, 0, SELF, lf, 0, 64), 0);
	assert_int_equal(copy1(f->a, SELF, lf, 0, B_ID, g, 0, 64),
			 GNTST_permission_denied);
	assert_int_equal(rpeek(&f->b, bf, 0), 1);
	/* Someone else's frame as a "local" frame. */
	assert_int_equal(copy1(f->a, SELF, lf, 0, B_ID, bf, 0, 64),
			 GNTST_permission_denied);
}

static void test_copy_bounds(void **state)
{
	struct fx *f = *state;
	uint64_t lf, bf = rpage(&f->b, false, 1);
	int g = RC(&f->b, R_GRANT, A_ID, bf, 0, 0, 0, NULL);

	assert_non_null(nc2_hv_page_alloc(f->a, 0, &lf));
	assert_int_equal(copy1(f->a, B_ID, g, 4000, SELF, lf, 0, 200),
			 GNTST_bad_copy_arg);
	assert_int_equal(copy1(f->a, B_ID, g, 0, SELF, lf, 4095, 2),
			 GNTST_bad_copy_arg);
	assert_int_equal(copy1(f->a, B_ID, g, 0, SELF, 1u << 30, 0, 8),
			 GNTST_bad_page);
	assert_int_equal(copy1(f->a, B_ID, NC2_HV_GNT_ENTRIES, 0, SELF, lf, 0,
			       8),
			 GNTST_bad_gntref);
	assert_int_equal(copy1(f->a, B_ID, 1ull << 40, 0, SELF, lf, 0, 8),
			 GNTST_bad_gntref);
	assert_int_equal(copy1(f->a, 77, g, 0, SELF, lf, 0, 8),
			 GNTST_bad_domain);
	/* Unused entry. */
	assert_int_equal(copy1(f->a, B_ID, g + 100, 0, SELF, lf, 0, 8),
			 GNTST_permission_denied);
	/* Exactly to the end is fine. */
	assert_int_equal(copy1(f->a, B_ID, g, 4000, SELF, lf, 0, 96), 0);
}

static void test_subpage(void **state)
{
	struct fx *f = *state;
	uint64_t lf, bf = rpage(&f->b, true, 0x20);
	int16_t st = 0;
	uint32_t g;

	assert_non_null(nc2_hv_page_alloc(f->a, 0, &lf));
	g = RC(&f->b, R_GRANT_SUB, A_ID, bf, 1000, 200, 1, NULL);
	assert_true((int)g >= 8);
	assert_int_equal(copy1(f->a, B_ID, g, 1000, SELF, lf, 0, 200), 0);
	assert_int_equal(copy1(f->a, B_ID, g, 1100, SELF, lf, 0, 100), 0);
	assert_int_equal(copy1(f->a, B_ID, g, 999, SELF, lf, 0, 10),
			 GNTST_general_error);
	assert_int_equal(copy1(f->a, B_ID, g, 1100, SELF, lf, 0, 101),
			 GNTST_general_error);
	assert_int_equal(copy1(f->a, B_ID, g, 0, SELF, lf, 0, 4096),
			 GNTST_general_error);
	/* Sub-page grants are copy-only. */
	assert_null(nc2_hv_map(f->a, B_ID, &g, 1, true, &st));
	assert_int_equal(st, GNTST_general_error);
	/* And need v2. */
	assert_int_equal(RC(&f->c, R_GRANT_SUB, A_ID, rpage(&f->c, 0, 0), 0,
			    10, 0, NULL),
			 -EOPNOTSUPP);
	assert_int_equal(RC(&f->b, R_END, g, 0, 0, 0, 0, NULL), 0);
}

static void test_transitive(void **state)
{
	struct fx *f = *state;
	uint64_t lf, cf = rpage(&f->c, true, 0x30);
	int16_t st = 0;
	uint32_t gc, gt, gbad, g2;

	assert_non_null(nc2_hv_page_alloc(f->a, 0, &lf));
	/* C grants to B; B re-grants to A transitively; A copies. */
	gc = RC(&f->c, R_GRANT, B_ID, cf, 1, 0, 0, NULL);
	gt = RC(&f->b, R_GRANT_TRANS, A_ID, C_ID, gc, 1, 0, NULL);
	assert_true((int)gt >= 8);
	assert_int_equal(copy1(f->a, B_ID, gt, 0, SELF, lf, 0, 4096), 0);
	uint8_t *lp = nc2_hv_page_alloc(f->a, 0, &lf);

	assert_int_equal(copy1(f->a, B_ID, gt, 3072, SELF, lf, 0, 8), 0);
	assert_int_equal(lp[0], 0x33);
	/* Read-only end to end. */
	assert_int_equal(copy1(f->a, SELF, lf, 0, B_ID, gt, 0, 8),
			 GNTST_permission_denied);
	/* Never mappable. */
	assert_null(nc2_hv_map(f->a, B_ID, &gt, 1, true, &st));
	assert_int_equal(st, GNTST_general_error);
	/* Two levels: A re-grants B's transitive grant to C. */
	g2 = nc2_hv_grant_transitive(f->a, C_ID, B_ID, gt, true);
	assert_true((int)g2 >= 8);
	assert_int_equal(RC(&f->c, R_COPY_FROM, A_ID, g2, rpage(&f->c, 0, 0),
			    0, 0, NULL),
			 GNTST_general_error);
	/* The final grant must be made out to the transitive granter. */
	gbad = RC(&f->c, R_GRANT, A_ID, cf, 1, 0, 0, NULL);
	gt = RC(&f->b, R_GRANT_TRANS, A_ID, C_ID, gbad, 1, 0, NULL);
	assert_int_equal(copy1(f->a, B_ID, gt, 0, SELF, lf, 0, 8),
			 GNTST_permission_denied);
	/* While a transitive copy runs, both grants are busy: see slow test. */
	assert_int_equal(nc2_hv_end_access(f->a, g2), 0);
}

static void test_end_access_busy_copy(void **state)
{
	struct fx *f = *state;
	uint64_t lf, bf = rpage(&f->b, false, 0x50), cf;
	struct rmsg m = { .cmd = R_END };
	struct timespec t0, t1;
	uint32_t g, gc, gt;

	assert_non_null(nc2_hv_page_alloc(f->a, 0, &lf));
	g = RC(&f->b, R_GRANT, A_ID, bf, 0, 0, 0, NULL);
	/* B tries to revoke 100 ms into A's 400 ms copy. */
	m.a[0] = g;
	m.a[1] = 100;
	remote_send(&f->b, &m);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(copy1(f->a, B_ID, g, 0, SELF, lf, 0, 4096), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec >= 0);
	assert_int_equal(remote_wait(&f->b, NULL), -EBUSY);
	/* v2 semantics: the failed end already stopped new uses. */
	assert_int_equal(copy1(f->a, B_ID, g, 0, SELF, lf, 0, 8),
			 GNTST_general_error);
	assert_int_equal(RC(&f->b, R_END, g, 0, 0, 0, 0, NULL), 0);

	/* v1 granter: end fails while busy and the grant stays usable. */
	cf = rpage(&f->c, false, 0x60);
	gc = RC(&f->c, R_GRANT, A_ID, cf, 0, 0, 0, NULL);
	m.a[0] = gc;
	remote_send(&f->c, &m);
	assert_int_equal(copy1(f->a, SELF, lf, 0, C_ID, gc, 0, 4096), 0);
	assert_int_equal(remote_wait(&f->c, NULL), -EBUSY);
	assert_int_equal(RC(&f->c, R_END, gc, 0, 0, 0, 0, NULL), 0);

	/* Transitive: the original granter's grant is busy too. */
	gc = RC(&f->c, R_GRANT, B_ID, cf, 1, 0, 0, NULL);
	gt = RC(&f->b, R_GRANT_TRANS, A_ID, C_ID, gc, 1, 0, NULL);
	m.a[0] = gc;
	remote_send(&f->c, &m);
	assert_int_equal(copy1(f->a, B_ID, gt, 0, SELF, lf, 0, 4096), 0);
	assert_int_equal(remote_wait(&f->c, NULL), -EBUSY);
	assert_int_equal(RC(&f->c, R_END, gc, 0, 0, 0, 0, NULL), 0);
	assert_int_equal(RC(&f->b, R_END, gt, 0, 0, 0, 0, NULL), 0);
	assert_int_equal(copy1(f->a, B_ID, gt, 0, SELF, lf, 0, 8),
			 GNTST_general_error);
}

static void test_map(void **state)
{
	struct fx *f = *state;
	uint64_t frames[4];
	uint32_t g[4];
	int16_t st[4];
	uint8_t *p;

	for (int i = 0; i < 4; i++) {
		frames[i] = rpage(&f->b, true, 0x80 + 4 * i);
		g[i] = RC(&f->b, R_GRANT, A_ID, frames[i], 0, 0, 0, NULL);
	}
	p = nc2_hv_map(f->a, B_ID, g, 4, false, st);
	assert_non_null(p);
	for (int i = 0; i < 4; i++)
		assert_int_equal(p[i * 4096 + 1024], 0x81 + 4 * i);
	p[4096 + 5] = 0xee;
	assert_int_equal(rpeek(&f->b, frames[1], 5), 0xee);
	/* Mapped: revocation must fail. */
	assert_int_equal(RC(&f->b, R_END, g[1], 0, 0, 0, 0, NULL), -EBUSY);
	assert_int_equal(nc2_hv_unmap(f->a, p), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(RC(&f->b, R_END, g[i], 0, 0, 0, 0, NULL), 0);
	/* Revoked: no new mapping. */
	assert_null(nc2_hv_map(f->a, B_ID, g, 1, false, st));
	assert_int_equal(st[0], GNTST_general_error);
	/* Read-only grant: no RW mapping, RO mapping fine. */
	g[0] = RC(&f->b, R_GRANT, A_ID, frames[0], 1, 0, 0, NULL);
	assert_null(nc2_hv_map(f->a, B_ID, g, 1, false, st));
	assert_int_equal(st[0], GNTST_permission_denied);
	p = nc2_hv_map(f->a, B_ID, g, 1, true, st);
	assert_non_null(p);
	assert_int_equal(p[0], 0x80);
	assert_int_equal(nc2_hv_unmap(f->a, p), 0);
	/* Bulk memory is copy-only in this model. */
	g[1] = RC(&f->b, R_GRANT, A_ID, rpage(&f->b, false, 0), 0, 0, 0, NULL);
	assert_null(nc2_hv_map(f->a, B_ID, &g[1], 1, false, st));
	assert_int_equal(st[0], GNTST_bad_page);
	/* Wrong grantee. */
	g[2] = RC(&f->b, R_GRANT, C_ID, frames[2], 0, 0, 0, NULL);
	assert_null(nc2_hv_map(f->a, B_ID, &g[2], 1, false, st));
	assert_int_equal(st[0], GNTST_permission_denied);
}

/* A grantee that claims to unmap but keeps the page must not get away. */
static void test_unmap_verified(void **state)
{
	struct fx *f = *state;
	uint64_t frame = rpage(&f->b, true, 0xc0);
	uint32_t g = RC(&f->b, R_GRANT, A_ID, frame, 0, 0, 0, NULL);
	struct hv_req rq = { HV_OP_UNMAP, 1, 0, 0 };
	struct hv_rsp rsp;
	int16_t st = 0;
	uint8_t *p;

	p = nc2_hv_map(f->a, B_ID, &g, 1, false, &st);
	assert_non_null(p);
	assert_ptr_equal(f->a->maps->addr, p);
	/* Ask for the unmap while the page is still mapped here. */
	assert_int_equal(hv_call(f->a, &rq, f->a->maps->handles, 4, NULL, 0,
				 &rsp, &st, sizeof(st), NULL, 0, NULL),
			 0);
	assert_int_equal(st, GNTST_general_error);
	assert_int_equal(RC(&f->b, R_END, g, 0, 0, 0, 0, NULL), -EBUSY);
	assert_int_equal(p[1024], 0xc1);
	assert_int_equal(nc2_hv_unmap(f->a, p), 0);
	assert_int_equal(RC(&f->b, R_END, g, 0, 0, 0, 0, NULL), 0);
}

static void test_evtchn(void **state)
{
	struct fx *f = *state;
	int pb, pa;

	pb = RC(&f->b, R_EVT_ALLOC, A_ID, 0, 0, 0, 0, NULL);
	assert_true(pb > 0);
	/* Only the named domain may bind. */
	assert_true(RC(&f->c, R_EVT_BIND, B_ID, pb, 0, 0, 0, NULL) < 0);
	pa = nc2_hv_evtchn_bind_interdomain(f->a, B_ID, pb);
	assert_true(pa > 0);
	assert_int_equal(nc2_hv_evtchn_status(f->a, pa),
			 NC2_HV_EVTCHN_INTERDOMAIN);
	assert_int_equal(nc2_hv_evtchn_notify(f->a, pa), 0);
	assert_true(RC(&f->b, R_EVT_WAIT, pb, 2000, 0, 0, 0, NULL) >= 1);
	assert_int_equal(RC(&f->b, R_EVT_WAIT, pb, 50, 0, 0, 0, NULL), 0);
	/* B notifies through a peer fd it fetches on first use. */
	assert_int_equal(RC(&f->b, R_EVT_NOTIFY, pb, 0, 0, 0, 0, NULL), 0);
	assert_true(nc2_hv_evtchn_wait(f->a, pa, 2000) >= 1);
	/* A closes: B's end goes back to unbound and B is woken. */
	assert_int_equal(nc2_hv_evtchn_close(f->a, pa), 0);
	assert_true(RC(&f->b, R_EVT_WAIT, pb, 2000, 0, 0, 0, NULL) >= 1);
	assert_int_equal(RC(&f->b, R_EVT_NOTIFY, pb, 0, 0, 0, 0, NULL),
			 -ENOTCONN);
	/* Rebinding the unbound port works and B's stale fd is refreshed. */
	pa = nc2_hv_evtchn_bind_interdomain(f->a, B_ID, pb);
	assert_true(pa > 0);
	assert_int_equal(RC(&f->b, R_EVT_NOTIFY, pb, 0, 0, 0, 0, NULL), 0);
	assert_true(nc2_hv_evtchn_wait(f->a, pa, 2000) >= 1);
}

static void test_store_perms(void **state)
{
	struct fx *f = *state;
	struct nc2_hv_config cfg = { 0, 1u << 20, 1 };
	struct nc2_hv *d0 = nc2_hv_open(f->d.sock, &cfg);
	struct rmsg m = { .cmd = R_ST_WRITE };
	struct nc2_hv_perm perms[NC2_HV_PERM_MAX];
	unsigned int n;
	char **dir, *v;

	assert_non_null(d0);
	strcpy(m.s, "/local/domain/2/secret");
	strcpy(m.s2, "b-only");
	assert_int_equal(remote_cmd(&f->b, &m, NULL), 0);
	/* Another domU can neither read nor write it. */
	assert_null(nc2_hv_store_read(f->a, 0, "/local/domain/2/secret", NULL));
	assert_int_equal(errno, EACCES);
	assert_int_equal(nc2_hv_store_write_str(f->a, 0,
						"/local/domain/2/secret", "x"),
			 -EACCES);
	assert_null(nc2_hv_store_directory(f->a, 0, "/local/domain/2", &n));
	/* dom0 sees everything. */
	v = nc2_hv_store_read(d0, 0, "/local/domain/2/secret", NULL);
	assert_non_null(v);
	assert_string_equal(v, "b-only");
	free(v);
	/* Relative paths are in our own home. */
	assert_int_equal(nc2_hv_store_write_str(f->a, 0, "device/vif/0/state",
						"1"),
			 0);
	v = nc2_hv_store_read(d0, 0, "/local/domain/1/device/vif/0/state",
			      NULL);
	assert_string_equal(v, "1");
	free(v);
	dir = nc2_hv_store_directory(f->a, 0, "/local/domain/1/device/vif",
				     &n);
	assert_non_null(dir);
	assert_int_equal(n, 1);
	assert_string_equal(dir[0], "0");
	free(dir);
	/* B shares its node with A, read-only. */
	strcpy(m.s, "/local/domain/2/secret");
	m.cmd = R_ST_PERMS;
	m.a[0] = B_ID;
	m.a[1] = NC2_HV_PERM_NONE;
	m.a[2] = A_ID;
	m.a[3] = NC2_HV_PERM_READ;
	assert_int_equal(remote_cmd(&f->b, &m, NULL), 0);
	v = nc2_hv_store_read(f->a, 0, "/local/domain/2/secret", NULL);
	assert_non_null(v);
	free(v);
	assert_int_equal(nc2_hv_store_write_str(f->a, 0,
						"/local/domain/2/secret", "x"),
			 -EACCES);
	assert_int_equal(nc2_hv_store_get_perms(f->a, 0,
						"/local/domain/2/secret",
						perms),
			 2);
	assert_int_equal(perms[0].domid, B_ID);
	/* Only the owner (or dom0) may change permissions. */
	assert_int_equal(nc2_hv_store_set_perms(f->a, 0,
						"/local/domain/2/secret",
						perms, 1),
			 -EACCES);
	/* A domU cannot write outside what it was given. */
	assert_int_equal(nc2_hv_store_write_str(f->a, 0, "/backend/x", "1"),
			 -EACCES);
	assert_int_equal(nc2_hv_store_rm(f->a, 0, "/local/domain/2"), -EACCES);
	assert_int_equal(nc2_hv_store_write_str(f->a, 0, "../x", "1"),
			 -EINVAL);
	nc2_hv_close(d0);
}

static void expect_watch(struct nc2_hv *hv, const char *path,
			 const char *token)
{
	char *p = NULL, *t = NULL;

	assert_int_equal(nc2_hv_store_read_watch(hv, 2000, &p, &t), 0);
	assert_string_equal(p, path);
	assert_string_equal(t, token);
	free(p);
	free(t);
}

static void test_store_watch_tx(void **state)
{
	struct fx *f = *state;
	struct rmsg m = { .cmd = R_ST_WRITE };
	char *p, *t, *v;
	uint32_t tx;

	assert_int_equal(nc2_hv_store_watch(f->a, "/local/domain/1/dev", "tk"),
			 0);
	expect_watch(f->a, "/local/domain/1/dev", "tk");
	assert_int_equal(nc2_hv_store_write_str(f->a, 0,
						"/local/domain/1/dev/state",
						"4"),
			 0);
	expect_watch(f->a, "/local/domain/1/dev/state", "tk");
	/* Watching another domU's home tells us nothing about it. */
	assert_int_equal(nc2_hv_store_watch(f->a, "/local/domain/2", "spy"),
			 0);
	expect_watch(f->a, "/local/domain/2", "spy");
	strcpy(m.s, "/local/domain/2/x");
	strcpy(m.s2, "hidden");
	assert_int_equal(remote_cmd(&f->b, &m, NULL), 0);
	assert_int_equal(nc2_hv_store_read_watch(f->a, 100, &p, &t),
			 -ETIMEDOUT);
	assert_int_equal(nc2_hv_store_unwatch(f->a, "/local/domain/2", "spy"),
			 0);

	/* Transactions: invisible until commit, then fire watches. */
	assert_int_equal(nc2_hv_store_tx_start(f->a, &tx), 0);
	assert_int_equal(nc2_hv_store_write_str(f->a, tx,
						"/local/domain/1/dev/mac",
						"00:16:3e"),
			 0);
	v = nc2_hv_store_read(f->a, tx, "/local/domain/1/dev/mac", NULL);
	assert_string_equal(v, "00:16:3e");
	free(v);
	assert_null(nc2_hv_store_read(f->a, 0, "/local/domain/1/dev/mac",
				      NULL));
	assert_int_equal(nc2_hv_store_tx_end(f->a, tx, false), 0);
	expect_watch(f->a, "/local/domain/1/dev/mac", "tk");
	v = nc2_hv_store_read(f->a, 0, "/local/domain/1/dev/mac", NULL);
	assert_string_equal(v, "00:16:3e");
	free(v);
	/* A concurrent commit makes ours fail with EAGAIN. */
	assert_int_equal(nc2_hv_store_tx_start(f->a, &tx), 0);
	assert_int_equal(nc2_hv_store_write_str(f->a, tx,
						"/local/domain/1/dev/state",
						"5"),
			 0);
	strcpy(m.s, "/local/domain/2/y");
	assert_int_equal(remote_cmd(&f->b, &m, NULL), 0);
	assert_int_equal(nc2_hv_store_tx_end(f->a, tx, false), -EAGAIN);
	v = nc2_hv_store_read(f->a, 0, "/local/domain/1/dev/state", NULL);
	assert_string_equal(v, "4");
	free(v);
	/* rm fires on the node. */
	assert_int_equal(nc2_hv_store_rm(f->a, 0, "/local/domain/1/dev"), 0);
	expect_watch(f->a, "/local/domain/1/dev", "tk");
}

static void test_domain_death(void **state)
{
	struct fx *f = *state;
	uint64_t lf, bf = rpage(&f->b, true, 0x90), cf;
	int pb, pa, gb, gc;
	int16_t st;
	uint32_t ug;
	uint8_t *p;

	assert_non_null(nc2_hv_page_alloc(f->a, 0, &lf));
	assert_int_equal(nc2_hv_store_watch(f->a, "@releaseDomain", "rel"), 0);
	expect_watch(f->a, "@releaseDomain", "rel");
	pb = RC(&f->b, R_EVT_ALLOC, A_ID, 0, 0, 0, 0, NULL);
	pa = nc2_hv_evtchn_bind_interdomain(f->a, B_ID, pb);
	assert_true(pa > 0);
	gb = RC(&f->b, R_GRANT, A_ID, bf, 0, 0, 0, NULL);
	ug = gb;
	p = nc2_hv_map(f->a, B_ID, &ug, 1, false, &st);
	assert_non_null(p);
	/* C maps nothing of B but has a grant out to B. */
	cf = rpage(&f->c, true, 0xa0);
	gc = RC(&f->c, R_GRANT, B_ID, cf, 0, 0, 0, NULL);

	remote_kill(&f->b);
	expect_watch(f->a, "@releaseDomain", "rel");
	/* Its port is closed and ours reverted to unbound. */
	assert_int_equal(nc2_hv_evtchn_status(f->a, pa),
			 NC2_HV_EVTCHN_UNBOUND);
	assert_int_equal(nc2_hv_evtchn_notify(f->a, pa), -ENOTCONN);
	/* Its grants are gone for new uses... */
	assert_int_equal(copy1(f->a, B_ID, gb, 0, SELF, lf, 0, 8),
			 GNTST_bad_domain);
	/* ...but our existing mapping stays valid until we unmap it. */
	assert_int_equal(p[1024], 0x91);
	p[0] = 1;
	assert_int_equal(nc2_hv_unmap(f->a, p), 0);
	/* Its home in the store is gone. */
	assert_null(nc2_hv_store_read(f->a, 0, "/local/domain/2", NULL));
	/* The rest of the system carries on; C can revoke its grant. */
	assert_int_equal(RC(&f->c, R_END, gc, 0, 0, 0, 0, NULL), 0);
	assert_true(daemon_alive(&f->d));
	gc = RC(&f->c, R_GRANT, A_ID, cf, 0, 0, 0, NULL);
	assert_int_equal(copy1(f->a, C_ID, gc, 0, SELF, lf, 0, 8), 0);
	/* The domid can be reused. */
	assert_int_equal(remote_start(&f->b, &f->d, B_ID, 2), 0);
}

static void test_grantee_death_releases(void **state)
{
	struct fx *f = *state;
	uint64_t frame;
	uint32_t g;
	uint8_t *p = nc2_hv_page_alloc(f->a, NC2_HV_PAGE_SHAREABLE, &frame);
	int port;

	assert_non_null(p);
	g = nc2_hv_grant_access(f->a, C_ID, frame, false);
	(void)port;
	/* C cannot map via the harness, so grant to B and let B die. */
	assert_int_equal(nc2_hv_end_access(f->a, g), 0);
	g = nc2_hv_grant_access(f->a, B_ID, frame, false);
	assert_int_equal(nc2_hv_set_grant_version(f->a, 1), -EBUSY);
	remote_kill(&f->b);
	assert_int_equal(nc2_hv_end_access(f->a, g), 0);
	assert_int_equal(nc2_hv_set_grant_version(f->a, 1), 0);
	assert_int_equal(nc2_hv_grant_version(f->a), 1);
	g = nc2_hv_grant_access(f->a, C_ID, frame, false);
	assert_int_equal(RC(&f->c, R_COPY_FROM, A_ID, g, rpage(&f->c, 0, 0), 0,
			    0, NULL),
			 0);
	nc2_hv_page_free(f->a, p);
}

/* The daemon must shrug off malformed requests from a connection. */
static void test_hostile_requests(void **state)
{
	struct fx *f = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	struct hv_req rq = { .op = HV_OP_COPY, .a = 100000 };
	char buf[256];
	uint64_t lf;

	strcpy(sa.sun_path, f->d.sock);
	assert_int_equal(connect(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* Not HELLO first. */
	assert_int_equal(send(s, &rq, sizeof(rq), 0), sizeof(rq));
	assert_true(recv(s, buf, sizeof(buf), 0) > 0);
	assert_int_equal(((struct hv_rsp *)buf)->rc, -EPROTO);
	/* HELLO without memory. */
	rq.op = HV_OP_HELLO;
	rq.a = 9;
	rq.b = 16;
	rq.c = 1;
	assert_int_equal(send(s, &rq, sizeof(rq), 0), sizeof(rq));
	assert_true(recv(s, buf, sizeof(buf), 0) > 0);
	assert_int_equal(((struct hv_rsp *)buf)->rc, -EINVAL);
	/* Short and garbage messages. */
	assert_int_equal(send(s, "x", 1, 0), 1);
	assert_true(recv(s, buf, sizeof(buf), 0) > 0);
	rq.op = 9999;
	assert_int_equal(send(s, &rq, sizeof(rq), 0), sizeof(rq));
	assert_true(recv(s, buf, sizeof(buf), 0) > 0);
	close(s);
	/* A real domain: oversized batch and lying lengths. */
	rq = (struct hv_req){ .op = HV_OP_COPY, .a = 100000 };
	assert_non_null(nc2_hv_page_alloc(f->a, 0, &lf));
	assert_int_equal(nc2_hv_copy(f->a, NULL, 0), 0);
	assert_true(daemon_alive(&f->d));
	assert_int_equal(RC(&f->b, R_EVT_ALLOC, 500, 0, 0, 0, 0, NULL),
			 -ESRCH);
	assert_true(RC(&f->b, R_EVT_BIND, A_ID, 5000, 0, 0, 0, NULL) < 0);
	assert_true(RC(&f->b, R_EVT_NOTIFY, 7, 0, 0, 0, 0, NULL) < 0);
	assert_true(RC(&f->b, R_END, 3, 0, 0, 0, 0, NULL) < 0);
	assert_int_equal(RC(&f->b, R_SET_VER, 3, 0, 0, 0, 0, NULL), -EINVAL);
	assert_true(daemon_alive(&f->d));
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Not a pass/fail test: prints rough costs for the report. */
static void test_perf(void **state)
{
	struct fx *f = *state;
	struct nc2_hv_copy_op ops[16];
	int iters = 2000, pb, pa;
	uint64_t lf[16];
	double t0, t;

	for (int i = 0; i < 16; i++) {
		uint64_t bf = rpage(&f->b, false, i);
		int g = RC(&f->b, R_GRANT, A_ID, bf, 1, 0, 0, NULL);

		assert_non_null(nc2_hv_page_alloc(f->a, 0, &lf[i]));
		ops[i] = (struct nc2_hv_copy_op){
			.src = { g, B_ID, 0, 0 },
			.dst = { lf[i], SELF, 0, 0 },
			.len = 4096,
			.flags = GNTCOPY_source_gref,
		};
	}
	t0 = now_us();
	for (int k = 0; k < iters; k++) {
		assert_int_equal(nc2_hv_copy(f->a, ops, 16), 0);
		assert_int_equal(ops[15].status, 0);
	}
	t = (now_us() - t0) / iters;
	printf("# perf: 64 KiB batched grant copy (16 x 4 KiB): %.1f us "
	       "(%.2f GB/s)\n", t, 65536 / t / 1e3);

	pb = RC(&f->b, R_EVT_ALLOC, A_ID, 0, 0, 0, 0, NULL);
	pa = nc2_hv_evtchn_bind_interdomain(f->a, B_ID, pb);
	t0 = now_us();
	for (int k = 0; k < 100000; k++)
		nc2_hv_evtchn_notify(f->a, pa);
	t = (now_us() - t0) / 100000;
	printf("# perf: event notify (sender cost): %.2f us\n", t);
	RC(&f->b, R_EVT_WAIT, pb, 0, 0, 0, 0, NULL);
	struct rmsg m = { .cmd = R_EVT_ECHO, .a = { pb, 2000 } };

	remote_send(&f->b, &m);
	t0 = now_us();
	for (int k = 0; k < 2000; k++) {
		assert_int_equal(nc2_hv_evtchn_notify(f->a, pa), 0);
		assert_true(nc2_hv_evtchn_wait(f->a, pa, 5000) >= 1);
	}
	t = (now_us() - t0) / 2000;
	assert_int_equal(remote_wait(&f->b, NULL), 0);
	printf("# perf: event ping-pong round trip across processes: %.1f us\n",
	       t);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_copy_ok, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_copy_denied, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_copy_bounds, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_subpage, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_transitive, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_end_access_busy_copy,
						fx_setup_slow, fx_teardown),
		cmocka_unit_test_setup_teardown(test_map, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_unmap_verified, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_evtchn, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_perms, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_watch_tx, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_domain_death, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_grantee_death_releases,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_requests,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_perf, fx_setup,
						fx_teardown),
	};

	harness_daemon_path = argc > 1 ? argv[1] : "./nc2-hv";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
