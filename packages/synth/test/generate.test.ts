import { recordProblems, isMathtuneError, ANSWER_KINDS } from "@mathtune/core";
import { CATEGORIES, generate, generateIter } from "@mathtune/synth";
import { Rng } from "../src/rng.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("generate", () => {
  const base = generate({ count: 3000, seed: 42 });

  it("makes schema-valid records with stable ids, category, level, language and answer kind", () => {
    expect(base).toHaveLength(3000);
    for (const [i, r] of base.entries()) {
      expect(recordProblems(r), r.id).toEqual([]);
      expect(r.id).toBe(`synthetic/${r.category}/42-${i}`);
      expect(r.source).toBe("synthetic");
      expect(CATEGORIES).toContain(r.category);
      expect([1, 2, 3]).toContain(r.difficulty);
      expect(["en", "zh"]).toContain(r.lang);
      expect(ANSWER_KINDS).toContain(r.answerKind);
      expect(["integer", "decimal", "fraction"]).toContain(r.answerKind);
      expect(r.split).toBeUndefined();
    }
  });

  it("covers every category, level and language with the default options", () => {
    const cells = new Set(base.map((r) => `${r.category}/${r.difficulty}/${r.lang}`));
    expect(cells.size).toBe(CATEGORIES.length * 3 * 2);
  });

  it("is deterministic: same seed and options, same records", () => {
    expect(generate({ count: 3000, seed: 42 })).toEqual(base);
  });

  it("a different seed gives different problems", () => {
    const other = generate({ count: 3000, seed: 43 });
    const mine = new Set(base.map((r) => r.problem));
    const shared = other.filter((r) => mine.has(r.problem)).length;
    expect(shared).toBeLessThan(30);
  });

  it("a longer run starts with the records of a shorter one", () => {
    expect(generate({ count: 700, seed: 42 })).toEqual(base.slice(0, 700));
  });

  it("never repeats a problem text within a run (30,000 records)", () => {
    const seen = new Set<string>();
    let n = 0;
    for (const r of generateIter({ count: 30_000, seed: 8, verify: false })) {
      expect(seen.has(r.problem), r.id).toBe(false);
      seen.add(r.problem);
      n++;
    }
    expect(n).toBe(30_000);
  });

  it("keeps problems unique even where the space is small (one category, level and language)", () => {
    const rs = generate({ count: 4000, seed: 2, categories: ["geometry"], difficulties: [1], langs: ["en"] });
    expect(new Set(rs.map((r) => r.problem)).size).toBe(4000);
  });

  it("respects categories, difficulties and languages given as lists", () => {
    const rs = generate({
      count: 600,
      seed: 1,
      categories: ["linear_equation", "geometry"],
      difficulties: [1, 3],
      langs: ["zh"],
    });
    expect(new Set(rs.map((r) => r.category))).toEqual(new Set(["linear_equation", "geometry"]));
    expect(new Set(rs.map((r) => r.difficulty))).toEqual(new Set([1, 3]));
    expect(new Set(rs.map((r) => r.lang))).toEqual(new Set(["zh"]));
  });

  it("draws in proportion to weights", () => {
    const rs = generate({
      count: 4000,
      seed: 3,
      langs: { en: 3, zh: 1 },
      categories: { arithmetic: 1, word_problem: 1, geometry: 0 },
      difficulties: { "1": 1, "3": 3 },
    });
    const en = rs.filter((r) => r.lang === "en").length / rs.length;
    expect(en).toBeGreaterThan(0.72);
    expect(en).toBeLessThan(0.78);
    expect(rs.some((r) => r.category === "geometry")).toBe(false);
    const hard = rs.filter((r) => r.difficulty === 3).length / rs.length;
    expect(hard).toBeGreaterThan(0.72);
    expect(hard).toBeLessThan(0.78);
    expect(rs.some((r) => r.difficulty === 2)).toBe(false);
  });

  it("count 0 gives nothing; bad options throw E_OPTIONS_INVALID", () => {
    expect(generate({ count: 0 })).toEqual([]);
    for (const bad of [
      { count: -1 },
      { seed: 1.5 },
      { categories: ["topology"] },
      { langs: { en: 0, zh: 0 } },
      { difficulties: [] },
    ] as unknown[]) {
      let err: unknown;
      try {
        generate(bad as never);
      } catch (e) {
        err = e;
      }
      expect(isMathtuneError(err, "E_OPTIONS_INVALID"), JSON.stringify(bad)).toBe(true);
    }
  });

  it("stops with E_CANCELED when the signal fires", () => {
    const ac = new AbortController();
    let n = 0;
    let err: unknown;
    try {
      for (const _ of generateIter({ count: 100 }, { signal: ac.signal })) {
        if (++n === 5) ac.abort();
      }
    } catch (e) {
      err = e;
    }
    expect(n).toBe(5);
    expect(isMathtuneError(err, "E_CANCELED")).toBe(true);
  });

  it("records the check, the template and the seed in meta", () => {
    for (const r of base.slice(0, 200)) {
      const meta = r.meta as {
        check: { type: string };
        template: string;
        seed: number;
        index: number;
        generator: string;
      };
      expect(["value", "equation"]).toContain(meta.check.type);
      expect(meta.template.startsWith(`${r.category}/`)).toBe(true);
      expect(meta.seed).toBe(42);
      expect(meta.generator).toBe("@mathtune/synth");
    }
  });
});

describe("Rng", () => {
  it("is deterministic and spreads evenly", () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (a, b) => {
        const x = new Rng(a, b);
        const y = new Rng(a, b);
        for (let i = 0; i < 5; i++) expect(x.next()).toBe(y.next());
      }),
    );
    const r = new Rng(1);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) buckets[r.int(0, 9)]!++;
    for (const b of buckets) {
      expect(b).toBeGreaterThan(9_500);
      expect(b).toBeLessThan(10_500);
    }
  });

  it("different keys give different streams", () => {
    expect(new Rng(1, 2).next()).not.toBe(new Rng(2, 1).next());
    expect(new Rng(1, 2).next()).not.toBe(new Rng(1, 2, 0).next());
    expect(new Rng(2 ** 40).next()).not.toBe(new Rng(0).next());
  });
});

describe("README examples", () => {
  it("give the outputs the README shows", () => {
    const [r] = generate({ count: 1, seed: 7, categories: ["geometry"], difficulties: [3], langs: ["en"] });
    expect(r!.id).toBe("synthetic/geometry/7-0");
    expect(r!.solution).toBe(
      "Half of πr²: $\\pi \\times 24^2 \\div 2 = 288\\pi \\approx 904.7787$.\nRounded to two decimal places: 904.78.\nAnswer: 904.78",
    );
    expect([r!.answer, r!.answerKind]).toEqual(["904.78", "decimal"]);
    const [z] = generate({ count: 1, seed: 3, categories: ["linear_equation"], difficulties: [2], langs: ["zh"] });
    expect(z!.problem).toBe("解下列方程，写出准确结果：$9x + 32 = -76$。");
    expect(z!.meta?.check).toEqual({ type: "equation", equation: "9*x + 32 = (-76)", variable: "x" });
    let zh = 0;
    for (const rec of generateIter({ count: 1000, seed: 1, langs: { en: 3, zh: 1 } })) if (rec.lang === "zh") zh++;
    expect(zh).toBe(240);
  });
});
