import { isMathtuneError } from "@mathtune/core";
import { collect, testAdapter } from "@mathtune/core/testing";
import { synthetic } from "@mathtune/loaders/synthetic";
import { describe, expect, it, vi } from "vitest";

testAdapter(synthetic, {
  valid: [
    { name: "defaults with a small count", options: { count: 60 }, records: 60 },
    {
      name: "one category, one level, Chinese",
      options: { count: 40, seed: 9, categories: ["geometry"], difficulties: [3], langs: ["zh"] },
      records: 40,
    },
    {
      name: "weights",
      options: {
        count: 50,
        seed: 3,
        categories: { arithmetic: 2, word_problem: 1 },
        difficulties: { "1": 1, "2": 1 },
        langs: { en: 3, zh: 1 },
      },
      records: 50,
    },
  ],
  invalid: [
    { name: "negative count", options: { count: -1 }, code: "E_OPTIONS_INVALID" },
    { name: "unknown category", options: { categories: ["topology"] }, code: "E_OPTIONS_INVALID" },
    { name: "unknown language", options: { langs: ["fr"] }, code: "E_OPTIONS_INVALID" },
    { name: "difficulty out of range", options: { difficulties: [4] }, code: "E_OPTIONS_INVALID" },
    { name: "all weights zero", options: { langs: { en: 0 } }, code: "E_OPTIONS_INVALID" },
    { name: "unknown option", options: { count: 5, shuffle: true }, code: "E_OPTIONS_INVALID" },
  ],
});

describe("synthetic adapter", () => {
  it("applies the documented defaults (5000 records, seed 1, verification on)", () => {
    expect(synthetic.parseOptions({})).toEqual({ count: 5000, seed: 1, verify: true });
  });

  it("yields the options' categories, levels and languages with synthetic ids and no split", async () => {
    const { records } = await collect(synthetic, {
      count: 120,
      seed: 5,
      categories: ["percentage", "unit_conversion"],
      difficulties: [2],
      langs: ["en"],
    });
    expect(records).toHaveLength(120);
    for (const r of records) {
      expect(["percentage", "unit_conversion"]).toContain(r.category);
      expect(r.difficulty).toBe(2);
      expect(r.lang).toBe("en");
      expect(r.split).toBeUndefined();
      expect(r.id).toMatch(/^synthetic\/(percentage|unit_conversion)\/5-\d+$/);
    }
    expect(new Set(records.map((r) => r.category)).size).toBe(2);
  });

  it("gives the same records as the generator and unique problem texts", async () => {
    const { records } = await collect(synthetic, { count: 2000, seed: 11 });
    expect(new Set(records.map((r) => r.problem)).size).toBe(2000);
    const { generate } = await import("@mathtune/synth");
    expect(records.slice(0, 50)).toEqual(generate({ count: 50, seed: 11 }));
  });

  it("reports progress every 64 records (often enough for a steady ETA) and at the end", async () => {
    const seen: Array<[number, number | undefined]> = [];
    await collect(synthetic, { count: 200 }, { progress: (d, t) => seen.push([d, t]) });
    expect(seen).toEqual([
      [64, 200],
      [128, 200],
      [192, 200],
      [200, 200],
    ]);
  });

  it("recomputes every record it yields (verify: true by default) and can skip that", async () => {
    const on = await collect(synthetic, { count: 300, seed: 21 });
    const off = await collect(synthetic, { count: 300, seed: 21, verify: false });
    expect(on.rejections).toEqual([]);
    expect(off.records).toEqual(on.records);
  });

  it("sends a record that fails verification to quarantine with its reasons, and goes on", async () => {
    vi.resetModules();
    vi.doMock("@mathtune/synth", async (importOriginal) => {
      const real = await importOriginal<typeof import("@mathtune/synth")>();
      return {
        ...real,
        verify: (r: Parameters<typeof real.verify>[0]) =>
          r.id.endsWith("-3") ? { ok: false, problems: ["forced failure"], relations: 0 } : real.verify(r),
      };
    });
    try {
      const { synthetic: mocked } = await import("@mathtune/loaders/synthetic");
      const res = await collect(mocked, { count: 10, seed: 4 });
      expect(res.records).toHaveLength(9);
      expect(res.records.some((r) => r.id.endsWith("-3"))).toBe(false);
      expect(res.rejections).toHaveLength(1);
      expect(res.rejections[0]).toMatchObject({ code: "E_SYNTH_UNVERIFIED", location: { file: "@mathtune/synth" } });
      expect(res.rejections[0]!.message).toContain("forced failure");
      expect(res.rejections[0]!.id).toMatch(/^synthetic\/.+\/4-3$/);
    } finally {
      vi.doUnmock("@mathtune/synth");
      vi.resetModules();
    }
  });

  it("count 0 yields nothing", async () => {
    const { records } = await collect(synthetic, { count: 0 });
    expect(records).toEqual([]);
  });

  it("refuses a count above the schema's cap before generating anything", async () => {
    const err = await collect(synthetic, { count: 20_000_000 }).catch((e: unknown) => e);
    expect(isMathtuneError(err, "E_OPTIONS_INVALID")).toBe(true);
    expect((err as Error).message).toContain("/count");
  });
});
