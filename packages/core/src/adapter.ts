import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { type ErrorCode, MathtuneError, type SourceLocation, isMathtuneError, throwIfAborted } from "./errors.js";
import { type ParseOptionsSettings, parseOptions } from "./options.js";
import { recordProblems, type MathRecord } from "./record.js";

/** A record the load step could not turn into a MathRecord, or one a later check refused. */
export interface Rejection {
  /** The tag that tells a Rejection from a record (`isRejection`); `reject()` sets it. */
  readonly kind: "rejection";
  code: ErrorCode;
  message: string;
  location?: SourceLocation;
  /** The offending input: the raw line, the parsed object or the record. */
  raw?: unknown;
  /** The record's id, when it has one. */
  id?: string;
}

/**
 * The one way to make a `Rejection`: the code, the message, and where, what and which record
 * (`location`, `raw`, `id`). It carries the `kind: "rejection"` tag that `isRejection` reads, a
 * plain field so it survives a worker's structured clone.
 */
export function reject(
  code: ErrorCode,
  message: string,
  extra: Omit<Rejection, "kind" | "code" | "message"> = {},
): Rejection {
  return { kind: "rejection", code, message, ...extra };
}

/** What `Adapter.load` gets besides the options: a cancel signal and where bad records go. */
export interface LoadContext {
  signal?: AbortSignal;
  /**
   * Receives records that cannot be loaded. Without it a bad record throws its MathtuneError,
   * so plain `for await` use is strict and the build can quarantine instead.
   */
  reject?: (rejection: Rejection) => void;
  /** Folder that relative paths in the options are resolved against (the recipe's folder). */
  baseDir?: string;
  /** Bytes read so far and in all, when the adapter knows them; for progress bars. */
  progress?: (done: number, total: number | undefined) => void;
}

/** What `defineAdapter` takes: a name, the splits, a TypeBox schema of the options, and `load`. */
export interface AdapterDefinition<S extends TSchema> {
  /** Lower-case name; becomes `record.source` and the id prefix. */
  name: string;
  description?: string;
  /** The splits the source knows, e.g. `["train", "test"]`; empty when it has none. */
  splits: readonly string[];
  /** JSON Schema of the options (build it with `Type` from this package); defaults are applied. */
  options: S;
  /** Yields records in a stable order. Must honour `ctx.signal` and report bad input via `ctx.reject`. */
  load(options: Static<S>, ctx: Required<Pick<LoadContext, "reject">> & LoadContext): AsyncIterable<MathRecord>;
}

/** A data source made by `defineAdapter`: it validates its options and streams schema-valid records. */
export interface Adapter<S extends TSchema = TSchema> {
  readonly name: string;
  readonly description: string;
  readonly splits: readonly string[];
  readonly options: S;
  /** Validates the options (applying defaults), then streams schema-valid records. */
  load(options: Static<S> | Record<string, unknown>, ctx?: LoadContext): AsyncIterable<MathRecord>;
  /**
   * Validates options and returns them with defaults applied; throws E_OPTIONS_INVALID. `within`
   * places them in a config file (see parseOptions): the build passes a recipe's code, pointer and
   * locator, so a bad option reads `recipe.yaml:7: /sources/0/options/n: must be >= 1`.
   */
  parseOptions(options: unknown, within?: Partial<Omit<ParseOptionsSettings, "check">>): Static<S>;
}

/** The option type of an adapter, from its schema (`AdapterOptions<typeof gsm8k>`). */
export type AdapterOptions<A> = A extends Adapter<infer S> ? Static<S> : never;

const NAME_RE = /^[a-z0-9][a-z0-9_.-]*$/;
const LOCATION = Symbol.for("mathtune.location");

/**
 * Attach the source location to a record, beside its data: a non-enumerable symbol property, so
 * JSON, schema checks and equality ignore it (cheaper than a WeakMap for millions of records).
 */
export function withLocation<T extends object>(record: T, location: SourceLocation): T {
  Object.defineProperty(record, LOCATION, { value: location, enumerable: false, configurable: true, writable: true });
  return record;
}

/** The source location an adapter attached to a record, if any. */
export function locationOf(record: object): SourceLocation | undefined {
  return (record as { [LOCATION]?: SourceLocation })[LOCATION];
}

/**
 * Checks an adapter definition and returns an adapter whose `load` validates its options against
 * the schema (with defaults), checks every record against the MathRecord schema, and stops with
 * E_CANCELED as soon as the signal fires. The option type is inferred from the schema.
 */
export function defineAdapter<S extends TSchema>(def: AdapterDefinition<S>): Adapter<S> {
  const problems: string[] = [];
  if (typeof def !== "object" || def === null)
    throw new MathtuneError("E_ADAPTER_INVALID", "adapter definition must be an object");
  if (typeof def.name !== "string" || !NAME_RE.test(def.name))
    problems.push(`name: must match ${NAME_RE} (got ${JSON.stringify(def.name)})`);
  if (!Array.isArray(def.splits) || def.splits.some((s) => typeof s !== "string"))
    problems.push("splits: must be an array of strings");
  if (typeof def.load !== "function") problems.push("load: must be a function returning an AsyncIterable");
  if (typeof def.options !== "object" || def.options === null) problems.push("options: must be a JSON Schema object");
  if (problems.length) {
    throw new MathtuneError(
      "E_ADAPTER_INVALID",
      `adapter ${JSON.stringify(def?.name)} is invalid: ${problems.join("; ")}`,
      {
        details: { problems },
      },
    );
  }
  const name = def.name;

  // The schema compiles on first use (importing the loaders then costs no compile); a bad one throws there.
  const parse = (options: unknown, within: Partial<Omit<ParseOptionsSettings, "check">> = {}): Static<S> => {
    try {
      return parseOptions(def.options, options, {
        what: `options for adapter '${name}'`,
        hint: "see the adapter's options schema",
        ...within,
      });
    } catch (e) {
      if (isMathtuneError(e, "E_INTERNAL"))
        throw new MathtuneError(
          "E_ADAPTER_INVALID",
          `adapter '${name}' is invalid: options: not a valid JSON Schema: ${e.reason}`,
          { cause: e },
        );
      throw e;
    }
  };

  async function* load(options: unknown, ctx: LoadContext = {}): AsyncGenerator<MathRecord> {
    const opts = parse(options);
    const drop =
      ctx.reject ??
      ((r: Rejection) => {
        throw new MathtuneError(r.code, r.message, r.location ? { location: r.location } : {});
      });
    throwIfAborted(ctx.signal);
    for await (const record of def.load(opts, { ...ctx, reject: drop })) {
      throwIfAborted(ctx.signal);
      const bad = recordProblems(record);
      if (bad.length) {
        const location = locationOf(record as object);
        drop(
          reject("E_RECORD_INVALID", `adapter '${name}' produced an invalid record: ${bad.join("; ")}`, {
            raw: record,
            ...(location ? { location } : {}),
            ...(typeof (record as MathRecord)?.id === "string" ? { id: (record as MathRecord).id } : {}),
          }),
        );
        continue;
      }
      if (record.source !== name) {
        drop(
          reject("E_RECORD_INVALID", `adapter '${name}' produced a record with source '${record.source}'`, {
            raw: record,
            id: record.id,
          }),
        );
        continue;
      }
      yield record;
    }
    throwIfAborted(ctx.signal);
  }

  return Object.freeze({
    name,
    description: def.description ?? "",
    splits: Object.freeze([...def.splits]),
    options: def.options,
    load: load as Adapter<S>["load"],
    parseOptions: parse,
  });
}

export { Type };
export type { Static, TSchema };
