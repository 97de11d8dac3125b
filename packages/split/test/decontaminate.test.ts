import { isRejection, type MathRecord, type Rejection } from "@mathtune/core";
import { describe, expect, it } from "vitest";
import { ContaminationIndex, createDecontaminationStage } from "@mathtune/split";
import { formulasOf, signedNumbers } from "../src/decontaminate.js";
import { words } from "../src/internal/text.js";

const rec = (id: string, problem: string, extra: Partial<MathRecord> = {}): MathRecord => ({
  id,
  source: "t",
  problem,
  lang: "en",
  ...extra,
});

const EVAL =
  "Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four. She sells the remainder at the farmers' market daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers' market?";

async function* gen<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

describe("ContaminationIndex", () => {
  it("finds a shared 13-word span and reports it (minShare 0 and sameMath off: any span counts)", () => {
    const idx = new ContaminationIndex({ minShare: 0, sameMath: false });
    idx.add("gsm8k-test", "gsm8k/test/0", EVAL);
    const train =
      "Copied: she eats three for breakfast every morning and bakes muffins for her friends every day with four, okay?";
    const m = idx.match(train, "problem");
    expect(m).toHaveLength(1);
    expect(m[0]).toMatchObject({ field: "problem", evalSet: "gsm8k-test", evalId: "gsm8k/test/0", start: 1 });
    expect(m[0]!.span).toBe(
      "she eats three for breakfast every morning and bakes muffins for her friends every day with four",
    );
    expect(m[0]!.end - m[0]!.start).toBe(17);
    expect(m[0]!.evalWords).toBe(words(EVAL).length);
    expect(m[0]!.share).toBeCloseTo(17 / words(EVAL).length, 3);
    // with the default minShare (0.5) 17 of the 53 words are not enough
    const strict = new ContaminationIndex();
    strict.add("gsm8k-test", "gsm8k/test/0", EVAL);
    expect(strict.match(train)).toEqual([]);
    expect(strict.matchDetail(train).partial).toBe(true);
  });

  it("12 shared words are not enough with n = 13", () => {
    const idx = new ContaminationIndex();
    idx.add("e", "1", EVAL);
    expect(
      idx.match("Unrelated start. she eats three for breakfast every morning and bakes muffins for her. Unrelated end"),
    ).toEqual([]);
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
      {
        name: "heldout",
        texts: [
          {
            id: "h1",
            text: "A train leaves the station at 3 pm travelling at 60 miles per hour towards a city 180 miles away.",
          },
        ],
      },
      {
        name: "math-500",
        texts: ["The sum of the interior angles of a convex polygon with 7 sides is what number of degrees in total?"],
      },
    ]);
    const out = stage.process(
      [
        rec("ok", "Tom has 4 apples."),
        rec("bad1", EVAL.replace("Janet's", "Mary's")),
        rec("bad2", "Fresh one.", {
          solution:
            "As before: a train leaves the station at 3 pm travelling at 60 miles per hour towards a city, 180 miles in all.",
        }),
        rec("bad3", "Sum of the interior angles of a convex polygon with 7 sides is what number of degrees?"),
      ],
      {},
    ) as Array<MathRecord | Rejection>;
    expect(isRejection(out[0]!)).toBe(false);
    const rej = out.slice(1) as Rejection[];
    expect(rej.map((r) => r.code)).toEqual(["E_CONTAMINATED", "E_CONTAMINATED", "E_CONTAMINATED"]);
    // every word after the changed first one is shared
    const L = words(EVAL).length;
    expect(rej[0]!.message).toBe(
      `problem covers ${L - 1} of the ${L} words of gsm8k-test gsm8k/test/0 (${((100 * (L - 1)) / L).toFixed(1)}%); first shared span (${L - 1} words): "${words(EVAL).slice(1).join(" ")}"`,
    );
    expect(rej[1]!.message).toContain("solution covers");
    expect(rej[1]!.message).toContain("heldout h1");
    expect(rej[2]!.message).toContain("math-500 math-500#0");
    const report = stage.report();
    expect(report).toMatchObject({
      n: 13,
      checked: 4,
      contaminated: 3,
      byEvalSet: { "gsm8k-test": 1, heldout: 1, "math-500": 1 },
    });
    expect(report.entries.map((e) => e.id)).toEqual(["bad1", "bad2", "bad3"]);
    expect(report.entries[1]!.matches[0]!.span).toBe(
      "a train leaves the station at 3 pm travelling at 60 miles per hour towards a city 180 miles",
    );
    expect(report.entries[1]).toMatchObject({
      reason: "solution covers 19 of the 20 words of heldout h1 (95.0%)",
      share: 0.95,
    });
    expect(report.entries[2]!.share).toBe(0.85);
  });

  it("E_OPTIONS_INVALID for bad options or an empty evaluation set", async () => {
    await expect(createDecontaminationStage({ n: 2 }, [])).rejects.toMatchObject({ code: "E_OPTIONS_INVALID" });
    await expect(createDecontaminationStage({}, [{ name: "x" }])).rejects.toMatchObject({ code: "E_OPTIONS_INVALID" });
  });

  it("E_CANCELED when aborted while indexing", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(
      createDecontaminationStage({}, [{ name: "x", texts: ["a b c"] }], { signal: ac.signal }),
    ).rejects.toMatchObject({ code: "E_CANCELED" });
  });
});

