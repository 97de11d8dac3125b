import { type Static, Type } from "@sinclair/typebox";
import type { ErrorObject } from "ajv";
import { ajv } from "./internal/ajv.js";
import { MathtuneError, type SourceLocation, didYouMean } from "./errors.js";

/** The values of `MathRecord.answerKind`. */
export const ANSWER_KINDS = [
  "integer",
  "decimal",
  "fraction",
  "latex",
  "expression",
  "boolean",
  "text",
  "list",
  "time",
  "none",
] as const;
/** How an answer is written: `integer`, `decimal`, `fraction`, `latex`, ... (see `ANSWER_KINDS`). */
export type AnswerKind = (typeof ANSWER_KINDS)[number];

/** JSON Schema of a MathRecord: what every adapter yields and every stage reads. */
export const MathRecordSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, description: "stable id: <source>/<split>/<native id or content hash>" }),
    source: Type.String({ minLength: 1, pattern: "^[a-z0-9][a-z0-9_.-]*$", description: "adapter name" }),
    split: Type.Optional(Type.String({ minLength: 1, description: "the source's own split" })),
    problem: Type.String({ minLength: 1, description: "the question, as in the source" }),
    solution: Type.Optional(Type.String({ description: "worked solution" })),
    answer: Type.Optional(Type.String({ description: "final answer, extracted and normalised" })),
    answerKind: Type.Optional(Type.Union(ANSWER_KINDS.map((k) => Type.Literal(k)))),
    category: Type.Optional(Type.String({ minLength: 1 })),
    difficulty: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Integer()])),
    lang: Type.String({ minLength: 2, maxLength: 16, description: "BCP 47 language tag" }),
    meta: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: "https://mathtune.dev/schemas/math-record.json", additionalProperties: false },
);

/** One math problem as every adapter yields it and every stage reads it (see `MathRecordSchema`). */
export type MathRecord = Static<typeof MathRecordSchema>;

const validateRecordFn = ajv.compile<MathRecord>(MathRecordSchema);

const literalOf = (s: unknown): unknown =>
  s && typeof s === "object" && "const" in s ? (s as { const: unknown }).const : undefined;

/**
 * `path: message` lines for ajv errors, `/` for the root: one line per problem. A union (`anyOf`)
 * gives one line, not one per branch; an unknown property or a value outside a list of literals
 * says "did you mean" when one is close.
 */
export function formatSchemaErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  const list = [...(errors ?? [])];
  // Errors under a failed anyOf belong to its branches: the anyOf's own line replaces them.
  // When exactly one branch has the value's JSON type (an object where `boolean | {...}` is allowed),
  // that branch's own errors say more than the union's line, and replace it.
  const unions = new Map<ErrorObject, number | undefined>();
  for (const u of list.filter((x) => x.keyword === "anyOf")) {
    const branches = (u.schema as Array<{ type?: string; const?: unknown }> | undefined) ?? [];
    const type = Array.isArray(u.data)
      ? "array"
      : u.data === null
        ? "null"
        : typeof u.data === "number"
          ? "number"
          : typeof u.data;
    const same = branches.flatMap((b, i) =>
      (b?.type === type || (type === "number" && b?.type === "integer")) && !("const" in (b ?? {})) ? [i] : [],
    );
    unions.set(u, same.length === 1 ? same[0] : undefined);
  }
  const under = (e: ErrorObject, prefix: string) => e.schemaPath.startsWith(prefix);
  const hidden = (e: ErrorObject) =>
    [...unions].some(([u, chosen]) =>
      e === u
        ? chosen !== undefined && list.some((x) => x !== u && under(x, `${u.schemaPath}/${chosen}/`))
        : under(e, `${u.schemaPath}/`) && !(chosen !== undefined && under(e, `${u.schemaPath}/${chosen}/`)),
    );
  const lines: string[] = [];
  for (const e of list) {
    if (hidden(e)) continue;
    const path = e.instancePath || "/";
    let line: string;
    if (e.keyword === "additionalProperties") {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys(((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}) as object);
      line = `${path}: unknown property '${key}'${didYouMean(key, known)}`;
    } else if (e.keyword === "anyOf") {
      const branches = (e.schema as unknown[] | undefined) ?? [];
      const literals = branches.map(literalOf);
      if (branches.length && literals.every((l) => l !== undefined)) {
        const got = e.data;
        const hint =
          typeof got === "string"
            ? didYouMean(
                got,
                literals.filter((l): l is string => typeof l === "string"),
              )
            : "";
        line = `${path}: must be one of ${literals.map((l) => JSON.stringify(l)).join(", ")} (got ${JSON.stringify(got)})${hint}`;
      } else {
        const kinds = branches.map((b) =>
          literalOf(b) !== undefined
            ? JSON.stringify(literalOf(b))
            : ((b as { type?: string })?.type ?? "a matching value"),
        );
        line = `${path}: must be ${[...new Set(kinds)].join(" or ")} (got ${JSON.stringify(e.data)})`;
      }
    } else if (e.keyword === "enum" || e.keyword === "const") {
      const allowed = ((e.params as Record<string, unknown>).allowedValues ?? [
        (e.params as Record<string, unknown>).allowedValue,
      ]) as unknown[];
      const hint =
        typeof e.data === "string"
          ? didYouMean(
              e.data,
              allowed.filter((l): l is string => typeof l === "string"),
            )
          : "";
      line = `${path}: ${e.message} (${JSON.stringify(allowed.length === 1 ? allowed[0] : allowed)})${hint}`;
    } else {
      line = `${path}: ${e.message ?? e.keyword}`;
    }
    if (!lines.includes(line)) lines.push(line);
  }
  return lines;
}

/** Returns the problems of a record as `path: message` lines; empty when valid. */
export function recordProblems(value: unknown): string[] {
  if (validateRecordFn(value)) return [];
  return formatSchemaErrors(validateRecordFn.errors);
}

/** Whether a value is a valid `MathRecord` (a type guard; `recordProblems` says what is wrong). */
export function isMathRecord(value: unknown): value is MathRecord {
  return validateRecordFn(value);
}

/** Throws E_RECORD_INVALID with every problem listed. */
export function assertMathRecord(value: unknown, location?: SourceLocation): asserts value is MathRecord {
  const problems = recordProblems(value);
  if (problems.length) {
    throw new MathtuneError("E_RECORD_INVALID", `record does not match the MathRecord schema: ${problems.join("; ")}`, {
      ...(location ? { location } : {}),
      details: { problems },
    });
  }
}
