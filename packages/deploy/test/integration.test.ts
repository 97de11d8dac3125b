// The whole deploy path on the tiny Qwen2 model trained to answer arithmetic in ChatML: LoRA run ->
// merge -> f16 GGUF -> q8_0 and q4_k_m -> read back and checked -> node-llama-cpp generation ->
// Modelfile -> a real Ollama server (started here on a loopback port) -> chat, the answer read back
// by @mathtune/answer. Also the LoRA-GGUF path, template parity, and bad input.
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { extractAnswer } from "@mathtune/answer";
import { isMathtuneError, type MathtuneError } from "@mathtune/core";
import {
  chatmlGoTemplate,
  createOllamaModel,
  deploy,
  type DeployResult,
  ensureLlamaCpp,
  ensureOllama,
  generateWithGguf,
  readGgufInfo,
  quantizeGguf,
  smokeTest,
  tokenizeWithGguf,
} from "@mathtune/deploy";
import { type OllamaServer, startOllama } from "@mathtune/deploy/testing";
import { QWEN25, QWEN25_DEFAULT_SYSTEM, renderChat, type ChatMessage } from "@mathtune/format";
import { merge, setup, train } from "@mathtune/train";
import { createTinyTrainedModel } from "@mathtune/train/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHAT_TEMPLATE = fileURLToPath(new URL("../../format/templates/qwen2.5-chatml.jinja", import.meta.url));
const LONG = 1_800_000;
const IM_END = 2; // the tiny tokenizer's <|im_end|>

let work: string;
let tiny: string;
let merged: string;
let run: string;
let server: OllamaServer;
let full: DeployResult;

const log = (s: string) => process.stderr.write(`[deploy test] ${s}\n`);

async function code(p: Promise<unknown>): Promise<MathtuneError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(isMathtuneError(e)).toBe(true);
  return e as MathtuneError;
}

