import { isRejection, type MathRecord, type Rejection } from "@mathtune/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createDecontaminationStage,
  createDedupStage,
  pinnedSplit,
  parseSplitOptions,
  StratifiedSplitter,
  stratumOf,
} from "@mathtune/split";

const VOCAB = [
  "tom",
  "has",
  "3",
  "5",
  "apples",
  "and",
  "buys",
  "more",
  "how",
  "many",
  "does",
  "he",
  "have",
  "now",
  "+",
  "=",
];
const EVAL_TEXT = "tom has 3 apples and buys 5 more apples how many apples does he have now";

describe("dedup + decontamination + split", () => {
  it("property: ids in = ids out + removed, each removal with a reason", async () => {
    const recordsArb = fc
      .array(
        fc.record({
          words: fc.array(fc.constantFrom(...VOCAB), { minLength: 1, maxLength: 20 }),
          copyEval: fc.boolean(),
          source: fc.constantFrom("gsm8k", "math"),
          split: fc.constantFrom("train", "test"),
        }),
        { maxLength: 120 },
      )
      .map((xs) =>
        xs.map(
          (x, i): MathRecord => ({
            id: `${x.source}/${x.split}/${i}`,
            source: x.source,
            split: x.split,
            problem: x.copyEval && i % 3 === 0 ? `Say: ${EVAL_TEXT}!` : x.words.join(" "),
            lang: "en",
          }),
        ),
      );
    await fc.assert(
      fc.asyncProperty(recordsArb, fc.integer({ min: 1, max: 50 }), fc.integer(), async (records, batchSize, seed) => {
        const dedup = createDedupStage({});
        const decon = await createDecontaminationStage({}, [{ name: "gsm8k-test", texts: [EVAL_TEXT] }]);
        const options = parseSplitOptions({ by: ["source"], respectSourceSplit: true });
        const splitter = StratifiedSplitter.fromOptions(options, seed);
        const stratum = stratumOf(options.by);
        const kept: MathRecord[] = [];
        const removed: Rejection[] = [];
        for (let i = 0; i < records.length; i += batchSize) {
          let batch: MathRecord[] = records.slice(i, i + batchSize);
          for (const stage of [dedup, decon]) {
            const out = await stage.process(batch, {});
            expect(out.length).toBe(batch.length);
            batch = [];
            for (const x of out) isRejection(x) ? removed.push(x) : batch.push(x as MathRecord);
          }
          kept.push(...batch);
        }
        // pass 1 counts the kept records per stratum; pass 2 streams them again in the same order
        const index = kept.map((r) => splitter.count(stratum(r), pinnedSplit(r, options.respectSourceSplit)));
        const strata = splitter.plan();
        const got: Record<string, Record<string, number>> = {};
        const out = kept.map((r, i) => {
          const split = pinnedSplit(r, true) ?? splitter.assign(index[i]!);
          if (r.split === "test") expect(split).toBe("test");
          const row = (got[stratum(r)] ??= { train: 0, validation: 0, test: 0 });
          row[split]!++;
          return r.id;
        });
        expect(got).toEqual(Object.fromEntries(Object.keys(got).map((k) => [k, strata[k]])));
        const all = [...out, ...removed.map((r) => r.id!)];
        expect(all.length).toBe(records.length);
        expect(new Set(all)).toEqual(new Set(records.map((r) => r.id)));
        for (const r of removed) {
          expect(["E_DUPLICATE", "E_CONTAMINATED"]).toContain(r.code);
          expect(r.message.length).toBeGreaterThan(0);
        }
        expect(removed.filter((r) => r.code === "E_CONTAMINATED").length).toBe(decon.report().contaminated);
      }),
      { numRuns: 60 },
    );
  });
});
