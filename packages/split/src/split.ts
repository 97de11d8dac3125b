import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex } from "@noble/hashes/utils";
import { type MathRecord, MathtuneError, type Static, throwIfAborted, Type } from "@mathtune/core";
import { hash32 } from "./hash.js";
import { parseOptions } from "./options.js";

export const SPLITS = ["train", "validation", "test"] as const;
export type SplitName = (typeof SPLITS)[number];

const SplitTarget = Type.Union([Type.Literal("train"), Type.Literal("validation"), Type.Literal("test"), Type.Literal("free")]);

/** JSON Schema (TypeBox) of the recipe's split options. */
export const SplitOptionsSchema = Type.Object(
  {
    seed: Type.Integer({ default: 42, description: "the same seed always gives the same split" }),
    stratifyBy: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: "record fields whose values define strata, e.g. [source, category, difficulty]",
    }),
    fractions: Type.Optional(
      Type.Object(
        {
          train: Type.Number({ minimum: 0, maximum: 1 }),
          validation: Type.Number({ minimum: 0, maximum: 1 }),
          test: Type.Number({ minimum: 0, maximum: 1 }),
        },
        { additionalProperties: false, description: "share of each stratum per split; they must add up to 1 (default 0.9/0.05/0.05)" },
      ),
    ),
    counts: Type.Optional(
      Type.Object(
        { validation: Type.Optional(Type.Integer({ minimum: 0 })), test: Type.Optional(Type.Integer({ minimum: 0 })) },
        { additionalProperties: false, description: "exact records per stratum for validation and test (capped by the stratum's size); the rest is train" },
      ),
    ),
    respectSourceSplits: Type.Union([Type.Boolean(), Type.Record(Type.String(), SplitTarget)], {
      default: false,
      description:
        "true: a source's own test split stays test and its validation split (validation, valid, val, dev) stays validation; or a map from source split name to train | validation | test | free",
    }),
  },
  { additionalProperties: false },
);
export type SplitOptions = Static<typeof SplitOptionsSchema>;

/** What the planner needs of a record: small, so a million fit in memory. */
export interface SplitEntry {
  id: string;
  /** Values of the `stratifyBy` fields, in that order. */
  strata?: ReadonlyArray<string | number | boolean | null | undefined>;
  /** The source's own split, when it has one. */
  sourceSplit?: string | undefined;
  /** A content hash of the (formatted) record; goes into the per-split hashes (only a 64-bit fingerprint of id and hash is kept). */
  hash: string;
}

/** The entry of a record for the planner: its id, the values of the strata fields (record fields, then `meta`), its split. */
export function splitEntry(record: MathRecord, hash: string, stratifyBy: readonly string[]): SplitEntry {
  const strata = stratifyBy.map((f) => {
    const v = (record as Record<string, unknown>)[f] ?? record.meta?.[f];
    return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : v == null ? null : JSON.stringify(v);
  });
  return { id: record.id, strata, sourceSplit: record.split, hash };
}

export interface StratumCount {
  /** The stratum's field values (null where a record lacks the field). */
  values: Record<string, string | number | boolean | null>;
  total: number;
  /** Records placed by their source's own split. */
  pinned: number;
  train: number;
  validation: number;
  test: number;
}

/** The split section of the build manifest. */
export interface SplitManifest {
  seed: number;
  stratifyBy: string[];
  fractions?: Record<SplitName, number>;
  counts?: { validation?: number; test?: number };
  respectSourceSplits: boolean | Record<string, string>;
  total: number;
  splits: Record<SplitName, { count: number; sha256: string }>;
  strata: StratumCount[];
}

const DEFAULT_FRACTIONS: Record<SplitName, number> = { train: 0.9, validation: 0.05, test: 0.05 };
const DEFAULT_SOURCE_MAP: Record<string, SplitName | "free"> = { test: "test", validation: "validation", valid: "validation", val: "validation", dev: "validation" };

