import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { once } from "node:events";
import { MathtuneError } from "./errors.js";
import {
  OUTPUT_MARKER,
  type PrepareOutputOptions,
  type PreparedOutput,
  fsError,
  outputMarker,
  prepareOutputDir,
  registerExitCleanup,
} from "./outdir.js";

/** Computes a sha256 from the bytes it is given, in order: in this thread, or elsewhere. */
export interface Hasher {
  /** Takes the next bytes; returns a promise when it is behind (another thread): wait for it before giving more. */
  update(data: Uint8Array): Promise<void> | void;
  /** The hex digest of everything given. */
  digest(): string | Promise<string>;
  /**
   * `update` keeps the bytes (it moves them to another thread): a writer then gives them once
   * they are written, and not before.
   */
  takesBytes?: boolean;
}

/** A sha256 Hasher in this thread. */
export function sha256Hasher(): Hasher {
  const h = createHash("sha256");
  return { update: (data) => void h.update(data), digest: () => h.digest("hex") };
}

/**
 * Writes text to a file through a buffer, with backpressure, hashing what it writes.
 * Used for JSON lines: `writeLine(JSON.stringify(x))`.
 */
export class HashingWriter {
  readonly path: string;
  private stream: WriteStream;
  private hash: Hasher | undefined;
  private buf: string[] = [];
  private bufLen = 0;
  private closed = false;
  private drained: Promise<void> | undefined;
  private hashed: Promise<void> | undefined;
  bytes = 0;
  lines = 0;

  /**
   * `hash: false` skips hashing (for scratch files); a Hasher hashes elsewhere (another thread);
   * `flushAt` is the buffer size in characters.
   */
  constructor(path: string, options: { hash?: boolean | Hasher; flushAt?: number } = {}) {
    this.path = path;
    this.flushAt = options.flushAt ?? 1 << 18;
    this.hash = options.hash === false ? undefined : typeof options.hash === "object" ? options.hash : sha256Hasher();
    this.stream = createWriteStream(path, { flags: "wx" });
    // A write error (disk full, ...) is kept and thrown, with its path, by the next write or close.
    this.stream.on("error", (e) => {
      this.error ??= fsError(e, path, "write");
      this.drained = undefined;
    });
  }
  private error: MathtuneError | undefined;
  private readonly flushAt: number;

  /**
   * Appends one line (a newline is added). Returns a promise only when the buffer was flushed and
   * the disk is behind: `const p = w.writeLine(s); if (p) await p;` keeps the hot path synchronous.
   */
  writeLine(text: string): Promise<void> | undefined {
    this.buf.push(text);
    this.bufLen += text.length + 1;
    this.lines++;
    if (this.bufLen >= this.flushAt) return this.flush();
    return undefined;
  }

  /** Appends raw bytes (one or more whole lines, newline included). */
  writeRaw(data: Uint8Array, lines: number): Promise<void> | undefined {
    this.flushText();
    this.lines += lines;
    return this.push(data);
  }

  private flushText(): void {
    if (!this.buf.length) return;
    // Each line encoded straight into one buffer (a UTF-16 unit is at most 3 UTF-8 bytes): faster
    // than joining first, which makes one long string that is two-byte when any line is.
    const out = Buffer.allocUnsafe(this.bufLen * 3);
    let at = 0;
    for (const line of this.buf) {
      at += out.write(line, at, "utf8");
      out[at++] = 10;
    }
    const data = out.subarray(0, at);
    this.buf = [];
    this.bufLen = 0;
    void this.push(data);
  }

  private push(data: Uint8Array): Promise<void> | undefined {
    if (this.error) return Promise.reject(this.error);
    const hash = this.hash;
    this.bytes += data.length;
    let written: ((err?: Error | null) => void) | undefined;
    if (hash?.takesBytes) written = (err) => void (err ? undefined : this.hashing(hash.update(data)));
    else this.hashing(hash?.update(data));
    if (!this.stream.write(data, written) && !this.drained) {
      // Whichever comes first, the other listener (and the error listener `once` adds) is removed:
      // left attached, they would pile up on the stream, one pair per drain.
      const settled = new AbortController();
      this.drained = Promise.race([
        once(this.stream, "drain", { signal: settled.signal }),
        once(this.stream, "close", { signal: settled.signal }),
      ])
        .finally(() => settled.abort())
        .then(
          () => {
            this.drained = undefined;
            if (this.error) throw this.error;
          },
          (e: unknown) => {
            this.drained = undefined;
            throw this.error ?? fsError(e, this.path, "write");
          },
        );
      // the error is thrown again by the next write or close: never an unhandled rejection
      this.drained.catch(() => undefined);
    }
    return this.pending();
  }

