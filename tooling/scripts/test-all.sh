#!/usr/bin/env bash
# The whole test suite: real services up (reused when running), every turbo test task, then the
# timing-sensitive tests alone (`test:faults`: private servers stalled and killed, the two-process
# cache latency), the chaos suite alone (`test:chaos`, tooling/chaos), services down (only those this
# run started), the unit and contract suites again on Node 24, then one closing "N passed, N failed"
# line over all packages and both Node lines.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
find packages apps tooling examples -path '*/node_modules' -prune -o -type d -name test-results -print 2>/dev/null | xargs rm -rf
started=$(date +%s)
# shellcheck disable=SC2016 # expanded by the inner shell
bash tooling/services/bin/services.sh with -- bash -c '
  pnpm exec turbo run lint typecheck test test:contracts test:integration --concurrency=2 --continue --output-logs=new-only "$@"
  rc=$?
  faults_started=$(date +%s)
  # Calls timed to ±100 ms and a p99 of 50 ms: these run last, one at a time, with nothing beside them.
  pnpm exec turbo run test:faults --concurrency=1 --continue --output-logs=new-only "$@" || rc=1
  echo "test-all: timing-sensitive step took $(( $(date +%s) - faults_started ))s"
  chaos_started=$(date +%s)
  # The chaos suite (short profile unless CHAOS_PROFILE says otherwise): private servers stalled and
  # killed, the shared S3 and Kafka behind a fault proxy, calls timed against their deadlines. Alone too.
  pnpm exec turbo run test:chaos --concurrency=1 --continue --output-logs=new-only "$@" || rc=1
  echo "test-all: chaos step took $(( $(date +%s) - chaos_started ))s"
  exit $rc
' test-all "$@"
rc=$?
# The unit and contract suites once more on Node 24 (the current LTS); see the script's header.
node24_started=$(date +%s)
bash tooling/scripts/test-node24.sh || rc=$((rc == 0 ? 1 : rc))
echo "test-all: Node 24 step took $(( $(date +%s) - node24_started ))s"
node tooling/scripts/test-summary.mjs
echo "test-all: finished in $(( $(date +%s) - started ))s with exit code $rc"
exit $rc
