/**
 * What training reads from a build: the conversations the build wrote and checked, or MathRecords
 * rendered by @mathtune/format with the build's format options. Every line format a build writes
 * is either read as the same turns or refused with the file to use.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isMathtuneError, type MathRecord, type MathtuneError } from "@mathtune/core";
import { formatRecord, FORMATS, recordMessages } from "@mathtune/format";
import { findDataFiles, recordRenderer, toConversation, writeConversations } from "@mathtune/train";
import { afterAll, describe, expect, it } from "vitest";
import { GSM8K, removeTempDirs, tempDir } from "./helpers.js";

afterAll(removeTempDirs);

const lines = (values: unknown[]) => values.map((v) => `${JSON.stringify(v)}\n`).join("");

/** A build folder as `mathtune build` writes it: manifest.json with the recipe's output options, and the split files. */
async function buildFolder(
  formats: string[],
  formatOptions: Record<string, unknown> = {},
  records: MathRecord[] = [GSM8K],
): Promise<string> {
  const dir = await tempDir("build");
  await writeFile(
    join(dir, "manifest.json"),
    JSON.stringify({
      recipe: { name: "t", file: join(dir, "recipe.yaml"), value: { output: { formats, formatOptions } } },
    }),
  );
  for (const f of formats) {
    const name = f === "record" ? "train.jsonl" : `train.${f}.jsonl`;
    const out =
      f === "record" ? records : records.map((r) => formatRecord(r, f as (typeof FORMATS)[number], formatOptions));
    await writeFile(join(dir, name), lines(out));
  }
  return dir;
}

async function conversationsOf(dir: string, systemPrompt?: string) {
  const files = await findDataFiles(dir);
  const out = join(await tempDir("conv"), "train.jsonl");
  const render =
    files.kind === "record" || files.kind === "auto" ? await recordRenderer(files, systemPrompt) : undefined;
  await writeConversations(files.train, out, {
    ...(render ? { render } : {}),
    ...(systemPrompt ? { systemPrompt } : {}),
  });
  return {
    files,
    convs: (await readFile(out, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; messages: { role: string; content: string }[] }),
  };
}

