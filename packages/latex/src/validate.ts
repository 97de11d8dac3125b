import katex from "katex";
import {
  ALL_MACROS,
  BEYOND_KATEX_COLUMNS,
  BEYOND_KATEX_COMMANDS,
  BEYOND_KATEX_ENVIRONMENTS,
  ENVIRONMENT_ALIASES,
} from "./macros.js";
import { latexDefines } from "./latex-known.js";
import { checkProse } from "./prose.js";
import { scanText, type FindMathOptions, type Segment } from "./scan.js";

/** Every code a finding can carry, with what it means and its kind. */
export const FINDING_CODES = {
  E_LATEX_UNBALANCED_BRACES: { kind: "error", description: "a `{` without its `}`, or a `}` without its `{`" },
  E_LATEX_UNMATCHED_DELIMITER: {
    kind: "error",
    description: "math opened and never closed (an odd `$`, `\\(` without `\\)`), or closed and never opened",
  },
  E_LATEX_UNKNOWN_COMMAND: {
    kind: "error",
    description: "a command or environment that neither LaTeX nor KaTeX knows (a typo)",
  },
  E_LATEX_LEFT_RIGHT: { kind: "error", description: "a `\\left` without its `\\right`, or the reverse" },
  E_LATEX_ENVIRONMENT: {
    kind: "error",
    description: "an environment left open, closed by the wrong `\\end`, or closed without being opened",
  },
  E_LATEX_PARSE: {
    kind: "error",
    description: "any other LaTeX error (double superscript, `&` outside an alignment, a missing argument ...)",
  },
  E_LATEX_STRICT: {
    kind: "strict",
    description:
      "math that KaTeX's strict mode warns about: it renders, but LaTeX would not accept it or would render it differently",
  },
  E_LATEX_BEYOND_KATEX: {
    kind: "beyond",
    description: "correct LaTeX that KaTeX cannot render (`\\multicolumn`, `@{}` columns, `\\cancelto`, `tabular` ...)",
  },
} as const;

/** A finding code (see `FINDING_CODES`). */
export type FindingCode = keyof typeof FINDING_CODES;
/** `error`: the source is wrong. `beyond`: the source is right, KaTeX lacks it. `strict`: a strict-mode warning. */
export type FindingKind = (typeof FINDING_CODES)[FindingCode]["kind"];

/** One thing wrong with the math of a record. */
export interface Finding {
  /** The record field (`problem`, `solution`, `answer`), or `text` for validateText. */
  field: string;
  /** Offset in the field's text (UTF-16 index) where the problem is. */
  offset: number;
  /** Characters the problem spans (at least 1 where the text has them). */
  length: number;
  /** Up to 30 characters either side of the offset. */
  excerpt: string;
  code: FindingCode;
  kind: FindingKind;
  /** KaTeX's message (without its position suffix), or the scanner's. */
  message: string;
}

export interface ValidateOptions extends FindMathOptions {
  /** The field name findings carry (default `text`). */
  field?: string;
  /** Report KaTeX strict-mode warnings as E_LATEX_STRICT (default true). */
  strict?: boolean;
  /**
   * Check the text outside math as LaTeX reads it (bare `#` `&` `^` `_` `%`, math commands outside
   * math, unknown commands, money dollars that pair up). Default: `dollars` (a source that writes
   * math in dollars is LaTeX; one whose dollars are money, like GSM8K, is plain text).
   */
  prose?: boolean;
  /**
   * `false` sends every segment through KaTeX. Default: results are cached per distinct math string
   * (module-wide, 50,000 entries, cleared when full); the cache never changes a finding.
   */
  cache?: false;
}

/** What KaTeX said about one piece of math, with positions relative to that piece. */
interface SegmentResult {
  error?: { position: number | undefined; length: number; message: string };
  warnings: Array<{ position: number | undefined; message: string }>;
}

/**
 * Results of KaTeX per distinct (mode, math) string. Results depend only on the string, so the
 * cache never changes a finding; it is cleared when it reaches `max` entries.
 */
export class SegmentCache {
  private map = new Map<string, readonly LocalFinding[]>();
  hits = 0;
  misses = 0;
  constructor(readonly max = 50_000) {}
  get(key: string): readonly LocalFinding[] | undefined {
    const r = this.map.get(key);
    if (r) this.hits++;
    else this.misses++;
    return r;
  }
  set(key: string, value: readonly LocalFinding[]): void {
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(key, value);
  }
  get size(): number {
    return this.map.size;
  }
  clear(): void {
    this.map.clear();
    this.hits = 0;
    this.misses = 0;
  }
}

