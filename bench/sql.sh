#!/usr/bin/env bash
# gongfu sql (DataFusion aggregate functions) next to gongfu compute (the
# direct engine) on the synthetic register: Gini and median by county, wall
# time and peak memory (GNU time's maximum resident set size), and the two
# results compared value by value.
#   bench/sql.sh [PERSONS] [FILE]
# Builds `gongfu` with the datafusion feature (tens of minutes the first time)
# into target/ (CARGO_TARGET_DIR to change it).
set -euo pipefail
cd "$(dirname "$0")/.."
persons="${1:-65770000}"
file="${2:-/tmp/gongfu-province-$persons.parquet}"
cargo build --release -q -p gongfu --features datafusion
g="${CARGO_TARGET_DIR:-target}/release/gongfu"
time_cmd() { /usr/bin/time -f "  %e s wall, %M KB peak" "$@"; }
if [ ! -f "$file" ]; then
  echo "writing the register ($persons persons) to $file"
  time_cmd "$g" synth --persons "$persons" --output "$file"
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for i in 1 2 3; do
  echo "gongfu compute --by county (gini, median), run $i"
  time_cmd "$g" compute --input "$file" --income pc_income --measures gini,median --by county \
    --quiet --format csv --output "$out/compute.csv"
  echo "gongfu sql ... GROUP BY county (gini, median), run $i"
  time_cmd "$g" sql --format csv --output "$out/sql.csv" \
    "SELECT county, gini(pc_income, 1.0) AS gini, median(pc_income, 1.0) AS median
     FROM '$file' GROUP BY county"
done
python3 - "$out/compute.csv" "$out/sql.csv" <<'PY'
import csv, sys
direct = {}
for r in csv.DictReader(open(sys.argv[1])):
    if r["county"]:
        direct[(r["measure"], r["county"])] = float(r["value"])
worst, n = 0.0, 0
for r in csv.DictReader(open(sys.argv[2])):
    for m in ("gini", "median"):
        d = direct[(m, r["county"])]
        worst = max(worst, abs(float(r[m]) - d) / abs(d))
        n += 1
assert n == len(direct), (n, len(direct))
print(f"{n} values compared, worst relative difference {worst:.1e}")
assert worst <= 1e-12
PY
