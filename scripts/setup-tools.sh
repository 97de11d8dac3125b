#!/usr/bin/env bash
# Builds the tools `mathtune deploy` and its tests use into ~/.cache/mathtune ($MATHTUNE_CACHE),
# idempotently (a second run returns at once): llama.cpp's llama-quantize from node-llama-cpp's
# bundled source (cmake; about 5 minutes on 2 cores) and Ollama v0.6.5 built with
# `go install` for this CPU's x86-64 level (about 10 CPU-minutes). Needs git, cmake, a C/C++
# compiler and Go 1.24+. Run after scripts/setup.sh (it uses the built @mathtune/deploy).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
node --input-type=module -e '
  import { ensureLlamaCpp, ensureOllama } from "./packages/deploy/dist/index.js";
  let last = 0;
  const onEvent = (e) => {
    if (e.type === "build") {
      if (Date.now() - last < 15000) return;
      last = Date.now();
      process.stderr.write(`    ${e.tool}: ${e.percent !== undefined ? e.percent + "% " : ""}${e.line.slice(0, 120)}\n`);
    } else process.stderr.write(`==> ${e.tool}: ${e.message}\n`);
  };
  const t0 = Date.now();
  const l = await ensureLlamaCpp({ onEvent });
  const t1 = Date.now();
  const o = await ensureOllama({ onEvent });
  const t2 = Date.now();
  process.stderr.write(`==> llama-quantize: ${l.quantize} (${((t1 - t0) / 1000).toFixed(0)} s)\n==> ollama: ${o.path} (${((t2 - t1) / 1000).toFixed(0)} s)\n`);
'
echo "==> deploy tools ready in $((SECONDS - start)) s" >&2
