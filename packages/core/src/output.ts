import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { once } from "node:events";
import { MathtuneError } from "./errors.js";

/**
 * Writes text to a file through a buffer, with backpressure, hashing what it writes.
 * Used for JSON lines: `writeLine(JSON.stringify(x))`.
 */
export class HashingWriter {
  readonly path: string;
  private stream: WriteStream;
  private hash = createHash("sha256");
  private buf: string[] = [];
  private bufLen = 0;
  private closed = false;
  bytes = 0;
  lines = 0;

  constructor(path: string, private readonly flushAt = 1 << 18) {
    this.path = path;
    this.stream = createWriteStream(path, { flags: "wx" });
  }

  /** Appends one line (a newline is added). Await it: it waits when the disk is behind. */
  async writeLine(text: string): Promise<void> {
    this.buf.push(text, "\n");
    this.bufLen += text.length + 1;
    this.lines++;
    if (this.bufLen >= this.flushAt) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.buf.length) return;
    const data = Buffer.from(this.buf.join(""), "utf8");
    this.buf = [];
    this.bufLen = 0;
    this.hash.update(data);
    this.bytes += data.length;
    if (!this.stream.write(data)) await once(this.stream, "drain");
  }

  /** Flushes and closes; returns the sha256 of everything written. */
  async close(): Promise<{ sha256: string; bytes: number; lines: number }> {
    if (!this.closed) {
      await this.flush();
      this.closed = true;
      await new Promise<void>((res, rej) => this.stream.end((err?: Error | null) => (err ? rej(err) : res())));
    }
    return { sha256: this.hash.digest("hex"), bytes: this.bytes, lines: this.lines };
  }

  destroy(): void {
    this.closed = true;
    this.stream.destroy();
  }
}

/** Writes a whole file atomically: to a temporary name beside it, then renamed into place. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await writeFile(tmp, data, { flag: "wx" });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new MathtuneError("E_OUTPUT", `could not write ${path}: ${(e as Error).message}`, { cause: e });
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

  static async create(target: string): Promise<AtomicDir> {
    try {
      const st = await stat(target);
      if (!st.isDirectory()) throw new MathtuneError("E_OUTPUT", `${target} exists and is not a folder`, { hint: "choose another --out" });
    } catch (e) {
      if (e instanceof MathtuneError) throw e;
    }
    await mkdir(dirname(target), { recursive: true });
    const staging = join(dirname(target), `.${basename(target)}.partial-${process.pid}-${randomBytes(4).toString("hex")}`);
    await mkdir(staging);
    return new AtomicDir(target, staging);
  }

  /** Path of a file inside the staging folder. */
  path(name: string): string {
    return join(this.staging, name);
  }

  async commit(): Promise<void> {
    if (this.done) return;
    const old = join(dirname(this.target), `.${basename(this.target)}.old-${process.pid}-${randomBytes(4).toString("hex")}`);
    let moved = false;
    try {
      await rename(this.target, old);
      moved = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new MathtuneError("E_OUTPUT", `could not replace ${this.target}`, { cause: e });
    }
    await rename(this.staging, this.target);
    this.done = true;
    if (moved) await rm(old, { recursive: true, force: true });
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await rm(this.staging, { recursive: true, force: true });
  }
}
