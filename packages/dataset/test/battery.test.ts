/**
 * The reliability battery of issue 11: bad inputs and faults that once lost, altered or ran
 * something. Fixtures: test-fixtures/battery (written by its make.mjs).
 */
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDataset, loadRecipe } from "@mathtune/dataset";
import { MathtuneError } from "@mathtune/core";
import { beforeAll, describe, expect, it } from "vitest";

const fx = (p: string) => fileURLToPath(new URL(`../../../test-fixtures/${p}`, import.meta.url));
const bx = (p: string) => fx(`battery/${p}`);

let tmp = "";
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "mt-battery-"));
});

const lines = (text: string) =>
  text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const written = async (out: string) =>
  ["train", "validation", "test"].flatMap((s) =>
    existsSync(join(out, `${s}.jsonl`)) ? [join(out, `${s}.jsonl`)] : [],
  );
async function records(out: string): Promise<Record<string, unknown>[]> {
  const all = [];
  for (const f of await written(out)) all.push(...lines(await readFile(f, "utf8")));
  return all;
}
const quarantine = async (out: string) => lines(await readFile(join(out, "quarantine.jsonl"), "utf8"));
const one = (source: { adapter: string; options: Record<string, unknown>; allowEmpty?: boolean }) => ({
  name: "battery",
  sources: [source],
  split: { train: 1, validation: 0, test: 0 },
});

describe("--out never deletes what mathtune did not write", () => {
  it("refuses an existing folder it did not write, and leaves it as it was; --force replaces it", async () => {
    const out = join(tmp, "foreign");
    await mkdir(out);
    await writeFile(join(out, "thesis.tex"), "years of work");
    const recipe = one({ adapter: "gsm8k", options: { path: fx("gsm8k") } });
    await expect(buildDataset({ recipe, out })).rejects.toMatchObject({ code: "E_OUTPUT_NOT_OURS" });
    expect(await readdir(out)).toEqual(["thesis.tex"]);
    await buildDataset({ recipe, out, force: true });
    expect(existsSync(join(out, "thesis.tex"))).toBe(false);
    // a second build replaces the first: it is recognised by its manifest
    await buildDataset({ recipe, out });
    expect(existsSync(join(out, "manifest.json"))).toBe(true);
  });

  it("refuses the current folder, an ancestor, an empty path and a folder holding the recipe or an input, even with --force", async () => {
    const dir = join(tmp, "project");
    await cp(fx("gsm8k"), join(dir, "data"), { recursive: true });
    await writeFile(join(dir, "r.yaml"), "sources:\n  - adapter: gsm8k\n    options: { path: data }\n");
    const loaded = await loadRecipe(join(dir, "r.yaml"));
    for (const out of [process.cwd(), join(process.cwd(), ".."), "", dir, join(dir, "data")]) {
      await expect(buildDataset({ recipe: loaded, out, force: true })).rejects.toMatchObject({
        code: "E_OUTPUT_UNSAFE",
      });
    }
    expect((await readdir(dir)).sort()).toEqual(["data", "r.yaml"]);
  });

  it("a second build to the same --out at once fails clearly (E_OUTPUT_LOCKED) and the other one completes", async () => {
    const out = join(tmp, "locked");
    const recipe = one({ adapter: "gsm8k", options: { path: fx("gsm8k") } });
    // whichever takes the lock first completes; the other fails at once, naming the lock
    const results = await Promise.allSettled([buildDataset({ recipe, out }), buildDataset({ recipe, out })]);
    const done = results.filter((r) => r.status === "fulfilled");
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(done).toHaveLength(1);
    expect(failed.map((r) => (r.reason as MathtuneError).code)).toEqual(["E_OUTPUT_LOCKED"]);
    expect(existsSync(join(out, "manifest.json"))).toBe(true);
    expect((await readdir(tmp)).filter((f) => f.startsWith(".locked"))).toEqual([]);
  });
});

