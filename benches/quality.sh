#!/usr/bin/env bash
# Detection-quality benchmark: how much of a labelled exfiltration the detection finds, at
# what false-positive rate, for each method and a sweep of its main option.
#
#   bash benches/quality.sh
#
# Steps: `cargo build --release`; generate hard labelled data with fixed seeds
# (`emailoutlier sample --hard`, 20,000 hosts x 90 days, see GENERATE below) into a scratch
# folder ($QUALITY_DIR, else a temporary folder removed at the end); run every line of RUNS
# with `emailoutlier evaluate <data> --labels <labels> <options> --sweep <sweep> --format json`;
# write benches/results/quality.json (every row, plus "method", "sweep" (the swept option) and
# "swept" (its value)), quality.md (the
# tables, commands, date, machine) and quality.svg (recall against false-positive rate, one
# curve per method) with benches/quality_report.py (python3 standard library only).
#
# To add a method, add a line to RUNS: "<label>|<evaluate options>|<option=v1,v2,...>".
# Every method's curve is drawn from quality.json.
#
# Calibration (method=predictive): data that follows its model exactly (CALIBRATE below:
# log-normal days around a log-uniform typical volume, no weekends, bursts, missing or late
# days, no exfiltration), scored with min_bytes=0 at each fpr of CALIBRATION_FPRS; the measured
# false-positive rate should be within a factor 2 of fpr. Written to
# benches/results/calibration.json and calibration.md.
set -euo pipefail

# label | options | sweep
FPRS="fpr=0.1,0.01,0.001,1e-4,1e-5,1e-6,1e-8,1e-10,1e-12"
RUNS=(
    "seed|tz=UTC|deviation_threshold=0.5,1,1.5,2,2.5,3,4,5,7,10"
    "predictive|tz=UTC method=predictive|$FPRS"
    "predictive daytype|tz=UTC method=predictive baseline=daytype|$FPRS"
    "predictive min_bytes (fpr=1e-4)|tz=UTC method=predictive fpr=1e-4|min_bytes=0,1e6,1e7,1e8,1e9"
)
CALIBRATION_NOW=1767311999 # 2026-01-01T23:59:59Z: today's row holds (almost) a whole day
CALIBRATE="sample --hosts 20000 --days 90 --seed 8 --now $CALIBRATION_NOW --volume-decades 4 --day-sigma-max 0.6 --weekend-percent 0 --missing-percent 0 --late-percent 0 --burst-percent 0 --campaign-percent 0"
CALIBRATION_FPRS="fpr=0.1,0.01,0.001,1e-4"
HOSTS=20000
DAYS=90
SEED=7
NOW=1767268800
GENERATE="sample --hard --hosts $HOSTS --days $DAYS --seed $SEED --now $NOW"

source "$(dirname "${BASH_SOURCE[0]}")/release_binary.sh"
if [[ -n "${QUALITY_DIR:-}" ]]; then
    scratch=$QUALITY_DIR
    mkdir -p "$scratch"
else
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
fi
results=benches/results
mkdir -p "$results"

data="$scratch/data.csv"
labels="$scratch/labels.csv"
# shellcheck disable=SC2086 # GENERATE is a list of words
"$binary" $GENERATE --labels "$labels" >"$data"
echo "generated $(($(wc -l <"$data") - 1)) rows and $(($(wc -l <"$labels") - 1)) labels" >&2

runs_json="$scratch/runs.jsonl"
: >"$runs_json"
for run in "${RUNS[@]}"; do
    IFS='|' read -r method options sweep <<<"$run"
    out="$scratch/run.json"
    start=$(date +%s.%N)
    # shellcheck disable=SC2086 # options is a list of words
    "$binary" evaluate "$data" --labels "$labels" $options --sweep "$sweep" --format json >"$out"
    end=$(date +%s.%N)
    echo "$method: $(python3 -c "print(f'{$end - $start:.1f}')") s" >&2
    python3 - "$out" "$method" "$options" "$sweep" "$start" "$end" >>"$runs_json" <<'PYTHON'
import json, sys
path, method, options, sweep, start, end = sys.argv[1:7]
rows = json.load(open(path))
name = sweep.split("=", 1)[0]
for row in rows:
    swept = [t.split("=", 1)[1] for t in row["options"].split() if t.startswith(name + "=")]
    row = {"method": method, "sweep": name, "swept": swept[-1] if swept else "", **row}
    print(json.dumps(row))
print(json.dumps({"run": method, "command": f"emailoutlier evaluate data.csv --labels labels.csv {options} --sweep {sweep} --format json",
                  "seconds": float(end) - float(start), "values": len(rows)}))
PYTHON
done

# Calibration of method=predictive on model-exact data.
# shellcheck disable=SC2086 # CALIBRATE is a list of words
"$binary" $CALIBRATE --labels "$scratch/calibration_labels.csv" >"$scratch/calibration.csv"
start=$(date +%s.%N)
"$binary" evaluate "$scratch/calibration.csv" --labels "$scratch/calibration_labels.csv" \
    tz=UTC now=$CALIBRATION_NOW method=predictive min_bytes=0 --sweep "$CALIBRATION_FPRS" \
    --format json >"$results/calibration.json"
