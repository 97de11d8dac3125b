#!/usr/bin/env bash
# The main job: set up (idempotent), then build the math dataset.
# With no arguments it builds the embedded default recipe into datasets/out/default.
# Any arguments go to `mathtune build` (a recipe file, --out DIR, --seed N, --json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node apps/cli/dist/cli.js build "$@"