describe("Asymptote code is not problem text", () => {
  it("two different problems with the same diagram labels are not contamination", () => {
    const asy =
      '[asy] draw(A--B--C--cycle); label("$A$", A, N); label("$B$", B, SW); label("$C$", C, SE); label("$D$", D, W); label("$E$", E, NE); [/asy]';
    const idx = new ContaminationIndex({});
    idx.add("eval", "e1", `In triangle ABC the angle bisector meets DE at F; compute AF over AT. ${asy}`);
    expect(idx.match(`A square ABCD has side 4; find the area of the shaded region. ${asy}`)).toEqual([]);
    expect(
      idx.match("In triangle ABC the angle bisector meets DE at F; compute AF over AT, please, carefully now.").length,
    ).toBe(1);
  });
});

describe("boilerplate and the share of the evaluation text", () => {
  const MN = "can be written as $\\frac{m}{n}$, where $m$ and $n$ are relatively prime positive integers. Find $m+n$.";
  const evalAime = [
    `A fair coin is tossed ten times. The probability that heads never occur on consecutive tosses ${MN}`,
    `Two dice are rolled and the larger number shown is recorded. The expected value of the recorded number ${MN}`,
    `A point is chosen at random inside a unit square. The probability that it lies closer to the centre than to any side ${MN}`,
  ];
  const SETUP =
    "A bag holds 5 red marbles, 7 blue marbles and 9 green marbles, and two marbles are drawn without replacement one after the other.";

  it("an n-gram found in commonIn or more evaluation texts is boilerplate and never counts", () => {
    const idx = new ContaminationIndex();
    evalAime.forEach((t, i) => idx.add("aime-like", `e${i}`, t));
    expect(idx.evalSets[0]!.common).toBeGreaterThan(0);
    const other = `Three cards are drawn from a standard deck. The probability that all three are hearts ${MN}`;
    const r = idx.matchDetail(other);
    expect(r.matches).toEqual([]);
    expect(r.boilerplate).toBe(true);
    // the same text counts when fewer evaluation texts share it (commonIn above their number)
    const lax = new ContaminationIndex({ commonIn: 4, minShare: 0 });
    evalAime.forEach((t, i) => lax.add("aime-like", `e${i}`, t));
    expect(
      lax
        .match(other)
        .map((m) => m.evalId)
        .sort(),
    ).toEqual(["e0", "e1", "e2"]);
  });

  it("a copy of an evaluation problem with the boilerplate is still found, with the share of its words", () => {
    const idx = new ContaminationIndex();
    evalAime.forEach((t, i) => idx.add("aime-like", `e${i}`, t));
    const m = idx.match(`Problem 7. ${evalAime[1]}`);
    expect(m.map((x) => x.evalId)).toEqual(["e1"]);
    // the windows inside the shared boilerplate do not count, those that reach into it do
    const L = words(evalAime[1]!).length;
    const B = words(MN).length;
    expect(m[0]!.share).toBeCloseTo((L - B + 12) / L, 3);
  });

  it("two evaluation texts sharing a setup: a copy of the second is matched to the second, wholly", () => {
    const idx = new ContaminationIndex();
    idx.add("e", "A", `${SETUP} What is the probability that both are red?`);
    idx.add("e", "B", `${SETUP} What is the probability that the two marbles have different colours?`);
    const m = idx.match(`${SETUP} What is the probability that the two marbles have different colours?`);
    expect(m[0]).toMatchObject({ evalId: "B", share: 1 });
    // and the first, sharing the setup and "what is the probability that", also passes the default 0.5
    expect(m.map((x) => x.evalId)).toEqual(["B", "A"]);
    expect(m[1]!.share).toBeCloseTo(
      (words(SETUP).length + 5) / words(`${SETUP} What is the probability that both are red?`).length,
      3,
    );
  });

  it("minShare: one shared sentence of a long evaluation problem is kept and counted as partial", async () => {
    const long = `${SETUP} Then a third marble is drawn, and its colour is compared with the first two. Let p be the probability that all three marbles differ in colour and let q be the probability that all three share one colour. Compute the ratio of p to q.`;
    const train = rec("t1", `${SETUP} How many ways are there to do this?`);
    const strict = await createDecontaminationStage({}, [{ name: "e", texts: [{ id: "long", text: long }] }]);
    expect(isRejection((strict.process([train], {}) as Array<MathRecord | Rejection>)[0]!)).toBe(false);
    expect(strict.report()).toMatchObject({ contaminated: 0, partial: 1, boilerplateOnly: 0 });
    const lax = await createDecontaminationStage({ minShare: 0.3 }, [
      { name: "e", texts: [{ id: "long", text: long }] },
    ]);
    const out = (lax.process([train], {}) as Array<MathRecord | Rejection>)[0] as Rejection;
    expect(out.code).toBe("E_CONTAMINATED");
    const share = words(SETUP).length / words(long).length;
    expect(lax.report().entries[0]!.share).toBeCloseTo(share, 3);
    expect(out.message).toContain(`(${(share * 100).toFixed(1)}%)`);
  });

  it("the stage counts records kept because they matched only boilerplate", async () => {
    const stage = await createDecontaminationStage({}, [
      { name: "aime-like", texts: evalAime.map((text, i) => ({ id: `e${i}`, text })) },
    ]);
    const out = stage.process(
      [
        rec(
          "b",
          `Four points are placed on a circle at random. The probability that their quadrilateral contains the centre ${MN}`,
        ),
        rec("c", evalAime[2]!),
      ],
      {},
    ) as Array<MathRecord | Rejection>;
    expect(out.map((x) => (isRejection(x) ? x.code : "kept"))).toEqual(["kept", "E_CONTAMINATED"]);
    expect(stage.report()).toMatchObject({ contaminated: 1, boilerplateOnly: 1, commonIn: 3, minShare: 0.5 });
    expect(stage.summary()).toMatchObject({ boilerplateOnly: 1, partial: 0 });
  });

  it("options: commonIn below 2 or minShare above 1 are refused", async () => {
    await expect(createDecontaminationStage({ commonIn: 1 }, [])).rejects.toMatchObject({ code: "E_OPTIONS_INVALID" });
    await expect(createDecontaminationStage({ minShare: 1.5 }, [])).rejects.toMatchObject({
      code: "E_OPTIONS_INVALID",
    });
  });
});

