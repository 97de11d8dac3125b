import type { Static, TSchema } from "@sinclair/typebox";
import type { ValidateFunction } from "ajv";
import { MathtuneError, type SourceLocation } from "./errors.js";
import { ajv } from "./internal/ajv.js";
import { formatSchemaErrors } from "./record.js";

/** Finds where a JSON pointer (`/sources/0/colour`) sits in the file a value was read from. */
export type Locator = (pointer: string) => SourceLocation | undefined;

/** How {@link parseOptions} names, codes and places the problems it finds. */
export interface ParseOptionsSettings {
  /** What is validated, for the message: `options for adapter 'csv'`, `training config`, `recipe.yaml`. */
  what: string;
  /**
   * `E_OPTIONS_INVALID` (the default) for the options of one component handed to a function: an
   * adapter, a stage, a formatter, the split planner. `E_CONFIG_INVALID` for a whole job's
   * configuration as the user wrote it: a recipe, a training config, and any part of one.
   */
  code?: "E_OPTIONS_INVALID" | "E_CONFIG_INVALID";
  /** Where the value sits in a larger document (`/sources/0/options`): problem paths are prefixed with it. */
  at?: string;
  /** Finds each problem's line in the file the value came from: lines then read `file:line: path: message`. */
  locate?: Locator;
  /**
   * Checks the schema cannot express (fractions that add up to 1): more `path: message` lines. It
   * runs on the copy even when the schema found problems, so that all are reported at once: it must
   * not trust the value's shape.
   */
  check?: (value: unknown) => string[];
  hint?: string;
}

const compiled = new WeakMap<object, ValidateFunction>();

/** The JSON pointer at the start of a `path: message` problem line, with an unknown property's name added. */
export function problemPointer(problem: string): string {
  const m = /^(\/[^:]*?): (?:unknown property '([^']*)')?/.exec(problem);
  if (!m) return "";
  const base = m[1] === "/" ? "" : m[1]!;
  return m[2] !== undefined ? `${base}/${m[2].replaceAll("~", "~0").replaceAll("/", "~1")}` : base;
}

/** `file:line: problem` when the locator finds the problem's line; the problem as it is otherwise. */
export function locateProblem(problem: string, locate: Locator | undefined, pointer = problemPointer(problem)): string {
  const loc = locate?.(pointer);
  return loc ? `${loc.file}${loc.line !== undefined ? `:${loc.line}` : ""}: ${problem}` : problem;
}

/** A problem line moved under a pointer prefix: `/n: ...` under `/sources/0/options` is `/sources/0/options/n: ...`. */
function under(at: string, problem: string): string {
  if (!at) return problem;
  if (problem.startsWith("/: ")) return `${at}${problem.slice(1)}`;
  return problem.startsWith("/") ? `${at}${problem}` : `${at}: ${problem}`;
}

/** The error parseOptions throws, for problems found outside it (same code rule, same lines, same locations). */
export function optionsError(
  problems: readonly string[],
  settings: Omit<ParseOptionsSettings, "check">,
  cause?: unknown,
): MathtuneError {
  const at = settings.at ?? "";
  const lines = problems.map((p) => locateProblem(under(at, p), settings.locate));
  return new MathtuneError(settings.code ?? "E_OPTIONS_INVALID", `invalid ${settings.what}:\n  ${lines.join("\n  ")}`, {
    details: { problems: lines },
    ...(settings.hint ? { hint: settings.hint } : {}),
    ...(cause !== undefined ? { cause } : {}),
  });
}

/**
 * The one options parser: validates a copy of `value` (`undefined` is `{}`) against a TypeBox or
 * JSON schema with its defaults filled in, and returns the copy. Every problem goes on a line of its
 * own as `path: message` (with `file:line:` in front when `locate` finds it); the error's code is
 * `settings.code`, E_OPTIONS_INVALID unless the value is (part of) a config the user wrote.
 */
export function parseOptions<S extends TSchema>(schema: S, value: unknown, settings: ParseOptionsSettings): Static<S> {
  const validate: ValidateFunction = compiled.get(schema) ?? ajv.compile(schema);
  compiled.set(schema, validate);
  const copy = structuredClone(value ?? {}) as Static<S>;
  let ok: boolean;
  try {
    ok = validate(copy);
  } catch (e) {
    // ajv compiles on first use: a schema that does not compile is a bug in whoever wrote it.
    throw new MathtuneError("E_INTERNAL", `the schema of ${settings.what} does not compile: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const problems = ok ? [] : formatSchemaErrors(validate.errors);
  if (settings.check) problems.push(...settings.check(copy));
  if (problems.length) throw optionsError(problems, settings);
  return copy;
}
