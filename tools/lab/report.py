#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""report.py - nc2 against netchannel1 from one full lab run.

    tools/lab/report.py RESULTS.jsonl OUTDIR [--title TEXT]

RESULTS.jsonl is lab.sh's results file of a full run: one object per row,
keys path, driver, gbit_s, rtt_us, dom0_cpu_pct, status and (nc2 rows)
route. Writes into OUTDIR:

    demo.jsonl   the same rows, each with a readable path name and, for
                 nc2, the netchannel1 row it is compared with and the
                 ratios nc2/netchannel1 of Gbit/s and of dom0 CPU
    table.txt    the table printed on stdout
    chart.svg    bar chart: Gbit/s and dom0 CPU % per path and driver

netchannel1 has no bypass: nc2's domU -> domU bypass row is compared with
netchannel1's domU -> domU row through dom0's bridge. Standard library
only; nothing is fetched.
"""
import json
import os
import sys
from xml.sax.saxutils import escape

# (lab path, label, netchannel1 path it is compared with)
PATHS = [
    ("dom0_to_domu", "dom0 -> domU", "dom0_to_domu"),
    ("domu_to_dom0", "domU -> dom0", "domu_to_dom0"),
    ("domu_to_domu_bridge", "domU -> domU, through dom0", "domu_to_domu_bridge"),
    ("domu_to_domu_bypass", "domU -> domU, nc2 bypass", "domu_to_domu_bridge"),
    ("domu_to_domu_autobypass", "domU -> domU, auto bypass",
     "domu_to_domu_bridge"),
]
# Paths netchannel1 does not have: compared with its row through dom0.
BYPASS_PATHS = ("domu_to_domu_bypass", "domu_to_domu_autobypass")
LABEL = {p: l for p, l, _ in PATHS}
BASE = {p: b for p, _, b in PATHS}
DRIVERS = ["netchannel1", "nc2"]
COLOUR = {"netchannel1": "#7f8c99", "nc2": "#e0731c"}


def num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def load(path):
    rows = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                r = json.loads(line)
            except ValueError:
                print("report: %s:%d: not JSON, skipped" % (path, n),
                      file=sys.stderr)
                continue
            rows[(r.get("path"), r.get("driver"))] = r
    return rows


def ratio(a, b):
    a, b = num(a), num(b)
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt(v, spec):
    return "-" if num(v) is None else format(v, spec)


def fmt_x(v):
    return "-" if v is None else "%.2fx" % v


def enrich(rows):
    """Rows in table order, with ratios for nc2."""
    out = []
    for p, label, base in PATHS:
        for d in DRIVERS:
            r = rows.get((p, d))
            if r is None:
                continue
            r = dict(r)
            r["path_label"] = label
            if d == "nc2":
                b = rows.get((base, "netchannel1"), {})
                r["compared_with"] = "netchannel1 " + base
                ok = b.get("status") == "ok" and r.get("status") == "ok"
                r["ratio_gbit_s"] = ratio(r.get("gbit_s"), b.get("gbit_s")) if ok else None
                r["ratio_dom0_cpu_pct"] = (ratio(r.get("dom0_cpu_pct"),
                                                 b.get("dom0_cpu_pct"))
                                           if ok else None)
                for k in ("ratio_gbit_s", "ratio_dom0_cpu_pct"):
                    if r[k] is not None:
                        r[k] = round(r[k], 3)
            out.append(r)
    # Rows the lab printed that this report does not know: keep them.
    known = {(p, d) for p, _, _ in PATHS for d in DRIVERS}
    for k, r in rows.items():
        if k not in known:
            r = dict(r)
            r["path_label"] = str(r.get("path"))
            out.append(r)
    return out


def table(rows, title):
    lines = [title, ""]
    hdr = ("%-27s %-12s %7s %8s %10s %9s %9s  %s"
           % ("path", "driver", "Gbit/s", "RTT us", "dom0 CPU%",
              "nc2/nc1", "nc2/nc1", "route / status"))
    sub = ("%-27s %-12s %7s %8s %10s %9s %9s"
           % ("", "", "", "", "", "Gbit/s", "dom0 CPU"))
    lines += [hdr, sub.rstrip(), "-" * len(hdr)]
    last = None
    for r in rows:
        label = r["path_label"] if r["path_label"] != last else ""
        if last is not None and label:
            lines.append("")
        last = r["path_label"]
        if r.get("path") in BYPASS_PATHS and r.get("driver") == "nc2":
            lines.append("%-27s %-12s %7s %8s %10s %9s %9s  %s"
                         % (label, "netchannel1", "-", "-", "-", "", "",
                            "no bypass: nc2 is compared with its row "
                            "through dom0 (*)"))
            label = ""
        note = r.get("route", "") if r.get("status") == "ok" else r.get("status", "?")
        if r.get("status") == "ok" and num(r.get("formed_s")) is not None:
            note = ("formed %.1f s after the flow began; " % r["formed_s"]
                    + note).rstrip("; ")
        star = " *" if r.get("path") in BYPASS_PATHS and r.get("driver") == "nc2" else ""
        gx = fmt_x(r.get("ratio_gbit_s")) + star if r.get("driver") == "nc2" else ""
        cx = fmt_x(r.get("ratio_dom0_cpu_pct")) + star if r.get("driver") == "nc2" else ""
        ok = r.get("status") == "ok"
        g = r.get("gbit_s") if ok else None
        c = r.get("dom0_cpu_pct") if ok else None
        lines.append(("%-27s %-12s %7s %8s %10s %9s %9s  %s"
                      % (label, r.get("driver", "?"), fmt(g, ".2f"),
                         fmt(r.get("rtt_us"), ".0f"),
                         fmt(c, ".1f"), gx, cx,
                         note)).rstrip())
    lines += [
        "",
        "* netchannel1 has no bypass: the nc2 bypass row is compared with",
        "  netchannel1's domU -> domU row through dom0's bridge.",
        "nc2/nc1 Gbit/s above 1 and nc2/nc1 dom0 CPU below 1 favour nc2.",
        "Gbit/s: iperf3's receiver figure. dom0 CPU: xentop's Domain-0 CPU(%)",
        "during the transfer, 100 = one physical CPU (dom0 has 2 vCPUs).",
        "RTT: mean of 10 pings; under QEMU/TCG an order of magnitude only.",
        "TCG swings 20-40 % between runs: compare rows of one run.",
    ]
    return "\n".join(lines) + "\n"


def svg(rows, title):
    """Two panels (Gbit/s, dom0 CPU %), one group of bars per path."""
    by = {(r.get("path"), r.get("driver")): r for r in rows}
    W, left, right = max(960, 90 + 190 * len(PATHS)), 70, 20
    panel_h, top0, gap = 230, 86, 84
    H = top0 + 2 * panel_h + gap + 84
    gw = (W - left - right) / len(PATHS)
    bw = 54
    o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
         'viewBox="0 0 %d %d" font-family="DejaVu Sans, Arial, sans-serif" '
         'font-size="12">' % (W, H, W, H),
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="%d" y="26" font-size="%.1f" font-weight="bold">%s</text>'
         % (left, min(17.0, (W - left - right) / (0.62 * max(len(title), 1))),
            escape(title)),
         '<text x="%d" y="46" fill="#444">netchannel1 has no bypass: the '
         'dashed bar in the bypass group is netchannel1 through dom0\'s '
         'bridge, which the bypass is compared with</text>' % left]
    # legend
    lx = left
    for d, name in (("netchannel1", "netchannel1 (xen-netfront/netback)"),
                    ("nc2", "nc2 (netfront2/netback2)")):
        o.append('<rect x="%d" y="58" width="14" height="14" fill="%s"/>'
                 % (lx, COLOUR[d]))
        o.append('<text x="%d" y="70">%s</text>' % (lx + 20, escape(name)))
        lx += 270 if d == "netchannel1" else 210
    o.append('<rect x="%d" y="58" width="14" height="14" fill="none" '
             'stroke="%s" stroke-dasharray="4,3" stroke-width="1.5"/>'
             % (lx, COLOUR["netchannel1"]))
    o.append('<text x="%d" y="70">netchannel1 through dom0, for the bypass'
             '</text>' % (lx + 20))

    def value(p, d, key):
        r = by.get((p, d))
        if not r or r.get("status") != "ok":
            return None
        return num(r.get(key))

    for i, (key, name, rkey) in enumerate((
            ("gbit_s", "Gbit/s (higher is better)", "ratio_gbit_s"),
            ("dom0_cpu_pct", "dom0 CPU % (lower is better; 100 = one CPU)",
             "ratio_dom0_cpu_pct"))):
        top = top0 + i * (panel_h + gap) + 20
        base = top + panel_h - 40
        vals = [value(p, d, key) for p, _, _ in PATHS for d in DRIVERS]
        vmax = max([v for v in vals if v is not None] or [1.0])
        vmax = vmax * 1.18 if vmax > 0 else 1.0
        scale = (panel_h - 60) / vmax
        o.append('<text x="%d" y="%d" font-size="14" font-weight="bold">%s'
                 '</text>' % (left, top - 4, escape(name)))
        # axis and gridlines
        step = nice_step(vmax)
        v = 0.0
        while v <= vmax + 1e-9:
            y = base - v * scale
            o.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s"/>'
                     % (left, y, W - right, y, "#999" if v == 0 else "#e4e4e4"))
            o.append('<text x="%d" y="%.1f" text-anchor="end" fill="#555">%s'
                     '</text>' % (left - 6, y + 4, trim(v)))
            v += step
        for j, (p, label, basep) in enumerate(PATHS):
            gx = left + j * gw + gw / 2
            for k, d in enumerate(DRIVERS):
                x = gx - bw - 4 + k * (bw + 8)
                dashed = False
                v = value(p, d, key)
                if d == "netchannel1" and p in BYPASS_PATHS:
                    v = value(basep, d, key)
                    dashed = True
                missing = by.get((p, d)) if not dashed else by.get((basep, d))
                if v is None:
                    txt = "no bypass" if dashed else (
                        (missing or {}).get("status", "no row"))
                    o.append('<text x="%.1f" y="%.1f" text-anchor="middle" '
                             'fill="#a00">%s</text>'
                             % (x + bw / 2, base - 6, escape(str(txt))))
                    continue
                h = v * scale
                if dashed:
                    o.append('<rect x="%.1f" y="%.1f" width="%d" height="%.1f" '
                             'fill="%s" fill-opacity="0.18" stroke="%s" '
                             'stroke-width="1.5" stroke-dasharray="5,3"/>'
                             % (x, base - h, bw, h, COLOUR[d], COLOUR[d]))
                else:
                    o.append('<rect x="%.1f" y="%.1f" width="%d" height="%.1f" '
                             'fill="%s"/>' % (x, base - h, bw, h, COLOUR[d]))
                o.append('<text x="%.1f" y="%.1f" text-anchor="middle">%s'
                         '</text>' % (x + bw / 2, base - h - 5,
                                      "%.2f" % v if key == "gbit_s"
                                      else "%.0f" % v))
                if d == "nc2":
                    rr = (by.get((p, d)) or {}).get(rkey)
                    if rr is not None:
                        o.append('<text x="%.1f" y="%.1f" text-anchor="middle" '
                                 'font-weight="bold" fill="%s">%.2fx</text>'
                                 % (x + bw / 2, base - h - 20,
                                    COLOUR["nc2"], rr))
            # Two lines ("domU -> domU," / "auto bypass"): groups stay apart.
            head, _, tail = label.partition(", ")
            o.append('<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>'
                     % (gx, base + 18, escape(head + ("," if tail else ""))))
            if tail:
                o.append('<text x="%.1f" y="%.1f" text-anchor="middle">%s'
                         '</text>' % (gx, base + 32, escape(tail)))
            if p in BYPASS_PATHS:
                o.append('<text x="%.1f" y="%.1f" text-anchor="middle" '
                         'fill="#555" font-size="11">(netchannel1: via dom0)'
                         '</text>' % (gx, base + 46))
    o.append('<text x="%d" y="%d" fill="#555" font-size="11">Orange figures '
             'above the nc2 bars: nc2 / netchannel1 on that path. Xen 4.17 in '
             'QEMU/TCG: absolute figures move 20-40 %% between runs;</text>'
             % (left, H - 30))
    o.append('<text x="%d" y="%d" fill="#555" font-size="11">compare the bars '
             'of one run. dom0 CPU: xentop, Domain-0 during the transfer '
             '(dom0 has 2 vCPUs).</text>' % (left, H - 15))
    o.append("</svg>")
    return "\n".join(o) + "\n"


def nice_step(vmax):
    for s in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100):
        if vmax / s <= 6:
            return s
    return vmax / 5


def trim(v):
    return ("%.2f" % v).rstrip("0").rstrip(".")


def main(argv):
    title = "nc2 against netchannel1, Xen 4.17 in QEMU/TCG, one run"
    args = []
    i = 0
    while i < len(argv):
        if argv[i] == "--title" and i + 1 < len(argv):
            title = argv[i + 1]
            i += 2
            continue
        args.append(argv[i])
        i += 1
    if len(args) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    res, outdir = args
    rows = enrich(load(res))
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "demo.jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r, sort_keys=False) + "\n")
    t = table(rows, title)
    with open(os.path.join(outdir, "table.txt"), "w") as f:
        f.write(t)
    with open(os.path.join(outdir, "chart.svg"), "w") as f:
        f.write(svg(rows, title))
    sys.stdout.write(t)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
