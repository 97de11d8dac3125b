/** Every error code mathtune raises. A code is stable; messages may improve. */
export const ERROR_CODES = {
  E_ADAPTER_NOT_FOUND: "no adapter of that name or module",
  E_ADAPTER_INVALID: "an adapter definition is malformed",
  E_OPTIONS_INVALID: "adapter options do not match the adapter's schema",
  E_CONFIG_INVALID: "a recipe or config file is invalid",
  E_RECORD_INVALID: "a record does not match the MathRecord schema",
  E_PARSE: "input could not be parsed (JSON, CSV, Parquet, Arrow)",
  E_ENCODING: "input is not valid UTF-8",
  E_INPUT_NOT_FOUND: "an input path does not exist",
  E_INPUT_NOT_FILE: "an input path is a directory where a file is expected, or the reverse",
  E_INPUT_EMPTY: "an input file or folder holds no records",
  E_INPUT_TRUNCATED: "an input file ends in the middle of a record",
  E_ARCHIVE_UNSAFE: "an archive entry would escape its folder",
  E_NO_ANSWER: "no final answer could be extracted",
  E_FIELD_MISSING: "a required field is missing or empty",
  E_DUPLICATE_ID: "two records share an id",
  E_LATEX_PARSE: "LaTeX that does not parse",
  E_OUTPUT: "output could not be written",
  E_DEPENDENCY_MISSING: "an optional dependency is not installed",
  E_SUBPROCESS_FAILED: "a child process failed",
  E_TOOL_NOT_FOUND: "an external tool could not be found",
  E_CANCELED: "the operation was canceled",
  E_TIMEOUT: "the operation timed out",
  E_SYNTH_UNVERIFIED: "a generated problem failed its independent check",
  E_SYNTH_EXHAUSTED: "the generator could not find enough distinct problems",
  E_USAGE: "the command line is invalid (unknown option, missing value, extra argument)",
  E_OUTPUT_UNSAFE: "the output path is refused: empty, the current folder or an ancestor, or a folder holding an input",
  E_OUTPUT_NOT_OURS: "the output folder exists and was not written by mathtune (--force replaces it)",
  E_OUTPUT_LOCKED: "another mathtune process is writing the same output",
  E_NOT_A_FOLDER: "a path that must be a folder is a file (or a file is under a file)",
  E_DISK_FULL: "no space left on the disk (or quota exhausted)",
  E_READ_ONLY: "the filesystem is read-only",
  E_PERMISSION: "no permission to read or write a path",
  E_SOURCE_EMPTY: "a source yielded no record at all (every record quarantined, or none read)",
  E_DUPLICATE_KEY: "a JSON object repeats a key",
  E_TOO_DEEP: "a value is nested too deeply",
  E_ENTRY_TOO_LARGE: "an archive entry is larger than the limit",
  E_ARCHIVE_LINK: "an archive entry is a symbolic or hard link (not read)",
  E_NOT_IN_FORMAT: "a file is not in the adapter's format",
  E_CODE_REFUSED: "a recipe names a module adapter while running code is refused (--no-code)",
  E_INTERNAL: "a bug in mathtune",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES | `E_${string}`;

/** Where in an input a problem sits: a file, and a line or an entry path inside it. */
export interface SourceLocation {
  file: string;
  line?: number;
  /** An entry inside an archive or a folder, or a JSON path. */
  entry?: string;
}

export function formatLocation(loc: SourceLocation | undefined): string {
  if (!loc) return "";
  let s = loc.file;
  if (loc.entry) s += `#${loc.entry}`;
  if (loc.line !== undefined) s += `:${loc.line}`;
  return s;
}

export interface MathtuneErrorOptions {
  cause?: unknown;
  location?: SourceLocation;
  /** What the user can do about it. Appended to the message. */
  hint?: string;
  details?: Record<string, unknown>;
}

/** Marks MathtuneErrors, so that two copies of this package (a global CLI, a local adapter) know each other's errors. */
const BRAND = Symbol.for("mathtune.error");

/**
 * The one error class of mathtune. `code` is machine-readable; the message says what went wrong,
 * where (file:line) and what to do.
 */
export class MathtuneError extends Error {
  override readonly name = "MathtuneError";
  readonly code: ErrorCode;
  readonly location: SourceLocation | undefined;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  /** The message without location and hint. */
  readonly reason: string;

  /** `instanceof` checks the brand, not the prototype: true for errors of another copy of @mathtune/core too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  constructor(code: ErrorCode, message: string, options: MathtuneErrorOptions = {}) {
    const where = formatLocation(options.location);
    const full = `${where ? `${where}: ` : ""}${message}${options.hint ? ` (${options.hint})` : ""}`;
    super(full, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.reason = message;
    this.location = options.location;
    this.hint = options.hint;
    this.details = options.details;
    Object.defineProperty(this, BRAND, { value: true });
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, location: this.location, details: this.details };
  }
}

export function isMathtuneError(e: unknown, code?: ErrorCode): e is MathtuneError {
  return e instanceof MathtuneError && (code === undefined || e.code === code);
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to a misspelt name (edit distance, case-insensitive), when it is close
 * enough to be what was meant: at most a third of the name's length, and at least 1.
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD && d < name.length) [best, bestD] = [c, d];
  }
  return best;
}

/** ` (did you mean 'x'?)` or the empty string. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const c = closestName(name, candidates);
  return c === undefined ? "" : ` (did you mean '${c}'?)`;
}

/** Throws E_CANCELED when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new MathtuneError("E_CANCELED", "canceled", { cause: signal.reason });
  }
}
