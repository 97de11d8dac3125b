import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { MathtuneError, type MathtuneErrorJSON, throwIfAborted, workerExecArgv } from "@mathtune/core";
import { checkRecord, defaultSegmentCache, type LatexFields, type TextReport } from "./validate.js";

/** One record to validate, with the options of its source. */
export interface PoolItem {
  fields: LatexFields;
  dollars: boolean;
  strict: boolean;
}

/** @internal message to a worker */
export interface PoolRequest {
  id: number;
  items: PoolItem[];
  /** Empty the worker's segment cache first (benchmarks). */
  clearCache?: boolean;
}

/** @internal message from a worker */
export type PoolResponse =
  | { id: number; reports: TextReport[]; error?: undefined }
  | { id: number; error: MathtuneErrorJSON; reports?: undefined };

/** Options of `LatexPool`. */
export interface LatexPoolOptions {
  /** Worker threads; 0 validates in the calling thread. Default: the machine's available cores. */
  workers?: number;
  /**
   * The worker script. Default: `worker.js` beside this module (dist/worker.js in the published
   * package). When that file does not exist (running from the TypeScript sources, as vitest does)
   * the pool validates in the calling thread and `mode` says `inline`.
   */
  workerUrl?: URL | string;
  /** Records per message to a worker (default 32): small enough to share work evenly. */
  chunkSize?: number;
}

/** Validates in the calling thread. */
function inline(items: readonly PoolItem[]): TextReport[] {
  return items.map((it) => checkRecord(it.fields, { dollars: it.dollars, strict: it.strict }));
}

/** The default worker file, beside the built module. */
export function defaultWorkerUrl(): URL {
  return new URL("./worker.js", import.meta.url);
}

interface Pending {
  resolve: (reports: TextReport[]) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  busy: boolean;
  /** The worker has loaded its modules and said so. */
  ready: boolean;
}

interface Job {
  req: PoolRequest;
  pending: Pending;
}

/**
 * A pool of worker threads that validate records. `run` returns one report per item, in the items'
 * order, whatever order the workers finish in; the results are those of `checkRecord` in-thread.
 *
 * A worker that cannot start (its script fails to load) makes the pool validate in the calling
 * thread instead: `mode` becomes `inline` and `fallback` says why. A worker that dies later fails
 * the runs in flight with E_INTERNAL; an error thrown in a worker arrives as the same MathtuneError.
 */
export class LatexPool {
  readonly size: number;
  private currentMode: "workers" | "inline";
  private fallbackReason: string | undefined;
  private slots: Slot[] = [];
  private queue: Job[] = [];
  private inflight = new Map<number, Job & { slot: Slot }>();
  private nextId = 0;
  private failure: Error | undefined;
  private closed = false;
  private readonly chunkSize: number;

