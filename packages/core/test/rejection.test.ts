import { type MathRecord, isRejection, reject } from "@mathtune/core";
import { describe, expect, it } from "vitest";

describe("reject / isRejection", () => {
  it("tags a Rejection, and the tag, not the look of the fields, decides", () => {
    const r = reject("E_PARSE", "bad line", { location: { file: "a.jsonl", line: 3 }, raw: "{" });
    expect(r).toEqual({
      kind: "rejection",
      code: "E_PARSE",
      message: "bad line",
      location: { file: "a.jsonl", line: 3 },
      raw: "{",
    });
    expect(isRejection(r)).toBe(true);
    // an untagged look-alike (code and message, no problem) is not one
    expect(isRejection({ code: "E_PARSE", message: "bad line" } as never)).toBe(false);
    const record: MathRecord = { id: "a/1", source: "a", problem: "1+1?", lang: "en" };
    expect(isRejection(record)).toBe(false);
  });

  it("keeps its tag through a worker's structured clone", () => {
    expect(isRejection(structuredClone(reject("E_NO_ANSWER", "none")))).toBe(true);
  });
});
