/**
 * Checks the text outside math as LaTeX reads it: characters that are special there (`#`, `&`,
 * `^`, `_`, `%`), commands that only work in math (`\frac`, `\pi`, `\le` written outside `$...$`),
 * commands nobody defines, and dollars of money that pair up around prose (`$5 and $`).
 */
import katex from "katex";
import { latexDefines } from "./latex-known.js";
import { ALL_MACROS } from "./macros.js";
import type { ScanResult } from "./scan.js";

/** A finding in the text outside math (validate.ts adds the field and excerpt). */
export interface ProseProblem {
  code: "E_LATEX_PARSE" | "E_LATEX_UNKNOWN_COMMAND" | "E_LATEX_STRICT";
  kind: "error" | "strict";
  offset: number;
  length: number;
  message: string;
}

type ParseFn = (tex: string, settings: Record<string, unknown>) => unknown;
const katexAny = katex as unknown as { __parse?: ParseFn; renderToString: ParseFn };
const parse: ParseFn = katexAny.__parse ?? katexAny.renderToString;

function katexError(tex: string): string | undefined {
  try {
    parse(tex, { throwOnError: true, strict: "ignore", macros: { ...ALL_MACROS } });
    return undefined;
  } catch (e) {
    const err = e as { rawMessage?: string; message?: string };
    return err.rawMessage ?? String(err.message ?? e);
  }
}

/** What a command does in text: `text` (fine), `math` (math only), `unknown` (nobody defines it). */
export type TextModeUse = "text" | "math" | "unknown";

/** LaTeX commands that only work in math and that KaTeX does not have, so cannot be asked. */
const LATEX_MATH_ONLY: ReadonlySet<string> = new Set([
  "root",
  "mathchoice",
  "mathaccent",
  "mathchar",
  "delimiter",
  "radical",
  "eqno",
  "leqno",
]);

const useCache = new Map<string, TextModeUse>();

/**
 * How a command (letters only, without the backslash) behaves in text. KaTeX is asked first: a
 * function it refuses in text mode, or a symbol it has for math only, is math-only (LaTeX stops
 * with "Missing $ inserted" there too). A command KaTeX lacks is fine in text when LaTeX or a
 * common package defines it, and unknown otherwise.
 */
