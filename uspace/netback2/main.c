// SPDX-License-Identifier: MIT
/*
 * nc2-back: the dom0 backend. Usage:
 *   nc2-back --hv SOCK [--tap NAME] [--mode receiver|backend]
 *            [--stall-ms N] [--bypass off|manual|auto]
 *            [--max-bypasses N] [--bypass-pps N] [--bypass-secs N]
 *            [--bypass-allow POLICY]
 * Runs as dom0 of the hv model; SIGUSR1 prints statistics.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "back.h"
#include "tap.h"
#include "util.h"

#define TAG_TAP 0u
#define TAG_WATCH 1000u

static volatile sig_atomic_t want_stats, want_bypass;

static void on_usr1(int sig)
{
	(void)sig;
	want_stats = 1;
}

/* SIGUSR2: tear every bypass down, or if none, bypass the first pair. */
static void on_usr2(int sig)
{
	(void)sig;
	want_bypass = 1;
}

static void manual_bypass(void)
{
	int a = -1;

	if (back_bypass_active()) {
		back_bypass_teardown_all();
		return;
	}
	for (int i = 0; i < BACK_VIFS; i++) {
		if (!B->vif[i].used)
			continue;
		if (a < 0) {
			a = i;
			continue;
		}
		back_bypass_setup(a, i);
		return;
	}
}

static void usage(void)
{
	die("usage: nc2-back --hv SOCK [--tap NAME] [--mode receiver|backend] "
	    "[--stall-ms N] [--bypass off|manual|auto] [--max-bypasses N] "
	    "[--bypass-pps N] [--bypass-secs N] [--bypass-allow POLICY]");
}

static void setup(void)
{
	B->free_buf = -1;
	for (int i = BACK_BUFS - 1; i >= 0; i--) {
		if (pbuf_alloc(B->hv, &B->buf[i].pb))
			die("out of memory");
		B->buf[i].next = B->free_buf;
		B->free_buf = i;
	}
	nc2_fwdl_init(&B->led, B->led_ents, BACK_FWDS);
	B->free_fwd = -1;
	for (int i = BACK_FWDS - 1; i >= 0; i--) {
		B->fwd[i].next = B->free_fwd;
		B->free_fwd = i;
	}
	back_bypass_init();
}

/* Poll a frontend until its ring is re-armed; feed the event limiter. */
static void vif_service(struct vif *v, bool event)
{
	uint64_t now = now_ns(), wait;
	int work = 0, loops = 0;

	if (!v->used || v->block_until > now)
		return;
	v->block_until = 0;
	v->more = false;
	do {
		work |= back_vif_poll(v);
		if (++loops == 16) {
			/* Others get a turn; the re-arm said more is waiting. */
			v->more = true;
			break;
		}
	} while (v->used && v->block_until == 0 && chan_rearm(&v->ch) > 0);
	if (!v->used || !event)
		return;
	wait = nc2_limiter_event(&v->lim, work);
	if (wait && v->block_until < now + wait)
		v->block_until = now + wait;
}

