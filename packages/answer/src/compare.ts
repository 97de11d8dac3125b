import { MathtuneError, isMathtuneError } from "@mathtune/core";
import { fnv1a32, gcd, mulberry32 } from "@mathtune/core/internal";

import { type ParsedNumber, normalizeAnswer, parseNumber, replaceCommandArg } from "./normalize.js";
import { isVariableOrTuple } from "./answer-line.js";
import { fastSym } from "./fast-eval.js";
import { ratEq } from "./rational.js";
import { type Complex, type Sym, Timeout, ensureEngine, evalSym, inEngineScope, parseSym } from "./symbolic.js";

/** Options of `compare` and `equivalent`. */
export interface CompareOptions {
  /**
   * Wall-clock budget for one comparison, in ms (default 200). A comparison that runs out is tried
   * once more with a fresh budget (a pause that is not its own, such as garbage collection or a
   * busy machine, can eat a budget); when that runs out too, the answers count as different. So
   * one call takes at most about twice this.
   */
  timeLimitMs?: number;
  /** Relative tolerance when a decimal is involved (default 1e-6). Integers and fractions compare exactly. */
  relTol?: number;
  /** `25\%` also equals `0.25` (default false: `25\%` equals `25` only). */
  percentAsFraction?: boolean;
  /** The question, for context: `in base 16` makes answers compare as base-16 integers; "all solutions" makes bare lists unordered. */
  question?: string;
  /** Bare comma lists (`1, 2, 3`) compare in any order (default: only when the question asks for all solutions/values). */
  unorderedLists?: boolean;
  /**
   * A decimal with two places or more equals a more precise value that rounds to it (`0.33` and
   * `\\frac13`, `78.54` and `78.5398`) (default true).
   */
  rounding?: boolean;
  /** Random points per symbolic comparison (default 8). */
  points?: number;
}

/** How `compare` decided (or why it could not). */
export type CompareReason =
  | "same-text"
  | "number"
  | "symbolic"
  | "relation"
  | "boolean"
  | "time"
  | "base"
  | "text"
  | "set"
  | "tuple"
  | "interval"
  | "matrix"
  | "kind-mismatch"
  | "unparsable"
  | "timeout"
  | "empty";

/** What `compare` found: the verdict, how it decided, and what it read on each side. */
export interface Comparison {
  /** True only when the answers were found the same; false when different or undecided (see `verdict`). */
  equal: boolean;
  /**
   * `equal`, `different`, or `undecided` when the time limit ran out before a decision: a timeout
   * is never a "different"; count it apart.
   */
  verdict: "equal" | "different" | "undecided";
  /** How the decision was made (or why it failed). */
  reason: CompareReason;
  /** The two answers after normalisation. */
  normalized: [string, string];
  /** The value type each side was read as. */
  kinds: [ValueType, ValueType];
  /** True when the time limit cut the comparison short (then `verdict` is `undecided` and `equal` false). */
  timedOut: boolean;
  elapsedMs: number;
}

/** The kind of value `compare` read an answer as. */
export type ValueType =
  | "empty"
  | "number"
  | "boolean"
  | "time"
  | "interval"
  | "union"
  | "sequence"
  | "matrix"
  | "relation"
  | "expression"
  | "text";

type SeqKind = "set" | "tuple" | "paren" | "list";
type RelOp = "=" | "!=" | "<" | "<=";

type Value =
  | { t: "empty" }
  | { t: "number"; num: ParsedNumber; percent: boolean }
  | { t: "boolean"; v: boolean }
  | { t: "time"; minutes: number }
  | { t: "interval"; lo: string; hi: string; lc: boolean; rc: boolean }
  | { t: "union"; parts: string[] }
  | { t: "sequence"; kind: SeqKind; items: string[] }
  | { t: "matrix"; rows: string[][] }
  | { t: "relation"; op: RelOp; lhs: string; rhs: string; parts?: string[]; ops?: string[] }
  | { t: "expression"; text: string }
  | { t: "text"; text: string };

interface Ctx {
  deadline: number;
  relTol: number;
  rounding: boolean;
  percentAsFraction: boolean;
  unordered: boolean;
  base: number | undefined;
  points: number;
  seed: number;
  /** Letters the question uses as variables that LaTeX would read as constants (`i`, `e`). */
  plainVars: string[];
}

const DEFAULTS = { timeLimitMs: 200, relTol: 1e-6, points: 8 };
/** Normalised answers longer than this are compared as text only. */
const MAX_LENGTH = 1000;
/** Expressions longer than this are not handed to the compute engine (compared as text). */
const MAX_SYMBOLIC_LENGTH = 300;

// ---------------------------------------------------------------- splitting

const OPEN = new Set(["(", "[", "{"]);
const CLOSE = new Set([")", "]", "}"]);

