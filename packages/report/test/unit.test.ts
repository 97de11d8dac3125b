import { commonRun, inlineKatexCss, lossCurveSvg, renderMathText, sampleIndices, spanRange } from "@mathtune/report";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("report helpers", () => {
  it("sampleIndices: k distinct sorted indices in range, the same for the same seed", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (n, k, seed) => {
          const s = sampleIndices(n, k, seed);
          expect(s.length).toBe(Math.min(n, k));
          expect(new Set(s).size).toBe(s.length);
          expect(s.every((i, j) => i >= 0 && i < n && (j === 0 || s[j - 1]! < i))).toBe(true);
          expect(sampleIndices(n, k, seed)).toEqual(s);
        },
      ),
    );
  });

  it("renderMathText: KaTeX for good math, TeX source (never .katex-error) for bad, marks the highlighted span", () => {
    const good = renderMathText("So $\\frac{1}{2}$ it is.");
    expect(good).toContain('class="katex"');
    const bad = renderMathText("Bad $\\frac{1}{2$ here.");
    expect(bad).not.toContain("katex-error");
    expect(bad).toContain("tex-source");
    const text = "Take $x^2 + \\foo{y}$ now.";
    const at = text.indexOf("\\foo");
    const marked = renderMathText(text, { highlights: [{ start: at, end: at + 4, title: "E_LATEX_UNKNOWN_COMMAND" }] });
    expect(marked).toMatch(/<mark title="E_LATEX_UNKNOWN_COMMAND">\\foo<\/mark>/);
    // GSM8K money is not math when dollars are off
    expect(renderMathText("He pays $5 and $6.", { dollars: false })).not.toContain("katex");
  });

  it("spanRange finds a decontamination span (lower-cased words) in the original text; commonRun the shared words", () => {
    const t = "A Farmer plants 12 rows, of corn.";
    const r = spanRange(t, "farmer plants 12 rows of corn")!;
    expect(t.slice(r.start, r.end)).toBe("Farmer plants 12 rows, of corn");
    expect(spanRange(t, "no such words")).toBeUndefined();
    const [a, b] = commonRun("What is 17 + 25 today?", "so what is 17 + 25 then")!;
    expect("What is 17 + 25 today?".slice(a.start, a.end)).toBe("What is 17 + 25");
    expect("so what is 17 + 25 then".slice(b.start, b.end)).toBe("what is 17 + 25");
  });

  it("KaTeX CSS has every font inlined as woff2 and no other font URL", () => {
    const css = inlineKatexCss();
    expect(css.match(/data:font\/woff2;base64,/g)!.length).toBeGreaterThan(15);
    expect(css).not.toMatch(/url\(fonts\//);
  });

  it("lossCurveSvg draws with Vega-Lite, the same bytes each time, and survives no points", async () => {
    const pts = [1, 2, 3]
      .flatMap((step) => [{ split: "train", step, loss: 2 / step }])
      .concat([{ split: "validation", step: 3, loss: 0.9 }]);
    const a = await lossCurveSvg(pts, "loss");
    expect(a).toMatch(/^<svg/);
    expect(a).toContain('aria-label="step: 3; loss: 0.9; series: validation"');
    expect(await lossCurveSvg(pts, "loss")).toBe(a);
    expect(await lossCurveSvg([])).toContain("</svg>");
  });
});
