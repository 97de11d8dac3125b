import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allocate, parseSplitOptions, planSplit, type SplitEntry, splitEntry, SplitPlanner, SPLITS } from "@mathtune/split";

const SOURCES = ["gsm8k", "math", "synth"];
const CATS = ["algebra", "geometry", null];

/** Entries with unique ids; strata drawn from small sets. */
const entriesArb = (min = 0, max = 300) =>
  fc
    .array(
      fc.record({
        source: fc.constantFrom(...SOURCES),
        category: fc.constantFrom(...CATS),
        difficulty: fc.integer({ min: 1, max: 3 }),
        split: fc.constantFrom<"train" | "test" | undefined>("train", "test", undefined),
      }),
      { minLength: min, maxLength: max },
    )
    .map((xs) =>
      xs.map((x, i): SplitEntry => ({ id: `${x.source}/${i}`, strata: [x.source, x.category, x.difficulty], sourceSplit: x.split, hash: `h${i}` })),
    );

const fractionsArb = fc
  .tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 100 }))
  .map(([a, b, c]) => ({ train: a / (a + b + c), validation: b / (a + b + c), test: 1 - a / (a + b + c) - b / (a + b + c) }));

const assignment = (plan: { splitAt(i: number): string }, n: number) => Array.from({ length: n }, (_, i) => plan.splitAt(i));

const STRAT = ["source", "category", "difficulty"];

describe("split planner properties", () => {
  it("no entry lost or duplicated: every id gets exactly one split", async () => {
    await fc.assert(
      fc.asyncProperty(entriesArb(), fc.integer(), fc.boolean(), async (entries, seed, respect) => {
        const plan = await planSplit(entries, { seed, stratifyBy: STRAT, respectSourceSplits: respect });
        const out = SPLITS.flatMap((s) => [...plan.idsOf(s)]);
        expect(out.length).toBe(entries.length);
        expect(new Set(out)).toEqual(new Set(entries.map((e) => e.id)));
        expect(plan.counts.train + plan.counts.validation + plan.counts.test).toBe(entries.length);
        for (const e of entries) expect(SPLITS).toContain(plan.splitOf(e.id));
      }),
    );
  });

  it("each stratum's split sizes are within one record of the target fractions", async () => {
    await fc.assert(
      fc.asyncProperty(entriesArb(), fractionsArb, fc.integer(), async (entries, fractions, seed) => {
        const plan = await planSplit(entries, { seed, stratifyBy: STRAT, fractions });
        const m = plan.manifest();
        expect(m.strata.reduce((a, s) => a + s.total, 0)).toBe(entries.length);
        for (const s of m.strata) {
          expect(s.train + s.validation + s.test).toBe(s.total);
          for (const k of SPLITS) expect(Math.abs(s[k] - fractions[k] * s.total)).toBeLessThan(1);
        }
        // and the manifest's strata agree with the actual assignment
        const actual = new Map<string, Record<string, number>>();
        entries.forEach((e, i) => {
          const key = JSON.stringify(e.strata);
          const row = actual.get(key) ?? { train: 0, validation: 0, test: 0 };
          row[plan.splitAt(i)]!++;
          actual.set(key, row);
        });
        for (const s of m.strata) expect(actual.get(JSON.stringify([s.values.source, s.values.category, s.values.difficulty]))).toEqual({ train: s.train, validation: s.validation, test: s.test });
      }),
    );
  });

  it("the same seed gives the same split, whatever the input order", async () => {
    await fc.assert(
      fc.asyncProperty(entriesArb(), fc.integer(), fc.integer(), async (entries, seed, shuffleSeed) => {
        const opts = { seed, stratifyBy: STRAT, respectSourceSplits: true };
        const a = await planSplit(entries, opts);
        const b = await planSplit(entries, opts);
        expect(assignment(b, entries.length)).toEqual(assignment(a, entries.length));
        expect(b.manifest()).toEqual(a.manifest());
        // a shuffled stream puts every id in the same split
        const shuffled = [...entries].sort((x, y) => ((x.id.length * 31 + shuffleSeed) % 7) - ((y.id.length * 31 + shuffleSeed) % 7) || (x.id < y.id ? 1 : -1));
        const c = await planSplit(shuffled, opts);
        for (const e of entries) expect(c.splitOf(e.id)).toBe(a.splitOf(e.id));
      }),
    );
  });

  it("a different seed gives a different split", async () => {
    await fc.assert(
      fc.asyncProperty(entriesArb(60, 200), fc.integer(), fc.integer(), async (entries, s1, s2) => {
        fc.pre(s1 !== s2);
        const opts = { stratifyBy: [], fractions: { train: 0.6, validation: 0.2, test: 0.2 } };
        const a = await planSplit(entries, { ...opts, seed: s1 });
        const b = await planSplit(entries, { ...opts, seed: s2 });
        expect(assignment(b, entries.length)).not.toEqual(assignment(a, entries.length));
        expect(a.counts).toEqual(b.counts);
        expect(b.manifest().splits.test.sha256).not.toBe(a.manifest().splits.test.sha256);
      }),
    );
  });

  it("respectSourceSplits keeps a source's test split in test", async () => {
    await fc.assert(
      fc.asyncProperty(entriesArb(), fc.integer(), async (entries, seed) => {
        const plan = await planSplit(entries, { seed, stratifyBy: STRAT, respectSourceSplits: true, fractions: { train: 0.8, validation: 0.1, test: 0.1 } });
        entries.forEach((e, i) => {
          if (e.sourceSplit === "test") expect(plan.splitAt(i)).toBe("test");
        });
        const pinned = plan.manifest().strata.reduce((a, s) => a + s.pinned, 0);
        expect(pinned).toBe(entries.filter((e) => e.sourceSplit === "test").length);
      }),
    );
  });

  it("exact per-stratum counts, capped by the stratum's size", async () => {
    await fc.assert(
      fc.asyncProperty(entriesArb(), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 10 }), async (entries, v, t) => {
        const plan = await planSplit(entries, { stratifyBy: STRAT, counts: { validation: v, test: t } });
        for (const s of plan.manifest().strata) {
          expect(s.test).toBe(Math.min(t, s.total));
          expect(s.validation).toBe(Math.min(v, s.total - s.test));
          expect(s.train).toBe(s.total - s.test - s.validation);
        }
      }),
    );
  });
});

