#!/usr/bin/env bash
# Builds the SQL functions' workspace (sql/: the DataFusion functions and
# gongfu-ballista, the same on a Ballista cluster) and its tests,
# so that crates/gongfu/tests/sql.rs can run them. DataFusion takes tens of
# minutes to compile on 2 cores, so the build goes to a target directory kept
# between runs on the same machine: $GONGFU_SQL_TARGET, by default
# ~/.cache/gongfu/sql-target (only what changed is rebuilt). Prints the
# directory it used.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${GONGFU_SQL_TARGET:-$HOME/.cache/gongfu/sql-target}"
mkdir -p "$TARGET"
echo "build-sql: building sql/ (DataFusion) in $TARGET" >&2
CARGO_TARGET_DIR="$TARGET" cargo test --manifest-path "$ROOT/sql/Cargo.toml" --workspace --no-run --quiet
echo "build-sql: ready" >&2
