/**
 * Test helpers: `startOllama()` runs an `ollama serve` of its own on a free loopback port (`freePort()`),
 * and `parsePrompts(log)` reads the prompts it was sent from its debug log.
 *
 * @packageDocumentation
 * @module @mathtune/deploy/testing
 */
import "./errors.js";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MathtuneError } from "@mathtune/core";
import { execa, type ResultPromise } from "execa";
import { OllamaClient } from "./ollama.js";
import { ensureOllama } from "./tools.js";

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

/** A running `ollama serve` of its own, from `startOllama`. */
export interface OllamaServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The server's own models folder (removed by stop). */
  models: string;
  client: OllamaClient;
  /** The server's log so far (stderr); with `debug`, each chat's rendered prompt is in it. */
  log(): string;
  /** The prompts the server rendered for chat requests (needs `debug: true`), oldest first. */
  prompts(): string[];
  /** Stops the server and removes its models folder. */
  stop(): Promise<void>;
}

/**
 * Starts `ollama serve` on a free loopback port with its own OLLAMA_MODELS temporary folder (for
 * tests and benchmarks); `stop()` ends it (SIGTERM, then SIGKILL after 5 s) and removes the folder.
 * The binary: `bin`, else $MATHTUNE_OLLAMA, else the cached build (built when missing).
 */
export async function startOllama(
  opts: { bin?: string; debug?: boolean; timeoutMs?: number } = {},
): Promise<OllamaServer> {
  const bin = opts.bin ?? (await ensureOllama()).path;
  const models = await mkdtemp(join(tmpdir(), "mathtune-ollama-"));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let log = "";
  const child: ResultPromise = execa(bin, ["serve"], {
    env: {
      OLLAMA_HOST: host,
      OLLAMA_MODELS: models,
      HOME: models,
      OLLAMA_NOPRUNE: "1",
      OLLAMA_KEEP_ALIVE: "30s",
      ...(opts.debug ? { OLLAMA_DEBUG: "1" } : {}),
    },
    reject: false,
    stdin: "ignore",
    buffer: false,
    forceKillAfterDelay: 5_000,
  });
  child.stderr?.on("data", (c: Buffer) => {
    log += c.toString("utf8");
    if (log.length > 4_000_000) log = log.slice(-2_000_000);
  });
  child.stdout?.on("data", (c: Buffer) => {
    log += c.toString("utf8");
  });
  const client = new OllamaClient(host);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && !child.killed) child.kill("SIGTERM");
    await child;
    await rm(models, { recursive: true, force: true });
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    try {
      await client.version();
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new MathtuneError(
          "E_OLLAMA_UNREACHABLE",
          `ollama serve (${bin}) did not come up on ${host}: ${log.trim().split("\n").slice(-3).join(" | ")}`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    url: client.host,
    models,
    client,
    log: () => log,
    prompts: () => parsePrompts(log),
    stop,
  };
}

/** The `prompt=` values of Ollama's debug "chat request" log lines (Go-quoted strings). */
export function parsePrompts(log: string): string[] {
  const out: string[] = [];
  const re = /msg="chat request"[^\n]*? prompt=("(?:[^"\\]|\\.)*")/g;
  for (const m of log.matchAll(re)) out.push(goUnquote(m[1]!));
  return out;
}

/** Decodes a Go `%q` string (the escapes JSON lacks: \x, \a, \v, \U). */
function goUnquote(q: string): string {
  const json = q.replace(
    /\\x([0-9a-fA-F]{2})|\\a|\\v|\\U([0-9a-fA-F]{8})/g,
    (m, x: string | undefined, u: string | undefined) => {
      if (x) return `\\u00${x}`;
      if (u) return JSON.stringify(String.fromCodePoint(parseInt(u, 16))).slice(1, -1);
      return m === "\\a" ? "\\u0007" : "\\u000b";
    },
  );
  return JSON.parse(json) as string;
}