describe("training reads what the build wrote and checked", () => {
  it("a GSM8K MathRecord becomes @mathtune/format's conversation: instruction, annotations stripped, answer line", async () => {
    const { files, convs } = await conversationsOf(await buildFolder(["record"]));
    expect(files.kind).toBe("record");
    expect(convs[0]!.messages).toEqual(recordMessages(GSM8K));
    const [user, assistant] = convs[0]!.messages;
    expect(user!.content).toMatch(/^Solve this math problem\. .*\n\nNatalia sold clips/s);
    expect(assistant!.content).toBe(
      "Natalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips altogether in April and May.\nAnswer: 72",
    );
  });

  it("prefers the build's messages file to its records", async () => {
    const dir = await buildFolder(["record", "messages"], { system: "You are a careful tutor." });
    const { files, convs } = await conversationsOf(dir);
    expect(files.train).toBe(join(dir, "train.messages.jsonl"));
    expect(files.kind).toBe("messages");
    expect(convs[0]).toEqual({ id: GSM8K.id, messages: recordMessages(GSM8K, { system: "You are a careful tutor." }) });
  });

  it("renders records with the format options recorded in manifest.json", async () => {
    const options = { system: "Be exact.", answerStyle: "boxed", stripCalculator: false };
    const { convs } = await conversationsOf(await buildFolder(["record"], options));
    expect(convs[0]!.messages).toEqual(recordMessages(GSM8K, options as never));
    expect(convs[0]!.messages[2]!.content).toContain("<<48/2=24>>");
    expect(convs[0]!.messages[2]!.content).toMatch(/\\boxed\{72\}/);
  });

  it.each(["sharegpt", "alpaca"])("reads a %s-only build as the same turns", async (fmt) => {
    const options = { system: "Be exact." };
    const { files, convs } = await conversationsOf(await buildFolder([fmt], options));
    expect(files.kind).toBe(fmt);
    expect(convs[0]!.messages).toEqual(recordMessages(GSM8K, options));
  });

  it.each(["text", "prompt-completion"])("a %s-only build is refused, naming the format to add", async (fmt) => {
    const err = (await findDataFiles(await buildFolder([fmt])).catch((e: unknown) => e)) as MathtuneError;
    expect(isMathtuneError(err, "E_INPUT_NOT_FOUND")).toBe(true);
    expect(err.message).toMatch(new RegExp(`holds only ${fmt} lines`));
    expect(err.message).toMatch(/add `messages`.*output\.formats/);
  });

  it("a single file of mixed lines: each line in its own format; rendered lines point at the messages file", async () => {
    const dir = await tempDir("mixed");
    const file = join(dir, "train.jsonl");
    await writeFile(
      file,
      lines([GSM8K, formatRecord(GSM8K, "sharegpt"), formatRecord(GSM8K, "alpaca"), formatRecord(GSM8K, "messages")]),
    );
    const { files, convs } = await conversationsOf(file);
    expect(files.kind).toBe("auto");
    for (const c of convs) expect(c.messages).toEqual(recordMessages(GSM8K));
    await writeFile(file, lines([formatRecord(GSM8K, "text")]));
    const err = (await writeConversations(file, join(dir, "out", "train.jsonl")).catch(
      (e: unknown) => e,
    )) as MathtuneError;
    expect(isMathtuneError(err, "E_RECORD_INVALID")).toBe(true);
    expect(err.message).toMatch(/train\.jsonl:1: a text line is already rendered.*train\.messages\.jsonl/);
  });

  it("a system prompt replaces the build's for records and is added to conversations without one", async () => {
    const { convs } = await conversationsOf(await buildFolder(["record"], { system: "Old." }), "New.");
    expect(convs[0]!.messages[0]).toEqual({ role: "system", content: "New." });
    const c = toConversation(
      {
        id: "m",
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: "yo" },
        ],
      },
      "x",
      { systemPrompt: "S." },
    );
    expect(typeof c !== "string" && c.messages[0]).toEqual({ role: "system", content: "S." });
  });

  it.each([
    [{ messages: [{ role: "user", content: "hi" }] }, /no assistant turn/],
    [{ messages: [{ role: "user" }] }, /role' and 'content'/],
    [{ conversations: [{ from: "bot", value: "x" }] }, /'from' \(system, human or gpt\)/],
    [{ problem: "x" }, /needs @mathtune\/format/],
    [{ question: "x" }, /neither a MathRecord/],
    [[1], /not a JSON object/],
  ])("explains why %j cannot be trained on", (value, why) => {
    expect(toConversation(value, "x")).toMatch(why);
  });

  it("a record without a final answer is refused with format's reason", async () => {
    const render = await recordRenderer({});
    expect(toConversation({ id: "r", problem: "Say hi.", solution: "hi" }, "x", { render })).toMatch(/^E_NO_ANSWER: /);
  });

  it("a failed conversion leaves no .jsonl.tmp behind; an empty validation file is allowed when asked", async () => {
    const dir = await tempDir("tmp");
    const input = join(dir, "in.jsonl");
    await writeFile(input, lines([GSM8K, { question: "no" }]));
    const outDir = join(dir, "data");
    const err = await writeConversations(input, join(outDir, "train.jsonl")).catch((e: unknown) => e);
    expect(isMathtuneError(err, "E_RECORD_INVALID")).toBe(true);
    expect(await readdir(outDir)).toEqual([]);
    await writeFile(input, "");
    expect(
      isMathtuneError(
        await writeConversations(input, join(outDir, "v.jsonl")).catch((e: unknown) => e),
        "E_INPUT_EMPTY",
      ),
    ).toBe(true);
    expect(await writeConversations(input, join(outDir, "v.jsonl"), { allowEmpty: true })).toBe(0);
    expect(existsSync(join(outDir, "v.jsonl.tmp"))).toBe(false);
  });

  it("finds the validation file of the same format", async () => {
    const dir = await buildFolder(["record", "messages"]);
    await writeFile(join(dir, "validation.messages.jsonl"), "");
    await mkdir(join(dir, "unused"), { recursive: true });
    expect((await findDataFiles(dir)).validation).toBe(join(dir, "validation.messages.jsonl"));
  });
});
