/**
 * Reads a source in batches: in the calling thread, or in a worker thread so that reading,
 * parsing and the adapter's work overlap the checks and the writing in the main thread.
 *
 * Both ways yield the same batches: the records (with their source locations), the load
 * rejections met while filling the batch, and the adapter's byte progress.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { createHash, type Hash } from "node:crypto";
import {
  type Adapter,
  type Hasher,
  type MathRecord,
  MathtuneError,
  type MathtuneErrorJSON,
  type Rejection,
  type SourceLocation,
  digestTree,
  locationOf,
  throwIfAborted,
  withLocation,
  workerExecArgv,
} from "@mathtune/core";

export type TreeDigest = Awaited<ReturnType<typeof digestTree>>;

/** What a worker needs to load one source: everything is plain data. */
export interface SourceJob {
  /** The adapter as the recipe names it (resolved again in the worker). */
  adapter: string;
  baseDir: string;
  /** The options, already checked and with defaults. */
  options: Record<string, unknown>;
  /** Stop after this many records. */
  limit?: number;
  batchSize: number;
}

export interface LoadBatch {
  records: MathRecord[];
  /** Rejections met while this batch was read, in order; they come before its records' own. */
  rejections: Rejection[];
  bytes?: number;
  totalBytes?: number;
}

/** Batches of one source, read in the calling thread. */
export async function* loadBatches(adapter: Adapter, job: SourceJob, signal?: AbortSignal): AsyncGenerator<LoadBatch> {
  let batch: LoadBatch = { records: [], rejections: [] };
  let bytes: number | undefined;
  let totalBytes: number | undefined;
  let read = 0;
  const ctx = {
    baseDir: job.baseDir,
    reject: (r: Rejection) => void batch.rejections.push(r),
    progress: (done: number, total: number | undefined) => {
      bytes = done;
      totalBytes = total;
    },
    ...(signal ? { signal } : {}),
  };
  const take = (): LoadBatch => {
    const b = batch;
    if (bytes !== undefined) b.bytes = bytes;
    if (totalBytes !== undefined) b.totalBytes = totalBytes;
    batch = { records: [], rejections: [] };
    return b;
  };
  if (job.limit === 0) return;
  for await (const rec of adapter.load(job.options, ctx)) {
    batch.records.push(rec);
    if (batch.records.length >= job.batchSize) yield take();
    if (job.limit !== undefined && ++read >= job.limit) break;
  }
  if (batch.records.length || batch.rejections.length) yield take();
}

// --- the worker protocol -------------------------------------------------------------------

/** @internal main -> worker */
export type ToWorker =
  | { type: "load"; job: SourceJob }
  | { type: "credit" }
  | { type: "digest"; id: number; path: string }
  | { type: "hash"; id: number; data: Uint8Array }
  | { type: "hash-end"; id: number };

/** @internal worker -> main */
export type FromWorker =
  | {
      type: "batch";
      records: MathRecord[];
      locations: (SourceLocation | undefined)[];
      rejections: Rejection[];
      bytes?: number;
      totalBytes?: number;
    }
  | { type: "end" }
  | { type: "error"; error: SerializedError }
  | { type: "result"; id: number; value?: TreeDigest | string; error?: SerializedError }
  | { type: "hashed"; bytes: number };

/** @internal An error as it crosses from the worker: a MathtuneError's toJSON(), or a plain error's message and stack. */
export type SerializedError = MathtuneErrorJSON | { message: string; stack?: string };

