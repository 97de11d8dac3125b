import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isMathtuneError, type MathtuneError } from "@mathtune/core";
import { loadTestSet, promptMessages, promptSettings, recordHash } from "@mathtune/eval";
import { recordMessages } from "@mathtune/format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INSTRUCTION, removeTempDirs, smallBuild, SYSTEM, tempDir } from "./helpers.js";

let built: string;
beforeAll(async () => {
  built = await smallBuild();
});
afterAll(removeTempDirs);

describe("test sets", () => {
  it("reads a build's test split with its manifest", async () => {
    const set = await loadTestSet({ path: built });
    const lines = (await readFile(join(built, "test.jsonl"), "utf8")).trim().split("\n");
    expect(set.items).toHaveLength(lines.length);
    expect(set.origin).toMatchObject({ kind: "build", split: "test" });
    expect(set.manifest).toBeDefined();
    expect(set.items[0]!.hash).toBe(recordHash(JSON.parse(lines[0]!)));
    const other = await loadTestSet({ path: built, split: "validation" });
    expect(other.hash).not.toBe(set.hash);
  });

  it("samples per category and up to a limit, seeded and spread over the categories", async () => {
    const all = await loadTestSet({ path: built });
    const cats = new Set(all.items.map((i) => i.record.category));
    expect(cats.size).toBeGreaterThan(2);
    const per = await loadTestSet({ path: built, perCategory: 2, seed: 1 });
    const count = new Map<string, number>();
    for (const i of per.items) count.set(i.record.category!, (count.get(i.record.category!) ?? 0) + 1);
    expect([...count.values()].every((n) => n <= 2)).toBe(true);
    expect(count.size).toBe(cats.size);
    const lim = await loadTestSet({ path: built, limit: cats.size, seed: 1 });
    expect(new Set(lim.items.map((i) => i.record.category)).size).toBe(cats.size); // one from each
    const again = await loadTestSet({ path: built, limit: cats.size, seed: 1 });
    expect(again.hash).toBe(lim.hash);
    const otherSeed = await loadTestSet({ path: built, limit: cats.size, seed: 2 });
    expect(otherSeed.hash).not.toBe(lim.hash);
  });

  it("reads any file through the loaders' adapters (a user's JSON lines, GSM8K)", async () => {
    const dir = await tempDir("file");
    const f = join(dir, "mine.jsonl");
    await writeFile(
      f,
      `${JSON.stringify({ problem: "What is 2+3?", answer: "5", category: "add" })}\n${JSON.stringify({ problem: "What is 2*3?", answer: "6", category: "mul" })}\n`,
    );
    const set = await loadTestSet({ path: f });
    expect(set.origin).toMatchObject({ kind: "file", adapter: "jsonl" });
    expect(set.items.map((i) => i.record.answer)).toEqual(["5", "6"]);
    const gsm = join(dir, "test.jsonl");
    await writeFile(
      gsm,
      `${JSON.stringify({ question: "Ana has 8 apples and eats 3. How many are left?", answer: "8-3 = <<8-3=5>>5\n#### 5" })}\n`,
    );
    const g = await loadTestSet({ path: gsm, adapter: "gsm8k" });
    expect(g.items[0]!.record).toMatchObject({ source: "gsm8k", answer: "5" });
  });

  it("a test file without answers: E_TEST_NO_ANSWER naming the first problem", async () => {
    const dir = await tempDir("noanswer");
    const f = join(dir, "q.jsonl");
    await writeFile(
      f,
      `${JSON.stringify({ problem: "What is 2+3?", answer: "5" })}\n${JSON.stringify({ problem: "What is 9-1?" })}\n`,
    );
    const err = (await loadTestSet({ path: f }).catch((e: unknown) => e)) as MathtuneError;
    expect(isMathtuneError(err, "E_TEST_NO_ANSWER")).toBe(true);
    expect(err.message).toMatch(/1 of 2 test problems have no answer/);
    expect(err.message).toMatch(/q\.jsonl:2/);
  });

  it("a missing path and an empty split are clear errors", async () => {
    expect(
      isMathtuneError(await loadTestSet({ path: join(built, "nope") }).catch((e: unknown) => e), "E_INPUT_NOT_FOUND"),
    ).toBe(true);
    expect(
      isMathtuneError(await loadTestSet({ path: built, split: "dev" }).catch((e: unknown) => e), "E_INPUT_NOT_FOUND"),
    ).toBe(true);
  });
});

describe("prompts: asked as the training data taught", () => {
  it("takes the system prompt and the instruction wording from the build's manifest", async () => {
    const set = await loadTestSet({ path: built });
    const settings = promptSettings(set.manifest);
    expect(settings.from).toBe("manifest");
    const rec = set.items[0]!.record;
    const msgs = promptMessages(rec, settings);
    expect(msgs[0]).toEqual({ role: "system", content: SYSTEM });
    expect(msgs[1]!.content.startsWith(`${INSTRUCTION}\n\n`)).toBe(true);
    // exactly the training conversation of the same record, minus the assistant turn
    const train = JSON.parse((await readFile(join(built, "test.messages.jsonl"), "utf8")).split("\n")[0]!) as {
      id: string;
      messages: unknown[];
    };
    expect(train.id).toBe(rec.id);
    expect(msgs).toEqual(train.messages.slice(0, -1));
    expect(recordMessages(rec, { system: SYSTEM, instructions: { en: INSTRUCTION } }).slice(0, -1)).toEqual(msgs);
  });
  it("without a manifest: the format's default wording and no system prompt; --system overrides", () => {
    const rec = { id: "x/1", source: "x", problem: "What is 2+3?", answer: "5", lang: "en" };
    const d = promptMessages(rec, promptSettings(undefined));
    expect(d).toHaveLength(1);
    expect(d[0]!.content).toMatch(/^Solve this math problem\..*"Answer: <final answer>"/);
    const s = promptMessages(rec, promptSettings(undefined, { system: "Be brief." }));
    expect(s[0]).toEqual({ role: "system", content: "Be brief." });
  });
});
