#!/usr/bin/env bash
# The unit and contract suites again on the current Node LTS (24), beside the machine's Node 20.
# The Node 24 binary comes from the registry's `node` package, installed into a project-local folder
# (.tools/node24, git-ignored) and put first on PATH for this step only; the machine's node is never
# replaced. Turbo's cache is bypassed (--force): a cache hit would replay the Node 20 results.
# Packages with native addons built for Node 20 (examples/sqlite-records) and the pack-and-install
# check are left out: they test the build, not the code's behaviour on another runtime.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
major=${SANCTUM_NODE_LINE:-24}
dir=".tools/node${major}"
if [ ! -x "$dir/node_modules/.bin/node" ]; then
  echo "[node${major}] installing node@${major} into ${dir}"
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund "node@${major}" >/dev/null
fi
export PATH="$root/$dir/node_modules/.bin:$PATH"
echo "[node${major}] running unit and contract suites on $(node --version)"
SANCTUM_TEST_RESULTS_SUFFIX=".node${major}" pnpm exec turbo run test test:contracts --force \
  --filter='./packages/*' --filter='./apps/*' --concurrency=2 --continue --output-logs=errors-only
