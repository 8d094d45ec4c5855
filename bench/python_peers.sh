#!/usr/bin/env bash
# gongfu from Python next to the Python peers (svy, ineqpy, microdf) on the
# same data in one run: bench/python_peers.sh [N] [REPS] [extra args of
# python_peers.py, e.g. --json out.json]. Creates .venv-bench at the
# repository root (pinned peers; reused when present), builds the extension
# in release mode into it, and runs bench/python_peers.py.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-bench"
PY="${PYTHON:-python3}"
N="${1:-10000000}"
REPS="${2:-3}"
shift $(( $# > 2 ? 2 : $# ))

if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    maturin==1.16.0 numpy==2.4.6 pandas==3.1.1 polars==2.1.0 \
    svy==0.35.0 ineqpy==0.4.1 microdf-python==1.5.12

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/python/target}"
COMPAT=()
if [ "$(uname -s)" = Linux ]; then COMPAT=(--compatibility linux); fi
WHEELS="$(mktemp -d)"
trap 'rm -rf "$WHEELS"' EXIT
(cd "$ROOT/python" && VIRTUAL_ENV="$VENV" "$VENV/bin/maturin" build --release \
    --interpreter "$VENV/bin/python" "${COMPAT[@]}" --out "$WHEELS" --quiet)
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --no-deps --force-reinstall "$WHEELS"/gongfu-*.whl

cd "$ROOT"
exec "$VENV/bin/python" bench/python_peers.py --n "$N" --reps "$REPS" "$@"
