import {
  locationOf,
  type MathRecord,
  parseOptions,
  type Rejection,
  type Stage,
  type Static,
  Type,
  reject,
} from "@mathtune/core";
import { fmix32, hash32, hash64, MultiTable32, Table64 } from "./internal/hash.js";
import { lshParams, MinHasher } from "./internal/minhash.js";
import { mathSignature, normalizeProblem } from "./internal/text.js";
import { FNV_PRIME_32 } from "@mathtune/core/internal";

/** JSON Schema (TypeBox) of the recipe's dedup options. */
export const DedupOptionsSchema = Type.Object(
  {
    exact: Type.Boolean({ default: true, description: "drop records whose normalised problem equals an earlier one" }),
    near: Type.Boolean({ default: true, description: "drop near duplicates found with MinHash + LSH" }),
    threshold: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      default: 0.9,
      description: "estimated Jaccard similarity at or above which two problems are near duplicates",
    }),
    ngram: Type.Union([Type.Literal("word"), Type.Literal("char")], {
      default: "word",
      description: "shingles: word n-grams (math symbols count as words) or character n-grams",
    }),
    n: Type.Integer({ minimum: 1, maximum: 64, default: 3, description: "n-gram length (words or characters)" }),
    numPerm: Type.Integer({ minimum: 8, maximum: 1024, default: 64, description: "MinHash permutations" }),
    bands: Type.Optional(Type.Integer({ minimum: 1, description: "LSH bands (default: chosen from the threshold)" })),
    sameEnding: Type.Integer({
      minimum: 0,
      default: 40,
      description:
        "near duplicates must also end alike: the last this many characters of the normalised problem (the question, usually) must be equal; 0 turns it off",
    }),
  },
  { additionalProperties: false },
);
/** The dedup options, defaults filled in (see `DedupOptionsSchema`). */
export type DedupOptions = Static<typeof DedupOptionsSchema>;

/** Why a record is a duplicate: exact or near, and the id of the record kept. */
export interface DuplicateMatch {
  kind: "exact" | "near";
  /** The id of the record that was kept. */
  of: string;
  /** Estimated Jaccard similarity (near duplicates). */
  similarity?: number;
}

/**
 * Online dedup over a stream: the first record of each group is kept, later ones are reported as
 * duplicates of it. Holds per kept record its id, a 64-bit hash of the normalised problem, a
 * one-byte-per-permutation MinHash signature, a hash of its math (`mathSignature`) and its LSH
 * bucket entries; never the records. Problems whose numbers or TeX math differ, or that end
 * differently (`sameEnding`: the question), are never near duplicates, however similar their words.
 */
export class Deduplicator {
  readonly options: DedupOptions;
  readonly bands: number;
  readonly rows: number;
  private readonly ids: string[] = [];
  private readonly exactIndex = new Table64();
  private readonly hasher: MinHasher | undefined;
  private readonly buckets: MultiTable32 | undefined;
  private sigs = new Uint8Array(0);
  private nums = new Uint32Array(0);
  private readonly bandKeys: Uint32Array;
  /** One byte per permutation of the signature being checked (a mix of the minimum's bits). */
  private readonly sigBytes: Uint8Array;
  exactDuplicates = 0;
  nearDuplicates = 0;

  constructor(options: Partial<DedupOptions> | Record<string, unknown> = {}) {
    this.options = parseOptions(DedupOptionsSchema, options, { what: "dedup options" });
    const { numPerm, threshold, bands } = this.options;
    const p = lshParams(numPerm, threshold, bands);
    this.bands = p.bands;
    this.rows = p.rows;
    this.bandKeys = new Uint32Array(this.bands);
    this.sigBytes = new Uint8Array(numPerm);
    if (this.options.near) {
      this.hasher = new MinHasher(numPerm, this.options.ngram, this.options.n);
      this.buckets = new MultiTable32(1024 * this.bands);
    }
  }

  /** Records kept so far. */
  get kept(): number {
    return this.ids.length;
  }

  /** Bytes held by the index (typed arrays; the id strings come on top). */
  get indexBytes(): number {
    return this.exactIndex.bytes + (this.buckets?.bytes ?? 0) + this.sigs.byteLength + this.nums.byteLength;
  }

