import { closeSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { lstat, mkdir, open, readFile, readdir, realpath, rm, unlink } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, join, parse, relative, resolve } from "node:path";
import { type ErrorCode, MathtuneError } from "./errors.js";

/** What kind of output a folder holds; written in its marker file. */
export type OutputKind = "build" | "train" | "merge" | "deploy" | "eval" | (string & {});

/** The marker file every mathtune output folder carries (the build's `manifest.json` counts too). */
export const OUTPUT_MARKER = ".mathtune-output.json";

/** Options of `prepareOutputDir`. */
export interface PrepareOutputOptions {
  /** What will be written; a folder of another kind is not replaced without `force`. */
  kind: OutputKind;
  /**
   * Replace (or write into) an existing folder that mathtune did not write. Never overrides the
   * refusals that protect the current folder, its ancestors, the home folder, the filesystem root
   * and the folders of `protect`.
   */
  force?: boolean;
  /** Paths that must survive: the recipe, the inputs, a base model. A target that holds one is refused. */
  protect?: readonly (string | undefined)[];
  /** The current folder (default `process.cwd()`). */
  cwd?: string;
  /** Take the output's lock (default true): a second writer fails with E_OUTPUT_LOCKED. */
  lock?: boolean;
  /** Wait this long (ms) for another writer's lock before failing (default 0: fail at once). */
  waitMs?: number;
  /** Also recognise a folder as ours when this returns true (legacy layouts). */
  recognise?: (dir: string, entries: string[]) => Promise<boolean> | boolean;
}

/** What `prepareOutputDir` found and did: the target, what was there, and the lock to release. */
export interface PreparedOutput {
  /** The absolute target. */
  target: string;
  /** What was there: nothing, an empty folder, a mathtune output, or a foreign folder replaced with `force`. */
  existing: "none" | "empty" | "ours" | "forced";
  /** Leftover staging folders of dead runs that were removed. */
  cleaned: string[];
  /** Releases the lock (idempotent). */
  release(): Promise<void>;
}

/** Paths to remove if the process is forced to stop (a second Ctrl-C): staging folders and locks. */
const exitCleanup = new Set<string>();

/** Registers a path that `cleanupOutputsSync` removes; returns a function that unregisters it. */
export function registerExitCleanup(path: string): () => void {
  exitCleanup.add(path);
  return () => void exitCleanup.delete(path);
}

/**
 * Removes, synchronously, every staging folder and lock that a running AtomicDir or output lease
 * registered. For a CLI's forced exit (second Ctrl-C), so it can exit 130 without leftovers.
 */
export function cleanupOutputsSync(): void {
  for (const p of exitCleanup) {
    try {
      rmSync(p, { recursive: true, force: true });
    } catch {
      // best effort: the next run removes what is left (by pid)
    }
  }
  exitCleanup.clear();
}

