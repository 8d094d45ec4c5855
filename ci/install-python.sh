#!/usr/bin/env bash
# Creates the Python test environment .venv-ci at the repository root (pinned
# maturin, numpy, pandas, polars, pyarrow, pytest, hypothesis:
# python/requirements-ci.txt), builds the extension in release mode with
# maturin and installs the `gongfu` package into it. Idempotent: rerunning it
# rebuilds only what changed and reinstalls the package.
#
# Needs the Rust toolchain and Python 3 (>= 3.10) with venv and pip; on Debian
# the python3-venv package is installed when venv is missing. The extension is
# built in $CARGO_TARGET_DIR (default: python/target).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-ci"
PY="${PYTHON:-python3}"

if ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        echo "install-python: installing python3-venv" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    else
        echo "install-python: $PY has no venv/ensurepip module; install it first" >&2
        exit 1
    fi
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "install-python: creating $VENV" >&2
    "$PY" -m venv "$VENV"
fi

"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir \
    -r "$ROOT/python/requirements-ci.txt"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/python/target}"
# a wheel for this machine only (no manylinux repair needed)
COMPAT=()
if [ "$(uname -s)" = Linux ]; then COMPAT=(--compatibility linux); fi
WHEELS="$(mktemp -d)"
trap 'rm -rf "$WHEELS"' EXIT
echo "install-python: building the extension (release) in $CARGO_TARGET_DIR" >&2
(cd "$ROOT/python" && VIRTUAL_ENV="$VENV" "$VENV/bin/maturin" build --release \
    --interpreter "$VENV/bin/python" "${COMPAT[@]}" --out "$WHEELS" --quiet)
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir \
    --no-deps --force-reinstall "$WHEELS"/gongfu-*.whl
"$VENV/bin/python" -c 'import gongfu; print("install-python: gongfu", gongfu.__version__, "installed in .venv-ci")'
