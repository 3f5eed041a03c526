#!/usr/bin/env bash
# The whole test suite: real services up (reused when running), every turbo test task, services down
# (only those this run started), the unit and contract suites again on Node 24, then one closing
# "N passed, N failed" line over all packages and both Node lines.
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
# The unit and contract suites once more on Node 24 (the current LTS); see the script's header.
node24_started=$(date +%s)
bash tooling/scripts/test-node24.sh || rc=$((rc == 0 ? 1 : rc))
echo "test-all: Node 24 step took $(( $(date +%s) - node24_started ))s"
node tooling/scripts/test-summary.mjs
echo "test-all: finished in $(( $(date +%s) - started ))s with exit code $rc"
exit $rc
