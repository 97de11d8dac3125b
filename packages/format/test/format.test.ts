import { join } from "node:path";
import { type MathRecord, MathtuneError } from "@mathtune/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ANSWER_LINE_RE,
  createFormatter,
  dropAsymptote,
  formatRecord,
  FORMATS,
  parseFormatOptions,
  stripCalculatorAnnotations,
} from "@mathtune/format";

const fixtures = join(import.meta.dirname, "fixtures");
const SYS = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";
const EN_LINE =
  'Solve this math problem. Reason step by step, then write the final answer on the last line as "Answer: <final answer>".';
const EN_BOXED = "Solve this math problem. Reason step by step, then write the final answer inside \\boxed{}.";
const ZH_LINE = "请解这道数学题。先逐步推理，再在最后一行写出最终答案，格式为“答：<最终答案>”。";

const gsm: MathRecord = {
  id: "gsm8k/train/0",
  source: "gsm8k",
  split: "train",
  problem:
    "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?",
  solution:
    "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72",
  answer: "72",
  answerKind: "integer",
  category: "word_problem",
  lang: "en",
};

const math: MathRecord = {
  id: "math/train/algebra/1",
  source: "math",
  split: "train",
  problem: "What is $1+1$?\n[asy]\ndraw((0,0)--(1,1));\n[/asy]\nGive the sum.",
  solution: "We add: $1+1=\\boxed{2}$.",
  answer: "2",
  category: "Algebra",
  difficulty: 1,
  lang: "en",
};

const zh: MathRecord = {
  id: "zh/1",
  source: "custom",
  problem: "3个苹果加4个苹果是几个？",
  solution: "3+4=7",
  answer: "7",
  lang: "zh",
};

