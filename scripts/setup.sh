#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian machine with Node 20:
# npm packages (from package-lock.json), then Chromium, Node 24 and code-server for the editor tests.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
bash scripts/e2e/setupTools.sh
