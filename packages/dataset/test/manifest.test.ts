import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildEvent, type BuildResult, type Manifest, buildDataset, buildDatasetIter } from "@mathtune/dataset";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageVersions } from "../src/manifest.js";

const packagesDir = fileURLToPath(new URL("../../", import.meta.url));
const fx = (p: string) => fileURLToPath(new URL(`../../../test-fixtures/${p}`, import.meta.url));

/** The mathtune packages whose code shapes a build's bytes: the build and everything it runs. */
const SHAPING = ["answer", "core", "dataset", "format", "hub", "latex", "loaders", "report", "split", "synth"];

const pkgJson = (dir: string) =>
  JSON.parse(readFileSync(join(packagesDir, dir, "package.json"), "utf8")) as { name: string; version: string };

/** The @mathtune packages that a package's sources import (statically or dynamically), by folder name. */
function importsOf(dir: string): Set<string> {
  const found = new Set<string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith(".ts")) {
        for (const m of readFileSync(join(d, e.name), "utf8").matchAll(/(?:from|import\()\s*"@mathtune\/([a-z0-9-]+)/g))
          found.add(m[1]!);
      }
    }
  };
  walk(join(packagesDir, dir, "src"));
  found.delete(dir);
  return found;
}

describe("the manifest's package versions", () => {
  it("list every mathtune package the build runs, each with the version in its package.json, sorted by name", () => {
    const expected = Object.fromEntries(SHAPING.map((d) => [pkgJson(d).name, pkgJson(d).version]));
    const versions = packageVersions();
    expect(versions).toEqual(expected);
    expect(Object.keys(versions)).toEqual(Object.keys(expected).sort());
  });

  it("leave out no package that the build's code imports, directly or through another", () => {
    const reached = new Set<string>();
    const visit = (dir: string) => {
      if (reached.has(dir)) return;
      reached.add(dir);
      for (const d of importsOf(dir)) visit(d);
    };
    visit("dataset");
    // Every package the sources reach is listed (train is only a test dependency: not in src).
    expect([...reached].sort()).toEqual(SHAPING);
  });
});

describe("a build's manifest and result", () => {
  let tmp = "";
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "mt-manifest-"));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });
  const recipe = {
    name: "manifest",
    seed: 5,
    sources: [
      { adapter: "synthetic", options: { count: 40, seed: 1 } },
      { adapter: "gsm8k", options: { path: fx("gsm8k/train.jsonl") } },
    ],
  };

  it("buildDatasetIter returns the result that its done event carries and buildDataset() resolves with", async () => {
    const it = buildDatasetIter({ recipe, out: join(tmp, "a"), readInWorker: false });
    const events: BuildEvent[] = [];
    let returned: BuildResult | undefined;
    for (;;) {
      const n = await it.next();
      if (n.done) {
        returned = n.value;
        break;
      }
      events.push(n.value);
    }
    const done = events.at(-1);
    expect(done?.type).toBe("done");
    expect(returned).toBe(done?.type === "done" ? done.result : undefined);
    expect(returned!.counts.written).toBeGreaterThan(40);
    const again = await buildDataset({ recipe, out: join(tmp, "b"), readInWorker: false });
    expect({ ...again, out: "", elapsedMs: 0 }).toEqual({ ...returned!, out: "", elapsedMs: 0 });
  });

  it("manifest.json is the result's manifest, with the fields of Manifest", async () => {
    const r = await buildDataset({ recipe, out: join(tmp, "c"), readInWorker: false });
    const written = JSON.parse(await readFile(join(tmp, "c", "manifest.json"), "utf8")) as Manifest;
    expect(written).toEqual(JSON.parse(JSON.stringify(r.manifest)));
    const keys: (keyof Manifest)[] = ["counts", "inputs", "mathtune", "outputs", "recipe", "seed", "stages", "strata"];
    expect(Object.keys(written).sort()).toEqual(keys);
    expect(written.mathtune).toEqual({ manifestVersion: 1, packages: packageVersions(), node: process.version });
    expect(written.recipe).toMatchObject({ name: "manifest", file: null });
    expect(written.seed).toBe(5);
    expect(written.inputs.map((i) => [i.source, i.adapter, i.path ?? null, i.files ?? null])).toEqual([
      ["synthetic", "synthetic", null, null],
      ["gsm8k", "gsm8k", fx("gsm8k/train.jsonl"), 1],
    ]);
    expect(written.inputs[1]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(written.outputs.map((o) => o.file)).toEqual([
      "train.jsonl",
      "validation.jsonl",
      "test.jsonl",
      "quarantine.jsonl",
    ]);
  });
});