/** Parses split options, applying defaults; throws E_CONFIG_INVALID (also for fractions that do not add up to 1, or fractions and counts together). */
export function parseSplitOptions(options: unknown): SplitOptions {
  const o = parseOptions(SplitOptionsSchema, options, "split");
  if (o.fractions && o.counts) throw new MathtuneError("E_CONFIG_INVALID", "split: give fractions or counts, not both");
  if (o.fractions) {
    const sum = o.fractions.train + o.fractions.validation + o.fractions.test;
    if (Math.abs(sum - 1) > 1e-9) throw new MathtuneError("E_CONFIG_INVALID", `split fractions add up to ${sum}, not 1`, { hint: "e.g. { train: 0.9, validation: 0.05, test: 0.05 }" });
  }
  return o;
}

/**
 * Per-stratum targets by largest remainder: each count is the floor or the ceiling of
 * fraction * size, and they add up to size.
 */
export function allocate(size: number, fractions: Record<SplitName, number>): Record<SplitName, number> {
  const exact = SPLITS.map((s) => fractions[s] * size);
  const counts = exact.map(Math.floor);
  let left = size - counts.reduce((a, b) => a + b, 0);
  const order = [0, 1, 2].sort((a, b) => exact[b]! - counts[b]! - (exact[a]! - counts[a]!) || a - b);
  for (const i of order) {
    if (left <= 0) break;
    if (exact[i]! - counts[i]! > 0) {
      counts[i]!++;
      left--;
    }
  }
  for (let i = 0; left > 0; i = (i + 1) % 3) {
    // only reachable through floating-point error
    counts[i]!++;
    left--;
  }
  return { train: counts[0]!, validation: counts[1]!, test: counts[2]! };
}

const CODE: Record<SplitName, number> = { train: 0, validation: 1, test: 2 };

/** The result of planning: a split for every entry. */
export class SplitPlan {
  private idMap: Map<string, number> | undefined;

  /** @internal */
  constructor(
    private readonly ids: readonly string[],
    private readonly assigned: Uint8Array,
    readonly counts: Readonly<Record<SplitName, number>>,
    private readonly manifestSection: SplitManifest,
  ) {}

  get size(): number {
    return this.ids.length;
  }

  /** The split of the entry added in position `index` (0-based, in `add` order). */
  splitAt(index: number): SplitName {
    const c = this.assigned[index];
    if (c === undefined || index < 0) throw new MathtuneError("E_INTERNAL", `no entry at index ${index}`);
    return SPLITS[c]!;
  }

  /** The split of an id, or undefined when it was never added. Builds an id map on first use; throws E_DUPLICATE_ID if two entries share an id. */
  splitOf(id: string): SplitName | undefined {
    if (!this.idMap) {
      const m = new Map<string, number>();
      for (let i = 0; i < this.ids.length; i++) {
        const id = this.ids[i]!;
        if (m.has(id)) throw new MathtuneError("E_DUPLICATE_ID", `two records given to the split share the id ${id}`);
        m.set(id, i);
      }
      this.idMap = m;
    }
    const i = this.idMap.get(id);
    return i === undefined ? undefined : SPLITS[this.assigned[i]!];
  }

  /** The ids of one split, in `add` order. */
  *idsOf(split: SplitName): Generator<string> {
    const c = CODE[split];
    for (let i = 0; i < this.ids.length; i++) if (this.assigned[i] === c) yield this.ids[i]!;
  }

  /**
   * The split section of the manifest: seed, options, counts per split and per stratum, and per
   * split a sha256 over the 64-bit fingerprints (hash32 of `id\thash`, two seeds, big-endian) of its
   * entries in add order: the same entries in the same order give the same hash.
   */
  manifest(): SplitManifest {
    return structuredClone(this.manifestSection);
  }
}

/**
 * Two-pass seeded stratified split. `add` every entry (pass one keeps only the id, a stratum
 * number, a 64-bit sort key and a 64-bit fingerprint of id and hash: about 21 bytes and the id
 * string), then `plan()` decides. Within each stratum the free entries are
 * ordered by a hash of (seed, id), so the split depends on the seed and the ids, not on input
 * order; the first ones go to test, the next to validation, the rest to train, in the numbers
 * that `fractions` (largest remainder, so within one record of the target) or `counts` ask for.
 * Entries whose source split is mapped (`respectSourceSplits`) keep it.
 */
