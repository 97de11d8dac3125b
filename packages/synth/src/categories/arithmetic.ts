import { R, Rat, Retry } from "../rat.js";
import type { Rng } from "../rng.js";
import type { Lang } from "../text.js";
import type { CategoryGenerator, Draft, Level } from "../types.js";
import { gcd } from "@mathtune/core/internal";

type Op = "+" | "-" | "*" | "/";
type Node = { k: "n"; v: Rat } | { k: "op"; op: Op; l: Node; r: Node };

const PREC: Record<Op, number> = { "+": 1, "-": 1, "*": 2, "/": 2 };
const TEX_OP: Record<Op, string> = { "+": "+", "-": "-", "*": "\\times", "/": "\\div" };

/** Which subtree is in explicit parentheses when rendered (a right child of equal precedence, or lower precedence). */
function needsParens(parent: Op, child: Node, right: boolean): boolean {
  if (child.k !== "op") return false;
  if (PREC[child.op] < PREC[parent]) return true;
  // A right operand of equal precedence keeps its brackets, so the written order is the working order.
  return right && PREC[child.op] === PREC[parent];
}

function leafTex(v: Rat, fractions: boolean, first: boolean): string {
  const t = fractions ? v.fracTex() : v.tex();
  return v.sign() < 0 && !first ? `\\left(${t}\\right)` : t;
}

function tex(node: Node, fractions: boolean, first = true): string {
  if (node.k === "n") return leafTex(node.v, fractions, first);
  const lp = needsParens(node.op, node.l, false);
  const rp = needsParens(node.op, node.r, true);
  const l = lp ? `\\left(${tex(node.l, fractions, true)}\\right)` : tex(node.l, fractions, first);
  const r = rp ? `\\left(${tex(node.r, fractions, true)}\\right)` : tex(node.r, fractions, false);
  return `${l} ${TEX_OP[node.op]} ${r}`;
}

function ascii(node: Node, fractions: boolean): string {
  if (node.k === "n") {
    const v = node.v;
    const t = v.places() >= 0 && !fractions ? v.abs().toString() : `${Math.abs(v.n)}/${v.d}`;
    return v.sign() < 0 || t.includes("/") ? `(${v.sign() < 0 ? "-" : ""}${t})` : t;
  }
  return `(${ascii(node.l, fractions)} ${node.op} ${ascii(node.r, fractions)})`;
}

function apply(op: Op, a: Rat, b: Rat): Rat {
  switch (op) {
    case "+":
      return a.add(b);
    case "-":
      return a.sub(b);
    case "*":
      return a.mul(b);
    case "/":
      return a.div(b);
  }
}

function value(node: Node): Rat {
  return node.k === "n" ? node.v : apply(node.op, value(node.l), value(node.r));
}

/** Work shown for one operation on fractions: common denominators, products, reduction. */
function fractionWork(op: Op, a: Rat, b: Rat, c: Rat): string {
  const A = a.fracTex();
  const B = leafTex(b, true, false);
  const head = `${A} ${TEX_OP[op]} ${B}`;
  if (op === "+" || op === "-") {
    if (a.d === b.d) {
      const raw = op === "+" ? a.n + b.n : a.n - b.n;
      const rawTex = `${raw < 0 ? "-" : ""}\\frac{${Math.abs(raw)}}{${a.d}}`;
      const red = Rat.of(raw, a.d);
      return red.d === a.d ? `${head} = ${rawTex}` : `${head} = ${rawTex} = ${c.fracTex()}`;
    }
    const l = (a.d * b.d) / gcd(a.d, b.d);
    const an = a.n * (l / a.d);
    const bn = b.n * (l / b.d);
    const raw = op === "+" ? an + bn : an - bn;
    const expanded = `\\frac{${an}}{${l}} ${TEX_OP[op]} ${bn < 0 ? `\\left(\\frac{${bn}}{${l}}\\right)` : `\\frac{${bn}}{${l}}`}`;
    const rawTex = raw < 0 ? `-\\frac{${-raw}}{${l}}` : `\\frac{${raw}}{${l}}`;
    const reduced = Rat.of(raw, l);
    return reduced.d === l ? `${head} = ${expanded} = ${rawTex}` : `${head} = ${expanded} = ${rawTex} = ${c.fracTex()}`;
  }
  if (op === "*") {
    const rawN = a.n * b.n;
    const rawD = a.d * b.d;
    const rawTex = `${rawN < 0 ? "-" : ""}\\frac{${Math.abs(rawN)}}{${rawD}}`;
    return Rat.of(rawN, rawD).d === rawD && rawD !== 1 ? `${head} = ${rawTex}` : `${head} = ${rawTex} = ${c.fracTex()}`;
  }
  const inv = Rat.of(b.d, b.n);
  return `${head} = ${A} \\times ${leafTex(inv, true, false)} = ${c.fracTex()}`;
}

