#!/usr/bin/env bash
# Vendors the dashboard's chart library: installs the exact versions pinned in
# package.json / package-lock.json (npm ci) and copies ECharts' minified build,
# its licence and notice into crates/gongfu-dashboard/assets/vendor/, where
# the gongfu-dashboard crate embeds them. Run it after changing the pinned
# version, then commit the copied files: a fresh clone builds with the Rust
# toolchain alone. `cargo test -p gongfu-dashboard` checks that the vendored
# file's version equals the one pinned here.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="$here/../crates/gongfu-dashboard/assets/vendor"
cd "$here"
npm ci --no-audit --no-fund
mkdir -p "$dest"
cp node_modules/echarts/dist/echarts.min.js "$dest/echarts.min.js"
cp node_modules/echarts/LICENSE "$dest/echarts.LICENSE.txt"
cp node_modules/echarts/NOTICE "$dest/echarts.NOTICE.txt"
version="$(node -p "require('./node_modules/echarts/package.json').version")"
echo "vendored echarts $version into ${dest#"$here/../"}"
