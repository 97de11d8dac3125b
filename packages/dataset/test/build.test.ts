import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDataset, buildDatasetIter, loadRecipe, parseRecipe } from "@mathtune/dataset";
import { MathtuneError, reject, sha256, type Stage } from "@mathtune/core";
import { beforeAll, describe, expect, it } from "vitest";

// A stage of one's own raises its own code: declared like a package declares its codes.
declare module "@mathtune/core" {
  interface MathtuneErrorCodes {
    E_TEST_STAGE: true;
  }
}

const fx = (p: string) => fileURLToPath(new URL(`../../../test-fixtures/${p}`, import.meta.url));

const recipe = {
  name: "fixtures",
  seed: 7,
  sources: [
    { adapter: "gsm8k", options: { path: fx("gsm8k") } },
    { adapter: "gsm8k", name: "gsm8k-bad", options: { path: fx("gsm8k-bad/bad.jsonl") }, allowEmpty: true },
    { adapter: "math", options: { path: fx("MATH") } },
    { adapter: "math", name: "math-bad", options: { path: fx("MATH-bad") }, allowEmpty: true },
    { adapter: "mathematics", options: { path: fx("mathematics/v1.0") } },
  ],
  split: { train: 0.6, validation: 0.2, test: 0.2, by: ["source"] },
};

let tmp = "";
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "mt-build-"));
});

async function readOut(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await readdir(dir)).sort()) out[f] = await readFile(join(dir, f), "utf8");
  return out;
}

