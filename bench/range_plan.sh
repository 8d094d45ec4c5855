#!/usr/bin/env bash
# The range plan against the number of rows and the number of processes:
# the register as Parquet part files at several sizes, `gini,median,arpr`
# by county (and overall) through
#   1. the direct engine (gongfu compute),
#   2. DataFusion on one node: gongfu compute --engine datafusion (the range
#      plan), without a memory cap (each range's pairs sorted in memory for
#      the Gini) and with its operators capped at --memory-limit (the Gini's
#      cumulative weights from DataFusion's spilling sort),
#   3. Ballista: a scheduler and two executor processes on loopback, the
#      client running the range plan (gongfu-ballista ranges),
# back to back in each run: wall time and the peak resident memory of every
# process (GNU time for one-shot commands, VmHWM for the servers); medians
# over the runs; the three results compared value by value.
#   bench/range_plan.sh [PARTS] [RUNS] [PERSONS...]
# Builds gongfu in release mode with the datafusion feature (≈ 20 min the
# first time) and gongfu-ballista in the test build of ci/build-sql.sh
# (dependencies and the gongfu-sql crates at opt-level 2) in
# $GONGFU_SQL_TARGET (default ~/.cache/gongfu/sql-target).
# GONGFU_BENCH_LIMIT sets the memory cap of the capped run (default 1G).
set -euo pipefail
cd "$(dirname "$0")/.."
parts="${1:-64}"
runs="${2:-3}"
shift 2 || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(16442500 65770000)
limit="${GONGFU_BENCH_LIMIT:-1G}"
measures="gini,median,arpr"
sql_target="${GONGFU_SQL_TARGET:-$HOME/.cache/gongfu/sql-target}"
cargo build --release -q -p gongfu --features datafusion
CARGO_TARGET_DIR="$sql_target" cargo build -q --manifest-path sql/Cargo.toml --workspace --bins
g="${CARGO_TARGET_DIR:-target}/release/gongfu"
b="$sql_target/debug/gongfu-ballista"
out="$(mktemp -d)"
source bench/cluster.sh
trap 'cleanup_cluster; rm -rf "$out"' EXIT
record() { # label, seconds, MB: one line per measurement, for the medians
  printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$out/times"
  printf '  %-44s %7.2f s  %8s MB peak\n' "$1" "$2" "$3" >&2
}
timed() { # label, command...: wall seconds and peak RSS of a one-shot command
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$out/time" "$@"
  read -r wall kb < "$out/time"
  record "$label" "$wall" "$((kb / 1024))"
}
for persons in "${sizes[@]}"; do
  data="${GONGFU_BENCH_DATA_PREFIX:-/tmp/gongfu-province}-$persons-$parts"
  if [ ! -d "$data" ]; then
    echo "writing the register ($persons persons, $parts files) to $data"
    "$g" synth --population --persons "$persons" --parts "$parts" --output "$data"
  fi
  echo "$persons persons, $parts files ($(du -sh "$data" | cut -f1)); $measures by county"
  : > "$out/times"
  for i in $(seq 1 "$runs"); do
    echo " run $i"
    common=(compute --input "$data" --income pc_income --by county --measures "$measures"
            --quiet --format csv)
    timed "direct" "$g" "${common[@]}" --output "$out/direct.csv"
    timed "datafusion, one node" "$g" "${common[@]}" \
      --engine datafusion --output "$out/ranges.csv"
    timed "datafusion, one node, --memory-limit $limit" "$g" "${common[@]}" \
      --engine datafusion --memory-limit "$limit" --output "$out/capped.csv"
    start_cluster "$b"
    timed "ballista client (2 executors)" "$b" ranges --scheduler "df://127.0.0.1:$sp" \
      --input "$data/" --income pc_income --by county --measures "$measures" \
      > "$out/ballista.csv"
    record "ballista scheduler" 0 "$(hwm "$sched")"
    for k in 0 1; do
      record "ballista executor $((k + 1))" 0 "$(hwm "${execs[$k]}")"
    done
    stop_cluster
  done
  python3 - "$out/times" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, wall, mb = line.rstrip("\n").split("\t")
    rows.setdefault(label, []).append((float(wall), int(mb)))
print("  medians:")
for label, v in rows.items():
    wall = statistics.median(w for w, _ in v)
    mb = statistics.median(m for _, m in v)
    print(f"  {label:44s} {wall:7.2f} s  {mb:8.0f} MB peak  ({len(v)} runs)")
PY
  python3 - "$out/direct.csv" "$out/ranges.csv" "$out/capped.csv" "$out/ballista.csv" <<'PY'
import csv, sys
read = lambda p: {(r["measure"], r["county"]): float(r["value"]) for r in csv.DictReader(open(p))}
a = read(sys.argv[1])
others = [read(sys.argv[2]), read(sys.argv[3]),
          {(r["measure"].split("(")[0], r["group"]): float(r["value"])
           for r in csv.DictReader(open(sys.argv[4]))}]
worst = []
for b in others:
    assert a.keys() == b.keys(), (len(a), len(b))
    worst.append(max(abs(b[k] - a[k]) / max(abs(a[k]), 1e-300) for k in a))
print(f"  {len(a)} values compared with the direct engine, worst relative difference: "
      f"one node {worst[0]:.1e}, capped {worst[1]:.1e}, Ballista {worst[2]:.1e}")
assert max(worst) <= 1e-12
PY
done