let defaultCache = new SegmentCache();

/** The module-wide cache that validation uses unless `cache: false`. */
export function defaultSegmentCache(): SegmentCache {
  return defaultCache;
}

/** Runs `fn` with `cache` as the module-wide cache (tests watch a small or fresh one). */
export function withSegmentCache<T>(cache: SegmentCache, fn: () => T): T {
  const previous = defaultCache;
  defaultCache = cache;
  try {
    return fn();
  } finally {
    defaultCache = previous;
  }
}

type ParseFn = (tex: string, settings: Record<string, unknown>) => unknown;
const katexAny = katex as unknown as { __parse?: ParseFn; renderToString: ParseFn };
/** KaTeX's parser alone (cheaper than rendering); renderToString where a build lacks it. */
const parse: ParseFn = katexAny.__parse ?? katexAny.renderToString;

interface Edit {
  /** Where the replacement starts in the rewritten math, and its length. */
  texAt: number;
  texLen: number;
  /** The replaced range of the original math. */
  rawAt: number;
  rawLen: number;
}

/** The math as KaTeX gets it, how to map positions back, and the beyond-KaTeX constructs seen. */
interface Prepared {
  tex: string;
  edits: Edit[];
  beyond: Array<{ at: number; length: number; what: string }>;
}

const isLetter = (c: string | undefined): boolean =>
  c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z"));

/** Index after the group `{...}` that starts at `i` (which must be `{`), or -1. */
function groupEnd(tex: string, i: number): number {
  if (tex[i] !== "{") return -1;
  let depth = 0;
  for (let j = i; j < tex.length; j++) {
    const c = tex[j];
    if (c === "\\") j++;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return j + 1;
  }
  return -1;
}

/**
 * Rewrites math for KaTeX, keeping a map back to the original:
 * - a bare `%` is a percent sign in the sources (they are rendered with MathJax), but a comment to
 *   KaTeX and LaTeX: it becomes `\%`;
 * - environments of ENVIRONMENT_ALIASES are renamed;
 * - column specs that KaTeX cannot read are blanked, and reported;
 * - commands of BEYOND_KATEX_COMMANDS are noted (NEUTRAL_MACROS stands in for them).
 */
function prepare(raw: string): Prepared {
  const edits: Edit[] = [];
  const beyond: Prepared["beyond"] = [];
  let out = "";
  let copied = 0; // raw[copied..i) is still to be copied
  const replace = (at: number, len: number, by: string): void => {
    out += raw.slice(copied, at);
    edits.push({ texAt: out.length, texLen: by.length, rawAt: at, rawLen: len });
    out += by;
    copied = at + len;
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === "%") {
      replace(i, 1, "\\%");
      continue;
    }
    if (c !== "\\") continue;
    let j = i + 1;
    if (!isLetter(raw[j])) {
      i = j;
      continue;
    }
    while (isLetter(raw[j])) j++;
    const name = raw.slice(i, j);
    if (BEYOND_KATEX_COMMANDS.has(name)) beyond.push({ at: i, length: j - i, what: name });
    if (name === "\\begin" || name === "\\end") {
      let k = j;
      while (raw[k] === " ") k++;
      const close = raw[k] === "{" ? raw.indexOf("}", k) : -1;
      const env = close > 0 ? raw.slice(k + 1, close) : "";
      const alias = ENVIRONMENT_ALIASES[env];
      if (alias) {
        replace(i, close + 1 - i, name === "\\begin" ? alias.begin : alias.end);
        i = close;
        continue;
      }
      if (name === "\\begin" && (env === "array" || env === "darray" || env === "subarray")) {
        let s = close + 1;
        while (raw[s] === " ") s++;
        const specEnd = groupEnd(raw, s);
        if (specEnd > 0) {
          blankColumnSpec(raw, s + 1, specEnd - 1, replace, beyond);
          i = specEnd - 1;
          continue;
        }
      }
    }
    i = j - 1;
  }
  out += raw.slice(copied);
  return { tex: out, edits, beyond };
}