export function textModeUse(name: string): TextModeUse {
  let use = useCache.get(name);
  if (use) return use;
  if (LATEX_MATH_ONLY.has(name)) use = "math";
  else {
    const inText = katexError(`\\text{\\${name}}`);
    if (inText === undefined) use = "text";
    else if (/^Can't use function/.test(inText)) use = "math";
    else if (/^Undefined control sequence/.test(inText)) {
      const inMath = katexError(`\\${name}`);
      if (inMath === undefined || !/^Undefined control sequence/.test(inMath)) use = "math";
      else use = latexDefines(`\\${name}`) !== undefined ? "text" : "unknown";
    } else use = "text"; // known in text; the error is about its arguments, which LaTeX reads its own way
  }
  useCache.set(name, use);
  return use;
}

/** Commands whose last braced argument is a definition body (not typeset where it stands). */
const DEFINERS: ReadonlySet<string> = new Set([
  "newcommand",
  "renewcommand",
  "providecommand",
  "DeclareMathOperator",
  "def",
  "gdef",
  "edef",
  "xdef",
  "newenvironment",
  "renewenvironment",
]);

/** Index after a definition that starts at `i` (after the defining command): through its body `{...}`; or `i`. */
function definitionEnd(text: string, i: number): number {
  // \newcommand{\name}[n][default]{body}, \newenvironment{name}[n]{begin}{end}, \def\name#1#2{body}
  let j = i;
  let groups = 0;
  while (j < text.length && j - i < 400) {
    const c = text[j]!;
    if (c === "{") {
      let depth = 0;
      for (; j < text.length; j++) {
        if (text[j] === "\\") j++;
        else if (text[j] === "{") depth++;
        else if (text[j] === "}" && --depth === 0) break;
      }
      j++;
      groups++;
      // the body is the group after the name's; \newenvironment has two bodies
      let k = j;
      while (text[k] === " ") k++;
      if (text[k] === "{" || text[k] === "[") {
        j = k;
        continue;
      }
      return groups >= 2 || text[i] !== "{" ? j : j;
    }
    j++;
  }
  return i;
}

/** Text environments in which `&` separates cells. */
const ALIGNING_TEXT_ENVIRONMENTS: ReadonlySet<string> = new Set([
  "tabular",
  "tabular*",
  "tabularx",
  "longtable",
  "tabbing",
]);

const isLetter = (c: string | undefined): boolean =>
  c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z"));

/** Words of two or more lower-case letters in a formula, outside commands: prose, not math. */
const PROSE_WORD_RE = /(?<![\\A-Za-z])[a-z]{2,}(?![A-Za-z])/g;
/** Common English words that, inside a `$...$` pair, say the dollars were money. */
const PROSE_WORDS: ReadonlySet<string> = new Set([
  "and",
  "or",
  "the",
  "of",
  "for",
  "each",
  "per",
  "is",
  "are",
  "was",
  "were",
  "to",
  "in",
  "on",
  "at",
  "with",
  "from",
  "more",
  "less",
  "than",
  "he",
  "she",
  "they",
  "it",
  "his",
  "her",
  "their",
  "a",
  "an",
  "if",
  "then",
  "so",
  "but",
  "how",
  "much",
  "many",
  "what",
  "cost",
  "costs",
  "paid",
  "pays",
  "dollars",
  "cents",
  "bill",
  "bills",
  "spent",
  "spends",
  "left",
  "total",
  "price",
  "that",
  "this",
  "be",
  "by",
  "as",
]);

/**
 * Problems in the text outside the math segments and Asymptote blocks of `scan`.
 * `dollarsAreMath`: the source writes math in dollars (dollar pairs that read as prose are noted).
 */
export function checkProse(text: string, scan: ScanResult): ProseProblem[] {
  const out: ProseProblem[] = [];
  // the ranges that are not text: math and Asymptote, in order
  const skip = [
    ...scan.segments.map((s) => [s.start, s.end] as const),
    ...scan.asy.map((a) => [a.start, a.end] as const),
  ].sort((a, b) => a[0] - b[0]);
  // after a delimiter or environment that never closes, what is text is anyone's guess: stop there
  // (a money dollar named as the culprit is not such a place: the rest was read without it)
  const stopAt = scan.problems
    .filter((p) => !p.message.includes("looks like money"))
    .reduce((m, p) => Math.min(m, p.offset), text.length);
  let aligning = 0;
  let k = 0;
  for (let i = 0; i < stopAt; i++) {
    while (k < skip.length && skip[k]![1] <= i) k++;
    if (k < skip.length && skip[k]![0] <= i) {
      i = skip[k]![1] - 1;
      continue;
    }
    const c = text[i]!;
    if (c === "\\") {
      const d = text[i + 1];
      if (!isLetter(d)) {
        i++; // \# \$ \% \& \_ \{ \} \\ \, ...
        continue;
      }
      let j = i + 1;
      while (isLetter(text[j])) j++;
      const name = text.slice(i + 1, j);
      if (name === "begin" || name === "end") {
        const m = /^\s*\{([A-Za-z]+\*?)\}/.exec(text.slice(j, j + 40));
        if (m && ALIGNING_TEXT_ENVIRONMENTS.has(m[1]!)) aligning = Math.max(0, aligning + (name === "begin" ? 1 : -1));
        if (m) j += m[0].length;
        i = j - 1;
        continue;
      }
      if (DEFINERS.has(name)) {
        // a definition's body is not typeset here: `#1` and `^` in it are fine
        i = definitionEnd(text, j) - 1;
        continue;
      }
      const use = textModeUse(name);
      if (use === "math") {
        out.push({
          code: "E_LATEX_PARSE",
          kind: "error",
          offset: i,
          length: j - i,
          message: `\\${name} works only in math, and this is text (LaTeX: "Missing $ inserted"); put the formula in $...$`,
        });
      } else if (use === "unknown") {
        out.push({
          code: "E_LATEX_UNKNOWN_COMMAND",
          kind: "error",
          offset: i,
          length: j - i,
          message: `\\${name} is a command that neither LaTeX, its common packages nor KaTeX define`,
        });
      }
      i = j - 1;
      continue;
    }
    if (c === "#") {
      out.push({
        code: "E_LATEX_PARSE",
        kind: "error",
        offset: i,
        length: 1,
        message: "a bare '#' in text: LaTeX stops (\"You can't use macro parameter character #\"); write \\#",
      });
    } else if (c === "&" && aligning === 0) {
      out.push({
        code: "E_LATEX_PARSE",
        kind: "error",
        offset: i,
        length: 1,
        message: "a bare '&' in text outside a table: LaTeX stops (\"Misplaced alignment tab character &\"); write \\&",
      });
    } else if (c === "^" || c === "_") {
      out.push({
        code: "E_LATEX_PARSE",
        kind: "error",
        offset: i,
        length: 1,
        message: `'${c}' outside math: LaTeX stops ("Missing $ inserted"); put the formula in $...$ (or write \\${c === "^" ? "^{}" : "_"} for the character)`,
      });
    } else if (c === "%") {
      out.push({
        code: "E_LATEX_STRICT",
        kind: "strict",
        offset: i,
        length: 1,
        message: "a bare '%' in text: LaTeX reads the rest of the line as a comment and drops it; write \\%",
      });
    }
  }
  // dollars of money that pair up: `$5 and $10` read as the formula `5 and `
  for (const s of scan.segments) {
    if (s.delimiter !== "$" || s.start >= stopAt) continue;
    const body = text.slice(s.contentStart, s.contentEnd);
    if (!/^\d/.test(body) || !/^\s*\d/.test(text.slice(s.end, s.end + 3))) continue;
    const words = body.replace(/\\text\w*\{[^{}]*\}/g, " ").match(PROSE_WORD_RE) ?? [];
    if (!words.some((w) => PROSE_WORDS.has(w))) continue;
    out.push({
      code: "E_LATEX_STRICT",
      kind: "strict",
      offset: s.start,
      length: s.end - s.start,
      message: `these dollars look like money that pair up by chance ("${text.slice(s.start, Math.min(s.end + 4, text.length))}..."): the prose between them is set as a formula; write \\$`,
    });
  }
  return out.sort((a, b) => a.offset - b.offset);
}
