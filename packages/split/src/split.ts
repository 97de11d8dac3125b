import { type MathRecord, MathtuneError, parseOptions, type Static, Type } from "@mathtune/core";
import { mix32 } from "@mathtune/core/internal";

/** The three splits, in the order the planner fills them. */
export const SPLITS = ["train", "validation", "test"] as const;
/** A split: `train`, `validation` or `test`. */
export type SplitName = (typeof SPLITS)[number];

/** The default shares of each stratum: 0.8 / 0.1 / 0.1. */
export const SPLIT_DEFAULTS: Readonly<Record<SplitName, number>> = { train: 0.8, validation: 0.1, test: 0.1 };

/** JSON Schema (TypeBox) of the split options: the recipe's `split` section. */
export const SplitOptionsSchema = Type.Object(
  {
    train: Type.Number({ minimum: 0, default: SPLIT_DEFAULTS.train }),
    validation: Type.Number({ minimum: 0, default: SPLIT_DEFAULTS.validation }),
    test: Type.Number({ minimum: 0, default: SPLIT_DEFAULTS.test }),
    by: Type.Array(Type.String({ minLength: 1 }), {
      default: ["source"],
      description: "record fields to stratify by (source, category, difficulty, lang, split, or meta.<key>)",
    }),
    respectSourceSplit: Type.Boolean({
      default: false,
      description: "records whose source split is train/validation/test stay there",
    }),
    counts: Type.Optional(
      Type.Object(
        {
          validation: Type.Optional(Type.Integer({ minimum: 0 })),
          test: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        {
          additionalProperties: false,
          description:
            "exact validation/test records per stratum (capped by its size); the rest is train. Overrides the fractions",
        },
      ),
    ),
  },
  { additionalProperties: false, default: {} },
);
/** The split options, defaults filled in (see `SplitOptionsSchema`). */
export type SplitOptions = Static<typeof SplitOptionsSchema>;

/**
 * The problem with split options whose fractions (defaults filled in for the missing ones) do not
 * add up to 1, as `/split: ...`; undefined when they do or are not all numbers (the schema says why).
 */
export function splitFractionsProblem(options: unknown, path = "/split"): string | undefined {
  if (!options || typeof options !== "object") return undefined;
  const o = options as Record<string, unknown>;
  const parts = SPLITS.map((k) => o[k] ?? SPLIT_DEFAULTS[k]);
  if (!parts.every((x) => typeof x === "number")) return undefined;
  const sum = (parts as number[]).reduce((a, b) => a + b, 0);
  return Math.abs(sum - 1) > 1e-9 ? `${path}: train + validation + test must be 1 (got ${sum})` : undefined;
}

/** Validates split options and fills in the defaults; throws E_OPTIONS_INVALID (also for fractions that do not add up to 1). */
export function parseSplitOptions(options: unknown): SplitOptions {
  return parseOptions(SplitOptionsSchema, options, {
    what: "split options",
    check: (o) => [splitFractionsProblem(o, "/")].filter((p): p is string => p !== undefined),
    hint: "e.g. { train: 0.8, validation: 0.1, test: 0.1 }",
  });
}

/** The value of a stratification field of a record: a record field or `meta.<key>`; "-" where it has none. */
export function fieldValue(r: MathRecord, field: string): string {
  const v = field.startsWith("meta.") ? r.meta?.[field.slice(5)] : (r as Record<string, unknown>)[field];
  return v === undefined || v === null ? "-" : String(v);
}

/** The stratum of a record for the `by` fields: their values joined with " | " (the value itself for one field). */
export function stratumOf(by: readonly string[]): (r: MathRecord) => string {
  const fields = [...by];
  return fields.length === 1
    ? (r) => fieldValue(r, fields[0]!)
    : (r) => fields.map((f) => fieldValue(r, f)).join(" | ");
}

/** The split a record is pinned to: its source split when `respectSourceSplit` is on and that is train, validation or test. */
export function pinnedSplit(r: MathRecord, respectSourceSplit: boolean): SplitName | undefined {
  return respectSourceSplit && (SPLITS as readonly string[]).includes(r.split ?? "")
    ? (r.split as SplitName)
    : undefined;
}

/** Splits n into integer counts proportional to the fractions (largest remainder, ties in split order). */
export function exactCounts(n: number, fractions: Record<SplitName, number>): Record<SplitName, number> {
  const raw = SPLITS.map((s) => n * fractions[s]);
  const base = raw.map((r) => Math.floor(r + 1e-9));
  let left = n - base.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => ({ i, rem: r - base[i]! })).sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    if (fractions[SPLITS[i]!] > 0) {
      base[i]!++;
      left--;
    }
  }
  return { train: base[0]!, validation: base[1]!, test: base[2]! };
}

