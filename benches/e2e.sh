#!/usr/bin/env bash
# End-to-end benchmark of emailoutlier: the release binary in protocol mode (what splunkd runs)
# and the CLI, on generated tstats output, next to raw reads of the same bytes.
#
#   bash benches/e2e.sh [S|L|all]        (default: all)
#   E2E_ARGS="method=predictive" bash benches/e2e.sh L     (extra command options)
#
#   S: 33,334 hosts x 30 days =  1,000,020 rows (~32 MB)
#   L: 333,334 hosts x 30 days = 10,000,020 rows (~327 MB)
#
# Steps: `cargo build --release`; generate each input once with `emailoutlier sample`
# (seed 1, now 1767268800 = 2026-01-01T12:00:00Z, no missing days) into the scratch folder
# (default <cargo target dir>/e2e, or $E2E_DIR; files are reused when present); encode it as
# splunkd sends it with benches/encode_chunks.py (getinfo with `now=... tz=UTC`, execute chunks
# of 50,000 rows each repeating the header, a final header-only chunk); then time, each
# $E2E_RUNS times (default 3, the fastest run is shown):
#   cat      `cat <chunks> > /dev/null`, the machine's limit for reading these bytes
#   wc -l    `wc -l < <chunks>`, a trivial pass over the bytes
#   protocol `emailoutlier < <chunks>`
#   cli      `emailoutlier detect <csv> now=1767268800 tz=UTC`
# Wall time is measured around the child; peak RSS comes from GNU time (`/usr/bin/time`, Debian
# package `time`), else from wait4(2), which cannot report less than Python's own RSS.
# CPU s is user + system time (less sensitive than wall time to other load on the machine);
# rows/s and MB/s are per wall second; "x cat" is the run's wall time over cat's.
# Finally the protocol run's output rows (the final reply's body) must equal the CLI's output.
#
# $E2E_ARGS (space-separated name=value options, default none) go to both the protocol run
# (in the getinfo args; the chunks file and outputs get a suffix of the options) and the CLI.
#
# Needs: cargo, python3 (standard library only). The inputs are read from the page cache
# after the first run, so cat measures memory bandwidth and system-call cost, not the disk.
set -euo pipefail

sizes=${1:-all}
case "$sizes" in
S | L) ;;
all) sizes="S L" ;;
*)
    echo "usage: bash benches/e2e.sh [S|L|all]" >&2
    exit 2
    ;;
esac

source "$(dirname "${BASH_SOURCE[0]}")/release_binary.sh"
scratch=${E2E_DIR:-$target_dir/e2e}
runs=${E2E_RUNS:-3}
extra=${E2E_ARGS:-}
suffix=$(printf '%s' "$extra" | tr -c 'A-Za-z0-9=._-' '_')
suffix=${suffix:+.$suffix}
now=1767268800
mkdir -p "$scratch"

hosts_of() { case "$1" in S) echo 33334 ;; L) echo 333334 ;; esac; }

for size in $sizes; do
    csv="$scratch/$size.csv"
    chunks="$scratch/$size$suffix.chunks"
    if [[ ! -s "$csv" ]]; then
        echo "generating $csv" >&2
        "$binary" sample --hosts "$(hosts_of "$size")" --days 30 --seed 1 --now "$now" \
            --missing-percent 0 >"$csv.tmp"
        mv "$csv.tmp" "$csv"
    fi
    if [[ ! -s "$chunks" || "$chunks" -ot "$csv" ]]; then
        arg_flags=()
        for option in $extra; do arg_flags+=(--arg "$option"); done
        python3 benches/encode_chunks.py "$csv" "$chunks.tmp" --now "$now" --tz UTC "${arg_flags[@]}"
        mv "$chunks.tmp" "$chunks"
    fi
done

python3 - "$binary" "$scratch" "$runs" "$now" "$extra" "$suffix" $sizes <<'PYTHON'
import os, subprocess, sys, time

sys.path.insert(0, "benches")
from encode_chunks import final_body

binary, scratch, runs, now = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
extra, suffix, sizes = sys.argv[5].split(), sys.argv[6], sys.argv[7:]