describe("sameMath: a sibling problem with other numbers is another problem", () => {
  const evalText =
    "A ball travels on a parabolic path in which the height (in feet) is given by the expression $-16t^2+80t+21$, where $t$ is the time after launch. What is the maximum height of the ball, in feet?";

  it("signedNumbers reads unary minus signs, not subtraction, and drops thousands separators", () => {
    expect(signedNumbers("$-16t^2+64t+31$")).toEqual(["-16", "2", "64", "31"]);
    expect(signedNumbers("\\arcsin (-1) and x - 2 and 1,000 apples, 3.5 and 007")).toEqual([
      "-1",
      "2",
      "1000",
      "3.5",
      "7",
    ]);
    expect(signedNumbers("f(x) -3 vs (x, -3)")).toEqual(["3", "-3"]);
  });

  it("the same template with other numbers is kept (and counted), the same numbers are dropped", async () => {
    const stage = await createDecontaminationStage({}, [{ name: "e", texts: [{ id: "ball", text: evalText }] }]);
    const sibling = rec("sib", evalText.replace("$-16t^2+80t+21$", "$-16t^2+64t+31$"));
    const copy = rec("copy", `Question 4: ${evalText.replace("(in feet)", "(measured in feet)")}`);
    const signFlip = rec("sign", evalText.replace("$-16t^2+80t+21$", "$16t^2+80t+21$"));
    const out = stage.process([sibling, copy, signFlip], {}) as Array<MathRecord | Rejection>;
    expect(out.map((x) => (isRejection(x) ? x.code : "kept"))).toEqual(["kept", "E_CONTAMINATED", "kept"]);
    expect(stage.report()).toMatchObject({ contaminated: 1, otherMath: 2 });
    const off = await createDecontaminationStage({ sameMath: false }, [
      { name: "e", texts: [{ id: "ball", text: evalText }] },
    ]);
    expect(
      (off.process([sibling], {}) as Array<MathRecord | Rejection>).map((x) => (isRejection(x) ? x.code : "kept")),
    ).toEqual(["E_CONTAMINATED"]);
  });

  it("numbers said again or in another order still match; an evaluation text without numbers needs none", () => {
    const idx = new ContaminationIndex();
    idx.add("e", "ball", evalText);
    idx.add(
      "e",
      "words",
      "Show that the square root of two is irrational, using only the definition of a rational number and parity arguments.",
    );
    expect(idx.match(`${evalText} Note that 21 and 80 are the coefficients.`).map((m) => m.evalId)).toEqual(["ball"]);
    expect(
      idx
        .match(
          "Prove it: show that the square root of two is irrational, using only the definition of a rational number and parity arguments.",
        )
        .map((m) => m.evalId),
    ).toEqual(["words"]);
  });
});

