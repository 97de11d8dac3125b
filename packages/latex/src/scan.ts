/**
 * Finds the math in a piece of text: `$...$`, `$$...$$`, `\(...\)`, `\[...\]`, math environments
 * outside any delimiter (`\begin{align*}...\end{align*}`), and a `\boxed{...}` that stands in text.
 * Asymptote blocks (`[asy] ... [/asy]`) are skipped. The scanner never looks at what the math means;
 * KaTeX does that (see validate.ts). It reports delimiters it cannot pair as scan problems.
 */

export type Delimiter = "$" | "$$" | "\\(" | "\\[" | "env" | "boxed";

/** One piece of math in a text. Offsets are UTF-16 indices into the text, end exclusive. */
export interface Segment {
  /** Offset of the opening delimiter (of `\begin` for an environment, of `\boxed` for a box). */
  start: number;
  /** Offset just past the closing delimiter. */
  end: number;
  /** The math itself: `text.slice(contentStart, contentEnd)` is what KaTeX gets. */
  contentStart: number;
  contentEnd: number;
  delimiter: Delimiter;
  /** Display math (`$$`, `\[`, environments) or inline (`$`, `\(`, `\boxed`). */
  display: boolean;
  /** The environment's name, for `delimiter: "env"`. */
  env?: string;
}

export interface FindMathOptions {
  /**
   * Whether `$` opens math. `false` for sources whose dollars are money (GSM8K): then only
   * `\(`, `\[`, environments and `\boxed` are math. Escaped `\$` is text either way.
   */
  dollars: boolean;
}

/** A delimiter that the scanner could not pair (the code is a finding code, see validate.ts). */
export interface ScanProblem {
  code: "E_LATEX_UNMATCHED_DELIMITER" | "E_LATEX_ENVIRONMENT" | "E_LATEX_UNBALANCED_BRACES";
  offset: number;
  length: number;
  message: string;
}

export interface ScanResult {
  segments: Segment[];
  problems: ScanProblem[];
  /** `[asy] ... [/asy]` blocks, skipped; `end` is past `[/asy]` (the text's end when it is missing). */
  asy: Array<{ start: number; end: number }>;
}

/** Environments that are math: found in text, they are validated whole, in display mode. */
export const MATH_ENVIRONMENTS: ReadonlySet<string> = new Set([
  "align",
  "align*",
  "aligned",
  "alignat",
  "alignat*",
  "alignedat",
  "equation",
  "equation*",
  "gather",
  "gather*",
  "gathered",
  "multline",
  "multline*",
  "split",
  "eqnarray",
  "eqnarray*",
  "cases",
  "cases*",
  "dcases",
  "rcases",
  "drcases",
  "array",
  "darray",
  "subarray",
  "CD",
  "matrix",
  "matrix*",
  "pmatrix",
  "pmatrix*",
  "bmatrix",
  "bmatrix*",
  "Bmatrix",
  "Bmatrix*",
  "vmatrix",
  "vmatrix*",
  "Vmatrix",
  "Vmatrix*",
  "smallmatrix",
]);

/** Commands whose braced argument is text, where `$` opens math again (`\text{if $x>0$}`). */
const TEXT_COMMANDS: ReadonlySet<string> = new Set([
  "text",
  "textrm",
  "textbf",
  "textit",
  "textsf",
  "texttt",
  "textup",
  "textmd",
  "textnormal",
  "textsl",
  "textsc",
  "emph",
  "mbox",
  "hbox",
  "fbox",
  "framebox",
  "makebox",
  "parbox",
  "tag",
]);

const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const BS = 92; // \
const DOLLAR = 36;
const LBRACE = 123;
const RBRACE = 125;

/** Reads a control sequence at `i` (text[i] is `\`); returns its name and the index after it. */
function readCommand(text: string, i: number): { name: string; next: number } {
  let j = i + 1;
  if (j >= text.length) return { name: "", next: j };
  if (!isLetter(text.charCodeAt(j))) return { name: text[j]!, next: j + 1 };
  while (j < text.length && isLetter(text.charCodeAt(j))) j++;
  return { name: text.slice(i + 1, j), next: j };
}

/** `{name}` right after `\begin` / `\end` (spaces allowed before the brace). */
function readEnvName(text: string, i: number): { name: string; next: number } | undefined {
  let j = i;
  while (text[j] === " ") j++;
  if (text[j] !== "{") return undefined;
  const close = text.indexOf("}", j + 1);
  if (close < 0 || close - j > 40) return undefined;
  const name = text.slice(j + 1, close).trim();
  if (!/^[A-Za-z]+\*?$/.test(name)) return undefined;
  return { name, next: close + 1 };
}