describe("formatRecord", () => {
  it("text: a GSM8K record rendered with Qwen2.5 matches the hand-checked string", () => {
    const expected =
      "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n" +
      "<|im_start|>user\n" +
      'Solve this math problem. Reason step by step, then write the final answer on the last line as "Answer: <final answer>".\n\n' +
      "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?<|im_end|>\n" +
      "<|im_start|>assistant\n" +
      "Natalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips altogether in April and May.\nAnswer: 72<|im_end|>\n";
    expect(formatRecord(gsm, "text")).toEqual({ id: "gsm8k/train/0", text: expected });
  });

  it("text: a MATH record with a system prompt keeps its \\boxed answer", () => {
    const expected =
      "<|im_start|>system\nBe brief.<|im_end|>\n" +
      "<|im_start|>user\nSolve this math problem. Reason step by step, then write the final answer inside \\boxed{}.\n\nWhat is $1+1$?\n[asy]\ndraw((0,0)--(1,1));\n[/asy]\nGive the sum.<|im_end|>\n" +
      "<|im_start|>assistant\nWe add: $1+1=\\boxed{2}$.<|im_end|>\n";
    expect(formatRecord(math, "text", { system: "Be brief." }).text).toBe(expected);
  });

  it("alpaca: instruction, input, output, id", () => {
    expect(formatRecord(gsm, "alpaca")).toEqual({
      id: "gsm8k/train/0",
      instruction: EN_LINE,
      input: gsm.problem,
      output:
        "Natalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips altogether in April and May.\nAnswer: 72",
    });
    expect(formatRecord(gsm, "alpaca", { system: "S" }).system).toBe("S");
  });

  it("sharegpt: from/value turns", () => {
    const r = formatRecord(zh, "sharegpt", { system: "你是数学老师。" });
    expect(r).toEqual({
      id: "zh/1",
      conversations: [
        { from: "system", value: "你是数学老师。" },
        { from: "human", value: `${ZH_LINE}\n\n3个苹果加4个苹果是几个？` },
        { from: "gpt", value: "3+4=7\n答：7" },
      ],
    });
  });

  it("messages: OpenAI chat roles, no system unless given", () => {
    const r = formatRecord(math, "messages", { asymptote: "drop" });
    expect(r).toEqual({
      id: math.id,
      messages: [
        { role: "user", content: `${EN_BOXED}\n\nWhat is $1+1$?\nGive the sum.` },
        { role: "assistant", content: "We add: $1+1=\\boxed{2}$." },
      ],
    });
  });

  it("prompt-completion: chat prompt up to the assistant turn, completion with <|im_end|>", () => {
    const r = formatRecord(zh, "prompt-completion");
    expect(r).toEqual({
      id: "zh/1",
      prompt: `<|im_start|>system\n${SYS}<|im_end|>\n<|im_start|>user\n${ZH_LINE}\n\n3个苹果加4个苹果是几个？<|im_end|>\n<|im_start|>assistant\n`,
      completion: "3+4=7\n答：7<|im_end|>\n",
    });
    expect(formatRecord(zh, "prompt-completion", { promptCompletion: "plain" })).toEqual({
      id: "zh/1",
      prompt: `${ZH_LINE}\n\n3个苹果加4个苹果是几个？`,
      completion: "3+4=7\n答：7",
    });
  });

  it("answer styles: boxed added when asked, line added to a boxed solution when asked", () => {
    expect(
      formatRecord(gsm, "alpaca", { answerStyle: "boxed" }).output.endsWith(
        "in April and May.\nThe final answer is $\\boxed{72}$.",
      ),
    ).toBe(true);
    expect(formatRecord(gsm, "alpaca", { answerStyle: "boxed" }).instruction).toBe(EN_BOXED);
    expect(formatRecord(math, "alpaca", { answerStyle: "line" }).output).toBe("We add: $1+1=\\boxed{2}$.\nAnswer: 2");
    expect(formatRecord({ ...zh, solution: undefined }, "alpaca", { answerStyle: "boxed" }).output).toBe(
      "最终答案是 $\\boxed{7}$。",
    );
  });

  it("keeps calculator annotations when stripCalculator is false", () => {
    expect(formatRecord(gsm, "alpaca", { stripCalculator: false }).output).toContain("<<48/2=24>>24");
  });

  it("takes the answer from GSM8K's #### line when the record has none, and does not repeat an answer line", () => {
    expect(formatRecord({ ...gsm, answer: undefined }, "alpaca").output.endsWith("May.\nAnswer: 72")).toBe(true);
    expect(formatRecord({ ...zh, solution: "3+4=7\n答：7" }, "alpaca").output).toBe("3+4=7\n答：7");
  });

  it("custom instructions per language", () => {
    expect(formatRecord(zh, "alpaca", { instructions: { zh: "解题：" } }).instruction).toBe("解题：");
    expect(formatRecord(gsm, "alpaca", { instructions: { zh: "解题：" } }).instruction).toBe(EN_LINE);
  });

  it("E_NO_ANSWER when no final answer is known", () => {
    try {
      formatRecord({ ...zh, answer: undefined }, "messages");
      expect.unreachable();
    } catch (e) {
      expect((e as MathtuneError).code).toBe("E_NO_ANSWER");
      expect((e as MathtuneError).message).toContain("zh/1");
    }
  });

  it("property: every format keeps the id; the output ends in a parseable answer line", () => {
    const rec = fc.record({
      id: fc.string({ minLength: 1, maxLength: 20 }),
      problem: fc.string({ minLength: 1, maxLength: 80 }),
      solution: fc.option(
        fc.string({ maxLength: 120 }).filter((s) => !s.includes("\\boxed") && !s.includes("#")),
        { nil: undefined },
      ),
      answer: fc
        .string({ minLength: 1, maxLength: 12 })
        .filter((s) => s.trim() === s && s.length > 0 && !/[\n\r]/.test(s)),
      lang: fc.constantFrom("en", "zh", "zh-Hans", "fr"),
    });
    fc.assert(
      fc.property(rec, fc.constantFrom(...FORMATS), (r, f) => {
        const record: MathRecord = { source: "t", ...r, ...(r.solution === undefined ? { solution: undefined } : {}) };
        const out = formatRecord(record, f) as { id: string };
        expect(out.id).toBe(r.id);
        const { output } = formatRecord(record, "alpaca");
        const last = output.slice(output.lastIndexOf("\n") + 1);
        const m = ANSWER_LINE_RE.exec(last);
        expect(m?.[1]).toBe(r.answer);
        expect(last.startsWith(r.lang.startsWith("zh") ? "答：" : "Answer: ")).toBe(true);
      }),
    );
  });
});

describe("helpers", () => {
  it("stripCalculatorAnnotations and dropAsymptote", () => {
    expect(stripCalculatorAnnotations("$<<12/60=0.2>>0.2 and <<0.2*50=10>>10")).toBe("$0.2 and 10");
    expect(dropAsymptote("A\n\n[asy]\nx;\n[/asy]\n\nB")).toBe("A\n\nB");
    expect(dropAsymptote("no figure")).toBe("no figure");
  });
});