  private hashing(behind: Promise<void> | void): void {
    if (behind && !this.hashed) {
      this.hashed = behind.then(() => {
        this.hashed = undefined;
      });
    }
  }

  /** What to wait for before writing more: the disk, and a hasher in another thread. */
  private pending(): Promise<void> | undefined {
    if (this.drained && this.hashed) return Promise.all([this.drained, this.hashed]).then(() => undefined);
    return this.drained ?? this.hashed;
  }

  private flush(): Promise<void> | undefined {
    this.flushText();
    return this.pending();
  }

  /** Flushes and closes; returns the sha256 of everything written (empty when not hashing). */
  async close(): Promise<{ sha256: string; bytes: number; lines: number }> {
    if (!this.closed) {
      this.flushText();
      this.closed = true;
      if (this.error) throw this.error;
      await new Promise<void>((res, rej) =>
        this.stream.end((err?: Error | null) => (err ? rej(fsError(err, this.path, "write")) : res())),
      );
      if (this.error) throw this.error;
    }
    return { sha256: this.hash ? await this.hash.digest() : "", bytes: this.bytes, lines: this.lines };
  }

  /** Closes the file without finishing it (on error or cancel). */
  destroy(): void {
    this.closed = true;
    this.stream.destroy();
  }
}

/** Writes a whole file atomically: to a temporary name beside it, then renamed into place. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, data, { flag: "wx" });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw fsError(e, path, "write");
  }
}

/**
 * An output folder built in a staging folder beside the target and swapped into place on commit,
 * so an interrupted run leaves the previous output (or none), never a half-written one.
 */
export class AtomicDir {
  readonly target: string;
  readonly staging: string;
  private done = false;

  private constructor(target: string, staging: string) {
    this.target = target;
    this.staging = staging;
  }

  private lease: PreparedOutput | undefined;
  private unregister: (() => void) | undefined;

  /**
   * Checks the target with `prepareOutputDir` (it may only replace a folder mathtune wrote, or any
   * with `force`; never the current folder, an ancestor, or one holding a `protect` path), takes
   * its lock, removes staging folders of dead runs, and makes the staging folder. Without
   * `options` the kind is "folder" and the staging folder gets the marker file.
   */
  static async create(
    target: string,
    options: Partial<PrepareOutputOptions> & { marker?: boolean } = {},
  ): Promise<AtomicDir> {
    const kind = options.kind ?? "folder";
    const lease = await prepareOutputDir(target, { ...options, kind });
    const abs = lease.target;
    const staging = join(dirname(abs), `.${basename(abs)}.partial-${process.pid}-${randomBytes(4).toString("hex")}`);
    const unregister = registerExitCleanup(staging);
    try {
      await mkdir(staging);
      if (options.marker ?? true) await writeFile(join(staging, OUTPUT_MARKER), outputMarker(kind));
    } catch (e) {
      unregister();
      await rm(staging, { recursive: true, force: true });
      await lease.release();
      throw fsError(e, staging, "create the staging folder");
    }
    const dir = new AtomicDir(abs, staging);
    dir.lease = lease;
    dir.unregister = unregister;
    return dir;
  }

  /** Path of a file inside the staging folder. */
  path(name: string): string {
    return join(this.staging, name);
  }

  /** Moves the staging folder into place, replacing the target (kept aside until the move succeeds). */
  async commit(): Promise<void> {
    if (this.done) return;
    const old = join(
      dirname(this.target),
      `.${basename(this.target)}.old-${process.pid}-${randomBytes(4).toString("hex")}`,
    );
    let moved = false;
    try {
      await rename(this.target, old);
      moved = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw fsError(e, this.target, "replace");
    }
    try {
      await rename(this.staging, this.target);
    } catch (e) {
      if (moved) await rename(old, this.target).catch(() => undefined);
      throw fsError(e, this.target, "move the output into place at");
    }
    this.done = true;
    this.unregister?.();
    try {
      if (moved) await rm(old, { recursive: true, force: true });
    } finally {
      await this.lease?.release();
    }
  }

  /** Removes the staging folder; the target is left as it was. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      await rm(this.staging, { recursive: true, force: true });
    } finally {
      this.unregister?.();
      await this.lease?.release();
    }
  }
}
