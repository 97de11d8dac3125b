import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { MathtuneError, stableStringify, writeFileAtomic } from "@mathtune/core";
import type { ModelInfo } from "./backends/types.js";
import { readPredictions, type EvalMetrics } from "./eval.js";
import type { GradeMode } from "./grade.js";
import type { Prediction } from "./metrics.js";
import { mcnemarExact, wilson } from "./stats.js";

/** Options of `compareRuns`. */
export interface CompareOptions {
  /** Run folders of `evaluate` (each holds predictions.jsonl and metrics.json). A is the baseline. */
  a: string;
  b: string;
  /** Where comparison.md and comparison.json go (default: nowhere; the result is returned). */
  out?: string;
  /** Grading mode compared (default flexible). */
  mode?: GradeMode;
  /** Examples of fixed and broken problems shown (default 5 each). */
  examples?: number;
  /** Display names (default: the run folders' names). */
  labels?: [string, string];
}

/**
 * One row of a comparison (overall or a category): each model's accuracy with its 95% interval, and the paired
 * test.
 */
export interface PairedRow {
  /** `overall` or the category. */
  group: string;
  n: number;
  a: { correct: number; accuracy: number; ci95: [number, number] };
  b: { correct: number; accuracy: number; ci95: [number, number] };
  /** B's accuracy minus A's. */
  difference: number;
  /** Problems A got right and B wrong (broken), and the reverse (fixed). */
  broken: number;
  fixed: number;
  /** Exact McNemar p-value on the paired outcomes. */
  pValue: number;
}

/** A problem the two models disagree on, with each one's answer and verdict. */
export interface Example {
  id: string;
  category?: string;
  problem: string;
  gold: string;
  a: { answer: string | null; verdict: string };
  b: { answer: string | null; verdict: string };
}

/**
 * What `compareRuns` returns (and writes as comparison.json): the paired rows, the models, the test set and
 * examples.
 */
export interface Comparison {
  version: 1;
  mode: GradeMode;
  labels: [string, string];
  models: [ModelInfo | null, ModelInfo | null];
  testSet: { hash: string | null; records: number };
  overall: PairedRow;
  byCategory: PairedRow[];
  fixed: Example[];
  broken: Example[];
  /** The same model at two quantizations: what the smaller one costs. */
  quantization: { from: string; to: string; accuracyLoss: number; pValue: number } | null;
}

