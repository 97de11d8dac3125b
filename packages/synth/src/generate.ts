import { type MathRecord, MathtuneError, type Static, Type, throwIfAborted } from "@mathtune/core";
import { arithmetic } from "./categories/arithmetic.js";
import { geometry } from "./categories/geometry.js";
import { linearEquation } from "./categories/equation.js";
import { percentage } from "./categories/percentage.js";
import { unitConversion } from "./categories/units.js";
import { wordProblem } from "./categories/words.js";
import { Rat, Retry } from "./rat.js";
import { Rng } from "./rng.js";
import type { Lang } from "./text.js";
import { CATEGORIES, type Category, type CategoryGenerator, type Draft, LANGS, LEVELS, type Level } from "./types.js";
import { verify } from "./verify.js";
import { FNV_OFFSET_32, FNV_PRIME_32 } from "@mathtune/core/internal";

export const GENERATORS: Record<Category, CategoryGenerator> = {
  arithmetic,
  linear_equation: linearEquation,
  unit_conversion: unitConversion,
  percentage,
  word_problem: wordProblem,
  geometry,
};

const weights = <K extends string>(keys: readonly K[], description: string) =>
  Type.Union(
    [
      Type.Array(Type.Union(keys.map((k) => Type.Literal(k))), { minItems: 1, uniqueItems: true }),
      Type.Object(Object.fromEntries(keys.map((k) => [k, Type.Optional(Type.Number({ minimum: 0 }))])), {
        additionalProperties: false,
        minProperties: 1,
      }),
    ],
    { description },
  );

/** Options of the generator (and of the `synthetic` adapter). Every field has a default. */
export const SynthOptionsSchema = Type.Object(
  {
    count: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 5000, description: "number of records" }),
    seed: Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      default: 1,
      description: "same seed and options, same records",
    }),
    categories: Type.Optional(
      weights(CATEGORIES, "categories to draw from: a list (equal weights) or weights by name; default all, equal"),
    ),
    difficulties: Type.Optional(
      Type.Union(
        [
          Type.Array(Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)]), {
            minItems: 1,
            uniqueItems: true,
          }),
          Type.Object(
            {
              "1": Type.Optional(Type.Number({ minimum: 0 })),
              "2": Type.Optional(Type.Number({ minimum: 0 })),
              "3": Type.Optional(Type.Number({ minimum: 0 })),
            },
            { additionalProperties: false, minProperties: 1 },
          ),
        ],
        {
          description:
            'levels 1 (easy), 2 (medium), 3 (hard): a list such as [1, 2] or weights such as {"1": 2, "3": 1}; default all, equal',
        },
      ),
    ),
    langs: Type.Optional(
      weights(LANGS, "languages: a list (equal weights) or weights such as {en: 3, zh: 1}; default en and zh, equal"),
    ),
    verify: Type.Boolean({
      default: true,
      description:
        "recheck every record independently; a failure throws E_INTERNAL from generate(), and is quarantined (E_SYNTH_UNVERIFIED) by the synthetic adapter",
    }),
  },
  { additionalProperties: false },
);

/** The generator's options, defaults filled in (see `SynthOptionsSchema`). */
export type SynthOptions = Static<typeof SynthOptionsSchema>;
/** Options as a caller may write them: everything optional. */
export type SynthInput = Partial<SynthOptions>;

function resolveWeights<K extends string>(
  keys: readonly K[],
  spec: readonly string[] | Partial<Record<K, number>> | undefined,
  what: string,
): { keys: K[]; w: number[] } {
  let out: Array<[K, number]>;
  if (spec === undefined) out = keys.map((k) => [k, 1]);
  else if (Array.isArray(spec)) {
    for (const k of spec)
      if (!keys.includes(k as K))
        throw new MathtuneError("E_OPTIONS_INVALID", `unknown ${what} ${JSON.stringify(k)}`, {
          hint: `choose from ${keys.join(", ")}`,
        });
    out = keys.filter((k) => spec.includes(k)).map((k) => [k, 1]);
  } else {
    for (const k of Object.keys(spec))
      if (!keys.includes(k as K))
        throw new MathtuneError("E_OPTIONS_INVALID", `unknown ${what} ${JSON.stringify(k)}`, {
          hint: `choose from ${keys.join(", ")}`,
        });
    out = keys
      .filter((k) => ((spec as Record<string, number | undefined>)[k] ?? 0) > 0)
      .map((k) => [k, (spec as Record<string, number>)[k]!]);
  }
  if (!out.length)
    throw new MathtuneError("E_OPTIONS_INVALID", `no ${what} with a positive weight`, {
      hint: `choose from ${keys.join(", ")}`,
    });
  return { keys: out.map((x) => x[0]), w: out.map((x) => x[1]) };
}

