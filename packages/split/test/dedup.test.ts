import type { MathRecord, Rejection } from "@mathtune/core";
import { isRejection } from "@mathtune/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createDedupStage, Deduplicator } from "@mathtune/split";
import { lshCandidateProbability, lshParams } from "../src/internal/minhash.js";

const rec = (id: string, problem: string): MathRecord => ({ id, source: "t", problem, lang: "en" });

const LONG =
  "A farmer has 17 cows and 23 sheep in a field next to the river. Every morning he moves 5 of the cows to the barn and counts the remaining animals carefully before lunch. How many animals are left in the field after the cows are moved?";

describe("Deduplicator", () => {
  it("exact duplicates after normalisation name the kept id", () => {
    const d = new Deduplicator({ near: false });
    expect(d.check("a", "What is 2 + 3?")).toBeUndefined();
    expect(d.check("b", "what   is 2+3?")).toEqual({ kind: "exact", of: "a" });
    expect(d.check("c", "WHAT IS ２＋３?")).toEqual({ kind: "exact", of: "a" });
    expect(d.check("d", "What is 2 + 4?")).toBeUndefined();
    expect(d.kept).toBe(2);
    expect(d.exactDuplicates).toBe(2);
  });

  it("near duplicates: a small wording change is caught, with its similarity", () => {
    const d = new Deduplicator({ threshold: 0.8 });
    expect(d.check("orig", LONG)).toBeUndefined();
    const m = d.check("copy", LONG.replace("carefully", "slowly"));
    expect(m?.kind).toBe("near");
    expect(m?.of).toBe("orig");
    expect(m?.similarity).toBeGreaterThanOrEqual(0.8);
  });

  it("default threshold 0.9: a changed name in a long problem is a near duplicate", () => {
    const d = new Deduplicator({});
    const p =
      "Priya got $40 for her birthday. She wants to buy three notebooks that cost $4 each and a backpack that costs $19. How much money will she have left after buying all of them at the store?";
    expect(d.check("a", p)).toBeUndefined();
    expect(d.check("b", p.replace("Priya", "Marta"))).toMatchObject({ kind: "near", of: "a" });
  });

  it("problems whose TeX math differs are not near duplicates, however similar the words", () => {
    const d = new Deduplicator({ threshold: 0.5 });
    const p =
      "Suppose that $g(t) = t^m$ where $m > 0$. Over the interval $[2, \\infty)$, which values does $g(t)$ take, written in interval notation?";
    expect(d.check("a", p)).toBeUndefined();
    expect(d.check("b", p.replace("$m > 0$", "$m < 0$"))).toBeUndefined();
    expect(
      d.check("c", "If $a + b = 9$ and $a - b = 3$, find the value of $a$ and write it as a whole number."),
    ).toBeUndefined();
    expect(
      d.check("d", "If $a + b = 9$ and $a - b = 3$, find the value of $b$ and write it as a whole number."),
    ).toBeUndefined();
    // the same math with one word changed is still a near duplicate
    expect(
      d.check("e", "If $a + b = 9$ and $a - b = 3$, compute the value of $b$ and write it as a whole number.")?.of,
    ).toBe("d");
  });

  it("templated problems that differ only in their numbers are not duplicates", () => {
    const d = new Deduplicator({ threshold: 0.5 });
    expect(d.check("a", LONG)).toBeUndefined();
    expect(d.check("b", LONG.replace("17 cows", "18 cows"))).toBeUndefined();
    expect(d.check("c", LONG.replace("moves 5", "moves 6"))).toBeUndefined();
    expect(d.kept).toBe(3);
  });

  it("an unrelated problem is kept; the threshold decides borderline pairs", () => {
    const strict = new Deduplicator({ threshold: 0.99 });
    const loose = new Deduplicator({ threshold: 0.3 });
    const edited = LONG.replace("Every morning", "Each day").replace("carefully before lunch", "twice");
    for (const d of [strict, loose]) {
      d.check("a", LONG);
      expect(
        d.check(
          "x",
          "Compute the derivative of x^3 + 2x with respect to x, then evaluate it at the point where x equals 4.",
        ),
      ).toBeUndefined();
    }
    expect(strict.check("b", edited)).toBeUndefined();
    expect(loose.check("b", edited)?.of).toBe("a");
  });

  it("character n-grams work too", () => {
    const d = new Deduplicator({ ngram: "char", n: 5 });
    d.check("a", LONG);
    expect(d.check("b", LONG.replace("river", "rivers"))?.kind).toBe("near");
  });

  it("E_OPTIONS_INVALID for bad options", () => {
    expect(() => new Deduplicator({ threshold: 2 })).toThrow(/threshold/);
    expect(() => new Deduplicator({ ngram: "sentence" })).toThrowError(
      expect.objectContaining({ code: "E_OPTIONS_INVALID" }),
    );
  });

  it("LSH banding catches a pair at the threshold with probability >= 0.95", () => {
    for (const t of [0.5, 0.7, 0.8, 0.9]) {
      const { bands, rows } = lshParams(64, t);
      expect(bands * rows).toBeLessThanOrEqual(64);
      expect(lshCandidateProbability(t, bands, rows)).toBeGreaterThanOrEqual(0.95);
    }
  });
});

