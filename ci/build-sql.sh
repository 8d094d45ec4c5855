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
built="$(mktemp)"
trap 'rm -f "$built"' EXIT
CARGO_TARGET_DIR="$TARGET" cargo test --manifest-path "$ROOT/sql/Cargo.toml" --workspace --no-run \
  --quiet --message-format=json-render-diagnostics > "$built"
# Test executables (hundreds of MB each) carry a hash of the checkout's path
# and sources in their names, so every checkout and change leaves a new set
# behind in the kept directory: keep this build's, remove the older ones of
# the same names.
python3 - "$built" "$TARGET/debug/deps" <<'PY'
import json, os, re, sys
# this build's executables, by inode: a binary's is the uplifted hard link
# (debug/name) of its file in deps/
current, stems = set(), set()
for line in open(sys.argv[1]):
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("executable"):
        st = os.stat(m["executable"])
        current.add((st.st_dev, st.st_ino))
        stems.add(m["target"]["name"].replace("-", "_"))
freed = 0
deps = sys.argv[2]
for name in os.listdir(deps):
    path = os.path.join(deps, name)
    m = re.fullmatch(r"(.+)-[0-9a-f]{16}", name)
    if not (m and m.group(1) in stems and os.path.isfile(path) and os.access(path, os.X_OK)):
        continue
    st = os.stat(path)
    if (st.st_dev, st.st_ino) not in current:
        freed += os.path.getsize(path)
        os.remove(path)
        d = path + ".d"
        if os.path.exists(d):
            os.remove(d)
print(f"build-sql: {len(current)} executables built; {freed / 1e9:.1f} GB of older ones removed",
      file=sys.stderr)
PY
echo "build-sql: ready" >&2
