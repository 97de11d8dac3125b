import type { AddressInfo } from "node:net";
import { createServer } from "node:http";
import { isMathtuneError, type MathtuneError } from "@mathtune/core";
import { evaluate, ollamaBackend, ollamaUrl, readPredictions } from "@mathtune/eval";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { tinyGguf } from "./gguf.js";
import { removeTempDirs, smallBuild, tempDir } from "./helpers.js";
import { createOllamaModel, hasOllama, type OllamaServer, startOllama } from "./ollama-server.js";

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
    const err = (await ollamaBackend({ model: "x", host: `127.0.0.1:${port}`, retries: 1, backoffMs: 5 }).catch((e: unknown) => e)) as MathtuneError;
    expect(isMathtuneError(err, "E_SERVER_UNREACHABLE")).toBe(true);
    expect(err.message).toMatch(/ollama serve.*OLLAMA_HOST/);
  });
});

// The real server, when the Ollama build of the deploy work is on this machine.
describe.runIf(hasOllama)("Ollama backend against a real `ollama serve`", () => {
  let server: OllamaServer;
  let built: string;
  beforeAll(async () => {
    const [gguf, b, s] = await Promise.all([tinyGguf("f16"), smallBuild(), startOllama()]);
    built = b;
    server = s;
    await createOllamaModel(server.url, "mathtune-tiny:f16", gguf);
  });
  afterAll(async () => server?.stop());

  it("generates through /api/chat with num_predict as the length limit", async () => {
    const r = await evaluate({ model: "ollama:mathtune-tiny:f16", host: server.host, testSet: built, out: await tempDir("ollama"), limit: 3, maxTokens: 8 });
    const preds = await readPredictions(r.predictionsFile);
    expect(preds).toHaveLength(3);
    for (const p of preds) {
      expect(p.finish).toBe("length");
      expect(p.tokens).toBe(8);
      expect(typeof p.output).toBe("string");
    }
    expect(r.metrics.model).toMatchObject({ backend: "ollama", name: "ollama:mathtune-tiny:f16", quantization: "f16" });
  });

  it("an unknown model: E_MODEL_NOT_FOUND", async () => {
    const err = await ollamaBackend({ model: "no-such-model", host: server.host }).catch((e: unknown) => e);
    expect(isMathtuneError(err, "E_MODEL_NOT_FOUND")).toBe(true);
  });
});
