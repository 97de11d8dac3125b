/**
 * The codes of @mathtune/core: the shared ones, which every package may raise. A code is stable;
 * messages may improve. Other packages add theirs (see MathtuneErrorCodes); `errorCodes()` lists
 * every code registered so far.
 */
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

/** The shape a package's code table takes in MathtuneErrorCodes: each code mapped to `true`. */
export type ErrorCodesOf<T> = { readonly [K in keyof T]: true };

/**
 * Every error code, as a type: core's, and those each package adds by declaration merging, so that
 * a misspelt code does not compile. A package declares its table and augments this interface:
 *
 * ```ts
 * export const DEPLOY_ERROR_CODES = { E_SMOKE_FAILED: "the smoke test failed" } as const;
 * declare module "@mathtune/core" {
 *   interface MathtuneErrorCodes extends ErrorCodesOf<typeof DEPLOY_ERROR_CODES> {}
 * }
 * registerErrorCodes("@mathtune/deploy", DEPLOY_ERROR_CODES);
 * ```
 */
export interface MathtuneErrorCodes extends ErrorCodesOf<typeof ERROR_CODES> {}

/** Every registered error code (core's and those the packages add to {@link MathtuneErrorCodes}): a typo does not compile. */
export type ErrorCode = keyof MathtuneErrorCodes & string;

/** A registered code: what it means, and the package that registered it (whose README documents it). */
export interface ErrorCodeInfo {
  code: ErrorCode;
  description: string;
  package: string;
}

/** Shared by every copy of this package (a global CLI and a local adapter), like the brand below. */
const REGISTRY = Symbol.for("mathtune.errorCodes");

function registry(): Map<string, ErrorCodeInfo> {
  const g = globalThis as { [REGISTRY]?: Map<string, ErrorCodeInfo> };
  g[REGISTRY] ??= new Map();
  return g[REGISTRY];
}

/**
 * Registers a package's codes with what they mean, at run time (the type comes from augmenting
 * MathtuneErrorCodes). The first package to register a code owns it: a package that lists a shared
 * code again, with its own wording, does not take it over.
 */
export function registerErrorCodes(pkg: string, codes: { readonly [K in ErrorCode]?: string }): void {
  const map = registry();
  for (const [code, description] of Object.entries(codes)) {
    if (typeof description === "string" && !map.has(code))
      map.set(code, { code: code as ErrorCode, description, package: pkg });
  }
}

/** Every code registered so far (core's, and those of every package imported), by code. */
export function errorCodes(): ReadonlyMap<ErrorCode, Readonly<ErrorCodeInfo>> {
  return registry() as ReadonlyMap<ErrorCode, ErrorCodeInfo>;
}

registerErrorCodes("@mathtune/core", ERROR_CODES);

/** Where in an input a problem sits: a file, and a line or an entry path inside it. */
export interface SourceLocation {
  file: string;
  line?: number;
  /** An entry inside an archive or a folder, or a JSON path. */
  entry?: string;
}

/** `file#entry:line`, or "" without a location. */
export function formatLocation(loc: SourceLocation | undefined): string {
  if (!loc) return "";
  let s = loc.file;
  if (loc.entry) s += `#${loc.entry}`;
  if (loc.line !== undefined) s += `:${loc.line}`;
  return s;
}

/** What a {@link MathtuneError} carries besides its code and message. */
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

  /**
   * A plain object that survives `postMessage`, `JSON.stringify` and a process boundary: code,
   * message, reason, location, hint, details (made JSON-safe) and the stack. `fromJSON` rebuilds it.
   */
  toJSON(): MathtuneErrorJSON {
    const out: MathtuneErrorJSON = {
      name: "MathtuneError",
      code: this.code,
      message: this.message,
      reason: this.reason,
    };
    if (this.location) out.location = { ...this.location };
    if (this.hint !== undefined) out.hint = this.hint;
    if (this.details !== undefined) out.details = jsonSafe(this.details);
    if (this.stack !== undefined) out.stack = this.stack;
    return out;
  }

  /**
   * The MathtuneError of a `toJSON()` object from a worker or another process: same code, message,
   * location, hint and details; the stack is the original's. A code this copy has not registered is
   * kept (the sender may be newer); anything that is not such an object becomes E_INTERNAL.
   */
  static fromJSON(value: unknown): MathtuneError {
    const o = value as Partial<MathtuneErrorJSON> | null;
    if (typeof o !== "object" || o === null || typeof o.code !== "string" || !/^E_[A-Z0-9_]+$/.test(o.code)) {
      return new MathtuneError("E_INTERNAL", `not a serialised MathtuneError: ${safeString(value)}`);
    }
    const reason = typeof o.reason === "string" ? o.reason : typeof o.message === "string" ? o.message : "";
    const e = new MathtuneError(o.code as ErrorCode, reason, {
      ...(o.location && typeof o.location === "object" ? { location: o.location } : {}),
      ...(typeof o.hint === "string" ? { hint: o.hint } : {}),
      ...(o.details && typeof o.details === "object" ? { details: o.details } : {}),
    });
    if (typeof o.stack === "string") e.stack = o.stack;
    return e;
  }
}

/** What `MathtuneError.prototype.toJSON` returns. */
export interface MathtuneErrorJSON {
  name: "MathtuneError";
  code: ErrorCode;
  /** The full message: location, reason and hint. */
  message: string;
  reason: string;
  location?: SourceLocation;
  hint?: string;
  details?: Record<string, unknown>;
  stack?: string;
}

function safeString(value: unknown): string {
  try {
    return String(JSON.stringify(value)).slice(0, 200);
  } catch {
    return String(value).slice(0, 200);
  }
}

/** A JSON round trip of details (drops functions, turns errors into their message); `{ unserialisable }` when it throws. */
function jsonSafe(details: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(
      JSON.stringify(details, (_k, v: unknown) =>
        v instanceof Error ? v.message : typeof v === "bigint" ? String(v) : v,
      ),
    ) as Record<string, unknown>;
  } catch {
    return { unserialisable: true };
  }
}

/** True for a MathtuneError (from any copy of this package), of the given code when one is given. */
export function isMathtuneError(e: unknown, code?: ErrorCode): e is MathtuneError {
  return e instanceof MathtuneError && (code === undefined || e.code === code);
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
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