end=$(date +%s.%N)
python3 - "$results/calibration.json" "$results/calibration.md" "$CALIBRATE" "$CALIBRATION_FPRS" \
    "$CALIBRATION_NOW" "$start" "$end" <<'PYTHON'
import json, sys
path, md, generate, sweep, now, start, end = sys.argv[1:8]
rows = json.load(open(path))
lines = [
    "# Calibration of method=predictive",
    "",
    f"Data that follows the model: `emailoutlier {generate} --labels labels.csv > data.csv`.",
    f"Scored with `emailoutlier evaluate data.csv --labels labels.csv tz=UTC now={now} "
    f"method=predictive min_bytes=0 --sweep {sweep} --format json` ({float(end) - float(start):.1f} s).",
    "",
    "| fpr | host-days judged | false alerts | measured rate | measured / fpr |",
    "|---:|---:|---:|---:|---:|",
]
for row in rows:
    fpr = float([t for t in row["options"].split() if t.startswith("fpr=")][-1][4:])
    rate = row["false_positive_rate"]
    lines.append(f"| {fpr:g} | {row['negatives']:,} | {row['false_positives']:,} | {rate:.3g} | {rate / fpr:.2f} |")
open(md, "w").write("\n".join(lines) + "\n")
PYTHON
echo "wrote $results/calibration.json, $results/calibration.md" >&2

python3 - "$runs_json" "$data" "$labels" "$results/quality.json" "$scratch/about.json" \
    "$HOSTS" "$DAYS" "$GENERATE" <<'PYTHON'
import datetime, json, os, platform, subprocess, sys
runs_path, data, labels, out, about_path, hosts, days, generate = sys.argv[1:9]
rows, runs = [], {}
for line in open(runs_path):
    item = json.loads(line)
    if "run" in item:
        runs[item.pop("run")] = item
    else:
        rows.append(item)
json.dump(rows, open(out, "w"), indent=1)
open(out, "a").write("\n")
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
about = {
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "machine": f"{os.cpu_count()} × {cpu}, {platform.system()} {platform.release()}, {rustc}, release build",
    "generate": f"emailoutlier {generate} --labels labels.csv > data.csv",
    "rows": sum(1 for _ in open(data)) - 1,
    "labels": sum(1 for _ in open(labels)) - 1,
    "hosts": int(hosts),
    "days": int(days),
    "runs": runs,
}
json.dump(about, open(about_path, "w"))
PYTHON
# Why the seed method misses, at its defaults: each labelled judged day of the backtest's
# annotated output by which of the seed's conditions it fails (global test, host test,
# minimum_data_samples), and the global test's bar.
"$binary" detect "$data" mode=backtest tz=UTC >"$scratch/backtest.csv" 2>/dev/null
python3 - "$scratch/backtest.csv" "$labels" >"$scratch/breakdown.md" <<'PYTHON'
import collections, csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
labels = {(r["dest_ip"], int(r["_time"]) // 86400) for r in csv.DictReader(open(sys.argv[2]))}
first = min(int(r["_time"]) // 86400 for r in rows)
days_of = collections.defaultdict(set)
for host, day in labels:
    days_of[host].add(day)
counts, bars = collections.Counter(), []
for r in rows:
    key = (r["dest_ip"], int(r["_time"]) // 86400)
    if key not in labels or key[1] < first + 30:
        continue
    x = float(r["bytes_out"])
    bar = float(r["avg_bytes_out"]) + 3 * float(r["stdev_bytes_out"])
    bars.append(bar)
    host_ok = r["per_source_stdev_bytes_out"] != "" and x > float(r["per_source_avg_bytes_out"]) + 3 * float(r["per_source_stdev_bytes_out"])
    place = "later" if key[1] - 1 in days_of[key[0]] else "first"
    counts[(place, x > bar, host_ok, int(r["num_data_samples"]) >= 4)] += 1
bars.sort()
print("## Where the seed method misses (its defaults: deviation_threshold=3, baseline_days=30)")
print()
print("`emailoutlier detect data.csv mode=backtest tz=UTC`, each labelled judged day by the seed's conditions:")
print()
print("| campaign day | passes global test | passes host test | ≥ 4 samples | host-days |")
print("|---|---|---|---|---:|")
yes = lambda b: "yes" if b else "no"
for (place, g, h, n), c in sorted(counts.items(), key=lambda kv: (kv[0][0], not kv[0][1], not kv[0][2], not kv[0][3])):
    print(f"| {place} | {yes(g)} | {yes(h)} | {yes(n)} | {c:,} |")
print()
print(f"The global test's bar (average + 3 stdev of every row of the window) on those days: "
      f"{bars[0] / 1e9:.1f} to {bars[-1] / 1e9:.1f} GB, median {bars[len(bars) // 2] / 1e9:.1f} GB.")
print()
PYTHON
python3 benches/quality_report.py "$results/quality.json" "$results/quality.md" \
    "$results/quality.svg" "$scratch/about.json" "$scratch/breakdown.md"
echo "wrote $results/quality.json, $results/quality.md, $results/quality.svg" >&2
