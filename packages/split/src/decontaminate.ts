import {
  locationOf,
  type MathRecord,
  MathtuneError,
  parseOptions,
  type Rejection,
  type Stage,
  type Static,
  throwIfAborted,
  Type,
  reject,
} from "@mathtune/core";
import { fmix32, Table64 } from "./internal/hash.js";
import { normalizeProblem, wordHashes, words } from "./internal/text.js";
import { FNV_PRIME_32 } from "@mathtune/core/internal";

/** JSON Schema (TypeBox) of the recipe's decontamination options (the evaluation sets are given apart). */
export const DecontaminationOptionsSchema = Type.Object(
  {
    n: Type.Integer({
      minimum: 4,
      maximum: 200,
      default: 13,
      description: "length in words of a shared span that counts as contamination (digits are words)",
    }),
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
      description:
        "an evaluation text shorter than n words is matched as a whole when it has at least this many words; shorter ones are ignored",
    }),
    maxSpansPerRecord: Type.Integer({
      minimum: 1,
      default: 5,
      description: "matched spans kept in the report for one record",
    }),
    commonIn: Type.Integer({
      minimum: 2,
      default: 3,
      description:
        "an n-gram found in at least this many evaluation texts is boilerplate (`m/n where m and n are relatively prime positive integers, find m+n`) and never counts",
    }),
    sameMath: Type.Boolean({
      default: true,
      description:
        "count an evaluation text only when every number (with its minus sign) and every formula in it is in the training field: a sibling problem with other numbers or another expression is another problem",
    }),
    minShare: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0.5,
      description:
        "a training record is contaminated by an evaluation text when the spans it shares with it cover at least this share of that text's words",
    }),
  },
  { additionalProperties: false },
);
/** The decontamination options, defaults filled in (see `DecontaminationOptionsSchema`). */
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
  /** Share of the evaluation text's words covered by all spans this field shares with it (0..1). */
  share: number;
  /** Words of the evaluation text (Asymptote code left out). */
  evalWords: number;
}

/** One dropped record in the contamination report, with why and the matched spans. */
export interface ContaminationReportEntry {
  id: string;
  /** Why it was dropped, in words: the field, the evaluation text, the words matched and the share. */
  reason: string;
  /** The largest share of one evaluation text that this record matched (0..1). */
  share: number;
  matches: ContaminationMatch[];
}

/**
 * The contamination report (contamination.json in a build): the settings, the evaluation sets, the counts and
 * each dropped record.
 */
export interface ContaminationReport {
  n: number;
  commonIn: number;
  minShare: number;
  evalSets: Array<{ name: string; texts: number; ngrams: number; common: number }>;
  checked: number;
  contaminated: number;
  /** Records that shared a span with an evaluation text, but less than `minShare` of it (kept). */
  partial: number;
  /** Records kept that matched only boilerplate n-grams (found in `commonIn` or more evaluation texts). */
  boilerplateOnly: number;
  /** Records kept because the evaluation texts they matched enough of hold numbers or formulas they lack (`sameMath`). */
  otherMath: number;
  /** Per evaluation set, the training records it contaminated. */
  byEvalSet: Record<string, number>;
  entries: ContaminationReportEntry[];
}

/** What one training text shares with the evaluation texts. */
export interface MatchResult {
  /** Spans of evaluation texts covered at least `minShare`, the highest share first. */
  matches: ContaminationMatch[];
  /** Some non-boilerplate span was shared, but with no text enough of it. */
  partial: boolean;
  /** Some window matched only boilerplate n-grams. */
  boilerplate: boolean;
  /** Some evaluation text was covered enough but holds numbers or formulas the text lacks (`sameMath`). */
  otherMath: boolean;
}

const FORMULA_RE = /\$\$([\s\S]+?)\$\$|\$([^$]+?)\$|\\\(([\s\S]+?)\\\)|\\\[([\s\S]+?)\\\]/g;

/**
 * The formulas of a text (`$...$`, `$$...$$`, `\(...\)`, `\[...\]`), each normalised as
 * `normalizeProblem` does (lower case, no LaTeX spacing or `\left`/`\right`, no spaces around
 * symbols) and without trailing punctuation, so `\left|\pi - 7\right|.` and `|\pi-7|` are one.
 */
