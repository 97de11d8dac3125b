/**
 * files.ts for the browser build: there is no file system, so loading a template or tokenizer by
 * path says so (a parsed tokenizer_config object and the built-in template work as on Node).
 */
import { MathtuneError } from "@mathtune/core";

const noFiles = (path: string): MathtuneError =>
  new MathtuneError(
    "E_UNSUPPORTED",
    `cannot read ${path}: this is the browser build of @mathtune/format, which reads no files`,
    {
      hint: "pass the parsed tokenizer_config.json object (loadChatTemplate accepts it) or use the built-in template; file paths work on Node",
    },
  );

export const basename = (path: string): string => path.slice(path.lastIndexOf("/") + 1);
export const join = (...parts: string[]): string => parts.join("/");

export function resolvePath(path: string, baseDir: string | undefined): string {
  return path.startsWith("/") || !baseDir ? path : `${baseDir}/${path}`;
}

export function readText(path: string): Promise<string> {
  return Promise.reject(noFiles(path));
}

export function pathKind(path: string): Promise<"file" | "dir" | undefined> {
  return Promise.reject(noFiles(path));
}
