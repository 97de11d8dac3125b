/**
 * The CAS side: LaTeX (and sympy-style text) parsed by @cortex-js/compute-engine, then compared by
 * numeric evaluation at seeded random points, never by open-ended symbolic simplification. Every
 * call runs under the engine's time limit.
 */
import type { ComputeEngine } from "@cortex-js/compute-engine";
import { MathtuneError } from "@mathtune/core";
import { type Cas, loadCas } from "./cas-load.js";

type Expr = NonNullable<ReturnType<ComputeEngine["parse"]>>;

export interface Sym {
  expr: Expr;
  /** Free variables, sorted. */
  vars: string[];
  run?: ((vars: Record<string, number>) => unknown) | undefined;
}

let engine: ComputeEngine | undefined;
let cas: Cas | undefined | null;

/** The CAS module, loaded on first use; null when it is not installed. */
function casModule(): Cas | null {
  if (cas === undefined) cas = loadCas() ?? null;
  return cas;
}

/** Thrown when a comparison needs the CAS and it is not installed: never a silent verdict. */
function casMissing(): MathtuneError {
  return new MathtuneError(
    "E_DEPENDENCY_MISSING",
    "@mathtune/answer needs @cortex-js/compute-engine (an optional peer dependency) to compare these answers symbolically, and it is not installed: run `npm i @cortex-js/compute-engine@0.140.0` beside @mathtune/answer (see the package README on Node versions)",
  );
}

/** True when the CAS can be loaded. */
export function casAvailable(): boolean {
  return casModule() !== null;
}

/**
 * Makes the engine ready before a comparison's clock starts: one engine for the process (its
 * memory stays flat over many parses), warmed up once, since its first parse, evaluation and
 * compilation load dictionaries and take far longer than the later ones.
 */
export function ensureEngine(): void {
  if (engine) return;
  const m = casModule();
  if (!m) return;
  const { ComputeEngine, compile } = m;
  engine = new ComputeEngine();
  try {
    const e = engine.parse("\\frac{\\sqrt{2}+\\sin(x)}{x^2-1}\\le\\pi");
    e?.subs({ x: 0.5 }).N();
    for (const warm of ["(x-1)(x+1)", "-144 w^{2}+24 w", "r^{3023/204}", "\\sin^2(3x)+\\cos^2(3x)"]) {
      const c = engine.parse(warm);
      if (c) compile(c, { fallback: false }).run?.({ x: 0.5, w: 0.5, r: 0.5 });
    }
  } catch {
    // warming up is best effort
  }
}

/**
 * Runs `fn` (one comparison) in a scope of its own: whatever the engine declares while parsing or
 * evaluating (`f` as a function after `f(4 - x)`) is dropped afterwards, so that it cannot change
 * how a later comparison reads `f^2`.
 */
export function inEngineScope<T>(fn: () => T): T {
  // Without the CAS there is no scope to keep: a comparison that needs it throws in ce().
  if (!casAvailable()) return fn();
  const e = ce();
  e.pushScope();
  try {
    return fn();
  } finally {
    e.popScope();
  }
}

function ce(): ComputeEngine {
  if (!engine) ensureEngine();
  if (!engine) throw casMissing();
  return engine;
}

export class Timeout extends Error {}

/** Runs `fn` under the engine's deadline; throws Timeout when the time is up. */
export function withDeadline<T>(deadline: number, fn: () => T): T {
  const ms = deadline - performance.now();
  if (ms <= 0) throw new Timeout("time limit reached");
  try {
    return ce().withTimeLimit(Math.max(1, Math.floor(ms)), fn as () => T extends Promise<unknown> ? never : T);
  } catch (e) {
    if (
      e instanceof Timeout ||
      (e as { cause?: unknown })?.cause === "timeout" ||
      /timeout|time limit/i.test(String((e as Error)?.message))
    ) {
      throw new Timeout("time limit reached", { cause: e });
    }
    throw e;
  }
}

/** Finds the `)` that closes the `(` at `open`; -1 when none. */
function matchParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === "(") depth++;
    else if (s[i] === ")" && --depth === 0) return i;
  }
  return -1;
}

