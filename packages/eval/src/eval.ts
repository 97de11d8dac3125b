import { existsSync } from "node:fs";
import { mkdir, open, readFile, rm, truncate } from "node:fs/promises";
import { join, resolve } from "node:path";
import { isMathtuneError, MathtuneError, sha256, stableStringify, writeFileAtomic } from "@mathtune/core";
import { type ChatTemplate, loadChatTemplate, QWEN25 } from "@mathtune/format";
import { llamaBackend } from "./backends/llama.js";
import { ollamaBackend } from "./backends/ollama.js";
import { openaiBackend } from "./backends/openai.js";
import type { Backend, HttpOptions, ModelInfo } from "./backends/types.js";
import { gradeOutput, type GradeMode } from "./grade.js";
import { computeMetrics, type Metrics, type Prediction } from "./metrics.js";
import { type PromptSettings, promptMessages, promptSettings } from "./prompt.js";
import { loadTestSet, type LoadTestSetOptions, type TestItem, type TestSet } from "./testset.js";

export interface BackendOptions extends HttpOptions {
  /** llama.cpp: prompts decoded at the same time, each in its own context (default 1). */
  parallel?: number;
  /** Ollama / OpenAI: requests at once (default 1 for Ollama, 4 for OpenAI). */
  concurrency?: number;
  /** llama.cpp: tokens per sequence (default 2048); Ollama: num_ctx. */
  contextSize?: number;
  threads?: number;
  /** OpenAI: the served model's name (default: the first listed). */
  servedModel?: string;
  /** OpenAI: the environment variable with the API key (default OPENAI_API_KEY). */
  apiKeyEnv?: string;
  /** Ollama: the server (default OLLAMA_HOST). */
  host?: string;
  /** llama.cpp: the template when the GGUF carries none. */
  fallbackTemplate?: ChatTemplate;
}

/**
 * Opens the backend a model spec names: `ollama:<name>` (an Ollama model), `openai:<base url>` (an
 * OpenAI-compatible server), anything else a GGUF file run in this process.
 */
export async function openBackend(spec: string, opts: BackendOptions = {}): Promise<Backend> {
  const http = {
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
    ...(opts.backoffMs !== undefined ? { backoffMs: opts.backoffMs } : {}),
  };
  if (spec.startsWith("ollama:")) {
    return ollamaBackend({
      model: spec.slice(7),
      ...http,
      ...(opts.host ? { host: opts.host } : {}),
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
      ...(opts.contextSize ? { contextSize: opts.contextSize } : {}),
    });
  }
  if (spec.startsWith("openai:")) {
    return openaiBackend({
      baseUrl: spec.slice(7),
      ...http,
      ...(opts.servedModel ? { model: opts.servedModel } : {}),
      ...(opts.apiKeyEnv ? { apiKeyEnv: opts.apiKeyEnv } : {}),
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    });
  }
  return llamaBackend({
    model: spec,
    ...(opts.parallel ? { parallel: opts.parallel } : {}),
    ...(opts.contextSize ? { contextSize: opts.contextSize } : {}),
    ...(opts.threads ? { threads: opts.threads } : {}),
    ...(opts.fallbackTemplate ? { fallbackTemplate: opts.fallbackTemplate } : {}),
  });
}

export interface EvalOptions extends BackendOptions, Omit<LoadTestSetOptions, "path" | "signal" | "seed"> {
  /** A GGUF file, `ollama:<name>` or `openai:<base url>`. */
  model: string;
  /** A build folder or a test file (see `loadTestSet`). */
  testSet: string;
  /** The run folder: predictions.jsonl, metrics.json, run.json. */
  out: string;
  /** Most tokens per answer (default 512). */
  maxTokens?: number;
  /** Default 0: greedy. */
  temperature?: number;
  /** Sampling seed (default 0); also the seed of the test-set sample. */
  seed?: number;
  /** A system prompt instead of the build's. */
  system?: string;
  /** The mode `accuracy` in events refers to (default flexible); both are always graded. */
  mode?: GradeMode;
  /** Start again in a folder that holds a different run (default: refuse). */
  overwrite?: boolean;
  signal?: AbortSignal;
}