  /**
   * Checks a problem against everything kept so far. A duplicate is returned (and not kept);
   * otherwise the problem is kept under `id` and undefined is returned.
   */
  check(id: string, problem: string): DuplicateMatch | undefined {
    const norm = normalizeProblem(problem);
    const [hi, lo] = hash64(norm);
    const ordinal = this.ids.length;
    if (this.options.exact) {
      const prev = this.exactIndex.get(hi, lo);
      if (prev >= 0) {
        this.exactDuplicates++;
        return { kind: "exact", of: this.ids[prev]! };
      }
    }
    let numHash = 0;
    if (this.hasher && this.buckets) {
      const { numPerm } = this.options;
      const sig = this.hasher.signatureOfNormalized(norm);
      numHash = hash32(mathSignature(norm) + "\u0000" + ending(norm, this.options.sameEnding), 0x2545f491);
      for (let i = 0; i < numPerm; i++) this.sigBytes[i] = fmix32(sig[i]!) & 0xff;
      const r = this.rows;
      for (let b = 0; b < this.bands; b++) {
        let h = Math.imul(b + 1, 0x9e3779b1);
        for (let j = b * r; j < (b + 1) * r; j++) h = Math.imul(h ^ sig[j]!, FNV_PRIME_32);
        this.bandKeys[b] = (h ^ (h >>> 15)) >>> 0;
      }
      let best = -1;
      let bestSim = 0;
      const threshold = this.options.threshold;
      const sigs = this.sigs;
      const base = 1 / 256;
      const verify = (cand: number): boolean => {
        if (this.nums[cand] !== numHash) return false;
        let same = 0;
        const off = cand * numPerm;
        for (let i = 0; i < numPerm; i++) if (sigs[off + i] === this.sigBytes[i]) same++;
        // one-byte signatures agree by chance 1/256 of the time: correct for it
        const sim = Math.max(0, (same / numPerm - base) / (1 - base));
        if (sim >= threshold && (best < 0 || sim > bestSim || (sim === bestSim && cand < best))) {
          best = cand;
          bestSim = sim;
        }
        return false;
      };
      for (let b = 0; b < this.bands; b++) this.buckets.find(this.bandKeys[b]!, verify);
      if (best >= 0) {
        this.nearDuplicates++;
        return { kind: "near", of: this.ids[best]!, similarity: Math.round(bestSim * 1000) / 1000 };
      }
      // keep: store the signature's low bytes, the numbers' hash and the buckets
      if ((ordinal + 1) * numPerm > this.sigs.length) {
        const grown = new Uint8Array(Math.max(1024 * numPerm, this.sigs.length * 2));
        grown.set(this.sigs);
        this.sigs = grown;
        const n2 = new Uint32Array(grown.length / numPerm);
        n2.set(this.nums);
        this.nums = n2;
      }
      this.sigs.set(this.sigBytes, ordinal * numPerm);
      this.nums[ordinal] = numHash;
      for (let b = 0; b < this.bands; b++) this.buckets.add(this.bandKeys[b]!, ordinal);
    }
    if (this.options.exact) this.exactIndex.setIfAbsent(hi, lo, ordinal);
    this.ids.push(id);
    return undefined;
  }

  /** The counts (kept, exact and near duplicates) and the options in effect. */
  summary(): Record<string, unknown> {
    return {
      kept: this.kept,
      exactDuplicates: this.exactDuplicates,
      nearDuplicates: this.nearDuplicates,
      options: { ...this.options, bands: this.bands, rows: this.rows },
    };
  }
}

const TRAILING_RE = /[\s.?!。？！]+$/;
/** The last `chars` characters of a normalised problem, trailing punctuation dropped. */
function ending(norm: string, chars: number): string {
  if (chars <= 0) return "";
  const s = norm.replace(TRAILING_RE, "");
  return s.length <= chars ? s : s.slice(s.length - chars);
}

export interface DedupStage extends Stage {
  readonly dedup: Deduplicator;
  summary(): Record<string, unknown>;
}

/** A message for a duplicate, naming the kept id. */
export function duplicateMessage(m: DuplicateMatch): string {
  return m.kind === "exact" ? `exact duplicate of ${m.of}` : `near duplicate of ${m.of} (similarity ${m.similarity})`;
}

/**
 * The dedup build stage: keeps the first record of each group of (near) duplicates, in stream
 * order, and turns the others into Rejections with code E_DUPLICATE whose message names the kept
 * id. Throws E_OPTIONS_INVALID for bad options.
 */
export function createDedupStage(options: Partial<DedupOptions> | Record<string, unknown> = {}): DedupStage {
  const dedup = new Deduplicator(options);
  return {
    name: "dedup",
    dedup,
    process(batch: readonly MathRecord[]): Array<MathRecord | Rejection> {
      return batch.map((record) => {
        const m = dedup.check(record.id, record.problem);
        if (!m) return record;
        const location = locationOf(record);
        return reject("E_DUPLICATE", duplicateMessage(m), {
          id: record.id,
          raw: record,
          ...(location ? { location } : {}),
        });
      });
    },
    summary: () => dedup.summary(),
  };
}