export function formulasOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.replace(/\\\$/g, "\u0000").matchAll(FORMULA_RE)) {
    const f = normalizeProblem((m[1] ?? m[2] ?? m[3] ?? m[4] ?? "").replace(/\u0000/g, "\\$")).replace(
      /[.,;:\s]+$/,
      "",
    );
    if (f) out.push(f);
  }
  return out;
}

const NUMBER_RE = /\d+(?:\.\d+)?/g;

/**
 * The numbers of a text, with a minus sign where it is unary (`$-16t^2$`, `(-1)`; not `x - 2`),
 * thousands separators removed (`1,000` is `1000`).
 */
export function signedNumbers(text: string): string[] {
  const s = text.replace(/(\d),(?=\d{3}(?!\d))/g, "$1");
  const out: string[] = [];
  for (const m of s.matchAll(NUMBER_RE)) {
    let i = m.index - 1;
    while (i >= 0 && s[i] === " ") i--;
    let sign = "";
    if (i >= 0 && s[i] === "-") {
      let j = i - 1;
      while (j >= 0 && s[j] === " ") j--;
      if (j < 0 || !/[\p{L}\p{N})}\]|!']/u.test(s[j]!)) sign = "-";
    }
    out.push(sign + m[0].replace(/^0+(?=\d)/, ""));
  }
  return out;
}

const B1 = FNV_PRIME_32;
const B2 = 0x5bd1e995;

/**
 * The n-grams of evaluation texts, as 64-bit hashes with the evaluation texts that hold each (up
 * to `commonIn` of them: one found in that many is boilerplate). Only hashes, ids and word counts
 * are kept, never the texts.
 */
export class ContaminationIndex {
  readonly n: number;
  readonly minWords: number;
  readonly commonIn: number;
  readonly minShare: number;
  readonly sameMath: boolean;
  private readonly table = new Table64(1 << 16);
  /** Per n-gram (the table's value): the first eval text holding it, and the others (at most commonIn - 1). */
  private readonly firstRef: number[] = [];
  private readonly moreRefs = new Map<number, number[]>();
  private readonly refSet: number[] = [];
  private readonly refId: string[] = [];
  private readonly refWords: number[] = [];
  /** Per eval text, its distinct signed numbers and formulas (`sameMath`). */
  private readonly refNumbers: string[][] = [];
  private readonly refFormulas: string[][] = [];
  private readonly setNames: string[] = [];
  private readonly setStats: Array<{ name: string; texts: number; ngrams: number; common: number }> = [];
  /** Lengths (< n) of whole short texts that are indexed. */
  private readonly shortLengths = new Set<number>();

  constructor(
    options: { n?: number; minWords?: number; commonIn?: number; minShare?: number; sameMath?: boolean } = {},
  ) {
    this.n = options.n ?? 13;
    this.minWords = options.minWords ?? 8;
    this.commonIn = options.commonIn ?? 3;
    this.minShare = options.minShare ?? 0.5;
    this.sameMath = options.sameMath ?? true;
  }

  /** Number of distinct n-grams indexed. */
  get size(): number {
    return this.table.size;
  }

  get evalSets(): ReadonlyArray<{ name: string; texts: number; ngrams: number; common: number }> {
    return this.setStats;
  }

  private setIndex(name: string): number {
    let i = this.setNames.indexOf(name);
    if (i < 0) {
      i = this.setNames.length;
      this.setNames.push(name);
      this.setStats.push({ name, texts: 0, ngrams: 0, common: 0 });
    }
    return i;
  }

  /** The eval texts holding n-gram `id` (the first `commonIn` of them). */
  private refsOf(id: number): readonly number[] {
    const more = this.moreRefs.get(id);
    return more ? [this.firstRef[id]!, ...more] : [this.firstRef[id]!];
  }

