import type { AddressInfo } from "node:net";
import { createServer } from "node:http";
import { isMathtuneError, type MathtuneError } from "@mathtune/core";
import { evaluate, ollamaBackend, ollamaUrl, readPredictions } from "@mathtune/eval";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { chatmlGoTemplate, createOllamaModel, findOllama, MATH_PARAMETERS } from "@mathtune/deploy";
import { type OllamaServer, startOllama } from "@mathtune/deploy/testing";
import { arithmeticBuild, removeTempDirs, tempDir } from "./helpers.js";
import { tinyGguf } from "./models.js";

vi.setConfig({ testTimeout: 300_000 });
afterAll(removeTempDirs);

describe("Ollama backend", () => {
  it("reads OLLAMA_HOST in its forms", () => {
    expect(ollamaUrl(undefined)).toBe("http://127.0.0.1:11434");
    expect(ollamaUrl("")).toBe("http://127.0.0.1:11434");
    expect(ollamaUrl("0.0.0.0")).toBe("http://127.0.0.1:11434");
    expect(ollamaUrl("127.0.0.1:5000")).toBe("http://127.0.0.1:5000");
    expect(ollamaUrl("https://ollama.example:8443")).toBe("https://ollama.example:8443");
  });

  it("a server that is down: E_SERVER_UNREACHABLE naming OLLAMA_HOST", async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    const err = (await ollamaBackend({ model: "x", host: `127.0.0.1:${port}`, retries: 1, backoffMs: 5 }).catch(
      (e: unknown) => e,
    )) as MathtuneError;
    expect(isMathtuneError(err, "E_SERVER_UNREACHABLE")).toBe(true);
    expect(err.message).toMatch(/ollama serve.*OLLAMA_HOST/);
  });
});

// The real server, when the Ollama build of the deploy work is on this machine ($MATHTUNE_OLLAMA or
// the cached build): the trained tiny model made into an Ollama model with deploy's ChatML template.
const ollama = await findOllama();
describe.runIf(ollama)("Ollama backend against a real `ollama serve`", () => {
  let server: OllamaServer;
  let built: string;
  beforeAll(async () => {
    const [gguf, b, s] = await Promise.all([tinyGguf("f16"), arithmeticBuild(), startOllama({ bin: ollama!.path })]);
    built = b;
    server = s;
    await createOllamaModel({
      name: "mathtune-tiny:f16",
      gguf,
      template: chatmlGoTemplate(),
      parameters: { ...MATH_PARAMETERS, stop: ["<|im_end|>"] },
      host: server.url,
    });
  }, 1_800_000);
  afterAll(async () => server?.stop());

  it("generates through /api/chat: the model answers and ends its turn, graded right and wrong", async () => {
    const r = await evaluate({
      model: "ollama:mathtune-tiny:f16",
      host: server.url,
      testSet: built,
      out: await tempDir("ollama"),
      limit: 8,
      maxTokens: 24,
    });
    const preds = await readPredictions(r.predictionsFile);
    expect(preds).toHaveLength(8);
    for (const p of preds) {
      expect(p.finish).toBe("stop");
      expect(p.tokens).toBeGreaterThan(0);
      expect(p.tokens).toBeLessThan(24);
      expect(p.output).toMatch(/Answer: -?\d+\s*$/);
      expect(p.strict.verdict).toBe(p.strict.answer === p.gold ? "correct" : "wrong");
    }
    expect(r.metrics.finish).toEqual({ stop: 8, length: 0 });
    expect(r.metrics.overall.strict.correct).toBeGreaterThan(0);
    expect(r.metrics.overall.strict.correct + r.metrics.overall.strict.wrong).toBe(8);
    expect(r.metrics.model).toMatchObject({ backend: "ollama", name: "ollama:mathtune-tiny:f16", quantization: "f16" });
  });

  it("num_predict is the length limit", async () => {
    const r = await evaluate({
      model: "ollama:mathtune-tiny:f16",
      host: server.url,
      testSet: built,
      out: await tempDir("ollama-short"),
      limit: 3,
      maxTokens: 3,
    });
    const preds = await readPredictions(r.predictionsFile);
    expect(preds).toHaveLength(3);
    for (const p of preds) {
      expect(p.finish).toBe("length");
      expect(p.tokens).toBe(3);
      expect(p.strict.verdict).toBe("length");
    }
  });

  it("an unknown model: E_MODEL_NOT_FOUND", async () => {
    const err = await ollamaBackend({ model: "no-such-model", host: server.url }).catch((e: unknown) => e);
    expect(isMathtuneError(err, "E_MODEL_NOT_FOUND")).toBe(true);
  });
});