/** Splits at `sep` outside brackets; `\{ \}` and `\langle \rangle` count as brackets. */
export function splitTop(s: string, sep: RegExp): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  const re = new RegExp(sep.source, "y");
  for (let i = 0; i < s.length; ) {
    if (depth === 0) {
      re.lastIndex = i;
      const m = re.exec(s);
      if (m && m[0].length > 0) {
        parts.push(s.slice(start, i));
        i += m[0].length;
        start = i;
        continue;
      }
    }
    const c = s[i]!;
    if (c === "\\") {
      const cmd = /^\\([A-Za-z]+|.)/s.exec(s.slice(i));
      if (cmd?.[1] === "{" || cmd?.[1] === "langle" || cmd?.[1] === "lbrace") depth++;
      else if (cmd?.[1] === "}" || cmd?.[1] === "rangle" || cmd?.[1] === "rbrace") depth--;
      i += cmd ? cmd[0].length : 1;
      continue;
    }
    if (OPEN.has(c)) depth++;
    else if (CLOSE.has(c)) depth--;
    i++;
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim());
}

/** True when the bracket opening at 0 closes at the very end (so `(1)+(2)` is not one group). */
function oneGroup(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "\\") {
      const cmd = /^\\([A-Za-z]+|.)/s.exec(s.slice(i));
      if (cmd?.[1] === "{" || cmd?.[1] === "langle") depth++;
      else if (cmd?.[1] === "}" || cmd?.[1] === "rangle") depth--;
      i += cmd ? cmd[0].length - 1 : 0;
    } else if (OPEN.has(c)) depth++;
    else if (CLOSE.has(c)) depth--;
    if (depth === 0 && i < s.length - 1) return false;
  }
  return depth === 0;
}

// ---------------------------------------------------------------- reading a value

const REL_RE = /\\leq?(?![A-Za-z])|\\geq?(?![A-Za-z])|\\neq?(?![A-Za-z])|\\leqslant|\\geqslant|<=|>=|!=|=|<|>/;
/** A variable, a function of one (`f(x)`), or a segment or point name (`AB`, `CD`). */
const VAR_RE = /^(?:[A-Za-z]|\\[A-Za-z]+)(?:_\{?[A-Za-z0-9]+\}?)?(?:\s*\([A-Za-z]\))?$|^[A-Z]{2,3}$/;

function relOp(raw: string): { op: RelOp; swap: boolean } {
  const r = raw.replace(/\\|slant/g, "");
  if (r === "=") return { op: "=", swap: false };
  if (r === "ne" || r === "neq" || r === "!=") return { op: "!=", swap: false };
  if (r === "<") return { op: "<", swap: false };
  if (r === ">") return { op: "<", swap: true };
  if (r === "le" || r === "leq" || r === "<=") return { op: "<=", swap: false };
  return { op: "<=", swap: true };
}

function unwrapText(s: string): string {
  return replaceCommandArg(
    s,
    /\\(?:text|textbf|textit|textrm|mathrm|mathbf|mbox|textnormal|operatorname)(?![A-Za-z])/,
    (x) => x,
  );
}