export class SplitPlanner {
  readonly options: SplitOptions;
  private readonly ids: string[] = [];
  /** Per entry, a 64-bit fingerprint of (id, hash) for the per-split hashes: 8 bytes, not the hash string. */
  private fpHi = new Uint32Array(1024);
  private fpLo = new Uint32Array(1024);
  private stratum = new Uint32Array(1024);
  private keyHi = new Uint32Array(1024);
  private keyLo = new Uint32Array(1024);
  private pinned = new Int8Array(1024);
  private readonly strataIndex = new Map<string, number>();
  private readonly strataValues: Array<ReadonlyArray<string | number | boolean | null>> = [];
  private readonly sourceMap: Record<string, SplitName | "free"> | undefined;
  private planned = false;

  constructor(options: Partial<SplitOptions> | Record<string, unknown> = {}) {
    this.options = parseSplitOptions(options);
    const r = this.options.respectSourceSplits;
    this.sourceMap = r === true ? DEFAULT_SOURCE_MAP : r === false ? undefined : r;
  }

  get size(): number {
    return this.ids.length;
  }

  add(entry: SplitEntry): void {
    if (this.planned) throw new MathtuneError("E_INTERNAL", "SplitPlanner.add after plan()");
    if (typeof entry?.id !== "string" || !entry.id) throw new MathtuneError("E_FIELD_MISSING", "a split entry needs an id");
    const i = this.ids.length;
    if (i === this.stratum.length) this.grow();
    const n = this.options.stratifyBy.length;
    const values = (entry.strata ?? []).slice(0, n).map((v) => (v === undefined ? null : v));
    while (values.length < n) values.push(null);
    const key = JSON.stringify(values);
    let s = this.strataIndex.get(key);
    if (s === undefined) {
      s = this.strataValues.length;
      this.strataIndex.set(key, s);
      this.strataValues.push(values);
    }
    this.ids.push(entry.id);
    const fp = `${entry.id}\t${entry.hash}`;
    this.fpHi[i] = hash32(fp, 0x6c62272e);
    this.fpLo[i] = hash32(fp, 0x07bb0142);
    this.stratum[i] = s;
    const seed = this.options.seed | 0;
    this.keyHi[i] = hash32(entry.id, seed ^ 0x3243f6a8);
    this.keyLo[i] = hash32(entry.id, (seed + 0x13198a2e) | 0);
    const target = entry.sourceSplit !== undefined && this.sourceMap ? this.sourceMap[entry.sourceSplit] : undefined;
    this.pinned[i] = target === undefined || target === "free" ? -1 : CODE[target];
  }

