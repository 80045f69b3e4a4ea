#!/usr/bin/env bash
# The README's commands: `npm run demo`, `npm test`, `npm run bench`. Each sets up what it needs first.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=setup.sh
source "$ROOT/scripts/setup.sh"
cd "$ROOT"

task="${1:-test}"
shift || true
case "$task" in
  build)
    pnpm -r --filter './packages/**' run build >&2
    ;;
  test)
    pnpm -r --filter './packages/**' run build >/dev/null
    mkdir -p .tmp
    status=0
    pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest.json "$@" || status=$?
    # A plain closing line that any CI reads: "tests: N passed, N failed, N skipped".
    node -e '
      const r = require(process.argv[1]);
      console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
    ' "$ROOT/.tmp/vitest.json" || true
    exit "$status"
    ;;
  demo)
    pnpm -r --filter './packages/**' run build >/dev/null
    exec pnpm run --silent demo:run "$@"
    ;;
  bench)
    pnpm -r --filter './packages/**' run build >/dev/null
    exec pnpm run --silent bench:run "$@"
    ;;
  *)
    echo "usage: scripts/run.sh build|test|demo|bench" >&2
    exit 2
    ;;
esac
