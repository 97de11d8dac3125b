import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MathtuneError } from "@mathtune/core";
import {
  MARKERS,
  answerLike,
  answerLine,
  cleanAnswerText,
  firstAnswerLetterLine,
  lastCalculation,
} from "../src/answer-line.js";
import { calculatorAnnotations, stripCalculatorAnnotations } from "@mathtune/core";
import {
  compare,
  equivalent,
  extractAnswer,
  extractBoxed,
  extractGsm8k,
  lastNumber,
  normalizeAnswer,
} from "@mathtune/answer";

const withCommas = (n: bigint): string => {
  const s = (n < 0n ? -n : n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return n < 0n ? `-${s}` : s;
};

describe("properties", () => {
  it("an integer equals itself with thousands separators, and not its neighbour", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (n) => {
        expect(equivalent(withCommas(n), n.toString())).toBe(true);
        expect(equivalent(n.toString(), (n + 1n).toString())).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("p/q equals \\frac{kp}{kq} and differs from (p+1)/q", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -500, max: 500 }),
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 9 }),
        (p, q, k) => {
          expect(equivalent(`${p}/${q}`, `\\frac{${k * p}}{${k * q}}`)).toBe(true);
          expect(equivalent(`${p}/${q}`, `${p + 1}/${q}`)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a terminating decimal equals its fraction", () => {
    fc.assert(
      fc.property(fc.integer({ min: -100000, max: 100000 }), fc.integer({ min: 0, max: 4 }), (n, places) => {
        const d = 10 ** places;
        const dec = (n / d).toFixed(places);
        expect(equivalent(dec, `\\frac{${n}}{${d}}`)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("is symmetric and deterministic on numbers", () => {
    const num = fc.oneof(
      fc.integer({ min: -1000, max: 1000 }).map(String),
      fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 1, max: 12 })).map(([p, q]) => `${p}/${q}`),
      fc.double({ min: -100, max: 100, noNaN: true }).map((x) => x.toFixed(3)),
    );
    fc.assert(
      fc.property(num, num, (a, b) => {
        const ab = compare(a, b);
        expect(compare(b, a).equal).toBe(ab.equal);
        expect(compare(a, b).equal).toBe(ab.equal);
      }),
      { numRuns: 300 },
    );
  });

  it("extractBoxed returns balanced content unchanged (trimmed)", () => {
    const atom = fc.constantFrom("x", "1", "+", "\\frac", "^", " ", "\\{", "\\}", "(", ")", "\\sqrt", "2");
    const group: fc.Arbitrary<string> = fc.letrec<{ g: string }>((tie) => ({
      g: fc.oneof(
        { depthSize: "small" },
        atom,
        fc
          .array(
            fc.oneof(
              atom,
              tie("g").map((s) => `{${s}}`),
            ),
            { maxLength: 5 },
          )
          .map((xs) => xs.join("")),
      ),
    })).g;
    fc.assert(
      fc.property(group, fc.string({ maxLength: 20 }), (inner, tail) => {
        fc.pre(inner.trim() !== "" && !/\\(boxed|fbox)/.test(tail));
        expect(extractBoxed(`pre \\boxed{${inner}}${tail.replace(/[{}\\]/g, "")}`)).toBe(inner.trim());
      }),
      { numRuns: 300 },
    );
  });

  it("never throws on arbitrary text; every answer equals itself; nothing equals an empty answer", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (a, b) => {
        const r = compare(a, b, { timeLimitMs: 100 });
        expect(typeof r.equal).toBe("boolean");
        expect(compare(a, a).equal).toBe(normalizeAnswer(a).text !== "");
        if (normalizeAnswer(b).text === "") expect(r.equal).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe("fast paths give the same answers as a scan of the whole text", () => {
  // The whole-text scans the fast paths replace, kept here as the reference.
  const NUMBER_RE = /[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*\/\s*\d+)?|[-+−]?\.\d+/g;
  const refLastNumber = (text: string) => {
    let last: string | undefined;
    for (const m of text.matchAll(NUMBER_RE)) last = m[0];
    return last?.replace(/,/g, "").replace(/−/g, "-").replace(/\s+/g, "");
  };
  const refGsm8k = (text: string) => {
    let last: string | undefined;
    for (const m of text.matchAll(/^[ \t]*####[ \t]*(.*)$/gm)) last = m[1];
    const out = last?.replace(/,(?=\d)/g, "").trim();
    return out === "" ? undefined : out;
  };
  // Text made of the pieces that matter: digits, signs, separators, white space, line ends, markers.
  const pieces = [
    "1",
    "23",
    "4,567",
    "0.5",
    "-",
    "−",
    "+",
    ",",
    ".",
    "/",
    " ",
    "\t",
    "\n",
    "\r",
    "\u2028",
    "####",
    "#",
    "x",
    "answer",
    "Answer:",
    "The answer is",
    "答：",
    "\\boxed{7}",
    "$",
    "ab",
  ];
  const text = fc.array(fc.constantFrom(...pieces), { maxLength: 40 }).map((a) => a.join(""));

  it("lastNumber", () => {
    fc.assert(
      fc.property(fc.oneof(text, fc.string()), (t) => {
        expect(lastNumber(t)).toBe(refLastNumber(t));
      }),
      { numRuns: 3000 },
    );
  });

  it("extractGsm8k", () => {
    fc.assert(
      fc.property(fc.oneof(text, fc.string()), (t) => {
        expect(extractGsm8k(t)).toBe(refGsm8k(t));
      }),
      { numRuns: 3000 },
    );
  });

  it("the answer line", () => {
    const refAnswerLine = (t: string) => {
      const found: [number, number][] = [];
      for (const { re } of MARKERS)
        for (const m of t.matchAll(new RegExp(re.source, re.flags))) found.push([m.index, m.index + m[0].length]);
      found.sort((a, b) => b[0] - a[0]);
      for (const [, end] of found) {
        const out = cleanAnswerText(t.slice(end));
        if (answerLike(out)) return out;
      }
      return undefined;
    };
    const marked = fc
      .array(
        fc.constantFrom(
          ...pieces,
          "final",
          "the",
          "FINAL ANSWER",
          "the  answer =",
          "answer **:**",
          "答案是",
          "最终答案为：",
          "最终",
          "  ",
        ),
        { maxLength: 30 },
      )
      .map((a) => a.join(""));
    fc.assert(
      fc.property(marked, (t) => {
        expect(answerLine(t)?.answer).toBe(refAnswerLine(t));
      }),
      { numRuns: 3000 },
    );
  });

  // The pieces of an `A:` line and of GSM8K's calculations, for the scans that stand in for a regex or a split.
  const lineText = fc
    .array(
      fc.constantFrom(
        ...pieces,
        "A",
        "a",
        "*",
        "**",
        ":",
        "A:",
        "**A**:",
        " A :",
        "AA:",
        "<<",
        ">>",
        "=",
        "3*4=12",
        "\r\n",
      ),
      { maxLength: 30 },
    )
    .map((a) => a.join(""));

  it("the first `A:` line is where the regex finds it", () => {
    fc.assert(
      fc.property(fc.oneof(lineText, fc.string()), (t) => {
        expect(firstAnswerLetterLine(t)).toBe(t.search(/^[ \t]*\**A\**[ \t]*:/m));
      }),
      { numRuns: 5000 },
    );
  });

  it("lastCalculation reads the last line as splitting the text into lines does", () => {
    // the rule as first written: split into lines, the last one not blank, its last annotation that computes
    const ref = (text: string) => {
      const lines = text.trimEnd().split(/\r?\n/);
      let line = lines[lines.length - 1] ?? "";
      for (let k = lines.length - 1; k >= 0 && line.trim() === ""; k--) line = lines[k]!;
      const calcs = calculatorAnnotations(line).filter(
        (a) => a.lastIndexOf("=") >= 0 && a.lastIndexOf("=") < a.length - 1,
      );
      const last = calcs[calcs.length - 1];
      const calc = last?.slice(last.lastIndexOf("=") + 1).trim();
      if (calc !== undefined && /^[-+]?\d[\d,]*(?:\.\d+)?$/.test(calc)) return calc.replace(/,/g, "");
      const plain = stripCalculatorAnnotations(line);
      const eq = plain.lastIndexOf("=");
      if (eq < 0) return undefined;
      const m = /^\s*\\?\$?\s*([-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?![\d/])/.exec(plain.slice(eq + 1));
      return m ? m[1]!.replace(/,/g, "").replace(/−/g, "-") : undefined;
    };
    const calc = fc
      .array(
        fc.constantFrom("<<3*4=12>>", "<<5=>>", "<<7>>", "<<2+2=4,000>>", "12", "$", " ", "\n", "\r\n", "\r", "x", "="),
        { maxLength: 20 },
      )
      .map((a) => a.join(""));
    fc.assert(
      fc.property(fc.oneof(calc, lineText, fc.string()), (t) => {
        expect(lastCalculation(t)).toBe(ref(t));
      }),
      { numRuns: 5000 },
    );
  });

  it("cleanAnswerText: a plain number takes the same way out as the general rules", () => {
    // A carriage return sends the text down the general rules without changing their result.
    const num = fc.tuple(
      fc.constantFrom("", " ", "\t", "  "),
      fc.constantFrom("", "-"),
      fc.nat(),
      fc.option(fc.nat()),
      fc.constantFrom("", " ", "\t"),
      fc.constantFrom("", "\nmore text", "\n2"),
    );
    fc.assert(
      fc.property(num, ([pre, sign, n, frac, post, rest]) => {
        const head = `${pre}${sign}${n}${frac === null ? "" : `.${frac}`}${post}`;
        expect(cleanAnswerText(`${head}${rest}`)).toBe(cleanAnswerText(`${head}\r${rest}`));
      }),
      { numRuns: 1000 },
    );
  });

  it("extractAnswer picks the same rule on text without its markers", () => {
    fc.assert(
      fc.property(text, (t) => {
        const got = extractAnswer(t);
        // (a text that is one short answer is read whole; `$`, `=` and `A:` belong to other rules)
        if (!/answer|答|####|\\|\$|=|^\s*A\s*:/im.test(t) && got?.rule !== "whole") {
          expect(got).toEqual(
            refLastNumber(t) === undefined ? undefined : { answer: refLastNumber(t), rule: "last-number" },
          );
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("options and limits", () => {
  it.each([
    [{ timeLimitMs: 0 }],
    [{ timeLimitMs: -5 }],
    [{ relTol: 1 }],
    [{ relTol: -0.1 }],
    [{ points: 2 }],
    [{ points: 1.5 }],
  ])("rejects %j with E_OPTIONS_INVALID", (options) => {
    let err: unknown;
    try {
      compare("1", "1", options);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MathtuneError);
    expect((err as MathtuneError).code).toBe("E_OPTIONS_INVALID");
  });

  it("stops a comparison at the time limit and counts it as different", () => {
    const r = compare("100000!", "100000 \\cdot 99999!", { timeLimitMs: 30 });
    expect(r.timedOut).toBe(true);
    expect(r.equal).toBe(false);
    expect(r.reason).toBe("timeout");
  });

  it("keeps no engine state between comparisons (`f(4 - x)` does not make `f` a function for later ones)", () => {
    expect(compare("f(4 - x)", "f(4-x)").equal).toBe(true);
    expect(compare("f^2 + 2f", "f(f + 2)").equal).toBe(true);
    expect(compare("f^2 + 3f", "f (f + 2)").equal).toBe(false);
  });

  it("reports how it decided and what it read", () => {
    const r = compare("\\$1,200", "1200.00");
    expect(r).toMatchObject({
      equal: true,
      reason: "number",
      kinds: ["number", "number"],
      normalized: ["1,200", "1200.00"],
      timedOut: false,
    });
    expect(compare("x^2-1", "(x-1)(x+1)").reason).toBe("symbolic");
    expect(compare("(1,2]", "(1,2)").reason).toBe("interval");
  });
});