  private addGram(hi: number, lo: number, ref: number, stats: { ngrams: number; common: number }): void {
    const id = this.firstRef.length;
    const had = this.table.setIfAbsent(hi, lo, id);
    if (had < 0) {
      this.firstRef.push(ref);
      stats.ngrams++;
      return;
    }
    if (this.firstRef[had] === ref) return;
    let more = this.moreRefs.get(had);
    if (!more) this.moreRefs.set(had, (more = []));
    if (more[more.length - 1] === ref || more.length + 1 >= this.commonIn) return;
    more.push(ref);
    if (more.length + 1 === this.commonIn) this.setStats[this.refSet[ref]!]!.common++;
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
    this.refWords.push(th.length);
    this.refNumbers.push(this.sameMath ? [...new Set(signedNumbers(text))] : []);
    this.refFormulas.push(this.sameMath ? [...new Set(formulasOf(text))] : []);
    if (th.length < this.n) {
      if (th.length < this.minWords) return;
      this.shortLengths.add(th.length);
      forEachWindow(th, th.length, (hi, lo) => this.addGram(hi, lo, ref, stats));
      return;
    }
    forEachWindow(th, this.n, (hi, lo) => this.addGram(hi, lo, ref, stats));
  }

  /** Indexes an evaluation set's records (`fields` of each) or texts. */
  async addSet(set: EvalSet, fields: readonly Field[] = ["problem"], signal?: AbortSignal): Promise<void> {
    if (!set.name) throw new MathtuneError("E_OPTIONS_INVALID", "an evaluation set needs a name");
    if (!set.records && !set.texts)
      throw new MathtuneError("E_OPTIONS_INVALID", `evaluation set '${set.name}' has neither records nor texts`);
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

  /**
   * The spans of `text` shared with indexed evaluation texts that cover at least `minShare` of one
   * of them, merged where windows overlap. N-grams found in `commonIn` or more evaluation texts are
   * boilerplate and never count.
   */
  match(text: string, field = "text", max = Infinity): ContaminationMatch[] {
    return this.matchDetail(text, field, max).matches;
  }

  /** `match`, and whether the text shared only boilerplate or too little of any evaluation text. */
  matchDetail(text: string, field = "text", max = Infinity): MatchResult {
    text = withoutAsymptote(text);
    const th = wordHashes(text);
    const result: MatchResult = { matches: [], partial: false, boilerplate: false, otherMath: false };
    let numbers: Set<string> | undefined;
    let normalized: string | undefined;
    const lengths = [this.n, ...[...this.shortLengths].sort((a, b) => b - a)];
    const found: ContaminationMatch[] = [];
    for (const len of lengths) {
      if (th.length < len) continue;
      // per eval text, the windows [start, start + len) of this text that it shares
      const windows = new Map<number, number[]>();
      forEachWindow(th, len, (hi, lo, start) => {
        const id = this.table.get(hi, lo);
        if (id < 0) return;
        const refs = this.refsOf(id);
        if (refs.length >= this.commonIn) {
          result.boilerplate = true;
          return;
        }
        for (const r of refs) {
          // whole short texts only match texts of exactly that length
          if (len < this.n && this.refWords[r] !== len) continue;
          let w = windows.get(r);
          if (!w) windows.set(r, (w = []));
          w.push(start);
        }
      });
      for (const [r, starts] of windows) {
        const spans: Array<{ start: number; end: number }> = [];
        for (const st of starts) {
          const last = spans[spans.length - 1];
          if (last && st <= last.end) last.end = Math.max(last.end, st + len);
          else spans.push({ start: st, end: st + len });
        }
        const covered = spans.reduce((a, sp) => a + sp.end - sp.start, 0);
        const evalWords = this.refWords[r]!;
        const share = Math.min(1, covered / Math.max(1, evalWords));
        if (share < this.minShare) {
          result.partial = true;
          continue;
        }
        const needNumbers = this.refNumbers[r]!;
        if (needNumbers.length) {
          numbers ??= new Set(signedNumbers(text));
          if (!needNumbers.every((x) => numbers!.has(x))) {
            result.otherMath = true;
            continue;
          }
        }
        const needFormulas = this.refFormulas[r]!;
        if (needFormulas.length) {
          normalized ??= normalizeProblem(text);
          if (!needFormulas.every((f) => normalized!.includes(f))) {
            result.otherMath = true;
            continue;
          }
        }
        const evalSet = this.setNames[this.refSet[r]!]!;
        const evalId = this.refId[r]!;
        for (const sp of spans)
          found.push({
            field,
            evalSet,
            evalId,
            span: "",
            start: sp.start,
            end: sp.end,
            share: round4(share),
            evalWords,
          });
      }
      if (found.length) break; // a full-length match makes shorter whole-text matches redundant
    }
    found.sort((a, b) => b.share - a.share || a.start - b.start);
    const kept = found.slice(0, max);
    if (kept.length) {
      const tokens = words(text);
      for (const m of kept) m.span = tokens.slice(m.start, m.end).join(" ");
      result.partial = false;
      result.otherMath = false;
    }
    result.matches = kept;
    return result;
  }
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

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
 * The decontamination build stage: drops training records whose n-word spans (13 by default,
 * digits kept) shared with an evaluation text cover at least `minShare` of it, as Rejections with
 * code E_CONTAMINATED naming the set, the eval id, the share and a span. N-grams that `commonIn`
 * or more evaluation texts share are boilerplate and never count. Indexes the evaluation sets first (hence async). Throws
 * E_OPTIONS_INVALID for bad options or an evaluation set with no content.
 */
export async function createDecontaminationStage(
  options: Partial<DecontaminationOptions> | Record<string, unknown>,
  evalSets: readonly EvalSet[],
  ctx: { signal?: AbortSignal } = {},
): Promise<DecontaminationStage> {
  const opts = parseOptions(DecontaminationOptionsSchema, options, { what: "decontamination options" });
  const index = new ContaminationIndex(opts);
  for (const set of evalSets) await index.addSet(set, opts.evalFields, ctx.signal);
  const entries: ContaminationReportEntry[] = [];
  const byEvalSet: Record<string, number> = Object.fromEntries(index.evalSets.map((s) => [s.name, 0]));
  let checked = 0;
  let partial = 0;
  let boilerplateOnly = 0;
  let otherMath = 0;
  const report = (): ContaminationReport => ({
    n: opts.n,
    commonIn: opts.commonIn,
    minShare: opts.minShare,
    evalSets: index.evalSets.map((s) => ({ ...s })),
    checked,
    contaminated: entries.length,
    partial,
    boilerplateOnly,
    otherMath,
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
        let sawPartial = false;
        let sawBoilerplate = false;
        let sawOtherMath = false;
        for (const f of opts.fields) {
          const t = record[f];
          if (typeof t !== "string" || !t) continue;
          const r = index.matchDetail(t, f, opts.maxSpansPerRecord - matches.length);
          matches.push(...r.matches);
          sawPartial ||= r.partial;
          sawBoilerplate ||= r.boilerplate;
          sawOtherMath ||= r.otherMath;
          if (matches.length >= opts.maxSpansPerRecord) break;
        }
        if (!matches.length) {
          if (sawOtherMath) otherMath++;
          else if (sawPartial) partial++;
          else if (sawBoilerplate) boilerplateOnly++;
          return record;
        }
        const first = matches[0]!;
        const covered = Math.round(first.share * first.evalWords);
        const reason = `${first.field} covers ${covered} of the ${first.evalWords} words of ${first.evalSet} ${first.evalId} (${(first.share * 100).toFixed(1)}%)`;
        entries.push({ id: record.id, reason, share: first.share, matches });
        for (const s of new Set(matches.map((m) => m.evalSet))) byEvalSet[s] = (byEvalSet[s] ?? 0) + 1;
        const location = locationOf(record);
        return reject(
          "E_CONTAMINATED",
          `${reason}; first shared span (${first.end - first.start} words): "${first.span}"${matches.length > 1 ? ` (and ${matches.length - 1} more)` : ""}`,
          { id: record.id, raw: record, ...(location ? { location } : {}) },
        );
      });
    },
    report,
    summary: () => {
      const r = report();
      return {
        n: r.n,
        commonIn: r.commonIn,
        minShare: r.minShare,
        evalSets: r.evalSets,
        checked: r.checked,
        contaminated: r.contaminated,
        partial: r.partial,
        boilerplateOnly: r.boilerplateOnly,
        otherMath: r.otherMath,
        byEvalSet: r.byEvalSet,
      };
    },
  };
}
