import { isRejection, type MathRecord, type Rejection } from "@mathtune/core";
import { describe, expect, it } from "vitest";
import { ContaminationIndex, createDecontaminationStage, words } from "@mathtune/split";

const rec = (id: string, problem: string, extra: Partial<MathRecord> = {}): MathRecord => ({ id, source: "t", problem, lang: "en", ...extra });

const EVAL =
  "Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four. She sells the remainder at the farmers' market daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers' market?";

async function* gen<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

describe("ContaminationIndex", () => {
  it("finds a shared 13-word span and reports it", () => {
    const idx = new ContaminationIndex();
    idx.add("gsm8k-test", "gsm8k/test/0", EVAL);
    const train = "Copied: she eats three for breakfast every morning and bakes muffins for her friends every day with four, okay?";
    const m = idx.match(train, "problem");
    expect(m).toHaveLength(1);
    expect(m[0]).toMatchObject({ field: "problem", evalSet: "gsm8k-test", evalId: "gsm8k/test/0", start: 1 });
    expect(m[0]!.span).toBe("she eats three for breakfast every morning and bakes muffins for her friends every day with four");
    expect(m[0]!.end - m[0]!.start).toBe(17);
  });

  it("12 shared words are not enough with n = 13", () => {
    const idx = new ContaminationIndex();
    idx.add("e", "1", EVAL);
    expect(idx.match("Unrelated start. she eats three for breakfast every morning and bakes muffins for her. Unrelated end")).toEqual([]);
  });

  it("digits are words: the same sentence with another number is not a match", () => {
    const idx = new ContaminationIndex({ n: 8 });
    idx.add("e", "1", "Janet's ducks lay 16 eggs per day and she sells them");
    expect(idx.match("janet's ducks lay 16 eggs per day and she sells them")).toHaveLength(1);
    expect(idx.match("janet's ducks lay 17 eggs per day and she sells them")).toEqual([]);
  });

  it("short evaluation texts match as a whole, very short ones are ignored", () => {
    const idx = new ContaminationIndex({ n: 13, minWords: 5 });
    idx.add("mathematics", "m1", "Let x = 3. What is x squared plus 4?");
    idx.add("mathematics", "m2", "What is 2 + 3?");
    expect(idx.match("Question: let x = 3. What is x squared plus 4? Thanks")[0]?.evalId).toBe("m1");
    expect(idx.match("What is 2 + 3?")).toEqual([]);
    expect(idx.evalSets[0]).toMatchObject({ name: "mathematics", texts: 2 });
  });
});

describe("createDecontaminationStage", () => {
  it("drops contaminated records with E_CONTAMINATED and a report with matched spans", async () => {
    const stage = await createDecontaminationStage({ fields: ["problem", "solution"] }, [
      { name: "gsm8k-test", records: gen([rec("gsm8k/test/0", EVAL)]) },
      { name: "heldout", texts: [{ id: "h1", text: "A train leaves the station at 3 pm travelling at 60 miles per hour towards a city 180 miles away." }] },
      { name: "math-500", texts: ["The sum of the interior angles of a convex polygon with 7 sides is what number of degrees in total?"] },
    ]);
    const out = stage.process(
      [
        rec("ok", "Tom has 4 apples."),
        rec("bad1", EVAL.replace("Janet's", "Mary's")),
        rec("bad2", "Fresh one.", { solution: "As before: a train leaves the station at 3 pm travelling at 60 miles per hour towards a city." }),
        rec("bad3", "Sum of the interior angles of a convex polygon with 7 sides is what number of degrees?"),
      ],
      {},
    ) as Array<MathRecord | Rejection>;
    expect(isRejection(out[0]!)).toBe(false);
    const rej = out.slice(1) as Rejection[];
    expect(rej.map((r) => r.code)).toEqual(["E_CONTAMINATED", "E_CONTAMINATED", "E_CONTAMINATED"]);
    // every word after the changed first one is shared
    expect(rej[0]!.message.startsWith(`problem shares a ${words(EVAL).length - 1}-word span with gsm8k-test gsm8k/test/0: "ducks lay 16 eggs per day`)).toBe(true);
    expect(rej[1]!.message).toContain("solution shares");
    expect(rej[1]!.message).toContain("heldout h1");
    expect(rej[2]!.message).toContain("math-500 math-500#0");
    const report = stage.report();
    expect(report).toMatchObject({ n: 13, checked: 4, contaminated: 3, byEvalSet: { "gsm8k-test": 1, heldout: 1, "math-500": 1 } });
    expect(report.entries.map((e) => e.id)).toEqual(["bad1", "bad2", "bad3"]);
    expect(report.entries[1]!.matches[0]!.span).toBe("a train leaves the station at 3 pm travelling at 60 miles per hour towards a city");
  });

  it("E_CONFIG_INVALID for bad options or an empty evaluation set", async () => {
    await expect(createDecontaminationStage({ n: 2 }, [])).rejects.toMatchObject({ code: "E_CONFIG_INVALID" });
    await expect(createDecontaminationStage({}, [{ name: "x" }])).rejects.toMatchObject({ code: "E_CONFIG_INVALID" });
  });

  it("E_CANCELED when aborted while indexing", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(createDecontaminationStage({}, [{ name: "x", texts: ["a b c"] }], { signal: ac.signal })).rejects.toMatchObject({ code: "E_CANCELED" });
  });
});

describe("Asymptote code is not problem text", () => {
  it("two different problems with the same diagram labels are not contamination", () => {
    const asy = "[asy] draw(A--B--C--cycle); label(\"$A$\", A, N); label(\"$B$\", B, SW); label(\"$C$\", C, SE); label(\"$D$\", D, W); label(\"$E$\", E, NE); [/asy]";
    const idx = new ContaminationIndex({});
    idx.add("eval", "e1", `In triangle ABC the angle bisector meets DE at F; compute AF over AT. ${asy}`);
    expect(idx.match(`A square ABCD has side 4; find the area of the shaded region. ${asy}`)).toEqual([]);
    expect(idx.match("In triangle ABC the angle bisector meets DE at F; compute AF over AT, please, carefully now.").length).toBe(1);
  });
});
