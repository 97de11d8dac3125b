/** Input checks and lazy optional imports shared by the generic adapters. */
import { assertFile, MathtuneError } from "@mathtune/core";
import { resolvePath } from "./fs.js";

/**
 * Resolves `path` against `baseDir` and checks that it is a non-empty regular file:
 * E_INPUT_NOT_FOUND, E_INPUT_NOT_FILE, E_INPUT_EMPTY. Returns the absolute path and its size.
 */
export async function openInput(path: string, baseDir: string | undefined): Promise<{ file: string; size: number }> {
  const file = resolvePath(path, baseDir);
  const size = await assertFile(file);
  if (size === 0) throw emptyInput(file);
  return { file, size };
}

export function emptyInput(file: string, what = "file is empty"): MathtuneError {
  return new MathtuneError("E_INPUT_EMPTY", `${what}: no records`, {
    location: { file },
    hint: "an empty input is usually a wrong path, a failed download or a failed export",
  });
}

/** Imports an optional dependency; E_DEPENDENCY_MISSING names the package to install. */
export async function importOptional<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (
      (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") &&
      String((e as Error).message).includes(name)
    ) {
      throw new MathtuneError(
        "E_DEPENDENCY_MISSING",
        `the package '${name}' is needed to read this input but is not installed`,
        {
          cause: e,
          hint: `install it: npm install ${name}`,
        },
      );
    }
    throw e;
  }
}

/** A parse failure of a whole file (corrupt Parquet or Arrow), naming the file. */
export function corruptInput(file: string, format: string, cause: unknown, entry?: string): MathtuneError {
  if (cause instanceof MathtuneError) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new MathtuneError("E_PARSE", `not a readable ${format} file: ${reason}`, {
    cause,
    location: entry ? { file, entry } : { file },
    hint: `check that the file is ${format} and complete (re-download or re-export it)`,
  });
}
