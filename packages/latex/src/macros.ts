/**
 * What the validator adds to KaTeX, and what it knows KaTeX lacks.
 *
 * MACROS: commands that real LaTeX (with amsmath, amssymb, mathtools, cancel, gensymb, textcomp,
 * arcs) accepts and the sources use, but KaTeX 0.16 does not define. Each gets a KaTeX definition
 * that renders the same or nearly so; a record that uses one is not flagged.
 *
 * ENVIRONMENT_ALIASES: environments KaTeX lacks, rewritten to one it has before parsing.
 *
 * BEYOND_KATEX_*: constructs that are correct LaTeX but that KaTeX cannot render (table layout,
 * column specs, labelled cancel arrows). Each is reported as E_LATEX_BEYOND_KATEX, and then stood in
 * for (NEUTRAL_MACROS, blanked column specs) so that the rest of the formula is still checked.
 */

type MacroContext = { consumeArgs(n: number): unknown[][] };
type MacroFn = (ctx: MacroContext) => { tokens: unknown[]; numArgs: 0 };
type StringMacroFn = (ctx: MacroContext & { consumeArgs(n: number, delimiters: string[][]): unknown[][] }) => string;
export type MacroDefinition = string | MacroFn | StringMacroFn;

/** Consumes `n` arguments and expands to the `keep`-th (0-based), or to nothing. */
const takeArg =
  (n: number, keep?: number): MacroFn =>
  (ctx) => ({ tokens: keep === undefined ? [] : (ctx.consumeArgs(n)[keep] ?? []), numArgs: 0 });
const drop =
  (n: number): MacroFn =>
  (ctx) => {
    ctx.consumeArgs(n);
    return { tokens: [], numArgs: 0 };
  };

/** The tokens of a macro argument (KaTeX keeps them in reverse) as source text. */
const argText = (tokens: unknown[]): string =>
  tokens
    .slice()
    .reverse()
    .map((t) => (t as { text: string }).text)
    .join(" ");

/** Macros given to KaTeX for every parse (name -> expansion). Documented in the README. */
export const MACROS: Readonly<Record<string, MacroDefinition>> = Object.freeze({
  // LaTeX's text boxes
  "\\mbox": "\\text{#1}",
  "\\textsc": "\\text{#1}",
  "\\textdollar": "\\$",
  "\\textdegree": "\\degree",
  // plain TeX's root, kept by LaTeX: \root 3 \of {x} is \sqrt[3]{x}
  "\\root": (ctx: MacroContext & { consumeArgs(n: number, delimiters: string[][]): unknown[][] }) => {
    const [index, radicand] = ctx.consumeArgs(2, [[], ["\\of"], []]);
    return `\\sqrt[${argText(index ?? [])}]{${argText(radicand ?? [])}}`;
  },
  // arcs package: an arc over a chord's end points
  "\\overarc": "\\overgroup{#1}",
  // KaTeX reads \arraystretch when it lays out an array, but does not predefine it, so
  // \renewcommand{\arraystretch}{1.5} fails; with this default it works as in LaTeX.
  "\\arraystretch": "1",
  // vertical layout with no effect on a formula
  "\\smallskip": "",
  "\\medskip": "",
  "\\bigskip": "",
  "\\indent": "",
  "\\noindent": "",
  "\\nonumber": "",
  "\\notag": "",
  "\\vspace": drop(1),
});

/** Environments KaTeX lacks, with the `\begin{...}` / `\end{...}` that replace them. */
export const ENVIRONMENT_ALIASES: Readonly<Record<string, { begin: string; end: string }>> = Object.freeze({
  // eqnarray is an rcl array in display style
  eqnarray: { begin: "\\begin{darray}{rcl}", end: "\\end{darray}" },
  "eqnarray*": { begin: "\\begin{darray}{rcl}", end: "\\end{darray}" },
});

/** Commands that are valid LaTeX that KaTeX cannot render, with a stand-in used to check the rest. */
export const NEUTRAL_MACROS: Readonly<Record<string, MacroDefinition>> = Object.freeze({
  "\\multicolumn": takeArg(3, 2), // the cell's content, without the span
  "\\multirow": takeArg(3, 2),
  "\\cancelto": "\\cancel{#2}\\vphantom{#1}", // the cancel stroke, without the arrow's label
  "\\cline": drop(1),
  "\\cmidrule": drop(1),
  "\\toprule": "",
  "\\midrule": "",
  "\\bottomrule": "",
  "\\noalign": drop(1),
  "\\parbox": takeArg(2, 1),
});

/** The names (with backslash) of NEUTRAL_MACROS: commands reported as E_LATEX_BEYOND_KATEX. */
export const BEYOND_KATEX_COMMANDS: ReadonlySet<string> = new Set(Object.keys(NEUTRAL_MACROS));

/** Environments that are valid LaTeX that KaTeX does not have (reported, not stood in for). */
export const BEYOND_KATEX_ENVIRONMENTS: ReadonlySet<string> = new Set([
  "tabular",
  "tabular*",
  "tabularx",
  "longtable",
  "center",
  "flushleft",
  "flushright",
  "minipage",
  "itemize",
  "enumerate",
  "description",
  "table",
  "figure",
  "picture",
  "tikzpicture",
  "multlined",
]);

/**
 * Column specifiers of LaTeX's array package that KaTeX does not read: `@{..}`, `!{..}`, `>{..}`,
 * `<{..}` (blanked) and `p{..}`, `m{..}`, `b{..}` (read as `l`), `*{n}{..}` (blanked).
 */
export const BEYOND_KATEX_COLUMNS: ReadonlySet<string> = new Set(["@", "!", ">", "<", "p", "m", "b", "*"]);

/** All macros one parse gets. */
export const ALL_MACROS: Readonly<Record<string, MacroDefinition>> = Object.freeze({ ...MACROS, ...NEUTRAL_MACROS });
