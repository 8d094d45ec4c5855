#!/usr/bin/env bash
# Memory of the range plan against the number of rows: the register as 64
# Parquet files at several sizes, the same measures by county through the
# direct engine and through `gongfu compute --engine datafusion` (the range
# plan on DataFusion, operators capped at --memory-limit), back to back in
# each run: wall time and peak resident memory (GNU time), and the two
# reports compared value by value.
#   bench/range_plan.sh [PARTS] [RUNS] [PERSONS...]
# Builds gongfu in release mode with the datafusion feature (≈ 20 min the
# first time). GONGFU_BENCH_LIMIT sets the memory cap (default 1G).
set -euo pipefail
cd "$(dirname "$0")/.."
parts="${1:-64}"
runs="${2:-3}"
shift 2 || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(16442500 65770000)
limit="${GONGFU_BENCH_LIMIT:-1G}"
measures="gini,median,arpr"
cargo build --release -q -p gongfu --features datafusion
g="${CARGO_TARGET_DIR:-target}/release/gongfu"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
timed() { # label, command...: prints wall seconds and peak RSS
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$out/time" "$@"
  read -r wall kb < "$out/time"
  printf '  %-44s %7.2f s  %8.0f MB peak\n' "$label" "$wall" "$((kb / 1024))" >&2
}
for persons in "${sizes[@]}"; do
  data="${GONGFU_BENCH_DATA_PREFIX:-/tmp/gongfu-province}-$persons-$parts"
  if [ ! -d "$data" ]; then
    echo "writing the register ($persons persons, $parts files) to $data"
    "$g" synth --population --persons "$persons" --parts "$parts" --output "$data"
  fi
  echo "$persons persons, $parts files ($(du -sh "$data" | cut -f1)); $measures by county"
  for i in $(seq 1 "$runs"); do
    echo " run $i"
    common=(compute --input "$data" --income pc_income --by county --measures "$measures"
            --quiet --format csv)
    timed "direct" "$g" "${common[@]}" --output "$out/direct.csv"
    timed "datafusion range plan, --memory-limit $limit" "$g" "${common[@]}" \
      --engine datafusion --memory-limit "$limit" --output "$out/ranges.csv"
  done
  python3 - "$out/direct.csv" "$out/ranges.csv" <<'PY'
import csv, sys
read = lambda p: {(r["measure"], r["params"], r["county"]): float(r["value"]) for r in csv.DictReader(open(p))}
a, b = read(sys.argv[1]), read(sys.argv[2])
assert a.keys() == b.keys(), (len(a), len(b))
worst = max(abs(b[k] - a[k]) / max(abs(a[k]), 1e-300) for k in a)
print(f"  {len(a)} values compared, worst relative difference {worst:.1e}")
assert worst <= 1e-12
PY
done
