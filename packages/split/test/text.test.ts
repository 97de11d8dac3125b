import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hash64, MultiTable32, Table64 } from "../src/internal/hash.js";
import {
  mathSignature,
  mathTokenHashes,
  mathTokens,
  normalizeProblem,
  numbersOf,
  tokenHash,
  tokensOfNormalized,
  wordHashes,
  words,
} from "../src/internal/text.js";

describe("normalizeProblem", () => {
  it.each([
    ["What  is\n2 + 3?", "what is 2+3?"],
    ["WHAT IS 2+3?", "what is 2+3?"],
    ["What is ２＋３?", "what is 2+3?"], // NFKC full-width
    ["Find $x\\,y$ when $x \\quad = 1$.", "find$xy$when$x=1$."],
    ["Find $x y$ when $x=1$.", "find$x y$when$x=1$."],
    ["Find $x~y$.", "find$xy$."],
    ["5\\,000 apples", "5000 apples"],
    ["$\\left( a+b \\right)^2$", "$(a+b)^2$"],
    ["$\\leftarrow$ stays", "$\\leftarrow$stays"],
    ["  trimmed\t", "trimmed"],
  ])("%j -> %j", (input, expected) => {
    expect(normalizeProblem(input)).toBe(expected);
  });

  it("keeps digits: templated problems with other numbers differ", () => {
    expect(normalizeProblem("Tom has 3 apples and eats 1.")).not.toBe(normalizeProblem("Tom has 5 apples and eats 2."));
  });

  it("property: idempotent, and blind to extra whitespace between words", () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[A-Za-z0-9+=()]{1,6}$/), { minLength: 1, maxLength: 12 }),
        fc.array(fc.constantFrom(" ", "  ", "\n", "\t "), { minLength: 12, maxLength: 12 }),
        (ws, seps) => {
          const single = ws.join(" ");
          const spaced = ws.map((w, i) => w + seps[i]).join("");
          expect(normalizeProblem(spaced)).toBe(normalizeProblem(single));
          expect(normalizeProblem(normalizeProblem(single))).toBe(normalizeProblem(single));
        },
      ),
    );
  });
});

describe("tokenisers", () => {
  it("words keep digits and split CJK characters", () => {
    expect(words("Natalia sold 48/2 = <<48/2=24>>24 clips")).toEqual([
      "natalia",
      "sold",
      "48",
      "2",
      "48",
      "2",
      "24",
      "24",
      "clips",
    ]);
    expect(words("小明有3个苹果")).toEqual(["小", "明", "有", "3", "个", "苹", "果"]);
  });
  it("mathTokens keep operators", () => {
    expect(mathTokens("x + 1 = y")).toEqual(["x", "+", "1", "=", "y"]);
    expect(mathTokens("x - 1 = y")).not.toEqual(mathTokens("x + 1 = y"));
  });
  it("numbersOf reads numbers in order, thousands separators removed", () => {
    expect(numbersOf("Pay $1,250 for 3.5 kg, then 2,3 more")).toEqual(["1250", "3.5", "2", "3"]);
  });
});

describe("hash tables", () => {
  it("Table64 keeps the first value per key and grows", () => {
    const t = new Table64(4);
    for (let i = 0; i < 5000; i++) {
      const [hi, lo] = hash64(`k${i}`);
      expect(t.setIfAbsent(hi, lo, i)).toBe(-1);
    }
    for (let i = 0; i < 5000; i += 7) {
      const [hi, lo] = hash64(`k${i}`);
      expect(t.get(hi, lo)).toBe(i);
      expect(t.setIfAbsent(hi, lo, 99)).toBe(i);
    }
    expect(t.size).toBe(5000);
    expect(t.get(1, 2)).toBe(-1);
  });
  it("MultiTable32 returns every value of a key", () => {
    const t = new MultiTable32(2);
    for (let i = 0; i < 3000; i++) t.add(i % 100, i);
    const seen: number[] = [];
    t.find(42, (v) => (seen.push(v), false));
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, j) => 42 + 100 * j));
  });
});

describe("words and apostrophes", () => {
  it("keeps inner apostrophes in a word, curly or straight", () => {
    expect(words("Janet’s ducks aren't 'quoted'")).toEqual(["janet's", "ducks", "aren't", "quoted"]);
  });
});

describe("token hashing without strings", () => {
  const textArb = fc.oneof(
    fc.string({ unit: fc.constantFrom(..."aB3 +=(){}\\'.,?\n\t$xyZ09-".split("")), maxLength: 60 }),
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.string({ maxLength: 40 }),
  );
  it("property: mathTokenHashes and wordHashes equal hashing the token strings", () => {
    fc.assert(
      fc.property(textArb, (text) => {
        const norm = normalizeProblem(text);
        expect([...mathTokenHashes(norm)]).toEqual(tokensOfNormalized(norm).map(tokenHash));
        expect([...wordHashes(text)]).toEqual(words(text).map(tokenHash));
      }),
      { numRuns: 500 },
    );
  });
});

describe("mathSignature", () => {
  it("numbers and TeX segments in order; money between dollar signs is not math", () => {
    expect(mathSignature(normalizeProblem("If $x - y = 6$ and $x+y=12$, what is $x$?"))).toBe("6 12|x-y=6|x+y=12|x");
    expect(mathSignature(normalizeProblem("She has $50 and buys two tapes that cost $9 each."))).toBe("50 9");
    expect(mathSignature(normalizeProblem("Tom has 3 apples."))).toBe("3");
  });
});