/** @internal */
export function serializeError(e: unknown): SerializedError {
  if (e instanceof MathtuneError) return e.toJSON();
  const err = e instanceof Error ? e : new Error(String(e));
  return { message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
}

function deserializeError(s: SerializedError): Error {
  if ("code" in s) return MathtuneError.fromJSON(s);
  const e = new Error(s.message);
  if (s.stack) e.stack = s.stack;
  return e;
}

/** Bytes the main thread may send ahead of the worker's hashing. */
const HASH_BACKLOG = 8 << 20;

/** Batches a worker may send ahead of the main thread: enough to keep both busy, few enough to keep memory flat. */
const CREDIT = 2;

/** @internal The worker's side: runs each job it is sent and posts its batches, waiting for credit. */
export function serveLoads(
  port: { postMessage(m: FromWorker): void; on(ev: "message", fn: (m: ToWorker) => void): void },
  resolve: (spec: string, baseDir: string) => Promise<Adapter>,
): void {
  let credit = 0;
  let wake: (() => void) | undefined;
  let queue = Promise.resolve();
  const hashes = new Map<number, Hash>();
  const post = (m: FromWorker): void => {
    try {
      port.postMessage(m);
    } catch {
      // Something in a rejection's raw input cannot be cloned (a function, a symbol): send it as JSON.
      port.postMessage(JSON.parse(JSON.stringify(m)) as FromWorker);
    }
  };
  const run = async (job: SourceJob): Promise<void> => {
    credit = CREDIT;
    try {
      const adapter = await resolve(job.adapter, job.baseDir);
      for await (const b of loadBatches(adapter, job)) {
        while (credit === 0) await new Promise<void>((r) => (wake = r));
        credit--;
        post({
          type: "batch",
          records: b.records,
          locations: b.records.map((r) => locationOf(r)),
          rejections: b.rejections,
          ...(b.bytes !== undefined ? { bytes: b.bytes } : {}),
          ...(b.totalBytes !== undefined ? { totalBytes: b.totalBytes } : {}),
        });
      }
      post({ type: "end" });
    } catch (e) {
      post({ type: "error", error: serializeError(e) });
    }
  };
  port.on("message", (m) => {
    if (m.type === "credit") {
      credit++;
      wake?.();
      wake = undefined;
    } else if (m.type === "digest") {
      queue = queue.then(() =>
        digestTree(m.path).then(
          (value) => post({ type: "result", id: m.id, value }),
          (e: unknown) => post({ type: "result", id: m.id, error: serializeError(e) }),
        ),
      );
    } else if (m.type === "hash") {
      let h = hashes.get(m.id);
      if (!h) hashes.set(m.id, (h = createHash("sha256")));
      h.update(m.data);
      post({ type: "hashed", bytes: m.data.length });
    } else if (m.type === "hash-end") {
      const value = (hashes.get(m.id) ?? createHash("sha256")).digest("hex");
      hashes.delete(m.id);
      post({ type: "result", id: m.id, value });
    } else {
      queue = queue.then(() => run(m.job));
    }
  });
}

/** The worker script beside the built module (dist/load-worker.js); absent when running from the TypeScript sources. */
export function defaultLoadWorkerUrl(): URL | undefined {
  const url = new URL("./load-worker.js", import.meta.url);
  return url.protocol === "file:" && existsSync(fileURLToPath(url)) ? url : undefined;
}

/**
 * A worker thread that loads sources one after another for one build. Each `load` yields the
 * batches of one source; errors in the worker come back as the same MathtuneError (code,
 * location, hint). `close` ends the thread.
 */
export class SourceWorker {
  private worker: Worker;
  private inbox: Exclude<FromWorker, { type: "result" } | { type: "hashed" }>[] = [];
  /** Bytes sent to be hashed and not hashed yet, and who waits for them to fall. */
  private hashBacklog = 0;
  private hashWaiters: (() => void)[] = [];
  private notify: (() => void) | undefined;
  private failure: Error | undefined;
  private busy = false;
  private nextId = 0;
  private requests = new Map<number, { resolve: (v: TreeDigest | string) => void; reject: (e: Error) => void }>();

  constructor(url: URL) {
    this.worker = new Worker(url, { execArgv: workerExecArgv() });
    this.worker.on("message", (m: FromWorker) => this.deliver(m));
    this.worker.on("error", (e) =>
      this.fail(new MathtuneError("E_INTERNAL", `the source worker failed: ${e.message}`, { cause: e })),
    );
    this.worker.on("exit", (code) =>
      this.fail(new MathtuneError("E_INTERNAL", `the source worker stopped (exit code ${code})`)),
    );
  }

  private deliver(m: FromWorker): void {
    if (m.type === "hashed") {
      this.hashBacklog -= m.bytes;
      if (this.hashBacklog <= HASH_BACKLOG) this.releaseHashWaiters();
      return;
    }
    if (m.type === "result") {
      const p = this.requests.get(m.id);
      this.requests.delete(m.id);
      if (m.value !== undefined) p?.resolve(m.value);
      else p?.reject(deserializeError(m.error ?? { message: "no result" }));
      return;
    }
    this.inbox.push(m);
    this.notify?.();
    this.notify = undefined;
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.releaseHashWaiters();
    for (const p of this.requests.values()) p.reject(this.failure);
    this.requests.clear();
    this.notify?.();
    this.notify = undefined;
  }

  private async next(
    signal: AbortSignal | undefined,
  ): Promise<Exclude<FromWorker, { type: "result" } | { type: "hashed" }>> {
    for (;;) {
      const m = this.inbox.shift();
      if (m) return m;
      if (this.failure) throw this.failure;
      throwIfAborted(signal);
      await new Promise<void>((resolve) => (this.notify = resolve));
    }
  }

  async *load(job: SourceJob, signal?: AbortSignal): AsyncGenerator<LoadBatch> {
    if (this.busy) throw new MathtuneError("E_INTERNAL", "the source worker is already loading a source");
    this.busy = true;
    const onAbort = (): void => {
      this.notify?.();
      this.notify = undefined;
    };
    signal?.addEventListener("abort", onAbort);
    try {
      this.worker.postMessage({ type: "load", job } satisfies ToWorker);
      for (;;) {
        const m = await this.next(signal);
        if (m.type === "end") return;
        if (m.type === "error") throw deserializeError(m.error);
        this.worker.postMessage({ type: "credit" } satisfies ToWorker);
        m.records.forEach((r, i) => {
          const loc = m.locations[i];
          if (loc) withLocation(r, loc);
        });
        const b: LoadBatch = { records: m.records, rejections: m.rejections };
        if (m.bytes !== undefined) b.bytes = m.bytes;
        if (m.totalBytes !== undefined) b.totalBytes = m.totalBytes;
        yield b;
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.busy = false;
    }
  }

  /**
   * The sha256 of every file under a path (as `digestTree`), computed in the worker after the
   * loads before it, so it overlaps the main thread's writing.
   */
  digest(path: string): Promise<TreeDigest> {
    const id = this.nextId++;
    const p = this.request<TreeDigest>(id);
    this.worker.postMessage({ type: "digest", id, path } satisfies ToWorker);
    return p;
  }

  /** A sha256 Hasher whose hashing runs in the worker: `update` sends a copy of the bytes. */
  hasher(): Hasher {
    const id = this.nextId++;
    return {
      // The writer gives the bytes once written: a buffer of its own moves to the worker as is; a view
      // into a larger one (Node's pool for small buffers) is copied first, as moving it would empty the rest.
      takesBytes: true,
      update: (data) => {
        if (this.failure) return;
        const whole =
          data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
        const own = whole ? (data as Uint8Array<ArrayBuffer>) : new Uint8Array(data);
        this.worker.postMessage({ type: "hash", id, data: own } satisfies ToWorker, [own.buffer]);
        this.hashBacklog += own.byteLength;
        if (this.hashBacklog <= HASH_BACKLOG) return;
        return new Promise<void>((resolve) => this.hashWaiters.push(resolve));
      },
      digest: () => {
        const p = this.request<string>(id);
        this.worker.postMessage({ type: "hash-end", id } satisfies ToWorker);
        return p;
      },
    };
  }

  private releaseHashWaiters(): void {
    const waiters = this.hashWaiters;
    this.hashWaiters = [];
    for (const w of waiters) w();
  }

  private request<T extends TreeDigest | string>(id: number): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) =>
      this.requests.set(id, { resolve: resolve as (v: TreeDigest | string) => void, reject }),
    );
  }

  /** Ends the thread (a load in progress stops). */
  async close(): Promise<void> {
    this.failure ??= new MathtuneError("E_CANCELED", "the source worker was closed");
    await this.worker.terminate();
  }
}
