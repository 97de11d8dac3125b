import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkText, FINDING_CODES, validateRecord, validateText, type FindingCode } from "@mathtune/latex";
import { MACROS } from "../src/macros.js";
import { SegmentCache, withSegmentCache } from "../src/validate.js";

interface ErrorCase {
  name: string;
  text: string;
  dollars: boolean;
  findings: Array<{ code: FindingCode; offset: number; at: string }>;
}
interface AcceptedCase {
  name: string;
  text: string;
  dollars: boolean;
  segments: number;
}
const cases = JSON.parse(readFileSync(new URL("../../../test-fixtures/latex/cases.json", import.meta.url), "utf8")) as {
  errors: ErrorCase[];
  accepted: AcceptedCase[];
};

describe("validateText: errors (test-fixtures/latex/cases.json)", () => {
  it.each(cases.errors.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const findings = validateText(c.text, { dollars: c.dollars, cache: false });
    expect(findings.map((f) => ({ code: f.code, offset: f.offset }))).toEqual(
      c.findings.map((f) => ({ code: f.code, offset: f.offset })),
    );
    for (const [i, f] of findings.entries()) {
      expect(c.text.startsWith(c.findings[i]!.at, f.offset)).toBe(true);
      expect(f.kind).toBe(FINDING_CODES[f.code].kind);
      expect(f.field).toBe("text");
      expect(f.message.length).toBeGreaterThan(0);
      expect(c.text.slice(Math.max(0, f.offset - 30), f.offset + 30)).toBe(f.excerpt);
    }
  });

  it("covers every finding code", () => {
    const covered = new Set(cases.errors.flatMap((c) => c.findings.map((f) => f.code)));
    expect([...covered].sort()).toEqual(Object.keys(FINDING_CODES).sort());
  });
});

describe("validateText: accepted constructs (test-fixtures/latex/cases.json)", () => {
  it.each(cases.accepted.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const r = checkText(c.text, { dollars: c.dollars, cache: false });
    expect(r.findings).toEqual([]);
    expect(r.segments).toBe(c.segments);
  });
});

describe("validateRecord", () => {
  it("checks problem, solution and answer, each with its field and own offsets", () => {
    const findings = validateRecord(
      { problem: "Find $x$.", solution: String.raw`So $\frac{1}{2$.`, answer: String.raw`\frac{1}{2` },
      { dollars: true },
    );
    expect(findings.map((f) => [f.field, f.code, f.offset])).toEqual([
      ["solution", "E_LATEX_UNBALANCED_BRACES", 12],
      ["answer", "E_LATEX_UNBALANCED_BRACES", 8],
    ]);
  });

  it("validates the answer as math on its own (no delimiters needed)", () => {
    expect(validateRecord({ problem: "p", answer: String.raw`\dfrac{\sqrt{3}}{2}` }, { dollars: true })).toEqual([]);
    expect(
      validateRecord({ problem: "p", answer: String.raw`x^2^3` }, { dollars: true }).map((f) => [
        f.field,
        f.code,
        f.offset,
      ]),
    ).toEqual([["answer", "E_LATEX_PARSE", 3]]);
    expect(validateRecord({ problem: "p", answer: String.raw`\text{(A)}` }, { dollars: true })).toEqual([]);
  });

  it("reads an answer that carries its own $ as text (money with dollars off)", () => {
    expect(validateRecord({ problem: "p", answer: "$5" }, { dollars: false })).toEqual([]);
    expect(validateRecord({ problem: "p", answer: "$x" }, { dollars: true }).map((f) => f.code)).toEqual([
      "E_LATEX_UNMATCHED_DELIMITER",
    ]);
  });

  it("an answer of kind text is prose: only its delimited math is checked", () => {
    expect(validateRecord({ problem: "p", answer: "café au lait", answerKind: "text" }, { dollars: true })).toEqual([]);
    expect(
      validateRecord({ problem: "p", answer: "café", answerKind: "latex" }, { dollars: true }).map((f) => [
        f.code,
        f.offset,
      ]),
    ).toEqual([["E_LATEX_STRICT", 3]]);
    expect(
      validateRecord({ problem: "p", answer: "so $x^^2$", answerKind: "text" }, { dollars: true }).map((f) => [
        f.field,
        f.code,
        f.offset,
      ]),
    ).toEqual([["answer", "E_LATEX_PARSE", 5]]); // "Expected group after '^'", at the first ^
  });

  it("GSM8K-style money never becomes a finding with dollars off", () => {
    const q = "Natalia sold clips for $2 each and $5 a pack; she made $48 in April and $2,125 in May. <<48/2=24>>";
    expect(validateRecord({ problem: q, solution: "#### 72", answer: "72" }, { dollars: false })).toEqual([]);
  });
});

