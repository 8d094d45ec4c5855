#!/usr/bin/env bash
# gongfu monitor on the demo province: median wall time and peak memory of
# five runs, from the embedded demo and from its written files.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p gongfu
bin=target/release/gongfu
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bin" monitor --write-demo "$dir/demo" > /dev/null
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for mode in demo config; do
  : > "$dir/times"
  for _ in 1 2 3 4 5; do
    if [ "$mode" = demo ]; then
      /usr/bin/time -f "%e %M" -o "$dir/t" "$bin" monitor > /dev/null
    else
      /usr/bin/time -f "%e %M" -o "$dir/t" "$bin" monitor --config "$dir/demo/monitor.toml" > /dev/null
    fi
    cat "$dir/t" >> "$dir/times"
  done
  echo "$mode: median $(cut -d' ' -f1 "$dir/times" | median) s, peak $(cut -d' ' -f2 "$dir/times" | median) KB"
done
