import { R, Rat, Retry, lcm } from "../rat.js";
import type { Rng } from "../rng.js";
import { type Lang, name } from "../text.js";
import type { CategoryGenerator, Draft, Level } from "../types.js";

const VARS = ["x", "x", "x", "y", "n", "t", "m", "k", "p", "z"] as const;

/** `ax` with the coefficient written the usual way (1x -> x, -1x -> -x). */
function term(a: Rat, v: string): string {
  if (a.eq(R(1))) return v;
  if (a.eq(R(-1))) return `-${v}`;
  return a.isInt() ? `${a.n}${v}` : `${a.fracTex()}${v}`;
}

/** ` + 5` / ` - 5` after a term; empty for zero. */
function plusConst(b: Rat): string {
  if (b.sign() === 0) return "";
  return b.sign() > 0 ? ` + ${b.fracTex()}` : ` - ${b.abs().fracTex()}`;
}

/** px + q, written. */
function lin(p: Rat, q: Rat, v: string): string {
  if (p.sign() === 0) return q.fracTex();
  return `${term(p, v)}${plusConst(q)}`;
}

/** A number in an ASCII check expression. */
function a$(r: Rat): string {
  if (r.isInt()) return r.sign() >= 0 ? String(r.n) : `(${r.n})`;
  return `(${r.n}/${r.d})`;
}

/** `a*v` in an ASCII check expression. */
function ax$(a: Rat, v: string): string {
  if (a.eq(R(1))) return v;
  if (a.eq(R(-1))) return `(-${v})`;
  return `${a$(a)}*${v}`;
}

/** A value substituted for the unknown in LaTeX: brackets around negatives. */
function sub(x: Rat): string {
  const t = x.fracTex();
  return x.sign() < 0 ? `\\left(${t}\\right)` : t;
}

/** `a \times x` for the substitution check (a = 1 gives just x). */
function times(a: Rat, x: Rat): string {
  if (a.eq(R(1))) return x.fracTex();
  if (a.eq(R(-1))) return `-${sub(x)}`;
  return `${a.fracTex()} \\times ${sub(x)}`;
}

interface Form {
  /** LaTeX of the equation. */
  tex: string;
  /** ASCII of the equation for the verifier. */
  ascii: string;
  /** Steps that bring it to px + q = rx + s, with the result. */
  prep: Array<{ en: string; zh: string }>;
  p: Rat;
  q: Rat;
  r: Rat;
  s: Rat;
  /** The two sides with the solution substituted (LaTeX) and their values. */
  check(x: Rat): { left: string; right?: string; lv: Rat; rv: Rat };
  form: string;
}

function say(lang: Lang, en: string, zh: string): string {
  return lang === "en" ? en : zh;
}

