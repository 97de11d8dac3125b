/**
 * The file access of the template and tokenizer loaders, in one place: the browser build of this
 * package swaps this module for files.browser.ts, so the rest of the package is platform-neutral.
 */
import { readFile, stat } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";

export { basename, join } from "node:path";

/** `path` made absolute against `baseDir` (default: the current folder). */
export function resolvePath(path: string, baseDir: string | undefined): string {
  return isAbsolute(path) ? path : resolve(baseDir ?? process.cwd(), path);
}

export function readText(path: string): Promise<string> {
  return readFile(path, "utf8");
}

/** What is at `path`: a file, a folder, or nothing (or something else). */
export async function pathKind(path: string): Promise<"file" | "dir" | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? "dir" : s.isFile() ? "file" : undefined;
  } catch {
    return undefined;
  }
}
