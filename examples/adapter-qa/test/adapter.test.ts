import { fileURLToPath } from "node:url";
import { collect, testAdapter } from "@mathtune/core/testing";
import { describe, expect, it } from "vitest";
import { qa } from "../index.js";

const fx = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

testAdapter(qa, {
  valid: [{ options: { path: fx("good.txt") }, records: 3 }],
  invalid: [
    { name: "a block without A:", options: { path: fx("bad.txt") }, code: "E_FIELD_MISSING", location: "bad.txt:4" },
    { name: "missing file", options: { path: fx("nope.txt") }, code: "E_INPUT_NOT_FOUND" },
  ],
});

describe("qa example adapter", () => {
  it("reads questions, worked solutions and answers", async () => {
    const { records } = await collect(qa, { path: fx("good.txt"), category: "speed" });
    expect(records.map((r) => [r.problem, r.solution, r.answer, r.answerKind, r.category])).toEqual([
      ["What is 2 + 3?", undefined, "5", "integer", "speed"],
      ["A train travels 60 km in 1.5 hours. What is its speed in km/h?", "60 / 1.5 = 40", "40", "integer", "speed"],
      ["What is half of 7?", "7 / 2 = 3.5", "3.5", "decimal", "speed"],
    ]);
  });

  it("quarantines both broken blocks, naming their lines", async () => {
    const { records, rejections } = await collect(qa, { path: fx("bad.txt") });
    expect(records).toHaveLength(1);
    expect(rejections.map((r) => [r.code, r.location?.line])).toEqual([
      ["E_FIELD_MISSING", 4],
      ["E_FIELD_MISSING", 6],
    ]);
  });
});
