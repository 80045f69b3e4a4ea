#!/usr/bin/env bash
# Idempotent set-up for the demo, the tests and CI. Source it (it exports PATH) or run it.
#  - Node >= 22: when the machine's node is older, Node 24 is installed from the npm registry into a tools dir.
#  - pnpm at the version pinned in package.json's packageManager, installed the same way.
#  - System services from Debian: redis-server, redis-sentinel, prometheus (with promtool), prometheus-alertmanager (amtool).
#  - Workspace dependencies (pnpm install --frozen-lockfile).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${RR_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/redis-resilience/tools}"
say() { printf '\033[2m[setup]\033[0m %s\n' "$*" >&2; }

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

export PATH="$TOOLS/bin:$PATH"
if [ "$(node_major)" -lt 22 ]; then
  say "node $(node -v 2>/dev/null || echo missing) is older than 22: installing node@24 into $TOOLS"
  command -v npm >/dev/null || { echo "npm is required to install Node 24 (install Node.js >= 22 first)" >&2; exit 1; }
  npm install --global --prefix "$TOOLS" --no-audit --no-fund --loglevel=error node@24 >&2
  hash -r
fi

PNPM_VERSION="$(node -p 'require(process.argv[1]).packageManager.split("@")[1]' "$ROOT/package.json")"
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  say "installing pnpm@$PNPM_VERSION into $TOOLS"
  npm install --global --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "pnpm@$PNPM_VERSION" >&2
  hash -r
fi

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-sentinel >/dev/null || missing+=(redis-sentinel)
command -v promtool >/dev/null || missing+=(prometheus)
# amtool checks the generated Alertmanager config (grafana/alertmanager/alertmanager.yml).
command -v amtool >/dev/null || missing+=(prometheus-alertmanager)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    echo "Missing system packages: ${missing[*]}. Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    echo "(on macOS: brew install redis prometheus)" >&2
    exit 1
  fi
fi

cd "$ROOT"
if [ "${RR_SKIP_INSTALL:-}" != 1 ]; then
  say "pnpm install"
  pnpm install --frozen-lockfile --reporter=silent >&2
fi
