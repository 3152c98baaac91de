// SPDX-License-Identifier: MIT
/*
 * nc2-front: one domU. Usage:
 *   nc2-front --hv SOCK --tap NAME --mac MAC [--domid N] [--ring-pages N]
 *             [--evil stall|revoke|split-header|short|zero-frag|
 *                     event-storm|spoof]
 * Run it inside the domU's network namespace: the TAP it creates is that
 * domain's NIC.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "front.h"
#include "tap.h"
#include "util.h"
#include "xs.h"

static const char *const evil_names[] = {
	[EVIL_NONE] = "none",
	[EVIL_STALL] = "stall",
	[EVIL_REVOKE] = "revoke",
	[EVIL_SPLIT_HEADER] = "split-header",
	[EVIL_SHORT] = "short",
	[EVIL_ZERO_FRAG] = "zero-frag",
	[EVIL_EVENT_STORM] = "event-storm",
	[EVIL_SPOOF] = "spoof",
};

static void usage(void)
{
	die("usage: nc2-front --hv SOCK --tap NAME --mac MAC [--domid N] "
	    "[--ring-pages N] [--evil MODE]");
}

static void parse(struct front *f, int argc, char **argv, const char **sock,
		  const char **tap, unsigned int *domid)
{
	static const struct option opts[] = {
		{ "hv", 1, 0, 'h' }, { "tap", 1, 0, 't' },
		{ "mac", 1, 0, 'm' }, { "domid", 1, 0, 'd' },
		{ "ring-pages", 1, 0, 'r' }, { "evil", 1, 0, 'e' },
		{ 0, 0, 0, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'h': *sock = optarg; break;
		case 't': *tap = optarg; break;
		case 'm':
			if (!xs_parse_mac(optarg, f->mac))
				usage();
			break;
		case 'd': *domid = (unsigned int)atoi(optarg); break;
		case 'r': f->ring_pages = (uint16_t)atoi(optarg); break;
		case 'e':
			for (unsigned int i = 0; i < sizeof(evil_names) /
						     sizeof(evil_names[0]); i++)
				if (!strcmp(optarg, evil_names[i]))
					f->evil = (enum evil)i;
			if (f->evil == EVIL_NONE && strcmp(optarg, "none"))
				usage();
			break;
		default: usage();
		}
	}
	if (!*sock || !*tap)
		usage();
}

static void setup(struct front *f)
{
	f->free_slot = -1;
	f->pending = -1;
	for (int s = FRONT_SLOTS - 1; s >= 0; s--) {
		if (pbuf_alloc(f->hv, &f->slot[s].buf))
			die("out of guest memory");
		f->slot[s].next = f->free_slot;
		f->free_slot = s;
	}
	for (unsigned int i = 0; i < FRONT_RXB; i++)
		if (pbuf_alloc(f->hv, &f->rxbuf[i]))
			die("out of guest memory");
	front_bypass_init(f);
}

static void epoll_add(struct front *f, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, fd, &ev))
		die("epoll: %s", strerror(errno));
}

/* One round of everything that may have work; returns 0 to sleep. */
static int service(struct front *f)
{
	int more;

	do {
		if (front_evil_tick(f))
			return 0;
		if (front_rx(f, &f->parent) < 0)
			return -1;
		front_bypass_poll(f);
		if (!f->connected &&
		    nc2_link_state(nc2_net_link(&f->parent.net)) == NC2_LINK_UP)
			front_connected(f);
		front_tx(f);
		front_tx_reap(f);
		if (chan_kick(&f->parent) == -ENOTCONN)
			return -1;
		more = front_bypass_kick(f);
		more |= chan_rearm(&f->parent);
	} while (more > 0);
	return more < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	static struct front fr;
	struct front *f = &fr;
	struct nc2_hv_config cfg = { .mem_bytes = 64u << 20,
				     .grant_version = 2 };
	const char *sock = NULL, *tap = NULL;
	unsigned int domid = NC2_HV_DOMID_ANY;

	nc2u_prog = "nc2-front";
	f->ring_pages = 4;
	f->mac[0] = 0x02;
	parse(f, argc, argv, &sock, &tap, &domid);
	nc2u_signals();
	f->tapfd = tap_open(tap);
	if (f->tapfd < 0)
		die("tap %s: %s", tap, strerror(-f->tapfd));
	cfg.domid = (uint16_t)domid;
	f->hv = nc2_hv_open(sock, &cfg);
	if (!f->hv)
		die("hv %s: %s", sock, strerror(errno));
	setup(f);
	f->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (front_connect(f))
		die("connect failed");
	epoll_add(f, f->tapfd, 0);
	epoll_add(f, f->parent.evfd, 1);
	logi("dom%u up: tap %s, evil=%s", nc2_hv_domid(f->hv), tap,
	     evil_names[f->evil]);
	while (!nc2u_quit) {
		struct epoll_event ev[8];
		int n = epoll_wait(f->epfd, ev, 8,
				   front_bypass_busy(f) ? 1 : 50);

		for (int i = 0; i < n; i++)
			if (ev[i].data.u32 == 1)
				nc2_hv_evtchn_consume(f->hv, f->parent.port);
			else if (ev[i].data.u32 >= 2)
				front_bypass_event(f, ev[i].data.u32 - 2);
		if (chan_peer_gone(&f->parent)) {
			logi("backend went away");
			break;
		}
		if (service(f) < 0)
			break;
	}
	logi("tx %llu pkts %llu bytes (%llu dropped), rx %llu pkts %llu "
	     "bytes (%llu dropped, %llu copy errors, %llu spoofed), revoked "
	     "%llu busy %llu",
	     (unsigned long long)f->st.tx_pkts,
	     (unsigned long long)f->st.tx_bytes,
	     (unsigned long long)f->st.tx_drops,
	     (unsigned long long)f->st.rx_pkts,
	     (unsigned long long)f->st.rx_bytes,
	     (unsigned long long)f->st.rx_drops,
	     (unsigned long long)f->st.copy_errors,
	     (unsigned long long)f->st.rx_spoofed,
	     (unsigned long long)f->st.revoked,
	     (unsigned long long)f->st.revoke_busy);
	front_disconnect(f);
	nc2_hv_close(f->hv);
	return 0;
}