type Closer = "$" | "$$" | "\\)" | "\\]" | { env: string };

/**
 * Scans math from `i` until its closer. Returns the index of the closer (where the content ends)
 * and the index after it, or undefined when the text ends first.
 */
function scanMath(text: string, i: number, closer: Closer): { contentEnd: number; next: number } | undefined {
  const n = text.length;
  let envDepth = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === DOLLAR) {
      if (closer === "$") return { contentEnd: i, next: i + 1 };
      if (closer === "$$" && text.charCodeAt(i + 1) === DOLLAR) return { contentEnd: i, next: i + 2 };
      i++;
      continue;
    }
    if (c !== BS) {
      i++;
      continue;
    }
    const { name, next } = readCommand(text, i);
    if (name === ")" && closer === "\\)") return { contentEnd: i, next };
    if (name === "]" && closer === "\\]") return { contentEnd: i, next };
    if (typeof closer === "object" && (name === "begin" || name === "end")) {
      const env = readEnvName(text, next);
      if (env && env.name === closer.env) {
        if (name === "begin") envDepth++;
        else if (envDepth === 0) return { contentEnd: env.next, next: env.next };
        else envDepth--;
        i = env.next;
        continue;
      }
    }
    if (TEXT_COMMANDS.has(name)) {
      i = skipTextArgument(text, next);
      continue;
    }
    i = next;
  }
  return undefined;
}

/**
 * After a text command: skips spaces and the braced text argument, in which `$...$` and `\(...\)`
 * are math again. Returns the index after the argument, or `i` when the argument never closes (then
 * the surrounding math ends at its own delimiter and KaTeX reports the brace).
 */
function skipTextArgument(text: string, i: number): number {
  const n = text.length;
  let j = i;
  while (text[j] === " ") j++;
  if (text.charCodeAt(j) !== LBRACE) return i;
  let depth = 0;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (c === LBRACE) depth++;
    else if (c === RBRACE) {
      depth--;
      if (depth === 0) return j + 1;
    } else if (c === BS) {
      const cmd = readCommand(text, j);
      if (cmd.name === "(") {
        const m = scanMath(text, cmd.next, "\\)");
        j = m ? m.next : cmd.next;
        continue;
      }
      j = cmd.next;
      continue;
    } else if (c === DOLLAR) {
      const m = scanMath(text, j + 1, "$");
      if (!m) return i;
      j = m.next;
      continue;
    }
    j++;
  }
  return i;
}

/** Text environments whose cells are restricted horizontal mode, where `$$` is an empty formula. */
const TABLE_ENVIRONMENTS: ReadonlySet<string> = new Set(["tabular", "tabular*", "tabularx"]);

/**
 * Finds the math segments, Asymptote blocks and unpaired delimiters of a text.
 *
 * When the dollars do not pair up, and one `$` stands before a number after a space (`charged $120`)
 * such that reading it as text pairs all the others, that `$` is reported as the culprit (money
 * that should be `\$`) and the rest of the text is read without it.
 */
export function scanText(text: string, options: FindMathOptions): ScanResult {
  const first = scanOnce(text, options, -1);
  if (
    !options.dollars ||
    !first.problems.some((p) => p.code === "E_LATEX_UNMATCHED_DELIMITER" && text[p.offset] === "$")
  )
    return first;
  let tries = 0;
  for (let i = text.indexOf("$"); i >= 0 && tries < MAX_MONEY_TRIES; i = text.indexOf("$", i + 1)) {
    if (!isMoneyDollar(text, i)) continue;
    tries++;
    const again = scanOnce(text, options, i);
    if (again.problems.some((p) => p.code === "E_LATEX_UNMATCHED_DELIMITER")) continue;
    again.problems.push({
      code: "E_LATEX_UNMATCHED_DELIMITER",
      offset: i,
      length: 1,
      message: "this '$' looks like money and leaves the other dollars unpaired; write \\$",
    });
    again.problems.sort((a, b) => a.offset - b.offset);
    return again;
  }
  return first;
}

/** Money-like dollars tried as the culprit of an odd count (each try rescans the text). */
const MAX_MONEY_TRIES = 32;

