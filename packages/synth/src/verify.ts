/**
 * Independent checking of generated records: exact rational arithmetic on BigInt, reading the
 * expressions back from text (the problem's LaTeX, the record's check expression, the solution's
 * equalities). Nothing here calls the generator.
 */
import type { MathRecord } from "@mathtune/core";

function bgcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * An exact fraction of BigInts with a positive denominator. Reduction is lazy (only for `toString`,
 * `reduce` and square roots); equality and order compare cross products, so they never depend on it.
 */
export class Frac {
  readonly n: bigint;
  readonly d: bigint;
  constructor(n: bigint, d: bigint = 1n) {
    if (d === 0n) throw new Error("division by zero");
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    this.n = n;
    this.d = d;
  }
  static parse(text: string): Frac {
    const t = text.trim();
    // Fast path for the plain decimals that tokens are: digits with at most one inner point.
    const dot = t.indexOf(".");
    if (t.length && !t.includes("/") && !t.includes("-") && /^\d+(?:\.\d+)?$/.test(t)) {
      return dot < 0
        ? new Frac(BigInt(t))
        : new Frac(BigInt(t.slice(0, dot) + t.slice(dot + 1)), 10n ** BigInt(t.length - dot - 1));
    }
    if (/^-?\d+$/.test(t)) return new Frac(BigInt(t));
    let m = /^(-?)(\d+)\/(\d+)$/.exec(t);
    if (m) return new Frac(BigInt(m[1] + m[2]!), BigInt(m[3]!));
    m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(t);
    if (!m) throw new Error(`not a number: ${JSON.stringify(text)}`);
    const frac = m[3] ?? "";
    return new Frac(BigInt(m[1] + m[2]! + frac), 10n ** BigInt(frac.length));
  }
  /** The same value in lowest terms. */
  reduce(): Frac {
    if (this.d === 1n) return this;
    const g = bgcd(this.n, this.d) || 1n;
    return g === 1n ? this : new Frac(this.n / g, this.d / g);
  }
  add(o: Frac): Frac {
    return new Frac(this.n * o.d + o.n * this.d, this.d * o.d);
  }
  sub(o: Frac): Frac {
    return new Frac(this.n * o.d - o.n * this.d, this.d * o.d);
  }
  mul(o: Frac): Frac {
    return new Frac(this.n * o.n, this.d * o.d);
  }
  div(o: Frac): Frac {
    return new Frac(this.n * o.d, this.d * o.n);
  }
  pow(k: number): Frac {
    let r = new Frac(1n);
    for (let i = 0; i < Math.abs(k); i++) r = r.mul(this);
    return k < 0 ? new Frac(1n).div(r) : r;
  }
  eq(o: Frac): boolean {
    return this.n * o.d === o.n * this.d;
  }
  cmp(o: Frac): number {
    const x = this.n * o.d - o.n * this.d;
    return x < 0n ? -1 : x > 0n ? 1 : 0;
  }
  abs(): Frac {
    return this.n < 0n ? new Frac(-this.n, this.d) : this;
  }
  /** Rounds half away from zero to `dp` decimal places. */
  round(dp: number): Frac {
    const scale = 10n ** BigInt(dp);
    const neg = this.n < 0n;
    const num = (neg ? -this.n : this.n) * scale * 2n + this.d;
    const q = num / (2n * this.d);
    return new Frac(neg ? -q : q, scale);
  }
  toString(): string {
    const r = this.reduce();
    return r.d === 1n ? String(r.n) : `${r.n}/${r.d}`;
  }
}

/** pi to 50 decimal places: far beyond any rounding the generator states. */
const PI = Frac.parse("3.14159265358979323846264338327950288419716939937510");

type Tok = { t: "num"; v: string } | { t: "id"; v: string } | { t: "op"; v: string };

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10) {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c)) {
      while (i < src.length && isDigit(src.charCodeAt(i))) i++;
      if (src[i] === "." && isDigit(src.charCodeAt(i + 1))) {
        i++;
        while (i < src.length && isDigit(src.charCodeAt(i))) i++;
      }
      out.push({ t: "num", v: src.slice(start, i) });
    } else if (isAlpha(c)) {
      while (i < src.length && isAlpha(src.charCodeAt(i))) i++;
      out.push({ t: "id", v: src.slice(start, i) });
    } else if ("+-*/^()%".includes(src[i]!)) {
      out.push({ t: "op", v: src[i]! });
      i++;
    } else throw new Error(`cannot read ${JSON.stringify(src.slice(i, i + 12))} in ${JSON.stringify(src)}`);
  }
  return out;
}

