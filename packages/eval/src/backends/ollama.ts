import { MathtuneError } from "@mathtune/core";
import { requestJson, textOf } from "./http.js";
import type { Backend, Generation, GenerateRequest, HttpOptions, ModelInfo } from "./types.js";

export interface OllamaBackendOptions extends HttpOptions {
  /** The model name (`qwen-math:q4_k_m`). */
  model: string;
  /** The server: default OLLAMA_HOST, else http://127.0.0.1:11434. */
  host?: string;
  /** Requests at once (default 1; the server's OLLAMA_NUM_PARALLEL decides what runs together). */
  concurrency?: number;
  /** num_ctx for the model (default: the server's). */
  contextSize?: number;
}

/** The Ollama server URL from OLLAMA_HOST's forms: `host`, `host:port`, `http://host:port`; 0.0.0.0 means this machine. */
export function ollamaUrl(host = process.env.OLLAMA_HOST): string {
  let h = (host ?? "").trim() || "127.0.0.1:11434";
  if (!/^https?:\/\//.test(h)) h = `http://${h}`;
  const u = new URL(h);
  if (!u.port) u.port = u.protocol === "https:" ? "443" : "11434";
  if (u.hostname === "0.0.0.0") u.hostname = "127.0.0.1";
  return u.origin;
}

/** An Ollama model over its REST API (/api/show, /api/chat). */
export async function ollamaBackend(opts: OllamaBackendOptions): Promise<Backend> {
  const base = ollamaUrl(opts.host);
  const what = `Ollama at ${base}`;
  const http = {
    ...opts,
    what,
    hint: `start it with \`ollama serve\` (OLLAMA_HOST=${base.replace(/^https?:\/\//, "")}) or set OLLAMA_HOST`,
  };
  const show = (await requestJson(`${base}/api/show`, { ...http, body: { model: opts.model } })).json as {
    details?: { family?: string; parameter_size?: string; quantization_level?: string; format?: string };
    model_info?: Record<string, unknown>;
  };
  const info: ModelInfo = {
    backend: "ollama",
    name: `ollama:${opts.model}`,
    ...(show.details?.family ? { architecture: show.details.family } : {}),
    ...(typeof show.model_info?.["general.basename"] === "string"
      ? { modelName: show.model_info["general.basename"] as string }
      : {}),
    ...(show.details?.quantization_level ? { quantization: show.details.quantization_level.toLowerCase() } : {}),
    ...(show.details?.parameter_size ? { parameters: show.details.parameter_size } : {}),
    chatTemplate: "server",
  };
  return {
    info,
    parallel: Math.max(1, opts.concurrency ?? 1),
    async generate(req: GenerateRequest): Promise<Generation> {
      const r = (
        await requestJson(`${base}/api/chat`, {
          ...http,
          ...(req.signal ? { signal: req.signal } : {}),
          body: {
            model: opts.model,
            messages: req.messages,
            stream: false,
            options: {
              temperature: req.temperature,
              seed: req.seed,
              num_predict: req.maxTokens,
              ...(opts.contextSize ? { num_ctx: opts.contextSize } : {}),
            },
          },
        })
      ).json as {
        message?: { content?: unknown };
        done_reason?: string;
        eval_count?: number;
        prompt_eval_count?: number;
        error?: string;
      };
      if (typeof r.error === "string") throw new MathtuneError("E_SERVER_ERROR", `${what}: ${r.error}`);
      const text = textOf(r.message?.content, what);
      return {
        text,
        finish: r.done_reason === "length" ? "length" : "stop",
        tokens: r.eval_count ?? 0,
        ...(r.prompt_eval_count !== undefined ? { promptTokens: r.prompt_eval_count } : {}),
      };
    },
    async close() {},
  };
}