describe("split planner details", () => {
  it("allocate rounds by largest remainder and adds up", () => {
    expect(allocate(10, { train: 0.8, validation: 0.1, test: 0.1 })).toEqual({ train: 8, validation: 1, test: 1 });
    expect(allocate(3, { train: 0.5, validation: 0.25, test: 0.25 })).toEqual({ train: 1, validation: 1, test: 1 });
    expect(allocate(7, { train: 1 / 3, validation: 1 / 3, test: 1 / 3 })).toEqual({ train: 3, validation: 2, test: 2 });
    expect(allocate(0, { train: 0.5, validation: 0.25, test: 0.25 })).toEqual({ train: 0, validation: 0, test: 0 });
  });

  it("manifest: seed, strata rows with field names, per-split counts and hashes", async () => {
    const planner = new SplitPlanner({ seed: 7, stratifyBy: ["source", "category"], fractions: { train: 0.5, validation: 0.25, test: 0.25 } });
    const record = { id: "math/train/1", source: "math", split: "train", problem: "p", category: "Algebra", lang: "en" } as const;
    planner.add(splitEntry(record, "abc", ["source", "category"]));
    for (let i = 0; i < 7; i++) planner.add({ id: `g/${i}`, strata: ["gsm8k"], hash: `x${i}` });
    const m = planner.plan().manifest();
    expect(m.seed).toBe(7);
    expect(m.total).toBe(8);
    expect(m.strata).toEqual([
      { values: { source: "gsm8k", category: null }, total: 7, pinned: 0, train: 3, validation: 2, test: 2 },
      { values: { source: "math", category: "Algebra" }, total: 1, pinned: 0, train: 1, validation: 0, test: 0 },
    ]);
    expect(m.splits.train.count + m.splits.validation.count + m.splits.test.count).toBe(8);
    expect(m.splits.train.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("splitEntry reads strata from record fields, then meta", () => {
    const e = splitEntry({ id: "a", source: "s", problem: "p", lang: "en", difficulty: 3, meta: { topic: "fractions" } }, "h", ["source", "difficulty", "topic", "category"]);
    expect(e).toEqual({ id: "a", strata: ["s", 3, "fractions", null], sourceSplit: undefined, hash: "h" });
  });

  it("E_CONFIG_INVALID for fractions that do not add up, or fractions with counts", () => {
    expect(() => parseSplitOptions({ fractions: { train: 0.5, validation: 0.1, test: 0.1 } })).toThrowError(expect.objectContaining({ code: "E_CONFIG_INVALID" }));
    expect(() => parseSplitOptions({ fractions: { train: 1, validation: 0, test: 0 }, counts: { test: 1 } })).toThrowError(/not both/);
    expect(parseSplitOptions({})).toMatchObject({ seed: 42, stratifyBy: [], respectSourceSplits: false });
  });

  it("E_DUPLICATE_ID when two entries share an id", async () => {
    const plan = await planSplit([{ id: "a", hash: "1" }, { id: "a", hash: "2" }]);
    expect(() => plan.splitOf("a")).toThrowError(expect.objectContaining({ code: "E_DUPLICATE_ID" }));
  });

  it("E_CANCELED when aborted", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(planSplit([{ id: "a", hash: "1" }], {}, { signal: ac.signal })).rejects.toMatchObject({ code: "E_CANCELED" });
  });
});

describe("per-split hashes", () => {
  it("change when an entry's content hash changes, and not otherwise", async () => {
    const entries = Array.from({ length: 50 }, (_, i) => ({ id: `r${i}`, hash: `h${i}` }));
    const a = (await planSplit(entries, { seed: 1 })).manifest().splits;
    const b = (await planSplit(entries.map((e) => ({ ...e })), { seed: 1 })).manifest().splits;
    expect(b).toEqual(a);
    const changed = entries.map((e, i) => (i === 0 ? { ...e, hash: "other" } : e));
    const plan = await planSplit(changed, { seed: 1 });
    const c = plan.manifest().splits;
    const where = plan.splitAt(0);
    for (const s of SPLITS) {
      if (s === where) expect(c[s].sha256).not.toBe(a[s].sha256);
      else expect(c[s].sha256).toBe(a[s].sha256);
    }
  });
});
