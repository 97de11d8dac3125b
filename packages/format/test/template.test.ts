import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MathtuneError } from "@mathtune/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assertTemplateFitsTokenizer,
  chatTemplateFromConfig,
  loadChatTemplate,
  QWEN25,
  QWEN25_CHAT_TEMPLATE,
  QWEN25_DEFAULT_SYSTEM,
  renderChat,
  templateStyle,
} from "@mathtune/format";

const fixtures = join(import.meta.dirname, "fixtures");
const SYS = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

const codeOf = async (p: Promise<unknown> | (() => unknown)): Promise<string | undefined> => {
  try {
    if (typeof p === "function") p();
    else await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MathtuneError);
    return (e as MathtuneError).code;
  }
  return undefined;
};

describe("QWEN25_CHAT_TEMPLATE", () => {
  it("is the content of templates/qwen2.5-chatml.jinja", () => {
    const file = readFileSync(join(import.meta.dirname, "..", "templates", "qwen2.5-chatml.jinja"), "utf8");
    expect(QWEN25_CHAT_TEMPLATE).toBe(file);
    expect(QWEN25.source).toBe(file);
    expect(QWEN25_DEFAULT_SYSTEM).toBe(SYS);
  });
});

// Each expected string below was written out by hand from the ChatML format
// (<|im_start|>role\n content <|im_end|>\n), not produced by the code under test.
const cases: Array<{
  name: string;
  messages: Array<{ role: string; content: string }>;
  gen: boolean;
  expected: string;
}> = [
  {
    name: "one user turn, prompt for generation, default system prompt",
    messages: [{ role: "user", content: "What is 2+3?" }],
    gen: true,
    expected:
      "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n" +
      "<|im_start|>user\nWhat is 2+3?<|im_end|>\n" +
      "<|im_start|>assistant\n",
  },
  {
    name: "user and assistant, no generation prompt",
    messages: [
      { role: "user", content: "What is 2+3?" },
      { role: "assistant", content: "2+3 = 5\nAnswer: 5" },
    ],
    gen: false,
    expected:
      "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n" +
      "<|im_start|>user\nWhat is 2+3?<|im_end|>\n" +
      "<|im_start|>assistant\n2+3 = 5\nAnswer: 5<|im_end|>\n",
  },
  {
    name: "own system prompt replaces the default",
    messages: [
      { role: "system", content: "You are a careful math tutor." },
      { role: "user", content: "Compute $\\frac{1}{2}+\\frac{1}{3}$." },
      { role: "assistant", content: "$\\frac{5}{6}$, so the answer is $\\boxed{\\frac{5}{6}}$." },
    ],
    gen: false,
    expected:
      "<|im_start|>system\nYou are a careful math tutor.<|im_end|>\n" +
      "<|im_start|>user\nCompute $\\frac{1}{2}+\\frac{1}{3}$.<|im_end|>\n" +
      "<|im_start|>assistant\n$\\frac{5}{6}$, so the answer is $\\boxed{\\frac{5}{6}}$.<|im_end|>\n",
  },
  {
    name: "two rounds, Chinese text, generation prompt",
    messages: [
      { role: "user", content: "小明有3个苹果，又买了4个。他现在有几个？" },
      { role: "assistant", content: "3+4=7\n答：7" },
      { role: "user", content: "再吃掉2个呢？" },
    ],
    gen: true,
    expected:
      "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n" +
      "<|im_start|>user\n小明有3个苹果，又买了4个。他现在有几个？<|im_end|>\n" +
      "<|im_start|>assistant\n3+4=7\n答：7<|im_end|>\n" +
      "<|im_start|>user\n再吃掉2个呢？<|im_end|>\n" +
      "<|im_start|>assistant\n",
  },
  {
    name: "empty system prompt stays empty (no default)",
    messages: [
      { role: "system", content: "" },
      { role: "user", content: "1+1?" },
    ],
    gen: false,
    expected: "<|im_start|>system\n<|im_end|>\n<|im_start|>user\n1+1?<|im_end|>\n",
  },
  {
    name: "leading and trailing whitespace in content is kept",
    messages: [{ role: "user", content: "  spaced \n\n" }],
    gen: false,
    expected: `<|im_start|>system\n${SYS}<|im_end|>\n<|im_start|>user\n  spaced \n\n<|im_end|>\n`,
  },
  {
    name: "no messages, generation prompt",
    messages: [],
    gen: true,
    expected: `<|im_start|>system\n${SYS}<|im_end|>\n<|im_start|>assistant\n`,
  },
];