describe("createDedupStage", () => {
  it("returns records and E_DUPLICATE rejections in order", async () => {
    const stage = createDedupStage({});
    const out = await stage.process(
      [
        rec("1", LONG),
        rec("2", "Other problem about 4 goats."),
        rec("3", `  ${LONG}  `),
        rec("4", LONG.replace("slowly", "x")),
      ],
      {},
    );
    expect(out.map((x) => (isRejection(x) ? `R:${x.id}` : (x as MathRecord).id))).toEqual(["1", "2", "R:3", "R:4"]);
    const r = out[2] as Rejection;
    expect(r.code).toBe("E_DUPLICATE");
    expect(r.message).toBe("exact duplicate of 1");
    expect((r.raw as MathRecord).id).toBe("3");
    expect(stage.summary()).toMatchObject({ kept: 2, exactDuplicates: 2, nearDuplicates: 0 });
  });

  it("property: every record is either kept or a duplicate of a kept record, and kept problems are distinct", () => {
    const vocab = ["a", "b", "2", "3", "+", "x", "apples", "Tom", "has"];
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom(...vocab), { minLength: 1, maxLength: 8 }), { maxLength: 60 }),
        (problems) => {
          const stage = createDedupStage({});
          const out = stage.process(
            problems.map((p, i) => rec(`r${i}`, p.join(" "))),
            {},
          ) as Array<MathRecord | Rejection>;
          expect(out.length).toBe(problems.length);
          const kept = new Set<string>();
          out.forEach((x, i) => {
            if (isRejection(x)) {
              expect(x.code).toBe("E_DUPLICATE");
              const of = /duplicate of (\S+)/.exec(x.message)?.[1];
              expect(kept.has(of!)).toBe(true);
            } else {
              expect(x.id).toBe(`r${i}`);
              kept.add(x.id);
            }
          });
        },
      ),
    );
  });
});

describe("near duplicates must end alike", () => {
  const setup =
    "A bus company runs a line from the harbour to the old town and on to the airport. Each leg of the journey costs the same and takes about forty minutes in normal traffic.";
  it("the same story with another final question is kept; sameEnding 0 turns the rule off", () => {
    const on = new Deduplicator({ threshold: 0.7 });
    const off = new Deduplicator({ threshold: 0.7, sameEnding: 0 });
    for (const d of [on, off]) d.check("a", `${setup} How long is the whole trip from the harbour to the airport?`);
    expect(on.check("b", `${setup} How long is the whole trip from the harbour to the old town?`)).toBeUndefined();
    expect(off.check("b", `${setup} How long is the whole trip from the harbour to the old town?`)?.of).toBe("a");
  });
  it("a short problem that differs only in its last word is not a duplicate", () => {
    const d = new Deduplicator({ threshold: 0.5 });
    d.check("a", "Determine the number of ways to arrange the letters of the word BANANA.");
    expect(d.check("b", "Determine the number of ways to arrange the letters of the word COOKIE.")).toBeUndefined();
  });
});