const lines = (text: string) =>
  text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("build", () => {
  it("writes splits, quarantine, manifest and card; records in = out + quarantined", async () => {
    const out = join(tmp, "a");
    const result = await buildDataset({ recipe, out });
    const files = await readOut(out);
    expect(Object.keys(files)).toEqual([
      "README.md",
      "manifest.json",
      "quarantine.jsonl",
      "report.html",
      "test.jsonl",
      "train.jsonl",
      "validation.jsonl",
    ]);
    const c = result.counts;
    // gsm8k 7 + bad 6 lines, MATH 7, MATH-bad 4, mathematics 10
    expect(c.read).toBe(7 + 6 + 7 + 4 + 10);
    expect(c.read).toBe(c.written + c.quarantined);
    const q = lines(files["quarantine.jsonl"]!);
    expect(q).toHaveLength(c.quarantined);
    expect(q.map((e) => [e.source, e.code])).toEqual([
      ["gsm8k-bad", "E_PARSE"],
      ["gsm8k-bad", "E_FIELD_MISSING"],
      ["gsm8k-bad", "E_NO_ANSWER"],
      ["gsm8k-bad", "E_ENCODING"],
      ["gsm8k-bad", "E_INPUT_TRUNCATED"],
      // the one good line of bad.jsonl is also in gsm8k/train.jsonl: same content, same id
      ["gsm8k-bad", "E_DUPLICATE_ID"],
      // load rejections as they are read, then what the checks reject from the batch
      ["math-bad", "E_PARSE"],
      ["math-bad", "E_FIELD_MISSING"],
      ["math-bad", "E_NO_ANSWER"],
      // MATH-bad/train/algebra/1.json has the id of MATH/train/algebra/1.json
      ["math-bad", "E_DUPLICATE_ID"],
    ]);
    expect(String(q[0]!.location)).toMatch(/gsm8k-bad\/bad\.jsonl:2$/);
    expect(String(q[8]!.location)).toMatch(/MATH-bad\/train\/algebra\/3\.json$/);
    expect(q[8]!.stage).toBe("answer");
    const all = ["train", "validation", "test"].flatMap((s) => lines(files[`${s}.jsonl`]!));
    expect(all).toHaveLength(c.written);
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    const manifest = JSON.parse(files["manifest.json"]!) as {
      outputs: { file: string; sha256: string }[];
      seed: number;
      inputs: { sha256: string }[];
    };
    expect(manifest.seed).toBe(7);
    for (const o of manifest.outputs) expect(o.sha256).toBe(sha256(files[o.file]!));
    expect(manifest.inputs.every((i) => /^[0-9a-f]{64}$/.test(i.sha256))).toBe(true);
    expect(files["README.md"]).toContain("| gsm8k-bad | gsm8k | 6 | 0 | 6 |");
    expect(files["README.md"]).toMatch(/\| math \| geometry \| \d+ \| \d+ \| \d+ \| 2 \|/);
    expect(files["README.md"]).toMatch(/\| mathematics \| easy \| \d+ \| \d+ \| \d+ \| 5 \|/);
  });

  it("is byte-identical for the same inputs and seed, and splits differently with another seed", async () => {
    await buildDataset({ recipe, out: join(tmp, "b1") });
    await buildDataset({ recipe, out: join(tmp, "b2") });
    const r3 = await buildDataset({ recipe, out: join(tmp, "b3"), seed: 8 });
    const [b1, b2, b3] = await Promise.all([
      readOut(join(tmp, "b1")),
      readOut(join(tmp, "b2")),
      readOut(join(tmp, "b3")),
    ]);
    expect(b2).toEqual(b1);
    expect(b3["train.jsonl"]).not.toEqual(b1["train.jsonl"]);
    expect(r3.counts.written).toBe(
      lines(b1["train.jsonl"]!).length + lines(b1["validation.jsonl"]!).length + lines(b1["test.jsonl"]!).length,
    );
  });

  it("stratifies: each stratum's split sizes are within one record of the fractions", async () => {
    const r = await buildDataset({
      recipe: { ...recipe, split: { train: 0.5, validation: 0.25, test: 0.25, by: ["source", "category"] } },
      out: join(tmp, "c"),
    });
    const strata = (r.manifest.strata ?? {}) as Record<string, { train: number; validation: number; test: number }>;
    expect(Object.keys(strata).length).toBeGreaterThan(4);
    for (const s of Object.values(strata)) {
      const n = s.train + s.validation + s.test;
      expect(Math.abs(s.train - n * 0.5)).toBeLessThanOrEqual(1);
      expect(Math.abs(s.validation - n * 0.25)).toBeLessThanOrEqual(1);
      expect(Math.abs(s.test - n * 0.25)).toBeLessThanOrEqual(1);
    }
  });

  it("keeps a source's own test split when asked", async () => {
    const out = join(tmp, "d");
    await buildDataset({ recipe: { ...recipe, split: { ...recipe.split, respectSourceSplit: true } }, out });
    const test = lines(await readFile(join(out, "test.jsonl"), "utf8"));
    const train = lines(await readFile(join(out, "train.jsonl"), "utf8"));
    expect(test.map((r) => r.id)).toContain("math/test/algebra/3");
    expect(train.every((r) => r.split !== "test")).toBe(true);
  });

  it("reports every recipe problem as path: message", () => {
    let err: unknown;
    try {
      parseRecipe({
        name: "x y",
        sources: [{ adapter: "", options: {}, extra: 1 }],
        split: { train: 0.5, validation: 0.1, test: 0.1 },
        output: { files: ["xml"] },
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MathtuneError);
    const problems = (err as MathtuneError).details?.problems as string[];
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/name: /),
        expect.stringMatching(/^\/sources\/0: unknown property 'extra'/),
        expect.stringMatching(/^\/sources\/0\/adapter: /),
        expect.stringMatching(/^\/output\/files\/0: /),
      ]),
    );
    expect(() =>
      parseRecipe({ sources: [{ adapter: "gsm8k", options: {} }], split: { train: 0.5, validation: 0.1, test: 0.1 } }),
    ).toThrow(/train \+ validation \+ test must be 1/);
  });

  it("reads YAML and JSON recipes, relative paths from the recipe's folder, and names the line of a syntax error", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mt-recipe-"));
    await writeFile(
      join(dir, "r.yaml"),
      `name: y\nsources:\n  - adapter: mathematics\n    options:\n      path: ${JSON.stringify(fx("mathematics/v1.0"))}\n`,
    );
    const { recipe: r, baseDir } = await loadRecipe(join(dir, "r.yaml"));
    expect(r.seed).toBe(42);
    expect(baseDir).toBe(dir);
    await writeFile(join(dir, "bad.yaml"), "name: y\nsources:\n  - adapter: [unclosed\n");
    await expect(loadRecipe(join(dir, "bad.yaml"))).rejects.toThrow(/bad\.yaml:\d+: recipe is not valid YAML/);
    await writeFile(join(dir, "bad.json"), '{\n  "name": "y",\n  "sources": [,]\n}');
    await expect(loadRecipe(join(dir, "bad.json"))).rejects.toThrow(/bad\.json:3: recipe is not valid JSON/);
    await expect(loadRecipe(join(dir, "nope.yaml"))).rejects.toMatchObject({ code: "E_INPUT_NOT_FOUND" });
  });

  it("checks every source's options before reading anything", async () => {
    const out = join(tmp, "e");
    await expect(
      buildDataset({
        recipe: { ...recipe, sources: [...recipe.sources, { adapter: "math", name: "m2", options: { path: 3 } }] },
        out,
      }),
    ).rejects.toThrow(/\/sources\/5\/options\/path: must be string/);
    await expect(
      buildDataset({ recipe: { ...recipe, sources: [{ adapter: "no-such-adapter", options: {} }] }, out }),
    ).rejects.toMatchObject({ code: "E_ADAPTER_NOT_FOUND" });
    expect(existsSync(out)).toBe(false);
  });

  it("leaves no output and no staging folder when canceled, and keeps the previous output", async () => {
    const out = join(tmp, "f");
    await buildDataset({ recipe, out });
    const before = await readOut(out);
    const ac = new AbortController();
    let events = 0;
    const err = await (async () => {
      for await (const ev of buildDatasetIter({ recipe, out, signal: ac.signal, seed: 99, batchSize: 1 })) {
        events++;
        if (ev.type === "source-start" && ev.index === 2) ac.abort();
      }
    })().catch((e: unknown) => e);
    expect((err as MathtuneError).code).toBe("E_CANCELED");
    expect(events).toBeGreaterThan(2);
    expect(await readOut(out)).toEqual(before);
    expect((await readdir(tmp)).filter((f) => f.includes(".partial-") || f.includes(".old-"))).toEqual([]);
  });

  it("runs extra stages in order and quarantines what they reject", async () => {
    const seen: string[] = [];
    const stage: Stage = {
      name: "no-geometry",
      process: (batch) =>
        batch.map((r) => {
          seen.push(r.id);
          return r.category === "geometry" ? reject("E_TEST_STAGE", "no geometry today", { id: r.id }) : r;
        }),
      summary: () => ({ looked: seen.length }),
    };
    const r = await buildDataset({ recipe, out: join(tmp, "g"), stages: [stage] });
    expect(r.counts.quarantineByCode.E_TEST_STAGE).toBe(2);
    expect((r.manifest.stages as Record<string, { looked: number }>)["no-geometry"]!.looked).toBe(seen.length);
    expect(r.counts.read).toBe(r.counts.written + r.counts.quarantined);
  });
});

