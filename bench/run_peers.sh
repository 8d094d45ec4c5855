#!/usr/bin/env bash
# The headline benchmark with the peers side by side, when they are installed.
#   bench/run_peers.sh [N] [REPS]
# Runs gongfu's headline example (sort baseline, 1 thread and all threads) on N
# log-normal incomes with random weights, then R laeken's gini/arpr/qsr on the
# same data if Rscript and laeken are installed
# (Debian: apt-get install r-base-core r-cran-laeken).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000000}"
reps="${2:-5}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
cargo build --release -q -p gongfu-measures --example headline
./target/release/examples/headline "$n" "$reps" "$dir"
if command -v Rscript >/dev/null && Rscript -e 'library(laeken)' >/dev/null 2>&1; then
  Rscript bench/laeken.R "$dir" 3
else
  echo "R laeken not installed: skipped (apt-get install r-base-core r-cran-laeken)"
fi