/** `$` after a space, an opening bracket or the start, before a digit, and not escaped. */
function isMoneyDollar(text: string, i: number): boolean {
  const before = i === 0 ? " " : text[i - 1]!;
  const after = text.charCodeAt(i + 1);
  return /[\s(]/.test(before) && after >= 48 && after <= 57;
}

function scanOnce(text: string, options: FindMathOptions, moneyAt: number): ScanResult {
  const segments: Segment[] = [];
  const problems: ScanProblem[] = [];
  const asy: ScanResult["asy"] = [];
  const n = text.length;
  let i = 0;
  let tables = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (i === moneyAt) {
      i++;
      continue;
    }
    if (c === 91 /* [ */ && text.startsWith("[asy]", i)) {
      const close = text.indexOf("[/asy]", i + 5);
      const end = close < 0 ? n : close + 6;
      asy.push({ start: i, end });
      i = end;
      continue;
    }
    if (c === DOLLAR) {
      if (!options.dollars) {
        i++;
        continue;
      }
      const display = text.charCodeAt(i + 1) === DOLLAR;
      if (display && tables > 0) {
        i += 2; // an empty formula in a table cell
        continue;
      }
      const open = display ? 2 : 1;
      const m = scanMath(text, i + open, display ? "$$" : "$");
      if (!m) {
        problems.push({
          code: "E_LATEX_UNMATCHED_DELIMITER",
          offset: i,
          length: open,
          message: `'${display ? "$$" : "$"}' opens math that is never closed (an odd number of dollars; write money as \\$)`,
        });
        i += open;
        continue;
      }
      segments.push({
        start: i,
        end: m.next,
        contentStart: i + open,
        contentEnd: m.contentEnd,
        delimiter: display ? "$$" : "$",
        display,
      });
      i = m.next;
      continue;
    }
    if (c !== BS) {
      i++;
      continue;
    }
    const { name, next } = readCommand(text, i);
    if (name === "(" || name === "[") {
      const closer = name === "(" ? "\\)" : "\\]";
      const m = scanMath(text, next, closer);
      if (!m) {
        problems.push({
          code: "E_LATEX_UNMATCHED_DELIMITER",
          offset: i,
          length: 2,
          message: `'\\${name}' opens math that is never closed by '${closer}'`,
        });
        i = next;
        continue;
      }
      segments.push({
        start: i,
        end: m.next,
        contentStart: next,
        contentEnd: m.contentEnd,
        delimiter: name === "(" ? "\\(" : "\\[",
        display: name === "[",
      });
      i = m.next;
      continue;
    }
    if (name === ")" || name === "]") {
      problems.push({
        code: "E_LATEX_UNMATCHED_DELIMITER",
        offset: i,
        length: 2,
        message: `'\\${name}' closes math that was never opened`,
      });
      i = next;
      continue;
    }
    if (name === "begin" || name === "end") {
      const env = readEnvName(text, next);
      if (env && MATH_ENVIRONMENTS.has(env.name)) {
        if (name === "end") {
          problems.push({
            code: "E_LATEX_ENVIRONMENT",
            offset: i,
            length: env.next - i,
            message: `\\end{${env.name}} without a \\begin{${env.name}}`,
          });
          i = env.next;
          continue;
        }
        const m = scanMath(text, env.next, { env: env.name });
        if (!m) {
          problems.push({
            code: "E_LATEX_ENVIRONMENT",
            offset: i,
            length: env.next - i,
            message: `\\begin{${env.name}} is never closed by \\end{${env.name}}`,
          });
          i = env.next;
          continue;
        }
        segments.push({
          start: i,
          end: m.next,
          contentStart: i,
          contentEnd: m.contentEnd,
          delimiter: "env",
          display: true,
          env: env.name,
        });
        i = m.next;
        continue;
      }
      if (env && TABLE_ENVIRONMENTS.has(env.name)) tables = Math.max(0, tables + (name === "begin" ? 1 : -1));
      i = env ? env.next : next;
      continue;
    }
    if (name === "boxed") {
      let j = next;
      while (text[j] === " ") j++;
      const end = text.charCodeAt(j) === LBRACE ? matchBrace(text, j) : -1;
      if (end > 0) {
        segments.push({ start: i, end, contentStart: i, contentEnd: end, delimiter: "boxed", display: false });
        i = end;
        continue;
      }
      if (end < 0 && text.charCodeAt(j) === LBRACE) {
        problems.push({
          code: "E_LATEX_UNBALANCED_BRACES",
          offset: j,
          length: 1,
          message: "the '{' of \\boxed is never closed",
        });
      }
    }
    i = next;
  }
  return { segments, problems, asy };
}

/** Index after the `}` matching the `{` at `i` (escaped braces skipped), or -1. */
function matchBrace(text: string, i: number): number {
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === BS) j++;
    else if (c === LBRACE) depth++;
    else if (c === RBRACE && --depth === 0) return j + 1;
  }
  return -1;
}

/** The math segments of a text, in order. */
export function findMath(text: string, options: FindMathOptions): Segment[] {
  return scanText(text, options).segments;
}
