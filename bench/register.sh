#!/usr/bin/env bash
# gongfu compute at register scale: the synthetic province (65.77 million
# persons, Parquet), the headline set overall and by county, next to merely
# reading the same columns (the lower bound). Wall time and peak memory
# (GNU time's maximum resident set size).
#   bench/register.sh [PERSONS] [FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
persons="${1:-65770000}"
file="${2:-/tmp/gongfu-province-$persons.parquet}"
H='mean,median,deciles,gini,ge(0),ge(1),ge(2),atkinson(1),palma,qsr,arpr,rmpg,fgt(0),fgt(1),fgt(2),middle_share,prosperity_gap(25000)'
cargo build --release -q -p gongfu -p gongfu-io --bins --examples
g=./target/release/gongfu
time_cmd() { /usr/bin/time -f "  %e s wall, %M KB peak" "$@"; }
if [ ! -f "$file" ]; then
  echo "writing the register ($persons persons) to $file"
  time_cmd $g synth --persons "$persons" --output "$file"
fi
for i in 1 2 3; do
  echo "read pc_income + county (lower bound), run $i"
  time_cmd ./target/release/examples/read_columns "$file" pc_income county:key
  echo "compute headline set, overall, run $i"
  time_cmd $g compute --input "$file" --income pc_income --measures "$H" --nonpositive exclude --quiet --format csv >/dev/null
  echo "compute headline set --by county, run $i"
  time_cmd $g compute --input "$file" --income pc_income --measures "$H" --nonpositive exclude --by county --quiet --format csv >/dev/null
done
