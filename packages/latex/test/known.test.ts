import { describe, expect, it } from "vitest";
import { checkProse, latexDefines, scanText, textModeUse, validateRecord } from "@mathtune/latex";
import { LATEX_COMMANDS_SOURCE } from "../src/latex-commands.js";

describe("latexDefines: the list made from TeX Live", () => {
  it("knows the kernel's and the packages' commands, with the package", () => {
    expect(LATEX_COMMANDS_SOURCE).toMatch(/pdfTeX/);
    expect(latexDefines("\\root")).toBe("latex");
    expect(latexDefines("\\centerline")).toBe("latex");
    expect(latexDefines("\\hfill")).toBe("latex");
    expect(latexDefines("\\frac")).toBe("latex");
    expect(latexDefines("\\boxed")).toBe("amsmath");
    expect(latexDefines("\\mathbb")).toBe("amssymb");
    expect(latexDefines("\\cancelto")).toBe("cancel");
    expect(latexDefines("\\multirow")).toBe("multirow");
    expect(latexDefines("\\SI")).toBe("siunitx");
    expect(latexDefines("\\toprule")).toBe("booktabs");
  });

  it("knows environments by their \\name and \\endname, starred ones too", () => {
    expect(latexDefines("tabular")).toBe("latex");
    expect(latexDefines("minipage")).toBe("latex");
    expect(latexDefines("align*")).toBe("amsmath");
    expect(latexDefines("bmatrix")).toBe("amsmath");
  });

  it("does not know typos, internal names or made-up environments", () => {
    for (const n of ["\\frca", "\\foo", "\\sqaure", "\\@tempa", "\\fracc"]) expect(latexDefines(n), n).toBeUndefined();
    expect(latexDefines("foo")).toBeUndefined();
    expect(latexDefines("alignn")).toBeUndefined();
  });
});

describe("textModeUse: what a command does outside math", () => {
  it("math-only functions and symbols, text commands, unknown ones", () => {
    for (const n of ["frac", "sqrt", "pi", "le", "times", "cdot", "infty", "mathbf", "left", "overline", "root"])
      expect(textModeUse(n), n).toBe("math");
    for (const n of ["textbf", "emph", "ldots", "dots", "quad", "centerline", "noindent", "hfill", "textdegree"])
      expect(textModeUse(n), n).toBe("text");
    for (const n of ["foo", "frca", "textbff"]) expect(textModeUse(n), n).toBe("unknown");
  });
});

describe("checkProse", () => {
  const prose = (t: string) =>
    checkProse(t, scanText(t, { dollars: true })).map((p) => [p.code, p.kind, t.slice(p.offset, p.offset + p.length)]);

  it("reads only the text: math, Asymptote and escaped characters are skipped", () => {
    expect(prose(String.raw`Let $x_1^2 \pi$ and \[a & b\] be. [asy] label("#1 & x_2"); [/asy] \#1 \& \_ \%`)).toEqual(
      [],
    );
  });

  it("& is fine inside a text tabular, not after it", () => {
    expect(prose(String.raw`\begin{tabular}{c|c} a & b \end{tabular} and c & d`)).toEqual([
      ["E_LATEX_PARSE", "error", "&"],
    ]);
  });

  it("a bare # in every place it stands, and ^ _ outside math", () => {
    expect(prose("Bowlers #1 through #5; ax^2 + bx_0")).toEqual([
      ["E_LATEX_PARSE", "error", "#"],
      ["E_LATEX_PARSE", "error", "#"],
      ["E_LATEX_PARSE", "error", "^"],
      ["E_LATEX_PARSE", "error", "_"],
    ]);
  });

  it("money dollar pairs: prose between them is noted, a formula between them is not", () => {
    expect(prose("It costs $5 each and $10 for two.")).toEqual([["E_LATEX_STRICT", "strict", "$5 each and $"]]);
    expect(prose("Since $5 + 3 = 8$ and $10$ is even.")).toEqual([]);
    expect(prose("Pay $3$ and $4 later.")).toEqual([]);
  });
});

describe("records LaTeX compiles are not errors", () => {
  it("MATH-like records with \\root, \\centerline, \\\\ in display math, tables, definitions", () => {
    const records = [
      {
        problem: String.raw`Compute $\root 3 \of {27}$.`,
        solution: String.raw`It is $\root 3 \of {3^3} = \boxed{3}$.`,
        answer: "3",
      },
      {
        problem: String.raw`\centerline{\bf Table 1} What is $x$?`,
        solution: String.raw`$$x = 1 \\ y = 2$$ so $\boxed{1}$.`,
        answer: "1",
      },
      {
        problem: String.raw`\begin{tabular}{c|c} $n$ & $n^2$ \\ \hline 1 & 1 \end{tabular} Find the next row.`,
        solution: String.raw`\newcommand{\sq}[1]{#1^2}It is $\sq{2} = 4$.`,
        answer: "4",
      },
      {
        problem: String.raw`Find $\sqrt{2}\,\text{cm} \ldots$ ~ and 10\% more.`,
        solution: String.raw`So \[\begin{array}{c@{}c} 1 & 2 \\ \cline{1-2} 3 & 4 \end{array}\]`,
        answer: "x",
      },
    ];
    for (const r of records)
      expect(
        validateRecord(r, { dollars: true }).filter((f) => f.kind === "error"),
        r.problem,
      ).toEqual([]);
  });
});