/** Evaluates an ASCII expression (`+ - * / ^ ( ) %`, `pi`, exact `sqrt(...)`, implicit products like `3x`, `2(x+1)`). */
export function evaluate(src: string, vars: Record<string, Frac> = {}): Frac {
  const toks = tokenize(src);
  let p = 0;
  const peek = (): Tok | undefined => toks[p];
  const isOp = (v: string): boolean => peek()?.t === "op" && peek()!.v === v;
  const expr = (): Frac => {
    let v = term();
    while (isOp("+") || isOp("-")) {
      const op = toks[p++]!.v;
      const r = term();
      v = op === "+" ? v.add(r) : v.sub(r);
    }
    return v;
  };
  const term = (): Frac => {
    let v = unary();
    for (;;) {
      if (isOp("*") || isOp("/")) {
        const op = toks[p++]!.v;
        const r = unary();
        v = op === "*" ? v.mul(r) : v.div(r);
      } else if (isOp("(") || peek()?.t === "id" || (peek()?.t === "num" && toks[p - 1]?.t !== "num")) {
        v = v.mul(power());
      } else return v;
    }
  };
  const unary = (): Frac => {
    if (isOp("-")) {
      p++;
      return new Frac(0n).sub(unary());
    }
    if (isOp("+")) {
      p++;
      return unary();
    }
    return power();
  };
  const power = (): Frac => {
    let v = postfix();
    if (isOp("^")) {
      p++;
      const e = unary().reduce();
      if (e.d !== 1n) throw new Error("non-integer exponent");
      v = v.pow(Number(e.n));
    }
    return v;
  };
  const postfix = (): Frac => {
    let v = primary();
    while (isOp("%")) {
      p++;
      v = v.div(new Frac(100n));
    }
    return v;
  };
  const primary = (): Frac => {
    const t = toks[p++];
    if (!t) throw new Error(`unexpected end of ${JSON.stringify(src)}`);
    if (t.t === "num") return Frac.parse(t.v);
    if (t.t === "id") {
      if (t.v === "pi") return PI;
      if (t.v === "sqrt") {
        if (!isOp("(")) throw new Error("sqrt needs brackets");
        return exactSqrt(primary());
      }
      const v = vars[t.v];
      if (!v) throw new Error(`unknown name ${t.v} in ${JSON.stringify(src)}`);
      return v;
    }
    if (t.v === "(") {
      const v = expr();
      if (!isOp(")")) throw new Error(`missing ) in ${JSON.stringify(src)}`);
      p++;
      return v;
    }
    throw new Error(`unexpected ${t.v} in ${JSON.stringify(src)}`);
  };
  const v = expr();
  if (p !== toks.length) throw new Error(`trailing input in ${JSON.stringify(src)}`);
  return v;
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}

/** The square root of a fraction whose numerator and denominator are perfect squares; otherwise an error. */
function exactSqrt(v: Frac): Frac {
  v = v.reduce();
  if (v.n < 0n) throw new Error("sqrt of a negative number");
  const a = isqrt(v.n);
  const b = isqrt(v.d);
  if (a * a !== v.n || b * b !== v.d) throw new Error(`sqrt(${v}) is not exact`);
  return new Frac(a, b);
}

/** Names (other than pi and functions) used by an ASCII expression. */
function namesIn(src: string): string[] {
  return (src.match(/[A-Za-z]+/g) ?? []).filter((n) => n !== "pi" && n !== "sqrt");
}

function expandFrac(s: string): string {
  for (;;) {
    const i = s.search(/\\d?frac\{/);
    if (i < 0) return s;
    const open1 = s.indexOf("{", i);
    const close1 = matchBrace(s, open1);
    if (s[close1 + 1] !== "{") throw new Error(`bad \\frac in ${s}`);
    const close2 = matchBrace(s, close1 + 1);
    s = `${s.slice(0, i)}((${s.slice(open1 + 1, close1)})/(${s.slice(close1 + 2, close2)}))${s.slice(close2 + 1)}`;
  }
}

function matchBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === "{") depth++;
    else if (s[i] === "}" && --depth === 0) return i;
  }
  throw new Error(`unbalanced braces in ${s}`);
}

const TEX_SUBST: Record<string, string> = {
  "\\times": "*",
  "\\cdot": "*",
  "\\div": "/",
  "\\pi": " pi ",
  "\\left": "",
  "\\right": "",
  "\\%": "%",
  "\\,": " ",
  "\\;": " ",
  "\\!": " ",
  "\\ ": " ",
  "{": "(",
  "}": ")",
};

