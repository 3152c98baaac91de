// SPDX-License-Identifier: MIT
/*
 * nc2-bench: nc2's ring against Xen's io/ring.h and DPDK's rte_ring,
 * producer and consumer on two cores. Prints a table, or with --json one
 * object per line; see docs/bench.md.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "payload.h"

#define NIMPL	 3
#define MAX_REPS 51

static const struct bench_impl *const impls[NIMPL] = {
	&bench_nc2, &bench_xen, &bench_rte,
};
static const char *const wl_names[WL_COUNT] = {
	"64", "256", "1500", "mixed", "rtt",
};

struct opts {
	bool json, smoke, single;
	unsigned int reps, ring_kib;
	double secs;
	uint64_t msgs; /* fixed count; 0: calibrate to secs */
	unsigned int wl_mask, impl_mask, cacheline;
	unsigned int batches[8], nbatch;
};

/* The median of one configuration's repetitions. */
struct row {
	enum bench_wl wl;
	const char *impl;
	unsigned int batch;
	double msgs_per_s, bytes_per_s, rtt_ns, bytes_per_msg;
	unsigned int runs, preempted;
	double rep_rate[3 * MAX_REPS]; /* every run's rate, in the order run */
};

static struct row rows[64];
static unsigned int nrows;
static bool any_bad;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of v[0..n); v is left as it was. */
static double median(const double *v, unsigned int n)
{
	double s[3 * MAX_REPS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static uint64_t payload_bytes(enum bench_wl wl, uint64_t msgs)
{
	uint64_t cycle = 0, bytes;

	for (uint64_t i = 0; i < 12; i++)
		cycle += payload_len(wl, i);
	bytes = msgs / 12 * cycle;
	for (uint64_t i = 0; i < msgs % 12; i++)
		bytes += payload_len(wl, i);
	return bytes;
}

/* One run; a failed content check or transport error marks the whole run. */
static bool run_once(const struct opts *o, const char *name,
		     const struct bench_impl *impl, const struct bench_cfg *cfg,
		     struct bench_res *res)
{
	bool ok;

	memset(res, 0, sizeof(*res));
	bench_arena_reset();
	if (!impl)
		ok = bench_cacheline(cfg, res);
	else if (o->single)
		ok = impl->run_single(cfg, res);
	else
		ok = impl->run(cfg, res);
	if (!ok) {
		fprintf(stderr, "nc2-bench: %s: could not set up\n", name);
		any_bad = true;
		return false;
	}
	if (res->bad || res->failed || bench_abort) {
		fprintf(stderr,
			"nc2-bench: %s %s batch %u: %llu bad messages%s\n",
			name, wl_names[cfg->wl], cfg->batch,
			(unsigned long long)res->bad,
			res->failed || bench_abort ? ", transport error" : "");
		any_bad = true;
		return false;
	}
	return true;
}

static void emit_json(const struct row *r)
{
	printf("{\"workload\":\"%s\",\"impl\":\"%s\",\"batch\":%u,"
	       "\"msgs_per_s\":%.0f,",
	       wl_names[r->wl], r->impl, r->batch, r->msgs_per_s);
	if (r->bytes_per_s > 0)
		printf("\"bytes_per_s\":%.0f,", r->bytes_per_s);
	else
		printf("\"bytes_per_s\":null,");
	if (r->rtt_ns > 0)
		printf("\"rtt_ns\":%.1f,", r->rtt_ns);
	else
		printf("\"rtt_ns\":null,");
	printf("\"ring_bytes_per_msg\":%.1f,\"runs\":%u,\"preempted_runs\":%u,",
	       r->bytes_per_msg, r->runs, r->preempted);
	/*
	 * Each run's own rate, in order: the median hides whether the runs
	 * agreed or fell into distinct modes (see docs/bench.md, "Noise").
	 */
	printf("\"run_msgs_per_s\":[");
	for (unsigned int i = 0; i < r->runs; i++)
		printf("%s%.0f", i ? "," : "", r->rep_rate[i]);
	printf("]}\n");
	fflush(stdout);
}

/* One implementation's runs of the configuration being measured. */
struct part {
	const char *name;
	const struct bench_impl *impl; /* NULL: the cache-line ping-pong */
	struct bench_cfg cfg;
	struct bench_res res;
	double rate[3 * MAX_REPS], clean_rate[3 * MAX_REPS];
	unsigned int total, clean;
	bool dead;
};

static bool part_done(const struct part *p, unsigned int reps)
{
	return p->dead || (p->total >= reps &&
			   (p->clean >= reps || p->total >= 3 * reps));
}

static void part_row(const struct opts *o, struct part *p, unsigned int reps)
{
	enum bench_wl wl = p->cfg.wl;
	struct row *r;

	if (p->dead || nrows == sizeof(rows) / sizeof(rows[0]))
		return;
	r = &rows[nrows++];
	r->wl = wl;
	r->impl = p->name;
	r->batch = p->cfg.batch;
	r->runs = p->total;
	r->preempted = p->total - p->clean;
	memcpy(r->rep_rate, p->rate, p->total * sizeof(p->rate[0]));
	if (p->clean >= (reps + 1) / 2)
		r->msgs_per_s = median(p->clean_rate, p->clean);
	else
		r->msgs_per_s = median(p->rate, p->total);
	r->bytes_per_s = wl == WL_RTT ? 0 :
			 r->msgs_per_s *
				 (double)payload_bytes(wl, p->cfg.msgs) /
				 (double)p->cfg.msgs;
	r->rtt_ns = wl == WL_RTT ? 1e9 / r->msgs_per_s : 0;
	r->bytes_per_msg = p->res.max_inflight ?
				   (double)p->res.ring_bytes /
					   p->res.max_inflight :
				   0;
	if (o->json)
		emit_json(r);
	else
		fprintf(stderr, "  %-9s %-6s batch %-3u %u runs, %u preempted\n",
			p->name, wl_names[wl], r->batch, r->runs,
			r->preempted);
}

/*
 * Measure every selected implementation on one workload and batch. The
 * implementations take turns, one run each, so that whatever else the
 * machine is doing falls on all of them alike. Other work also preempts
 * a polling thread now and then, and its peer then spins for a whole
 * time slice: such runs are retried (up to 3x the repetitions) and the
 * median taken over the clean ones if there are enough, else over all.
 */
static void measure(const struct opts *o, struct part *parts, unsigned int n)
{
	unsigned int reps = o->smoke ? 1 : o->reps;
	bool more = true;

	for (unsigned int i = 0; i < n; i++) {
		struct part *p = &parts[i];

		if (o->msgs) {
			p->cfg.msgs = o->msgs;
		} else if (o->smoke) {
			p->cfg.msgs = p->cfg.wl == WL_RTT ? 5000 : 50000;
		} else {
			/* A short run to size the real ones; warms up too. */
			p->cfg.msgs = p->cfg.wl == WL_RTT ? 20000 : 200000;
			if (!run_once(o, p->name, p->impl, &p->cfg, &p->res)) {
				p->dead = true;
				continue;
			}
			p->cfg.msgs = (uint64_t)(o->secs * (double)p->cfg.msgs /
						 p->res.secs);
			if (p->cfg.msgs < 10000)
				p->cfg.msgs = 10000;
		}
	}
	while (more) {
		more = false;
		for (unsigned int i = 0; i < n; i++) {
			struct part *p = &parts[i];

			if (part_done(p, reps))
				continue;
			bench_preempted = 0;
			if (!run_once(o, p->name, p->impl, &p->cfg, &p->res)) {
				p->dead = true;
				continue;
			}
			p->rate[p->total++] = (double)p->cfg.msgs /
					      (o->single ? 1 : p->res.secs);
			if (!bench_preempted)
				p->clean_rate[p->clean++] =
					p->rate[p->total - 1];
			more |= !part_done(p, reps);
		}
	}
	for (unsigned int i = 0; i < n; i++)
		part_row(o, &parts[i], reps);
}

static const struct row *find(enum bench_wl wl, const char *impl,
			      unsigned int batch)
{
	for (unsigned int i = 0; i < nrows; i++)
		if (rows[i].wl == wl && rows[i].batch == batch &&
		    !strcmp(rows[i].impl, impl))
			return &rows[i];
	return NULL;
}

static void ratio(const struct row *a, const struct row *b, bool inverse)
{
	if (a && b)
		printf(" %7.2fx", inverse ? b->rtt_ns / a->rtt_ns :
					    a->msgs_per_s / b->msgs_per_s);
	else
		printf(" %8s", "-");
}

static void cell(const struct row *r, double v)
{
	if (r)
		printf(" %9.2f", v);
	else
		printf(" %9s", "-");
}

static void table(const struct opts *o)
{
	const char *names[NIMPL] = { "nc2", "xen_ring", "rte_ring" };

	printf("ring memory budget %u KiB per ring; payload bytes; median of %u\n",
	       o->ring_kib, o->smoke ? 1 : o->reps);
	printf("rte_ring passes pointers to pool buffers, not data "
	       "(see docs/bench.md)\n\n");
	printf("%-6s %5s | %9s %9s %9s | %8s %8s | %9s %9s %9s | %6s %6s %6s\n",
	       "wload", "batch", "nc2", "xen_ring", "rte_ring", "nc2/xen",
	       "nc2/rte", "nc2", "xen_ring", "rte_ring", "nc2", "xen", "rte");
	printf("%-6s %5s | %29s | %17s | %29s | %20s\n", "", "",
	       "Mmsg/s", "msgs/s ratio", "MB/s", "ring bytes/msg");
	for (int wl = 0; wl < WL_RTT; wl++) {
		for (unsigned int b = 0; b < o->nbatch; b++) {
			const struct row *r[NIMPL];
			bool any = false;

			for (int i = 0; i < NIMPL; i++) {
				r[i] = find(wl, names[i], o->batches[b]);
				any |= r[i] != NULL;
			}
			if (!any)
				continue;
			printf("%-6s %5u |", wl_names[wl], o->batches[b]);
			for (int i = 0; i < NIMPL; i++)
				cell(r[i], r[i] ? r[i]->msgs_per_s / 1e6 : 0);
			printf(" |");
			ratio(r[0], r[1], false);
			ratio(r[0], r[2], false);
			printf(" |");
			for (int i = 0; i < NIMPL; i++)
				cell(r[i], r[i] ? r[i]->bytes_per_s / 1e6 : 0);
			printf(" |");
			for (int i = 0; i < NIMPL; i++)
				printf(" %6.0f", r[i] ? r[i]->bytes_per_msg : 0);
			printf("\n");
		}
	}
	if (!find(WL_RTT, "cacheline", 1) && !find(WL_RTT, "nc2", 1) &&
	    !find(WL_RTT, "xen_ring", 1) && !find(WL_RTT, "rte_ring", 1))
		return;
	printf("\nround trip, %u-byte request, %u-byte completion, both sides "
	       "polling (ns, lower is better)\n",
	       PAYLOAD_RTT_REQ, PAYLOAD_RTT_CMP);
	printf("%9s %9s %9s %9s | %8s %8s %8s\n", "nc2", "xen_ring",
	       "rte_ring", "cacheline", "nc2/xen", "nc2/rte", "nc2/cl");
	{
		const struct row *r[NIMPL + 1];

		for (int i = 0; i < NIMPL; i++)
			r[i] = find(WL_RTT, names[i], 1);
		r[NIMPL] = find(WL_RTT, "cacheline", 1);
		for (int i = 0; i <= NIMPL; i++)
			cell(r[i], r[i] ? r[i]->rtt_ns : 0);
		printf(" |");
		/* Time ratios: above 1 means nc2 takes longer. */
		for (int i = 1; i <= NIMPL; i++)
			if (r[0] && r[i])
				printf(" %7.2fx", r[0]->rtt_ns / r[i]->rtt_ns);
			else
				printf(" %8s", "-");
		printf("\n");
	}
}

static unsigned int parse_mask(const char *arg, const char *const *names,
			       unsigned int n, const char *what)
{
	unsigned int mask = 0;
	char *copy = strdup(arg), *save = NULL, *tok;

	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		unsigned int i;

		for (i = 0; i < n; i++)
			if (!strcmp(tok, names[i]))
				break;
		if (i == n) {
			fprintf(stderr, "nc2-bench: unknown %s '%s'\n", what,
				tok);
			exit(2);
		}
		mask |= 1u << i;
	}
	free(copy);
	return mask;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nc2-bench [options]\n"
		"  --json            one JSON object per result line on stdout\n"
		"  --smoke           tiny runs, exit 1 if any content check fails\n"
		"  --reps N          repetitions, median reported (default 5)\n"
		"  --secs S          seconds per repetition (default 0.25)\n"
		"  --msgs N          fixed message count (no calibration)\n"
		"  --ring-kib N      ring memory per ring, power of two, 4..1024 "
		"(default 64)\n"
		"  --workload LIST   64,256,1500,mixed,rtt (default all)\n"
		"  --impl LIST       nc2,xen_ring,rte_ring,cacheline (default all)\n"
		"  --batch LIST      e.g. 1,32 (default 1,32; 1..256)\n"
		"  --rt              run both sides SCHED_FIFO (root; starves\n"
		"                    other work on the two cores meanwhile)\n"
		"  --single          one thread alternating producer and consumer\n"
		"                    (for callgrind; rates are meaningless)\n");
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const char *const impl_names[NIMPL + 1] = {
		"nc2", "xen_ring", "rte_ring", "cacheline",
	};
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "smoke", no_argument, NULL, 's' },
		{ "reps", required_argument, NULL, 'r' },
		{ "secs", required_argument, NULL, 't' },
		{ "msgs", required_argument, NULL, 'n' },
		{ "ring-kib", required_argument, NULL, 'k' },
		{ "workload", required_argument, NULL, 'w' },
		{ "impl", required_argument, NULL, 'i' },
		{ "batch", required_argument, NULL, 'b' },
		{ "single", no_argument, NULL, '1' },
		{ "rt", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int mask;
	char *save, *tok;
	int c;

	*o = (struct opts){ .reps = 5, .ring_kib = 64, .secs = 0.25,
			    .wl_mask = (1u << WL_COUNT) - 1,
			    .impl_mask = (1u << (NIMPL + 1)) - 1,
			    .batches = { 1, 32 }, .nbatch = 2 };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'j': o->json = true; break;
		case 's': o->smoke = true; break;
		case '1': o->single = true; break;
		case 'R': bench_rt = true; break;
		case 'r': o->reps = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 't': o->secs = strtod(optarg, NULL); break;
		case 'n': o->msgs = strtoull(optarg, NULL, 0); break;
		case 'k': o->ring_kib = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'w':
			o->wl_mask = parse_mask(optarg, wl_names, WL_COUNT,
						"workload");
			break;
		case 'i':
			mask = parse_mask(optarg, impl_names, NIMPL + 1, "impl");
			o->impl_mask = mask;
			break;
		case 'b':
			o->nbatch = 0;
			save = NULL;
			for (tok = strtok_r(optarg, ",", &save);
			     tok && o->nbatch < 8;
			     tok = strtok_r(NULL, ",", &save))
				o->batches[o->nbatch++] =
					(unsigned int)strtoul(tok, NULL, 0);
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (o->reps < 1 || o->reps > MAX_REPS || o->secs <= 0 ||
	    o->ring_kib < 4 || o->ring_kib > 1024 ||
	    (o->ring_kib & (o->ring_kib - 1)) || !o->nbatch) {
		usage(stderr);
		exit(2);
	}
	for (unsigned int i = 0; i < o->nbatch; i++)
		if (o->batches[i] < 1 || o->batches[i] > 256) {
			usage(stderr);
			exit(2);
		}
}

