import { locationOf, type MathRecord, MathtuneError, type Rejection, type Stage, type Static, throwIfAborted, Type } from "@mathtune/core";
import { fmix32, Table64 } from "./hash.js";
import { parseOptions } from "./options.js";
import { wordHashes, words } from "./text.js";

/** JSON Schema (TypeBox) of the recipe's decontamination options (the evaluation sets are given apart). */
export const DecontaminationOptionsSchema = Type.Object(
  {
    n: Type.Integer({ minimum: 4, maximum: 200, default: 13, description: "length in words of a shared span that counts as contamination (digits are words)" }),
    fields: Type.Array(Type.Union([Type.Literal("problem"), Type.Literal("solution"), Type.Literal("answer")]), {
      default: ["problem"],
      minItems: 1,
      description: "training record fields checked",
    }),
    evalFields: Type.Array(Type.Union([Type.Literal("problem"), Type.Literal("solution"), Type.Literal("answer")]), {
      default: ["problem"],
      minItems: 1,
      description: "fields of evaluation records indexed",
    }),
    minWords: Type.Integer({
      minimum: 1,
      default: 8,
      description: "an evaluation text shorter than n words is matched as a whole when it has at least this many words; shorter ones are ignored",
    }),
    maxSpansPerRecord: Type.Integer({ minimum: 1, default: 5, description: "matched spans kept in the report for one record" }),
  },
  { additionalProperties: false },
);
export type DecontaminationOptions = Static<typeof DecontaminationOptionsSchema>;

type Field = DecontaminationOptions["fields"][number];

/** An evaluation set: a name and its records (any iterable, sync or async) or texts. */
export interface EvalSet {
  /** e.g. `gsm8k-test`, `math-test`, `math-500`, `heldout`. */
  name: string;
  records?: Iterable<MathRecord> | AsyncIterable<MathRecord>;
  texts?: Iterable<string | { id: string; text: string }> | AsyncIterable<string | { id: string; text: string }>;
}

/** One shared span between a training record and an evaluation text. */
export interface ContaminationMatch {
  /** The training record's field that holds the span. */
  field: string;
  evalSet: string;
  evalId: string;
  /** The shared words, lower-cased and space-separated. */
  span: string;
  /** Word offsets [start, end) of the span in the training field. */
  start: number;
  end: number;
}

export interface ContaminationReportEntry {
  id: string;
  matches: ContaminationMatch[];
}

export interface ContaminationReport {
  n: number;
  evalSets: Array<{ name: string; texts: number; ngrams: number }>;
  checked: number;
  contaminated: number;
  /** Per evaluation set, the training records it contaminated. */
  byEvalSet: Record<string, number>;
  entries: ContaminationReportEntry[];
}

const B1 = 0x01000193;
const B2 = 0x5bd1e995;

/**
 * The n-grams of evaluation texts, as 64-bit hashes pointing at the first text that holds each.
 * Only hashes and eval ids are kept, never the texts.
 */
export class ContaminationIndex {
  readonly n: number;
  readonly minWords: number;
  private readonly table = new Table64(1 << 16);
  private readonly refSet: number[] = [];
  private readonly refId: string[] = [];
  private readonly setNames: string[] = [];
  private readonly setStats: Array<{ name: string; texts: number; ngrams: number }> = [];
  /** Lengths (< n) of whole short texts that are indexed. */
  private readonly shortLengths = new Set<number>();

  constructor(options: { n?: number; minWords?: number } = {}) {
    this.n = options.n ?? 13;
    this.minWords = options.minWords ?? 8;
  }

  /** Number of distinct n-grams indexed. */
  get size(): number {
    return this.table.size;
  }

  get evalSets(): ReadonlyArray<{ name: string; texts: number; ngrams: number }> {
    return this.setStats;
  }

