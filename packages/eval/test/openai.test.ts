import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { isMathtuneError, type MathtuneError } from "@mathtune/core";
import { evaluate, evaluateIter, type EvalEvent, openaiBackend, readPredictions } from "@mathtune/eval";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { removeTempDirs, smallBuild, tempDir } from "./helpers.js";

// A loopback server speaking the chat completions API, scripted per test: the fault paths
// (5xx, slow answers, non-text content) are provoked here; the real llama.cpp/Ollama servers are
// exercised in their own tests.
type Handler = (body: Record<string, unknown>, req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
let server: Server;
let url: string;
let handler: Handler;
let requests: { body: Record<string, unknown>; auth: string | undefined }[] = [];
let inFlight = 0;
let maxInFlight = 0;
let built: string;

/** A chat answer: the last number of the problem (so some are right and some wrong). */
function answer(body: Record<string, unknown>, res: ServerResponse, extra: Record<string, unknown> = {}): void {
  const msgs = body.messages as { content: string }[];
  const n = msgs.at(-1)!.content.match(/-?\d+/g)?.at(-1) ?? "0";
  res.setHeader("content-type", "application/json");
  res.end(
    JSON.stringify({
      choices: [{ message: { role: "assistant", content: `Thinking.\nAnswer: ${n}` }, finish_reason: "stop" }],
      usage: { completion_tokens: 7, prompt_tokens: 30 },
      ...extra,
    }),
  );
}

beforeAll(async () => {
  built = await smallBuild();
  server = createServer((req, res) => {
    let data = "";
    req.on("data", (c: Buffer) => (data += c.toString()));
    req.on("end", async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.on("close", () => inFlight--);
      if (req.url === "/v1/models") {
        res.end(JSON.stringify({ data: [{ id: "tiny-served" }] }));
        return;
      }
      const body = data ? (JSON.parse(data) as Record<string, unknown>) : {};
      requests.push({ body, auth: req.headers.authorization });
      await handler(body, req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterEach(() => {
  requests = [];
  maxInFlight = 0;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await removeTempDirs();
});

describe("OpenAI-compatible backend", () => {
  it("evaluates a build's test split with concurrent requests, deterministic options and the key from the environment", async () => {
    handler = async (body, _req, res) => {
      await new Promise((r) => setTimeout(r, 20));
      answer(body, res);
    };
    const out = await tempDir("run");
    process.env.MATHTUNE_TEST_KEY = "sk-test-123";
    const events: EvalEvent[] = [];
    const r = await evaluate({
      model: `openai:${url}`,
      testSet: built,
      out,
      limit: 12,
      concurrency: 3,
      apiKeyEnv: "MATHTUNE_TEST_KEY",
      maxTokens: 64,
      onEvent: (e) => events.push(e),
    });
    delete process.env.MATHTUNE_TEST_KEY;
    expect(requests).toHaveLength(12);
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(3);
    for (const q of requests) {
      expect(q.body).toMatchObject({ model: "tiny-served", temperature: 0, seed: 0, max_tokens: 64 });
      expect(q.auth).toBe("Bearer sk-test-123");
    }
    const preds = await readPredictions(r.predictionsFile);
    expect(preds).toHaveLength(12);
    expect(
      preds.every(
        (p) =>
          p.output.endsWith("Answer: " + p.problem.match(/-?\d+/g)!.at(-1)) && p.finish === "stop" && p.tokens === 7,
      ),
    ).toBe(true);
    expect(preds[0]!.messages[0]!.role).toBe("system");
    const m = JSON.parse(await readFile(r.metricsFile, "utf8")) as typeof r.metrics;
    expect(m.overall.strict.n).toBe(12);
    expect(
      m.overall.strict.correct + m.overall.strict.wrong + m.overall.strict.noAnswer + m.overall.strict.length,
    ).toBe(12);
    expect(m.tokens.generated).toBe(84);
    expect(m.model).toMatchObject({ backend: "openai", modelName: "tiny-served" });
    expect(JSON.stringify(m)).not.toContain("sk-test-123");
    const progress = events.filter((e) => e.type === "prediction");
    expect(progress).toHaveLength(12);
    expect(progress.at(-1)).toMatchObject({ done: 12, total: 12 });
    // same arguments again: everything is done, nothing is asked
    await evaluate({ model: `openai:${url}`, testSet: built, out, limit: 12, concurrency: 3, maxTokens: 64 });
    expect(requests).toHaveLength(12);
  });

  it("retries 5xx with backoff and goes on", async () => {
    let calls = 0;
    handler = (body, _req, res) => {
      calls++;
      if (calls <= 2) {
        res.statusCode = 503;
        res.end("busy");
        return;
      }
      answer(body, res);
    };
    const out = await tempDir("retry");
    const r = await evaluate({
      model: `openai:${url}`,
      testSet: built,
      out,
      limit: 2,
      concurrency: 1,
      backoffMs: 10,
      retries: 3,
    });
    expect(calls).toBe(4);
    expect(r.metrics.overall.flexible.n).toBe(2);
  });

  it("a server that turns slow: E_TIMEOUT after the retries, finished predictions kept, a rerun resumes", async () => {
    let served = 0;
    handler = (body, _req, res) => {
      served++;
      if (served <= 3) answer(body, res);
      // afterwards: never answers
    };
    const out = await tempDir("slow");
    const opts = {
      model: `openai:${url}`,
      testSet: built,
      out,
      limit: 6,
      concurrency: 1,
      timeoutMs: 150,
      retries: 2,
      backoffMs: 10,
    };
    const err = (await evaluate(opts).catch((e: unknown) => e)) as MathtuneError;
    expect(isMathtuneError(err, "E_TIMEOUT")).toBe(true);
    expect(err.message).toMatch(/did not answer within 150 ms \(3 attempts\)/);
    expect(err.message).toMatch(/3 of 6 predictions kept/);
    expect(await readPredictions(join(out, "predictions.jsonl"))).toHaveLength(3);
    // the server recovers: the rerun asks only the 3 missing problems
    handler = (body, _req, res) => answer(body, res);
    requests = [];
    const r = await evaluate(opts);
    expect(requests).toHaveLength(3);
    expect(r.metrics.resumed).toBe(3);
    expect(r.metrics.overall.flexible.n).toBe(6);
    expect(await readPredictions(r.predictionsFile)).toHaveLength(6);
  });

  it("a cancel that comes with the start event stops at once: no request waits for a server that never answers", async () => {
    handler = () => {}; // never answers
    requests = [];
    const ac = new AbortController();
    const out = await tempDir("cancel-at-start");
    const t0 = Date.now();
    const err = await (async () => {
      for await (const e of evaluateIter({
        model: `openai:${url}`,
        testSet: built,
        out,
        limit: 6,
        concurrency: 2,
        timeoutMs: 60_000,
        signal: ac.signal,
      })) {
        if (e.type === "start") ac.abort(new Error("SIGINT"));
      }
    })().catch((e: unknown) => e);
    expect(isMathtuneError(err, "E_CANCELED")).toBe(true);
    // before the fix the workers never saw this abort and waited on the server (here: a minute)
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(requests).toHaveLength(0);
  });

  it("a server that is down: E_SERVER_UNREACHABLE after the retries", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = (await openaiBackend({ baseUrl: `http://127.0.0.1:${port}/v1`, retries: 2, backoffMs: 5 }).catch(
      (e: unknown) => e,
    )) as MathtuneError;
    expect(isMathtuneError(err, "E_SERVER_UNREACHABLE")).toBe(true);
    expect(err.message).toMatch(/ECONNREFUSED; 3 attempts/);
  });

  it("an answer that is not text: E_OUTPUT_NOT_TEXT, nothing lost", async () => {
    let n = 0;
    handler = (body, _req, res) => {
      n++;
      if (n === 2) {
        res.end(
          JSON.stringify({ choices: [{ message: { content: null, tool_calls: [] }, finish_reason: "tool_calls" }] }),
        );
        return;
      }
      answer(body, res);
    };
    const out = await tempDir("nontext");
    const err = (await evaluate({ model: `openai:${url}`, testSet: built, out, limit: 3, concurrency: 1 }).catch(
      (e: unknown) => e,
    )) as MathtuneError;
    expect(isMathtuneError(err, "E_OUTPUT_NOT_TEXT")).toBe(true);
    expect(err.message).toMatch(/not text \(null\)/);
    expect(await readPredictions(join(out, "predictions.jsonl"))).toHaveLength(1);
  });

  it("other arguments in the same folder are refused; --overwrite starts again", async () => {
    handler = (body, _req, res) => answer(body, res);
    const out = await tempDir("mismatch");
    await evaluate({ model: `openai:${url}`, testSet: built, out, limit: 2 });
    const err = await evaluate({ model: `openai:${url}`, testSet: built, out, limit: 2, maxTokens: 99 }).catch(
      (e: unknown) => e,
    );
    expect(isMathtuneError(err, "E_EVAL_MISMATCH")).toBe(true);
    const r = await evaluate({ model: `openai:${url}`, testSet: built, out, limit: 2, maxTokens: 99, overwrite: true });
    expect(r.metrics.decoding.maxTokens).toBe(99);
    expect(r.metrics.resumed).toBe(0);
  });
});
