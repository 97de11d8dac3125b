import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { MathRecord } from "@mathtune/core";
import { build } from "esbuild";

/**
 * Workers cannot load the TypeScript sources, so tests bundle src/worker.ts (with KaTeX) into a
 * temporary folder and hand its URL to the pool. The published package uses dist/worker.js.
 */
export async function buildTestWorker(): Promise<{ url: string; dir: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), "mathtune-latex-worker-"));
  const outfile = join(dir, "worker.mjs");
  await build({
    entryPoints: [new URL("../src/worker.ts", import.meta.url).pathname],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    logLevel: "silent",
  });
  return { url: pathToFileURL(outfile).href, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A worker script that starts, then dies on its first message. */
export function crashingWorker(dir: string): string {
  const file = join(dir, "crash.mjs");
  writeFileSync(
    file,
    `import { parentPort } from "node:worker_threads";\nparentPort.on("message", () => process.exit(3));\nparentPort.postMessage({ ready: true });\n`,
  );
  return pathToFileURL(file).href;
}

export function fixtureRecords(): MathRecord[] {
  const text = readFileSync(new URL("../../../test-fixtures/latex/records.jsonl", import.meta.url), "utf8");
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as MathRecord);
}

/** A worker script that fails while loading, as one with a missing dependency would. */
export function brokenWorker(dir: string): string {
  const file = join(dir, "broken.mjs");
  writeFileSync(file, `import "mathtune-no-such-module";\n`);
  return pathToFileURL(file).href;
}