interface Ready {
  node: Node & { k: "op" };
  parent: (Node & { k: "op" }) | undefined;
  side: "l" | "r";
  inParens: boolean;
  order: number;
}

/** Evaluates the tree one operation at a time, in the order of operations, writing each step. */
function solveSteps(root: Node, lang: Lang, fractions: boolean): string[] {
  const steps: string[] = [];
  let tree = root;
  for (;;) {
    if (tree.k === "n") return steps;
    const ready: Ready[] = [];
    let order = 0;
    let addSubLeft = 0;
    let mulDivLeft = 0;
    const walk = (n: Node, parent: Ready["parent"], side: "l" | "r", inParens: boolean): void => {
      if (n.k !== "op") return;
      if (PREC[n.op] === 1) addSubLeft++;
      else mulDivLeft++;
      const lp = needsParens(n.op, n.l, false);
      const rp = needsParens(n.op, n.r, true);
      walk(n.l, n, "l", inParens || lp);
      if (n.l.k === "n" && n.r.k === "n") ready.push({ node: n, parent, side, inParens, order: order++ });
      walk(n.r, n, "r", inParens || rp);
    };
    walk(tree, undefined, "l", false);
    // Parentheses first; then multiplication and division; then left to right.
    ready.sort(
      (a, b) => Number(b.inParens) - Number(a.inParens) || PREC[b.node.op] - PREC[a.node.op] || a.order - b.order,
    );
    const pick = ready[0]!;
    const a = (pick.node.l as { v: Rat }).v;
    const b = (pick.node.r as { v: Rat }).v;
    const c = apply(pick.node.op, a, b);
    const leaf: Node = { k: "n", v: c };
    if (!pick.parent) tree = leaf;
    else pick.parent[pick.side] = leaf;
    const work = fractions
      ? fractionWork(pick.node.op, a, b, c)
      : `${leafTex(a, false, true)} ${TEX_OP[pick.node.op]} ${leafTex(b, false, false)} = ${c.tex()}`;
    const isMulDiv = PREC[pick.node.op] === 2;
    const reason =
      lang === "en"
        ? pick.inParens
          ? "Brackets first: "
          : isMulDiv && addSubLeft > 0
            ? `${pick.node.op === "*" ? "Multiplication" : "Division"} comes before addition and subtraction: `
            : (isMulDiv ? mulDivLeft : addSubLeft) > 1
              ? "Working from left to right: "
              : tree.k === "n" && steps.length
                ? "Finally, "
                : ""
        : pick.inParens
          ? "先算括号里的："
          : isMulDiv && addSubLeft > 0
            ? `先算${pick.node.op === "*" ? "乘法" : "除法"}：`
            : (isMulDiv ? mulDivLeft : addSubLeft) > 1
              ? "从左往右计算："
              : tree.k === "n" && steps.length
                ? "最后，"
                : tree.k === "n"
                  ? "直接计算："
                  : "";
    const rest =
      tree.k === "n"
        ? ""
        : lang === "en"
          ? `, so the expression becomes $${tex(tree, fractions)}$`
          : `，算式变为 $${tex(tree, fractions)}$`;
    steps.push(`${reason}$${work}$${rest}${lang === "en" ? "." : "。"}`);
  }
}