/** Arithmetic records in the build's record format, for a short LoRA run. */
async function writeData(dir: string): Promise<void> {
  const lines: string[] = [];
  for (let i = 0; i < 16; i++) {
    const a = i % 10;
    const b = (i * 3) % 10;
    lines.push(
      JSON.stringify({
        id: `t/${i}`,
        source: "t",
        split: "train",
        problem: `What is ${a} + ${b}?`,
        solution: `${a} + ${b} = ${a + b}.`,
        answer: String(a + b),
        answerKind: "integer",
        lang: "en",
      }),
    );
  }
  await writeFile(join(dir, "train.jsonl"), `${lines.join("\n")}\n`);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "mathtune-deploy-it-"));
  let t = Date.now();
  await setup({ onEvent: (e) => log(`[setup] ${e.type === "pip" ? e.line : e.message}`) });
  const model = await createTinyTrainedModel({
    chatTemplate: CHAT_TEMPLATE,
    onEvent: (e) =>
      e.type === "progress" && Number(e.step) % 100 === 1 && log(`tiny model: step ${e.step} loss ${e.loss}`),
  });
  tiny = model.path;
  log(`tiny trained model ${tiny} (${((Date.now() - t) / 1000).toFixed(0)} s; ${JSON.stringify(model.trained)})`);
  t = Date.now();
  const data = join(work, "data");
  await (await import("node:fs/promises")).mkdir(data);
  await writeData(data);
  run = join(work, "run");
  await train({
    data,
    model: tiny,
    out: run,
    maxSteps: 2,
    batchSize: 4,
    learningRate: 1e-4,
    warmupSteps: 0,
    maxSeqLength: 128,
    threads: 1,
    seed: 1,
    evalAtStart: false,
    saveSteps: 100,
    evalSteps: 100,
  });
  merged = join(work, "merged");
  await merge({ adapter: run, model: tiny, out: merged });
  log(`LoRA run and merge done (${((Date.now() - t) / 1000).toFixed(0)} s)`);
  t = Date.now();
  await ensureOllama({ onEvent: (e) => e.type !== "build" && log(`${e.tool}: ${e.message}`) });
  await ensureLlamaCpp({ onEvent: (e) => e.type !== "build" && log(`${e.tool}: ${e.message}`) });
  log(`tools ready (${((Date.now() - t) / 1000).toFixed(0)} s)`);
  server = await startOllama({ debug: true });
  log(`ollama at ${server.url}`);
}, LONG);

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("deploy: merged model -> GGUF -> Ollama", () => {
  it(
    "converts, quantizes to q8_0 and q4_k_m, checks, smoke-tests, writes Modelfiles and creates a working Ollama model",
    async () => {
      const events: string[] = [];
      full = await deploy({
        model: merged,
        out: join(work, "out"),
        quant: "q8_0,q4_k_m",
        preTokenizer: "qwen2",
        name: "mathtune-tiny",
        host: server.url,
        smokeMaxTokens: 40,
        threads: 1,
        onEvent: (e) => events.push(e.type === "stage" ? e.stage : e.type),
      });
      expect(full.files.map((f) => f.type)).toEqual(["f16", "q8_0", "q4_k_m"]);
      expect(events).toContain("convert");
      expect(events).toContain("quantize");
      const [f16, q8, q4] = full.files as [
        DeployResult["files"][0],
        DeployResult["files"][0],
        DeployResult["files"][0],
      ];
      expect(q8.ratio).toBeLessThan(0.6);
      expect(q4.ratio).toBeLessThan(q8.ratio);
      for (const f of full.files) expect(f.check).toMatchObject({ ok: true, fallbacks: [] });
      const infos = await Promise.all(full.files.map((f) => readGgufInfo(join(full.out, f.file))));
      for (const info of infos) {
        expect(info.architecture).toBe("qwen2");
        expect(info.tensorCount).toBe(infos[0]!.tensorCount);
        expect(info.chatTemplate).toBe(QWEN25.source);
        expect(info.tokens?.eos).toBe(IM_END);
        expect(info.tokens?.eosText).toBe("<|im_end|>");
      }
      expect(infos[1]!.typeCounts.Q8_0).toBeGreaterThan(0);
      expect(infos[2]!.typeCounts.Q4_K).toBeGreaterThan(0);
      expect(infos[0]!.typeCounts.F16).toBeGreaterThan(0);
      expect(f16.bytes).toBe(infos[0]!.bytes);
      // the smoke test in deploy passed on both quantized files
      expect(full.smoke?.q8_0?.ok).toBe(true);
      expect(full.smoke?.q4_k_m?.reason).toBe("end-of-turn");
      // Modelfiles and the manifest were written
      const modelfile = await readFile(join(full.out, "Modelfile"), "utf8");
      expect(modelfile.split("\n")[0]).toBe("FROM ./model.q8_0.gguf");
      expect(modelfile).toContain('PARAMETER stop "<|im_end|>"');
      expect(existsSync(join(full.out, "Modelfile.q4_k_m"))).toBe(true);
      const manifest = JSON.parse(await readFile(join(full.out, "deploy.json"), "utf8")) as {
        files: { file: string }[];
      };
      expect(manifest.files.map((f) => f.file)).toEqual(["model.f16.gguf", "model.q8_0.gguf", "model.q4_k_m.gguf"]);
      // Ollama: created, and its reply ended its turn with an answer line
      expect(full.ollama?.reply?.doneReason).toBe("stop");
      const reply = await server.client.chat("mathtune-tiny", [{ role: "user", content: "What is 3 + 4?" }], {
        options: { num_predict: 40, num_thread: 1 },
      });
      log(`ollama replied ${JSON.stringify(reply.content)} (${reply.doneReason})`);
      expect(reply.doneReason).toBe("stop");
      expect(extractAnswer(reply.content)?.answer).toMatch(/^\d+$/);
      const shown = await server.client.show("mathtune-tiny");
      expect(shown.template).toBe(chatmlGoTemplate(QWEN25_DEFAULT_SYSTEM));
    },
    LONG,
  );

  it(
    "generates in node-llama-cpp from q4_k_m and f16 and ends on <|im_end|> with an answer line",
    async () => {
      const prompt = renderChat([{ role: "user", content: "What is 3 + 4?" }], QWEN25, { addGenerationPrompt: true });
      for (const f of ["model.q4_k_m.gguf", "model.f16.gguf"]) {
        const r = await generateWithGguf({ gguf: join(full.out, f), prompt, maxTokens: 40, threads: 1 });
        log(`${f}: ${JSON.stringify(r.text)} (${r.reason}, ${r.tokensPerSecond.toFixed(1)} tokens/s)`);
        expect(r.reason).toBe("end-of-turn");
        expect(r.stopToken).toBe(IM_END);
        expect(extractAnswer(r.text)?.answer).toMatch(/^\d+$/);
      }
    },
    LONG,
  );

  it(
    "the smoke test fails when the stop tokens or the template are wrong",
    async () => {
      const gguf = join(full.out, "model.q8_0.gguf");
      const good = renderChat([{ role: "user", content: "What is 2 + 3?" }], QWEN25, { addGenerationPrompt: true });
      const ok = await smokeTest({ gguf, prompt: good, maxTokens: 32, threads: 1 });
      expect(ok.ok).toBe(true);
      // <|endoftext|> instead of <|im_end|>: the reply runs on past the end of its turn
      const wrongStop = await smokeTest({ gguf, prompt: good, stop: [0], maxTokens: 32, threads: 1 });
      expect(wrongStop.ok).toBe(false);
      expect(wrongStop.reason).toBe("length");
      expect(wrongStop.problem).toMatch(/without an end-of-turn token/);
      // Prompts in other models' formats instead of ChatML: the model runs on or says no answer line.
      // Which of them a tiny model still answers under depends on its training, which differs a little
      // from one CPU to another (one machine's copy answered under Phi-3's tags, another's under
      // Alpaca's), so most of them, not each, must be rejected, and each rejection must say why.
      const wrongTemplates = {
        alpaca: "### Instruction:\nWhat is 2 + 3?\n\n### Response:\n",
        plain: "What is 2 + 3?\n",
        phi3: "<|user|>\nWhat is 2 + 3?<|end|>\n<|assistant|>\n",
        llama3:
          "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2 + 3?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
        gemma: "<start_of_turn>user\nWhat is 2 + 3?<end_of_turn>\n<start_of_turn>model\n",
      };
      let rejected = 0;
      for (const [name, prompt] of Object.entries(wrongTemplates)) {
        const r = await smokeTest({ gguf, prompt, maxTokens: 32, threads: 1 });
        log(`${name} prompt: ${JSON.stringify(r.text)} (${r.reason}, ${r.ok ? "passed" : "rejected"})`);
        if (r.ok) continue;
        rejected++;
        expect(r.problem).toMatch(/no final answer|without an end-of-turn token/);
      }
      expect(rejected).toBeGreaterThanOrEqual(3);
    },
    LONG,
  );

  it(
    "format, the GGUF's template and Ollama's template render the same prompt and the same token ids",
    async () => {
      const conversations: ChatMessage[][] = [
        [{ role: "user", content: "What is 2 + 3?" }],
        [
          { role: "system", content: "You are a careful math tutor." },
          { role: "user", content: "What is 9 - 4?" },
        ],
        [
          { role: "user", content: "What is 1 + 1?" },
          { role: "assistant", content: "1 + 1 = 2.\nAnswer: 2" },
          { role: "user", content: "And 2 + 2?" },
        ],
        [
          { role: "system", content: "你是一位细心的数学老师。" },
          { role: "user", content: "小明有 3 个苹果，又买了 4 个。他现在有几个苹果？" },
        ],
      ];
      const gguf = join(full.out, "model.q8_0.gguf");
      const info = await readGgufInfo(gguf);
      const before = server.prompts().length;
      const texts: string[][] = [];
      for (const conv of conversations) {
        const training = renderChat(conv, QWEN25, { addGenerationPrompt: true });
        const embedded = renderChat(conv, info.chatTemplate!, { addGenerationPrompt: true, fast: false });
        await server.client.chat("mathtune-tiny", conv, { options: { num_predict: 1, num_thread: 1 } });
        texts.push([training, embedded]);
      }
      const ollama = server.prompts().slice(before);
      expect(ollama).toHaveLength(conversations.length);
      for (let i = 0; i < conversations.length; i++) {
        const [training = "", embedded = ""] = texts[i]!;
        expect(embedded).toBe(training);
        expect(ollama[i]).toBe(training);
        const [a, b, c] = await tokenizeWithGguf(gguf, [training, embedded, ollama[i]!]);
        expect(a!.length).toBeGreaterThan(10);
        expect(b).toEqual(a);
        expect(c).toEqual(a);
      }
    },
    LONG,
  );

  it(
    "refuses a Modelfile with Phi-3 tags for the Qwen model before it reaches Ollama",
    async () => {
      const e = await code(
        createOllamaModel({
          name: "mathtune-tiny-phi3",
          gguf: join(full.out, "model.q8_0.gguf"),
          template:
            "{{ if .System }}<|system|>\n{{ .System }}<|end|>\n{{ end }}{{ range .Messages }}<|{{ .Role }}|>\n{{ .Content }}<|end|>\n{{ end }}<|assistant|>\n",
          parameters: { stop: ["<|end|>"] },
          host: server.url,
        }),
      );
      expect(e.code).toBe("E_TEMPLATE_MISMATCH");
      expect(e.message).toMatch(/Phi-3/);
      const tags = (await (await fetch(`${server.url}/api/tags`)).json()) as { models: { name: string }[] };
      expect(tags.models.map((m) => m.name)).not.toContain("mathtune-tiny-phi3:latest");
    },
    LONG,
  );
});

