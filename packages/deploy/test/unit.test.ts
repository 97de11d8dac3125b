import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMathtuneError, type MathtuneError } from "@mathtune/core";
import {
  assertModelfileFitsModel,
  chatmlGoTemplate,
  checkGguf,
  checkModelDir,
  cpuLevel,
  type GgufInfo,
  OllamaClient,
  ollamaHost,
  ollamaTemplateFor,
  parseQuantTypes,
  readGgufInfo,
  renderModelfile,
} from "@mathtune/deploy";
import { freePort, parsePrompts } from "@mathtune/deploy/testing";
import { QWEN25_CHAT_TEMPLATE, QWEN25_DEFAULT_SYSTEM } from "@mathtune/format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const QWEN_SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];
const PHI3_TEMPLATE =
  "{{ if .System }}<|system|>\n{{ .System }}<|end|>\n{{ end }}{{ range .Messages }}<|{{ .Role }}|>\n{{ .Content }}<|end|>\n{{ end }}<|assistant|>\n";

async function code(p: Promise<unknown>): Promise<MathtuneError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(isMathtuneError(e)).toBe(true);
  return e as MathtuneError;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mathtune-deploy-unit-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("cpu level", () => {
  it("reads the x86-64 level from /proc/cpuinfo flags", () => {
    const v2 = "cx16 lahf_lm popcnt sse4_1 sse4_2 ssse3";
    const v3 = `${v2} avx avx2 bmi1 bmi2 f16c fma abm movbe xsave`;
    expect(cpuLevel(`processor : 0\nflags\t\t: fpu ${v3} avx512f\n`)).toBe("x86-64-v3");
    expect(cpuLevel(`flags : ${v2} avx\n`)).toBe("x86-64-v2");
    expect(cpuLevel("flags : fpu sse sse2\n")).toBe("x86-64");
  });
});

describe("quant types", () => {
  it("parses a list and refuses unknown types", () => {
    expect(parseQuantTypes("q4_k_m, Q8_0,q4_k_m")).toEqual(["q4_k_m", "q8_0"]);
    expect(() => parseQuantTypes("q4_k_m,q3_xs")).toThrowError(/unknown quantization type 'q3_xs'/);
    try {
      parseQuantTypes(["q9"]);
    } catch (e) {
      expect((e as MathtuneError).code).toBe("E_QUANT_TYPE");
    }
  });
});

describe("Ollama template and Modelfile", () => {
  it("maps the Qwen2.5 ChatML template to a Go template with its default system prompt", () => {
    const t = ollamaTemplateFor(QWEN25_CHAT_TEMPLATE, { eos: "<|im_end|>" });
    expect(t.source).toBe("chatml");
    expect(t.stop).toEqual(["<|im_end|>"]);
    expect(t.template).toContain(QWEN25_DEFAULT_SYSTEM);
    expect(t.template).toBe(chatmlGoTemplate(QWEN25_DEFAULT_SYSTEM));
    expect(t.template.endsWith("<|im_start|>assistant\n")).toBe(true);
  });

  it("writes a Modelfile with FROM, ADAPTER, TEMPLATE, SYSTEM, stop and greedy decoding", () => {
    const text = renderModelfile({
      from: "./model.q4_k_m.gguf",
      adapter: "./adapter.gguf",
      template: chatmlGoTemplate(),
      system: "Be brief.",
      stop: ["<|im_end|>"],
      numCtx: 2048,
    });
    const lines = text.trim().split("\n");
    expect(lines[0]).toBe("FROM ./model.q4_k_m.gguf");
    expect(lines[1]).toBe("ADAPTER ./adapter.gguf");
    expect(text).toContain('TEMPLATE """{{- if .System }}');
    expect(text).toContain('SYSTEM """Be brief."""');
    expect(lines).toContain('PARAMETER stop "<|im_end|>"');
    expect(lines).toContain("PARAMETER temperature 0");
    expect(lines).toContain("PARAMETER num_ctx 2048");
  });

  it("refuses Phi-3 tags and foreign stop tokens for a Qwen model", () => {
    expect(() => assertModelfileFitsModel({ template: PHI3_TEMPLATE, stop: ["<|end|>"] }, QWEN_SPECIAL)).toThrowError(
      /Phi-3 tags/,
    );
    expect(() =>
      assertModelfileFitsModel({ template: chatmlGoTemplate(), stop: ["<|end|>"] }, QWEN_SPECIAL),
    ).toThrowError(/<\|end\|> is not a special token/);
    expect(() => assertModelfileFitsModel({ template: chatmlGoTemplate(), stop: [] }, QWEN_SPECIAL)).toThrowError(
      /no stop token/,
    );
    expect(() =>
      assertModelfileFitsModel({ template: chatmlGoTemplate(), stop: ["<|im_end|>"] }, QWEN_SPECIAL),
    ).not.toThrow();
  });
});

