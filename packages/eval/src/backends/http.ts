import { MathtuneError, throwIfAborted } from "@mathtune/core";
import type { HttpOptions } from "./types.js";

const sleep = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((res, rej) => {
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      res();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      rej(new MathtuneError("E_CANCELED", "canceled", { cause: signal?.reason }));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

function tail(s: string, n = 300): string {
  return s.length > n ? `...${s.slice(-n)}` : s;
}

/** The error code of a fetch failure: refused/reset connections, DNS, or anything else. */
function networkCode(e: unknown): string | undefined {
  const cause = (e as { cause?: { code?: string; errors?: { code?: string }[] } })?.cause;
  return cause?.code ?? cause?.errors?.[0]?.code;
}

export interface RequestJsonOptions extends HttpOptions {
  method?: "GET" | "POST";
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** What the server is, for messages: `Ollama at http://...`. */
  what: string;
  /** Said when the server cannot be reached. */
  hint: string;
}

/**
 * One JSON request with a timeout, retried with exponential backoff on a refused connection, a
 * timeout, HTTP 429 and 5xx. Gives E_SERVER_UNREACHABLE, E_TIMEOUT or E_SERVER_ERROR when the
 * retries are spent, E_SERVER_ERROR at once for other HTTP errors (with the status and the body's
 * tail), E_SERVER_RESPONSE for a body that is not JSON, E_CANCELED when the signal fires.
 * Headers (the API key) never reach a message.
 */
export async function requestJson(url: string, opts: RequestJsonOptions): Promise<{ status: number; json: unknown }> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const retries = opts.retries ?? 3;
  const backoff = opts.backoffMs ?? 500;
  let last: MathtuneError | undefined;
  for (let attempt = 0; attempt <= retries; attempt++) {
    throwIfAborted(opts.signal);
    if (attempt > 0) await sleep(backoff * 2 ** (attempt - 1), opts.signal);
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, timeoutMs);
    const onAbort = () => ac.abort();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    const tries = `${attempt + 1} attempt${attempt ? "s" : ""}`;
    try {
      const res = await fetch(url, {
        method: opts.method ?? (opts.body === undefined ? "GET" : "POST"),
        headers: { ...(opts.body === undefined ? {} : { "content-type": "application/json" }), ...opts.headers },
        ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
        signal: ac.signal,
      });
      const text = await res.text();
      if (res.status === 429 || res.status >= 500) {
        last = new MathtuneError(
          "E_SERVER_ERROR",
          `${opts.what} answered HTTP ${res.status} to ${tries}: ${tail(text)}`,
          {
            hint: "the server is overloaded or failing; check its log, lower --concurrency, or retry later",
            details: { status: res.status, url },
          },
        );
        continue;
      }
      if (res.status >= 400) {
        throw new MathtuneError(
          res.status === 404 ? "E_MODEL_NOT_FOUND" : "E_SERVER_ERROR",
          `${opts.what} answered HTTP ${res.status}: ${tail(text)}`,
          {
            hint:
              res.status === 404
                ? "check the model name (and that the server serves it)"
                : res.status === 401 || res.status === 403
                  ? "check the API key in the environment"
                  : "check the request options",
            details: { status: res.status, url },
          },
        );
      }
      try {
        return { status: res.status, json: JSON.parse(text) as unknown };
      } catch (e) {
        throw new MathtuneError(
          "E_SERVER_RESPONSE",
          `${opts.what} answered with something that is not JSON: ${tail(text, 120)}`,
          { cause: e, details: { url } },
        );
      }
    } catch (e) {
      if (e instanceof MathtuneError) throw e;
      if (opts.signal?.aborted) throw new MathtuneError("E_CANCELED", "canceled", { cause: opts.signal.reason });
      if (timedOut) {
        last = new MathtuneError("E_TIMEOUT", `${opts.what} did not answer within ${timeoutMs} ms (${tries})`, {
          cause: e,
          hint: "the server is slow or stuck: raise --timeout, lower --concurrency or --max-tokens",
          details: { url, timeoutMs },
        });
      } else {
        const code = networkCode(e);
        last = new MathtuneError(
          "E_SERVER_UNREACHABLE",
          `${opts.what} could not be reached (${code ?? (e as Error).message}; ${tries})`,
          { cause: e, hint: opts.hint, details: { url, code } },
        );
      }
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
    }
  }
  throw last!;
}

/** Content that must be text: a string, or E_OUTPUT_NOT_TEXT. */
export function textOf(value: unknown, what: string): string {
  if (typeof value === "string") return value;
  throw new MathtuneError(
    "E_OUTPUT_NOT_TEXT",
    `${what} returned an answer that is not text (${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value})`,
    {
      hint: "the model or server does not produce plain text for chat requests; use a text model, or another endpoint",
    },
  );
}
