/**
 * Integration: the chat text @mathtune/format renders is, character for character, what Python's
 * transformers `apply_chat_template` renders from the same template in a real tokenizer (the tiny
 * Qwen2 test model with the ChatML special tokens). Uses the project's venv (created on first use).
 */
import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FORMATS, formatRecord, QWEN25_CHAT_TEMPLATE, renderChat } from "@mathtune/format";
import { setup } from "@mathtune/train";
import { createTinyModel } from "@mathtune/train/testing";
import { beforeAll, describe, expect, it } from "vitest";

const TEMPLATE = fileURLToPath(new URL("../templates/qwen2.5-chatml.jinja", import.meta.url));
const RENDER = fileURLToPath(new URL("./python/render.py", import.meta.url));
let python = "";
let model = "";

beforeAll(async () => {
  python = (await setup()).python;
  model = join(await mkdtemp(join(tmpdir(), "mt-fmt-py-")), "tiny");
  await createTinyModel({ out: model, chatTemplate: TEMPLATE });
}, 900_000);

function pyRender(
  cases: { messages: { role: string; content: string }[]; add_generation_prompt: boolean }[],
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      python,
      [RENDER, model],
      { env: { ...process.env, HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1" }, maxBuffer: 1 << 24 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as string[]),
    );
    child.stdin!.end(JSON.stringify(cases));
  });
}

describe("chat template: TypeScript vs transformers.apply_chat_template", () => {
  it("renders Qwen2.5 conversations identically (default system prompt, given system, multi-turn, Chinese, generation prompt)", async () => {
    const cases = [
      { messages: [{ role: "user", content: "What is 2 + 3?" }], add_generation_prompt: true },
      {
        messages: [
          { role: "user", content: "What is 2 + 3?" },
          { role: "assistant", content: "2 + 3 = 5\nAnswer: 5" },
        ],
        add_generation_prompt: false,
      },
      {
        messages: [
          { role: "system", content: "You are a careful math tutor." },
          { role: "user", content: "Solve $2x + 5 = 17$." },
          { role: "assistant", content: "$2x = 12$, so $x = 6$.\nAnswer: 6" },
          { role: "user", content: "And $3x = 12$?" },
        ],
        add_generation_prompt: true,
      },
      {
        messages: [
          { role: "user", content: "14 是 20 的百分之几？" },
          { role: "assistant", content: "答：70" },
        ],
        add_generation_prompt: false,
      },
    ];
    const py = await pyRender(cases);
    const ts = cases.map((c) =>
      renderChat(c.messages as never, QWEN25_CHAT_TEMPLATE, { addGenerationPrompt: c.add_generation_prompt }),
    );
    const jinja = cases.map((c) =>
      renderChat(c.messages as never, QWEN25_CHAT_TEMPLATE, {
        addGenerationPrompt: c.add_generation_prompt,
        fast: false,
      }),
    );
    expect(ts).toEqual(py);
    expect(jinja).toEqual(py);
    expect(py[0]).toBe(
      "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is 2 + 3?<|im_end|>\n<|im_start|>assistant\n",
    );
  });

  it("the `text` format of a record is the same text Python renders from its messages", async () => {
    const record = {
      id: "gsm8k/train/x",
      source: "gsm8k",
      problem: "Maya has 3 packs of 12 pencils. How many pencils?",
      solution: "3 * 12 = <<3*12=36>>36",
      answer: "36",
      lang: "en",
    };
    const text = formatRecord(record, "text") as { text: string };
    const messages = (formatRecord(record, "messages") as { messages: { role: string; content: string }[] }).messages;
    const [py] = await pyRender([{ messages, add_generation_prompt: false }]);
    expect(text.text).toBe(py);
    expect(FORMATS).toContain("text");
  });
});