/** The LaTeX subset the generator writes, as an ASCII expression. Unknown commands are an error. */
export function texToAscii(tex: string): string {
  let s = tex.includes("\\text{") ? tex.replace(/\\text\{[^}]*\}/g, " ") : tex;
  if (s.includes("frac{")) s = expandFrac(s);
  s = s.replace(/\\(?:times|cdot|div|pi\b|left|right|%|[,;! ])|[{}]/g, (m) => TEX_SUBST[m] ?? m);
  if (/\\/.test(s)) throw new Error(`unsupported LaTeX in ${JSON.stringify(tex)}`);
  return s;
}

/** The `$...$` segments of a text. */
export function mathSegments(text: string): string[] {
  const out: string[] = [];
  const re = /\$([^$]+)\$/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1]!);
  return out;
}

/** Decimal places written in a plain number literal ("3.140" has 3). */
function writtenPlaces(ascii: string): number | undefined {
  const m = /^\s*-?\d+(?:\.(\d+))?\s*$/.exec(ascii);
  if (!m) return undefined;
  return (m[1] ?? "").length;
}

/**
 * Checks every numeric chain `a = b = c` / `a \approx b` in a LaTeX segment: `=` must hold exactly,
 * `\approx` within half a unit of the last written decimal place. Segments with unknowns are skipped.
 * Returns problems, empty when all hold; `checked` counts the relations verified.
 */
export function checkChains(tex: string, vars: Record<string, Frac> = {}): { problems: string[]; checked: number } {
  const parts = tex.split(/(=|\\approx)/);
  const sides: string[] = [];
  const rels: string[] = [];
  for (const [i, p] of parts.entries()) (i % 2 ? rels : sides).push(p);
  if (rels.length === 0) return { problems: [], checked: 0 };
  const ascii = sides.map(texToAscii);
  if (ascii.some((a) => namesIn(a).some((n) => !(n in vars)))) return { problems: [], checked: 0 };
  const vals = ascii.map((a) => evaluate(a, vars));
  const problems: string[] = [];
  for (let i = 0; i < rels.length; i++) {
    const a = vals[i]!;
    const b = vals[i + 1]!;
    if (rels[i] === "=") {
      if (!a.eq(b)) problems.push(`${sides[i]!.trim()} = ${sides[i + 1]!.trim()} is false in $${tex}$`);
    } else {
      const dp = writtenPlaces(ascii[i + 1]!);
      if (dp === undefined) {
        problems.push(`\\approx needs a plain number on its right in $${tex}$`);
        continue;
      }
      const half = new Frac(1n, 2n * 10n ** BigInt(dp));
      if (a.sub(b).abs().cmp(half) > 0)
        problems.push(`${sides[i]!.trim()} \\approx ${sides[i + 1]!.trim()} is off in $${tex}$`);
    }
  }
  return { problems, checked: rels.length };
}

/** How a record's answer can be recomputed: carried in `meta.check`. */
export type Check =
  /** `expr` (ASCII) evaluated exactly, then rounded to `round` places if given. `constants` are literals not in the problem. */
  | { type: "value"; expr: string; round?: number; constants?: string[] }
  /** `equation` (ASCII, one `=`) must hold with `variable` set to the answer. */
  | { type: "equation"; equation: string; variable: string };

/** Constants a check expression may use without the problem stating them. */
export const IMPLIED_CONSTANTS: ReadonlySet<string> = new Set([
  "1",
  "2",
  "4",
  "7",
  "10",
  "12",
  "24",
  "60",
  "100",
  "1000",
  "3600",
]);

const ANSWER_LINE = /^(?:Answer: |答：)(.+)$/;

/**
 * What `verify` found: whether the record holds, what is wrong, the answer it computed, and how many relations
 * it checked.
 */
export interface VerifyResult {
  ok: boolean;
  problems: string[];
  /** The answer the verifier computed (value checks) or the checked value (equations). */
  expected?: string;
  /** Numeric relations checked in the solution. */
  relations: number;
}

function numbersIn(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/\d+(?:\.\d+)?/g)) out.add(Frac.parse(m[0]).toString());
  return out;
}

/**
 * Verifies one synthetic record without the generator: recomputes the answer from `meta.check`
 * (exact BigInt fractions; the problem's own LaTeX where it shows the expression or equation), checks
 * that the check's numbers are the problem's, that every numeric equality in the solution holds,
 * that the solution's last line states the answer, and that `answerKind` fits the answer's form.
 */