  constructor(options: LatexPoolOptions = {}) {
    const wanted = options.workers ?? availableParallelism();
    if (!Number.isInteger(wanted) || wanted < 0)
      throw new MathtuneError("E_OPTIONS_INVALID", `workers must be an integer >= 0 (got ${wanted})`);
    this.chunkSize = Math.max(1, options.chunkSize ?? 32);
    const url =
      options.workerUrl === undefined ? defaultWorkerUrl() : new URL(String(options.workerUrl), import.meta.url);
    const usable = wanted > 0 && url.protocol === "file:" && existsSync(fileURLToPath(url));
    if (wanted > 0 && options.workerUrl !== undefined && !usable) {
      throw new MathtuneError("E_INPUT_NOT_FOUND", `LaTeX worker script not found: ${url.href}`, {
        hint: "build @mathtune/latex, or pass workers: 0",
      });
    }
    this.currentMode = usable ? "workers" : "inline";
    this.size = usable ? wanted : 0;
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn(url));
  }

  /** `workers` when threads run the validation, `inline` when the calling thread does. */
  get mode(): "workers" | "inline" {
    return this.currentMode;
  }

  /** Why the pool fell back to the calling thread, when a worker could not start. */
  get fallback(): string | undefined {
    return this.fallbackReason;
  }

  private spawn(url: URL): Slot {
    const worker = new Worker(url, { execArgv: workerExecArgv() });
    const slot: Slot = { worker, busy: false, ready: false };
    worker.unref();
    worker.on("message", (res: PoolResponse | { ready: true }) => {
      if ("ready" in res) {
        slot.ready = true;
        return;
      }
      const job = this.inflight.get(res.id);
      if (!job) return;
      this.inflight.delete(res.id);
      slot.busy = false;
      worker.unref(); // an idle pool does not keep the process alive
      if (res.error !== undefined) job.pending.reject(MathtuneError.fromJSON(res.error));
      else job.pending.resolve(res.reports);
      this.pump();
    });
    const fail = (e: Error): void => {
      if (this.closed || this.currentMode === "inline") return;
      if (!slot.ready) return this.degrade(e);
      this.failure ??= new MathtuneError("E_INTERNAL", `LaTeX worker stopped: ${e.message}`, { cause: e });
      for (const [id, job] of this.inflight) {
        if (job.slot === slot) {
          this.inflight.delete(id);
          job.pending.reject(this.failure);
        }
      }
      for (const q of this.queue.splice(0)) q.pending.reject(this.failure);
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`exited with code ${code}`)));
    return slot;
  }

  /** A worker could not start: stop them all and validate in this thread, the queued work included. */
  private degrade(e: Error): void {
    this.currentMode = "inline";
    this.fallbackReason = `a LaTeX worker could not start (${e.message}); validating in the calling thread`;
    const jobs = [...this.inflight.values(), ...this.queue.splice(0)];
    this.inflight.clear();
    for (const s of this.slots) void s.worker.terminate();
    this.slots = [];
    for (const job of jobs) {
      try {
        job.pending.resolve(inline(job.req.items));
      } catch (err) {
        job.pending.reject(err);
      }
    }
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const next = this.queue.shift();
      if (!next) return;
      slot.busy = true;
      slot.worker.ref();
      this.inflight.set(next.req.id, { ...next, slot });
      slot.worker.postMessage(next.req);
    }
  }

  private send(items: PoolItem[], clearCache = false): Promise<TextReport[]> {
    return new Promise<TextReport[]>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.queue.push({
        req: { id: this.nextId++, items, ...(clearCache ? { clearCache } : {}) },
        pending: { resolve, reject },
      });
      this.pump();
    });
  }

  /** Empties the segment caches (of every worker, or of this thread when inline); for benchmarks. Call it while the pool is idle. */
  async clearCaches(): Promise<void> {
    if (this.mode === "inline") {
      defaultSegmentCache().clear();
      return;
    }
    // one empty request per worker: each is idle when it takes one, so each worker gets exactly one
    await Promise.all(this.slots.map(() => this.send([], true)));
    if ((this.mode as string) === "inline") defaultSegmentCache().clear(); // fell back meanwhile
  }

  /** Validates the items; reports come back in the items' order. */
  async run(items: readonly PoolItem[], signal?: AbortSignal): Promise<TextReport[]> {
    if (this.closed) throw new MathtuneError("E_INTERNAL", "the LaTeX pool is closed");
    throwIfAborted(signal);
    if (this.mode === "inline") return inline(items);
    const chunks: Promise<TextReport[]>[] = [];
    for (let i = 0; i < items.length; i += this.chunkSize) chunks.push(this.send(items.slice(i, i + this.chunkSize)));
    const parts = await Promise.all(chunks);
    throwIfAborted(signal);
    return parts.flat();
  }

  /** Terminates the workers. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const gone = new MathtuneError("E_CANCELED", "the LaTeX pool was closed");
    for (const q of this.queue.splice(0)) q.pending.reject(gone);
    for (const [, job] of this.inflight) job.pending.reject(gone);
    this.inflight.clear();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots = [];
  }
}