/** True when `child` is `parent` or lies inside it. */
export function isInsideOrEqual(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

async function real(p: string): Promise<string> {
  // Resolve symlinks of the longest existing prefix, so `out -> .` is caught.
  let cur = resolve(p);
  const rest: string[] = [];
  for (;;) {
    try {
      return join(await realpath(cur), ...rest.reverse());
    } catch {
      const parent = dirname(cur);
      if (parent === cur) return resolve(p);
      rest.push(basename(cur));
      cur = parent;
    }
  }
}

/** Whether a process with this pid is running (EPERM: it is, under another user). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

const FS_CODES: Record<string, [ErrorCode, string]> = {
  ENOSPC: ["E_DISK_FULL", "free some space on that disk, or write to another one (--out)"],
  EDQUOT: ["E_DISK_FULL", "the disk quota is exhausted; free some space or write elsewhere (--out)"],
  EROFS: ["E_READ_ONLY", "that filesystem is read-only; choose another output folder (--out)"],
  EACCES: ["E_PERMISSION", "you may not write there; choose another folder (--out) or fix its permissions"],
  EPERM: ["E_PERMISSION", "the operation is not permitted there; choose another folder (--out) or fix its permissions"],
  ENOTDIR: ["E_NOT_A_FOLDER", "a part of that path is a file, not a folder; choose another path"],
  EISDIR: ["E_NOT_A_FOLDER", "that path is a folder where a file is expected"],
  EEXIST: ["E_OUTPUT", "something is already there; choose another path"],
  ENAMETOOLONG: ["E_OUTPUT", "the path is too long; choose a shorter one"],
  EMFILE: ["E_OUTPUT", "too many open files; raise the limit (ulimit -n)"],
};

/**
 * Turns a Node filesystem error into a MathtuneError with its own code (E_DISK_FULL, E_READ_ONLY,
 * E_PERMISSION, E_NOT_A_FOLDER, else E_OUTPUT), the path and a hint. A MathtuneError passes through.
 */
export function fsError(e: unknown, path?: string, action = "write"): MathtuneError {
  if (e instanceof MathtuneError) return e;
  const err = e as NodeJS.ErrnoException;
  const where = err?.path ?? path;
  const [code, hint] = (err?.code && FS_CODES[err.code]) || ["E_OUTPUT", "check the path and try again"];
  return new MathtuneError(
    code,
    `cannot ${action} ${where ?? "the output"}: ${err?.code ?? ""} ${err?.message ?? String(e)}`
      .replace(/\s+/g, " ")
      .trim(),
    {
      cause: e,
      hint,
      ...(where ? { location: { file: where } } : {}),
      details: { errno: err?.code, path: where },
    },
  );
}

/** Is `dir` (with these entries) a folder a mathtune command wrote? */
async function isOurs(dir: string, entries: string[], opts: PrepareOutputOptions): Promise<boolean> {
  if (entries.includes(OUTPUT_MARKER)) {
    try {
      const m = JSON.parse(await readFile(join(dir, OUTPUT_MARKER), "utf8")) as { mathtune?: unknown; kind?: unknown };
      if (m && m.mathtune === 1 && typeof m.kind === "string") return true;
    } catch {
      // an unreadable marker is no marker
    }
  }
  if (entries.includes("manifest.json")) {
    try {
      const m = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as {
        mathtune?: { manifestVersion?: unknown };
      };
      if (typeof m?.mathtune?.manifestVersion === "number") return true;
    } catch {
      // not a build's manifest
    }
  }
  return opts.recognise ? await opts.recognise(dir, entries) : false;
}

/** The text of the marker file for a kind. */
export function outputMarker(kind: OutputKind): string {
  return `${JSON.stringify({ mathtune: 1, kind })}\n`;
}

const STALE_RE = /^\.(.+)\.(partial|old|tmp)-(\d+)-[0-9a-f]+$/;

/** Removes `.<name>.partial-<pid>-*` and `.<name>.old-<pid>-*` folders beside `target` whose process is gone. */
export async function cleanStaleStaging(target: string): Promise<string[]> {
  const parent = dirname(target);
  const name = basename(target);
  let items: string[];
  try {
    items = await readdir(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const item of items.sort()) {
    const m = STALE_RE.exec(item);
    if (!m || m[1] !== name) continue;
    if (pidAlive(Number(m[3]))) continue;
    await rm(join(parent, item), { recursive: true, force: true });
    removed.push(join(parent, item));
  }
  return removed;
}

function lockPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.lock`);
}

async function takeLock(target: string, waitMs: number): Promise<() => Promise<void>> {
  const path = lockPath(target);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fh = await open(path, "wx");
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      const unregister = registerExitCleanup(path);
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        unregister();
        await unlink(path).catch(() => undefined);
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw fsError(e, path, "lock");
    }
    const holder = Number((await readFile(path, "utf8").catch(() => "")).trim());
    if (!pidAlive(holder)) {
      // a dead run's lock (or one being written this instant: then the retry finds it complete)
      if (holder > 0 || Date.now() - ((await lstat(path).catch(() => undefined))?.mtimeMs ?? 0) > 2000)
        await unlink(path).catch(() => undefined);
      else await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    if (Date.now() >= deadline) {
      throw new MathtuneError(
        "E_OUTPUT_LOCKED",
        `${target} is being written by another mathtune process (pid ${holder})`,
        {
          location: { file: path },
          hint: "wait for it to finish, or choose another output folder; if no such process runs, remove the lock file",
          details: { pid: holder, lock: path },
        },
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(200, Math.max(10, deadline - Date.now()))));
  }
}

/**
 * The one rule for every mathtune command that writes a folder (`build --out`, `train --out`,
 * `merge --out`; **deploy and eval must call it too** before they write or replace a folder).
 * Checks `target` and, when it may be written, takes its lock and removes leftover staging folders
 * of dead runs. Refused, always (`force` does not override):
 * - an empty path, the filesystem root, the home folder;
 * - the current folder or any of its ancestors;
 * - a folder that holds one of `protect` (the recipe, an input, a base model).
 * Refused unless `force`: an existing, non-empty folder that mathtune did not write (no
 * `.mathtune-output.json` marker, no build `manifest.json`, and not recognised by `recognise`).
 * An existing file at `target`, or a file where a parent folder should be: E_NOT_A_FOLDER.
 */
export async function prepareOutputDir(target: string, opts: PrepareOutputOptions): Promise<PreparedOutput> {
  if (typeof target !== "string" || target.trim() === "") {
    throw new MathtuneError("E_OUTPUT_UNSAFE", "the output path is empty", {
      hint: "pass a folder, e.g. --out datasets/out/my-set",
    });
  }
  const abs = resolve(target);
  const absReal = await real(abs);
  const cwd = await real(opts.cwd ?? process.cwd());
  const refuse = (why: string, hint: string) =>
    new MathtuneError("E_OUTPUT_UNSAFE", `refusing to write ${abs}: ${why}`, { hint, details: { target: abs } });
  if (parse(absReal).root === absReal) throw refuse("it is the filesystem root", "choose a new, empty folder");
  const home = await real(homedir());
  if (absReal === home) throw refuse("it is your home folder", "choose a new, empty folder");
  if (isInsideOrEqual(cwd, absReal))
    throw refuse(
      absReal === cwd ? "it is the current folder" : "it holds the current folder",
      "choose a new folder, e.g. --out out/<name>; --force does not override this",
    );
  for (const p of opts.protect ?? []) {
    if (!p) continue;
    const pr = await real(p);
    if (isInsideOrEqual(pr, absReal))
      throw refuse(
        `it holds ${pr}, which this run reads`,
        "write the output somewhere else; --force does not override this",
      );
  }
  let existing: PreparedOutput["existing"] = "none";
  let st;
  try {
    st = await lstat(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR") throw fsError(e, abs, "use");
    if (code !== "ENOENT") throw fsError(e, abs, "read");
  }
  if (st) {
    if (st.isSymbolicLink()) throw refuse("it is a symbolic link", "pass the real folder, or a new one");
    if (!st.isDirectory()) {
      throw new MathtuneError("E_NOT_A_FOLDER", `${abs} exists and is not a folder`, {
        location: { file: abs },
        hint: "choose another output path",
      });
    }
    let entries: string[];
    try {
      entries = await readdir(abs);
    } catch (e) {
      throw fsError(e, abs, "read");
    }
    if (!entries.length) existing = "empty";
    else if (await isOurs(abs, entries, opts)) existing = "ours";
    else if (opts.force) existing = "forced";
    else {
      throw new MathtuneError(
        "E_OUTPUT_NOT_OURS",
        `${abs} exists and was not written by mathtune (no manifest or ${OUTPUT_MARKER}); it is left as it is`,
        {
          location: { file: abs },
          hint: "choose a new folder, or pass --force to replace it",
          details: { target: abs },
        },
      );
    }
  }
  try {
    await mkdir(dirname(abs), { recursive: true });
  } catch (e) {
    throw fsError(e, dirname(abs), "create the folder");
  }
  const release = opts.lock === false ? async () => undefined : await takeLock(abs, opts.waitMs ?? 0);
  let cleaned: string[] = [];
  try {
    cleaned = await cleanStaleStaging(abs);
  } catch (e) {
    await release();
    throw fsError(e, dirname(abs), "clean");
  }
  return { target: abs, existing, cleaned, release };
}

/** Writes the marker synchronously (for a folder written in place, e.g. a training run). */
export function writeOutputMarkerSync(dir: string, kind: OutputKind): void {
  const fd = openSync(join(dir, OUTPUT_MARKER), "w");
  try {
    writeSync(fd, outputMarker(kind));
  } finally {
    closeSync(fd);
  }
}

/** Lists leftover entries (for tests and doctor): staging folders and locks beside `target`. */
export function leftoversSync(target: string): string[] {
  const name = basename(target);
  try {
    return readdirSync(dirname(target)).filter((i) => i === `.${name}.lock` || STALE_RE.exec(i)?.[1] === name);
  } catch {
    return [];
  }
}