/** The events of `evaluateIter`: start, one per prediction, then done with the result. */
export type EvalEvent =
  | { type: "start"; out: string; model: string; total: number; done: number; parallel: number }
  | {
      type: "prediction";
      id: string;
      verdict: Prediction["strict"]["verdict"];
      finish: Prediction["finish"];
      done: number;
      total: number;
      correct: number;
      accuracy: number;
      elapsedMs: number;
      etaSeconds: number | null;
      tokens: number;
    }
  | { type: "done"; result: EvalResult };

/** What `evaluate` returns: the run folder, its files and the metrics. */
export interface EvalResult {
  out: string;
  predictionsFile: string;
  metricsFile: string;
  metrics: EvalMetrics;
}

/** The metrics of a run (metrics.json): the tallies, the model, the test set, the decoding and the prompt used. */
export interface EvalMetrics extends Metrics {
  version: 1;
  model: ModelInfo;
  testSet: {
    hash: string;
    records: number;
    total: number;
    origin: TestSet["origin"];
    limit: number | null;
    perCategory: number | null;
    seed: number;
  };
  decoding: { temperature: number; seed: number; maxTokens: number };
  prompt: {
    from: PromptSettings["from"];
    system: string | null;
    answerStyle: string;
    instructions: Record<string, string> | null;
  };
  /** This session: problems generated, seconds, problems per second, tokens per second. */
  speed: { problems: number; seconds: number; problemsPerSecond: number; tokensPerSecond: number; parallel: number };
  /** Problems found done in the folder at the start (a resumed run). */
  resumed: number;
}

/** Reads the finished predictions of a run folder, cutting a last line that an interruption left half-written. */
export async function readPredictions(file: string, { repair = false } = {}): Promise<Prediction[]> {
  if (!existsSync(file)) return [];
  const text = await readFile(file, "utf8");
  const out: Prediction[] = [];
  let good = 0;
  let at = 0;
  for (;;) {
    const nl = text.indexOf("\n", at);
    if (nl < 0) break;
    const line = text.slice(at, nl);
    try {
      out.push(JSON.parse(line) as Prediction);
    } catch (e) {
      throw new MathtuneError("E_PARSE", `predictions.jsonl has a damaged line: ${(e as Error).message}`, {
        cause: e,
        location: { file, line: out.length + 1 },
        hint: "remove the line (or the run folder) and run again",
      });
    }
    at = nl + 1;
    good += Buffer.byteLength(line) + 1;
  }
  if (at < text.length && repair) await truncate(file, good);
  return out;
}

function runKey(model: ModelInfo, set: TestSet, decoding: EvalMetrics["decoding"], prompt: PromptSettings): string {
  return sha256(
    stableStringify({
      model: { backend: model.backend, name: model.name, sha256: model.sha256 ?? null },
      testSet: set.hash,
      decoding,
      prompt: prompt.formatOptions,
    }),
  );
}

/**
 * Evaluates a model on a test set, as an async generator of events: each problem asked in the
 * build's wording, answered (in parallel where the backend allows), graded strict and flexible,
 * and appended to predictions.jsonl at once, so an interruption keeps every finished prediction and
 * a rerun with the same arguments resumes. At the end predictions.jsonl is rewritten in test-set
 * order and metrics.json written (each atomically).
 */