static void watch_events(void)
{
	char *path, *token;

	while (nc2_hv_store_read_watch(B->hv, 0, &path, &token) == 0) {
		free(path);
		free(token);
	}
	back_xenbus_scan();
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hv", 1, 0, 'h' }, { "tap", 1, 0, 't' },
		{ "mode", 1, 0, 'm' }, { "stall-ms", 1, 0, 's' },
		{ "bypass", 1, 0, 'b' }, { "max-bypasses", 1, 0, 'x' },
		{ "bypass-pps", 1, 0, 'p' }, { "bypass-secs", 1, 0, 'S' },
		{ "bypass-allow", 1, 0, 'A' },
		{ 0, 0, 0, 0 },
	};
	static struct back back;
	struct nc2_hv_config cfg = { .domid = 0, .mem_bytes = 64u << 20,
				     .grant_version = 2 };
	struct epoll_event ev = { .events = EPOLLIN };
	const char *sock = NULL, *tap = NULL;
	uint64_t last_tick = 0;
	int c;

	nc2u_prog = "nc2-back";
	B = &back;
	B->tapfd = -1;
	nc2_limiter_config_default(&B->limcfg);
	B->max_bypasses = 5;
	B->bypass_pps = 2000;
	B->bypass_secs = 1;
	/* One policy for every vif here (the kernel's is per vif). */
	nc2_policy_parse(&B->bp_policy, "any", 3);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'h': sock = optarg; break;
		case 't': tap = optarg; break;
		case 'm':
			if (!strcmp(optarg, "backend"))
				B->mode = MODE_BACKEND;
			else if (strcmp(optarg, "receiver"))
				usage();
			break;
		case 's':
			B->limcfg.stall_window_ns = strtoull(optarg, NULL, 10) *
						    1000000ull;
			break;
		case 'b':
			if (!strcmp(optarg, "auto"))
				B->bypass_mode = BYPASS_AUTO;
			else if (!strcmp(optarg, "manual"))
				B->bypass_mode = BYPASS_MANUAL;
			else if (strcmp(optarg, "off"))
				usage();
			break;
		case 'x': B->max_bypasses = atoi(optarg); break;
		case 'p': B->bypass_pps = (uint32_t)atoi(optarg); break;
		case 'S': B->bypass_secs = (uint32_t)atoi(optarg); break;
		case 'A':
			if (nc2_policy_parse(&B->bp_policy, optarg,
					     strlen(optarg)))
				die("--bypass-allow '%s': expected any, none "
				    "or domain ids", optarg);
			break;
		default: usage();
		}
	}
	if (!sock)
		usage();
	nc2u_signals();
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	B->hv = nc2_hv_open(sock, &cfg);
	if (!B->hv)
		die("hv %s: %s", sock, strerror(errno));
	setup();
	B->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (tap) {
		B->tapfd = tap_open(tap);
		if (B->tapfd < 0)
			die("tap %s: %s", tap, strerror(-B->tapfd));
		ev.data.u32 = TAG_TAP;
		epoll_ctl(B->epfd, EPOLL_CTL_ADD, B->tapfd, &ev);
	}
	ev.data.u32 = TAG_WATCH;
	epoll_ctl(B->epfd, EPOLL_CTL_ADD, nc2_hv_store_watch_fd(B->hv), &ev);
	back_xenbus_init();
	logi("dom0 up: %s copy, tap %s", B->mode == MODE_BACKEND ? "backend" :
	     "receiver", tap ? tap : "none");
	while (!nc2u_quit) {
		struct epoll_event evs[16];
		uint64_t now;
		int n, timeout = 50;

		for (int i = 0; i < BACK_VIFS; i++)
			if (B->vif[i].used && B->vif[i].block_until)
				timeout = timeout ? 1 : 0;
			else if (B->vif[i].used && B->vif[i].more)
				timeout = 0;
		n = epoll_wait(B->epfd, evs, 16, timeout);
		for (int i = 0; i < n; i++) {
			uint32_t t = evs[i].data.u32;

			if (t == TAG_TAP) {
				back_tap_poll();
			} else if (t == TAG_WATCH) {
				watch_events();
			} else if (t - 1 < BACK_VIFS) {
				struct vif *v = &B->vif[t - 1];

				if (v->used)
					nc2_hv_evtchn_consume(B->hv, v->ch.port);
				vif_service(v, true);
			}
		}
		now = now_ns();
		for (int i = 0; i < BACK_VIFS; i++)
			if (B->vif[i].used &&
			    ((B->vif[i].block_until &&
			      B->vif[i].block_until <= now) || B->vif[i].more))
				vif_service(&B->vif[i], false);
		if (now - last_tick > 100000000ull) {
			last_tick = now;
			back_limit_tick(now);
			back_reap();
			back_xenbus_scan();
			back_bypass_tick();
		}
		if (want_bypass) {
			want_bypass = 0;
			manual_bypass();
		}
		if (want_stats) {
			want_stats = 0;
			back_stats();
		}
	}
	back_stats();
	for (int i = 0; i < BACK_VIFS; i++)
		vif_remove(&B->vif[i], "backend exiting");
	nc2_hv_close(B->hv);
	return 0;
}