describe("deploy: the LoRA adapter as an Ollama ADAPTER", () => {
  it(
    "converts the adapter alone, checks it, and runs it on the base in node-llama-cpp and Ollama",
    async () => {
      const r = await deploy({
        adapter: run,
        base: tiny,
        out: join(work, "out-lora"),
        quant: "q8_0",
        preTokenizer: "qwen2",
        name: "mathtune-tiny-lora",
        host: server.url,
        smokeMaxTokens: 40,
        threads: 1,
      });
      expect(r.adapter?.type).toBe("lora");
      expect(r.adapter!.bytes).toBeLessThan(r.files[1]!.bytes / 2);
      const info = await readGgufInfo(join(r.out, "adapter.gguf"));
      expect(info.adapterType).toBe("lora");
      expect(info.architecture).toBe("qwen2");
      expect(info.tensors.some((t) => t.name.endsWith("lora_a"))).toBe(true);
      const modelfile = await readFile(join(r.out, "Modelfile"), "utf8");
      expect(modelfile).toContain("ADAPTER ./adapter.gguf");
      expect(r.smoke?.q8_0?.ok).toBe(true);
      expect(r.ollama?.reply?.doneReason).toBe("stop");
      log(`lora via ollama: ${JSON.stringify(r.ollama?.reply?.content)}`);
      expect(extractAnswer(r.ollama!.reply!.content)?.answer).toMatch(/^\d+$/);
    },
    LONG,
  );
});

