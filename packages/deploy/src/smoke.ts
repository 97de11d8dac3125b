import { resolve } from "node:path";
import { extractAnswer } from "@mathtune/answer";
import { MathtuneError } from "@mathtune/core";
import type { Llama, LlamaModel } from "node-llama-cpp";

let llamaPromise: Promise<Llama> | undefined;

/** node-llama-cpp's runtime on the CPU (its prebuilt binaries; nothing is built or downloaded). */
export function cpuLlama(): Promise<Llama> {
  llamaPromise ??= (async () => {
    const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
    try {
      return await getLlama({
        gpu: false,
        build: "never",
        usePrebuiltBinaries: true,
        logLevel: LlamaLogLevel.error,
        progressLogs: false,
      });
    } catch (e) {
      llamaPromise = undefined;
      throw new MathtuneError(
        "E_TOOL_NOT_FOUND",
        `node-llama-cpp could not load its llama.cpp binaries: ${(e as Error).message}`,
        {
          hint: "reinstall node-llama-cpp (pnpm install) so that its prebuilt binaries for this platform are present",
          cause: e,
        },
      );
    }
  })();
  return llamaPromise;
}

async function loadModel(gguf: string, vocabOnly = false): Promise<LlamaModel> {
  const llama = await cpuLlama();
  try {
    return await llama.loadModel({ modelPath: resolve(gguf), gpuLayers: 0, vocabOnly });
  } catch (e) {
    throw new MathtuneError(
      "E_GGUF_INVALID",
      `node-llama-cpp could not load ${resolve(gguf)}: ${(e as Error).message}`,
      { location: { file: resolve(gguf) }, cause: e },
    );
  }
}

/** Token ids of each text with the GGUF's own tokenizer (special tokens parsed, no BOS added). */
export async function tokenizeWithGguf(gguf: string, texts: readonly string[]): Promise<number[][]> {
  const model = await loadModel(gguf, true);
  try {
    return texts.map((t) => [...model.tokenize(t, true)].map(Number));
  } finally {
    await model.dispose();
  }
}

/** Options of `generateWithGguf`: the model, the rendered prompt and the decoding settings. */
export interface GenerateOptions {
  gguf: string;
  /** The rendered prompt (chat template applied, generation prompt included). */
  prompt: string;
  /** A LoRA GGUF applied to the model. */
  lora?: string;
  /** Token ids that end the reply. Default: every end-of-generation token of the GGUF. */
  stop?: readonly number[];
  maxTokens?: number;
  threads?: number;
  contextSize?: number;
}

/** What `generateWithGguf` produced: the text, its tokens, and why it stopped. */
export interface GenerateResult {
  /** The reply without its final stop token. */
  text: string;
  tokens: number[];
  promptTokens: number;
  /** `end-of-turn`: it ended on a stop token; `length`: it hit maxTokens. */
  reason: "end-of-turn" | "length";
  stopToken?: number;
  seconds: number;
  tokensPerSecond: number;
}

/**
 * Greedy generation in-process with node-llama-cpp, token by token: it stops at the first token of
 * `stop` (not at llama.cpp's own end-of-generation list, so wrong stop tokens show) or at maxTokens.
 */
export async function generateWithGguf(opts: GenerateOptions): Promise<GenerateResult> {
  const model = await loadModel(opts.gguf);
  try {
    const context = await model.createContext({
      contextSize: opts.contextSize ?? 1024,
      ...(opts.threads ? { threads: opts.threads } : {}),
      ...(opts.lora ? { lora: { adapters: [{ filePath: resolve(opts.lora) }] } } : {}),
    });
    try {
      const seq = context.getSequence();
      const prompt = model.tokenize(opts.prompt, true);
      const stop = new Set(
        opts.stop ??
          [model.tokens.eos, model.tokens.eot]
            .filter((t): t is NonNullable<typeof t> => t !== null && t !== undefined)
            .map(Number),
      );
      const max = opts.maxTokens ?? 64;
      const out: number[] = [];
      let stopToken: number | undefined;
      const t0 = performance.now();
      for await (const token of seq.evaluate(prompt, { temperature: 0, yieldEogToken: true })) {
        const id = Number(token);
        if (stop.has(id)) {
          stopToken = id;
          break;
        }
        out.push(id);
        if (out.length >= max) break;
      }
      const seconds = (performance.now() - t0) / 1000;
      const generated = out.length + (stopToken !== undefined ? 1 : 0);
      return {
        text: model.detokenize(out as never, true),
        tokens: out,
        promptTokens: prompt.length,
        reason: stopToken !== undefined ? "end-of-turn" : "length",
        ...(stopToken !== undefined ? { stopToken } : {}),
        seconds,
        tokensPerSecond: seconds > 0 ? generated / seconds : 0,
      };
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
}

/** What `smokeTest` found: the generation, whether it passed, and the answer it read. */
export interface SmokeTestResult extends GenerateResult {
  ok: boolean;
  problem?: string;
  /** The final answer read from the reply by @mathtune/answer, when there is one. */
  answer?: string;
}

/** Options of `smokeTest`. */
export interface SmokeTestOptions extends GenerateOptions {
  /** Also require a final answer (`Answer: N`, `\boxed{}`) in the reply, as mathtune's formats train. Default true. */
  requireAnswer?: boolean;
}

/**
 * The deploy smoke test: one chat prompt through the GGUF; it passes when the reply ends on an
 * end-of-turn token and holds a final answer readable by @mathtune/answer. It fails (`ok: false`,
 * with the reason) when the reply runs to the length limit (wrong stop tokens, or a template the
 * model does not stop under) or has no answer (a prompt not in the format the model learned).
 */
const STATED: ReadonlySet<string> = new Set(["boxed", "gsm8k", "answer-line"]);

/**
 * Generates with a GGUF in node-llama-cpp and checks the reply: it must end on an end-of-turn token and, by
 * default, state a final answer.
 */
export async function smokeTest(opts: SmokeTestOptions): Promise<SmokeTestResult> {
  const r = await generateWithGguf(opts);
  // Only a stated answer counts (a box, `####`, an answer line): strict mode also reads a bare
  // reply such as "111" whole, which a model prompted in the wrong format may well produce.
  const found = extractAnswer(r.text, { mode: "strict" });
  const answer = found && STATED.has(found.rule) ? found.answer : undefined;
  const withAnswer = { ...r, ...(answer !== undefined ? { answer } : {}) };
  if (r.reason !== "end-of-turn") {
    return {
      ...withAnswer,
      ok: false,
      problem: `the reply ran to the ${opts.maxTokens ?? 64}-token limit without an end-of-turn token: check the chat template and the stop tokens`,
    };
  }
  if ((opts.requireAnswer ?? true) && answer === undefined) {
    return {
      ...withAnswer,
      ok: false,
      problem:
        "the reply ended its turn but holds no final answer: check that the chat template renders the format the model was trained on",
    };
  }
  return { ...withAnswer, ok: true };
}