async function readRun(dir: string): Promise<{ preds: Prediction[]; metrics: EvalMetrics | null }> {
  const predFile = join(dir, "predictions.jsonl");
  if (!existsSync(predFile))
    throw new MathtuneError("E_INPUT_NOT_FOUND", `${dir} holds no predictions.jsonl`, {
      hint: "pass run folders written by `mathtune eval`",
    });
  const preds = await readPredictions(predFile);
  const mf = join(dir, "metrics.json");
  const metrics = existsSync(mf) ? (JSON.parse(await readFile(mf, "utf8")) as EvalMetrics) : null;
  if (!metrics)
    throw new MathtuneError("E_EVAL_INCOMPLETE", `${dir} is an unfinished evaluation (no metrics.json)`, {
      hint: "rerun its `mathtune eval` with the same arguments to finish it",
    });
  return { preds, metrics };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

function row(group: string, pairs: [Prediction, Prediction][], mode: GradeMode): PairedRow {
  let ca = 0;
  let cb = 0;
  let broken = 0;
  let fixed = 0;
  for (const [a, b] of pairs) {
    const ra = a[mode].verdict === "correct";
    const rb = b[mode].verdict === "correct";
    if (ra) ca++;
    if (rb) cb++;
    if (ra && !rb) broken++;
    if (!ra && rb) fixed++;
  }
  const n = pairs.length;
  const side = (c: number) => ({
    correct: c,
    accuracy: n ? round(c / n) : 0,
    ci95: wilson(c, n).map(round) as [number, number],
  });
  return {
    group,
    n,
    a: side(ca),
    b: side(cb),
    difference: n ? round((cb - ca) / n) : 0,
    broken,
    fixed,
    pValue: mcnemarExact(broken, fixed),
  };
}

function example(a: Prediction, b: Prediction, mode: GradeMode): Example {
  const short = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}...` : s);
  return {
    id: a.id,
    ...(a.category !== undefined ? { category: a.category } : {}),
    problem: short(a.problem),
    gold: a.gold,
    a: { answer: a[mode].answer, verdict: a[mode].verdict },
    b: { answer: b[mode].answer, verdict: b[mode].verdict },
  };
}

/**
 * Compares two evaluations of the same test set (checked problem by problem by their hashes;
 * E_COMPARE_MISMATCH otherwise): accuracy per category side by side with the difference, the exact
 * McNemar test per category and overall, the problems fixed and broken with examples, and the cost
 * of quantization when both runs are the same model at two quantizations. Writes comparison.md and
 * comparison.json to `out` when given.
 */
export async function compareRuns(opts: CompareOptions): Promise<Comparison> {
  const mode = opts.mode ?? "flexible";
  const [ra, rb] = await Promise.all([readRun(resolve(opts.a)), readRun(resolve(opts.b))]);
  const mapB = new Map(rb.preds.map((p) => [p.id, p]));
  const onlyA = ra.preds.filter((p) => !mapB.has(p.id));
  const changed = ra.preds.filter((p) => mapB.has(p.id) && mapB.get(p.id)!.hash !== p.hash);
  if (onlyA.length || changed.length || ra.preds.length !== rb.preds.length) {
    const idsA = new Set(ra.preds.map((p) => p.id));
    const onlyB = rb.preds.filter((p) => !idsA.has(p.id));
    throw new MathtuneError(
      "E_COMPARE_MISMATCH",
      `the two evaluations are not on the same test set: ${onlyA.length} problems only in A, ${onlyB.length} only in B, ${changed.length} with the same id but other content (first: ${[...onlyA, ...onlyB, ...changed][0]?.id ?? "?"})`,
      {
        hint: "evaluate both models on the same split with the same --limit, --per-category and --seed",
        details: { onlyA: onlyA.length, onlyB: onlyB.length, changed: changed.length },
      },
    );
  }
  const pairs: [Prediction, Prediction][] = ra.preds.map((p) => [p, mapB.get(p.id)!]);
  const cats = new Map<string, [Prediction, Prediction][]>();
  for (const pr of pairs) {
    const c = pr[0].category ?? "(none)";
    let g = cats.get(c);
    if (!g) cats.set(c, (g = []));
    g.push(pr);
  }
  const k = opts.examples ?? 5;
  const right = (p: Prediction) => p[mode].verdict === "correct";
  const ma = ra.metrics?.model ?? null;
  const mb = rb.metrics?.model ?? null;
  const overall = row("overall", pairs, mode);
  let quantization: Comparison["quantization"] = null;
  if (
    ma &&
    mb &&
    ma.quantization &&
    mb.quantization &&
    ma.quantization !== mb.quantization &&
    ma.modelName !== undefined &&
    ma.modelName === mb.modelName &&
    ma.architecture === mb.architecture
  ) {
    quantization = {
      from: ma.quantization,
      to: mb.quantization,
      accuracyLoss: round(overall.a.accuracy - overall.b.accuracy),
      pValue: overall.pValue,
    };
  }
  const cmp: Comparison = {
    version: 1,
    mode,
    labels: opts.labels ?? [basename(resolve(opts.a)), basename(resolve(opts.b))],
    models: [ma, mb],
    testSet: { hash: ra.metrics?.testSet.hash ?? null, records: pairs.length },
    overall,
    byCategory: [...cats.keys()].sort().map((c) => row(c, cats.get(c)!, mode)),
    fixed: pairs
      .filter(([a, b]) => !right(a) && right(b))
      .slice(0, k)
      .map(([a, b]) => example(a, b, mode)),
    broken: pairs
      .filter(([a, b]) => right(a) && !right(b))
      .slice(0, k)
      .map(([a, b]) => example(a, b, mode)),
    quantization,
  };
  if (opts.out) {
    await writeFileAtomic(join(resolve(opts.out), "comparison.json"), `${stableStringify(cmp, 2)}\n`);
    await writeFileAtomic(join(resolve(opts.out), "comparison.md"), comparisonMarkdown(cmp));
  }
  return cmp;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const signed = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}`;
const pfmt = (p: number) => (p < 0.001 ? "<0.001" : p.toFixed(3));
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The comparison as Markdown: the per-category table with p-values, fixed and broken examples. */
export function comparisonMarkdown(c: Comparison): string {
  const [la, lb] = c.labels;
  const lines = [
    `# ${la} vs ${lb}`,
    "",
    `${c.testSet.records} test problems, graded ${c.mode}. Difference in points (B - A); p: exact McNemar test on the paired outcomes; fixed: wrong in A, right in B; broken: the reverse.`,
    "",
    `| category | n | ${cell(la)} | ${cell(lb)} | difference | fixed | broken | p |`,
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of [...c.byCategory, c.overall]) {
    const name = r.group === "overall" ? "**overall**" : cell(r.group);
    lines.push(
      `| ${name} | ${r.n} | ${pct(r.a.accuracy)} | ${pct(r.b.accuracy)} | ${signed(r.difference)} | ${r.fixed} | ${r.broken} | ${pfmt(r.pValue)} |`,
    );
  }
  if (c.quantization) {
    lines.push(
      "",
      `Quantization: ${c.quantization.from} -> ${c.quantization.to} costs ${(c.quantization.accuracyLoss * 100).toFixed(1)} points of accuracy (p = ${pfmt(c.quantization.pValue)}).`,
    );
  }
  const ex = (title: string, list: Example[]) => {
    if (!list.length) return;
    lines.push("", `## ${title}`, "", `| id | gold | ${cell(la)} | ${cell(lb)} | problem |`, "|---|---|---|---|---|");
    for (const e of list)
      lines.push(
        `| ${cell(e.id)} | ${cell(e.gold)} | ${cell(e.a.answer ?? `(${e.a.verdict})`)} | ${cell(e.b.answer ?? `(${e.b.verdict})`)} | ${cell(e.problem.slice(0, 120))} |`,
      );
  };
  ex("Fixed (examples)", c.fixed);
  ex("Broken (examples)", c.broken);
  return `${lines.join("\n")}\n`;
}