function solveSteps(f: Form, v: string, lang: Lang): { steps: string[]; x: Rat } {
  const steps: string[] = f.prep.map((s) => say(lang, s.en, s.zh));
  let { p, q } = f;
  const { r, s } = f;
  if (r.sign() !== 0) {
    const np = p.sub(r);
    if (np.sign() === 0) throw new Retry("no unique solution");
    const eq = `${lin(np, q, v)} = ${s.fracTex()}`;
    steps.push(
      r.sign() > 0
        ? say(lang, `Subtract $${term(r, v)}$ from both sides: $${eq}$.`, `两边同时减去 $${term(r, v)}$：$${eq}$。`)
        : say(
            lang,
            `Add $${term(r.neg(), v)}$ to both sides: $${eq}$.`,
            `两边同时加上 $${term(r.neg(), v)}$：$${eq}$。`,
          ),
    );
    p = np;
  }
  let rhs = s;
  if (q.sign() !== 0) {
    rhs = s.sub(q);
    const work =
      q.sign() > 0
        ? `${s.fracTex()} - ${q.fracTex()} = ${rhs.fracTex()}`
        : `${s.fracTex()} + ${q.abs().fracTex()} = ${rhs.fracTex()}`;
    const eq = `${term(p, v)} = ${rhs.fracTex()}`;
    steps.push(
      q.sign() > 0
        ? say(
            lang,
            `Subtract $${q.fracTex()}$ from both sides ($${work}$): $${eq}$.`,
            `两边同时减去 $${q.fracTex()}$（$${work}$）：$${eq}$。`,
          )
        : say(
            lang,
            `Add $${q.abs().fracTex()}$ to both sides ($${work}$): $${eq}$.`,
            `两边同时加上 $${q.abs().fracTex()}$（$${work}$）：$${eq}$。`,
          ),
    );
    q = R(0);
  }
  const x = rhs.div(p);
  if (!p.eq(R(1))) {
    const pt = p.sign() < 0 ? `\\left(${p.fracTex()}\\right)` : p.fracTex();
    const work = p.isInt()
      ? `${rhs.fracTex()} \\div ${pt} = ${x.fracTex()}`
      : `${rhs.fracTex()} \\div ${pt} = ${rhs.fracTex()} \\times ${sub(R(p.d, p.n))} = ${x.fracTex()}`;
    steps.push(
      say(
        lang,
        `Divide both sides by $${p.fracTex()}$: $${work}$, so $${v} = ${x.fracTex()}$.`,
        `两边同时除以 $${p.fracTex()}$：$${work}$，所以 $${v} = ${x.fracTex()}$。`,
      ),
    );
  }
  const c = f.check(x);
  steps.push(
    c.right === undefined
      ? say(
          lang,
          `Check: $${c.left} = ${c.lv.fracTex()}$, which matches the right side.`,
          `检验：左边 $${c.left} = ${c.lv.fracTex()}$，与右边相等。`,
        )
      : say(
          lang,
          `Check: the left side is $${c.left} = ${c.lv.fracTex()}$ and the right side is $${c.right} = ${c.rv.fracTex()}$.`,
          `检验：左边 $${c.left} = ${c.lv.fracTex()}$，右边 $${c.right} = ${c.rv.fracTex()}$，两边相等。`,
        ),
  );
  if (!c.lv.eq(c.rv)) throw new Error("equation check failed in the generator");
  return { steps, x };
}

const nz = (rng: Rng, lo: number, hi: number): number => {
  const v = rng.int(lo, hi);
  return v === 0 ? hi : v;
};

/** ax + b = c (or b + ax = c). */
function formAxB(rng: Rng, a: number, x: Rat | null, b: number, c0: number | null, v: string): Form {
  const A = R(a);
  const B = R(b);
  const C = x ? A.mul(x).add(B) : R(c0!);
  const swap = b > 0 && rng.chance(0.3);
  const left = swap ? `${b} + ${term(A, v)}` : lin(A, B, v);
  return {
    tex: `${left} = ${C.fracTex()}`,
    ascii: `${ax$(A, v)} + ${a$(B)} = ${a$(C)}`,
    prep: [],
    p: A,
    q: B,
    r: R(0),
    s: C,
    check: (x) => ({
      left: swap ? `${b} + ${A.eq(R(1)) ? sub(x) : times(A, x)}` : `${times(A, x)}${plusConst(B)}`,
      lv: A.mul(x).add(B),
      rv: C,
    }),
    form: swap ? "b+ax=c" : "ax+b=c",
  };
}

function formTwoSided(a: number, b: number, c: number, d: number, v: string): Form {
  const [A, B, C, D] = [R(a), R(b), R(c), R(d)];
  return {
    tex: `${lin(A, B, v)} = ${lin(C, D, v)}`,
    ascii: `${ax$(A, v)} + ${a$(B)} = ${ax$(C, v)}${D.sign() ? ` + ${a$(D)}` : ""}`,
    prep: [],
    p: A,
    q: B,
    r: C,
    s: D,
    check: (x) => ({
      left: `${times(A, x)}${plusConst(B)}`,
      right: `${times(C, x)}${plusConst(D)}`,
      lv: A.mul(x).add(B),
      rv: C.mul(x).add(D),
    }),
    form: "ax+b=cx+d",
  };
}

