/**
 * A small evaluator for the LaTeX most answers are written in (numbers, one-letter variables,
 * `+ - * / ^`, implicit products, brackets, `\frac`, `\sqrt`, `\pi`, `\sin`/`\cos`/`\tan`/`\ln`/
 * `\exp` with a bracketed argument), so that the common comparisons need no CAS: parsing
 * with the compute engine costs tens of milliseconds, this a few microseconds. Anything outside
 * the subset (other commands, `e`, `i`, function names before a bracket, `|x|`, `!`, commas) gives
 * undefined, and the caller asks the compute engine; so does a run of letters (`xy`, `sqrt(2)`).
 */

export interface FastSym {
  vars: string[];
  run: (env: Record<string, number>) => number;
}

type Node = (env: Record<string, number>) => number;

const COMMANDS = new Set([
  "frac",
  "dfrac",
  "tfrac",
  "sqrt",
  "pi",
  "cdot",
  "times",
  "div",
  "sin",
  "cos",
  "tan",
  "ln",
  "exp",
  "left",
  "right",
]);
const FUNCS: Record<string, (x: number) => number> = {
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  ln: Math.log,
  exp: Math.exp,
};

type Tok = { k: "num"; v: number } | { k: "var"; v: string } | { k: "cmd"; v: string } | { k: "op"; v: string };