describe("data is never silently altered", () => {
  it("JSON-number answers and ids keep their text as written; the quarantine's raw is the line as read", async () => {
    const out = join(tmp, "numbers");
    await buildDataset({ recipe: one({ adapter: "jsonl", options: { path: bx("numbers.jsonl") } }), out, stages: [] });
    const byProblem = Object.fromEntries((await records(out)).map((r) => [r.problem, r]));
    expect(byProblem["How many grains of sand?"]!.answer).toBe("12345678901234567890123");
    expect(byProblem["What does the pen cost in dollars?"]!.answer).toBe("3.50");
    expect(byProblem["How large is it?"]!.answer).toBe("1e400");
    expect(String(byProblem["Which id is this?"]!.id)).toMatch(/\/12345678901234567891$/);
  });

  it("a repeated key is quarantined with E_DUPLICATE_KEY, naming the key; raw is the line", async () => {
    const out = join(tmp, "dup");
    await buildDataset({ recipe: one({ adapter: "jsonl", options: { path: bx("dup-keys.jsonl") } }), out });
    const q = await quarantine(out);
    expect(q.map((e) => e.code)).toEqual(["E_DUPLICATE_KEY", "E_DUPLICATE_KEY"]);
    expect(q.map((e) => String(e.location).split(":").pop())).toEqual(["1", "2"]);
    expect(q[0]!.message).toMatch(/'answer'/);
    expect(q[0]!.raw).toBe('{"problem":"What is 1 + 1?","answer":"3","answer":"2"}');
    expect((await records(out)).map((r) => r.answer)).toEqual(["6"]);
  });

  it("deep nesting: kept exactly up to the limit, one quarantined record (with its line) beyond it, in any adapter", async () => {
    const out = join(tmp, "deep");
    await buildDataset({ recipe: one({ adapter: "jsonl", options: { path: bx("deep.jsonl") } }), out });
    const kept = await records(out);
    expect(kept).toHaveLength(1);
    let v: unknown = (kept[0]!.meta as { extra: unknown }).extra;
    let depth = 0;
    while (Array.isArray(v)) {
      v = v[0];
      depth++;
    }
    expect([depth, v]).toEqual([100, 7]);
    expect((await quarantine(out)).map((e) => [e.code, String(e.location).split(":").pop()])).toEqual([
      ["E_TOO_DEEP", "2"],
    ]);
    // 100,000 levels in a MATH JSON-lines file: one record quarantined, never a lost build
    const out2 = join(tmp, "deep-math");
    const r = await buildDataset({
      recipe: one({ adapter: "math", options: { path: bx("MATH-deep.jsonl"), split: "train" } }),
      out: out2,
    });
    expect([r.counts.read, r.counts.written, r.counts.quarantined]).toEqual([2, 1, 1]);
    expect((await quarantine(out2))[0]).toMatchObject({
      code: "E_TOO_DEEP",
      location: expect.stringMatching(/MATH-deep\.jsonl:2$/),
    });
  });

  it("invalid UTF-8 in the MATH folder reader is quarantined (E_ENCODING), raw as base64 of the bytes", async () => {
    const out = join(tmp, "utf8");
    const r = await buildDataset({ recipe: one({ adapter: "math", options: { path: bx("MATH-utf8") } }), out });
    expect([r.counts.written, r.counts.quarantined]).toEqual([1, 1]);
    const q = (await quarantine(out))[0]!;
    expect(q.code).toBe("E_ENCODING");
    const bytes = Buffer.from((q.raw as { base64: string }).base64, "base64");
    expect(bytes).toEqual(await readFile(bx("MATH-utf8/train/algebra/2.json")));
    expect((await records(out))[0]!.problem).not.toContain("\uFFFD");
  });

  it("tar symbolic and hard links are counted and quarantined with their names", async () => {
    const out = join(tmp, "links");
    const r = await buildDataset({ recipe: one({ adapter: "math", options: { path: bx("links.tar") } }), out });
    expect([r.counts.read, r.counts.written, r.counts.quarantined]).toEqual([3, 1, 2]);
    const q = await quarantine(out);
    expect(q.map((e) => [e.code, String(e.location).split("#")[1]])).toEqual([
      ["E_ARCHIVE_LINK", "MATH/train/algebra/2.json"],
      ["E_ARCHIVE_LINK", "MATH/train/algebra/3.json"],
    ]);
    expect(q[0]!.message).toMatch(/symbolic link to '\/etc\/passwd'/);
  });

  it("a tar entry over the limit is refused before it is buffered; the limit can be raised", async () => {
    const small = await buildDataset({
      recipe: one({ adapter: "math", options: { path: bx("big-entry.tar.gz"), maxEntryBytes: 1_000_000 } }),
      out: join(tmp, "big-1"),
    });
    expect(small.counts.quarantineByCode).toEqual({ E_ENTRY_TOO_LARGE: 1 });
    const raised = await buildDataset({
      recipe: one({ adapter: "math", options: { path: bx("big-entry.tar.gz"), maxEntryBytes: 8_000_000 } }),
      out: join(tmp, "big-2"),
    });
    expect(raised.counts.written).toBe(2);
  });

  it("a source that yields no record at all fails the build (E_SOURCE_EMPTY), unless the recipe allows it", async () => {
    const out = join(tmp, "empty");
    const e = await buildDataset({
      recipe: one({ adapter: "jsonl", options: { path: bx("all-bad.jsonl") } }),
      out,
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MathtuneError);
    expect(e).toMatchObject({ code: "E_SOURCE_EMPTY" });
    expect(String((e as Error).message)).toMatch(/3 read, all quarantined/);
    expect(existsSync(out)).toBe(false);
    const allowed = await buildDataset({
      recipe: one({ adapter: "jsonl", options: { path: bx("all-bad.jsonl") }, allowEmpty: true }),
      out,
    });
    expect([allowed.counts.read, allowed.counts.written]).toEqual([3, 0]);
  });
});

describe("Unicode: one normalisation for dedup and answers, original text kept", () => {
  it("copies differing by zero-width spaces or the digits' script are duplicates; answers ５, ٦, 7+ZWSP become digits, originals in meta", async () => {
    const out = join(tmp, "unicode");
    const r = await buildDataset({
      recipe: { ...one({ adapter: "jsonl", options: { path: bx("unicode.jsonl") } }), checks: { dedup: true } },
      out,
    });
    const kept = Object.fromEntries((await records(out)).map((x) => [String(x.id).split("/").pop(), x]));
    expect(Object.keys(kept).sort()).toEqual(["a", "d", "e"]);
    expect(r.counts.quarantined).toBe(2);
    expect((await quarantine(out)).map((q) => q.id)).toEqual(["jsonl/all/b", "jsonl/all/c"]);
    expect([kept.d!.answer, kept.d!.answerKind, (kept.d!.meta as Record<string, unknown>).answerOriginal]).toEqual([
      "5",
      "integer",
      "５",
    ]);
    expect([kept.e!.answer, (kept.e!.meta as Record<string, unknown>).answerOriginal]).toEqual(["6", "٦"]);
    expect(kept.d!.problem).toBe("What is ２ + ３?");
  });
});

describe("trust", () => {
  it("the recipe is validated before a module adapter is imported; allowCode: false refuses module adapters", async () => {
    const mark = join(tmp, "evil-ran");
    process.env.MATHTUNE_TEST_EVIL_MARK = mark;
    try {
      await expect(buildDataset({ recipe: bx("evil-recipe.yaml"), out: join(tmp, "evil-1") })).rejects.toMatchObject({
        code: "E_CONFIG_INVALID",
      });
      expect(existsSync(mark)).toBe(false);
      // valid otherwise, but a bad output format: still nothing imported
      const loaded = await loadRecipe(bx("evil-valid-recipe.yaml"));
      loaded.recipe.output.formats = ["no-such-format"];
      await expect(buildDataset({ recipe: loaded, out: join(tmp, "evil-2") })).rejects.toBeInstanceOf(MathtuneError);
      expect(existsSync(mark)).toBe(false);
      await expect(
        buildDataset({ recipe: bx("evil-valid-recipe.yaml"), out: join(tmp, "evil-3"), allowCode: false }),
      ).rejects.toMatchObject({ code: "E_CODE_REFUSED" });
      expect(existsSync(mark)).toBe(false);
    } finally {
      delete process.env.MATHTUNE_TEST_EVIL_MARK;
    }
  });

  it("the DeepMind adapter refuses a file that is not in its format (/etc/passwd-like)", async () => {
    await expect(
      buildDataset({
        recipe: one({ adapter: "mathematics", options: { path: bx("not-deepmind/passwd") } }),
        out: join(tmp, "passwd"),
      }),
    ).rejects.toMatchObject({
      code: "E_NOT_IN_FORMAT",
    });
  });

  it("a YAML alias bomb is a bad recipe (E_CONFIG_INVALID), not an expansion", async () => {
    await expect(loadRecipe(bx("alias-bomb.yaml"))).rejects.toMatchObject({ code: "E_CONFIG_INVALID" });
  });

  it("the same build in another folder gives identical bytes: paths are stored relative to the recipe", async () => {
    const outs = [];
    for (const where of ["one", join("two", "deeper")]) {
      const dir = join(tmp, "moved", where);
      await cp(fx("gsm8k-bad"), join(dir, "data", "gsm8k-bad"), { recursive: true });
      await cp(fx("MATH"), join(dir, "data", "MATH"), { recursive: true });
      await writeFile(
        join(dir, "recipe.yaml"),
        "name: moved\nsources:\n  - adapter: gsm8k\n    options: { path: data/gsm8k-bad/bad.jsonl }\n  - adapter: math\n    options: { path: data/MATH }\n",
      );
      const out = join(dir, "out");
      await buildDataset({ recipe: join(dir, "recipe.yaml"), out });
      const files: Record<string, string> = {};
      for (const f of (await readdir(out)).sort()) files[f] = await readFile(join(out, f), "utf8");
      outs.push(files);
    }
    expect(outs[0]!["quarantine.jsonl"]).toContain('"location":"data/gsm8k-bad/bad.jsonl:2"');
    expect(outs[0]!["manifest.json"]).toContain('"file": "recipe.yaml"');
    expect(outs[1]).toEqual(outs[0]);
  });
});
