import { collect, testAdapter } from "@mathtune/core/testing";
import { mathematics } from "@mathtune/loaders/mathematics";
import { describe, expect, it } from "vitest";
import { fixture } from "./helpers.js";

testAdapter(mathematics, {
  valid: [
    { name: "v1.0 layout", options: { path: fixture("mathematics/v1.0") }, records: 10 },
    { name: "one set", options: { path: fixture("mathematics/v1.0/train-easy") }, records: 5 },
    { name: "one file", options: { path: fixture("mathematics/v1.0/interpolate/arithmetic__div.txt") }, records: 1 },
  ],
  invalid: [
    {
      name: "odd number of lines",
      options: { path: fixture("mathematics-bad") },
      code: "E_INPUT_TRUNCATED",
      location: "algebra__linear_1d.txt:5",
    },
    { name: "missing path", options: { path: fixture("mathematics/v2") }, code: "E_INPUT_NOT_FOUND" },
    { name: "a folder without task files", options: { path: fixture("MATH") }, code: "E_INPUT_EMPTY" },
  ],
});

describe("mathematics", () => {
  it("takes module, task, split and difficulty from the path, and classifies answers", async () => {
    const { records } = await collect(mathematics, { path: fixture("mathematics/v1.0") });
    const first = records[0]!;
    expect(first).toMatchObject({
      id: "mathematics/train-easy/algebra__linear_1d/0",
      problem: "Solve 4*k + 7 = 19 for k.",
      answer: "3",
      answerKind: "integer",
      category: "algebra",
      difficulty: "easy",
      split: "train",
      meta: { task: "linear_1d", set: "train-easy" },
    });
    const kinds = Object.fromEntries(records.map((r) => [r.answer, r.answerKind]));
    expect(kinds["True"]).toBe("boolean");
    expect(kinds["-2/7"]).toBe("fraction");
    expect(kinds["6*q"]).toBe("expression");
    expect(kinds["10:09 PM"]).toBe("time");
    expect(kinds["-1.5"]).toBe("decimal");
    const interp = records.filter((r) => r.split === "interpolate");
    expect(interp).toHaveLength(2);
    expect(interp.every((r) => r.difficulty === undefined)).toBe(true);
  });

  it("selects by module and difficulty", async () => {
    const a = await collect(mathematics, { path: fixture("mathematics/v1.0"), modules: ["arithmetic"] });
    expect(a.records.map((r) => r.id)).toEqual([
      "mathematics/train-medium/arithmetic__add_or_sub/0",
      "mathematics/train-medium/arithmetic__add_or_sub/1",
      "mathematics/interpolate/arithmetic__div/0",
    ]);
    const b = await collect(mathematics, {
      path: fixture("mathematics/v1.0"),
      difficulties: ["train-medium"],
      modules: ["calculus"],
    });
    expect(b.records.map((r) => r.answer)).toEqual(["6*q"]);
  });

  it("keeps the pairs before a dangling question, and quarantines the question", async () => {
    const { records, rejections } = await collect(mathematics, { path: fixture("mathematics-bad") });
    expect(records.map((r) => r.answer)).toEqual(["2", "3"]);
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toMatchObject({ code: "E_INPUT_TRUNCATED", raw: "Solve 7*z = 14 for z." });
  });

  it("rejects an unknown difficulty in the options", async () => {
    const err = await collect(mathematics, {
      path: fixture("mathematics/v1.0"),
      difficulties: ["train-impossible"],
    }).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe("E_OPTIONS_INVALID");
  });
});