# A child forked from Python starts with Python's peak RSS in ru_maxrss; GNU time, a small C
# program, forks the command from its own small image, so it reports the command's own peak.
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def measure(argv, stdin_path, stdout_path, stderr_path):
    """Runs argv once; returns (wall seconds, CPU seconds, peak RSS bytes)."""
    rss_path = stderr_path + ".rss"
    if GNU_TIME:
        argv = [GNU_TIME, "-f", "%M", "-o", rss_path] + argv
    with open(stdin_path, "rb") as stdin, open(stdout_path, "wb") as stdout, \
            open(stderr_path, "wb") as stderr:
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=stderr)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed with status {child.returncode}; see {stderr_path}")
    if GNU_TIME:
        with open(rss_path) as f:
            return wall, cpu, int(f.read().split()[-1]) * 1024
    return wall, cpu, usage.ru_maxrss * 1024


def best(argv, stdin_path, stdout_path, stderr_path):
    """The fastest wall time, the least CPU time and the largest peak RSS of `runs` runs."""
    results = [measure(argv, stdin_path, stdout_path, stderr_path) for _ in range(runs)]
    return tuple(f(r[i] for r in results) for i, f in enumerate((min, min, max)))



rows_out, walls, ok = [], {}, True
for size in sizes:
    csv, chunks = f"{scratch}/{size}.csv", f"{scratch}/{size}{suffix}.chunks"
    with open(csv, "rb") as f:
        rows = sum(1 for _ in f) - 1
    chunk_bytes, csv_bytes = os.path.getsize(chunks), os.path.getsize(csv)
    runs_of_size = [
        ("cat", ["cat"], chunks, chunk_bytes),
        ("wc -l", ["wc", "-l"], chunks, chunk_bytes),
        ("protocol", [binary], chunks, chunk_bytes),
        ("cli", [binary, "detect", csv, f"now={now}", "tz=UTC"] + extra, os.devnull, csv_bytes),
    ]
    cat_wall = None
    for name, argv, stdin_path, input_bytes in runs_of_size:
        stem = f"{scratch}/{size}{suffix}.{name.replace(' ', '')}"
        out = os.devnull if name == "cat" else f"{stem}.out"
        wall, cpu, rss = best(argv, stdin_path, out, f"{stem}.stderr")
        if name == "cat":
            cat_wall = wall
        walls[(size, name)] = wall
        rows_out.append((size, name, rows, input_bytes, wall, cpu, rss, wall / cat_wall))
    protocol_rows = final_body(f"{scratch}/{size}{suffix}.protocol.out")
    cli_rows = open(f"{scratch}/{size}{suffix}.cli.out", "rb").read()
    same = protocol_rows == cli_rows and protocol_rows.count(b"\n") > 1
    ok &= same
    verdict = "==" if same else "!="
    alerts = cli_rows.count(b"\n") - 1
    rows_out.append((size, f"check: protocol output rows {verdict} CLI output ({alerts} alerts)"))

header = ("size", "run", "rows", "input MB", "wall s", "CPU s", "rows/s", "MB/s", "peak RSS MB",
          "x cat")
lines = [header]
for r in rows_out:
    if len(r) == 2:
        lines.append((r[0], r[1]))
        continue
    size, name, rows, nbytes, wall, cpu, rss, ratio = r
    lines.append((size, name, f"{rows:,}", f"{nbytes / 1e6:.1f}", f"{wall:.3f}", f"{cpu:.3f}",
                  f"{rows / wall:,.0f}", f"{nbytes / 1e6 / wall:,.0f}", f"{rss / 2**20:.1f}",
                  f"{ratio:.1f}"))
widths = [max(len(l[i]) for l in lines if len(l) > 2) for i in range(len(header))]
print(f"emailoutlier end to end{' with ' + ' '.join(extra) if extra else ''}: best of {runs} runs; {os.cpu_count()} CPUs; "
      f"load average {os.getloadavg()[0]:.2f}; peak RSS from "
      + ("/usr/bin/time" if GNU_TIME else "wait4 (at least Python's own RSS: install GNU time)"))
for l in lines:
    if len(l) == 2:
        print(f"{l[0]:<{widths[0]}}  {l[1]}")
    else:
        print("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(l, widths))))
if ("S", "protocol") in walls and ("L", "protocol") in walls:
    print(f"L/S protocol wall time ratio: {walls[('L', 'protocol')] / walls[('S', 'protocol')]:.1f} "
          f"(rows ratio {10_000_020 / 1_000_020:.1f})")
sys.exit(0 if ok else 1)
PYTHON