describe("sameMath: formulas", () => {
  it("formulasOf normalises spacing, \\left/\\right and trailing punctuation, and skips \\$", () => {
    expect(formulasOf("Compute $\\left|\\pi - | \\pi - 7 | \\right|$. Cost: \\$5 and \\[ x^2 + 1 .\\]")).toEqual([
      "|\\pi-|\\pi-7||",
      "x^2+1",
    ]);
    expect(formulasOf("\\[|\\pi - |\\pi - 7||.\\]")).toEqual(["|\\pi-|\\pi-7||"]);
    // an escaped dollar inside a formula stays one
    expect(formulasOf("it costs $\\$0.15$ per km")).toEqual(["\\$0.15"]);
  });

  it("the same words around another formula are another problem; the same formulas in other delimiters are not", () => {
    const idx = new ContaminationIndex();
    idx.add(
      "e",
      "min",
      "Let $x,$ $y,$ and $z$ be positive real numbers such that $x + y + z = 1.$  Find the minimum value of \\[\\frac{1}{x} + \\frac{1}{y} + \\frac{1}{z}.\\]",
    );
    expect(
      idx.match(
        "Let $x,$ $y,$ and $z$ be positive real numbers such that $x + y + z = 1.$  Find the minimum value of \\[\\frac{x + y}{xyz}.\\]",
      ),
    ).toEqual([]);
    expect(
      idx.matchDetail(
        "Let $x,$ $y,$ and $z$ be positive real numbers such that $x + y + z = 1.$  Find the minimum value of \\[\\frac{x + y}{xyz}.\\]",
      ).otherMath,
    ).toBe(true);
    expect(
      idx
        .match(
          "Let $x$, $y$, and $z$ be positive real numbers such that $x+y+z=1$. Find the minimum value of $\\frac{1}{x}+\\frac{1}{y}+\\frac{1}{z}$.",
        )
        .map((m) => m.evalId),
    ).toEqual(["min"]);
    idx.add(
      "e",
      "fare",
      "To take a bus, it costs Piravena $\\$0.15$ per kilometer, and an airplane costs her a $\\$100$ booking fee plus $\\$0.10$ per kilometer. What is the cheapest trip?",
    );
    expect(
      idx
        .match(
          "Problem 2. To take a bus, it costs Piravena $\\$0.15$ per kilometer, and an airplane costs her a $\\$100$ booking fee plus $\\$0.10$ per kilometer. What is the cheapest trip?",
        )
        .map((m) => m.evalId),
    ).toEqual(["fare"]);
  });
});
