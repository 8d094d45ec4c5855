#!/usr/bin/env bash
# The register as 64 Parquet files through three engines, same query, same
# machine, back to back: the direct engine (gongfu compute on the directory),
# DataFusion on one node (gongfu-ballista local) and Ballista with one
# scheduler and two executor processes on loopback. Gini and median of
# per-capita income by county; wall time and the peak resident memory of
# every process (GNU time for one-shot commands, VmHWM for the servers); the
# three results compared value by value.
#   bench/distributed.sh [PERSONS] [PARTS] [RUNS]
# Builds gongfu in release mode and gongfu-ballista in the profile
# $GONGFU_SQL_PROFILE (default release; `dev` reuses the test build of
# ci/build-sql.sh: dependencies at opt-level 2, debug assertions on) in
# $GONGFU_SQL_TARGET (default ~/.cache/gongfu/sql-target). DataFusion and
# Ballista take tens of minutes to build the first time.
set -euo pipefail
cd "$(dirname "$0")/.."
persons="${1:-65770000}"
parts="${2:-64}"
runs="${3:-3}"
data="${GONGFU_BENCH_DATA:-/tmp/gongfu-province-$persons-$parts}"
sql_target="${GONGFU_SQL_TARGET:-$HOME/.cache/gongfu/sql-target}"

profile="${GONGFU_SQL_PROFILE:-release}"
cargo build --release -q -p gongfu
if [ "$profile" = dev ]; then
  # exactly the test build (ci/build-sql.sh), which builds the binary too
  CARGO_TARGET_DIR="$sql_target" cargo test -q --manifest-path sql/Cargo.toml --workspace --no-run
else
  CARGO_TARGET_DIR="$sql_target" cargo build --profile "$profile" -q \
    --manifest-path sql/Cargo.toml --workspace --bins
fi
g="${CARGO_TARGET_DIR:-target}/release/gongfu"
b="$sql_target/$([ "$profile" = dev ] && echo debug || echo "$profile")/gongfu-ballista"
echo "gongfu-ballista: $profile profile"

if [ ! -d "$data" ]; then
  echo "writing the register ($persons persons, $parts files) to $data"
  "$g" synth --persons "$persons" --parts "$parts" --output "$data"
fi
out="$(mktemp -d)"
source bench/cluster.sh
trap 'cleanup_cluster; rm -rf "$out"' EXIT

sql="SELECT county, gini(pc_income, 1.0) AS gini, median(pc_income, 1.0) AS median
     FROM '$data/' GROUP BY county"
timed() { # label, command...: prints wall seconds and peak RSS
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$out/time" "$@"
  read -r wall kb < "$out/time"
  printf '  %-34s %7.2f s  %8.0f MB peak\n' "$label" "$wall" "$((kb / 1024))" >&2
}

for i in $(seq 1 "$runs"); do
  echo "run $i"
  timed "direct (gongfu compute)" "$g" compute --input "$data" --income pc_income \
    --measures gini,median --by county --quiet --format csv --output "$out/direct.csv"
  timed "DataFusion, one node" "$b" local --format csv "$sql" > "$out/local.csv"

  start_cluster "$b"
  timed "Ballista client (2 executors)" "$b" query --scheduler "df://127.0.0.1:$sp" \
    --format csv "$sql" > "$out/ballista.csv"
  printf '  %-34s %7s    %8s MB peak\n' "  scheduler" "" "$(hwm "$sched")"
  for k in 0 1; do
    printf '  %-34s %7s    %8s MB peak\n' "  executor $((k + 1))" "" "$(hwm "${execs[$k]}")"
  done
  stop_cluster
done

python3 - "$out/direct.csv" "$out/local.csv" "$out/ballista.csv" <<'PY'
import csv, sys
direct = {}
for r in csv.DictReader(open(sys.argv[1])):
    if r["county"]:
        direct[(r["measure"], r["county"])] = float(r["value"])
for path in sys.argv[2:]:
    worst, n = 0.0, 0
    for r in csv.DictReader(open(path)):
        for m in ("gini", "median"):
            d = direct[(m, r["county"])]
            worst = max(worst, abs(float(r[m]) - d) / abs(d))
            n += 1
    assert n == len(direct), (path, n, len(direct))
    print(f"{path.rsplit('/', 1)[-1]}: {n} values compared with the direct engine, "
          f"worst relative difference {worst:.1e}")
    assert worst <= 1e-12
PY
