import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { Readable } from "node:stream";
import { MathtuneError, sha256File, throwIfAborted } from "@mathtune/core";
import { readGgufInfo } from "./gguf.js";
import { assertModelfileFitsModel } from "./modelfile.js";

/** The Ollama server URL: `host` when given, else $OLLAMA_HOST, else http://127.0.0.1:11434. */
export function ollamaHost(host?: string): string {
  const h = host || process.env.OLLAMA_HOST || "127.0.0.1:11434";
  const url = /^https?:\/\//.test(h) ? h : `http://${h}`;
  return url.replace(/\/+$/, "");
}

/** One message of an Ollama chat request. */
export interface OllamaChatMessage {
  role: string;
  content: string;
}

/** Ollama's reply to a chat request: the text, why it stopped, and the token counts. */
export interface OllamaChatResult {
  content: string;
  /** `stop` when the model ended its turn, `length` when it hit num_predict. */
  doneReason: string;
  promptTokens: number;
  evalTokens: number;
  evalSeconds: number;
}

/** A progress line of Ollama's `/api/create`. */
export type OllamaCreateEvent = { type: "ollama"; status: string; completed?: number; total?: number };

/** A small client of Ollama's REST API; every failure is E_OLLAMA_UNREACHABLE or E_OLLAMA_ERROR naming the host. */
export class OllamaClient {
  readonly host: string;

  constructor(host?: string) {
    this.host = ollamaHost(host);
  }

