#!/usr/bin/env node
/**
 * Manual check against the real datasets (not a test; needs `pnpm turbo run build --filter @mathtune/answer`):
 *   node packages/answer/scripts/check-realdata.mjs [/work/shared/realdata]
 * - GSM8K train: a gold answer from `####` for every record, equivalent(gold, gold) for all.
 * - MATH train: a gold answer from the last \boxed for every solution that has one, equivalent(gold, gold).
 * - What the flexible extractor gets from MATH solutions (boxed removed? no: as written) vs the boxed answer.
 * - DeepMind sample: answerKind of every answer and equivalent(answer, answer).
 * Besides the identical pairs (which the same-text shortcut decides), each source also gets a rewritten
 * pair that must take the full path: GSM8K gold vs `$` + thousands commas, MATH gold vs the gold with
 * its spaces removed, DeepMind sympy-style answers vs a LaTeX-ish spelling (`**` -> `^`, `*` -> space).
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { answerKind, compare, extractAnswer, extractBoxed, extractGsm8k } from "../dist/index.js";

const root = process.argv[2] ?? "/work/shared/realdata";
if (!existsSync(root)) {
  console.log(`no real data at ${root}; nothing checked`);
  process.exit(0);
}

const tally = (m, k) => m.set(k, (m.get(k) ?? 0) + 1);
const show = (title, m) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1])) console.log(`  ${String(v).padStart(6)}  ${k}`);
};

// ---------------------------------------------------------------- GSM8K
{
  const lines = readFileSync(join(root, "gsm8k/train.jsonl"), "utf8").split("\n").filter(Boolean);
  let extracted = 0,
    selfEq = 0,
    strictAgrees = 0,
    flexAgrees = 0,
    rewrittenEq = 0;
  const kinds = new Map();
  const fails = [];
  for (const line of lines) {
    const { answer } = JSON.parse(line);
    const gold = extractGsm8k(answer);
    if (gold === undefined) {
      fails.push(answer.slice(-80));
      continue;
    }
    extracted++;
    tally(kinds, answerKind(gold));
    if (compare(gold, gold).equal) selfEq++;
    else fails.push(`self: ${gold}`);
    const money = `\\$${gold.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}`;
    if (compare(gold, money).equal) rewrittenEq++;
    else fails.push(`rewritten: ${gold} vs ${money}`);
    // the solution without its #### line: does the flexible extractor find the same number?
    const body = answer.replace(/\n?####.*$/s, "");
    const flex = extractAnswer(body, { mode: "flexible" });
    if (flex && compare(flex.answer, gold).equal) flexAgrees++;
    const strict = extractAnswer(answer, { mode: "strict" });
    if (strict && compare(strict.answer, gold).equal) strictAgrees++;
  }
  console.log(
    `GSM8K train: ${lines.length} records, gold extracted ${extracted}, equivalent(gold, gold) ${selfEq}, equivalent(gold, "\\$" + gold with commas) ${rewrittenEq}`,
  );
  console.log(
    `  strict extractAnswer(full answer) == gold: ${strictAgrees}; flexible extractAnswer(answer without ####) == gold: ${flexAgrees}`,
  );
  show("  answerKind of GSM8K gold", kinds);
  if (fails.length) console.log("  failures:", fails.slice(0, 10));
}

// ---------------------------------------------------------------- MATH
{
  const base = join(root, "MATH/train");
  let files = 0,
    boxedCount = 0,
    selfEq = 0,
    selfMs = 0,
    maxMs = 0,
    spaced = 0,
    spacedEq = 0;
  const spacedFails = [];
  const kinds = new Map();
  const rules = new Map();
  const outcome = new Map();
  const examples = new Map();
  const byKind = new Map();
  const fails = [];
  for (const subject of readdirSync(base).sort()) {
    for (const f of readdirSync(join(base, subject)).sort()) {
      if (!f.endsWith(".json")) continue;
      files++;
      const { solution } = JSON.parse(readFileSync(join(base, subject, f), "utf8"));
      const gold = extractBoxed(solution);
      if (gold === undefined) {
        tally(outcome, "no \\boxed in solution");
        continue;
      }
      boxedCount++;
      tally(kinds, answerKind(gold));
      const t = performance.now();
      const r = compare(gold, gold);
      const ms = performance.now() - t;
      selfMs += ms;
      maxMs = Math.max(maxMs, ms);
      if (r.equal) selfEq++;
      else fails.push(`${subject}/${f}: ${gold} (${r.reason})`);
      const squeezed = gold.replace(/(?<!\\[A-Za-z]+)\s+/g, "");
      if (squeezed !== gold) {
        spaced++;
        const rs = compare(gold, squeezed);
        if (rs.equal) spacedEq++;
        else spacedFails.push(`${JSON.stringify(gold)} (${rs.reason})`);
      }
      // the flexible extractor on the solution with every \boxed / \fbox unwrapped: what does it find?
      const unboxed = solution.replace(/\\(?:boxed|fbox)\s*/g, "");
      const ex = extractAnswer(unboxed, { mode: "flexible" });
      const key = !ex ? "nothing" : `${ex.rule}: ${compare(ex.answer, gold).equal ? "equivalent" : "different"}`;
      tally(rules, key);
      if (!byKind.has(answerKind(gold))) byKind.set(answerKind(gold), new Map());
      tally(byKind.get(answerKind(gold)), key);
      if (!examples.has(key))
        examples.set(key, `${subject}/${f}: got ${JSON.stringify(ex?.answer)} vs boxed ${JSON.stringify(gold)}`);
    }
  }
  console.log(
    `\nMATH train: ${files} files, with \\boxed ${boxedCount}, equivalent(gold, gold) ${selfEq} (mean ${(selfMs / boxedCount).toFixed(2)} ms, max ${maxMs.toFixed(1)} ms)`,
  );
  console.log(
    `  gold with spaces: ${spaced}; equivalent(gold, gold without spaces) ${spacedEq}; not: ${spacedFails.join(", ")}`,
  );
  show("  answerKind of MATH gold", kinds);
  show("  no gold", outcome);
  show("  flexible extractAnswer on the solution with \\boxed unwrapped, vs the boxed answer", rules);
  for (const [k, v] of examples) console.log(`    e.g. ${k}: ${v}`);
  const cols = [
    "last-number: equivalent",
    "last-number: different",
    "answer-line: equivalent",
    "answer-line: different",
    "nothing",
  ];
  console.log(
    `\n  by kind of the boxed answer\n  | kind | ${cols.join(" | ")} | total |\n  |---|${cols.map(() => "---:").join("|")}|---:|`,
  );
  for (const [kind, m] of [...byKind].sort(
    (a, b) => [...b[1].values()].reduce((x, y) => x + y) - [...a[1].values()].reduce((x, y) => x + y),
  )) {
    console.log(
      `  | ${kind} | ${cols.map((c) => m.get(c) ?? 0).join(" | ")} | ${[...m.values()].reduce((x, y) => x + y)} |`,
    );
  }
  if (fails.length) console.log("  self-equivalence failures:", fails.slice(0, 20));
}