function formBracket(a: number, b: number, c: number, v: string): Form {
  const [A, B, C] = [R(a), R(b), R(c)];
  const inner = lin(R(1), B, v);
  const divisible = C.div(A).isInt();
  const prep = divisible
    ? (() => {
        const eq = `${inner} = ${C.div(A).fracTex()}`;
        return [{ en: `Divide both sides by ${a}: $${eq}$.`, zh: `两边同时除以 ${a}：$${eq}$。` }];
      })()
    : (() => {
        const eq = `${lin(A, A.mul(B), v)} = ${C.fracTex()}`;
        return [
          {
            en: `Expand the brackets ($${a} \\times ${sub(B)} = ${A.mul(B).fracTex()}$): $${eq}$.`,
            zh: `去括号（$${a} \\times ${sub(B)} = ${A.mul(B).fracTex()}$）：$${eq}$。`,
          },
        ];
      })();
  return {
    tex: `${a}\\left(${inner}\\right) = ${c}`,
    ascii: `${a$(A)}*(${v} + ${a$(B)}) = ${a$(C)}`,
    prep,
    p: divisible ? R(1) : A,
    q: divisible ? B : A.mul(B),
    r: R(0),
    s: divisible ? C.div(A) : C,
    check: (x) => ({ left: `${a} \\times \\left(${x.fracTex()}${plusConst(B)}\\right)`, lv: A.mul(x.add(B)), rv: C }),
    form: "a(x+b)=c",
  };
}

/** x/a + b/c = d: multiply by lcm(a, c). */
function formFractions(a: number, b: number, c: number, d: number, v: string): Form {
  const [A, Bc, D] = [R(a), R(b, c), R(d)];
  const L = c === 1 ? a : lcm(a, c);
  const bTex = c === 1 ? plusConst(R(b)) : b > 0 ? ` + \\frac{${b}}{${c}}` : ` - \\frac{${-b}}{${c}}`;
  const P = R(L).div(A);
  const Q = R(L).mul(Bc);
  const S = R(L).mul(D);
  const eq = `${lin(P, Q, v)} = ${S.fracTex()}`;
  return {
    tex: `\\frac{${v}}{${a}}${bTex} = ${d}`,
    ascii: c === 1 ? `${v}/${a} + ${a$(R(b))} = ${a$(D)}` : `${v}/${a} + ${a$(R(b))}/${c} = ${a$(D)}`,
    prep: [
      {
        en: `Multiply both sides by ${L} to clear the fractions: $${eq}$.`,
        zh: `两边同时乘以 ${L}，去分母：$${eq}$。`,
      },
    ],
    p: P,
    q: Q,
    r: R(0),
    s: S,
    check: (x) => ({ left: `\\frac{${x.fracTex()}}{${a}}${bTex}`, lv: x.div(A).add(Bc), rv: D }),
    form: c === 1 ? "x/a+b=d" : "x/a+b/c=d",
  };
}

/** (ax + b)/c = d. */
function formOver(a: number, b: number, c: number, d: number, v: string): Form {
  const [A, B, C, D] = [R(a), R(b), R(c), R(d)];
  const S = C.mul(D);
  const eq = `${lin(A, B, v)} = ${S.fracTex()}`;
  return {
    tex: `\\frac{${lin(A, B, v)}}{${c}} = ${d}`,
    ascii: `(${ax$(A, v)} + ${a$(B)})/${c} = ${a$(D)}`,
    prep: [{ en: `Multiply both sides by ${c}: $${eq}$.`, zh: `两边同时乘以 ${c}：$${eq}$。` }],
    p: A,
    q: B,
    r: R(0),
    s: S,
    check: (x) => ({ left: `\\frac{${times(A, x)}${plusConst(B)}}{${c}}`, lv: A.mul(x).add(B).div(C), rv: D }),
    form: "(ax+b)/c=d",
  };
}