describe("purity and the cache", () => {
  const pieces = [
    "$",
    "$$",
    "x",
    "^",
    "_",
    "{",
    "}",
    String.raw`\frac`,
    String.raw`\left(`,
    String.raw`\right)`,
    " ",
    "\\\\",
    "&",
    "%",
    String.raw`\text{`,
    "[asy]",
    "[/asy]",
    String.raw`\(`,
    String.raw`\)`,
    "é",
    "1",
  ];
  const texts = fc.array(fc.constantFrom(...pieces), { maxLength: 24 }).map((a) => a.join(""));

  it("the same text gives the same findings, with or without a cache, in any order", () => {
    fc.assert(
      fc.property(fc.array(texts, { minLength: 1, maxLength: 6 }), (batch) => {
        const cache = new SegmentCache(8);
        const plain = batch.map((t) => validateText(t, { dollars: true, cache: false }));
        const cached = withSegmentCache(cache, () => batch.map((t) => validateText(t, { dollars: true })));
        const reversed = withSegmentCache(cache, () =>
          [...batch]
            .reverse()
            .map((t) => validateText(t, { dollars: true }))
            .reverse(),
        );
        expect(cached).toEqual(plain);
        expect(reversed).toEqual(plain);
      }),
      { numRuns: 150, seed: 42 },
    );
  });

  it("every finding lies inside its text", () => {
    fc.assert(
      fc.property(texts, (t) => {
        for (const f of validateText(t, { dollars: true, cache: false })) {
          expect(f.offset).toBeGreaterThanOrEqual(0);
          expect(f.offset).toBeLessThanOrEqual(t.length);
        }
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it("caches repeated segments", () => {
    const cache = new SegmentCache();
    withSegmentCache(cache, () => validateText("$x$ and $x$ and $y$", { dollars: true }));
    expect({ hits: cache.hits, misses: cache.misses, size: cache.size }).toEqual({ hits: 1, misses: 2, size: 2 });
  });

  it("the cache clears itself at its bound", () => {
    const cache = new SegmentCache(2);
    withSegmentCache(cache, () => validateText("$a$ $b$ $c$", { dollars: true }));
    expect(cache.size).toBe(1);
  });
});

describe("macros", () => {
  it("every documented macro parses, in math", () => {
    for (const name of Object.keys(MACROS)) {
      const usage = /\\(mbox|textsc|overarc|vspace)$/.test(name)
        ? `${name}{AB}`
        : name === "\\root"
          ? "\\root 3 \\of {x}"
          : name;
      expect(validateText(`$${usage}$`, { dollars: true, cache: false, strict: false }), name).toEqual([]);
    }
  });

  it("strict: false drops strict-mode findings only", () => {
    expect(validateText("$$a \\\\ b$$ $é$ and 5% off", { dollars: true, strict: false })).toEqual([]);
    expect(validateText("$$a \\\\ b$$ $é$ and 5% off", { dollars: true }).map((f) => f.code)).toEqual([
      "E_LATEX_STRICT",
      "E_LATEX_STRICT",
    ]);
  });
});