describe("GGUF checks", () => {
  const info = (tensors: GgufInfo["tensors"]): GgufInfo => ({
    path: "/x.gguf",
    bytes: 1,
    architecture: "qwen2",
    tensorCount: tensors.length,
    tensors,
    typeCounts: {},
    chatTemplate: "t",
    tokens: { count: 10, eos: 2, special: [] },
    metadata: {},
  });

  it("reports K-quant fallbacks where rows are not a multiple of 256, and wrong types as problems", () => {
    const c = checkGguf(
      info([
        { name: "blk.0.attn_q.weight", shape: [256, 256], type: "Q4_K" },
        { name: "blk.0.ffn_down.weight", shape: [320, 256], type: "Q5_0" },
        { name: "blk.0.attn_norm.weight", shape: [256], type: "F32" },
      ]),
      { quant: "q4_k_m", architecture: "qwen2", endOfTurn: [2], chatTemplate: "t" },
    );
    expect(c.ok).toBe(true);
    expect(c.fallbacks).toEqual([
      {
        tensor: "blk.0.ffn_down.weight",
        shape: [320, 256],
        expected: "Q4_K",
        actual: "Q5_0",
        reason: "rows of 320 are not a multiple of 256",
      },
    ]);
    const bad = checkGguf(info([{ name: "blk.0.attn_q.weight", shape: [256, 256], type: "F16" }]), {
      quant: "q8_0",
      architecture: "llama",
      endOfTurn: [7],
      chatTemplate: "other",
    });
    expect(bad.ok).toBe(false);
    expect(bad.problems.join("\n")).toMatch(/architecture is qwen2, expected llama/);
    expect(bad.problems.join("\n")).toMatch(/tensor blk.0.attn_q.weight is F16, expected Q8_0/);
    expect(bad.problems.join("\n")).toMatch(/eos\/eot token ids \[2\]/);
    expect(bad.problems.join("\n")).toMatch(/chat_template differs/);
  });

  it("refuses a file that is not a GGUF, naming it", async () => {
    const f = join(dir, "not.gguf");
    await writeFile(f, "PK\x03\x04 a zip, not a model");
    const e = await code(readGgufInfo(f));
    expect(e.code).toBe("E_GGUF_INVALID");
    expect(e.message).toContain(f);
    expect((await code(readGgufInfo(join(dir, "missing.gguf")))).code).toBe("E_INPUT_NOT_FOUND");
  });
});