describe("renderChat with the Qwen2.5 template", () => {
  it.each(cases)("$name", ({ messages, gen, expected }) => {
    expect(renderChat(messages, QWEN25, { addGenerationPrompt: gen })).toBe(expected);
    // the raw source renders the same as the ChatTemplate object, and the Jinja interpreter the same as the fast path
    expect(renderChat(messages, QWEN25_CHAT_TEMPLATE, { addGenerationPrompt: gen })).toBe(expected);
    expect(renderChat(messages, QWEN25, { addGenerationPrompt: gen, fast: false })).toBe(expected);
  });

  it("property: the fast path renders exactly what the Jinja template renders", () => {
    const text = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.string({ unit: "grapheme", maxLength: 20 }),
      fc.constantFrom("", "{{ x }}", "{% if %}", "<|im_end|>", "\n\n", " a ", "\\boxed{2}"),
    );
    const msg = fc.record({ role: fc.constantFrom("system", "user", "assistant", "tool"), content: text });
    fc.assert(
      fc.property(fc.array(msg, { maxLength: 6 }), fc.boolean(), (messages, gen) => {
        expect(renderChat(messages, QWEN25, { addGenerationPrompt: gen })).toBe(
          renderChat(messages, QWEN25, { addGenerationPrompt: gen, fast: false }),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("uses Qwen2.5 when no template is given", () => {
    expect(renderChat([{ role: "user", content: "x" }])).toBe(
      `<|im_start|>system\n${SYS}<|im_end|>\n<|im_start|>user\nx<|im_end|>\n`,
    );
  });
});

describe("renderChat errors", () => {
  it("E_TEMPLATE_INVALID for a template that does not parse", async () => {
    expect(await codeOf(() => renderChat([], "{% for x in %}"))).toBe("E_TEMPLATE_INVALID");
  });
  it("E_TEMPLATE_RENDER with the template's own raise_exception message", () => {
    try {
      renderChat([{ role: "user", content: "x" }], "{{ raise_exception('roles must alternate') }}");
      expect.unreachable();
    } catch (e) {
      expect((e as MathtuneError).code).toBe("E_TEMPLATE_RENDER");
      expect((e as MathtuneError).message).toContain("roles must alternate");
    }
  });
  it("passes bos/eos tokens and extra variables", () => {
    const out = renderChat(
      [{ role: "user", content: "hi" }],
      {
        name: "t",
        source: "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}{{ who }}",
        bosToken: "<s>",
        eosToken: "</s>",
        specialTokens: [],
      },
      { variables: { who: "!" } },
    );
    expect(out).toBe("<s>hi</s>!");
  });
});

describe("loadChatTemplate", () => {
  it("reads a model folder's tokenizer_config.json with its special tokens", async () => {
    const t = await loadChatTemplate(join(fixtures, "qwen-model"));
    expect(t.source).toBe(QWEN25_CHAT_TEMPLATE);
    expect(t.eosToken).toBe("<|im_end|>");
    expect(t.specialTokens).toContain("<|im_start|>");
    expect(t.tokenizerClass).toBe("Qwen2Tokenizer");
  });
  it("reads a tokenizer_config.json path relative to baseDir", async () => {
    const t = await loadChatTemplate("qwen-model/tokenizer_config.json", { baseDir: fixtures });
    expect(renderChat([{ role: "user", content: "a" }], t, { addGenerationPrompt: true })).toBe(
      `<|im_start|>system\n${SYS}<|im_end|>\n<|im_start|>user\na<|im_end|>\n<|im_start|>assistant\n`,
    );
  });
  it("prefers chat_template.jinja in a folder and takes tokens from tokenizer_config.json", async () => {
    const t = await loadChatTemplate(join(fixtures, "phi3"));
    expect(t.name.endsWith("chat_template.jinja")).toBe(true);
    expect(templateStyle(t.source)).toBe("phi3");
    expect(t.specialTokens).toContain("<|end|>");
    expect(renderChat([{ role: "user", content: "q" }], t, { addGenerationPrompt: true })).toBe(
      "<|user|>\nq<|end|>\n<|assistant|>\n",
    );
  });
  it("accepts the built-in name and a parsed config; picks the 'default' of a template list", async () => {
    expect(await loadChatTemplate("qwen2.5")).toBe(QWEN25);
    const t = await loadChatTemplate({
      chat_template: [
        { name: "tool_use", template: "T" },
        { name: "default", template: "D" },
      ],
    });
    expect(t.source).toBe("D");
  });
  it("E_INPUT_NOT_FOUND for a missing path; E_CONFIG_INVALID for a config without chat_template", async () => {
    expect(await codeOf(loadChatTemplate(join(fixtures, "nope.jinja")))).toBe("E_INPUT_NOT_FOUND");
    expect(await codeOf(() => chatTemplateFromConfig({ eos_token: "x" }))).toBe("E_CONFIG_INVALID");
  });
});

describe("assertTemplateFitsTokenizer", () => {
  it("refuses a Phi-3 template for a Qwen tokenizer with a message that says why", async () => {
    const phi = await loadChatTemplate(join(fixtures, "phi3"));
    try {
      assertTemplateFitsTokenizer(phi, QWEN25);
      expect.unreachable();
    } catch (e) {
      expect((e as MathtuneError).code).toBe("E_TEMPLATE_MISMATCH");
      expect((e as MathtuneError).message).toMatch(/Phi-3/);
      expect((e as MathtuneError).message).toMatch(/ChatML/);
      expect((e as MathtuneError).message).toContain("<|im_start|>");
    }
  });
  it("accepts ChatML for Qwen and Phi-3 for a Phi-3 tokenizer", async () => {
    const phi = await loadChatTemplate(join(fixtures, "phi3"));
    expect(() => assertTemplateFitsTokenizer(QWEN25, QWEN25)).not.toThrow();
    expect(() => assertTemplateFitsTokenizer(phi, phi)).not.toThrow();
  });
  it("refuses a template whose tags the tokenizer lacks", async () => {
    const phi = await loadChatTemplate(join(fixtures, "phi3"));
    expect(await codeOf(() => assertTemplateFitsTokenizer(QWEN25, phi))).toBe("E_TEMPLATE_MISMATCH");
  });
});