function tokenize(s: string): Tok[] | undefined {
  const out: Tok[] = [];
  for (let i = 0; i < s.length; ) {
    const c = s[i]!;
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    const num = /^(?:\d+(?:\.\d*)?|\.\d+)/.exec(s.slice(i, i + 40));
    if (num) {
      out.push({ k: "num", v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    if (c === "\\") {
      const m = /^\\([A-Za-z]+)/.exec(s.slice(i));
      if (!m || !COMMANDS.has(m[1]!)) return undefined;
      if (m[1] !== "left" && m[1] !== "right") out.push({ k: "cmd", v: m[1]! });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      // `xy`, `sqrt(2)`, `pi`: a run of letters is a name or sympy-style text; leave it to the engine
      if (/[A-Za-z]/.test(s[i + 1] ?? "")) return undefined;
      // `e` and `i` are constants to the compute engine, variables to some writers: leave them to it
      if (c === "e" || c === "i") return undefined;
      out.push({ k: "var", v: c });
      i++;
      continue;
    }
    if ("+-*/^(){}[]".includes(c)) {
      if (c === "*" && s[i + 1] === "*") return undefined;
      out.push({ k: "op", v: c });
      i++;
      continue;
    }
    return undefined;
  }
  return out;
}

class Parser {
  private i = 0;
  readonly vars = new Set<string>();
  constructor(private readonly t: Tok[]) {}

  parse(): Node | undefined {
    const n = this.expr();
    return n && this.i === this.t.length ? n : undefined;
  }

  private peek(): Tok | undefined {
    return this.t[this.i];
  }
  private isOp(v: string): boolean {
    const t = this.t[this.i];
    return t?.k === "op" && t.v === v;
  }

  private expr(): Node | undefined {
    let left = this.term();
    while (left && (this.isOp("+") || this.isOp("-"))) {
      const op = (this.t[this.i++] as { v: string }).v;
      const right = this.term();
      if (!right) return undefined;
      const l = left;
      left = op === "+" ? (e) => l(e) + right(e) : (e) => l(e) - right(e);
    }
    return left;
  }

  private term(): Node | undefined {
    let left = this.unary();
    for (;;) {
      if (!left) return undefined;
      const t = this.peek();
      if (!t) return left;
      let op: "*" | "/" | undefined;
      if (t.k === "op" && (t.v === "*" || t.v === "/")) op = t.v;
      else if (t.k === "cmd" && (t.v === "cdot" || t.v === "times")) op = "*";
      else if (t.k === "cmd" && t.v === "div") op = "/";
      if (op) {
        this.i++;
        const right = this.unary();
        if (!right) return undefined;
        const l = left;
        left = op === "*" ? (e) => l(e) * right(e) : (e) => l(e) / right(e);
        continue;
      }
      // an implicit product: `2x`, `x(x+1)`, `3\sqrt{2}`, `2\pi r`
      // (`2 3` is no product anyone writes: leave it to the engine)
      if (t.k === "num" && this.t[this.i - 1]?.k === "num") return undefined;
      if (
        t.k === "num" ||
        t.k === "var" ||
        (t.k === "op" && (t.v === "(" || t.v === "{")) ||
        (t.k === "cmd" && !["cdot", "times", "div"].includes(t.v))
      ) {
        const right = this.power();
        if (!right) return undefined;
        const l = left;
        left = (e) => l(e) * right(e);
        continue;
      }
      return left;
    }
  }

  private unary(): Node | undefined {
    if (this.isOp("-")) {
      this.i++;
      const x = this.unary();
      return x && ((e) => -x(e));
    }
    if (this.isOp("+")) {
      this.i++;
      return this.unary();
    }
    return this.power();
  }

  private power(): Node | undefined {
    const base = this.atom();
    if (!base || !this.isOp("^")) return base;
    this.i++;
    // `x^2`: one token; `x^{...}`: a group; `x^-1` is not LaTeX
    let exp: Node | undefined;
    const t = this.peek();
    if (t?.k === "op" && t.v === "{") exp = this.group("{", "}");
    else if (t?.k === "num") {
      // `x^23` means x^2 3 in LaTeX: only a one-digit exponent is read without braces
      if (!/^\d$/.test(String(t.v))) return undefined;
      this.i++;
      const v = t.v;
      exp = () => v;
    } else if (t?.k === "var") {
      this.i++;
      const name = t.v;
      this.vars.add(name);
      exp = (e) => e[name]!;
    } else if (t?.k === "cmd" && t.v === "pi") {
      this.i++;
      exp = () => Math.PI;
    }
    if (!exp) return undefined;
    if (this.isOp("^")) return undefined; // `a^b^c`: ambiguous, leave it to the engine
    const x = exp;
    return (e) => base(e) ** x(e);
  }

  private group(open: string, close: string): Node | undefined {
    if (!this.isOp(open)) return undefined;
    this.i++;
    const x = this.expr();
    if (!x || !this.isOp(close)) return undefined;
    this.i++;
    return x;
  }

  private atom(): Node | undefined {
    const t = this.peek();
    if (!t) return undefined;
    if (t.k === "num") {
      this.i++;
      const v = t.v;
      return () => v;
    }
    if (t.k === "var") {
      this.i++;
      // `f(x)` may be a function applied: leave it to the engine
      if ("fgh".includes(t.v) && this.isOp("(")) return undefined;
      const name = t.v;
      this.vars.add(name);
      return (e) => e[name]!;
    }
    if (t.k === "op") {
      if (t.v === "(") return this.group("(", ")");
      if (t.v === "{") return this.group("{", "}");
      return undefined;
    }
    this.i++;
    switch (t.v) {
      case "pi":
        return () => Math.PI;
      case "frac":
      case "dfrac":
      case "tfrac": {
        const a = this.group("{", "}");
        const b = a && this.group("{", "}");
        return a && b && ((e) => a(e) / b(e));
      }
      case "sqrt": {
        if (this.isOp("[")) {
          const n = this.group("[", "]");
          const x = n && this.group("{", "}");
          return n && x && ((e) => root(x(e), n(e)));
        }
        const x = this.group("{", "}");
        return x && ((e) => Math.sqrt(x(e)));
      }
      default: {
        const f = FUNCS[t.v];
        if (!f) return undefined;
        const x = this.isOp("(") ? this.group("(", ")") : this.group("{", "}");
        return x && ((e) => f(x(e)));
      }
    }
  }
}

/** The real n-th root (odd roots of negatives are negative; even ones NaN). */
function root(x: number, n: number): number {
  if (x < 0 && Number.isInteger(n) && n % 2 === 1) return -((-x) ** (1 / n));
  return x ** (1 / n);
}

const cache = new Map<string, FastSym | null>();

/** Parses `text` in the subset; undefined when it is outside it. */
export function fastSym(text: string): FastSym | undefined {
  if (text.length > 300) return undefined;
  const hit = cache.get(text);
  if (hit !== undefined) return hit ?? undefined;
  let out: FastSym | undefined;
  const toks = tokenize(text);
  if (toks && toks.length) {
    const p = new Parser(toks);
    const run = p.parse();
    if (run) out = { vars: [...p.vars].sort(), run };
  }
  if (cache.size > 5000) cache.clear();
  cache.set(text, out ?? null);
  return out;
}