export function verify(record: MathRecord): VerifyResult {
  const problems: string[] = [];
  let relations = 0;
  let expected: string | undefined;
  const answer = record.answer ?? "";
  let value: Frac | undefined;
  try {
    value = Frac.parse(answer);
  } catch {
    problems.push(`answer ${JSON.stringify(answer)} is not a number`);
  }
  const kind = record.answerKind;
  const kindOk =
    kind === "integer"
      ? /^-?\d+$/.test(answer)
      : kind === "decimal"
        ? /^-?\d+\.\d*[1-9]$/.test(answer)
        : kind === "fraction"
          ? /^-?\d+\/\d+$/.test(answer)
          : false;
  if (!kindOk) problems.push(`answerKind ${kind} does not fit ${JSON.stringify(answer)}`);
  if (value && kind === "fraction" && (value.reduce().d === 1n || value.toString() !== answer))
    problems.push(`fraction ${answer} is not in lowest terms`);

  const lines = (record.solution ?? "").trimEnd().split("\n");
  const m = ANSWER_LINE.exec(lines[lines.length - 1] ?? "");
  if (!m) problems.push("solution does not end in an answer line");
  else if (m[1] !== answer) problems.push(`answer line says ${m[1]}, answer is ${answer}`);
  if (record.lang === "zh" ? !m?.[0].startsWith("答：") : !m?.[0].startsWith("Answer: "))
    problems.push("answer line is not in the record's language");

  const check = (record.meta as { check?: Check } | undefined)?.check;
  const given = numbersIn(record.problem);
  // Every number of the check must be in the problem, except the declared implied constants, each of
  // which excuses one occurrence (so a radius of 2 is not excused by the 2 in 2πr).
  const grounded = (expr: string, constants: readonly string[] = []): void => {
    const spare = new Map<string, number>();
    for (const c of constants) {
      if (!IMPLIED_CONSTANTS.has(c)) problems.push(`constant ${c} is not an implied constant`);
      spare.set(c, (spare.get(c) ?? 0) + 1);
    }
    const missing: string[] = [];
    for (const lit of expr.match(/\d+(?:\.\d+)?/g) ?? []) {
      const k = Frac.parse(lit).toString();
      const left = spare.get(k) ?? 0;
      if (left > 0) spare.set(k, left - 1);
      else if (!given.has(k)) missing.push(lit);
    }
    for (const lit of missing) problems.push(`number ${lit} of the check is not in the problem`);
    for (const [c, left] of spare) if (left > 0) problems.push(`implied constant ${c} is declared but not used`);
  };
  try {
    if (!check) problems.push("meta.check is missing");
    else if (check.type === "value") {
      grounded(check.expr, check.constants);
      let v = evaluate(check.expr);
      if (check.round !== undefined) v = v.round(check.round);
      expected = v.toString();
      if (value && !v.eq(value)) problems.push(`answer ${answer} but the check gives ${v}`);
      // Where the problem shows the expression itself, it must have the same value.
      for (const seg of mathSegments(record.problem)) {
        if (seg.includes("=")) continue;
        const a = texToAscii(seg);
        if (namesIn(a).length) continue;
        const w = evaluate(a);
        if (check.round === undefined && !w.eq(evaluate(check.expr)))
          problems.push(`problem shows $${seg}$ = ${w}, check gives ${expected}`);
      }
    } else if (check.type === "equation") {
      grounded(check.equation);
      if (value) {
        const vars = { [check.variable]: value };
        const eqs = [
          check.equation,
          ...mathSegments(record.problem)
            .filter((s) => s.includes("="))
            .map(texToAscii),
        ];
        for (const eq of eqs) {
          const [l, r, ...rest] = eq.split("=");
          if (r === undefined || rest.length) {
            problems.push(`not an equation: ${eq}`);
            continue;
          }
          const lv = evaluate(l!, vars);
          const rv = evaluate(r, vars);
          if (!lv.eq(rv)) problems.push(`${check.variable} = ${answer} does not satisfy ${eq} (${lv} vs ${rv})`);
        }
        expected = answer;
      }
    } else problems.push(`unknown check type ${(check as { type: string }).type}`);
  } catch (e) {
    problems.push(`check failed: ${(e as Error).message}`);
  }

  const unknowns = check?.type === "equation" && value ? { [check.variable]: value } : {};
  for (const seg of mathSegments(record.solution ?? "")) {
    try {
      const r = checkChains(seg, unknowns);
      relations += r.checked;
      problems.push(...r.problems);
    } catch (e) {
      problems.push(`solution: ${(e as Error).message}`);
    }
  }
  return { ok: problems.length === 0, problems, relations, ...(expected !== undefined ? { expected } : {}) };
}
