#!/usr/bin/env node
/**
 * Builds grading corpora with known truth from real solutions (GSM8K train, MATH train): model-like
 * outputs that end in `#### N` and its variants, `A: N`, answer lines, boxes, several boxes, the
 * last math span of prose, thousands separators, relations, tuples, intervals, an early box and a
 * later final answer line, and wrong answers of each kind. Deterministic: same data + seed, same file.
 *
 *   node packages/answer/scripts/make-corpus.mjs [--data /work/shared/realdata] [--out corpus.jsonl]
 *        [--per-source 1500] [--seed 7] [--fixture]
 *
 * Each line: { id, set, style, truth, gold, output }. `set` is `gsm8k` (gold: the `####` number),
 * `math` (gold: the solution's last box) or `strings` (the output is an answer string only, as a
 * grader sees it when answers were extracted before). `truth` says whether `output` answers `gold`.
 * `--fixture` writes a small representative sample (a few of each style) for the test suite.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const data = opt("data", "/work/shared/realdata");
const out = opt("out", "corpus.jsonl");
const perSource = Number(opt("per-source", "1500"));
const fixture = args.includes("--fixture");
let seed = Number(opt("seed", "7")) >>> 0;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];

if (!existsSync(data)) {
  console.error(`no real data at ${data}`);
  process.exit(1);
}

/** Index of the `}` closing the `{` at `open` (backslash escapes skipped), or -1. */
function closeBrace(s, open) {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === "\\") {
      i++;
      continue;
    }
    if (s[i] === "{") depth++;
    else if (s[i] === "}" && --depth === 0) return i;
  }
  return -1;
}

/** The last `\boxed{...}` of a text: [start, end, content], or undefined. */
function lastBox(s) {
  const at = s.lastIndexOf("\\boxed{");
  if (at < 0) return undefined;
  const close = closeBrace(s, at + 6);
  if (close < 0) return undefined;
  return [at, close + 1, s.slice(at + 7, close)];
}