describe("reading sources in a worker thread", () => {
  // The worker runs the built script (scripts/test.sh builds first), as the published package does.
  const workerUrl = new URL("../dist/load-worker.js", import.meta.url);
  beforeAll(() => {
    if (!existsSync(workerUrl))
      throw new Error(`${fileURLToPath(workerUrl)} is missing: run 'pnpm build' first (scripts/test.sh does)`);
  });
  const both = {
    ...recipe,
    sources: [
      ...recipe.sources,
      { adapter: "gsm8k", name: "gsm8k-first3", limit: 3, options: { path: fx("gsm8k"), split: "test" } },
    ],
    checks: { dedup: true, latex: true },
  };

  it("writes the same bytes as reading in this thread, quarantine order included", async () => {
    const a = await buildDataset({ recipe: both, out: join(tmp, "w-inline"), readInWorker: false });
    const b = await buildDataset({
      recipe: both,
      out: join(tmp, "w-worker"),
      readInWorker: true,
      loadWorkerUrl: workerUrl,
      batchSize: 2,
    });
    const c = await buildDataset({ recipe: both, out: join(tmp, "w-inline-2"), readInWorker: false, batchSize: 2 });
    expect(b.counts).toEqual(a.counts);
    expect(b.counts.sources["gsm8k-first3"]!.read).toBe(3);
    expect(b.counts.quarantined).toBeGreaterThan(5);
    const [ia, wb, ic] = await Promise.all([
      readOut(join(tmp, "w-inline")),
      readOut(join(tmp, "w-worker")),
      readOut(join(tmp, "w-inline-2")),
    ]);
    // Same batch size, same bytes (the quarantine's order depends on the batch size: load rejections come per batch).
    expect(wb).toEqual(ic);
    for (const f of ["train.jsonl", "validation.jsonl", "test.jsonl"]) expect(wb[f]).toEqual(ia[f]);
  });

  it("brings an adapter's error back with its code, location and hint", async () => {
    const bad = { name: "bad", sources: [{ adapter: "gsm8k", options: { path: fx("gsm8k/no-such-file.jsonl") } }] };
    const inline = await buildDataset({ recipe: bad, out: join(tmp, "w-bad-1"), readInWorker: false }).catch(
      (e: unknown) => e as MathtuneError,
    );
    const worker = await buildDataset({
      recipe: bad,
      out: join(tmp, "w-bad-2"),
      readInWorker: true,
      loadWorkerUrl: workerUrl,
    }).catch((e: unknown) => e as MathtuneError);
    expect(inline).toBeInstanceOf(MathtuneError);
    expect(worker).toBeInstanceOf(MathtuneError);
    expect((worker as MathtuneError).code).toBe((inline as MathtuneError).code);
    expect((worker as MathtuneError).message).toBe((inline as MathtuneError).message);
    expect((worker as MathtuneError).code).toBe("E_INPUT_NOT_FOUND");
    expect((worker as MathtuneError).hint).toBe((inline as MathtuneError).hint);
    expect((worker as MathtuneError).hint).toMatch(/recipe/);
    expect(existsSync(join(tmp, "w-bad-2"))).toBe(false);
  });

  it("stops when canceled, leaving no output", async () => {
    const ac = new AbortController();
    const err = await (async () => {
      for await (const ev of buildDatasetIter({
        recipe,
        out: join(tmp, "w-cancel"),
        signal: ac.signal,
        batchSize: 1,
        readInWorker: true,
        loadWorkerUrl: workerUrl,
      })) {
        if (ev.type === "progress" || (ev.type === "source-start" && ev.index === 1)) ac.abort();
      }
    })().catch((e: unknown) => e);
    expect((err as MathtuneError).code).toBe("E_CANCELED");
    expect(existsSync(join(tmp, "w-cancel"))).toBe(false);
  });

  it("refuses readInWorker: true without the worker script", async () => {
    const err = await buildDataset({
      recipe,
      out: join(tmp, "w-none"),
      readInWorker: true,
      loadWorkerUrl: new URL("./no-such-worker.js", workerUrl),
    }).catch((e: unknown) => e);
    expect((err as MathtuneError).code).toBe("E_CONFIG_INVALID");
  });
});

describe("exact per-stratum counts", () => {
  it("takes exactly N validation and test records from each stratum, capped by its size", async () => {
    const r = await buildDataset({
      recipe: { ...recipe, split: { by: ["source"], counts: { validation: 1, test: 2 } } },
      out: join(tmp, "counts"),
    });
    const strata = r.manifest.strata as Record<string, { train: number; validation: number; test: number }>;
    for (const [name, s] of Object.entries(strata)) {
      const n = s.train + s.validation + s.test;
      expect(s.validation, name).toBe(Math.min(1, n));
      expect(s.test, name).toBe(Math.min(2, n - s.validation));
    }
  });
});