const MAX_ATTEMPTS = 400;

/**
 * A 53-bit hash of a problem text, so the uniqueness check keeps a number per record rather than the
 * text. A collision (about one in a million runs of a million records) only makes a record draw again.
 */
function textKey(s: string): number {
  let a = FNV_OFFSET_32;
  let b = FNV_PRIME_32 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, FNV_PRIME_32);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 13;
  a = Math.imul(a, 0xc2b2ae35);
  b ^= b >>> 16;
  b = Math.imul(b, 0x85ebca6b);
  return (b >>> 11) * 4294967296 + (a >>> 0);
}

function answerKind(a: Rat, text: string): MathRecord["answerKind"] {
  if (a.isInt()) return "integer";
  return text.includes("/") ? "fraction" : "decimal";
}

function toRecord(draft: Draft, category: Category, level: Level, lang: Lang, seed: number, index: number): MathRecord {
  const a = draft.answer;
  const answer = draft.fractionAnswer && !a.isInt() ? `${a.n}/${a.d}` : a.toString();
  const last = lang === "en" ? `Answer: ${answer}` : `答：${answer}`;
  return {
    id: `synthetic/${category}/${seed}-${index}`,
    source: "synthetic",
    problem: draft.problem,
    solution: `${draft.steps.join("\n")}\n${last}`,
    answer,
    answerKind: answerKind(a, answer),
    category,
    difficulty: level,
    lang,
    meta: { generator: "@mathtune/synth", seed, index, template: draft.template, check: draft.check },
  };
}

/**
 * Generates records one at a time (lazily). Record `i` depends only on the seed, the options and the
 * records before it, so a longer run starts with the records of a shorter one. Problem texts are
 * unique within a run: a collision draws the problem again (deterministically).
 */
export function* generateIter(input: SynthInput = {}, opts: { signal?: AbortSignal } = {}): Generator<MathRecord> {
  const count = input.count ?? 5000;
  const seed = input.seed ?? 1;
  if (!Number.isSafeInteger(count) || count < 0)
    throw new MathtuneError("E_OPTIONS_INVALID", `count must be a non-negative integer (got ${count})`);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new MathtuneError("E_OPTIONS_INVALID", `seed must be a non-negative integer (got ${seed})`);
  const cats = resolveWeights(CATEGORIES, input.categories, "category");
  const diffSpec = Array.isArray(input.difficulties) ? input.difficulties.map(String) : input.difficulties;
  const levels = resolveWeights(["1", "2", "3"] as const, diffSpec, "difficulty");
  const langs = resolveWeights(LANGS, input.langs, "language");
  const check = input.verify ?? true;
  const seen = new Set<number>();
  for (let index = 0; index < count; index++) {
    throwIfAborted(opts.signal);
    const pick = new Rng(seed, index, 0);
    const category = cats.keys[pick.weighted(cats.w)]!;
    const level = Number(levels.keys[pick.weighted(levels.w)]) as Level;
    const lang = langs.keys[pick.weighted(langs.w)]!;
    let draft: Draft | undefined;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS && !draft; attempt++) {
      try {
        const d = GENERATORS[category](new Rng(seed, index, attempt), level, lang);
        if (!seen.has(textKey(d.problem))) draft = d;
      } catch (e) {
        if (!(e instanceof Retry)) throw e;
      }
    }
    if (!draft) {
      throw new MathtuneError(
        "E_SYNTH_EXHAUSTED",
        `no new ${category} problem (level ${level}, ${lang}) after ${MAX_ATTEMPTS} draws at record ${index}`,
        {
          hint: "lower count or widen categories, difficulties or languages",
        },
      );
    }
    seen.add(textKey(draft.problem));
    const record = toRecord(draft, category, level, lang, seed, index);
    if (check) {
      const v = verify(record);
      if (!v.ok)
        throw new MathtuneError(
          "E_INTERNAL",
          `synthetic record ${record.id} failed verification: ${v.problems.join("; ")}`,
          { details: { record } },
        );
    }
    yield record;
  }
}

/** All records of a run, as an array. */
export function generate(input: SynthInput = {}): MathRecord[] {
  return [...generateIter(input)];
}

export { LEVELS };
