#!/usr/bin/env bash
# The whole test suite: set up (idempotent), then run every test of every package, including
# the slow integration tests (Python training, packing and installing the packages).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup-tools.sh
bash scripts/setup-chromium.sh
echo "==> formatting (Biome; \`pnpm format\` fixes it)" >&2
pnpm exec biome format . >&2
echo "==> type-checking every package and its tests" >&2
pnpm turbo run typecheck --output-logs=errors-only >&2
echo "==> API docs of the public entries (an undocumented export or a broken link fails)" >&2
pnpm docs:api >&2
report=$(mktemp -d)/vitest.json
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
if [[ -f $report ]]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const skipped = r.numPendingTests + r.numTodoTests;
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  ' "$report"
fi
exit $status
