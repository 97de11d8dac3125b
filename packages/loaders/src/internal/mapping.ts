/**
 * The field mapping the generic adapters (jsonl, json, csv, parquet, arrow) share: which column
 * holds the problem, the solution, the answer..., defaults for the rest, and what happens to the
 * columns nobody mapped. Turns one row into a MathRecord or a Rejection, never throws.
 */
import {
  JSON_MAX_DEPTH,
  contentId,
  rawTopLevelValue,
  type MathRecord,
  type Rejection,
  type SourceLocation,
  Type,
  withLocation,
  reject,
} from "@mathtune/core";
import { uniqueIds } from "./fs.js";

export const DATASET_NAME_PATTERN = "^[a-z0-9][a-z0-9_.-]*$";

const column = (what: string) =>
  Type.Optional(
    Type.Union([Type.String({ minLength: 1 }), Type.Null()], { description: `column holding ${what}; null: none` }),
  );

export const FieldsSchema = Type.Object(
  {
    problem: Type.Optional(
      Type.String({ minLength: 1, description: "column holding the question (default 'problem')" }),
    ),
    solution: column("the worked solution (default 'solution')"),
    answer: column("the final answer (default 'answer')"),
    id: column("a native id (default 'id'); without one the id is a content hash"),
    category: column("the category (default 'category')"),
    difficulty: column("the difficulty (default 'difficulty')"),
    lang: column("the language tag (default 'lang')"),
    split: column("the split (default 'split')"),
  },
  { additionalProperties: false },
);

export const DefaultsSchema = Type.Object(
  {
    lang: Type.Optional(
      Type.String({
        minLength: 2,
        maxLength: 16,
        description: "language of rows without a lang column (default 'en')",
      }),
    ),
    split: Type.Optional(Type.String({ minLength: 1 })),
    category: Type.Optional(Type.String({ minLength: 1 })),
    difficulty: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Integer()])),
  },
  { additionalProperties: false },
);

/** Option properties every generic adapter has; spread them into its `Type.Object`. */
export const mappingProperties = {
  path: Type.String({ minLength: 1, description: "the input file; relative paths are read from the recipe's folder" }),
  name: Type.Optional(
    Type.String({
      pattern: DATASET_NAME_PATTERN,
      description:
        "dataset name; goes into every id (<adapter>/<split>/<name>/<key>) so two generic sources never share ids",
    }),
  ),
  fields: Type.Optional(FieldsSchema),
  defaults: Type.Optional(DefaultsSchema),
  keepOtherFields: Type.Boolean({ default: true, description: "put columns that are not mapped into meta" }),
};

export type FieldName = "problem" | "solution" | "answer" | "id" | "category" | "difficulty" | "lang" | "split";

export const DEFAULT_FIELDS: Readonly<Record<FieldName, string>> = Object.freeze({
  problem: "problem",
  solution: "solution",
  answer: "answer",
  id: "id",
  category: "category",
  difficulty: "difficulty",
  lang: "lang",
  split: "split",
});

export interface MappingOptions {
  name?: string | undefined;
  fields?: Partial<Record<FieldName, string | null>> | undefined;
  defaults?:
    | {
        lang?: string | undefined;
        split?: string | undefined;
        category?: string | undefined;
        difficulty?: string | number | undefined;
      }
    | undefined;
  keepOtherFields?: boolean | undefined;
}

export type MapResult = { ok: true; record: MathRecord } | { ok: false; rejection: Rejection };

export interface RowMapper {
  /** Column of each field; absent when the field is switched off with `null`. */
  readonly columns: Readonly<Partial<Record<FieldName, string>>>;
  /** The columns a reader must load; undefined: all of them (keepOtherFields). */
  readonly needed: string[] | undefined;
  /**
   * `text`: the row as read (a JSON line), when there is one: a rejection keeps it as `raw`, and a
   * number in the answer or id column keeps its text as written (`3.50`, `12345678901234567890123`).
   */
  map(row: unknown, location: SourceLocation, text?: string): MapResult;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return "a string";
  return `a ${typeof v}`;
}

function isPlainRow(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/**
 * Makes a value safe to keep in `meta` and to write as JSON: bigint becomes a number (or a string
 * when it does not fit), Date an ISO string, byte arrays base64, other typed arrays plain arrays,
 * Maps objects, and objects with a `toJSON` (Arrow vectors and rows) what that returns.
 */
export function toJsonSafe(v: unknown, depth = 0): unknown {
  if (v === null || v === undefined) return v ?? null;
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      return Number.isFinite(v) ? v : null;
    case "bigint":
      return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    case "object":
      break;
    default:
      return String(v);
  }
  if (depth > JSON_MAX_DEPTH) return null; // readers quarantine deeper JSON (E_TOO_DEEP) before it gets here
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>, (x) => toJsonSafe(x, depth + 1));
  if (Array.isArray(v)) return v.map((x) => toJsonSafe(x, depth + 1));
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), toJsonSafe(x, depth + 1)]));
  const toJSON = (v as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return toJsonSafe(toJSON.call(v), depth + 1);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toJsonSafe(x, depth + 1);
  return out;
}