/** Blanks the array-package column specifiers inside a column spec `raw[from..to)`. */
function blankColumnSpec(
  raw: string,
  from: number,
  to: number,
  replace: (at: number, len: number, by: string) => void,
  beyond: Prepared["beyond"],
): void {
  for (let i = from; i < to; i++) {
    const c = raw[i]!;
    if (c === "{") {
      const e = groupEnd(raw, i);
      if (e < 0) return;
      i = e - 1;
      continue;
    }
    if (!BEYOND_KATEX_COLUMNS.has(c)) continue;
    let e = i + 1;
    while (raw[e] === " ") e++;
    let g = groupEnd(raw, e);
    if (g < 0 || g > to) continue;
    if (c === "*") {
      let e2 = g;
      while (raw[e2] === " ") e2++;
      const g2 = groupEnd(raw, e2);
      if (g2 > 0 && g2 <= to) g = g2;
    }
    beyond.push({ at: i, length: g - i, what: `${c}{} column` });
    const keep = c === "p" || c === "m" || c === "b" ? "l" : "";
    replace(i, g - i, keep + " ".repeat(g - i - keep.length));
    i = g - 1;
  }
}

/** Maps a position in the rewritten math back to the original. */
function toRaw(edits: readonly Edit[], pos: number): number {
  let shift = 0;
  for (const e of edits) {
    if (pos < e.texAt) break;
    if (pos < e.texAt + e.texLen) return e.rawAt;
    shift = e.rawAt + e.rawLen - (e.texAt + e.texLen);
  }
  return pos + shift;
}

function runKatex(tex: string, display: boolean, strict: boolean, extraMacros?: Record<string, string>): SegmentResult {
  const warnings: SegmentResult["warnings"] = [];
  const settings = {
    displayMode: display,
    throwOnError: true,
    output: "html",
    trust: false,
    macros: { ...ALL_MACROS, ...extraMacros },
    strict: strict
      ? (code: string, message: string, token?: { loc?: { start: number } }) => {
          warnings.push({ position: token?.loc?.start, message: `${code}: ${message}` });
          return "ignore";
        }
      : "ignore",
  };
  try {
    parse(tex, settings);
    return { warnings };
  } catch (e) {
    const err = e as { name?: string; position?: number; length?: number; rawMessage?: string; message?: string };
    const message = err.rawMessage ?? String(err.message ?? e);
    return {
      error: {
        position: typeof err.position === "number" ? err.position : undefined,
        length: err.length ?? 0,
        message,
      },
      warnings,
    };
  }
}

/** Position of the first unmatched `}` or the last unmatched `{` in math, or -1 when balanced. */
export function unbalancedBrace(tex: string): number {
  const open: number[] = [];
  for (let i = 0; i < tex.length; i++) {
    const c = tex[i];
    if (c === "\\") i++;
    else if (c === "{") open.push(i);
    else if (c === "}") {
      if (!open.length) return i;
      open.pop();
    }
  }
  return open.length ? open[open.length - 1]! : -1;
}

/** Position of the first `\\right` without a `\\left`, or of the last `\\left` without a `\\right`, or -1. */
function unmatchedLeftRight(tex: string): number {
  const open: number[] = [];
  for (let i = 0; i < tex.length; i++) {
    if (tex[i] !== "\\") continue;
    if (tex.startsWith("left", i + 1) && !isLetter(tex[i + 5])) open.push(i);
    else if (tex.startsWith("right", i + 1) && !isLetter(tex[i + 6])) {
      if (!open.length) return i;
      open.pop();
    } else i++;
  }
  return open.length ? open[open.length - 1]! : -1;
}

/** Turns KaTeX's message into a finding code (and a better position where we know one). */
function classify(
  message: string,
  tex: string,
  position: number | undefined,
): { code: FindingCode; position: number | undefined } {
  let m = /^Undefined control sequence: (\\[A-Za-z@]+|\\.)/.exec(message);
  if (m)
    return {
      code:
        BEYOND_KATEX_COMMANDS.has(m[1]!) || latexDefines(m[1]!) !== undefined
          ? "E_LATEX_BEYOND_KATEX"
          : "E_LATEX_UNKNOWN_COMMAND",
      position,
    };
  m = /^No such environment: (\S+)/.exec(message);
  if (m)
    return {
      code:
        BEYOND_KATEX_ENVIRONMENTS.has(m[1]!) || latexDefines(m[1]!) !== undefined
          ? "E_LATEX_BEYOND_KATEX"
          : "E_LATEX_UNKNOWN_COMMAND",
      position,
    };
  m = /^Unknown column alignment: (.)/.exec(message);
  if (m) return { code: BEYOND_KATEX_COLUMNS.has(m[1]!) ? "E_LATEX_BEYOND_KATEX" : "E_LATEX_PARSE", position };
  if (/function '\$'|got '\$'/.test(message)) return { code: "E_LATEX_UNMATCHED_DELIMITER", position };
  const brace = unbalancedBrace(tex);
  if (brace >= 0) return { code: "E_LATEX_UNBALANCED_BRACES", position: brace };
  if (/\\right'|\\left\b|\\middle without/.test(message)) {
    const at = unmatchedLeftRight(tex);
    return { code: "E_LATEX_LEFT_RIGHT", position: at >= 0 ? at : position };
  }
  if (/^Mismatch: \\begin|^Expected & or \\\\ or \\cr or \\end|got '\\end'/.test(message))
    return { code: "E_LATEX_ENVIRONMENT", position };
  return { code: "E_LATEX_PARSE", position };
}

