#!/usr/bin/env python3
# median.py RUN.json... - combine several `nc2-bench --json` runs.
#
# On a shared machine one run's medians still wander; this takes the
# median of each cell across runs and prints the table the docs show,
# with the goals from docs/bench.md evaluated on it.
import json
import statistics
import sys
from collections import defaultdict

cells = defaultdict(list)
for path in sys.argv[1:]:
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                r = json.loads(line)
                cells[(r["workload"], r["impl"], r["batch"])].append(r)


def med(wl, impl, batch, key):
    v = [r[key] for r in cells.get((wl, impl, batch), []) if r[key] is not None]
    return statistics.median(v) if v else None


def bpm(wl, impl, batch):
    return med(wl, impl, batch, "ring_bytes_per_msg")


impls = ["nc2", "xen_ring", "rte_ring"]
print(f"runs combined: {len(sys.argv) - 1}; cells are medians of per-run medians")
print()
print("| workload | batch | nc2 Mmsg/s | xen_ring | rte_ring | nc2/xen | nc2/rte "
      "| nc2 MB/s | xen_ring | rte_ring | ring B/msg nc2 / xen / rte |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for wl in ["64", "256", "1500", "mixed"]:
    for b in [1, 32]:
        m = [med(wl, i, b, "msgs_per_s") for i in impls]
        if not any(m):
            continue
        by = [med(wl, i, b, "bytes_per_s") for i in impls]
        f = lambda x, d=1e6: f"{x / d:.2f}" if x else "-"
        rx = f"{m[0] / m[1]:.2f}x" if m[0] and m[1] else "-"
        rr = f"{m[0] / m[2]:.2f}x" if m[0] and m[2] else "-"
        bp = " / ".join(f"{bpm(wl, i, b):.0f}" if bpm(wl, i, b) else "-"
                        for i in impls)
        print(f"| {wl} | {b} | {f(m[0])} | {f(m[1])} | {f(m[2])} | {rx} | {rr} "
              f"| {f(by[0], 1e6)} | {f(by[1], 1e6)} | {f(by[2], 1e6)} | {bp} |")
print()
rt = {i: med("rtt", i, 1, "rtt_ns") for i in impls + ["cacheline"]}
print("| round trip (ns) | nc2 | xen_ring | rte_ring | cacheline | nc2/cacheline |")
print("|---|---|---|---|---|---|")
g = lambda x: f"{x:.0f}" if x else "-"
ratio = f"{rt['nc2'] / rt['cacheline']:.2f}x" if rt["nc2"] and rt["cacheline"] else "-"
print(f"| 64 B req, 8 B cmp | {g(rt['nc2'])} | {g(rt['xen_ring'])} "
      f"| {g(rt['rte_ring'])} | {g(rt['cacheline'])} | {ratio} |")

print()
def goal(text, ok):
    print(f"- {'met' if ok else 'MISSED'}: {text}")

n64, x64 = med("64", "nc2", 1, "msgs_per_s"), med("64", "xen_ring", 1, "msgs_per_s")
n64b, x64b = med("64", "nc2", 32, "msgs_per_s"), med("64", "xen_ring", 32, "msgs_per_s")
if n64 and x64 and n64b and x64b:
    goal(f"nc2 >= 1.0x io/ring.h msgs/s at 64 bytes "
         f"(batch 1: {n64 / x64:.2f}x, batch 32: {n64b / x64b:.2f}x)",
         n64 >= x64 and n64b >= x64b)
for b in [1, 32]:
    nm, xm = med("mixed", "nc2", b, "bytes_per_s"), med("mixed", "xen_ring", b, "bytes_per_s")
    if nm and xm:
        goal(f"nc2 >= 1.5x io/ring.h bytes/s on mixed, batch {b} ({nm / xm:.2f}x)",
             nm >= 1.5 * xm)
for wl in ["64", "256", "1500", "mixed"]:
    n, r = med(wl, "nc2", 32, "msgs_per_s"), med(wl, "rte_ring", 32, "msgs_per_s")
    if n and r:
        goal(f"not behind rte_ring at batch 32, {wl} ({n / r:.2f}x)", n >= r)
if rt["nc2"] and rt["cacheline"]:
    goal(f"round trip within 1.5x of the cache-line limit "
         f"({rt['nc2']:.0f} vs {rt['cacheline']:.0f} ns, {rt['nc2'] / rt['cacheline']:.2f}x)",
         rt["nc2"] <= 1.5 * rt["cacheline"])