  private setIndex(name: string): number {
    let i = this.setNames.indexOf(name);
    if (i < 0) {
      i = this.setNames.length;
      this.setNames.push(name);
      this.setStats.push({ name, texts: 0, ngrams: 0 });
    }
    return i;
  }

  /** Indexes one evaluation text (Asymptote drawing code is left out: it is not problem text). */
  add(evalSet: string, evalId: string, text: string): void {
    text = withoutAsymptote(text);
    const s = this.setIndex(evalSet);
    const ref = this.refId.length;
    this.refId.push(evalId);
    this.refSet.push(s);
    const stats = this.setStats[s]!;
    stats.texts++;
    const th = wordHashes(text);
    if (th.length < this.n) {
      if (th.length < this.minWords) return;
      this.shortLengths.add(th.length);
      forEachWindow(th, th.length, (hi, lo) => {
        if (this.table.setIfAbsent(hi, lo, ref) < 0) stats.ngrams++;
      });
      return;
    }
    forEachWindow(th, this.n, (hi, lo) => {
      if (this.table.setIfAbsent(hi, lo, ref) < 0) stats.ngrams++;
    });
  }

  /** Indexes an evaluation set's records (`fields` of each) or texts. */
  async addSet(set: EvalSet, fields: readonly Field[] = ["problem"], signal?: AbortSignal): Promise<void> {
    if (!set.name) throw new MathtuneError("E_CONFIG_INVALID", "an evaluation set needs a name");
    if (!set.records && !set.texts) throw new MathtuneError("E_CONFIG_INVALID", `evaluation set '${set.name}' has neither records nor texts`);
    this.setIndex(set.name);
    let i = 0;
    if (set.records) {
      for await (const r of set.records) {
        if ((i++ & 1023) === 0) throwIfAborted(signal);
        for (const f of fields) {
          const t = r[f];
          if (typeof t === "string" && t) this.add(set.name, r.id, t);
        }
      }
    }
    if (set.texts) {
      for await (const t of set.texts) {
        if ((i & 1023) === 0) throwIfAborted(signal);
        if (typeof t === "string") this.add(set.name, `${set.name}#${i}`, t);
        else this.add(set.name, t.id, t.text);
        i++;
      }
    }
  }

  /** The spans of `text` shared with indexed evaluation texts, merged where windows overlap. */
  match(text: string, field = "text", max = Infinity): ContaminationMatch[] {
    text = withoutAsymptote(text);
    const th = wordHashes(text);
    const out: ContaminationMatch[] = [];
    const lengths = [this.n, ...[...this.shortLengths].sort((a, b) => b - a)];
    for (const len of lengths) {
      if (th.length < len) continue;
      let open: ContaminationMatch | undefined;
      let ref = -1;
      forEachWindow(th, len, (hi, lo, start) => {
        const r = this.table.get(hi, lo);
        if (r < 0) return;
        if (open && r === ref && start <= open.end) {
          open.end = start + len;
          return;
        }
        if (open) out.push(open);
        ref = r;
        open = { field, evalSet: this.setNames[this.refSet[r]!]!, evalId: this.refId[r]!, span: "", start, end: start + len };
      });
      if (open) out.push(open);
      if (out.length) break; // a full-length match makes shorter whole-text matches redundant
    }
    const kept = out.slice(0, max);
    if (kept.length) {
      const tokens = words(text);
      for (const m of kept) m.span = tokens.slice(m.start, m.end).join(" ");
    }
    return kept;
  }
}

const ASY_RE = /\[asy\][\s\S]*?\[\/asy\]/g;

/**
 * The text without `[asy] ... [/asy]` blocks: diagram code shares long runs of generic tokens
 * (`label a a n label b b sw ...`) between unrelated problems, which would read as contamination.
 */
export function withoutAsymptote(text: string): string {
  return text.includes("[asy]") ? text.replace(ASY_RE, " ") : text;
}