function readValue(s: string): Value {
  const t = s.trim();
  if (t === "") return { t: "empty" };
  const plain = unwrapText(t).trim();
  if (/^(true|false|yes|no)$/i.test(plain)) return { t: "boolean", v: /^(true|yes)$/i.test(plain) };
  const time = /^(\d{1,2}):(\d{2})\s*(?:([AaPp])\.?\s*[Mm]\.?)?$/.exec(plain);
  if (time) {
    let h = Number(time[1]);
    const ap = time[3]?.toLowerCase();
    if (ap === "a" && h === 12) h = 0;
    if (ap === "p" && h !== 12) h += 12;
    return { t: "time", minutes: h * 60 + Number(time[2]) };
  }
  const num = parseNumber(t);
  if (num) return { t: "number", num, percent: false };
  const inf = /^([+-]?)\s*\\infty$/.exec(t);
  if (inf)
    return {
      t: "number",
      num: { value: undefined, approx: inf[1] === "-" ? -Infinity : Infinity, decimals: undefined },
      percent: false,
    };
  const mat = /^\\begin\{([pbBvV]?matrix|smallmatrix|array)\}(\{[^}]*\})?([\s\S]*)\\end\{\1\}$/.exec(t);
  if (mat) {
    const rows = splitTop(mat[3]!, /\\\\/)
      .filter((r) => r !== "")
      .map((r) => splitTop(r, /&/));
    return { t: "matrix", rows };
  }
  if (/^\\(?:emptyset|varnothing)$|^\\\{\s*\\\}$|^\{\s*\}$/.test(t)) return { t: "sequence", kind: "set", items: [] };
  const union = splitTop(t, /\\cup(?![A-Za-z])|\s+U\s+/);
  if (union.length > 1) return { t: "union", parts: union };
  const pm = splitTop(t, /\\pm(?![A-Za-z])|\\mp(?![A-Za-z])/);
  if (pm.length === 2) {
    const [a, b] = pm as [string, string];
    const left = a === "" ? "" : `${a}+`;
    const right = a === "" ? "-" : `${a}-`;
    return { t: "sequence", kind: "set", items: [`${left}${b}`.replace(/^\+/, ""), `${right}${b}`] };
  }
  // relations before lists: `x \in (1, 2)`, `a < x \le b`
  const inSet = /^(.+?)\s*\\in(?![A-Za-z])\s*(.+)$/.exec(t);
  if (inSet && VAR_RE.test(inSet[1]!.trim())) return readValue(normalizeAnswer(inSet[2]!).text);
  if (/^\\\{[\s\S]*\\\}$/.test(t) && oneGroup(t)) {
    return { t: "sequence", kind: "set", items: splitTop(t.slice(2, -2), /,|;/).filter((x) => x !== "") };
  }
  if (/^\\langle[\s\S]*\\rangle$/.test(t) && oneGroup(t)) {
    return { t: "sequence", kind: "tuple", items: splitTop(t.slice(7, -7), /,/) };
  }
  const first = t[0];
  const last = t[t.length - 1];
  if ((first === "(" || first === "[") && (last === ")" || last === "]") && oneGroup(t)) {
    const items = splitTop(t.slice(1, -1), /,/);
    if (items.length === 1) return readValue(items[0]!);
    if (items.length === 2 && !(first === "(" && last === ")")) {
      return { t: "interval", lo: items[0]!, hi: items[1]!, lc: first === "[", rc: last === "]" };
    }
    if (first === "(" && last === ")") return { t: "sequence", kind: "paren", items };
    if (first === "[" && last === "]") return { t: "sequence", kind: "tuple", items };
  }
  const list = splitTop(t, /,|;/);
  if (list.length > 1) return { t: "sequence", kind: "list", items: list.filter((x) => x !== "") };
  const rel = splitTop(t, REL_RE);
  if (rel.length > 1) {
    const ops: string[] = [];
    const re = new RegExp(REL_RE.source, "g");
    // collect the operators at top level, in order, by re-scanning the joins
    let pos = 0;
    for (let k = 0; k < rel.length - 1; k++) {
      const at = t.indexOf(rel[k]!, pos) + rel[k]!.length;
      re.lastIndex = at;
      const m = re.exec(t);
      ops.push(m ? m[0] : "=");
      pos = m ? m.index + m[0].length : at;
    }
    if (rel.length === 2) {
      const { op, swap } = relOp(ops[0]!);
      const [l, r] = rel as [string, string];
      return swap ? { t: "relation", op, lhs: r, rhs: l } : { t: "relation", op, lhs: l, rhs: r };
    }
    return { t: "relation", op: "=", lhs: rel[0]!, rhs: rel[rel.length - 1]!, parts: rel, ops };
  }
  if (/^[A-Za-z][A-Za-z ]*[A-Za-z]$/.test(plain) && /[A-Za-z]{2,}/.test(plain) && /\s|^[A-Z]?[a-z]{3,}$/.test(plain)) {
    return { t: "text", text: plain };
  }
  // a code such as `AZYUK2A` or `QX0A` (digits between letters) is a word, not a product
  if (
    /^[A-Za-z0-9]+$/.test(plain) &&
    (/[A-Za-z]\d+[A-Za-z]/.test(plain) || (/[A-Za-z]\d/.test(plain) && /[A-Za-z].*[A-Za-z]/.test(plain)))
  ) {
    return { t: "text", text: plain };
  }
  return { t: "expression", text: t };
}

/** A chain `a < x \le b` or `x > a` as an interval over its one variable, when it is one. */
function relationToInterval(v: Value & { t: "relation" }): (Value & { t: "interval" }) | undefined {
  if (v.parts && v.ops && v.parts.length === 3 && VAR_RE.test(v.parts[1]!)) {
    const a = relOp(v.ops[0]!);
    const b = relOp(v.ops[1]!);
    if (a.op === "=" || a.op === "!=" || b.op === "=" || b.op === "!=" || a.swap !== b.swap) return undefined;
    const [lo, hi] = a.swap ? [v.parts[2]!, v.parts[0]!] : [v.parts[0]!, v.parts[2]!];
    const [lop, hop] = a.swap ? [b, a] : [a, b];
    return { t: "interval", lo, hi, lc: lop.op === "<=", rc: hop.op === "<=" };
  }
  if (v.parts || (v.op !== "<" && v.op !== "<=")) return undefined;
  if (VAR_RE.test(v.lhs.trim())) return { t: "interval", lo: "-\\infty", hi: v.rhs, lc: false, rc: v.op === "<=" };
  if (VAR_RE.test(v.rhs.trim())) return { t: "interval", lo: v.lhs, hi: "\\infty", lc: v.op === "<=", rc: false };
  return undefined;
}

// ---------------------------------------------------------------- numbers

function roundTo(x: number, d: number): number {
  const p = 10 ** d;
  return Math.round(x * p) / p;
}

interface Approx {
  exact?: ParsedNumber["value"];
  x: number;
  decimals: number | undefined;
  /** Came from an exact form (integer, fraction, symbolic constant), not a decimal literal. */
  symbolic: boolean;
}

