import { type Static, Type } from "@sinclair/typebox";
import { Ajv, type ErrorObject } from "ajv";
import { MathtuneError, type SourceLocation } from "./errors.js";

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

export type MathRecord = Static<typeof MathRecordSchema>;

/** One ajv instance for the whole library; schemas are compiled once. */
export const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, coerceTypes: false });

const validateRecordFn = ajv.compile<MathRecord>(MathRecordSchema);

/** `path: message` lines for ajv errors, `/` for the root. */
export function formatSchemaErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const path = e.instancePath || "/";
    if (e.keyword === "additionalProperties") {
      return `${path}: unknown property '${(e.params as { additionalProperty: string }).additionalProperty}'`;
    }
    if (e.keyword === "enum" || e.keyword === "const") {
      return `${path}: ${e.message} (${JSON.stringify((e.params as Record<string, unknown>).allowedValues ?? (e.params as Record<string, unknown>).allowedValue)})`;
    }
    return `${path}: ${e.message ?? e.keyword}`;
  });
}

/** Returns the problems of a record as `path: message` lines; empty when valid. */
export function recordProblems(value: unknown): string[] {
  if (validateRecordFn(value)) return [];
  return formatSchemaErrors(validateRecordFn.errors);
}

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
