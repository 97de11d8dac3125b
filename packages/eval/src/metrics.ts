import type { ChatMessage } from "@mathtune/format";
import type { FinishReason } from "./backends/types.js";
import { type Grade, GRADE_MODES, type GradeMode } from "./grade.js";
import { wilson } from "./stats.js";

/** One line of predictions.jsonl. */
export interface Prediction {
  id: string;
  /** The test problem's hash (see `recordHash`): `compare` pairs runs by it. */
  hash: string;
  source: string;
  category?: string;
  difficulty?: string | number;
  problem: string;
  gold: string;
  /** The conversation sent (system and user turns). */
  messages: ChatMessage[];
  /** The prompt text as rendered with the chat template, when rendered here (llama.cpp in-process). */
  prompt?: string;
  /** The raw output. */
  output: string;
  finish: FinishReason;
  tokens: number;
  promptTokens?: number;
  strict: Grade;
  flexible: Grade;
}

/**
 * Counts of one group in one mode: correct, wrong, no answer, cut by length, with the accuracy and its 95%
 * interval.
 */
export interface Tally {
  n: number;
  correct: number;
  wrong: number;
  noAnswer: number;
  length: number;
  accuracy: number;
  /** Wilson 95% interval of the accuracy. */
  ci95: [number, number];
}

/** A tally per grading mode. */
export type ModeTallies = Record<GradeMode, Tally>;

function empty(): Omit<Tally, "accuracy" | "ci95"> {
  return { n: 0, correct: 0, wrong: 0, noAnswer: 0, length: 0 };
}

function finishTally(t: Omit<Tally, "accuracy" | "ci95">): Tally {
  const r4 = (x: number) => Math.round(x * 1e6) / 1e6;
  const [lo, hi] = wilson(t.correct, t.n);
  return { ...t, accuracy: t.n ? r4(t.correct / t.n) : 0, ci95: [r4(lo), r4(hi)] };
}

/** Verdict counts, accuracy and Wilson 95% intervals, strict and flexible. */
export function tally(preds: readonly Prediction[]): ModeTallies {
  const out = {} as ModeTallies;
  for (const mode of GRADE_MODES) {
    const t = empty();
    for (const p of preds) {
      t.n++;
      const v = p[mode].verdict;
      if (v === "correct") t.correct++;
      else if (v === "wrong") t.wrong++;
      else if (v === "no-answer") t.noAnswer++;
      else t.length++;
    }
    out[mode] = finishTally(t);
  }
  return out;
}

/** Tallies per value of a key (source, category, difficulty), keys sorted. */
export function tallyBy(
  preds: readonly Prediction[],
  key: (p: Prediction) => string | undefined,
): Record<string, ModeTallies> {
  const groups = new Map<string, Prediction[]>();
  for (const p of preds) {
    const k = key(p) ?? "(none)";
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(p);
  }
  return Object.fromEntries([...groups.keys()].sort().map((k) => [k, tally(groups.get(k)!)]));
}

/** Tallies overall and by source, category and difficulty, with finish reasons and token counts. */
export interface Metrics {
  overall: ModeTallies;
  bySource: Record<string, ModeTallies>;
  byCategory: Record<string, ModeTallies>;
  byDifficulty: Record<string, ModeTallies>;
  finish: Record<FinishReason, number>;
  tokens: { generated: number; prompt: number; meanPerProblem: number };
  /** How often each extraction rule fired, per mode. */
  rules: Record<GradeMode, Record<string, number>>;
}

/** Counts the predictions: overall and per group, in both grading modes. */
export function computeMetrics(preds: readonly Prediction[]): Metrics {
  const generated = preds.reduce((a, p) => a + p.tokens, 0);
  const rules = { strict: {}, flexible: {} } as Record<GradeMode, Record<string, number>>;
  for (const mode of GRADE_MODES) {
    for (const p of preds) {
      const r = p[mode].rule ?? "none";
      rules[mode][r] = (rules[mode][r] ?? 0) + 1;
    }
  }
  return {
    overall: tally(preds),
    bySource: tallyBy(preds, (p) => p.source),
    byCategory: tallyBy(preds, (p) => p.category),
    byDifficulty: tallyBy(preds, (p) => (p.difficulty === undefined ? undefined : String(p.difficulty))),
    finish: {
      stop: preds.filter((p) => p.finish === "stop").length,
      length: preds.filter((p) => p.finish === "length").length,
    },
    tokens: {
      generated,
      prompt: preds.reduce((a, p) => a + (p.promptTokens ?? 0), 0),
      meanPerProblem: preds.length ? Math.round((generated / preds.length) * 100) / 100 : 0,
    },
    rules,
  };
}