const absent = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");

/**
 * Builds the mapper of one load. Ids are `<adapter>/<split or "all">/<name/>?<native id or
 * contentId(problem, solution ?? "")>`, made unique within the load (`~2`, `~3` for repeats).
 */
export function createMapper(adapter: string, options: MappingOptions): RowMapper {
  const columns: Partial<Record<FieldName, string>> = {};
  for (const f of Object.keys(DEFAULT_FIELDS) as FieldName[]) {
    const c = options.fields?.[f] === undefined ? DEFAULT_FIELDS[f] : options.fields[f];
    if (c) columns[f] = c;
  }
  const mapped = new Set(Object.values(columns));
  const keep = options.keepOtherFields ?? true;
  const defaults = options.defaults ?? {};
  const unique = uniqueIds();
  const problemColumn = columns.problem ?? DEFAULT_FIELDS.problem;

  const map = (input: unknown, location: SourceLocation, rowText?: string): MapResult => {
    const fail = (code: "E_FIELD_MISSING" | "E_RECORD_INVALID", message: string): MapResult => ({
      ok: false,
      rejection: reject(code, message, { location, raw: rowText ?? toJsonSafe(input) }),
    });
    if (!isPlainRow(input)) return fail("E_RECORD_INVALID", `expected an object per row, got ${describe(input)}`);
    const row = input;
    const problem = row[problemColumn];
    if (problem !== undefined && problem !== null && typeof problem !== "string") {
      return fail("E_RECORD_INVALID", `field '${problemColumn}' (problem) must be a string, got ${describe(problem)}`);
    }
    if (absent(problem)) {
      return fail(
        "E_FIELD_MISSING",
        `field '${problemColumn}' (problem) is ${problem === undefined ? "missing" : problem === null ? "null" : "empty"}`,
      );
    }
    const get = (f: FieldName): unknown => (columns[f] === undefined ? undefined : row[columns[f]]);
    const problems: string[] = [];
    const text = (f: FieldName, allowNumber: boolean): string | undefined => {
      const v = get(f);
      if (absent(v)) return undefined;
      if (typeof v === "string") return v;
      if (allowNumber && typeof v === "number" && rowText !== undefined) {
        // the number's text as written: JSON.parse would give 1.2345678901234568e+22 for 12345678901234567890123, 3.5 for 3.50
        const raw = rawTopLevelValue(rowText, columns[f]!);
        if (raw !== undefined && /^-?\d/.test(raw)) return raw;
      }
      if (allowNumber && ((typeof v === "number" && Number.isFinite(v)) || typeof v === "bigint")) return String(v);
      problems.push(
        `field '${columns[f]}' (${f}) must be a string${allowNumber ? " or a number" : ""}, got ${describe(v)}`,
      );
      return undefined;
    };
    const solution = text("solution", false);
    const answer = text("answer", true);
    const native = text("id", true);
    const category = text("category", false) ?? defaults.category;
    const split = text("split", false) ?? defaults.split;
    const lang = text("lang", false) ?? defaults.lang ?? "en";
    let difficulty: string | number | undefined = defaults.difficulty;
    const d = get("difficulty");
    if (!absent(d)) {
      if (typeof d === "string") difficulty = d;
      else if (typeof d === "number" && Number.isInteger(d)) difficulty = d;
      else if (typeof d === "bigint" && Number.isSafeInteger(Number(d))) difficulty = Number(d);
      else
        problems.push(
          `field '${columns.difficulty}' (difficulty) must be a string or an integer, got ${typeof d === "number" ? String(d) : describe(d)}`,
        );
    }
    if (problems.length) return fail("E_RECORD_INVALID", problems.join("; "));

    const key = native ?? contentId(problem as string, solution ?? "");
    const id = unique([adapter, split ?? "all", ...(options.name ? [options.name] : []), key].join("/"));
    // keys in a fixed order, for byte-stable output
    const record = { id, source: adapter } as MathRecord;
    if (split !== undefined) record.split = split;
    record.problem = problem as string;
    if (solution !== undefined) record.solution = solution;
    if (answer !== undefined) record.answer = answer;
    if (category !== undefined) record.category = category;
    if (difficulty !== undefined) record.difficulty = difficulty;
    record.lang = lang;
    if (keep) {
      const meta: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) if (!mapped.has(k) && v !== undefined) meta[k] = toJsonSafe(v);
      if (Object.keys(meta).length) record.meta = meta;
    }
    return { ok: true, record: withLocation(record, location) };
  };

  return {
    columns,
    needed: keep ? undefined : [...mapped],
    map,
  };
}