function closeNumbers(a: Approx, b: Approx, ctx: Ctx): boolean {
  if (a.exact && b.exact) {
    if (ratEq(a.exact, b.exact)) return true;
    if (a.decimals === undefined && b.decimals === undefined) return false;
  }
  const { x, y } = { x: a.x, y: b.x };
  if (!Number.isFinite(x) || !Number.isFinite(y)) return x === y;
  const scale = Math.max(Math.abs(x), Math.abs(y));
  const decimalInvolved = a.decimals !== undefined || b.decimals !== undefined;
  const tol = decimalInvolved ? ctx.relTol : 1e-9;
  if (Math.abs(x - y) <= tol * scale + (decimalInvolved ? 0 : 1e-12)) return true;
  // A decimal rounded from an exact value: `0.33` for 1/3, `2.83` for 2\sqrt2 (two places or more).
  const rounded = (lit: Approx, other: Approx): boolean =>
    lit.decimals !== undefined &&
    lit.decimals >= 2 &&
    (other.decimals === undefined || other.decimals > lit.decimals) &&
    Math.abs(roundTo(other.x, lit.decimals) - lit.x) <
      0.5 * 10 ** -lit.decimals * 1e-3 + Number.EPSILON * Math.abs(lit.x) * 4;
  return ctx.rounding && (rounded(a, b) || rounded(b, a));
}

function numberApprox(v: Value & { t: "number" }): Approx {
  return {
    ...(v.num.value ? { exact: v.num.value } : {}),
    x: v.num.approx,
    decimals: v.num.decimals,
    symbolic: v.num.decimals === undefined,
  };
}

function percentVariants(v: Value & { t: "number" }, ctx: Ctx): Approx[] {
  const base = numberApprox(v);
  if (!v.percent || !ctx.percentAsFraction) return [base];
  const frac: Approx = {
    ...(v.num.value ? { exact: { n: v.num.value.n, d: v.num.value.d * 100n } } : {}),
    x: v.num.approx / 100,
    decimals: v.num.decimals === undefined ? undefined : v.num.decimals + 2,
    symbolic: base.symbolic,
  };
  if (frac.exact) {
    const g = gcd(frac.exact.n, frac.exact.d) || 1n;
    frac.exact = { n: frac.exact.n / g, d: frac.exact.d / g };
  }
  return [base, frac];
}

// ---------------------------------------------------------------- symbolic

const symCache = new Map<string, Sym | null>();
function sym(input: string, ctx: Ctx): Sym | undefined {
  // The engine's parse and compile are not interruptible inside one call; keep each call small.
  if (input.length > MAX_SYMBOLIC_LENGTH) return undefined;
  let text = input;
  // `i` and `e` name variables when the question uses them so (DeepMind: "Differentiate 3*i**2 wrt i").
  for (const v of ctx.plainVars)
    text = text.replace(new RegExp(String.raw`(?<![A-Za-z\\])${v}(?![A-Za-z])`, "g"), `\\mathrm{${v}${v}}`);
  const hit = symCache.get(text);
  if (hit !== undefined) return hit ?? undefined;
  const s = parseSym(text, ctx.deadline);
  if (symCache.size > 2000) symCache.clear();
  symCache.set(text, s ?? null);
  return s;
}

function closeComplex(a: Complex, b: Complex, tol: number): boolean {
  const scale = Math.max(1, Math.abs(a.re), Math.abs(b.re), Math.abs(a.im), Math.abs(b.im));
  return Math.abs(a.re - b.re) <= tol * scale && Math.abs(a.im - b.im) <= tol * scale;
}

const valid = (c: Complex | undefined): c is Complex => !!c && Number.isFinite(c.re) && Number.isFinite(c.im);

/** Random points for the union of the free variables; some negative, some positive, none near 0. */
function* samplePoints(vars: string[], ctx: Ctx): Generator<Record<string, number>> {
  const rnd = mulberry32(ctx.seed);
  for (let k = 0; k < ctx.points * 3; k++) {
    const p: Record<string, number> = {};
    for (const v of vars) {
      const mag = 0.2 + rnd() * 2.8;
      p[v] = k % 3 === 2 ? -mag : mag;
    }
    yield p;
  }
}

/** Symbolic equality of two expressions by evaluation: constants directly, otherwise at random points. */
/**
 * The same decision as the CAS path below, by the fast evaluator (fast-eval.ts) when both sides
 * are in its subset; undefined when either is not, or too few points have real values.
 */
function fastEqual(
  a: string,
  b: string,
  ctx: Ctx,
  decimals: [number | undefined, number | undefined],
): boolean | undefined {
  if (ctx.plainVars.length) return undefined;
  const fa = fastSym(a);
  const fb = fa && fastSym(b);
  if (!fa || !fb) return undefined;
  const vars = [...new Set([...fa.vars, ...fb.vars])].sort();
  if (vars.length === 0) {
    const x = fa.run({});
    const y = fb.run({});
    if (!Number.isFinite(x) || !Number.isFinite(y)) return undefined;
    return closeNumbers(
      { x, decimals: decimals[0], symbolic: true },
      { x: y, decimals: decimals[1], symbolic: true },
      ctx,
    );
  }
  let good = 0;
  for (const p of samplePoints(vars, ctx)) {
    const x = fa.run(p);
    const y = fb.run(p);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (!closeComplex({ re: x, im: 0 }, { re: y, im: 0 }, 1e-8)) return false;
    if (++good >= ctx.points) break;
  }
  return good >= 3 ? true : undefined;
}