function excerpt(text: string, offset: number): string {
  return text.slice(Math.max(0, offset - 30), offset + 30);
}

/** A finding inside one piece of math: offset relative to the math, no field or excerpt yet. */
type LocalFinding = Pick<Finding, "offset" | "length" | "code" | "kind" | "message">;

/** All findings for one piece of math (pure; what the cache holds). */
export function checkMath(raw: string, display: boolean, strict: boolean): LocalFinding[] {
  const prep = prepare(raw);
  const found: LocalFinding[] = [];
  const seen = new Set<string>();
  for (const b of prep.beyond) {
    if (seen.has(b.what)) continue;
    seen.add(b.what);
    found.push({
      offset: b.at,
      length: b.length,
      code: "E_LATEX_BEYOND_KATEX",
      kind: "beyond",
      message: `${b.what} is LaTeX that KaTeX cannot render`,
    });
  }
  // A command LaTeX knows and KaTeX lacks is reported, then stood in for by nothing (its arguments
  // stay as groups), and the formula parsed again, so a real error after it is still found.
  const standIns: Record<string, string> = {};
  let result = runKatex(prep.tex, display, strict);
  for (let tries = 0; result.error && tries < 8; tries++) {
    const m = /^Undefined control sequence: (\\[A-Za-z]+)/.exec(result.error.message);
    const pkg = m ? latexDefines(m[1]!) : undefined;
    if (!m || pkg === undefined || standIns[m[1]!] !== undefined) break;
    const position = result.error.position;
    const offset = position === undefined ? 0 : Math.min(toRaw(prep.edits, position), raw.length);
    found.push({
      offset,
      length: m[1]!.length,
      code: "E_LATEX_BEYOND_KATEX",
      kind: "beyond",
      message: `${m[1]} is LaTeX (${pkg === "latex" ? "the kernel" : `package ${pkg}`}) that KaTeX cannot render`,
    });
    standIns[m[1]!] = "";
    result = runKatex(prep.tex, display, strict, standIns);
  }
  if (result.error) {
    const { code, position } = classify(result.error.message, prep.tex, result.error.position);
    const offset = position === undefined ? 0 : Math.min(toRaw(prep.edits, position), raw.length);
    found.push({
      offset,
      length: Math.max(1, Math.min(result.error.length, raw.length - offset)),
      code,
      kind: FINDING_CODES[code].kind,
      message: result.error.message,
    });
  }
  for (const w of result.warnings) {
    // `\\` in display math outside an environment: KaTeX's strict mode warns, LaTeX accepts it
    if (w.message.startsWith("newLineInDisplayMode")) continue;
    const offset = w.position === undefined ? 0 : Math.min(toRaw(prep.edits, w.position), raw.length);
    found.push({ offset, length: 1, code: "E_LATEX_STRICT", kind: "strict", message: w.message });
  }
  return found;
}

/** Findings for one segment of a text. */
function validateSegment(
  text: string,
  seg: Segment,
  field: string,
  strict: boolean,
  cache: SegmentCache | false,
  out: Finding[],
): void {
  const raw = text.slice(seg.contentStart, seg.contentEnd);
  const key = `${seg.display ? "D" : "T"}${strict ? "s" : ""}\u0000${raw}`;
  let local: readonly LocalFinding[] | undefined = cache ? cache.get(key) : undefined;
  if (!local) {
    local = checkMath(raw, seg.display, strict);
    if (cache) cache.set(key, local);
  }
  for (const f of local) {
    const offset = seg.contentStart + f.offset;
    out.push({
      field,
      offset,
      length: f.length,
      excerpt: excerpt(text, offset),
      code: f.code,
      kind: f.kind,
      message: f.message,
    });
  }
}

/** Per text: findings plus what was seen, for counts. */
export interface TextReport {
  findings: Finding[];
  segments: number;
  asy: number;
}

/** Commands a text defines (`\\newcommand{\\sq}`, `\\def\\cube`, `\\DeclareMathOperator{\\lcm}`). */
function ownDefinitions(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(
    /\\(?:(?:re)?newcommand|providecommand|DeclareMathOperator\*?|[gex]?def)\s*\{?\s*(\\[A-Za-z]+)/g,
  ))
    out.add(m[1]!);
  return out;
}

