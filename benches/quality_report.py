#!/usr/bin/env python3
"""Writes benches/results/quality.md and quality.svg from quality.json (python3 stdlib only).

    python3 benches/quality_report.py <quality.json> <quality.md> <quality.svg> <about.json>

quality.json is a list of evaluate rows, each with two extra keys: "method" (the curve it
belongs to) and "swept" (the swept option's value, the point's label). about.json holds what
the markdown says about the run: commands, date, machine, data size, seconds per run.
The chart has one curve per method: recall of host-days (solid) and of campaigns (dashed)
against the false-positive rate of host-days, on a log axis.
"""

import html
import json
import math
import sys

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"]
COUNT_KEYS = ["host_days", "positives", "negatives", "true_positives", "false_positives"]
RATE_KEYS = [
    "recall",
    "false_positive_rate",
    "precision",
    "alerts_per_day",
    "event_recall",
    "first_day_recall",
    "later_day_recall",
]


def methods_of(rows):
    """Method names in order of first appearance, and each method's rows."""
    order, by_method = [], {}
    for row in rows:
        if row["method"] not in by_method:
            order.append(row["method"])
            by_method[row["method"]] = []
        by_method[row["method"]].append(row)
    return order, by_method


def cell(key, value):
    if value is None:
        return "–"
    if key == "false_positive_rate":
        return f"{value:.2e}" if value else "0"
    if key == "alerts_per_day":
        return f"{value:.1f}"
    if key in RATE_KEYS:
        return f"{value:.3f}"
    return f"{value:,}"


def markdown(rows, about):
    order, by_method = methods_of(rows)
    lines = [
        "# Detection quality",
        "",
        f"Measured {about['date']} on {about['machine']} with `bash benches/quality.sh`.",
        "",
        f"Data: `{about['generate']}` — {about['rows']:,} rows, {about['hosts']:,} hosts × "
        f"{about['days']} days, {about['labels']:,} labelled exfiltration host-days.",
        "",
        "Judged: every row on a local day at least `--warmup-days` (default `baseline_days`) "
        "after the first day of the data. Rates: recall = TP / positives, "
        "false_positive_rate = FP / negatives (host-days); event_recall counts a campaign as "
        "caught when any of its days alerts; first/later-day recall split the positives by "
        "their place in the campaign.",
        "",
    ]
    for method in order:
        lines.append(f"## {method}")
        lines.append("")
        run = about["runs"].get(method, {})
        if run:
            lines.append(f"`{run['command']}` ({run['seconds']:.1f} s for {run['values']} values)")
            lines.append("")
        header = ["swept"] + COUNT_KEYS[3:] + RATE_KEYS
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|")
        for row in by_method[method]:
            values = [f"`{row['swept']}`"] + [cell(k, row[k]) for k in header[1:]]
            lines.append("| " + " | ".join(values) + " |")
        first = by_method[method][0]
        lines.append("")
        lines.append(
            f"host_days {first['host_days']:,}, positives {first['positives']:,}, "
            f"negatives {first['negatives']:,}; options of the first row: `{first['options']}`."
        )
        lines.append("")
    lines.append("![recall against false-positive rate](quality.svg)")
    lines.append("")
    return "\n".join(lines)


def svg(rows, title):
    order, by_method = methods_of(rows)
    width, height = 760, 500
    left, right, top, bottom = 70, 190, 40, 60
    plot_w, plot_h = width - left - right, height - top - bottom
    positive = [r["false_positive_rate"] for r in rows if r["false_positive_rate"]]
    low = math.floor(math.log10(min(positive))) if positive else -6
    high = math.ceil(math.log10(max(positive))) if positive else 0
    low = min(low, high - 2)
    high = max(high, low + 1)

    def x_of(fpr):
        # A rate of 0 cannot sit on a log axis: it is drawn on the left edge.
        exponent = math.log10(fpr) if fpr else low
        return left + plot_w * (max(exponent, low) - low) / (high - low)

    def y_of(recall):
        return top + plot_h * (1 - (recall or 0.0))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left + plot_w / 2}" y="22" text-anchor="middle" font-size="14">'
        f"{html.escape(title)}</text>",
    ]
    for exponent in range(low, high + 1):
        x = x_of(10.0**exponent)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="#ddd"/>')
        out.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 18}" text-anchor="middle">1e{exponent}</text>'
        )
    for tenth in range(0, 11, 2):
        y = y_of(tenth / 10)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{tenth / 10:.1f}</text>')
    out.append(
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>'
    )
    out.append(
        f'<text x="{left + plot_w / 2}" y="{height - 18}" text-anchor="middle">'
        "false-positive rate of host-days (log; 0 on the left edge)</text>"
    )
    out.append(
        f'<text x="18" y="{top + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 18 {top + plot_h / 2})">recall</text>'
    )
    legend_y = top + 10
    for i, method in enumerate(order):
        color = COLORS[i % len(COLORS)]
        points = sorted(by_method[method], key=lambda r: r["false_positive_rate"] or 0)
        for key, dash in (("recall", ""), ("event_recall", ' stroke-dasharray="5,4"')):
            path = " ".join(
                f"{x_of(r['false_positive_rate']):.1f},{y_of(r[key]):.1f}" for r in points
            )
            out.append(
                f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"{dash}/>'
            )
        for r in points:
            x, y = x_of(r["false_positive_rate"]), y_of(r["recall"])
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"/>')
            out.append(
                f'<text x="{x + 5:.1f}" y="{y - 6:.1f}" fill="{color}" font-size="10">'
                f"{html.escape(str(r['swept']))}</text>"
            )
        lx = left + plot_w + 15
        out.append(
            f'<line x1="{lx}" y1="{legend_y}" x2="{lx + 24}" y2="{legend_y}" stroke="{color}" stroke-width="2"/>'
        )
        out.append(f'<text x="{lx + 30}" y="{legend_y + 4}">{html.escape(method)}: host-days</text>')
        legend_y += 18
        out.append(
            f'<line x1="{lx}" y1="{legend_y}" x2="{lx + 24}" y2="{legend_y}" stroke="{color}" '
            'stroke-width="2" stroke-dasharray="5,4"/>'
        )
        out.append(f'<text x="{lx + 30}" y="{legend_y + 4}">{html.escape(method)}: campaigns</text>')
        legend_y += 26
    out.append(
        f'<text x="{left + plot_w + 15}" y="{legend_y + 4}" font-size="10">labels: swept value</text>'
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    results, md_path, svg_path, about_path = sys.argv[1:5]
    with open(results) as f:
        rows = json.load(f)
    with open(about_path) as f:
        about = json.load(f)
    with open(md_path, "w") as f:
        f.write(markdown(rows, about))
    title = f"{about['hosts']:,} hosts × {about['days']} days, {about['labels']:,} exfiltration host-days"
    with open(svg_path, "w") as f:
        f.write(svg(rows, title))


if __name__ == "__main__":
    main()
