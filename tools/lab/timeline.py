#!/usr/bin/env python3
"""Draw a lifecycle timeline (tools/lab/guest/lifecycle.sh, lc_move_bypass)
as an SVG: datagrams per second received by domu2 while the other end of
their bypass is saved and restored or migrated, with the moments the
bypass came up, the move began and ended, and the bypass formed again.

    timeline.py timeline-NAME.txt [OUT.svg]

The input holds '#' lines (the title, 'events_ms k=v ...', the receiver's
summary) and one 'second datagrams' pair per line. The events are dom0's
milliseconds since the sender started, the seconds the receiver's since
its first datagram: the two clocks agree to within a fraction of a second.
"""
import os
import re
import sys

W, H = 760, 310
L, R, T, B = 60, 20, 40, 50


def load(path):
    title, events, summary, pts = "", {}, "", []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("# events_ms"):
                for k, v in re.findall(r"(\w+)=(-?\d+)", line):
                    if int(v) >= 0:
                        events[k] = int(v) / 1000.0
            elif line.startswith("# receiver"):
                summary = line[len("# receiver"):].strip()
            elif line.startswith("#"):
                title = title or line[1:].strip()
            elif line:
                s, n = line.split()[:2]
                pts.append((int(s), int(n)))
    return title, events, summary, pts


def svg(title, events, summary, pts):
    xmax = max([p[0] + 1 for p in pts] + [e + 1 for e in events.values()] + [10])
    ymax = max([p[1] for p in pts] + [100])
    ymax = ((ymax * 11 // 10) // 500 + 1) * 500

    def x(v):
        return L + (W - L - R) * v / xmax

    def y(v):
        return H - B - (H - T - B) * v / ymax

    o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
         'font-family="sans-serif" font-size="12">' % (W, H),
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="%d" y="20" font-size="14">%s</text>' % (L, esc(title))]
    if "move_start" in events and "move_end" in events:
        a, b = events["move_start"], events["move_end"]
        o.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" '
                 'fill="#f3d9c9"/>' % (x(a), T, max(1, x(b) - x(a)), H - T - B))
        what = "xl migrate" if "migrate" in title else "xl save + restore"
        o.append('<text x="%.1f" y="%d" fill="#8a4b22">%s (%.1f s)</text>'
                 % (x(a) + 3, T + 14, what, b - a))
    for k in range(0, ymax + 1, max(500, ymax // 5 // 500 * 500)):
        o.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>'
                 % (L, W - R, y(k), y(k)))
        o.append('<text x="%d" y="%.1f" text-anchor="end">%d</text>'
                 % (L - 5, y(k) + 4, k))
    step = 5 if xmax <= 60 else 10
    for k in range(0, int(xmax) + 1, step):
        o.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>'
                 % (x(k), H - B + 16, k))
    o.append('<text x="%d" y="%d" text-anchor="middle">seconds</text>'
             % ((L + W - R) // 2, H - B + 30))
    o.append('<text x="14" y="%d" transform="rotate(-90 14 %d)" '
             'text-anchor="middle">datagrams/s at domu2</text>'
             % ((T + H - B) // 2, (T + H - B) // 2))
    for key, label, colour in (("bypass_up", "bypass up", "#2a7a2a"),
                               ("bypass_again", "bypass again", "#2a7a2a")):
        if key in events:
            v = events[key]
            o.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="%s" '
                     'stroke-dasharray="4 3"/>' % (x(v), x(v), T, H - B, colour))
            # Near the right edge the label goes to the left of its line.
            right = x(v) > W - R - 90
            o.append('<text x="%.1f" y="%d" fill="%s" text-anchor="%s">%s'
                     '</text>' % (x(v) - 3 if right else x(v) + 3, H - B - 6,
                                  colour, "end" if right else "start", label))
    if pts:
        path = " ".join("%.1f,%.1f" % (x(s + 0.5), y(n)) for s, n in pts)
        o.append('<polyline points="%s" fill="none" stroke="#1f5fa8" '
                 'stroke-width="2"/>' % path)
    o.append('<text x="%d" y="%d" font-size="10" fill="#555">%s</text>'
             % (L, H - 3, esc(summary)[:130]))
    o.append("</svg>")
    return "\n".join(o) + "\n"


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out = argv[2] if len(argv) == 3 else os.path.splitext(argv[1])[0] + ".svg"
    with open(out, "w") as f:
        f.write(svg(*load(argv[1])))
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