  private async request(
    method: string,
    path: string,
    init: { body?: unknown; raw?: unknown; signal?: AbortSignal; timeoutMs?: number; allow404?: boolean } = {},
  ): Promise<Response> {
    const url = `${this.host}${path}`;
    const signals = [init.signal, init.timeoutMs ? AbortSignal.timeout(init.timeoutMs) : undefined].filter(
      (s): s is AbortSignal => Boolean(s),
    );
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        ...(init.raw !== undefined
          ? { body: init.raw, duplex: "half" }
          : init.body !== undefined
            ? { body: JSON.stringify(init.body), headers: { "content-type": "application/json" } }
            : {}),
        ...(signals.length ? { signal: AbortSignal.any(signals) } : {}),
      } as RequestInit);
    } catch (e) {
      throwIfAborted(init.signal);
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new MathtuneError(
        "E_OLLAMA_UNREACHABLE",
        `the Ollama server at ${this.host} cannot be reached (${cause?.code ?? cause?.message ?? (e as Error).message})`,
        {
          hint: "start it with `ollama serve` (or set OLLAMA_HOST to where it runs); `mathtune doctor` says which ollama is installed",
          cause: e,
        },
      );
    }
    if (!res.ok && !(init.allow404 && res.status === 404)) {
      const text = await res.text().catch(() => "");
      let msg = text;
      try {
        msg = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        /* not JSON */
      }
      throw new MathtuneError(
        "E_OLLAMA_ERROR",
        `Ollama at ${this.host} answered ${method} ${path} with ${res.status}: ${msg.trim() || res.statusText}`,
        { details: { status: res.status, body: text.slice(0, 2000) } },
      );
    }
    return res;
  }

  /** The server's version (`GET /api/version`). */
  async version(signal?: AbortSignal): Promise<string> {
    const r = await this.request("GET", "/api/version", { timeoutMs: 5000, ...(signal ? { signal } : {}) });
    return ((await r.json()) as { version: string }).version;
  }

  /** Uploads a file as a blob unless the server has it (`HEAD`, then `POST /api/blobs/sha256:<digest>`). Returns `sha256:<digest>`. */
  async pushBlob(path: string, signal?: AbortSignal): Promise<string> {
    const digest = `sha256:${await sha256File(path)}`;
    const head = await this.request("HEAD", `/api/blobs/${digest}`, { allow404: true, ...(signal ? { signal } : {}) });
    if (head.status === 404) {
      const size = (await stat(path)).size;
      const body = Readable.toWeb(createReadStream(path)) as unknown;
      await this.request("POST", `/api/blobs/${digest}`, { raw: body, ...(signal ? { signal } : {}) });
      void size;
    }
    return digest;
  }

  /** `POST /api/create`, streaming its status lines to `onEvent`; an `error` line throws E_OLLAMA_ERROR. */
  async create(
    body: Record<string, unknown>,
    opts: { signal?: AbortSignal; onEvent?: (e: OllamaCreateEvent) => void } = {},
  ): Promise<void> {
    const r = await this.request("POST", "/api/create", {
      body: { ...body, stream: true },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    let last = "";
    for await (const obj of ndjson(r)) {
      if (typeof obj.error === "string")
        throw new MathtuneError(
          "E_OLLAMA_ERROR",
          `Ollama at ${this.host} could not create ${String(body.model)}: ${obj.error}`,
          { details: { request: { ...body, files: body.files } } },
        );
      if (typeof obj.status === "string") {
        last = obj.status;
        opts.onEvent?.({
          type: "ollama",
          status: obj.status,
          ...(typeof obj.completed === "number" ? { completed: obj.completed } : {}),
          ...(typeof obj.total === "number" ? { total: obj.total } : {}),
        });
      }
    }
    if (last !== "success")
      throw new MathtuneError(
        "E_OLLAMA_ERROR",
        `Ollama at ${this.host} ended the create of ${String(body.model)} without success (last status: ${last || "none"})`,
      );
  }

  /** `POST /api/chat` without streaming. */
  async chat(
    model: string,
    messages: OllamaChatMessage[],
    opts: { options?: Record<string, unknown>; signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<OllamaChatResult> {
    const r = await this.request("POST", "/api/chat", {
      body: { model, messages, stream: false, options: opts.options ?? {} },
      timeoutMs: opts.timeoutMs ?? 300_000,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const j = (await r.json()) as {
      message?: { content?: string };
      done_reason?: string;
      prompt_eval_count?: number;
      eval_count?: number;
      eval_duration?: number;
    };
    return {
      content: j.message?.content ?? "",
      doneReason: j.done_reason ?? "",
      promptTokens: j.prompt_eval_count ?? 0,
      evalTokens: j.eval_count ?? 0,
      evalSeconds: (j.eval_duration ?? 0) / 1e9,
    };
  }

  /** `POST /api/show`: the model's template, parameters and Modelfile. */
  async show(model: string): Promise<{ template?: string; parameters?: string; modelfile?: string; system?: string }> {
    const r = await this.request("POST", "/api/show", { body: { model } });
    return (await r.json()) as { template?: string; parameters?: string; modelfile?: string; system?: string };
  }

  /** Removes a model from the server. */
  async delete(model: string): Promise<void> {
    await this.request("DELETE", "/api/delete", { body: { model } });
  }
}

async function* ndjson(res: Response): AsyncGenerator<Record<string, unknown>> {
  if (!res.body) return;
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line) yield JSON.parse(line) as Record<string, unknown>;
    }
  }
  if (buf.trim()) yield JSON.parse(buf) as Record<string, unknown>;
}

/** Options of `createOllamaModel`. */
export interface CreateOllamaModelOptions {
  /** The model name in Ollama (`mathtune-qwen:q4_k_m`). */
  name: string;
  /** The GGUF the model is made from. */
  gguf: string;
  /** A LoRA GGUF applied on top (Ollama `ADAPTER`). */
  adapter?: string;
  template: string;
  system?: string;
  parameters: Record<string, unknown>;
  host?: string;
  signal?: AbortSignal;
  /** Receives Ollama's progress while it takes the blobs and creates the model. */
  onEvent?: (e: OllamaCreateEvent) => void;
}

/**
 * Creates an Ollama model over REST: the GGUF (and adapter) as blobs, then `/api/create` with
 * files, template, parameters, system and adapters. The template and stop strings are checked
 * against the GGUF's special tokens first (E_TEMPLATE_MISMATCH: Phi-3 tags for a Qwen model, say).
 */
export async function createOllamaModel(
  opts: CreateOllamaModelOptions,
): Promise<{ name: string; host: string; digest: string; adapterDigest?: string }> {
  const info = await readGgufInfo(opts.gguf);
  const stop = Array.isArray(opts.parameters.stop)
    ? (opts.parameters.stop as string[])
    : typeof opts.parameters.stop === "string"
      ? [opts.parameters.stop]
      : [];
  assertModelfileFitsModel(
    { template: opts.template, stop },
    info.tokens?.special ?? [],
    `the Ollama template for ${opts.name}`,
  );
  const client = new OllamaClient(opts.host);
  await client.version(opts.signal);
  opts.onEvent?.({ type: "ollama", status: `uploading ${basename(opts.gguf)}` });
  const digest = await client.pushBlob(opts.gguf, opts.signal);
  let adapterDigest: string | undefined;
  if (opts.adapter) {
    opts.onEvent?.({ type: "ollama", status: `uploading ${basename(opts.adapter)}` });
    adapterDigest = await client.pushBlob(opts.adapter, opts.signal);
  }
  await client.create(
    {
      model: opts.name,
      files: { [basename(opts.gguf)]: digest },
      ...(adapterDigest ? { adapters: { [basename(opts.adapter!)]: adapterDigest } } : {}),
      template: opts.template,
      ...(opts.system ? { system: opts.system } : {}),
      parameters: opts.parameters,
    },
    { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onEvent ? { onEvent: opts.onEvent } : {}) },
  );
  return { name: opts.name, host: client.host, digest, ...(adapterDigest ? { adapterDigest } : {}) };
}