const withCommas = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** A value that differs from `g`: a plain number moved, else the first integer in it changed. */
function wrongOf(g) {
  const t = g.trim();
  if (/^-?\d+$/.test(t)) {
    const n = BigInt(t);
    return String(pick([n + 1n, n - 1n, n * 10n + 1n, n + 7n]));
  }
  if (/^-?\d+\.\d+$/.test(t)) return (Number(t) + pick([0.5, 1, -1])).toFixed(t.split(".")[1].length);
  // the first integer that is no exponent, index or root degree, and no 1 or 0 in front of a power
  const re = /(?<![\^_\d.\[])\d+(?![\d.]*\s*[\^])/g;
  const m = re.exec(t);
  if (!m) return undefined;
  const n = Number(m[0]);
  return t.slice(0, m.index) + String(n + pick([1, 2, 3])) + t.slice(m.index + m[0].length);
}

const rows = [];
const add = (set, style, truth, gold, output) =>
  rows.push({ id: `${set}-${rows.length}`, set, style, truth, gold, output });

// ---------------------------------------------------------------- GSM8K
{
  const lines = readFileSync(join(data, "gsm8k/train.jsonl"), "utf8").split("\n").filter(Boolean);
  const chosen = [];
  for (let i = 0; i < perSource && lines.length; i++)
    chosen.push(JSON.parse(lines.splice(Math.floor(rnd() * lines.length), 1)[0]));
  const STYLES = ["hash", "hash-variant", "a-line", "answer-is", "boxed", "math-span", "stripped-hash", "commas"];
  for (const r of chosen) {
    const hash = r.answer.lastIndexOf("####");
    const gold = r.answer
      .slice(hash + 4)
      .trim()
      .replace(/,/g, "");
    let body = r.answer.slice(0, hash).trimEnd();
    const style = pick(STYLES);
    if (style === "stripped-hash" || rnd() < 0.3) body = body.replace(/<<[^>]*>>/g, "");
    const truth = rnd() < 0.6;
    const n = truth ? gold : (wrongOf(gold) ?? `${gold}1`);
    const fmt = Math.abs(Number(n)) >= 1000 && rnd() < 0.5 ? withCommas(n) : n;
    const ending = {
      hash: `\n#### ${n}`,
      "stripped-hash": `\n#### ${n}`,
      "hash-variant": pick([
        `\n####${n}`,
        `\n#### $${fmt}`,
        `\n**#### ${n}**`,
        `\n#### ${fmt}.`,
        `\n####: ${n}`,
        ` #### ${n}`,
      ]),
      "a-line": pick([`\nA: ${n}`, `\nA: ${fmt}`, `\n\nA: $${fmt}`]),
      "answer-is": pick([`\nThe answer is ${fmt}.`, `\nThe answer is: ${n}`, `\nTherefore, the answer is $${fmt}$.`]),
      boxed: pick([`\nSo the answer is $\\boxed{${n}}$.`, `\n\\boxed{${fmt}}`]),
      "math-span": pick([`\nSo the total is $${n}$.`, `\nHence she needs $${n}$ in all.`]),
      commas: `\nThe answer is ${withCommas(n)}.`,
    }[style];
    add("gsm8k", style, truth, gold, body + ending);
  }
}

// ---------------------------------------------------------------- MATH
const mathGolds = [];
{
  const files = [];
  for (const dir of readdirSync(join(data, "MATH/train")).sort()) {
    for (const f of readdirSync(join(data, "MATH/train", dir)).sort()) files.push(join(data, "MATH/train", dir, f));
  }
  const chosen = [];
  for (let i = 0; i < perSource * 1.6 && files.length; i++)
    chosen.push(files.splice(Math.floor(rnd() * files.length), 1)[0]);
  for (const file of chosen) {
    const rec = JSON.parse(readFileSync(file, "utf8"));
    const box = lastBox(rec.solution);
    if (!box) continue;
    const gold = box[2].trim();
    if (gold === "" || gold.length > 80) continue;
    mathGolds.push(gold);
    const truth = rnd() < 0.6;
    const ans = truth ? gold : wrongOf(gold);
    if (ans === undefined) continue;
    const before = rec.solution.slice(0, box[0]);
    const after = rec.solution.slice(box[1]);
    const unboxed = before + ans + after;
    const isInt = /^-?\d+$/.test(gold);
    const styles = ["boxed", "minerva", "last-math", "early-box"];
    if (isInt) styles.push("variable-line", "relation", "separators");
    // the rarer shapes get their own style most of the time
    const special = [];
    if (/^\(.*,.*\)$/.test(gold) && !/[\[\]]/.test(gold)) special.push("tuple-var");
    if (/^[^()\[\]{}\\]*,[^()\[\]{}\\]*$/.test(gold) && !/^-?\d{1,3}(,\d{3})+$/.test(gold))
      special.push("several-boxes");
    if (/^[\[(].*,.*[\])]$/.test(gold) && /[\[\]]/.test(gold)) special.push("interval-in");
    const style = special.length && rnd() < 0.7 ? pick(special) : pick(styles);
    let output;
    switch (style) {
      case "boxed":
        output = before + `\\boxed{${ans}}` + after;
        break;
      case "minerva":
        output = `${unboxed}\nFinal Answer: The final answer is $${ans}$. I hope it is correct.`;
        break;
      case "last-math": {
        // only when the answer ends up in the last math span of the prose
        const spans = [...unboxed.matchAll(/\$([^$]+)\$/g)];
        const last = spans[spans.length - 1]?.[1] ?? "";
        output =
          last.trim().endsWith(ans) && /\$[^$]*$/.test(unboxed) ? unboxed : `${unboxed}\n\nSo the answer is $${ans}$.`;
        break;
      }
      case "early-box": {
        const other = wrongOf(ans) ?? `${ans}+1`;
        output = `${before}\\boxed{${other}}${after}\n\nWait, that is not right; checking again, the value is ${ans}.\n\nThe final answer is $${ans}$.`;
        break;
      }
      case "variable-line":
        output = `${unboxed}\nFinal Answer: The ${pick(["largest", "smallest", "required", "value of"])} $${pick(["n", "x", "k", "ABCDEFGH"])}$ is ${ans}.`;
        break;
      case "relation":
        output = `${unboxed}\nFinal Answer: The final answer is $${pick(["x", "n", "a"])} = ${ans}$.`;
        break;
      case "separators": {
        const s = withCommas(ans.replace(/^-/, ""));
        const sep = pick([",", "{,}", ",\\!", ",\\! "]);
        output = `${unboxed}\nThe final answer is $${ans.startsWith("-") ? "-" : ""}${s.replace(/,/g, sep)}$.`;
        break;
      }
      case "tuple-var":
        output = `${unboxed}\n\nTherefore $(${pick([
          ["p", "q", "r", "s"],
          ["x", "y", "z", "w"],
          ["a", "b", "c", "d"],
        ])
          .slice(0, ans.split(",").length)
          .join(pick([",", ", "]))})=\\boxed{${ans.replace(/,\s*/g, pick([", ", ","]))}}$.`;
        break;
      case "several-boxes":
        output = `${unboxed}\n\nThe solutions are ${ans
          .split(",")
          .map((x) => `$\\boxed{${x.trim()}}$`)
          .join(pick([", ", " and ", ", "]))}.`;
        break;
      case "interval-in":
        output = `${unboxed}\n\nSo $x \\in \\boxed{${ans}}$.`;
        break;
    }
    add("math", style, truth, gold, output);
  }
}

// ---------------------------------------------------------------- answer strings
{
  const rewrite = (g) => {
    const options = [
      g.replace(/\\dfrac/g, "\\frac").replace(/\\frac/g, "\\dfrac"),
      g.replace(/\s+/g, ""),
      `$${g}$`,
      `x = ${g}`,
      `\\boxed{${g}}`,
      g.replace(/\\left|\\right/g, ""),
    ];
    return pick(options);
  };
  const junk = (g) =>
    `${pick(["AZYUK", "QX", "ZZ"])}${g.replace(/[^\d]/g, "").slice(0, 2) || "7"}${pick(["A", "B", "Q"])}`;
  for (const g of mathGolds.slice(0, Math.ceil(perSource / 3))) {
    const truth = rnd() < 0.5;
    let pred;
    let style;
    if (truth) [pred, style] = [rewrite(g), "rewrite"];
    else {
      style = pick(["perturbed", "junk", "relation-flip"]);
      if (style === "junk") pred = junk(g);
      else if (style === "relation-flip") {
        const v = /^-?\d+$/.test(g) ? g : "5";
        const [a, b] = pick([
          ["x > ", "x < "],
          ["x \\ge ", "x \\le "],
          ["x \\gt ", "x \\lt "],
        ]);
        add("strings", style, false, `${a}${v}`, `${b}${v}`);
        continue;
      } else pred = wrongOf(g);
    }
    if (pred === undefined) continue;
    add("strings", style, truth, g, pred);
  }
  // the relation operators and their spellings, equal ones too
  for (let k = 0; k < perSource / 15; k++) {
    const v = Math.floor(rnd() * 200) - 100;
    const [a, b] = pick([
      ["x > ", "x \\gt "],
      ["x < ", "x \\lt "],
      ["x \\geq ", "x \\ge "],
      ["x \\leq ", "x \\le "],
    ]);
    add("strings", "relation-spelling", true, `${a}${v}`, `${b}${v}`);
  }
}

// several boxes against a set, and thousands separators in LaTeX, with random values
for (let k = 0; k < perSource / 15; k++) {
  const xs = [...new Set(Array.from({ length: 2 + Math.floor(rnd() * 3) }, () => Math.floor(rnd() * 40) - 20))];
  const truth = rnd() < 0.6;
  const ys = truth ? xs : xs.map((x, i) => (i === xs.length - 1 ? x + 1 : x));
  if (new Set(ys).size !== ys.length) continue;
  add(
    "strings",
    "several-boxes-set",
    truth,
    `\\{${xs.join(",")}\\}`,
    `The solutions are ${ys.map((y) => `$\\boxed{${y}}$`).join(", ")}.`,
  );
  const n = Math.floor(rnd() * 1e11) + 1000;
  const m = truth ? n : n + pick([1, 10, 1000]);
  add(
    "strings",
    "separators",
    truth,
    String(n),
    `$${withCommas(m).replace(/,/g, pick([",\\! ", "{,}", ",\\!", "\\,"]))}$`,
  );
}

let lines = rows;
if (fixture) {
  // a few of each (set, style, truth), so that every class is in the test table
  const seen = new Map();
  lines = rows.filter((r) => {
    const key = `${r.set}/${r.style}/${r.truth}`;
    const c = seen.get(key) ?? 0;
    seen.set(key, c + 1);
    return c < 4;
  });
}
writeFileSync(out, lines.map((r) => JSON.stringify(r)).join("\n") + "\n");
const count = new Map();
for (const r of lines) count.set(r.set, (count.get(r.set) ?? 0) + 1);
console.log(`${lines.length} cases -> ${out}: ${[...count].map(([k, v]) => `${k} ${v}`).join(", ")}`);