/** a(x + b) - c(x - d) = e. */
function formTwoBrackets(a: number, b: number, c: number, d: number, e: number, v: string): Form {
  const [A, B, C, D, E] = [R(a), R(b), R(c), R(d), R(e)];
  const expanded = `${term(A, v)}${plusConst(A.mul(B))} - ${term(C, v)}${plusConst(C.mul(D))} = ${e}`;
  const P = A.sub(C);
  const Q = A.mul(B).add(C.mul(D));
  const combined = `${lin(P, Q, v)} = ${e}`;
  return {
    tex: `${a}\\left(${v} + ${b}\\right) - ${c}\\left(${v} - ${d}\\right) = ${e}`,
    ascii: `${a}*(${v} + ${b}) - ${c}*(${v} - ${d}) = ${a$(E)}`,
    prep: [
      { en: `Expand the brackets: $${expanded}$.`, zh: `去括号：$${expanded}$。` },
      { en: `Collect like terms: $${combined}$.`, zh: `合并同类项：$${combined}$。` },
    ],
    p: P,
    q: Q,
    r: R(0),
    s: E,
    check: (x) => ({
      left: `${a} \\times \\left(${x.fracTex()} + ${b}\\right) - ${c} \\times \\left(${x.fracTex()} - ${d}\\right)`,
      lv: A.mul(x.add(B)).sub(C.mul(x.sub(D))),
      rv: E,
    }),
    form: "a(x+b)-c(x-d)=e",
  };
}

const ASK_EN = [
  (e: string, v: string) => `Solve for $${v}$: $${e}$.`,
  (e: string, v: string) => `Find $${v}$ if $${e}$.`,
  (e: string, v: string) => `What value of $${v}$ makes $${e}$ true?`,
  (e: string) => `Solve the equation $${e}$.`,
  (e: string, v: string) => `Determine $${v}$ such that $${e}$.`,
  (e: string, v: string) => `Given $${e}$, what is $${v}$?`,
  (e: string, v: string) => `The equation $${e}$ has one solution. Find $${v}$.`,
  (e: string, v: string) => `Solve $${e}$ for $${v}$ and give the exact value.`,
];
const ASK_ZH = [
  (e: string) => `解方程：$${e}$。`,
  (e: string, v: string) => `求 $${v}$ 的值：$${e}$。`,
  (e: string, v: string) => `已知 $${e}$，求 $${v}$。`,
  (e: string, v: string) => `当 $${v}$ 为何值时，$${e}$ 成立？`,
  (e: string, v: string) => `方程 $${e}$ 的解 $${v}$ 是多少？`,
  (e: string) => `解下列方程，写出准确结果：$${e}$。`,
  (e: string, v: string) => `若 $${e}$，则 $${v}$ 等于多少？`,
];

/** "I think of a number" problems for ax + b = c. */
function wordsProblem(rng: Rng, lang: Lang, a: number, b: number, c: number): { problem: string; phr: number } {
  const who = name(rng, lang);
  const op =
    b >= 0
      ? { en: `add ${b}`, en3: `adds ${b}`, zh: `再加上 ${b}` }
      : { en: `subtract ${-b}`, en3: `subtracts ${-b}`, zh: `再减去 ${-b}` };
  const en = [
    () => `I think of a number, multiply it by ${a} and then ${op.en}. The result is ${c}. What is my number?`,
    () =>
      `${who} thinks of a number, multiplies it by ${a} and ${op.en3}, getting ${c}. What number did ${who} think of?`,
    () => `When a number is multiplied by ${a} and then you ${op.en}, the answer is ${c}. Find the number.`,
    () =>
      `${who} says: "If you multiply my secret number by ${a} and ${op.en}, you get ${c}." What is the secret number?`,
    () => `${a} times a number, ${b >= 0 ? `plus ${b}` : `minus ${-b}`}, equals ${c}. What is the number?`,
    () =>
      `${who} multiplies the number of stamps in an album by ${a} and then ${op.en3}, which gives ${c}. How many stamps are in the album?`,
    () =>
      `Find the number which, multiplied by ${a} and then ${b >= 0 ? `increased by ${b}` : `decreased by ${-b}`}, gives ${c}.`,
  ];
  const zh = [
    () => `一个数乘以 ${a}，${op.zh}，结果是 ${c}。这个数是多少？`,
    () => `${who}想了一个数，把它乘以 ${a} ${op.zh}，得到 ${c}。${who}想的数是多少？`,
    () => `某数的 ${a} 倍${b >= 0 ? `加上 ${b}` : `减去 ${-b}`} 等于 ${c}，求这个数。`,
    () => `${who}说：“把我心里想的数乘以 ${a}，${op.zh}，就得到 ${c}。”这个数是几？`,
    () => `${a} 乘一个数，${b >= 0 ? `加上 ${b}` : `减去 ${-b}`}，等于 ${c}。这个数是多少？`,
    () => `${who}把相册里邮票的张数乘以 ${a}，${op.zh}，得到 ${c}。相册里有多少张邮票？`,
    () => `一个数乘 ${a} 后${b >= 0 ? `增加 ${b}` : `减少 ${-b}`}，结果是 ${c}。求这个数。`,
  ];
  const list = lang === "en" ? en : zh;
  const phr = rng.int(0, list.length - 1);
  return { problem: list[phr]!(), phr };
}

