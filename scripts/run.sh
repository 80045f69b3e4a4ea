#!/usr/bin/env bash
# The README's commands: `npm run demo`, `npm test`, `npm run bench`, `npm run doctor`. Each sets up what it needs first.
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
    rm -f .tmp/vitest-*.json
    status=0
    run_vitest() { pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=".tmp/vitest-$1.json" "${@:2}"; }
    if [ "$#" -gt 0 ]; then
      run_vitest args "$@" || status=$?
    else
      # Most files spend their time waiting on servers (a Prometheus drill waits minutes for real `for:` durations),
      # so three run at once even on two cores. The files that bound a latency (a max, a p99) run afterwards, one
      # at a time, so that the suite's own load (dozens of servers being killed and restarted) does not skew them.
      timing_files=(recovery.test.ts cluster-failfast.test.ts doctor.test.ts)
      run_vitest suite --project '!demo' --maxWorkers 3 "${timing_files[@]/#/--exclude=**/}" || status=$?
      run_vitest timing --project '!demo' --maxWorkers 1 "${timing_files[@]/#//}" || status=$?
      # The outage drill measures latency percentiles end to end: it runs alone, last.
      run_vitest demo --project demo || status=$?
    fi
    # A plain closing line that any CI reads: "tests: N passed, N failed, N skipped".
    # A file that fails before its tests run (a failing beforeAll) counts as one failure.
    node -e '
      let passed = 0, failed = 0, skipped = 0;
      for (const file of process.argv.slice(1)) {
        const r = require(file);
        const broken = r.testResults.filter((f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed")).length;
        passed += r.numPassedTests;
        failed += r.numFailedTests + broken;
        skipped += r.numPendingTests + r.numTodoTests;
      }
      console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
    ' "$ROOT"/.tmp/vitest-*.json || true
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
  doctor)
    # The published bin, run from this checkout: build the core and the CLI when a source is newer than the build.
    stale() { [ ! -e "$1" ] || [ -n "$(find "${@:2}" -newer "$1" -print -quit)" ]; }
    if stale packages/core/dist/index.js packages/core/src packages/core/package.json packages/core/tsup.config.ts ||
      stale packages/cli/dist/cli.js packages/cli/src packages/cli/package.json packages/cli/tsup.config.ts; then
      say "building @redis-resilience/core and @redis-resilience/cli"
      if ! log="$(pnpm --filter @redis-resilience/core --filter @redis-resilience/cli run build 2>&1)"; then
        printf '%s\n' "$log" >&2
        exit 1
      fi
    fi
    exec node packages/cli/dist/cli.js doctor "$@"
    ;;
  *)
    echo "usage: scripts/run.sh build|test|demo|bench|doctor" >&2
    exit 2
    ;;
esac