function symbolicEqual(
  a: string | Sym,
  b: string | Sym,
  ctx: Ctx,
  decimals: [number | undefined, number | undefined] = [undefined, undefined],
): boolean | undefined {
  if (typeof a === "string" && typeof b === "string") {
    const fast = fastEqual(a, b, ctx, decimals);
    if (fast !== undefined) return fast;
  }
  const sa = typeof a === "string" ? sym(a, ctx) : a;
  const sb = typeof b === "string" ? sym(b, ctx) : b;
  if (!sa || !sb) return undefined;
  const vars = [...new Set([...sa.vars, ...sb.vars])].sort();
  if (vars.length === 0) {
    const va = evalSym(sa, {}, ctx.deadline);
    const vb = evalSym(sb, {}, ctx.deadline);
    if (!va || !vb) return undefined;
    if (Number.isNaN(va.re) || Number.isNaN(vb.re)) return undefined;
    // `2^{4950}` and `2^{4951}` both overflow to Infinity: no decision by value
    if (!Number.isFinite(va.re) || !Number.isFinite(vb.re) || !Number.isFinite(va.im) || !Number.isFinite(vb.im))
      return undefined;
    if (va.im === 0 && vb.im === 0) {
      return closeNumbers(
        { x: va.re, decimals: decimals[0], symbolic: true },
        { x: vb.re, decimals: decimals[1], symbolic: true },
        ctx,
      );
    }
    return closeComplex(va, vb, decimals[0] !== undefined || decimals[1] !== undefined ? ctx.relTol : 1e-9);
  }
  let good = 0;
  for (const p of samplePoints(vars, ctx)) {
    const va = evalSym(sa, p, ctx.deadline);
    const vb = evalSym(sb, p, ctx.deadline);
    if (!valid(va) || !valid(vb)) continue;
    if (!closeComplex(va, vb, 1e-8)) return false;
    if (++good >= ctx.points) break;
  }
  return good >= 3 ? true : undefined;
}

/** Two relations `f1 op 0` and `f2 op 0` are the same when f1 = k f2 (k != 0 for =, != ; k > 0 for < and <=). */
function relationEqual(a: Value & { t: "relation" }, b: Value & { t: "relation" }, ctx: Ctx): boolean | undefined {
  if (a.op !== b.op) return false;
  // `x < 26` and `x > 26`: a bound on one variable each, compared as intervals (no CAS needed)
  if (a.op === "<" || a.op === "<=") {
    const ia = relationToInterval(a);
    const ib = relationToInterval(b);
    if (ia && ib) return decide(ia, ib, ctx).equal;
  }
  if (a.parts || b.parts) {
    if (!a.parts || !b.parts || a.parts.length !== b.parts.length) return false;
    return (
      a.parts.every((p, i) => equalStrings(p, b.parts![i]!, ctx)) &&
      a.ops!.every((o, i) => relOp(o).op === relOp(b.ops![i]!).op && relOp(o).swap === relOp(b.ops![i]!).swap)
    );
  }
  if (equalStrings(a.lhs, b.lhs, ctx) && equalStrings(a.rhs, b.rhs, ctx)) return true;
  if ((a.op === "=" || a.op === "!=") && equalStrings(a.lhs, b.rhs, ctx) && equalStrings(a.rhs, b.lhs, ctx))
    return true;
  const ta = `(${a.lhs})-(${a.rhs})`;
  const tb = `(${b.lhs})-(${b.rhs})`;
  // the fast evaluator when both sides are in its subset, else the compute engine
  const qa = ctx.plainVars.length ? undefined : fastSym(ta);
  const qb = qa && fastSym(tb);
  const fast = qa && qb ? ([qa, qb] as const) : undefined;
  const fa = fast ? undefined : sym(ta, ctx);
  const fb = fast ? undefined : sym(tb, ctx);
  if (!fast && (!fa || !fb)) return undefined;
  const at = (side: 0 | 1, p: Record<string, number>): Complex | undefined =>
    fast ? { re: fast[side].run(p), im: 0 } : evalSym((side ? fb : fa)!, p, ctx.deadline);
  const vars = [...new Set(fast ? [...fast[0].vars, ...fast[1].vars] : [...fa!.vars, ...fb!.vars])].sort();
  if (vars.length === 0) return undefined;
  let k: number | undefined;
  let good = 0;
  for (const p of samplePoints(vars, ctx)) {
    const va = at(0, p);
    const vb = at(1, p);
    if (!valid(va) || !valid(vb) || va.im !== 0 || vb.im !== 0) continue;
    const small = 1e-9 * Math.max(1, Math.abs(va.re), Math.abs(vb.re));
    if (Math.abs(vb.re) <= small || Math.abs(va.re) <= small) {
      if (Math.abs(vb.re) <= small && Math.abs(va.re) <= small) {
        good++;
        continue;
      }
      return false;
    }
    const r = va.re / vb.re;
    if (k === undefined) k = r;
    else if (Math.abs(r - k) > 1e-8 * Math.max(1, Math.abs(k))) return false;
    if (++good >= ctx.points) break;
  }
  if (good < 3 || k === undefined) return undefined;
  return a.op === "=" || a.op === "!=" ? k !== 0 : k > 0;
}

