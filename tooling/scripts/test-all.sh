#!/usr/bin/env bash
# The whole test suite: real services up (reused when running), every turbo test task, services down
# (only those this run started), then one closing "N passed, N failed" line over all packages.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
find packages apps tooling examples -path '*/node_modules' -prune -o -type d -name test-results -print 2>/dev/null | xargs rm -rf
started=$(date +%s)
bash tooling/services/bin/services.sh with -- \
  pnpm exec turbo run lint typecheck test test:contracts test:integration --concurrency=2 --continue --output-logs=new-only "$@"
rc=$?
# The fault tests (private servers stalled and killed, calls timed to ±100 ms) run last, alone.
pnpm exec turbo run test:faults --concurrency=1 --continue --output-logs=new-only "$@" || rc=1
node tooling/scripts/test-summary.mjs
echo "test-all: finished in $(( $(date +%s) - started ))s with exit code $rc"
exit $rc
