#!/usr/bin/env bash
# Peak memory of the alert action on large results files (README, "The risk alert action",
# Limits). Builds release, writes gzipped results of N rows (each with a quoted two-line
# field), runs `emailoutlier --execute` under /usr/bin/time and prints rows, peak RSS, CPU.
# Usage: bash benches/alert_memory.sh [rows ...]   (default: 100000 1000000)
# EMAILOUTLIER_BIN=<binary> skips the build (e.g. dist/emailoutlier/linux_x86_64/bin/emailoutlier).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${EMAILOUTLIER_BIN:-}
if [ -z "$bin" ]; then
    cargo build --release --quiet --bin emailoutlier
    bin=target/release/emailoutlier
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home/var/spool/splunk" "$work/home/var/run/splunk"
for rows in "${@:-100000 1000000}"; do
    for n in $rows; do
        echo "== $n rows"
        python3 - "$work" "$n" <<'PY'
import gzip, json, sys
work, n = sys.argv[1], int(sys.argv[2])
with gzip.open(f"{work}/results.csv.gz", "wt", compresslevel=1) as f:
    f.write("dest_ip,_time,bytes_out,avg_bytes_out,per_source_avg_bytes_out,"
            "num_standard_deviations_away_from_server_average,"
            "num_standard_deviations_away_from_client_average,note,__mv_note\n")
    for i in range(n):
        f.write(f'10.{i >> 16}.{(i >> 8) & 255}.{i & 255},{1718928000 + i},{50000 + i},'
                f'4675,2000,4.00,607.16,"row {i} ""quoted""\nline 2",\n')
json.dump({"results_file": f"{work}/results.csv.gz", "sid": "1.2", "search_name": "memory",
           "configuration": {}}, open(f"{work}/payload.json", "w"))
PY
        SPLUNK_HOME="$work/home" /usr/bin/time -f "rows=$n peak_rss_kb=%M cpu_s=%U+%S" \
            "$bin" --execute <"$work/payload.json" 2>&1 | grep -v '^INFO'
        ls -l "$work"/home/var/spool/splunk/*.stash_new | awk '{print "stash_new bytes=" $5}'
        rm -f "$work"/home/var/spool/splunk/*
    done
done
