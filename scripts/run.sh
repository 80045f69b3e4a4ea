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
    pnpm -r --if-present run build >&2
    ;;
  test)
    # Everything is built first: fixtures run the published builds (ESM and CJS), the demo test runs the demo.
    pnpm -r --if-present run build >/dev/null
    mkdir -p .tmp
    status=0
    pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest.json "$@" || status=$?
    # A plain closing line that any CI reads: "tests: N passed, N failed, N skipped".
    # A file that fails before its tests run (a failing beforeAll) counts as one failure.
    node -e '
      const r = require(process.argv[1]);
      const broken = r.testResults.filter((f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed")).length;
      console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests + broken} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
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
