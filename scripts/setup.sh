#!/usr/bin/env bash
# Sets up everything mathtune's TypeScript side needs on a fresh machine, idempotently:
# pnpm (pinned), the workspace's dependencies (from the lockfile), and the package builds.
# The Python environment for training is set up by `mathtune setup` (scripts/test.sh runs it).
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
# The packages' engines.node (every dependency they install supports it: apps/cli/test/packages.test.ts).
node_ok=$(node -p 'const [a, b] = process.versions.node.split(".").map(Number); (a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22' 2>/dev/null || echo false)
if [[ "$node_ok" != true ]]; then
  echo "mathtune needs Node.js 20.19+ or 22.12+ (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
if [[ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]]; then
  echo "==> installing pnpm $PNPM_VERSION" >&2
  npm install -g --no-fund --no-audit "pnpm@$PNPM_VERSION" >&2
fi
echo "==> installing dependencies" >&2
CI=true pnpm install --frozen-lockfile --reporter=append-only >&2
echo "==> building packages" >&2
pnpm turbo run build --output-logs=errors-only >&2