describe("createFormatter", () => {
  it("defaults: messages, Qwen2.5, calculator stripped", async () => {
    const f = await createFormatter({});
    expect(f.format).toBe("messages");
    expect(f.template.name).toBe("qwen2.5");
    expect(f.options).toMatchObject({ answerStyle: "auto", stripCalculator: true, asymptote: "keep" });
    expect(JSON.stringify(f.formatRecord(gsm))).not.toContain("<<");
  });
  it("text with a model folder's template renders like the built-in one", async () => {
    const f = await createFormatter({ format: "text", chatTemplate: "qwen-model" }, { baseDir: fixtures });
    expect(f.formatRecord(gsm)).toEqual(formatRecord(gsm, "text"));
  });
  it("E_TEMPLATE_MISMATCH for a Phi-3 template with the (default) Qwen tokenizer", async () => {
    const err = await createFormatter({
      format: "text",
      chatTemplate: join(fixtures, "phi3", "chat_template.jinja"),
      tokenizer: join(fixtures, "qwen-model"),
    }).catch((e: unknown) => e);
    expect((err as MathtuneError).code).toBe("E_TEMPLATE_MISMATCH");
    expect((err as MathtuneError).message).toMatch(/Phi-3 tags.*Qwen model/);
  });
  it("a Phi-3 template with its own tokenizer is fine", async () => {
    const f = await createFormatter({ format: "text", chatTemplate: join(fixtures, "phi3") });
    expect((f.formatRecord(zh) as { text: string }).text).toBe(
      `<|user|>\n${ZH_LINE}\n\n3个苹果加4个苹果是几个？<|end|>\n<|assistant|>\n3+4=7\n答：7<|end|>\n`,
    );
  });
  it("E_OPTIONS_INVALID for unknown formats and options, every problem on its own line", () => {
    expect(() => parseFormatOptions({ format: "jsonl" })).toThrow(/format/);
    try {
      parseFormatOptions({ colour: 1, format: "jsonl" });
      expect.unreachable();
    } catch (e) {
      expect((e as MathtuneError).code).toBe("E_OPTIONS_INVALID");
      expect((e as MathtuneError).message.split("\n").slice(1)).toEqual([
        expect.stringMatching(/^  \/: unknown property 'colour'/),
        expect.stringMatching(/^  \/format: must be one of /),
      ]);
    }
  });
});

describe("outputs are gradable by @mathtune/answer", () => {
  it.each([
    [gsm, "72", "answer-line"],
    [zh, "7", "answer-line"],
    [math, "2", "boxed"],
    [{ ...gsm, answer: "-3/4" }, "-3/4", "answer-line"],
  ] as const)("%#: extractAnswer reads the final answer", async (record, answer, rule) => {
    const { extractAnswer } = await import("@mathtune/answer");
    const { output } = formatRecord(record, "alpaca");
    expect(extractAnswer(output, { mode: "strict" })).toEqual({ answer, rule });
  });
});

describe("createFormatter: asking for Phi-3 by name", () => {
  it("E_TEMPLATE_MISMATCH with the Phi-3 vs ChatML message for the default Qwen model", async () => {
    for (const name of ["phi3", "Phi-3", "phi-3.5"]) {
      const err = await createFormatter({ format: "text", chatTemplate: name }).catch((e: unknown) => e);
      expect((err as MathtuneError).code).toBe("E_TEMPLATE_MISMATCH");
      expect((err as MathtuneError).message).toContain("<|system|>");
      expect((err as MathtuneError).message).toContain("ChatML");
    }
  });
  it("E_TEMPLATE_NOT_FOUND when the tokenizer is not Qwen's (no built-in Phi-3 template)", async () => {
    const err = await createFormatter({
      format: "text",
      chatTemplate: "phi3",
      tokenizer: join(fixtures, "phi3"),
    }).catch((e: unknown) => e);
    expect((err as MathtuneError).code).toBe("E_TEMPLATE_NOT_FOUND");
  });
});

describe("prompt-completion with an unusual template", () => {
  it("E_TEMPLATE_RENDER when the prompt is not the start of the whole conversation", () => {
    const template = {
      name: "odd",
      source: "{% if add_generation_prompt %}GEN:{% endif %}{% for m in messages %}[{{ m.content }}]{% endfor %}",
      specialTokens: [],
    };
    try {
      formatRecord(zh, "prompt-completion", { template });
      expect.unreachable();
    } catch (e) {
      expect((e as MathtuneError).code).toBe("E_TEMPLATE_RENDER");
    }
    const ok = {
      name: "ok",
      source:
        "{% for m in messages %}[{{ m.role }}:{{ m.content }}]{% endfor %}{% if add_generation_prompt %}[assistant:{% endif %}",
      specialTokens: [],
    };
    expect(formatRecord(zh, "prompt-completion", { template: ok, answerStyle: "line" }).completion).toBe(
      "3+4=7\n答：7]",
    );
  });
});
