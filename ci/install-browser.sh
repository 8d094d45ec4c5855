#!/usr/bin/env bash
# Installs what the dashboard's browser test needs (crates/gongfu/tests/browser.rs,
# web/tests/dashboard.mjs): Chromium, node and npm from Debian's packages,
# CJK fonts for the Chinese labels of the screenshots, and web/'s locked npm
# packages (npm ci). Idempotent: installs only what is missing. Run as root on
# Debian (bookworm or later); Playwright's own browser download is not used —
# the test drives the system Chromium ($CHROMIUM, default /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || [ -x "${CHROMIUM:-/usr/bin/chromium}" ] || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)

if [ "${#need[@]}" -gt 0 ]; then
    echo "install-browser: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    apt-get clean  # the downloaded .deb files: disk the tests need
fi

echo "install-browser: $(chromium --version 2>/dev/null || echo "chromium at ${CHROMIUM:-/usr/bin/chromium}"), node $(node --version), npm $(npm --version)"

# The exact versions of web/package-lock.json (playwright-core, echarts).
if [ ! -d web/node_modules/playwright-core ] || ! cmp -s web/package-lock.json web/node_modules/.package-lock.json.src 2>/dev/null; then
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
    cp web/package-lock.json web/node_modules/.package-lock.json.src
fi
echo "install-browser: web/node_modules ready"