/** Validates all math of a text; also counts segments and Asymptote blocks. */
export function checkText(text: string, options: ValidateOptions): TextReport {
  const field = options.field ?? "text";
  const strict = options.strict ?? true;
  const cache = options.cache === undefined ? defaultCache : options.cache;
  const scan = scanText(text, options);
  const findings: Finding[] = scan.problems.map((p) => ({
    field,
    offset: p.offset,
    length: p.length,
    excerpt: excerpt(text, p.offset),
    code: p.code,
    kind: "error",
    message: p.message,
  }));
  if (options.prose ?? options.dollars) {
    for (const p of checkProse(text, scan)) {
      if (p.kind === "strict" && !strict) continue;
      findings.push({
        field,
        offset: p.offset,
        length: p.length,
        excerpt: excerpt(text, p.offset),
        code: p.code,
        kind: p.kind,
        message: p.message,
      });
    }
  }
  const first = findings.length;
  for (const seg of scan.segments) validateSegment(text, seg, field, strict, cache, findings);
  // a command the text defines itself (\newcommand{\sq} in text, used in a later formula) is known
  const own = text.includes("\\") ? ownDefinitions(text) : undefined;
  const kept = own?.size
    ? findings.filter(
        (f, i) =>
          i < first ||
          f.code !== "E_LATEX_UNKNOWN_COMMAND" ||
          !own.has(/^Undefined control sequence: (\\[A-Za-z]+)/.exec(f.message)?.[1] ?? ""),
      )
    : findings;
  kept.sort((a, b) => a.offset - b.offset);
  return { findings: kept, segments: scan.segments.length, asy: scan.asy.length };
}

/** Validates all math of a text with KaTeX. Pure: the same text and options give the same findings. */
export function validateText(text: string, options: ValidateOptions): Finding[] {
  return checkText(text, options).findings;
}

/** The record fields validateRecord reads. */
export interface LatexFields {
  problem?: string;
  solution?: string;
  answer?: string;
  /** With `text`, the answer is prose: only its delimited math is checked, as in the other fields. */
  answerKind?: string;
}

/** True when an answer is itself text with math delimiters in it, not bare math. */
function answerHasDelimiters(answer: string): boolean {
  for (let i = 0; i < answer.length; i++) {
    const c = answer[i];
    if (c === "\\") {
      const d = answer[i + 1];
      if (d === "(" || d === "[") return true;
      i++;
    } else if (c === "$") return true;
  }
  return false;
}

/**
 * Validates a record's answer: bare math (a `\boxed{}` content), validated on its own in inline mode;
 * an answer with its own `$`/`\(` delimiters is scanned as text.
 */
export function checkAnswer(answer: string, options: ValidateOptions): TextReport {
  const opts = { ...options, field: "answer" };
  if (answerHasDelimiters(answer)) return checkText(answer, opts);
  const findings: Finding[] = [];
  const strict = options.strict ?? true;
  const cache = options.cache === undefined ? defaultCache : options.cache;
  if (answer.trim() === "") return { findings, segments: 0, asy: 0 };
  const seg: Segment = {
    start: 0,
    end: answer.length,
    contentStart: 0,
    contentEnd: answer.length,
    delimiter: "boxed",
    display: false,
  };
  validateSegment(answer, seg, "answer", strict, cache, findings);
  return { findings, segments: 1, asy: 0 };
}

/** Validates and counts a record's problem, solution and answer. */
export function checkRecord(record: LatexFields, options: Omit<ValidateOptions, "field">): TextReport {
  const reports: TextReport[] = [];
  if (typeof record.problem === "string") reports.push(checkText(record.problem, { ...options, field: "problem" }));
  if (typeof record.solution === "string") reports.push(checkText(record.solution, { ...options, field: "solution" }));
  if (typeof record.answer === "string") {
    reports.push(
      record.answerKind === "text"
        ? checkText(record.answer, { ...options, field: "answer" })
        : checkAnswer(record.answer, options),
    );
  }
  return {
    findings: reports.flatMap((r) => r.findings),
    segments: reports.reduce((s, r) => s + r.segments, 0),
    asy: reports.reduce((s, r) => s + r.asy, 0),
  };
}

/** Validates the math of a record's problem, solution and answer (the answer as math, unless its answerKind is `text`). */
export function validateRecord(record: LatexFields, options: Omit<ValidateOptions, "field">): Finding[] {
  return checkRecord(record, options).findings;
}
