import type { ChatMessage } from "@mathtune/format";

/** Why generation stopped: the model ended its turn (`stop`) or hit `maxTokens` (`length`). */
export type FinishReason = "stop" | "length";

/** One request to a backend: the conversation and the decoding settings. */
export interface GenerateRequest {
  messages: ChatMessage[];
  /** Most tokens to generate. */
  maxTokens: number;
  temperature: number;
  seed: number;
  signal?: AbortSignal;
}

/** One generated answer: the text, why it stopped, and the token counts. */
export interface Generation {
  /** The answer text (special tokens not shown). */
  text: string;
  /** `stop`: the model ended its turn; `length`: cut by `maxTokens` (or the context). */
  finish: FinishReason;
  /** Tokens generated. */
  tokens: number;
  /** Tokens of the prompt, when the backend says. */
  promptTokens?: number;
  /** The prompt as rendered with the chat template, when this side renders it (llama.cpp in-process). */
  prompt?: string;
}

/** What the evaluation says about the model it ran. */
export interface ModelInfo {
  backend: "llama" | "ollama" | "openai";
  /** The model: a GGUF path, an Ollama model name, or `<served model> @ <base url>`. */
  name: string;
  /** GGUF: the file's sha256 (first 16 hex digits) and size. */
  sha256?: string;
  bytes?: number;
  /** `general.name` of a GGUF, or the served model's family. */
  modelName?: string;
  architecture?: string;
  /** The quantization, as llama.cpp names it: `f16`, `q8_0`, `q4_k_m`, ... */
  quantization?: string;
  parameters?: number | string;
  /** Where the chat template came from: the GGUF's own, or the build's format options, or the server's. */
  chatTemplate?: "gguf" | "format-options" | "server";
}

/** A model behind one interface: llama.cpp in-process, Ollama, or an OpenAI-compatible server. */
export interface Backend {
  readonly info: ModelInfo;
  /** How many generations may run at once (sequences, or concurrent requests). */
  readonly parallel: number;
  /** One answer. `slot` (0 <= slot < parallel) is the worker asking; the in-process backend gives each its own sequence. */
  generate(request: GenerateRequest, slot: number): Promise<Generation>;
  /** Frees the model or the connections. */
  close(): Promise<void>;
}

/** Retry and timeout policy of the server backends. */
export interface HttpOptions {
  /** Per request, in ms (default 120000). */
  timeoutMs?: number;
  /** Retries after a failed request: connection refused, timeout, HTTP 429 or 5xx (default 3). */
  retries?: number;
  /** First backoff in ms, doubled each retry (default 500). */
  backoffMs?: number;
}
