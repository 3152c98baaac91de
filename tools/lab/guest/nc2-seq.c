// SPDX-License-Identifier: MIT
/*
 * nc2-seq - a sequence-numbered UDP stream, to see whether a path keeps
 * packet order while it changes under the stream (a bypass coming up and
 * going down, a guest saved and restored).
 *
 *   nc2-seq send DST_IPV4 PORT PPS SECS     paced stream, then a summary
 *                                           (SIGTERM ends it early)
 *   nc2-seq recv PORT IDLE_SECS MAX_SECS [TIMELINE_FILE]
 *
 * The receiver stops at the sender's end marker, or once nothing has come
 * for IDLE_SECS after the first datagram, or at MAX_SECS, and prints one
 * JSON line: datagrams received,
 * unique sequence numbers, reordered (arrived after a higher number),
 * duplicates, lost (numbers below the highest seen that never came) and
 * the longest silence in ms. With TIMELINE_FILE it also writes, per
 * second since the first datagram, "second datagrams". Lab tool, not
 * installed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x6e633273u /* "nc2s" */
#define MAGIC_END 0x6e633265u /* "nc2e": the stream is over */
#define PAYLOAD 200
#define MAX_SEQ (1u << 24)

struct dgram {
	uint32_t magic;
	uint32_t pad;
	uint64_t seq;
};

/* SIGTERM or SIGINT: the sender stops and sends its end marker. */
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int do_send(const char *ip, int port, unsigned int pps,
		   unsigned int secs)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	unsigned char buf[PAYLOAD];
	struct dgram d = { .magic = MAGIC };
	uint64_t t0, n, total = (uint64_t)pps * secs, fails = 0;
	int s;

	if (!pps || pps > 1000000 || !secs || inet_pton(AF_INET, ip,
							&to.sin_addr) != 1)
		return 2;
	to.sin_port = htons((uint16_t)port);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return 1;
	memset(buf, 0xa5, sizeof(buf));
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	t0 = now_ns();
	for (n = 0; n < total && !stop; n++) {
		uint64_t due = t0 + n * 1000000000u / pps, t = now_ns();

		/*
		 * Far behind (this guest was paused: saved, migrated): go on
		 * at the rate from now, no burst to catch up.
		 */
		if (t > due + 200000000u) {
			t0 += t - due;
			due = t;
		}
		if (due > t) {
			struct timespec ts = { .tv_sec = (time_t)((due - t) / 1000000000u),
					       .tv_nsec = (long)((due - t) % 1000000000u) };

			nanosleep(&ts, NULL);
		}
		d.seq = n;
		memcpy(buf, &d, sizeof(d));
		/* A full socket buffer drops a number: counted as sender loss. */
		if (sendto(s, buf, sizeof(buf), 0, (struct sockaddr *)&to,
			   sizeof(to)) < 0)
			fails++;
	}
	/* Tell the receiver it is over (a few times: it is UDP). */
	total = n;
	d.magic = MAGIC_END;
	memcpy(buf, &d, sizeof(d));
	for (n = 0; n < 5; n++) {
		struct timespec ts = { .tv_nsec = 20000000 };

		sendto(s, buf, sizeof(buf), 0, (struct sockaddr *)&to,
		       sizeof(to));
		nanosleep(&ts, NULL);
	}
	printf("{\"sent\": %llu, \"send_errors\": %llu}\n",
	       (unsigned long long)(total - fails), (unsigned long long)fails);
	close(s);
	return 0;
}

static int do_recv(int port, unsigned int idle, unsigned int max,
		   const char *timeline)
{
	struct sockaddr_in me = { .sin_family = AF_INET };
	uint64_t received = 0, unique = 0, reordered = 0, dups = 0;
	uint64_t first = 0, last = 0, start = now_ns(), gap = 0;
	uint64_t per_sec[3600] = { 0 };
	int64_t high = -1;
	unsigned char *seen = calloc(MAX_SEQ / 8, 1);
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	unsigned int i, secs_used = 0;
	unsigned char buf[2048];
	int s;

	if (!seen)
		return 1;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	me.sin_port = htons((uint16_t)port);
	if (s < 0 || bind(s, (struct sockaddr *)&me, sizeof(me)) < 0)
		return 1;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/*
	 * A big buffer, past rmem_max if we may (root): a burst of held
	 * packets released at once must not be lost here, in the measuring.
	 */
	i = 16 << 20;
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &i, sizeof(i)))
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &i, sizeof(i));
	for (;;) {
		uint64_t t = now_ns();
		struct dgram d;
		ssize_t r;

		if (t - start > (uint64_t)max * 1000000000u)
			break;
		if (first && t - last > (uint64_t)idle * 1000000000u)
			break;
		r = recv(s, buf, sizeof(buf), 0);
		if (r < (ssize_t)sizeof(d))
			continue;
		memcpy(&d, buf, sizeof(d));
		if (d.magic == MAGIC_END && first)
			break;
		if (d.magic != MAGIC || d.seq >= MAX_SEQ)
			continue;
		t = now_ns();
		if (!first)
			first = t;
		else if (t - last > gap)
			gap = t - last;
		last = t;
		received++;
		i = (unsigned int)((t - first) / 1000000000u);
		if (i < 3600) {
			per_sec[i]++;
			if (i + 1 > secs_used)
				secs_used = i + 1;
		}
		if (seen[d.seq / 8] & (1u << (d.seq % 8))) {
			dups++;
			continue;
		}
		seen[d.seq / 8] |= (unsigned char)(1u << (d.seq % 8));
		unique++;
		if ((int64_t)d.seq < high)
			reordered++;
		else
			high = (int64_t)d.seq;
	}
	printf("{\"received\": %llu, \"unique\": %llu, \"reordered\": %llu, "
	       "\"duplicates\": %llu, \"lost\": %llu, \"highest\": %lld, "
	       "\"longest_gap_ms\": %llu}\n",
	       (unsigned long long)received, (unsigned long long)unique,
	       (unsigned long long)reordered, (unsigned long long)dups,
	       (unsigned long long)(high + 1 - (int64_t)unique),
	       (long long)high, (unsigned long long)(gap / 1000000u));
	if (timeline) {
		FILE *f = fopen(timeline, "w");

		for (i = 0; f && i < secs_used; i++)
			fprintf(f, "%u %llu\n", i, (unsigned long long)per_sec[i]);
		if (f)
			fclose(f);
	}
	free(seen);
	close(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "send"))
		return do_send(argv[2], atoi(argv[3]), (unsigned int)atoi(argv[4]),
			       (unsigned int)atoi(argv[5]));
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "recv"))
		return do_recv(atoi(argv[2]), (unsigned int)atoi(argv[3]),
			       (unsigned int)atoi(argv[4]),
			       argc == 6 ? argv[5] : NULL);
	fprintf(stderr, "usage: nc2-seq send DST_IPV4 PORT PPS SECS\n"
			"       nc2-seq recv PORT IDLE_SECS MAX_SECS [TIMELINE]\n");
	return 2;
}