  private grow(): void {
    const cap = this.stratum.length * 2;
    const g = <T extends Uint32Array | Int8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a as never);
      return b;
    };
    this.stratum = g(this.stratum, (n) => new Uint32Array(n));
    this.keyHi = g(this.keyHi, (n) => new Uint32Array(n));
    this.keyLo = g(this.keyLo, (n) => new Uint32Array(n));
    this.pinned = g(this.pinned, (n) => new Int8Array(n));
    this.fpHi = g(this.fpHi, (n) => new Uint32Array(n));
    this.fpLo = g(this.fpLo, (n) => new Uint32Array(n));
  }

  /** Decides every entry's split. */
  plan(): SplitPlan {
    this.planned = true;
    const n = this.ids.length;
    const S = this.strataValues.length;
    const { keyHi, keyLo, ids } = this;
    const assigned = new Uint8Array(n);
    // group free entries by stratum (counting sort), and place pinned ones
    const free = new Uint32Array(S + 1);
    const rows: StratumCount[] = this.strataValues.map((v) => ({
      values: Object.fromEntries(this.options.stratifyBy.map((f, k) => [f, v[k] ?? null])),
      total: 0,
      pinned: 0,
      train: 0,
      validation: 0,
      test: 0,
    }));
    for (let i = 0; i < n; i++) {
      const s = this.stratum[i]!;
      const row = rows[s]!;
      row.total++;
      const p = this.pinned[i]!;
      if (p >= 0) {
        assigned[i] = p;
        row.pinned++;
        row[SPLITS[p]!]++;
      } else free[s + 1]!++;
    }
    for (let s = 0; s < S; s++) free[s + 1]! += free[s]!;
    const order = new Uint32Array(free[S]!);
    const fill = free.slice(0, S);
    for (let i = 0; i < n; i++) if (this.pinned[i]! < 0) order[fill[this.stratum[i]!]!++] = i;
    const cmp = (a: number, b: number): number => keyHi[a]! - keyHi[b]! || keyLo[a]! - keyLo[b]! || (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : a - b);
    const fractions = this.options.counts ? undefined : (this.options.fractions ?? DEFAULT_FRACTIONS);
    for (let s = 0; s < S; s++) {
      const part = Array.from(order.subarray(free[s]!, free[s + 1]!)).sort(cmp);
      const size = part.length;
      let target: Record<SplitName, number>;
      if (fractions) target = allocate(size, fractions);
      else {
        const test = Math.min(this.options.counts?.test ?? 0, size);
        const validation = Math.min(this.options.counts?.validation ?? 0, size - test);
        target = { train: size - test - validation, validation, test };
      }
      let k = 0;
      for (const split of ["test", "validation", "train"] as const) {
        for (let c = 0; c < target[split]; c++) assigned[part[k++]!] = CODE[split];
        rows[s]![split] += target[split];
      }
    }
    // per-split sha256 over the 8-byte (id, hash) fingerprints, big-endian, in add order
    // (a pure-JS sha256, so that the package runs in a browser too: the same bytes, the same digests)
    const hs = SPLITS.map(() => sha256.create());
    const bufs = SPLITS.map(() => new Uint8Array(8 * 4096));
    const views = bufs.map((b) => new DataView(b.buffer));
    const fill2 = [0, 0, 0];
    const counts: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
    for (let i = 0; i < n; i++) {
      const c = assigned[i]!;
      const buf = bufs[c]!;
      views[c]!.setUint32(fill2[c]!, this.fpHi[i]!, false);
      views[c]!.setUint32(fill2[c]! + 4, this.fpLo[i]!, false);
      fill2[c]! += 8;
      if (fill2[c] === buf.length) {
        hs[c]!.update(buf);
        fill2[c] = 0;
      }
      counts[SPLITS[c]!]++;
    }
    for (let c = 0; c < 3; c++) hs[c]!.update(bufs[c]!.subarray(0, fill2[c]));
    const digests = hs.map((h) => bytesToHex(h.digest()));
    const sortedRows = rows
      .map((r, s) => ({ r, key: JSON.stringify(this.strataValues[s]) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((x) => x.r);
    const o = this.options;
    const manifest: SplitManifest = {
      seed: o.seed,
      stratifyBy: [...o.stratifyBy],
      ...(fractions ? { fractions: { ...fractions } } : { counts: { ...o.counts } }),
      respectSourceSplits: o.respectSourceSplits,
      total: n,
      splits: {
        train: { count: counts.train, sha256: digests[0]! },
        validation: { count: counts.validation, sha256: digests[1]! },
        test: { count: counts.test, sha256: digests[2]! },
      },
      strata: sortedRows,
    };
    const plan = new SplitPlan(this.ids, assigned, counts, manifest);
    return plan;
  }
}

/** Plans a split from a stream of entries (sync or async). */
export async function planSplit(
  entries: Iterable<SplitEntry> | AsyncIterable<SplitEntry>,
  options: Partial<SplitOptions> | Record<string, unknown> = {},
  ctx: { signal?: AbortSignal } = {},
): Promise<SplitPlan> {
  const planner = new SplitPlanner(options);
  let i = 0;
  for await (const e of entries) {
    if ((i++ & 4095) === 0) throwIfAborted(ctx.signal);
    planner.add(e);
  }
  throwIfAborted(ctx.signal);
  return planner.plan();
}
