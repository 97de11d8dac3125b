import { open, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { MathtuneError, sha256File } from "@mathtune/core";
import { type ChatTemplate, renderChat } from "@mathtune/format";
import type { Backend, Generation, GenerateRequest, ModelInfo } from "./types.js";

/** Options of `llamaBackend`. */
export interface LlamaBackendOptions {
  /** A GGUF file. */
  model: string;
  /** Prompts decoded at the same time, each in its own llama.cpp context (default 1). */
  parallel?: number;
  /** Tokens per sequence: prompt and answer (default: 2048, at most what the model was trained on). */
  contextSize?: number;
  /** CPU threads (default: llama.cpp's choice). */
  threads?: number;
  /** The template when the GGUF has none (the build's, say); without either: E_TEMPLATE_MISSING. */
  fallbackTemplate?: ChatTemplate;
}

/** Throws E_MODEL_NOT_GGUF unless the file starts with the GGUF magic. */
export async function assertGguf(path: string): Promise<number> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw new MathtuneError("E_INPUT_NOT_FOUND", `no such model file: ${path}`, {
      cause: e,
      hint: "pass a .gguf file, ollama:<name> or openai:<base url>",
    });
  }
  if (!st.isFile())
    throw new MathtuneError("E_INPUT_NOT_FILE", `${path} is not a file`, {
      hint: "pass the .gguf file itself (a Hugging Face folder must be converted first: mathtune deploy)",
    });
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    if (bytesRead < 4 || buf.toString("latin1") !== "GGUF") {
      throw new MathtuneError(
        "E_MODEL_NOT_GGUF",
        `${path} is not a GGUF model (it does not start with the GGUF magic)`,
        {
          location: { file: path },
          hint: "convert the model to GGUF first (mathtune deploy), or use ollama:<name> / openai:<base url>",
        },
      );
    }
  } finally {
    await fh.close();
  }
  return st.size;
}

/** llama.cpp's name of a GGUF file type: MOSTLY_Q4_K_M -> q4_k_m, ALL_F32 -> f32. */
function quantName(enumName: string | undefined): string | undefined {
  return enumName?.replace(/^(MOSTLY|ALL)_/, "").toLowerCase();
}

/**
 * A GGUF run in this process by llama.cpp through node-llama-cpp (CPU), `parallel` prompts at a
 * time, each in a context of its own (so each output is the one the prompt gets alone). Prompts are rendered with the model's own chat template (the GGUF's
 * `tokenizer.chat_template`) and tokenized with special tokens; decoding is greedy at temperature 0
 * and stops at an end-of-generation token or `maxTokens`.
 */