export async function* evaluateIter(opts: EvalOptions): AsyncGenerator<EvalEvent, EvalResult> {
  const out = resolve(opts.out);
  const seed = opts.seed ?? 0;
  const maxTokens = opts.maxTokens ?? 512;
  const temperature = opts.temperature ?? 0;
  const mode = opts.mode ?? "flexible";
  if (!Number.isInteger(maxTokens) || maxTokens < 1)
    throw new MathtuneError("E_CONFIG_INVALID", `maxTokens must be a positive integer (got ${maxTokens})`);
  const set = await loadTestSet({
    path: opts.testSet,
    seed,
    ...(opts.split ? { split: opts.split } : {}),
    ...(opts.adapter ? { adapter: opts.adapter } : {}),
    ...(opts.adapterOptions ? { adapterOptions: opts.adapterOptions } : {}),
    ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
    ...(opts.perCategory !== undefined ? { perCategory: opts.perCategory } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const prompt = promptSettings(set.manifest, opts.system !== undefined ? { system: opts.system } : {});
  let fallbackTemplate = opts.fallbackTemplate;
  if (!fallbackTemplate)
    fallbackTemplate = prompt.formatOptions.chatTemplate
      ? await loadChatTemplate(prompt.formatOptions.chatTemplate, prompt.baseDir ? { baseDir: prompt.baseDir } : {})
      : QWEN25;
  const backend = await openBackend(opts.model, { ...opts, fallbackTemplate });
  try {
    const decoding = { temperature, seed, maxTokens };
    const key = runKey(backend.info, set, decoding, prompt);
    const runFile = join(out, "run.json");
    const predFile = join(out, "predictions.jsonl");
    const metricsFile = join(out, "metrics.json");
    await mkdir(out, { recursive: true });
    if (existsSync(runFile)) {
      const prev = JSON.parse(await readFile(runFile, "utf8")) as { key?: string };
      if (prev.key !== key) {
        if (!opts.overwrite) {
          throw new MathtuneError(
            "E_EVAL_MISMATCH",
            `${out} holds an evaluation with other arguments (model, test set, decoding or prompt)`,
            {
              location: { file: runFile },
              hint: "choose another --out, rerun with the same arguments to resume, or pass --overwrite to start again",
            },
          );
        }
        await rm(predFile, { force: true });
        await rm(metricsFile, { force: true });
      }
    } else await rm(predFile, { force: true });
    await writeFileAtomic(
      runFile,
      `${stableStringify({ key, model: backend.info, testSet: { hash: set.hash, records: set.items.length, origin: set.origin }, decoding, prompt: prompt.formatOptions }, 2)}\n`,
    );

    const byId = new Map(set.items.map((it) => [it.record.id, it]));
    const finished = new Map<string, Prediction>();
    for (const p of await readPredictions(predFile, { repair: true }))
      if (byId.get(p.id)?.hash === p.hash) finished.set(p.id, p);
    const resumed = finished.size;
    const todo = set.items.filter((it) => !finished.has(it.record.id));
    const total = set.items.length;
    yield { type: "start", out, model: backend.info.name, total, done: resumed, parallel: backend.parallel };

    // Workers pull problems; each result is appended at once (one write per line, in O_APPEND).
    const fh = await open(predFile, "a");
    const started = performance.now();
    let correct = [...finished.values()].filter((p) => p[mode].verdict === "correct").length;
    let generatedTokens = 0;
    let sessionDone = 0;
    const queue: EvalEvent[] = [];
    let wake: (() => void) | undefined;
    let failure: unknown;
    let settled = false;
    const stop = new AbortController();
    const onAbort = () => stop.abort(opts.signal?.reason);
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    // A signal that fired before the listener (while the start event was out) never calls it.
    if (opts.signal?.aborted) onAbort();
    let next = 0;
    let writes = Promise.resolve();
    const worker = async (slot: number) => {
      while (!stop.signal.aborted) {
        const it: TestItem | undefined = todo[next++];
        if (!it) return;
        const r = it.record;
        const messages = promptMessages(r, prompt);
        const g = await backend.generate({ messages, maxTokens, temperature, seed, signal: stop.signal }, slot);
        const gold = r.answer!;
        const p: Prediction = {
          id: r.id,
          hash: it.hash,
          source: r.source,
          ...(r.category !== undefined ? { category: r.category } : {}),
          ...(r.difficulty !== undefined ? { difficulty: r.difficulty } : {}),
          problem: r.problem,
          gold,
          messages,
          ...(g.prompt !== undefined ? { prompt: g.prompt } : {}),
          output: g.text,
          finish: g.finish,
          tokens: g.tokens,
          ...(g.promptTokens !== undefined ? { promptTokens: g.promptTokens } : {}),
          strict: gradeOutput(g.text, gold, g.finish, "strict", r.problem),
          flexible: gradeOutput(g.text, gold, g.finish, "flexible", r.problem),
        };
        writes = writes.then(() => fh.write(`${JSON.stringify(p)}\n`).then(() => undefined));
        await writes;
        finished.set(p.id, p);
        sessionDone++;
        generatedTokens += p.tokens;
        if (p[mode].verdict === "correct") correct++;
        const elapsedMs = performance.now() - started;
        const left = total - finished.size;
        queue.push({
          type: "prediction",
          id: p.id,
          verdict: p[mode].verdict,
          finish: p.finish,
          done: finished.size,
          total,
          correct,
          accuracy: correct / finished.size,
          elapsedMs: Math.round(elapsedMs),
          etaSeconds: sessionDone ? Math.round((elapsedMs / 1000 / sessionDone) * left * 10) / 10 : null,
          tokens: p.tokens,
        });
        wake?.();
      }
    };
    const all = Promise.all(
      Array.from({ length: Math.min(backend.parallel, Math.max(todo.length, 1)) }, (_, slot) =>
        worker(slot).catch((e: unknown) => {
          failure ??= e;
          stop.abort(e);
        }),
      ),
    ).then(() => {
      settled = true;
      wake?.();
    });
    try {
      while (!settled || queue.length) {
        if (!queue.length) {
          await new Promise<void>((res) => {
            wake = res;
            if (settled || queue.length) res();
          });
          wake = undefined;
          await Promise.resolve();
          continue;
        }
        yield queue.shift()!;
      }
      await all;
    } finally {
      stop.abort();
      await all;
      await writes.catch(() => undefined);
      await fh.close();
      opts.signal?.removeEventListener("abort", onAbort);
    }
    if (opts.signal?.aborted && (!failure || !isMathtuneError(failure) || failure.code === "E_CANCELED")) {
      throw new MathtuneError(
        "E_CANCELED",
        `canceled; ${finished.size} of ${total} predictions kept in ${predFile} (the same command resumes)`,
        { cause: failure ?? opts.signal.reason },
      );
    }
    if (failure) {
      if (isMathtuneError(failure)) {
        throw new MathtuneError(
          failure.code,
          `${failure.reason} (${finished.size} of ${total} predictions kept in ${predFile}; rerun to resume)`,
          {
            cause: failure,
            ...(failure.location ? { location: failure.location } : {}),
            ...(failure.hint ? { hint: failure.hint } : {}),
            ...(failure.details ? { details: failure.details } : {}),
          },
        );
      }
      throw failure;
    }
    // All done: predictions in test-set order (same inputs, same bytes), then the metrics.
    const ordered = set.items.map((it) => finished.get(it.record.id)!);
    await writeFileAtomic(predFile, ordered.map((p) => `${JSON.stringify(p)}\n`).join(""));
    const seconds = (performance.now() - started) / 1000;
    const fo = prompt.formatOptions;
    const metrics: EvalMetrics = {
      version: 1,
      model: backend.info,
      testSet: {
        hash: set.hash,
        records: total,
        total: set.total,
        origin: set.origin,
        limit: opts.limit ?? null,
        perCategory: opts.perCategory ?? null,
        seed,
      },
      decoding,
      prompt: {
        from: prompt.from,
        system: fo.system ?? null,
        answerStyle: fo.answerStyle,
        instructions: fo.instructions ?? null,
      },
      ...computeMetrics(ordered),
      speed: {
        problems: sessionDone,
        seconds: Math.round(seconds * 1000) / 1000,
        problemsPerSecond: seconds > 0 ? Math.round((sessionDone / seconds) * 1000) / 1000 : 0,
        tokensPerSecond: seconds > 0 ? Math.round((generatedTokens / seconds) * 10) / 10 : 0,
        parallel: backend.parallel,
      },
      resumed,
    };
    await writeFileAtomic(metricsFile, `${stableStringify(metrics, 2)}\n`);
    const result: EvalResult = { out, predictionsFile: predFile, metricsFile, metrics };
    yield { type: "done", result };
    return result;
  } finally {
    await backend.close();
  }
}

/** Runs `evaluateIter` to the end; `onEvent` sees every event. */
export async function evaluate(opts: EvalOptions & { onEvent?: (e: EvalEvent) => void }): Promise<EvalResult> {
  const it = evaluateIter(opts);
  for (;;) {
    const n = await it.next();
    if (n.done) return n.value;
    opts.onEvent?.(n.value);
  }
}
