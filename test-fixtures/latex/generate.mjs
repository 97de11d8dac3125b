// Writes cases.json and records.jsonl (offsets computed from the marker text): node test-fixtures/latex/generate.mjs
import { writeFileSync } from "node:fs";
const R = String.raw;
// [name, text, dollars, [[code, atText, nth?]...], field?]
const errors = [
  ["unclosed brace", R`Then $\frac{1}{2$ is half.`, true, [["E_LATEX_UNBALANCED_BRACES", "{2$"]]],
  ["extra closing brace", R`So $a}b$.`, true, [["E_LATEX_UNBALANCED_BRACES", "}b$"]]],
  ["unclosed \\text brace: the math still ends at its $", R`So $\text{abc$ and $x$.`, true, [["E_LATEX_UNBALANCED_BRACES", "{abc"]]],
  ["unclosed \\boxed brace in text", R`The answer is \boxed{\frac{1}{2}.`, true, [["E_LATEX_UNBALANCED_BRACES", "{\\frac"]]],
  ["odd dollar", R`Let $x = 1. Then y.`, true, [["E_LATEX_UNMATCHED_DELIMITER", "$x"]]],
  ["unescaped money dollar found as the culprit", R`Ann was charged $120 for $x$ rides.`, true, [["E_LATEX_UNMATCHED_DELIMITER", "$120"]]],
  ["unclosed \\(", R`Then \(x+1 is big.`, true, [["E_LATEX_UNMATCHED_DELIMITER", "\\(x"]]],
  ["stray \\]", R`We get $x^2$\] here.`, true, [["E_LATEX_UNMATCHED_DELIMITER", "\\]"]]],
  ["$ inside display math", R`from $$ 1$ to $$ 9999$ inclusive`, true, [["E_LATEX_UNMATCHED_DELIMITER", "$ to"], ["E_LATEX_UNMATCHED_DELIMITER", "$ inc"]]],
  ["unknown command", R`Take $\foo{x}+1$.`, true, [["E_LATEX_UNKNOWN_COMMAND", "\\foo"]]],
  ["misspelt command", R`Take $\frca{1}{2}$.`, true, [["E_LATEX_UNKNOWN_COMMAND", "\\frca"]]],
  ["unknown environment", R`$\begin{foo}x\end{foo}$`, true, [["E_LATEX_UNKNOWN_COMMAND", "{foo}x"]]],
  ["\\left without \\right", R`Then $\left( x + 1$ is.`, true, [["E_LATEX_LEFT_RIGHT", "\\left("]]],
  ["\\right without \\left", R`Then $x \right)$ is.`, true, [["E_LATEX_LEFT_RIGHT", "\\right"]]],
  ["environment left open", R`Hence \begin{align*} a &= b \\ c &= d. Done.`, true, [["E_LATEX_ENVIRONMENT", "\\begin{align*}"]]],
  ["environment closed by the wrong \\end", R`$\begin{pmatrix} a \end{bmatrix}$`, true, [["E_LATEX_ENVIRONMENT", "\\end{bmatrix}"]]],
  ["\\end without \\begin", R`so x \end{align*} ok`, true, [["E_LATEX_ENVIRONMENT", "\\end{align*}"]]],
  ["double superscript", R`We have $a^b^c$.`, true, [["E_LATEX_PARSE", "^c"]]],
  ["& outside an alignment", R`We have $x &= y$.`, true, [["E_LATEX_PARSE", "&="]]],
  ["strict: line break in display math", R`$$k = 1\\k = 2$$`, true, [["E_LATEX_STRICT", "\\\\k"]]],
  ["strict: accented letter in math", R`Let $é = 1$.`, true, [["E_LATEX_STRICT", "é"]]],
  ["beyond: @{} column spec", R`$$\begin{array}{c@{}c}1&2\end{array}$$`, true, [["E_LATEX_BEYOND_KATEX", "@{}"]]],
  ["beyond: p{} column spec", R`$\begin{array}{p{2cm}c} a & b \end{array}$`, true, [["E_LATEX_BEYOND_KATEX", "p{2cm}"]]],
  ["beyond: \\multicolumn", R`$$\begin{array}{cc}\multicolumn{2}{c}{x}\\1&2\end{array}$$`, true, [["E_LATEX_BEYOND_KATEX", "\\multicolumn"]]],
  ["beyond: \\cline", R`$$\begin{array}{cc}1&2\\\cline{1-2}3&4\end{array}$$`, true, [["E_LATEX_BEYOND_KATEX", "\\cline"]]],
  ["beyond: \\cancelto", R`So $\frac{\cancelto{4}{16}}{4}$.`, true, [["E_LATEX_BEYOND_KATEX", "\\cancelto"]]],
  ["beyond: tabular in math", R`$\begin{tabular}{c}1\end{tabular}$`, true, [["E_LATEX_BEYOND_KATEX", "{tabular}{c}"]]],
  ["beyond and a real error in one formula", R`$$\begin{array}{c@{}c}1&2^\end{array}$$`, true, [["E_LATEX_BEYOND_KATEX", "@{}"], ["E_LATEX_PARSE", "\\end{array}$$"]]],
];
const accepted = [
  ["inline $", R`Let $x^2+1$ be.`, true, 1],
  ["display $$", R`Then $$\sum_{i=1}^n i$$ holds.`, true, 1],
  ["\\( \\)", R`Then \(x\) holds.`, true, 1],
  ["\\[ \\]", R`Then \[x = \frac{1}{2}\] holds.`, true, 1],
  ["align in text", R`So \begin{align} a &= b \\ c &= d \end{align} holds.`, true, 1],
  ["align* in text", R`So \begin{align*} a &= b \\ &= c \end{align*} holds.`, true, 1],
  ["equation in text", R`\begin{equation} E = mc^2 \end{equation}`, true, 1],
  ["gather in text", R`\begin{gather} a \\ b \end{gather}`, true, 1],
  ["cases in math", R`$f(x) = \begin{cases} 1 & x>0, \\ 0 & \text{otherwise} \end{cases}$`, true, 1],
  ["array in math", R`\[\begin{array}{c|cc} a & b & c \\ \hline 1 & 2 & 3 \end{array}\]`, true, 1],
  ["pmatrix", R`$\begin{pmatrix} 1 \\ 2 \end{pmatrix}$`, true, 1],
  ["eqnarray* (an alias)", R`\begin{eqnarray*} a &=& b \\ c &=& d \end{eqnarray*}`, true, 1],
  ["escaped \\$ is text", R`It costs \$5, and $x$ is \$2.`, true, 1],
  ["\\$ inside math", R`It costs $\$1.50$.`, true, 1],
  ["\\boxed in math", R`So $\boxed{\frac{1}{2}}$.`, true, 1],
  ["\\boxed in text", R`The answer is \boxed{\dfrac{1}{2}}.`, true, 1],
  ["money dollars off", R`Tom has $2 and $5 left, so $7 in all.`, false, 0],
  ["money dollars on, even count", R`Tom has $2 and $5.`, true, 1],
  ["asymptote skipped", R`[asy] label("$A$", (0,0)); draw((0,0)--(1,1)); label("$", (1,1)); [/asy] Then $x$.`, true, 1],
  ["\\text with $ inside", R`$\text{if $x>0$, then } y$ and \(\text{$a$}\)`, true, 2],
  ["\\% and bare %", R`$50\%$ and $50%$ and $\text{50%}$`, true, 3],
  ["\\dfrac \\tfrac \\overline \\le", R`$\dfrac{1}{2} \le \tfrac{3}{4} + 0.\overline{3}$`, true, 1],
  ["\\mbox and \\operatorname", R`$\mbox{if } \operatorname{lcm}(a,b) = \operatorname*{arg\,max} x$`, true, 1],
  ["align* inside $$", R`$$\begin{align*} a &= b \\ &= c. \end{align*}$$`, true, 1],
  ["\\\\ line breaks in environments", R`$\begin{aligned} a &= b \\[2pt] c &= d \end{aligned}$`, true, 1],
  ["\\! and \\, spacing", R`$5\!\cdot\!3 = 15\,\text{cm}$`, true, 1],
  ["\\left\\{ with \\right.", R`$f = \left\{ x \right.$`, true, 1],
  ["macros: \\textsc \\textdollar \\overarc", R`$\textsc{ab} \textdollar \overarc{AB}$`, true, 1],
  ["\\renewcommand{\\arraystretch}", R`$$\renewcommand{\arraystretch}{1.5}\begin{array}{c}1\\2\end{array}$$`, true, 1],
  ["$$ empty cells in a text tabular", R`\begin{tabular}{cc} $$&$\downarrow$ \\ $1$&$$ \end{tabular}`, true, 2],
  ["\\newcommand", R`$\newcommand{\RR}{\mathbb{R}} x \in \RR$`, true, 1],
  ["\\vspace and \\smallskip", R`$$a \smallskip b \vspace{2pt} c$$`, true, 1],
];
const find = (text, at, nth = 0) => { let i = -1; for (let k = 0; k <= nth; k++) i = text.indexOf(at, i + 1); if (i < 0) throw new Error(`${at} not in ${text}`); return i; };
const out = {
  description: "LaTeX validator cases: errors (each finding's code, offset, and the text found at the offset) and accepted constructs (no findings; segments found).",
  errors: errors.map(([name, text, dollars, exp]) => ({ name, text, dollars, findings: exp.map(([code, at, nth]) => ({ code, offset: find(text, at, nth), at })) })),
  accepted: accepted.map(([name, text, dollars, segments]) => ({ name, text, dollars, segments })),
};
writeFileSync(new URL("./cases.json", import.meta.url), JSON.stringify(out, null, 1) + "\n");