// ---- tree generation ------------------------------------------------------------------------

interface LeafSpec {
  leaf(rng: Rng): Rat;
  divisor(rng: Rng, dividend: Rat): Rat | undefined;
  maxPlaces: number;
  limit: number;
}

const INT_LEAVES = (neg: number): LeafSpec => ({
  leaf: (rng) => R(rng.chance(neg) ? -rng.int(1, 20) : rng.int(2, 60)),
  divisor: (rng, x) => {
    if (!x.isInt() || x.n === 0) return undefined;
    const ds = [];
    for (let d = 2; d <= 15; d++) if (x.n % d === 0) ds.push(d);
    return ds.length ? R(rng.pick(ds)) : undefined;
  },
  maxPlaces: 0,
  limit: 100000,
});

const DECIMAL_DIVISORS = ["2", "4", "5", "8", "0.5", "0.25", "0.2", "2.5", "1.25", "0.4"];
const DEC_LEAVES: LeafSpec = {
  leaf: (rng) => (rng.chance(0.6) ? Rat.of(rng.int(1, 999), 10) : Rat.of(rng.int(1, 9999), 100)),
  divisor: (rng) => Rat.dec(rng.pick(DECIMAL_DIVISORS)),
  maxPlaces: 4,
  limit: 100000,
};

const FRAC_LEAVES: LeafSpec = {
  leaf: (rng) => {
    const d = rng.int(2, 12);
    let n = rng.int(1, d * 2);
    if (n % d === 0) n++;
    return Rat.of(n, d);
  },
  divisor: (rng) => {
    const d = rng.int(2, 9);
    let n = rng.int(1, 9);
    if (n % d === 0) n++;
    return Rat.of(n, d);
  },
  maxPlaces: -1,
  limit: 1000,
};

function build(rng: Rng, ops: number, spec: LeafSpec, allowed: readonly Op[]): Node {
  if (ops === 0) return { k: "n", v: spec.leaf(rng) };
  const leftOps = rng.int(0, ops - 1);
  const op = rng.pick(allowed);
  if (op === "/") {
    // The divisor is a single number chosen to divide the left side; the other operations go left.
    const left = build(rng, ops - 1, spec, allowed);
    const dv = spec.divisor(rng, value(left));
    if (dv) return { k: "op", op, l: left, r: { k: "n", v: dv } };
    return { k: "op", op: "*", l: left, r: { k: "n", v: spec.leaf(rng) } };
  }
  const l = build(rng, leftOps, spec, allowed);
  return { k: "op", op, l, r: build(rng, ops - 1 - leftOps, spec, allowed) };
}

function acceptable(node: Node, spec: LeafSpec): boolean {
  const check = (n: Node): boolean => {
    if (n.k === "n") return true;
    if (!check(n.l) || !check(n.r)) return false;
    const v = value(n);
    if (Math.abs(v.toNumber()) > spec.limit) return false;
    if (spec.maxPlaces === 0 && !v.isInt()) return false;
    if (spec.maxPlaces > 0 && (v.places() < 0 || v.places() > spec.maxPlaces)) return false;
    if (spec.maxPlaces < 0 && v.d > 144) return false;
    return true;
  };
  return check(node);
}

