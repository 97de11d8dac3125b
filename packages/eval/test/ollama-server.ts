/**
 * The one place the eval tests start an Ollama server: `ollama serve` on a free loopback port with
 * a temporary OLLAMA_MODELS, and a model created from a GGUF over the REST API (blob upload, then
 * /api/create). (To be replaced by the shared starter of @mathtune/deploy's tests once it lands.)
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256 } from "@mathtune/core";
import { cacheDir } from "@mathtune/train";
import { execa, type ResultPromise } from "execa";

/** The Ollama server built from the Go module proxy (see docs/development.md), or MATHTUNE_OLLAMA. */
export const OLLAMA_BIN = process.env.MATHTUNE_OLLAMA ?? join(cacheDir(), "ollama", "v0.6.5-x86-64-v3", "bin", "ollama");
export const hasOllama = existsSync(OLLAMA_BIN);

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export interface OllamaServer {
  url: string;
  /** host:port, as OLLAMA_HOST takes it. */
  host: string;
  stop(): Promise<void>;
}

export async function startOllama(): Promise<OllamaServer> {
  const port = await freePort();
  const models = await mkdtemp(join(tmpdir(), "mathtune-ollama-"));
  const host = `127.0.0.1:${port}`;
  const child: ResultPromise = execa(OLLAMA_BIN, ["serve"], { env: { OLLAMA_HOST: host, OLLAMA_MODELS: models, OLLAMA_NUM_PARALLEL: "1" }, reject: false, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.on("data", (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const url = `http://${host}`;
  const stop = async () => {
    child.kill("SIGTERM");
    const t = setTimeout(() => child.kill("SIGKILL"), 5000);
    await child;
    clearTimeout(t);
    await rm(models, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${url}/api/version`);
      if (r.ok) break;
    } catch {
      // not up yet
    }
    if (i > 600 || child.exitCode !== undefined && child.exitCode !== null) {
      await stop();
      throw new Error(`ollama serve did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, host, stop };
}

/** Creates `name` from a GGUF: the file as a blob, then /api/create naming it. */
export async function createOllamaModel(url: string, name: string, gguf: string): Promise<void> {
  const data = await readFile(gguf);
  const digest = `sha256:${sha256(data)}`;
  const up = await fetch(`${url}/api/blobs/${digest}`, { method: "POST", body: data });
  if (!up.ok) throw new Error(`blob upload: HTTP ${up.status} ${await up.text()}`);
  const r = await fetch(`${url}/api/create`, { method: "POST", body: JSON.stringify({ model: name, files: { "model.gguf": digest }, stream: false }) });
  const text = await r.text();
  if (!r.ok || !text.includes("success")) throw new Error(`create: HTTP ${r.status} ${text}`);
}
