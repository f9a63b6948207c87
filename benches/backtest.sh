#!/usr/bin/env bash
# Benchmark of `mode=backtest` (not a test): the release binary on benches/e2e.sh's L input,
# 333,334 hosts x 30 days = 10,000,020 rows, once each:
#   protocol  backtest   `emailoutlier < L.backtest.chunks` (getinfo args now=... tz=UTC mode=backtest)
#   cli       backtest   `emailoutlier detect L.csv now=... tz=UTC mode=backtest`
#   cli       annotate   the same with mode=annotate, for the memory both modes share
# Wall and CPU seconds and peak RSS come from GNU time (`/usr/bin/time`, Debian package
# `time`); bytes/row is peak RSS over rows. The protocol run's output rows must equal the CLI's.
#
#   bash benches/backtest.sh            (input in <cargo target dir>/e2e, or $E2E_DIR, reused)
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/release_binary.sh"
scratch=${E2E_DIR:-$target_dir/e2e}
now=1767268800
mkdir -p "$scratch"
csv="$scratch/L.csv"
chunks="$scratch/L.backtest.chunks"
if [[ ! -s "$csv" ]]; then
    echo "generating $csv" >&2
    "$binary" sample --hosts 333334 --days 30 --seed 1 --now "$now" --missing-percent 0 >"$csv.tmp"
    mv "$csv.tmp" "$csv"
fi
if [[ ! -s "$chunks" || "$chunks" -ot "$csv" ]]; then
    python3 benches/encode_chunks.py "$csv" "$chunks.tmp" --now "$now" --tz UTC --arg mode=backtest
    mv "$chunks.tmp" "$chunks"
fi
rows=$(($(wc -l <"$csv") - 1))

measure() { # name stdin stdout argv...
    local name=$1 stdin=$2 stdout=$3
    shift 3
    /usr/bin/time -f "%e %U %S %M" -o "$scratch/L.bt.time" "$@" <"$stdin" >"$stdout" 2>"$scratch/L.bt.$name.stderr"
    read -r wall user sys rss_kb <"$scratch/L.bt.time"
    python3 - "$name" "$rows" "$wall" "$user" "$sys" "$rss_kb" <<'PY'
import sys
name, rows, wall, user, sys_, rss_kb = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:])
rss = rss_kb * 1024
print(f"{name:<20} rows {rows:,}  wall {wall:.2f} s  CPU {user + sys_:.2f} s  "
      f"{rows / wall:,.0f} rows/s  peak RSS {rss / 2**20:,.0f} MiB  {rss / rows:.0f} bytes/row")
PY
}

echo "mode=backtest on L; $(nproc) CPUs; load average $(cut -d' ' -f1 /proc/loadavg)"
measure protocol-backtest "$chunks" "$scratch/L.bt.protocol.out" "$binary"
measure cli-backtest /dev/null "$scratch/L.bt.cli.out" "$binary" detect "$csv" "now=$now" tz=UTC mode=backtest
measure cli-annotate /dev/null /dev/null "$binary" detect "$csv" "now=$now" tz=UTC mode=annotate
python3 - "$scratch/L.bt.protocol.out" "$scratch/L.bt.cli.out" <<'PY'
import sys
sys.path.insert(0, "benches")
from encode_chunks import final_body
body = final_body(sys.argv[1])
cli = open(sys.argv[2], "rb").read()
lines = cli.split(b"\n")[1:-1]
alerts = sum(1 for line in lines if line.endswith(b",1"))
verdict = "==" if body == cli else "!="
print(f"check: protocol output rows {verdict} CLI output ({len(lines):,} rows, {alerts:,} with is_outlier=1)")
sys.exit(0 if body == cli else 1)
PY
grep -h INFO "$scratch/L.bt.cli-backtest.stderr" || true
