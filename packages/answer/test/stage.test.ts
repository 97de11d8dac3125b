import { type MathRecord, isRejection } from "@mathtune/core";
import { describe, expect, it } from "vitest";
import { createAnswerStage } from "@mathtune/answer";

const rec = (over: Partial<MathRecord>): MathRecord => ({
  id: "t/1",
  source: "t",
  problem: "What is 6 * 7?",
  lang: "en",
  ...over,
});

describe("createAnswerStage", () => {
  it("quarantines a record without an answer unless require is off", async () => {
    const [out] = await createAnswerStage().process([rec({ solution: "no idea" })], {});
    expect(isRejection(out!) && out.code).toBe("E_NO_ANSWER");
    const [kept] = await createAnswerStage({ require: false }).process([rec({ solution: "no idea" })], {});
    expect(isRejection(kept!)).toBe(false);
  });

  it("reads the answer back from the output it is given, and flags or rejects one it cannot read", async () => {
    const r = rec({ solution: "Six sevens make forty two.", answer: "42" });
    const withLine = createAnswerStage({ output: (x) => `${x.solution}\nAnswer: ${x.answer}` });
    const [ok] = await withLine.process([structuredClone(r)], {});
    expect((ok as MathRecord).meta?.answerCheck).toBeUndefined();
    // the bare solution states no answer a strict grader reads
    const [flagged] = await createAnswerStage().process([structuredClone(r)], {});
    expect((flagged as MathRecord).meta?.answerCheck).toEqual({ E_ANSWER_UNREADABLE: { extracted: null } });
    const [rejected] = await createAnswerStage({ readable: "reject", output: () => "Answer: 41" }).process(
      [structuredClone(r)],
      {},
    );
    expect(isRejection(rejected!) && rejected.code).toBe("E_ANSWER_UNREADABLE");
    const [thrown] = await createAnswerStage({
      readable: "reject",
      output: () => {
        throw new Error("no");
      },
    }).process([structuredClone(r)], {});
    expect(isRejection(thrown!) && thrown.code).toBe("E_ANSWER_UNREADABLE");
  });

  it("checks that the solution agrees with the label, normalises answers and counts by source", async () => {
    const stage = createAnswerStage({ readable: "off", agree: "reject" });
    const out = await stage.process(
      [rec({ solution: "6 * 7 = 40", answer: "42" }), rec({ id: "t/2", solution: "6 * 7 = 42", answer: "４２" })],
      {},
    );
    expect(isRejection(out[0]!) && out[0].code).toBe("E_ANSWER_DISAGREES");
    const kept = out[1] as MathRecord;
    expect(kept.answer).toBe("42");
    expect(kept.meta?.answerOriginal).toBe("４２");
    expect(stage.summary!()).toEqual({
      bySource: { t: { checked: 2, E_ANSWER_DISAGREES: 1 } },
      policies: { require: true, readable: "off", agree: "reject" },
    });
  });
});