function hashString(seed: number, s: string): number {
  let h = mix32(seed ^ 0x9e3779b9);
  for (let i = 0; i < s.length; i++) h = mix32(h ^ s.charCodeAt(i));
  return h;
}

/**
 * A seeded pseudo-random permutation of [0, n), computed one position at a time in O(1) memory:
 * a 4-round Feistel network on the smallest even bit width that covers n, with cycle-walking.
 */
export function permutation(n: number, seed: number, key: string): (k: number) => number {
  if (n <= 1) return (k) => k;
  let bits = Math.max(2, Math.ceil(Math.log2(n)));
  if (bits % 2) bits++;
  const half = bits / 2;
  const mask = (1 << half) - 1;
  const keys = [0, 1, 2, 3].map((r) => hashString(seed + r * 0x632be5ab, key));
  const enc = (x: number): number => {
    let l = Math.floor(x / (mask + 1)) & mask;
    let r = x & mask;
    for (const k of keys) {
      const t = l ^ (mix32(r ^ k) & mask);
      l = r;
      r = t;
    }
    return l * (mask + 1) + r;
  };
  return (k) => {
    let x = enc(k);
    while (x >= n) x = enc(x);
    return x;
  };
}

/**
 * Assigns splits stream-wise with exact per-stratum counts. Pass 1 counts the records of each
 * stratum (`count`); then, in the same order, `assign` gives the k-th record of a stratum the split
 * of position π(k) of a seeded permutation of that stratum, whose first positions are train, then
 * validation, then test. Memory: a few numbers per stratum, whatever the number of records.
 */
export class StratifiedSplitter {
  private index = new Map<string, number>();
  readonly names: string[] = [];
  private total: number[] = [];
  private forced: [number, number, number][] = [];
  private seen: number[] = [];
  private quotas: Record<SplitName, number>[] = [];
  private perms: ((k: number) => number)[] = [];

  /** A splitter for parsed split options (`parseSplitOptions`, or a recipe's `split` section). */
  static fromOptions(options: SplitOptions, seed: number): StratifiedSplitter {
    return new StratifiedSplitter(
      { train: options.train, validation: options.validation, test: options.test },
      seed,
      options.counts,
    );
  }

  constructor(
    private readonly fractions: Record<SplitName, number>,
    private readonly seed: number,
    /** Exact validation/test counts per stratum instead of fractions (capped by the stratum's size). */
    private readonly counts?: { validation?: number; test?: number },
  ) {}

  /** Pass 1: registers a record of a stratum (forced: its split is fixed); returns the stratum's number. */
  count(stratum: string, forced?: SplitName): number {
    let i = this.index.get(stratum);
    if (i === undefined) {
      i = this.names.length;
      this.index.set(stratum, i);
      this.names.push(stratum);
      this.total.push(0);
      this.forced.push([0, 0, 0]);
    }
    if (forced) this.forced[i]![SPLITS.indexOf(forced)]!++;
    else this.total[i]!++;
    return i;
  }

  /** Between the passes: fixes the per-stratum quotas. */
  plan(): Record<string, Record<SplitName, number>> {
    const strata: Record<string, Record<SplitName, number>> = {};
    this.quotas = this.total.map((n) => {
      if (!this.counts) return exactCounts(n, this.fractions);
      const validation = Math.min(this.counts.validation ?? 0, n);
      const test = Math.min(this.counts.test ?? 0, n - validation);
      return { train: n - validation - test, validation, test };
    });
    this.perms = this.total.map((n, i) => permutation(n, this.seed, this.names[i]!));
    this.seen = this.total.map(() => 0);
    for (const [i, name] of this.names.entries()) {
      const q = this.quotas[i]!;
      const f = this.forced[i]!;
      strata[name] = { train: q.train + f[0], validation: q.validation + f[1], test: q.test + f[2] };
    }
    return strata;
  }

  /** Pass 2: the split of the next (not forced) record of stratum `i`. */
  assign(i: number): SplitName {
    const k = this.seen[i]!++;
    const q = this.quotas[i]!;
    const p = this.perms[i]!(k);
    return p < q.train ? "train" : p < q.train + q.validation ? "validation" : "test";
  }
}