// ---------------------------------------------------------------- DeepMind sample
{
  const base = join(root, "mathematics_dataset/v1.0-sample");
  if (existsSync(base)) {
    let pairs = 0,
      selfEq = 0,
      rewritten = 0,
      rewrittenEq = 0,
      rewrittenMs = 0;
    const kinds = new Map();
    const fails = [];
    for (const level of readdirSync(base).sort()) {
      for (const f of readdirSync(join(base, level)).sort()) {
        const lines = readFileSync(join(base, level, f), "utf8").split("\n");
        for (let i = 0; i + 1 < lines.length; i += 2) {
          const q = lines[i],
            a = lines[i + 1];
          if (!q) continue;
          pairs++;
          tally(kinds, `${answerKind(a)}`);
          const r = compare(a, a, { question: q });
          if (r.equal) selfEq++;
          else fails.push(`${f}: ${a} (${r.reason})`);
          const b = a.replace(/\*\*/g, "^").replace(/\*/g, " ");
          if (b !== a) {
            rewritten++;
            const rb = compare(a, b, { question: q });
            rewrittenMs += rb.elapsedMs;
            if (rb.equal) rewrittenEq++;
            else fails.push(`${f}: ${a} vs ${b} (${rb.reason})`);
          }
        }
      }
    }
    console.log(`\nDeepMind sample: ${pairs} pairs, equivalent(answer, answer) ${selfEq}`);
    console.log(
      `  sympy-style answers rewritten (** -> ^, * -> space): ${rewritten}, equivalent ${rewrittenEq} (mean ${(rewrittenMs / rewritten).toFixed(2)} ms)`,
    );
    show("  answerKind of DeepMind answers", kinds);
    if (fails.length) console.log("  failures:", fails.slice(0, 10));
  }
}