/** Calls `fn(hi, lo, start)` with a 64-bit rolling hash of every window of `len` token hashes. */
function forEachWindow(th: Uint32Array, len: number, fn: (hi: number, lo: number, start: number) => void): void {
  if (th.length < len) return;
  let p1 = 1;
  let p2 = 1;
  for (let j = 1; j < len; j++) {
    p1 = Math.imul(p1, B1);
    p2 = Math.imul(p2, B2);
  }
  let h1 = 0;
  let h2 = 0;
  for (let j = 0; j < len; j++) {
    h1 = (Math.imul(h1, B1) + th[j]!) | 0;
    h2 = (Math.imul(h2, B2) + (th[j]! ^ 0x9e3779b9)) | 0;
  }
  for (let start = 0; ; start++) {
    fn(fmix32(h1 ^ len), fmix32(h2 + len), start);
    const next = start + len;
    if (next >= th.length) return;
    h1 = (Math.imul((h1 - Math.imul(th[start]!, p1)) | 0, B1) + th[next]!) | 0;
    h2 = (Math.imul((h2 - Math.imul(th[start]! ^ 0x9e3779b9, p2)) | 0, B2) + (th[next]! ^ 0x9e3779b9)) | 0;
  }
}

export interface DecontaminationStage extends Stage {
  readonly index: ContaminationIndex;
  /** The contamination report: counts and, per dropped record, the matched spans. */
  report(): ContaminationReport;
  summary(): Record<string, unknown>;
}

/**
 * The decontamination build stage: drops training records that share an n-word span (13 by
 * default, digits kept) with any evaluation set, as Rejections with code E_CONTAMINATED naming
 * the set, the eval id and the span. Indexes the evaluation sets first (hence async). Throws
 * E_CONFIG_INVALID for bad options or an evaluation set with no content.
 */
export async function createDecontaminationStage(
  options: Partial<DecontaminationOptions> | Record<string, unknown>,
  evalSets: readonly EvalSet[],
  ctx: { signal?: AbortSignal } = {},
): Promise<DecontaminationStage> {
  const opts = parseOptions(DecontaminationOptionsSchema, options, "decontamination");
  const index = new ContaminationIndex(opts);
  for (const set of evalSets) await index.addSet(set, opts.evalFields, ctx.signal);
  const entries: ContaminationReportEntry[] = [];
  const byEvalSet: Record<string, number> = Object.fromEntries(index.evalSets.map((s) => [s.name, 0]));
  let checked = 0;
  const report = (): ContaminationReport => ({
    n: opts.n,
    evalSets: index.evalSets.map((s) => ({ ...s })),
    checked,
    contaminated: entries.length,
    byEvalSet: { ...byEvalSet },
    entries,
  });
  return {
    name: "decontaminate",
    index,
    process(batch: readonly MathRecord[]): Array<MathRecord | Rejection> {
      return batch.map((record) => {
        checked++;
        const matches: ContaminationMatch[] = [];
        for (const f of opts.fields) {
          const t = record[f];
          if (typeof t === "string" && t) matches.push(...index.match(t, f, opts.maxSpansPerRecord - matches.length));
          if (matches.length >= opts.maxSpansPerRecord) break;
        }
        if (!matches.length) return record;
        entries.push({ id: record.id, matches });
        for (const s of new Set(matches.map((m) => m.evalSet))) byEvalSet[s] = (byEvalSet[s] ?? 0) + 1;
        const first = matches[0]!;
        const location = locationOf(record);
        return {
          code: "E_CONTAMINATED",
          message: `${first.field} shares a ${first.end - first.start}-word span with ${first.evalSet} ${first.evalId}: "${first.span}"${matches.length > 1 ? ` (and ${matches.length - 1} more)` : ""}`,
          id: record.id,
          raw: record,
          ...(location ? { location } : {}),
        };
      });
    },
    report,
    summary: () => {
      const r = report();
      return { n: r.n, evalSets: r.evalSets, checked: r.checked, contaminated: r.contaminated, byEvalSet: r.byEvalSet };
    },
  };
}
