#!/usr/bin/env bash
# CI: Debian's Chromium and ChromeDriver for the browser tests (the HTML report, the
# sandbox dashboard), installed where missing. No browser is downloaded by a test tool.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
chromium --version
