import { readdir, stat } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { MathtuneError } from "@mathtune/core";
import { RepeatFilter } from "@mathtune/core/internal";

/** Resolves an option path against the recipe's folder. */
export function resolvePath(path: string, baseDir: string | undefined): string {
  return isAbsolute(path) || !baseDir ? resolve(path) : resolve(baseDir, path);
}

export type PathKind = "file" | "dir";

/** The kind of an input path; E_INPUT_NOT_FOUND when missing. */
export async function pathKind(path: string): Promise<PathKind> {
  try {
    const st = await stat(path);
    if (st.isDirectory()) return "dir";
    if (st.isFile()) return "file";
    throw new MathtuneError("E_INPUT_NOT_FILE", `${path} is neither a file nor a folder`);
  } catch (e) {
    if (e instanceof MathtuneError) throw e;
    throw new MathtuneError("E_INPUT_NOT_FOUND", `no such file or folder: ${path}`, {
      cause: e,
      hint: "check the source's path in the recipe (relative paths are read from the recipe's folder)",
    });
  }
}

const collator = new Intl.Collator("en", { numeric: true, sensitivity: "variant" });

/** Natural order (`2.json` before `10.json`), the same on every machine. */
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Entries of a folder in natural order. */
export async function listDir(dir: string): Promise<{ name: string; path: string; dir: boolean }[]> {
  const items = await readdir(dir, { withFileTypes: true });
  return items
    .map((d) => ({ name: d.name, path: join(dir, d.name), dir: d.isDirectory() }))
    .sort((a, b) => naturalCompare(a.name, b.name));
}

/**
 * Makes ids unique within one load: the second `x` becomes `x~2`, and so on. Memory stays small
 * for millions of ids (32-bit fingerprints, 4 to 8 bytes an id): every repeat is caught; about
 * once in a hundred million ids a new one is taken for a repeat and gets a suffix it did not
 * need, the same on every run of the same input.
 */
export function uniqueIds(): (id: string) => string {
  const seen = new RepeatFilter();
  const repeats = new Map<string, number>();
  return (id) => {
    if (seen.add(id)) return id;
    let n = repeats.get(id) ?? 1;
    let candidate: string;
    do candidate = `${id}~${++n}`;
    while (!seen.add(candidate));
    repeats.set(id, n);
    return candidate;
  };
}

/** The split named by a file name (`test.jsonl`, `math-test.parquet`, `train-00000-of-00001.parquet`), else `fallback`. */
export function splitFromFileName(file: string, fallback = "train"): string {
  const base = file.replace(/\\/g, "/").split("/").pop()!.toLowerCase();
  for (const s of ["test", "validation", "train"]) if (new RegExp(`(^|[^a-z])${s}([^a-z]|$)`).test(base)) return s;
  return fallback;
}