const ASK_EN = [
  (e: string) => `Calculate $${e}$.`,
  (e: string) => `What is $${e}$?`,
  (e: string) => `Evaluate $${e}$.`,
  (e: string) => `Work out the value of $${e}$.`,
  (e: string) => `Find the exact value of $${e}$.`,
  (e: string) => `Compute $${e}$ and give the exact result.`,
  (e: string) => `Simplify $${e}$ to a single number.`,
  (e: string) => `Without a calculator, work out $${e}$.`,
  (e: string) => `What number is $${e}$ equal to?`,
  (e: string) => `Give the value of $${e}$.`,
  (e: string) => `Work out $${e}$, showing each step.`,
  (e: string) => `A student is asked to find $${e}$. What is the correct result?`,
  (e: string) => `Determine $${e}$.`,
];
const ASK_ZH = [
  (e: string) => `计算：$${e}$。`,
  (e: string) => `求 $${e}$ 的值。`,
  (e: string) => `$${e}$ 等于多少？`,
  (e: string) => `请计算 $${e}$，结果写成准确值。`,
  (e: string) => `不用计算器，算出 $${e}$ 的结果。`,
  (e: string) => `化简并求值：$${e}$。`,
  (e: string) => `口算或笔算：$${e}$ = ?`,
  (e: string) => `算一算，$${e}$ 的结果是多少？`,
  (e: string) => `写出 $${e}$ 的计算结果。`,
  (e: string) => `按运算顺序计算 $${e}$。`,
  (e: string) => `老师让同学们计算 $${e}$，正确答案是多少？`,
  (e: string) => `请分步计算：$${e}$。`,
];

/** One-operation questions in words. */
const WORDS_EN: Record<Op, Array<(a: string, b: string) => string>> = {
  "+": [
    (a, b) => `What is the sum of ${a} and ${b}?`,
    (a, b) => `Add ${a} and ${b}.`,
    (a, b) => `What do you get when you add ${b} to ${a}?`,
    (a, b) => `Find the total of ${a} and ${b}.`,
    (a, b) => `Increase ${a} by ${b}. What is the result?`,
    (a, b) => `${a} plus ${b} equals what?`,
  ],
  "-": [
    (a, b) => `Subtract ${b} from ${a}.`,
    (a, b) => `What is ${a} minus ${b}?`,
    (a, b) => `How much is ${b} less than ${a}? Give the difference.`,
    (a, b) => `Take ${b} away from ${a}. What is left?`,
    (a, b) => `What is the difference between ${a} and ${b}?`,
    (a, b) => `Decrease ${a} by ${b}.`,
  ],
  "*": [
    (a, b) => `What is ${a} multiplied by ${b}?`,
    (a, b) => `Find the product of ${a} and ${b}.`,
    (a, b) => `What is ${a} times ${b}?`,
    (a, b) => `Multiply ${a} by ${b}.`,
    (a, b) => `What do ${b} lots of ${a} make?`,
    (a, b) => `Compute the product ${a} × ${b}.`,
  ],
  "/": [
    (a, b) => `Divide ${a} by ${b}.`,
    (a, b) => `What is ${a} divided by ${b}?`,
    (a, b) => `How many times does ${b} go into ${a}?`,
    (a, b) => `Find the quotient of ${a} and ${b}.`,
    (a, b) => `Share ${a} equally into ${b} groups. How many are in each group?`,
    (a, b) => `What is ${a} ÷ ${b}?`,
  ],
};
const WORDS_ZH: Record<Op, Array<(a: string, b: string) => string>> = {
  "+": [
    (a, b) => `${a} 与 ${b} 的和是多少？`,
    (a, b) => `${a} 加上 ${b} 等于多少？`,
    (a, b) => `求 ${a} 和 ${b} 的总和。`,
    (a, b) => `比 ${a} 多 ${b} 的数是多少？`,
    (a, b) => `${a} 加 ${b} 得多少？`,
  ],
  "-": [
    (a, b) => `${a} 减去 ${b} 等于多少？`,
    (a, b) => `${a} 比 ${b} 多多少？`,
    (a, b) => `从 ${a} 里减去 ${b}，还剩多少？`,
    (a, b) => `比 ${a} 少 ${b} 的数是多少？`,
    (a, b) => `${a} 与 ${b} 的差是多少？`,
  ],
  "*": [
    (a, b) => `${a} 乘以 ${b} 是多少？`,
    (a, b) => `求 ${a} 与 ${b} 的积。`,
    (a, b) => `${a} 的 ${b} 倍是多少？`,
    (a, b) => `${b} 个 ${a} 相加得多少？`,
    (a, b) => `计算 ${a} × ${b}。`,
  ],
  "/": [
    (a, b) => `${a} 除以 ${b} 等于多少？`,
    (a, b) => `求 ${a} 除以 ${b} 的商。`,
    (a, b) => `${a} 里面有几个 ${b}？`,
    (a, b) => `把 ${a} 平均分成 ${b} 份，每份是多少？`,
    (a, b) => `计算 ${a} ÷ ${b}。`,
  ],
};