/** True for sympy-style text such as `r**(3023/204)`, `-5 + 144*sqrt(17)`, `2*x`. */
export function isPlainExpression(s: string): boolean {
  const t = s.replace(/\\mathrm\{(ii|ee)\}/g, "v");
  return !/[\\{}]/.test(t) && /\*|\^\s*[(-]|\^\d{2,}|\b(sqrt|exp|log|sin|cos|tan|pi|oo|Abs)\b|\w\(/.test(t);
}

/** Turns sympy-style text into LaTeX the engine reads: `**` -> `^{}`, `*` -> `\cdot`, `sqrt(x)` -> `\sqrt{x}`. */
export function plainToLatex(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; ) {
    const rest = s.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^sqrt\s*\(/.exec(rest))) {
      const open = i + m[0].length - 1;
      const close = matchParen(s, open);
      if (close < 0) return s;
      out += `\\sqrt{${plainToLatex(s.slice(open + 1, close))}}`;
      i = close + 1;
    } else if ((m = /^(exp|log|ln|sin|cos|tan|asin|acos|atan|sinh|cosh|tanh)\s*\(/.exec(rest))) {
      out += `\\${m[1] === "asin" ? "arcsin" : m[1] === "acos" ? "arccos" : m[1] === "atan" ? "arctan" : m[1]}`;
      i += m[1]!.length;
    } else if ((m = /^Abs\s*\(/.exec(rest))) {
      const open = i + m[0].length - 1;
      const close = matchParen(s, open);
      if (close < 0) return s;
      out += `\\left|${plainToLatex(s.slice(open + 1, close))}\\right|`;
      i = close + 1;
    } else if (rest.startsWith("**") || rest[0] === "^") {
      let j = i + (rest[0] === "^" ? 1 : 2);
      while (s[j] === " ") j++;
      let end = j;
      if (s[j] === "-" || s[j] === "+") end++;
      if (s[end] === "(") end = matchParen(s, end) + 1;
      else {
        const t = /^(\d+(\.\d+)?|[A-Za-z]\w*)/.exec(s.slice(end));
        end += t ? t[0].length : 0;
      }
      if (end <= j) return s;
      out += `^{${plainToLatex(s.slice(j, end))}}`;
      i = end;
    } else if (rest[0] === "*") {
      out += " \\cdot ";
      i++;
    } else if ((m = /^(pi|oo|I|E|i|e)(?![A-Za-z0-9_])/.exec(rest)) && !/[A-Za-z0-9_]$/.test(s.slice(0, i))) {
      // sympy spelling: I and E are the constants, i and e plain variables
      out += { pi: "\\pi ", oo: "\\infty ", I: "i", E: "e", i: "\\mathrm{ii}", e: "\\mathrm{ee}" }[
        m[1] as "pi" | "oo" | "I" | "E" | "i" | "e"
      ];
      i += m[1]!.length;
    } else {
      out += rest[0];
      i++;
    }
  }
  return out;
}

const CONSTANTS = new Set([
  "Pi",
  "ExponentialE",
  "ImaginaryUnit",
  "PositiveInfinity",
  "NegativeInfinity",
  "ComplexInfinity",
  "Nothing",
]);

/** Parses LaTeX (or sympy-style text) into an expression; undefined when the engine reports an error. */
export function parseSym(text: string, deadline: number): Sym | undefined {
  const latex = isPlainExpression(text) ? plainToLatex(text) : text;
  const engine = ce();
  // Each parse in its own scope: the symbols it declares (`f` as a function after `f(x)`) must
  // not change how later answers read (`f^2`).
  engine.pushScope();
  try {
    return withDeadline(deadline, () => {
      let expr: Expr;
      try {
        const parsed = engine.parse(latex);
        if (!parsed) return undefined;
        expr = parsed;
      } catch (e) {
        if (e instanceof Timeout || (e as { cause?: unknown })?.cause === "timeout") throw e;
        return undefined;
      }
      const json = JSON.stringify(expr.json);
      if (json.includes('"Error"') || /^"'.*'"$/.test(json)) return undefined;
      const vars = [...(expr.unknowns ?? [])].filter((v) => !CONSTANTS.has(v)).sort();
      let run: Sym["run"];
      if (vars.length) {
        try {
          const c = casModule()!.compile(expr, { fallback: false }) as {
            success?: boolean;
            run?: (v: Record<string, number>) => unknown;
          };
          if (c.success !== false && typeof c.run === "function") run = c.run;
        } catch {
          run = undefined;
        }
      }
      return { expr, vars, run };
    });
  } finally {
    engine.popScope();
  }
}

export interface Complex {
  re: number;
  im: number;
}

function toComplex(v: unknown): Complex | undefined {
  if (typeof v === "number") return { re: v, im: 0 };
  if (v && typeof v === "object" && "re" in v) {
    const o = v as { re: unknown; im?: unknown };
    if (typeof o.re === "number") return { re: o.re, im: typeof o.im === "number" ? o.im : 0 };
  }
  return undefined;
}

/** The value of an expression at a point (variables missing from `point` are left free). */
export function evalSym(sym: Sym, point: Record<string, number>, deadline: number): Complex | undefined {
  return withDeadline(deadline, () => {
    if (sym.vars.length === 0) {
      const n = sym.expr.N();
      return toComplex({ re: n.re, im: n.im });
    }
    if (sym.run) {
      try {
        const v = toComplex(sym.run(point));
        if (v && Number.isFinite(v.re)) return v;
      } catch {
        // fall back to substitution
      }
    }
    const n = sym.expr.subs(point).N();
    return toComplex({ re: n.re, im: n.im });
  });
}