export async function llamaBackend(opts: LlamaBackendOptions): Promise<Backend> {
  const path = resolve(opts.model);
  const bytes = await assertGguf(path);
  let nlc: typeof import("node-llama-cpp");
  try {
    nlc = await import("node-llama-cpp");
  } catch (e) {
    throw new MathtuneError("E_DEPENDENCY_MISSING", `node-llama-cpp could not be loaded: ${(e as Error).message}`, {
      cause: e,
      hint: "install it: pnpm add node-llama-cpp@3.21.1",
    });
  }
  const llama = await nlc.getLlama({
    gpu: false,
    build: "never",
    progressLogs: false,
    logLevel: nlc.LlamaLogLevel.error,
  });
  let model;
  try {
    model = await llama.loadModel({ modelPath: path });
  } catch (e) {
    await llama.dispose();
    throw new MathtuneError("E_MODEL_LOAD", `llama.cpp could not load ${path}: ${(e as Error).message}`, {
      cause: e,
      location: { file: path },
      hint: "the file may be damaged or of an architecture this llama.cpp does not know",
    });
  }
  const parallel = Math.max(1, Math.floor(opts.parallel ?? 1));
  const train = model.trainContextSize || 2048;
  const contextSize = Math.min(opts.contextSize ?? 2048, train);
  // One context per slot, each with its one sequence: several sequences decoded together in one
  // context (llama.cpp's batched decoding, node-llama-cpp 3.21.1 on a CPU) gave other tokens than
  // the same prompts decoded alone, and garbled ones ("5¼1: =" where alone and in transformers the
  // model wrote "54.79144"); separate contexts give every prompt the output it has alone.
  const contexts: import("node-llama-cpp").LlamaContext[] = [];
  try {
    for (let i = 0; i < parallel; i++)
      contexts.push(
        await model.createContext({ sequences: 1, contextSize, ...(opts.threads ? { threads: opts.threads } : {}) }),
      );
  } catch (e) {
    for (const c of contexts) await c.dispose();
    await model.dispose();
    await llama.dispose();
    throw e;
  }
  const sequences = contexts.map((c) => c.getSequence());
  const md = model.fileInfo.metadata as {
    general?: { name?: string; architecture?: string; file_type?: number };
    tokenizer?: { chat_template?: string };
  };
  const own = md.tokenizer?.chat_template;
  const template: ChatTemplate | undefined = own
    ? {
        name: "gguf:tokenizer.chat_template",
        source: own,
        specialTokens: [],
        ...(model.tokens.bosString ? { bosToken: model.tokens.bosString } : {}),
        ...(model.tokens.eosString ? { eosToken: model.tokens.eosString } : {}),
      }
    : opts.fallbackTemplate;
  if (!template) {
    await llama.dispose();
    throw new MathtuneError(
      "E_TEMPLATE_MISSING",
      `${path} carries no chat template (tokenizer.chat_template) and none was given`,
      {
        hint: "evaluate on a build whose format options name the chat template, or convert the model with its tokenizer_config.json",
      },
    );
  }
  const fileType = md.general?.file_type;
  const info: ModelInfo = {
    backend: "llama",
    name: path,
    sha256: (await sha256File(path)).slice(0, 16),
    bytes,
    ...(md.general?.name ? { modelName: md.general.name } : {}),
    ...(md.general?.architecture ? { architecture: md.general.architecture } : {}),
    ...(fileType !== undefined && quantName(nlc.GgufFileType[fileType])
      ? { quantization: quantName(nlc.GgufFileType[fileType])! }
      : {}),
    parameters: model.fileInsights.totalParameters ?? undefined,
    chatTemplate: own ? "gguf" : "format-options",
  };
  if (info.parameters === undefined) delete info.parameters;
  return {
    info,
    parallel,
    async generate(req: GenerateRequest, slot: number): Promise<Generation> {
      const seq = sequences[slot];
      if (!seq) throw new MathtuneError("E_INTERNAL", `no sequence ${slot} (parallel ${parallel})`);
      const prompt = renderChat(req.messages, template, { addGenerationPrompt: true });
      let tokens = model.tokenize(prompt, true);
      if (model.tokens.shouldPrependBosToken && model.tokens.bos !== null && tokens[0] !== model.tokens.bos)
        tokens = [model.tokens.bos, ...tokens];
      const room = seq.contextSize - tokens.length;
      if (room < 1) {
        throw new MathtuneError(
          "E_PROMPT_TOO_LONG",
          `a prompt of ${tokens.length} tokens does not fit the context of ${seq.contextSize} tokens`,
          { hint: "raise --context-size" },
        );
      }
      const limit = Math.min(req.maxTokens, room);
      await seq.clearHistory();
      const out: import("node-llama-cpp").Token[] = [];
      let finish: Generation["finish"] = "length";
      // yieldEogToken: without it node-llama-cpp ends the iteration at an end-of-generation token
      // silently, and a model that ended its turn would be recorded as cut off at the length limit.
      for await (const t of seq.evaluate(tokens, {
        temperature: req.temperature,
        seed: req.seed,
        yieldEogToken: true,
      })) {
        if (req.signal?.aborted) throw new MathtuneError("E_CANCELED", "canceled", { cause: req.signal.reason });
        if (model.isEogToken(t)) {
          finish = "stop";
          break;
        }
        out.push(t);
        if (out.length >= limit) break;
      }
      return { text: model.detokenize(out, false), finish, tokens: out.length, promptTokens: tokens.length, prompt };
    },
    async close() {
      for (const c of contexts) await c.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}