function oneOp(rng: Rng): Node {
  const op = rng.pick<Op>(["+", "-", "*", "/"]);
  let a: number;
  let b: number;
  if (op === "+") [a, b] = [rng.int(10, 9999), rng.int(10, 999)];
  else if (op === "-") {
    b = rng.int(10, 999);
    a = b + rng.int(1, 9000);
  } else if (op === "*") [a, b] = [rng.int(12, 999), rng.int(2, 99)];
  else {
    b = rng.int(2, 99);
    a = b * rng.int(2, 400);
  }
  return { k: "op", op, l: { k: "n", v: R(a) }, r: { k: "n", v: R(b) } };
}

export const arithmetic: CategoryGenerator = (rng, level: Level, lang): Draft => {
  let tree: Node;
  let fractions = false;
  let form: string;
  if (level === 1) {
    tree = oneOp(rng);
    form = "one";
  } else if (level === 2) {
    const spec = INT_LEAVES(0.2);
    tree = build(rng, rng.int(2, 3), spec, ["+", "-", "*", "/", "*", "-"]);
    if (!acceptable(tree, spec)) throw new Retry("unsuitable expression");
    form = "int";
  } else if (rng.chance(0.5)) {
    tree = build(rng, rng.int(2, 3), DEC_LEAVES, ["+", "-", "*", "/"]);
    if (!acceptable(tree, DEC_LEAVES)) throw new Retry("unsuitable expression");
    form = "dec";
  } else {
    tree = build(rng, rng.int(1, 2), FRAC_LEAVES, ["+", "-", "*", "/", "+", "-"]);
    if (!acceptable(tree, FRAC_LEAVES)) throw new Retry("unsuitable expression");
    fractions = true;
    form = "frac";
  }
  const answer = value(tree);
  const expr = ascii(tree, fractions);
  let problem: string;
  let phr: number;
  if (tree.k === "op" && level === 1 && rng.chance(0.5)) {
    const table = (lang === "en" ? WORDS_EN : WORDS_ZH)[tree.op];
    phr = rng.int(0, table.length - 1);
    problem = table[phr]!((tree.l as { v: Rat }).v.toString(), (tree.r as { v: Rat }).v.toString());
    form += "-words";
  } else {
    const asks = lang === "en" ? ASK_EN : ASK_ZH;
    phr = rng.int(0, asks.length - 1);
    problem = asks[phr]!(tex(tree, fractions));
  }
  const steps = solveSteps(structuredCloneNode(tree), lang, fractions);
  if (fractions && !answer.isInt()) {
    steps.push(
      lang === "en"
        ? `The fraction $${answer.fracTex()}$ is in lowest terms.`
        : `分数 $${answer.fracTex()}$ 已是最简分数。`,
    );
  }
  return {
    problem,
    steps,
    answer,
    check: { type: "value", expr },
    template: `arithmetic/${form}/${phr}`,
    ...(fractions ? { fractionAnswer: true } : {}),
  };
};

function structuredCloneNode(n: Node): Node {
  return n.k === "n" ? n : { k: "op", op: n.op, l: structuredCloneNode(n.l), r: structuredCloneNode(n.r) };
}