// Records for the stage tests: MATH-like and GSM8K-like, in a known order, some with findings.
const rec = (id, source, problem, solution, answer) => ({ id: `${source}/train/${id}`, source, split: "train", problem, ...(solution !== undefined ? { solution } : {}), ...(answer !== undefined ? { answer } : {}), lang: "en" });
const records = [
  rec("0", "math", R`Let $f(x) = \dfrac{1}{x}$. Find $f(2)$.`, R`We have $f(2) = \boxed{\frac{1}{2}}$.`, R`\frac{1}{2}`),
  rec("1", "math", R`Find $x$ if $\frac{x}{2 = 3$.`, R`So $x = \boxed{6}$.`, "6"),
  rec("2", "math", R`Compute $\begin{pmatrix} 1 \\ 2 \end{pmatrix}$.`, R`\begin{align*} a &= b \\ &= \boxed{3}. \end{align*}`, "3"),
  rec("3", "math", R`[asy] draw((0,0)--(1,$)); label("$A$", (0,0)); [/asy] Find $AB$.`, R`It is $\boxed{5}$.`, "5"),
  rec("4", "math", R`Divide $x^3$ by $x-1$.`, R`$$\begin{array}{r|rr} \multicolumn{2}{r}{x^2} & \\ \cline{2-3} x-1 & x^3 \end{array}$$ gives $\boxed{x^2+x+1}$.`, "x^2+x+1"),
  rec("5", "math", R`Simplify $a^b^c$.`, R`Then $$k = 1\\k = 2$$ so $\boxed{1}$.`, "1"),
  rec("6", "math", R`Ann paid $120 for $x$ rides.`, R`So $\boxed{7}$.`, "7"),
  rec("7", "math", R`What is $1+1$?`, R`It is $\boxed{2}$.`, R`\frac{2`),
  rec("0", "gsm8k", "Tom has $2 and $5. How many dollars?", "2+5=<<2+5=7>>7\n#### 7", "7"),
  rec("1", "gsm8k", "A pen costs $3. Ann buys 4 pens and pays with a $20 bill. What change?", "4*3=<<4*3=12>>12\n20-12=<<20-12=8>>8\n#### 8", "8"),
  rec("0", "custom", R`Show that \(x^2 \ge 0\).`, R`Since \(x \cdot x \ge 0\), done. The total is $5.`, undefined),
];
writeFileSync(new URL("./records.jsonl", import.meta.url), records.map((r) => JSON.stringify(r)).join("\n") + "\n");
