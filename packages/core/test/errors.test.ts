import { MathtuneError, Type, errorCodes, parseOptions } from "@mathtune/core";
import { describe, expect, it } from "vitest";

describe("typed error codes", () => {
  it("a code that no package declared does not compile, and core's are registered with their owner", () => {
    // @ts-expect-error E_TYPO is in no MathtuneErrorCodes declaration
    const e = new MathtuneError("E_TYPO", "x");
    expect(e.code).toBe("E_TYPO");
    expect(errorCodes().get("E_PARSE")).toMatchObject({
      package: "@mathtune/core",
      description: expect.stringContaining("parsed"),
    });
    expect(errorCodes().has("E_TYPO" as never)).toBe(false);
  });

  it("toJSON / fromJSON carry code, location, hint, details and stack across a structured clone", () => {
    const e = new MathtuneError("E_PARSE", "bad line", {
      location: { file: "a.jsonl", line: 3 },
      hint: "fix it",
      details: { n: 1, cause: new Error("inner") },
    });
    const back = MathtuneError.fromJSON(structuredClone(e.toJSON()));
    expect(back).toBeInstanceOf(MathtuneError);
    expect(back).toMatchObject({
      code: "E_PARSE",
      reason: "bad line",
      message: e.message,
      location: { file: "a.jsonl", line: 3 },
      hint: "fix it",
      details: { n: 1, cause: "inner" },
    });
    expect(back.stack).toBe(e.stack);
    expect(MathtuneError.fromJSON({ message: "no code" }).code).toBe("E_INTERNAL");
  });
});

describe("parseOptions", () => {
  const S = Type.Object(
    { n: Type.Integer({ minimum: 1, default: 2 }), name: Type.String() },
    { additionalProperties: false },
  );

  it("fills defaults on a copy and reports every problem on its own line, E_OPTIONS_INVALID by default", () => {
    const given = { name: "x" };
    expect(parseOptions(S, given, { what: "tiny options" })).toEqual({ n: 2, name: "x" });
    expect(given).toEqual({ name: "x" });
    const err = (() => {
      try {
        parseOptions(S, { n: 0, nme: "x" }, { what: "tiny options" });
      } catch (e) {
        return e as MathtuneError;
      }
    })();
    expect(err?.code).toBe("E_OPTIONS_INVALID");
    expect(err?.message.split("\n")).toEqual([
      "invalid tiny options:",
      "  /: must have required property 'name'",
      "  /: unknown property 'nme' (did you mean 'name'?)",
      "  /n: must be >= 1",
    ]);
  });

  it("a config's problems: E_CONFIG_INVALID, under their pointer, at their file:line", () => {
    const locate = (p: string) => ({ file: "r.yaml", line: p === "/sources/0/options/n" ? 7 : 4 });
    expect(() =>
      parseOptions(
        S,
        { n: 0, name: "x" },
        { what: "recipe r.yaml", code: "E_CONFIG_INVALID", at: "/sources/0/options", locate },
      ),
    ).toThrow(
      expect.objectContaining({
        code: "E_CONFIG_INVALID",
        message: "invalid recipe r.yaml:\n  r.yaml:7: /sources/0/options/n: must be >= 1",
      }),
    );
    expect(() =>
      parseOptions(
        S,
        { name: "x" },
        { what: "t", check: (v) => ((v as { n?: number }).n === 2 ? ["/n: two is not allowed"] : []) },
      ),
    ).toThrow(/\n {2}\/n: two is not allowed/);
  });
});