int main(int argc, char **argv)
{
	struct opts o;

	parse(argc, argv, &o);
	for (int wl = 0; wl < WL_COUNT; wl++) {
		if (!(o.wl_mask & (1u << wl)))
			continue;
		for (unsigned int b = 0; b < o.nbatch; b++) {
			/* A round trip has one message in flight: batch 1. */
			unsigned int batch = wl == WL_RTT ? 1 : o.batches[b];
			static struct part parts[NIMPL + 1];
			unsigned int n = 0;

			if (wl == WL_RTT && b)
				break;
			for (int i = 0; i <= NIMPL; i++) {
				if (!(o.impl_mask & (1u << i)))
					continue;
				if (i == NIMPL && (wl != WL_RTT || o.single))
					continue;
				memset(&parts[n], 0, sizeof(parts[n]));
				parts[n].name = i < NIMPL ? impls[i]->name :
							    "cacheline";
				parts[n].impl = i < NIMPL ? impls[i] : NULL;
				parts[n].cfg = (struct bench_cfg){
					wl, batch, 0, o.ring_kib,
					payload_fixed_len(wl)
				};
				n++;
			}
			measure(&o, parts, n);
		}
	}
	if (!o.json && !o.single)
		table(&o);
	if (any_bad) {
		fprintf(stderr, "nc2-bench: FAILED: a content check or "
				"transport failed\n");
		return 1;
	}
	return 0;
}
