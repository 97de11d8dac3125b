import type { Rat } from "./rat.js";
import type { Rng } from "./rng.js";
import type { Lang } from "./text.js";
import type { Check } from "./verify.js";

/** The problem categories. */
export const CATEGORIES = [
  "arithmetic",
  "linear_equation",
  "unit_conversion",
  "percentage",
  "word_problem",
  "geometry",
] as const;
/** A problem category. */
export type Category = (typeof CATEGORIES)[number];

/** 1 easy, 2 medium, 3 hard. */
export const LEVELS = [1, 2, 3] as const;
/** A difficulty level: 1 easy, 2 medium, 3 hard. */
export type Level = (typeof LEVELS)[number];

/** The languages the generator writes. */
export const LANGS = ["en", "zh"] as const;

/** What a category generator returns: the record before ids and the answer line. */
export interface Draft {
  problem: string;
  /** Solution lines, without the final answer line. */
  steps: string[];
  /** The final answer, exact (already rounded where the problem asks for rounding). */
  answer: Rat;
  check: Check;
  /** Which phrasing and form were used, e.g. `circle-area/r/2`; for variety statistics. */
  template: string;
  /** Write a non-integer answer as a fraction `a/b` even when its decimal terminates. */
  fractionAnswer?: boolean;
}

export type CategoryGenerator = (rng: Rng, level: Level, lang: Lang) => Draft;
