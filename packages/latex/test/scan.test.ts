import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findMath, scanText } from "@mathtune/latex";

const pick = (text: string, dollars = true) =>
  findMath(text, { dollars }).map((s) => ({
    delimiter: s.delimiter,
    display: s.display,
    math: text.slice(s.contentStart, s.contentEnd),
    start: s.start,
    end: s.end,
  }));

describe("findMath", () => {
  it("finds every delimiter kind with exact offsets", () => {
    const text = String.raw`A $x$ B $$y$$ C \(z\) D \[w\] E`;
    expect(pick(text)).toEqual([
      { delimiter: "$", display: false, math: "x", start: 2, end: 5 },
      { delimiter: "$$", display: true, math: "y", start: 8, end: 13 },
      { delimiter: "\\(", display: false, math: "z", start: 16, end: 21 },
      { delimiter: "\\[", display: true, math: "w", start: 24, end: 29 },
    ]);
  });

  it("takes an environment in text whole, in display mode, nested environments included", () => {
    const text = String.raw`So \begin{align*} f &= \begin{cases} 1 \\ 0 \end{cases} \\ g &= 2 \end{align*} done`;
    const [seg] = findMath(text, { dollars: true });
    expect(seg).toMatchObject({ delimiter: "env", env: "align*", display: true, start: 3 });
    expect(text.slice(seg!.contentStart, seg!.contentEnd)).toBe(
      String.raw`\begin{align*} f &= \begin{cases} 1 \\ 0 \end{cases} \\ g &= 2 \end{align*}`,
    );
  });

  it("reads an environment inside $$ as part of that math", () => {
    expect(pick(String.raw`$$\begin{align*}a&=b\end{align*}$$`)).toEqual([
      { delimiter: "$$", display: true, math: String.raw`\begin{align*}a&=b\end{align*}`, start: 0, end: 34 },
    ]);
  });

  it("treats \\$ as text, in text and in math", () => {
    expect(pick(String.raw`It costs \$5 and $\$2 + x$ more.`)).toEqual([
      { delimiter: "$", display: false, math: String.raw`\$2 + x`, start: 17, end: 26 },
    ]);
  });

  it("does not close math at a $ inside \\text{...}", () => {
    const text = String.raw`$\text{if $x>0$ then} y$ end`;
    expect(pick(text)).toEqual([
      { delimiter: "$", display: false, math: String.raw`\text{if $x>0$ then} y`, start: 0, end: 24 },
    ]);
  });

  it("takes a \\boxed{...} that stands in text as inline math", () => {
    expect(pick(String.raw`The answer is \boxed{\frac{1}{2}}.`)).toEqual([
      { delimiter: "boxed", display: false, math: String.raw`\boxed{\frac{1}{2}}`, start: 14, end: 33 },
    ]);
  });

  it("with dollars off, $ is money and only the other delimiters open math", () => {
    expect(pick("Tom has $2 and $5, so $7.", false)).toEqual([]);
    expect(pick(String.raw`Costs $2 and \(x\).`, false)).toEqual([
      { delimiter: "\\(", display: false, math: "x", start: 13, end: 18 },
    ]);
  });

  it("skips Asymptote blocks and counts them", () => {
    const text = String.raw`[asy] label("$A$",(0,0)); draw((0,0)--(1,$)); [/asy] Then $x$. [asy]dot((0,0));[/asy]`;
    const r = scanText(text, { dollars: true });
    expect(r.asy).toEqual([
      { start: 0, end: 52 },
      { start: 63, end: 85 },
    ]);
    expect(r.segments.map((s) => text.slice(s.contentStart, s.contentEnd))).toEqual(["x"]);
    expect(r.problems).toEqual([]);
  });

  it("reads $$ in a text tabular cell as an empty formula", () => {
    const text = String.raw`\begin{tabular}{cc} $$&$1$ \\ $2$&$$ \end{tabular} and $$x$$`;
    expect(pick(text).map((s) => [s.delimiter, s.math])).toEqual([
      ["$", "1"],
      ["$", "2"],
      ["$$", "x"],
    ]);
  });

  it("points an odd dollar at the money-like $ that breaks the pairing", () => {
    const text = "Ann paid $120 for $x$ rides and $y$.";
    const r = scanText(text, { dollars: true });
    expect(r.problems).toMatchObject([{ code: "E_LATEX_UNMATCHED_DELIMITER", offset: 9 }]);
    expect(r.segments.map((s) => text.slice(s.contentStart, s.contentEnd))).toEqual(["x", "y"]);
  });

  it("reports an odd dollar where no money-like $ explains it at the unpaired $", () => {
    const r = scanText("Let $x$ and $y be.", { dollars: true });
    expect(r.problems).toMatchObject([{ code: "E_LATEX_UNMATCHED_DELIMITER", offset: 12, length: 1 }]);
  });

  it("does not treat \\\\[2pt] in math as a display opener", () => {
    expect(pick(String.raw`$\begin{aligned} a \\[2pt] b \end{aligned}$`)).toHaveLength(1);
  });
});

describe("scanText properties", () => {
  const pieces = [
    "$",
    "$$",
    "\\$",
    "\\(",
    "\\)",
    "\\[",
    "\\]",
    "\\begin{align*}",
    "\\end{align*}",
    "\\text{",
    "}",
    "{",
    "x",
    " ",
    "[asy]",
    "[/asy]",
    "\\boxed{",
    "\\\\",
    "%",
    "5",
  ];
  const texts = fc.array(fc.constantFrom(...pieces), { maxLength: 30 }).map((a) => a.join(""));

  it("segments are in order, do not overlap, and hold their content; problems lie in the text", () => {
    fc.assert(
      fc.property(texts, fc.boolean(), (text, dollars) => {
        const r = scanText(text, { dollars });
        let last = 0;
        for (const s of r.segments) {
          expect(s.start).toBeGreaterThanOrEqual(last);
          expect(s.start).toBeLessThanOrEqual(s.contentStart);
          expect(s.contentStart).toBeLessThanOrEqual(s.contentEnd);
          expect(s.contentEnd).toBeLessThanOrEqual(s.end);
          expect(s.end).toBeLessThanOrEqual(text.length);
          last = s.end;
        }
        for (const p of r.problems) expect(p.offset + p.length).toBeLessThanOrEqual(text.length);
        if (!dollars) expect(r.segments.some((s) => s.delimiter === "$" || s.delimiter === "$$")).toBe(false);
        expect(scanText(text, { dollars })).toEqual(r);
      }),
      { numRuns: 300, seed: 3 },
    );
  });
});