describe("model folder checks", () => {
  it("names what is missing: folder, config, architecture, tokenizer", async () => {
    expect((await code(checkModelDir(join(dir, "nope")))).code).toBe("E_INPUT_NOT_FOUND");
    const m = join(dir, "model");
    await mkdir(m, { recursive: true });
    const noCfg = await code(checkModelDir(m));
    expect(noCfg.code).toBe("E_MODEL_INVALID");
    expect(noCfg.message).toContain(join(m, "config.json"));
    await writeFile(join(m, "config.json"), JSON.stringify({ architectures: ["BertForMaskedLM"] }));
    const arch = await code(checkModelDir(m));
    expect(arch.code).toBe("E_ARCH_UNSUPPORTED");
    expect(arch.message).toContain("BertForMaskedLM");
    await writeFile(join(m, "config.json"), JSON.stringify({ architectures: ["Qwen2ForCausalLM"] }));
    const tok = await code(checkModelDir(m));
    expect(tok.code).toBe("E_MODEL_INVALID");
    expect(tok.message).toMatch(/no tokenizer/);
    await writeFile(join(m, "tokenizer.json"), "{}");
    await expect(checkModelDir(m)).resolves.toMatchObject({ architecture: "Qwen2ForCausalLM" });
  });
});

describe("Ollama client errors", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/api/version") return void res.end(JSON.stringify({ version: "0.0.0-test" }));
      if (req.url === "/api/create") {
        res.write(`${JSON.stringify({ status: "parsing GGUF" })}\n`);
        return void res.end(`${JSON.stringify({ error: "unsupported architecture" })}\n`);
      }
      res.statusCode = 500;
      res.end(JSON.stringify({ error: "model 'x' not found" }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const a = server.address();
    url = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it("respects OLLAMA_HOST and defaults to loopback", () => {
    const saved = process.env.OLLAMA_HOST;
    try {
      delete process.env.OLLAMA_HOST;
      expect(ollamaHost()).toBe("http://127.0.0.1:11434");
      process.env.OLLAMA_HOST = "10.1.2.3:4000";
      expect(ollamaHost()).toBe("http://10.1.2.3:4000");
      expect(ollamaHost("https://example.test/")).toBe("https://example.test");
    } finally {
      if (saved === undefined) delete process.env.OLLAMA_HOST;
      else process.env.OLLAMA_HOST = saved;
    }
  });

  it("a server that is down is E_OLLAMA_UNREACHABLE naming the host", async () => {
    const port = await freePort();
    const e = await code(new OllamaClient(`127.0.0.1:${port}`).version());
    expect(e.code).toBe("E_OLLAMA_UNREACHABLE");
    expect(e.message).toContain(`127.0.0.1:${port}`);
  });

  it("an error answer is E_OLLAMA_ERROR with the server's message, also inside a create stream", async () => {
    const c = new OllamaClient(url);
    expect(await c.version()).toBe("0.0.0-test");
    const e = await code(c.chat("x", [{ role: "user", content: "hi" }]));
    expect(e.code).toBe("E_OLLAMA_ERROR");
    expect(e.message).toMatch(/500: model 'x' not found/);
    const statuses: string[] = [];
    const ce = await code(c.create({ model: "m" }, { onEvent: (s) => statuses.push(s.status) }));
    expect(ce.code).toBe("E_OLLAMA_ERROR");
    expect(ce.message).toContain("unsupported architecture");
    expect(statuses).toEqual(["parsing GGUF"]);
  });
});

describe("Ollama debug log", () => {
  it("reads the rendered chat prompts back", () => {
    const log =
      'time=2026-01-01T00:00:00.000Z level=DEBUG source=routes.go:1522 msg="chat request" images=0 prompt="<|im_start|>system\\nYou are \\"careful\\".<|im_end|>\\n<|im_start|>user\\n你好 \\\\ 1+1?<|im_end|>\\n<|im_start|>assistant\\n"\n' +
      'time=2026-01-01T00:00:01.000Z level=DEBUG source=routes.go:1522 msg="chat request" images=0 prompt="a\\tb"\n';
    expect(parsePrompts(log)).toEqual([
      '<|im_start|>system\nYou are "careful".<|im_end|>\n<|im_start|>user\n你好 \\ 1+1?<|im_end|>\n<|im_start|>assistant\n',
      "a\tb",
    ]);
  });
});
