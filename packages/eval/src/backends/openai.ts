import { MathtuneError } from "@mathtune/core";
import { requestJson, textOf } from "./http.js";
import type { Backend, Generation, GenerateRequest, HttpOptions, ModelInfo } from "./types.js";

export interface OpenAIBackendOptions extends HttpOptions {
  /** The API's base URL, e.g. http://127.0.0.1:8080/v1 (llama.cpp's server, vLLM, SGLang). */
  baseUrl: string;
  /** The served model's name (default: the first that /models lists). */
  model?: string;
  /** The environment variable holding the API key (default OPENAI_API_KEY); none set: no key sent. */
  apiKeyEnv?: string;
  /** Requests at once (default 4). */
  concurrency?: number;
}

/** Any OpenAI-compatible chat completions endpoint (/models, /chat/completions). */
export async function openaiBackend(opts: OpenAIBackendOptions): Promise<Backend> {
  let base: string;
  try {
    base = new URL(opts.baseUrl).href.replace(/\/+$/, "");
  } catch (e) {
    throw new MathtuneError("E_CONFIG_INVALID", `'${opts.baseUrl}' is not a URL`, {
      cause: e,
      hint: "write the model as openai:http://host:port/v1",
    });
  }
  const key = process.env[opts.apiKeyEnv ?? "OPENAI_API_KEY"];
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  const what = `the OpenAI-compatible server at ${base}`;
  const http = { ...opts, headers, what, hint: "start the server (llama-server, vllm serve, ...) or check the URL" };
  let model = opts.model;
  if (!model) {
    const list = (await requestJson(`${base}/models`, http)).json as { data?: { id?: unknown }[] };
    const first = list.data?.find((m) => typeof m.id === "string")?.id as string | undefined;
    if (!first)
      throw new MathtuneError("E_MODEL_NOT_FOUND", `${what} lists no model at ${base}/models`, {
        hint: "name the served model with --served-model",
      });
    model = first;
  }
  const info: ModelInfo = { backend: "openai", name: `openai:${base}`, modelName: model, chatTemplate: "server" };
  return {
    info,
    parallel: Math.max(1, opts.concurrency ?? 4),
    async generate(req: GenerateRequest): Promise<Generation> {
      const r = (
        await requestJson(`${base}/chat/completions`, {
          ...http,
          ...(req.signal ? { signal: req.signal } : {}),
          body: {
            model,
            messages: req.messages,
            temperature: req.temperature,
            seed: req.seed,
            max_tokens: req.maxTokens,
            stream: false,
          },
        })
      ).json as {
        choices?: { message?: { content?: unknown }; finish_reason?: string }[];
        usage?: { completion_tokens?: number; prompt_tokens?: number };
      };
      const choice = r.choices?.[0];
      if (!choice)
        throw new MathtuneError("E_SERVER_RESPONSE", `${what} answered without a choice`, {
          hint: "check that the endpoint speaks the chat completions API",
        });
      const text = textOf(choice.message?.content, what);
      return {
        text,
        finish: choice.finish_reason === "length" ? "length" : "stop",
        tokens: r.usage?.completion_tokens ?? 0,
        ...(r.usage?.prompt_tokens !== undefined ? { promptTokens: r.usage.prompt_tokens } : {}),
      };
    },
    async close() {},
  };
}
