#!/usr/bin/env python3
"""bench/simulate-report.py CSV SVG TITLE - summarise the runs of
`negsieve simulate --csv` over several seeds (CSV: a seed column, then
simulate's columns, no header) as a Markdown table on stdout, and plot the
means as an SVG: budget on x (log scale), contamination (left) and the
share of true negatives kept (right) on y, one line per policy; the
cascade's band is its range over the seeds."""
import collections
import math
import sys

POLICIES = ["cascade", "keep-all", "skip-top-10", "relative-margin-0.05",
            "absolute-margin-0.1"]
COLOURS = {"cascade": "#d62728", "keep-all": "#7f7f7f",
           "skip-top-10": "#1f77b4", "relative-margin-0.05": "#2ca02c",
           "absolute-margin-0.1": "#9467bd"}


def num(s):
    return float(s) if s != "" else None


def load(path):
    runs = collections.defaultdict(list)
    for line in open(path):
        f = line.rstrip("\n").split(",")
        if len(f) != 10 or f[1] == "policy":
            continue
        seed, pol, budget = int(f[0]), f[1], float(f[2])
        runs[(pol, budget)].append(dict(
            seed=seed, decisions=int(f[3]), fn=num(f[4]), cont=num(f[5]),
            tn=num(f[6]), est=num(f[7]), lo=num(f[8]), hi=num(f[9])))
    return runs


def mean(v):
    v = [x for x in v if x is not None]
    return sum(v) / len(v) if v else float("nan")


def pct(x):
    return "-" if x is None or math.isnan(x) else "%.1f%%" % (100 * x)


def table(runs):
    budgets = sorted({b for (_, b) in runs})
    out = ["| budget | policy | decisions | FN found | contamination "
           "(mean, min-max) | TN kept | estimate (mean) | interval holds "
           "the truth | cont <= 10% and TN >= 80% | 5 points below the "
           "best rule at >= its TN kept |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for b in budgets:
        # the fixed rule of lowest contamination (the same in every seed)
        rules = [(mean([r["cont"] for r in runs[(pol, b)]]),
                  mean([r["tn"] for r in runs[(pol, b)]]))
                 for pol in POLICIES[1:] if runs.get((pol, b))]
        best = min(rules) if rules else None
        for pol in POLICIES:
            v = runs.get((pol, b))
            if not v:
                continue
            cont = [r["cont"] for r in v]
            line = "| %s | %s | %.0f | %s | %s (%s-%s) | %s |" % (
                pct(b), pol, mean([r["decisions"] for r in v]),
                pct(mean([r["fn"] for r in v])), pct(mean(cont)),
                pct(min(cont)), pct(max(cont)),
                pct(mean([r["tn"] for r in v])))
            met = sum(1 for r in v if r["cont"] <= 0.10 and r["tn"] >= 0.80)
            if pol == "cascade":
                known = [r for r in v if r["est"] is not None]
                held = sum(1 for r in known
                           if r["lo"] - 1e-9 <= r["cont"] <= r["hi"] + 1e-9)
                beat = sum(1 for r in v if best and
                           r["cont"] <= best[0] - 0.05 + 1e-9 and
                           r["tn"] >= best[1] - 1e-9)
                line += " %s | %d of %d (%d printed) | %d of %d | %d of %d |" % (
                    pct(mean([r["est"] for r in known])) if known else "-",
                    held, len(v), len(known), met, len(v), beat, len(v))
            else:
                line += " | | %d of %d | |" % (met, len(v))
            out.append(line)
    return "\n".join(out)


def plot(runs, path, title):
    budgets = sorted({b for (_, b) in runs})
    w, h, m = 360, 260, 48
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="11">' % (2 * w + 170, h + 40),
           '<text x="10" y="16" font-size="13">%s: mean over seeds</text>'
           % title]
    lx0, lx1 = math.log(budgets[0]), math.log(budgets[-1])

    def x(ox, b):
        return ox + m + (math.log(b) - lx0) / (lx1 - lx0) * (w - m - 10)

    def y(v, top):
        return 30 + (h - 40) * (1 - v / top)

    for panel, key, top, label in ((0, "cont", 0.5, "contamination"),
                                   (1, "tn", 1.0, "true negatives kept")):
        ox = panel * (w + 10)
        svg.append('<text x="%d" y="%d">%s</text>' % (ox + m, 28, label))
        svg.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>'
                   % (ox + m, y(0, top), ox + w - 10, y(0, top)))
        svg.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>'
                   % (ox + m, y(0, top), ox + m, y(top, top)))
        for k in range(6):
            v = top * k / 5
            svg.append('<text x="%d" y="%.1f" text-anchor="end">%.0f%%'
                       '</text>' % (ox + m - 4, y(v, top) + 4, 100 * v))
            svg.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" '
                       'stroke="#eee"/>' % (ox + m, y(v, top), ox + w - 10,
                                            y(v, top)))
        for b in budgets:
            svg.append('<text x="%.1f" y="%d" text-anchor="middle">%g%%'
                       '</text>' % (x(ox, b), h + 4, 100 * b))
        svg.append('<text x="%d" y="%d" text-anchor="middle">budget (share '
                   'of the judged candidates)</text>'
                   % (ox + (w + m) // 2, h + 20))
        band = runs and [(b, [r[key] for r in runs.get(("cascade", b), [])])
                         for b in budgets]
        if band and all(v for _, v in band):
            pts = ["%.1f,%.1f" % (x(ox, b), y(max(v), top)) for b, v in band]
            pts += ["%.1f,%.1f" % (x(ox, b), y(min(v), top))
                    for b, v in reversed(band)]
            svg.append('<polygon points="%s" fill="%s" fill-opacity="0.15" '
                       'stroke="none"/>' % (" ".join(pts),
                                            COLOURS["cascade"]))
        for pol in POLICIES:
            pts = ["%.1f,%.1f" % (x(ox, b), y(mean([r[key] for r in
                                                   runs[(pol, b)]]), top))
                   for b in budgets if (pol, b) in runs]
            svg.append('<polyline points="%s" fill="none" stroke="%s" '
                       'stroke-width="%d"/>' % (" ".join(pts), COLOURS[pol],
                                                3 if pol == "cascade" else 2))
    for i, pol in enumerate(POLICIES):
        ly = 40 + 18 * i
        svg.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" '
                   'stroke-width="3"/>' % (2 * w + 20, ly, 2 * w + 40, ly,
                                           COLOURS[pol]))
        svg.append('<text x="%d" y="%d">%s</text>' % (2 * w + 44, ly + 4,
                                                      pol))
    svg.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(svg) + "\n")


def main():
    runs = load(sys.argv[1])
    seeds = len({r["seed"] for v in runs.values() for r in v})
    print("%s, %d seeds\n" % (sys.argv[3], seeds))
    print(table(runs))
    plot(runs, sys.argv[2], sys.argv[3])


main()