// ---------------------------------------------------------------- structure

function textKey(s: string): string {
  let t = unwrapText(s).toLowerCase().replace(/\s+/g, "");
  const choice = /^\(?([a-e])\)?$/.exec(t);
  if (choice) t = choice[1]!;
  return t.replace(/[.。]$/, "");
}

function sequencesEqual(ka: SeqKind, a: string[], kb: SeqKind, b: string[], ctx: Ctx): boolean {
  if (a.length !== b.length) return false;
  const isSet = (k: SeqKind) => k === "set";
  if ((isSet(ka) && (kb === "tuple" || kb === "paren")) || (isSet(kb) && (ka === "tuple" || ka === "paren")))
    return false;
  const unordered = isSet(ka) || isSet(kb) || (ka === "list" && kb === "list" && ctx.unordered);
  if (!unordered) return a.every((x, i) => equalStrings(x, b[i]!, ctx));
  const used = new Array<boolean>(b.length).fill(false);
  for (const x of a) {
    let found = false;
    for (let j = 0; j < b.length; j++) {
      if (!used[j] && equalStrings(x, b[j]!, ctx)) {
        used[j] = true;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

/** The elements of a finite set, or of a union of finite sets; undefined for anything else. */
function flattenSets(v: Value): string[] | undefined {
  if (v.t === "sequence" && v.kind === "set") return v.items;
  if (v.t !== "union") return undefined;
  const out: string[] = [];
  for (const p of v.parts) {
    const pv = readValue(normalizeAnswer(p).text);
    if (pv.t !== "sequence" || pv.kind !== "set") return undefined;
    out.push(...pv.items);
  }
  return out;
}

/** Set equality that ignores repeated elements. */
function sameSet(a: string[], b: string[], ctx: Ctx): boolean {
  const covers = (xs: string[], ys: string[]) => xs.every((x) => ys.some((y) => equalStrings(x, y, ctx)));
  return covers(a, b) && covers(b, a);
}

interface Decision {
  equal: boolean;
  reason: CompareReason;
}

function isSimpleVarEquation(v: Value): v is Value & { t: "relation" } {
  return v.t === "relation" && v.op === "=" && !v.parts && (VAR_RE.test(v.lhs.trim()) || isVariableOrTuple(v.lhs));
}

function decide(va: Value, vb: Value, ctx: Ctx): Decision {
  if (performance.now() > ctx.deadline) throw new Timeout("time limit reached");
  // `x = 5` against `5`
  if (isSimpleVarEquation(va) && vb.t !== "relation") return decide(readValue(va.rhs), vb, ctx);
  if (isSimpleVarEquation(vb) && va.t !== "relation") return decide(va, readValue(vb.rhs), ctx);
  const intervalLike = (v: Value) =>
    v.t === "interval" || v.t === "union" || (v.t === "sequence" && v.kind === "paren" && v.items.length === 2);
  if (va.t === "relation" && intervalLike(vb)) {
    const iv = relationToInterval(va);
    if (iv) return decide(iv, vb, ctx);
  }
  if (vb.t === "relation" && intervalLike(va)) {
    const iv = relationToInterval(vb);
    if (iv) return decide(va, iv, ctx);
  }
  if (va.t === "empty" || vb.t === "empty") return { equal: false, reason: "empty" };
  // a set of one element and that element: `\{-3\}` and `-3`
  const single = (v: Value) => v.t === "sequence" && v.kind === "set" && v.items.length === 1;
  const scalar = (v: Value) => v.t === "number" || v.t === "expression";
  if (single(va) && scalar(vb))
    return decide(readValue(normalizeAnswer((va as Value & { t: "sequence" }).items[0]!).text), vb, ctx);
  if (single(vb) && scalar(va))
    return decide(va, readValue(normalizeAnswer((vb as Value & { t: "sequence" }).items[0]!).text), ctx);
  if (va.t === "number" && vb.t === "number") {
    const as = percentVariants(va, ctx);
    const bs = percentVariants(vb, ctx);
    return { equal: as.some((x) => bs.some((y) => closeNumbers(x, y, ctx))), reason: "number" };
  }
  if ((va.t === "number" || va.t === "expression") && (vb.t === "number" || vb.t === "expression")) {
    const ta = va.t === "number" ? numberText(va) : va.text;
    const tb = vb.t === "number" ? numberText(vb) : vb.text;
    const r = symbolicEqual(ta, tb, ctx, [
      va.t === "number" ? va.num.decimals : undefined,
      vb.t === "number" ? vb.num.decimals : undefined,
    ]);
    if (r !== undefined) return { equal: r, reason: "symbolic" };
    return { equal: textKey(ta) === textKey(tb), reason: "unparsable" };
  }
  if (va.t === "boolean" && vb.t === "boolean") return { equal: va.v === vb.v, reason: "boolean" };
  if (va.t === "time" && vb.t === "time") return { equal: va.minutes === vb.minutes, reason: "time" };
  if (va.t === "interval" && vb.t === "interval") {
    return {
      equal: va.lc === vb.lc && va.rc === vb.rc && equalStrings(va.lo, vb.lo, ctx) && equalStrings(va.hi, vb.hi, ctx),
      reason: "interval",
    };
  }
  if (va.t === "interval" && vb.t === "sequence" && vb.kind === "paren" && vb.items.length === 2) {
    return {
      equal: !va.lc && !va.rc && equalStrings(va.lo, vb.items[0]!, ctx) && equalStrings(va.hi, vb.items[1]!, ctx),
      reason: "interval",
    };
  }
  if (vb.t === "interval" && va.t === "sequence") return decide(vb, va, ctx);
  // a union of finite sets is one set: `\{1,3\} \cup \{2,4\}` = `\{1,2,3,4\}`
  if (va.t === "union" || vb.t === "union") {
    const fa = flattenSets(va);
    const fb = flattenSets(vb);
    if (fa && fb) return { equal: sameSet(fa, fb, ctx), reason: "set" };
  }
  if (va.t === "union" || vb.t === "union") {
    const pa = va.t === "union" ? va.parts : undefined;
    const pb = vb.t === "union" ? vb.parts : undefined;
    if (!pa || !pb) return { equal: false, reason: "kind-mismatch" };
    return { equal: sequencesEqual("set", pa, "set", pb, ctx), reason: "set" };
  }
  if (va.t === "sequence" && vb.t === "sequence") {
    return {
      equal: sequencesEqual(va.kind, va.items, vb.kind, vb.items, ctx),
      reason: va.kind === "set" || vb.kind === "set" ? "set" : "tuple",
    };
  }
  if (va.t === "matrix" && vb.t === "matrix") {
    const same =
      va.rows.length === vb.rows.length &&
      va.rows.every(
        (r, i) => r.length === vb.rows[i]!.length && r.every((c, j) => equalStrings(c, vb.rows[i]![j]!, ctx)),
      );
    return { equal: same, reason: "matrix" };
  }
  if ((va.t === "matrix" && vb.t === "sequence") || (vb.t === "matrix" && va.t === "sequence")) {
    const m = (va.t === "matrix" ? va : vb) as Value & { t: "matrix" };
    const q = (va.t === "sequence" ? va : vb) as Value & { t: "sequence" };
    const flat =
      m.rows.length === 1 ? m.rows[0]! : m.rows.every((r) => r.length === 1) ? m.rows.map((r) => r[0]!) : undefined;
    if (!flat || q.kind === "set") return { equal: false, reason: "matrix" };
    return { equal: sequencesEqual("tuple", flat, "tuple", q.items, ctx), reason: "matrix" };
  }
  if (va.t === "relation" && vb.t === "relation") {
    const r = relationEqual(va, vb, ctx);
    return { equal: r ?? false, reason: r === undefined ? "unparsable" : "relation" };
  }
  if (va.t === "text" || vb.t === "text") {
    const ta = va.t === "text" || va.t === "expression" ? va.text : undefined;
    const tb = vb.t === "text" || vb.t === "expression" ? vb.text : undefined;
    if (ta !== undefined && tb !== undefined) return { equal: textKey(ta) === textKey(tb), reason: "text" };
  }
  return { equal: false, reason: "kind-mismatch" };
}

function numberText(v: Value & { t: "number" }): string {
  const r = v.num.value;
  if (r) return r.d === 1n ? r.n.toString() : `\\frac{${r.n}}{${r.d}}`;
  if (!Number.isFinite(v.num.approx)) return v.num.approx > 0 ? "\\infty" : "-\\infty";
  return String(v.num.approx);
}

/** Compares two answer fragments (items of a list, ends of an interval) inside one comparison. */
function equalStrings(a: string, b: string, ctx: Ctx): boolean {
  const na = normalizeAnswer(a);
  const nb = normalizeAnswer(b);
  if (na.text === nb.text && na.percent === nb.percent) return true;
  const va = withPercent(readValue(na.text), na.percent);
  const vb = withPercent(readValue(nb.text), nb.percent);
  return decide(va, vb, ctx).equal;
}

function withPercent(v: Value, percent: boolean): Value {
  return v.t === "number" && percent ? { ...v, percent: true } : v;
}

// ---------------------------------------------------------------- bases

function baseFromQuestion(question: string | undefined): number | undefined {
  if (!question) return undefined;
  let base: number | undefined;
  for (const m of question.matchAll(/(?<!\()\b(?:in|to|into)\s+base[\s-]*(\d{1,2})\b/gi)) base = Number(m[1]);
  return base !== undefined && base >= 2 && base <= 36 ? base : undefined;
}

function parseInBase(s: string, base: number): bigint | undefined {
  const t = s
    .trim()
    .replace(/_\{?\d+\}?$|\s*\(base\s*\d+\)$/i, "")
    .replace(/^0x/i, "");
  const m = /^([+-]?)([0-9a-zA-Z]+)$/.exec(t);
  if (!m) return undefined;
  let v = 0n;
  for (const ch of m[2]!.toLowerCase()) {
    const d = Number.parseInt(ch, 36);
    if (!(d < base)) return undefined;
    v = v * BigInt(base) + BigInt(d);
  }
  return m[1] === "-" ? -v : v;
}

// ---------------------------------------------------------------- public API

function makeCtx(a: string, b: string, options: CompareOptions): Ctx {
  const timeLimitMs = options.timeLimitMs ?? DEFAULTS.timeLimitMs;
  if (!(timeLimitMs > 0))
    throw new MathtuneError("E_OPTIONS_INVALID", `timeLimitMs must be a positive number (got ${timeLimitMs})`);
  const relTol = options.relTol ?? DEFAULTS.relTol;
  if (!(relTol >= 0 && relTol < 1))
    throw new MathtuneError("E_OPTIONS_INVALID", `relTol must be in [0, 1) (got ${relTol})`);
  const points = options.points ?? DEFAULTS.points;
  if (!Number.isInteger(points) || points < 3 || points > 1000)
    throw new MathtuneError("E_OPTIONS_INVALID", `points must be an integer from 3 to 1000 (got ${points})`);
  const q = options.question ?? "";
  return {
    deadline: performance.now() + timeLimitMs,
    relTol,
    rounding: options.rounding ?? true,
    percentAsFraction: options.percentAsFraction ?? false,
    unordered:
      options.unorderedLists ??
      /\b(all (the )?(possible |real |integer |complex )*(solutions|values|roots|zeros|answers|numbers|integers)|separated by commas)\b/i.test(
        q,
      ),
    base: baseFromQuestion(options.question),
    points,
    seed: fnv1a32(`${a}\u0000${b}`),
    plainVars: ["i", "e"].filter((v) =>
      new RegExp(String.raw`(?<![A-Za-z\\'’])${v}(?:(?![A-Za-z'’])|(?=['’]th))`).test(q),
    ),
  };
}

const KIND: Record<Value["t"], ValueType> = {
  empty: "empty",
  number: "number",
  boolean: "boolean",
  time: "time",
  interval: "interval",
  union: "union",
  sequence: "sequence",
  matrix: "matrix",
  relation: "relation",
  expression: "expression",
  text: "text",
};

/**
 * Compares two answers and says how: numbers (exact for integers and fractions, a relative
 * tolerance for decimals), LaTeX structures (sets, tuples, intervals, matrices), relations, and
 * expressions by numeric evaluation at random points through the compute engine, all within
 * `timeLimitMs`. Throws E_OPTIONS_INVALID for bad options; never throws for odd answers.
 */
export function compare(a: string, b: string, options: CompareOptions = {}): Comparison {
  ensureEngine();
  const start = performance.now();
  let ctx = makeCtx(a, b, options);
  const na = normalizeAnswer(String(a).slice(0, MAX_LENGTH * 4));
  const nb = normalizeAnswer(String(b).slice(0, MAX_LENGTH * 4));
  let kinds: [ValueType, ValueType] = ["text", "text"];
  const done = (d: Decision, timedOut = false): Comparison => ({
    equal: d.equal,
    verdict: timedOut ? "undecided" : d.equal ? "equal" : "different",
    reason: d.reason,
    normalized: [na.text, nb.text],
    kinds,
    timedOut,
    elapsedMs: performance.now() - start,
  });
  if (na.text === nb.text && na.percent === nb.percent) {
    kinds = na.text === "" ? ["empty", "empty"] : [KIND[readValue(na.text).t], KIND[readValue(nb.text).t]];
    return done({ equal: na.text !== "", reason: na.text === "" ? "empty" : "same-text" });
  }
  if (na.text.length > MAX_LENGTH || nb.text.length > MAX_LENGTH) {
    // too long to be an answer: compared as text only, so that no reading can run long
    return done({ equal: textKey(na.text) === textKey(nb.text), reason: "text" });
  }
  for (let attempt = 1; ; attempt++) {
    try {
      if (ctx.base !== undefined) {
        const x = parseInBase(na.text, ctx.base);
        const y = parseInBase(nb.text, ctx.base);
        if (x !== undefined && y !== undefined) {
          kinds = ["number", "number"];
          return done({ equal: x === y, reason: "base" });
        }
      }
      const va = withPercent(readValue(na.text), na.percent);
      const vb = withPercent(readValue(nb.text), nb.percent);
      kinds = [KIND[va.t], KIND[vb.t]];
      const c = ctx;
      return done(inEngineScope(() => decide(va, vb, c)));
    } catch (e) {
      if (isMathtuneError(e, "E_DEPENDENCY_MISSING")) throw e;
      if (!(e instanceof Timeout)) {
        throw new MathtuneError(
          "E_INTERNAL",
          `comparing ${JSON.stringify(a)} with ${JSON.stringify(b)} failed: ${(e as Error)?.message}`,
          { cause: e },
        );
      }
      // One retry with a fresh budget: on a busy machine a pause that is not ours (GC, another
      // process) can eat the budget of a comparison that normally takes a millisecond.
      if (attempt >= 2) return done({ equal: false, reason: "timeout" }, true);
      ctx = makeCtx(a, b, options);
    }
  }
}

/** True when the two answers are the same (see `compare`). */
export function equivalent(a: string, b: string, options?: CompareOptions): boolean {
  return compare(a, b, options).equal;
}