describe("deploy: bad input", () => {
  it(
    "a truncated GGUF is E_INPUT_TRUNCATED naming the file, and llama-quantize refuses it without leaving a file",
    async () => {
      const dir = join(work, "bad");
      await (await import("node:fs/promises")).mkdir(dir, { recursive: true });
      const cut = join(dir, "cut.gguf");
      await copyFile(join(full.out, "model.q8_0.gguf"), cut);
      await truncate(cut, Math.floor(full.files[1]!.bytes * 0.6));
      const e = await code(readGgufInfo(cut));
      expect(e.code).toBe("E_INPUT_TRUNCATED");
      expect(e.message).toContain(cut);
      const notGguf = join(dir, "text.gguf");
      await writeFile(notGguf, "hello, not a model\n".repeat(100));
      const q = await code(quantizeGguf({ input: notGguf, out: join(dir, "q.gguf"), type: "q4_k_m", threads: 1 }));
      expect(["E_GGUF_INVALID", "E_SUBPROCESS_FAILED"]).toContain(q.code);
      expect(q.message).toContain(notGguf);
      expect((await readdir(dir)).sort()).toEqual(["cut.gguf", "text.gguf"]);
    },
    LONG,
  );

  it(
    "an unknown quant type or a failing smoke test leaves no output folder",
    async () => {
      const out = join(work, "atomic", "out");
      const q = await code(deploy({ model: merged, out, quant: "q4_k_m,q3_xl", preTokenizer: "qwen2" }));
      expect(q.code).toBe("E_QUANT_TYPE");
      expect(existsSync(join(work, "atomic"))).toBe(false);
      // one token is not enough to end a turn: the smoke test fails after convert and quantize
      const s = await code(
        deploy({ model: merged, out, quant: "q8_0", preTokenizer: "qwen2", smokeMaxTokens: 1, threads: 1 }),
      );
      expect(s.code).toBe("E_SMOKE_FAILED");
      expect(s.message).toContain("model.q8_0.gguf");
      expect(await readdir(join(work, "atomic"))).toEqual([]);
    },
    LONG,
  );

  it("an Ollama server that is down is E_OLLAMA_UNREACHABLE naming the host", async () => {
    const e = await code(
      createOllamaModel({
        name: "x",
        gguf: join(full.out, "model.q8_0.gguf"),
        template: "{{ .Prompt }}<|im_end|>",
        parameters: { stop: ["<|im_end|>"] },
        host: "127.0.0.1:9",
      }),
    );
    expect(e.code).toBe("E_OLLAMA_UNREACHABLE");
    expect(e.message).toContain("127.0.0.1:9");
  });
});