export const linearEquation: CategoryGenerator = (rng, level: Level, lang): Draft => {
  const wordsForm = level === 1 && rng.chance(0.35);
  const v = wordsForm ? "x" : rng.pick(VARS);
  let f: Form;
  let wordy: { problem: string; phr: number } | undefined;
  if (level === 1) {
    const a = rng.int(2, 12);
    const x = R(rng.int(1, 25));
    const b = nz(rng, -40, 40);
    f = formAxB(rng, a, x, b, null, v);
    if (wordsForm) wordy = wordsProblem(rng, lang, a, b, a * x.n + b);
  } else if (level === 2) {
    const x = nz(rng, -20, 20);
    const kind = rng.int(0, 3);
    if (kind === 0) f = formAxB(rng, nz(rng, -12, 12), R(x), nz(rng, -50, 50), null, v);
    else if (kind === 1) {
      const a = nz(rng, -9, 12);
      let c = nz(rng, -9, 12);
      if (c === a) c = a + rng.int(1, 5);
      if (c === 0) throw new Retry("no unknown on the right");
      const b = nz(rng, -30, 30);
      f = formTwoSided(a, b, c, a * x + b - c * x, v);
    } else if (kind === 2) {
      const a = rng.int(2, 9);
      const b = nz(rng, -9, 9);
      f = formBracket(a, b, a * (x + b), v);
    } else {
      const a = rng.int(2, 9);
      const k = nz(rng, -12, 12);
      const b = nz(rng, -20, 20);
      f = formFractions(a, b, 1, k + b, v);
    }
  } else {
    const kind = rng.int(0, 4);
    if (kind === 0) {
      const a = nz(rng, -9, 12);
      let c = nz(rng, -9, 12);
      if (c === a) c = a + rng.int(1, 5);
      if (c === 0) throw new Retry("no unknown on the right");
      f = formTwoSided(a, nz(rng, -30, 30), c, nz(rng, -30, 30), v);
    } else if (kind === 1) {
      f = formTwoBrackets(rng.int(2, 9), rng.int(1, 9), rng.int(1, 9), rng.int(1, 9), nz(rng, -40, 60), v);
    } else if (kind === 2) {
      const a = rng.int(2, 9);
      const c = rng.int(2, 9);
      const b = nz(rng, -9, 9);
      if (R(b, c).d !== c) throw new Retry("fraction not in lowest terms");
      f = formFractions(a, b, c, nz(rng, -10, 10), v);
    } else if (kind === 3) {
      const c = rng.int(2, 9);
      f = formOver(nz(rng, -9, 9), nz(rng, -30, 30), c, nz(rng, -12, 12), v);
    } else {
      f = formAxB(rng, nz(rng, -12, 12), null, nz(rng, -50, 50), nz(rng, -60, 60), v);
    }
  }
  const { steps, x } = solveSteps(f, v, lang);
  if (x.d > 60 || Math.abs(x.toNumber()) > 200) throw new Retry("unpleasant solution");
  if (level < 3 && !x.isInt()) throw new Error("levels 1 and 2 must have integer solutions");
  let problem: string;
  let phr: number;
  if (wordy) {
    problem = wordy.problem;
    phr = wordy.phr;
    steps.unshift(say(lang, `Let the number be $x$. Then $${f.tex}$.`, `设这个数为 $x$，则 $${f.tex}$。`));
  } else {
    const asks = lang === "en" ? ASK_EN : ASK_ZH;
    phr = rng.int(0, asks.length - 1);
    problem = asks[phr]!(f.tex, v);
  }
  return {
    problem,
    steps,
    answer: x,
    fractionAnswer: true,
    check: { type: "equation", equation: f.ascii, variable: v },
    template: `linear_equation/${f.form}${wordy ? "/words" : ""}/${phr}`,
  };
};
