import { calculatorAnnotations, stripCalculatorAnnotations } from "@mathtune/core";
import { lastBoxes } from "./extract.js";

/**
 * The rule that found an answer: a `\boxed{}`, GSM8K's `####`, an answer line, the last math span, the whole
 * text, the result of the last calculation, or the last number.
 */
export type ExtractRule =
  | "boxed"
  | "gsm8k"
  | "answer-line"
  | "last-math"
  | "whole"
  | "last-calculation"
  | "last-number";

/** Options of `extractAnswer`. */
export interface ExtractOptions {
  /**
   * `strict`: only forms that state an answer (box, `####`, an answer line, the last math span, a
   * text that is an answer and nothing else). `flexible` (default): also the result of the final
   * statement's calculation and the last number.
   */
  mode?: "strict" | "flexible";
}

/** An extracted answer and the rule that found it. */
export interface Extracted {
  answer: string;
  rule: ExtractRule;
}

/**
 * Where the first line that starts as an `A:` answer (`/^[ \t]*\**A\**[ \t]*:/m`) starts, or -1.
 * Read back from each colon, so a text without one costs a single `indexOf` (the regex tries every
 * line start). The regex's parts are disjoint runs (blanks, stars, `A`, stars, blanks), so reading
 * each run back as far as it goes finds the match when there is one; the first colon that ends one
 * is on the first line that has one, and the match starts where that line starts.
 */
export function firstAnswerLetterLine(text: string): number {
  const blank = (i: number) => text[i - 1] === " " || text[i - 1] === "\t";
  for (let colon = text.indexOf(":"); colon >= 0; colon = text.indexOf(":", colon + 1)) {
    let i = colon;
    while (i > 0 && blank(i)) i--;
    while (i > 0 && text[i - 1] === "*") i--;
    if (text[i - 1] !== "A") continue;
    i--;
    while (i > 0 && text[i - 1] === "*") i--;
    while (i > 0 && blank(i)) i--;
    const c = i > 0 ? text.charCodeAt(i - 1) : 10;
    // the line terminators of the m flag's `^`
    if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) return i;
  }
  return -1;
}

// Each marker with the word it needs (`word`: a text, a regex, or a function giving its first
// index) and how many characters a match can start before that word (`lead`, plus white space), so
// a scan can skip texts without the word and start late.
const ANSWER_WORD = /answer/i;
const CJK_WORD = "答";
export const MARKERS: { word: RegExp | string | ((text: string) => number); lead: number; re: RegExp }[] = [
  { word: ANSWER_WORD, lead: "final".length, re: /(?:final\s+answer|the\s+answer)\s*(?:is|:|=)\s*:?/gi },
  // GSM8K's own forms: `#### 18` anywhere on a line (`####18`, `**#### 18**`, `####: 18`), and a final `A: 18`
  { word: "####", lead: 0, re: /####\s*:?\s*/g },
  { word: firstAnswerLetterLine, lead: 0, re: /^[ \t]*\**A\**[ \t]*:\**[ \t]*/gm },
  { word: ANSWER_WORD, lead: 0, re: /\banswer\s*(?:\*\*)?\s*[:：]\s*(?:\*\*)?/gi },
  { word: CJK_WORD, lead: 0, re: /答案是\s*[:：]?/g },
  { word: CJK_WORD, lead: "最终".length, re: /最终答案\s*(?:是|为)?\s*[:：]?/g },
  { word: CJK_WORD, lead: 0, re: /答\s*[:：]/g },
];

const PLAIN_NUMBER = /^[ \t]*-?\d+(?:\.\d+)?[ \t]*$/;

/**
 * Cuts an answer line down to the answer: the first line and sentence; the last `$...$` segment
 * when words surround the math; the right side of a calculation (`10 + 2 = 12` gives `12`); math
 * delimiters and trailing dots removed.
 */
export function cleanAnswerText(raw: string): string {
  // Most answer lines hold a plain number: every rule below leaves one as it is, trimmed.
  const nl = raw.indexOf("\n");
  const first = nl < 0 ? raw : raw.slice(0, nl);
  if (PLAIN_NUMBER.test(first)) return first.trim();
  // a display that starts the answer and runs over lines: its last `= X`
  const display =
    /^\s*(?:\\\[|\$\$|\\begin\{(align\*?|aligned|eqnarray\*?|gather\*?)\})([\s\S]*?)(?:\\\]|\$\$|\\end\{\1\})/.exec(
      raw,
    );
  if (display && /[\n&]|\\\\/.test(display[2]!)) {
    const flat = display[2]!
      .replace(/\\(?:begin|end)\{[^{}]*\}/g, " ")
      .replace(/\\\\|&|\n/g, " ")
      .replace(/[.,;]\s*$/, "")
      .trim();
    return afterLastEquals(flat);
  }
  // `\$` (a dollar sign in math) must not pair with the math delimiters
  let s = firstSentence((raw.replace(/\r/g, "").split("\n")[0] ?? "").replace(/\\\$/g, "\u0002"));
  s = afterCopula(s);
  const segments = [...s.matchAll(/\$\$?([^$]+)\$\$?/g)];
  if (segments.length && /[A-Za-z]{2,}/.test(s.replace(/\$[^$]*\$/g, " ").replace(/\\[A-Za-z]+/g, " "))) {
    s = segments[segments.length - 1]![1]!;
  }
  // The first sentence: a full stop followed by white space (not a decimal point) ends it.
  const stop = /(?<!\d)\.(?=\s)|(?<=\d)\.(?=\s+[A-Z])|。/.exec(s);
  if (stop) s = s.slice(0, stop.index);
  s = s.trim();
  for (let again = true; again; ) {
    again = false;
    const before = s;
    s = s.replace(/^\*\*|\*\*$/g, "").trim();
    s = s.replace(/[.。;,，]+$/, "").trim();
    const wrap = /^\$\$?([\s\S]*?)\$?\$$|^\\\(([\s\S]*)\\\)$|^\\\[([\s\S]*)\\\]$/.exec(s);
    if (wrap) s = (wrap[1] ?? wrap[2] ?? wrap[3] ?? "").trim();
    if (s !== before) again = true;
  }
  return afterLastEquals(s).replace(/\u0002/g, "\\$");
}

/** Up to the first full stop outside math that ends a sentence (`${182}$. One can show ...`). */
function firstSentence(s: string): string {
  let inMath = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") i++;
    else if (c === "$") inMath = !inMath;
    else if (!inMath && c === "." && /\s/.test(s[i + 1] ?? "") && !/\d/.test(s[i - 1] ?? "")) return s.slice(0, i);
  }
  return s;
}

/**
 * `The largest $n$ is 34.` -> `34.`: when the line names what it answers (a variable, a figure)
 * and then says `is`/`are`/`equals` outside math, the answer is what follows the last such word.
 */
function afterCopula(s: string): string {
  let last = -1;
  let inMath = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "$") inMath = !inMath;
    // only in the first sentence: `${182}$. One can show that P(n) is ...` names no answer
    else if (!inMath && c === "." && /\s/.test(s[i + 1] ?? "") && !/\d/.test(s[i - 1] ?? "")) break;
    else if (!inMath && c === " ") {
      const m = /^ (?:is|are|equals|was|would be|will be)\s+(?:equal to\s+|exactly\s+|about\s+)?/.exec(s.slice(i));
      if (m) last = i + m[0].length;
    }
  }
  if (last < 0) return s;
  const rest = s.slice(last);
  // only when what follows is a value: a number or math, first
  return /^\s*(?:[-+−]?\.?\d|\$|\\\(|\\boxed)/.test(rest) ? rest : s;
}

/** A variable, or a tuple of them: `x`, `a_1`, `(p, q)`. */
const VARIABLE = /^(?:[A-Za-z]|\\[A-Za-z]+)(?:_\{?[A-Za-z0-9]+\}?)?$/;
export function isVariableOrTuple(lhs: string): boolean {
  const t = lhs.trim().replace(/^\\left\s*|\\right\s*(?=\)$)/g, "");
  if (VARIABLE.test(t)) return true;
  const m = /^\((.*)\)$/.exec(t);
  return !!m && m[1]!.split(",").every((v) => VARIABLE.test(v.trim()));
}

const CONSTANT_COMMANDS = /\\(?:frac|dfrac|tfrac|sqrt|pi|cdot|times|left|right|circ|infty)(?![A-Za-z])/g;

/**
 * `m+n = 758`, `\frac{13}{6}n^2 = 702`, `\lfloor x^2/100 \rfloor = 181`: a left side that names what
 * was asked (a sum of letters, a floor, or an expression in one variable) and a constant, non-zero
 * right side. Not an equation in several variables (`x^2 + y^2 = 1`, `2x - y + 3z = 7`).
 */
function namesAConstant(lhs: string, rhs: string): boolean {
  const rest = rhs.replace(CONSTANT_COMMANDS, "").replace(/[{}]/g, "");
  if (/[A-Za-z]/.test(rest) || !/\d|\\pi/.test(rhs) || /^[\s(]*[-+]?0+(?:\.0*)?[\s)]*$/.test(rest)) return false;
  if (/^[A-Za-z](?:\s*[+\-]\s*[A-Za-z])+$/.test(lhs.trim())) return true;
  if (/\\[lr]floor|\\[lr]ceil/.test(lhs)) return true;
  const letters = new Set(lhs.replace(/\\[A-Za-z]+/g, " ").match(/[A-Za-z]/g) ?? []);
  return letters.size <= 1;
}

/** `10 + 2 = 12` -> `12`, `x = 5` -> `5`; an equation such as `x^2 + y^2 = 1` stays whole. */
function afterLastEquals(s: string): string {
  // `\frac{200}{17} \approx 12`: the value stated is the one after the last `\approx`
  const approx = s.split(/\\approx(?![A-Za-z])/);
  const tail = approx[approx.length - 1]!.trim();
  if (approx.length > 1 && tail !== "") s = tail;
  let depth = 0;
  const eqs: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "{" || c === "(" || c === "[") depth++;
    else if (c === "}" || c === ")" || c === "]") depth--;
    else if (c === "=" && depth === 0 && s[i - 1] !== "<" && s[i - 1] !== ">") eqs.push(i);
  }
  const last = eqs[eqs.length - 1];
  if (last === undefined) return s;
  const lhs = s.slice(0, last).trim();
  const rhs = s.slice(last + 1).trim();
  if (rhs === "") return s;
  const arithmetic = !/[A-Za-z]/.test(lhs.replace(/\\(frac|dfrac|tfrac|cdot|times|div|sqrt|left|right|pi)/g, ""));
  return eqs.length >= 2 || arithmetic || isVariableOrTuple(lhs) || namesAConstant(lhs, rhs) ? rhs : s;
}

const NUMBER_RE = /[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*\/\s*\d+)?|[-+−]?\.\d+/g;

const NUMBER_CHAR = /^[\d,./+\-−\s]$/;
const isDigit = (c: number) => c >= 48 && c <= 57;

/** The last number in a text (thousands commas removed), or undefined. */
export function lastNumber(text: string): string | undefined {
  // Scan only the tail: from the last digit, back past every character a number can hold. No match
  // can hold the character before that start, so the scan from there ends in the same last match
  // as a scan of the whole text.
  let d = text.length - 1;
  while (d >= 0 && !isDigit(text.charCodeAt(d))) d--;
  if (d < 0) return undefined;
  let start = d;
  while (start > 0 && NUMBER_CHAR.test(text[start - 1]!)) start--;
  let last: string | undefined;
  NUMBER_RE.lastIndex = start;
  for (let m = NUMBER_RE.exec(text); m; m = NUMBER_RE.exec(text)) last = m[0];
  if (last === undefined) return undefined;
  return last.replace(/,/g, "").replace(/−/g, "-").replace(/\s+/g, "");
}

/** An answer line that reads like prose (`the answer is necessary because ...`) is no answer. */
export function answerLike(s: string): boolean {
  const words = s.replace(/\\[A-Za-z]+(\{[^{}]*\})?/g, " ").match(/[A-Za-z]{3,}/g) ?? [];
  // `the answer is in simplest form`, `... is a common one`, `... is correct`: talk about the answer
  if (/^(?:in|not|that|to|when|because|a|an|as)\s+[a-z]|^(?:correct|wrong|unique|right)\b/.test(s)) return false;
  return s !== "" && words.length <= 4;
}

// The markers' distinct words, and each marker's word among them: a word that several markers
// need is searched for once per text.
const WORDS = [...new Set(MARKERS.map((m) => m.word))];
const WORD_OF = MARKERS.map((m) => WORDS.indexOf(m.word));

/** `/\s/.test` of one UTF-16 unit, answered without the regex for ASCII. */
function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return /\s/.test(String.fromCharCode(c));
}

/** The last answer line that holds an answer: the answer and where its marker starts. */
export function answerLine(text: string): { answer: string; start: number } | undefined {
  const found: Array<[number, number]> = [];
  const firstAt: (number | undefined)[] = [];
  for (let k = 0; k < MARKERS.length; k++) {
    const { lead, re } = MARKERS[k]!;
    // No match starts before the first occurrence of the word, less the white space and the lead
    // before it: the text there ('final', 'the', '最终' and spaces) cannot hold the word.
    const w = WORD_OF[k]!;
    let at = firstAt[w];
    if (at === undefined) {
      const word = WORDS[w]!;
      at = typeof word === "string" ? text.indexOf(word) : typeof word === "function" ? word(text) : text.search(word);
      firstAt[w] = at;
    }
    if (at < 0) continue;
    let from = at;
    while (from > 0 && isSpace(text.charCodeAt(from - 1))) from--;
    re.lastIndex = Math.max(0, from - lead);
    for (let m = re.exec(text); m; m = re.exec(text)) found.push([m.index, m.index + m[0].length]);
  }
  found.sort((a, b) => b[0] - a[0]);
  for (const [start, end] of found) {
    const out = cleanAnswerText(text.slice(end));
    if (answerLike(out)) return { answer: out, start };
  }
  return undefined;
}

/** An answer that says something: a number, math, or a choice letter (not `correct`, `below`). */
const SUBSTANTIVE = /[\d\\^_=<>+\-*/]|^\(?[A-Za-z]\)?$|^(?:true|false|yes|no)$/i;

/**
 * The last math span of a text (`$...$`, `$$...$$`, `\(...\)`, `\[...\]`), cut to its answer as
 * an answer line is (`x = 5` gives `5`). Undefined when there is none, or when the last one holds
 * prose (dollar signs used for money pair up around words).
 */
export function lastMathSpan(text: string): { answer: string; start: number } | undefined {
  const span = lastSpan(text);
  if (!span || span.inner === "") return undefined;
  // prose between money signs, or a long derivation, is no answer
  const words = span.inner.replace(/\\[A-Za-z]+/g, " ").match(/[A-Za-z]{3,}/g) ?? [];
  if (words.length > 2 || span.inner.length > 200) return undefined;
  let answer = afterLastEquals(span.inner.replace(/[.,;]+$/, "").trim());
  // prose states what it computed: `so $a+b+c = 42$`, `$D'=(-2,5)$`: a constant right side is the answer
  const eq = topLevelEquals(answer);
  if (eq >= 0) {
    const rhs = answer.slice(eq + 1).trim();
    if (
      rhs !== "" &&
      !/[A-Za-z]/.test(rhs.replace(/\\(?:frac|dfrac|tfrac|sqrt|pi|cdot|times|left|right|circ|infty)(?![A-Za-z])/g, ""))
    )
      answer = rhs;
  }
  // (a point, a segment or an angle name is an answer too: `$CD$`)
  if (answer === "" || (!SUBSTANTIVE.test(answer) && !/^[A-Za-z]$|^[A-Z]{2,3}$/.test(answer))) return undefined;
  return { answer, start: span.start };
}

/** The index of the last `=` outside brackets (not part of `<=`, `>=`), or -1. */
function topLevelEquals(s: string): number {
  let depth = 0;
  let at = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "{" || c === "(" || c === "[") depth++;
    else if (c === "}" || c === ")" || c === "]") depth--;
    else if (c === "=" && depth === 0 && s[i - 1] !== "<" && s[i - 1] !== ">" && s[i - 1] !== "!") at = i;
  }
  return at;
}

/**
 * The last math span, paired from the end of the text: `\(...\)`, `\[...\]`, `$$...$$` or `$...$`.
 * A `$` pair that opens before white space, closes after it or right before a digit is money.
 */
function lastSpan(text: string): { inner: string; start: number } | undefined {
  let best: { inner: string; start: number } | undefined;
  // A text without a backslash has no `\)` or `\]`, and one without a `$` no dollar pair: `includes`
  // answers that at once, where the backward scans would run to the start (most GSM8K solutions).
  const backslash = text.includes("\\");
  const paren = backslash ? text.lastIndexOf("\\)") : -1;
  if (paren >= 0) {
    const open = text.lastIndexOf("\\(", paren);
    if (open >= 0) best = { inner: text.slice(open + 2, paren).trim(), start: open };
  }
  const bracket = backslash ? text.lastIndexOf("\\]") : -1;
  if (bracket >= 0 && (!best || bracket > best.start)) {
    const open = text.lastIndexOf("\\[", bracket);
    if (open >= 0) best = { inner: text.slice(open + 2, bracket).trim(), start: open };
  }
  if (!text.includes("$")) return best;
  // the last unescaped dollar
  let close = text.length;
  do close = text.lastIndexOf("$", close - 1);
  while (close > 0 && text[close - 1] === "\\" && text[close - 2] !== "\\");
  if (close < 0 || (best && close < best.start)) return best;
  if (text[close - 1] === "$") {
    const open = text.lastIndexOf("$$", close - 2);
    return open >= 0 ? { inner: text.slice(open + 2, close - 1).trim(), start: open } : best;
  }
  let open = close;
  do open = text.lastIndexOf("$", open - 1);
  while (open > 0 && text[open - 1] === "\\" && text[open - 2] !== "\\");
  if (open < 0) return best;
  const inner = text.slice(open + 1, close);
  // money: `$5 and $6`, `15+$23=$<<15+23=38>>38` (a calculator annotation or a digit right after)
  // (the one character after the pair first: GSM8K's `$<<...>>` ends the test there)
  if (/[\d<]/.test(text[close + 1] ?? "") || /^\s|\s$|^[=+*/]|[=+\-*/]$|<<|>>/.test(inner)) return best;
  return { inner: inner.trim(), start: open };
}

/**
 * A text that is an answer and nothing else (`x < 5`, `\frac12`, `AZYUK2A`, `10:09 PM`): one short
 * line with at most one word outside LaTeX commands. Read whole, so that the digits in a word
 * or the number in a relation are not taken for the answer.
 */
function wholeAnswer(text: string): string | undefined {
  const t = text.trim();
  if (t === "" || t.length > 200 || /[\n\r]|<<|>>/.test(t)) return undefined;
  const outside = t
    .replace(/\\(?:text|mathrm|textbf|mbox|begin|end|operatorname)\s*\{[^{}]*\}/g, " ")
    .replace(/\\[A-Za-z]+/g, " ");
  // a word with digits in it (`AZYUK2A`) is one word
  const words = outside.match(/[A-Za-z0-9]*[A-Za-z]{2,}[A-Za-z0-9]*/g) ?? [];
  if (words.length > 1) return undefined;
  const out = cleanAnswerText(t);
  return out === "" ? undefined : out;
}

/**
 * The result of the final statement's calculation (GSM8K style): the last calculator annotation
 * `<<4+5=9>>` of the last line, else the number after its last `=`. So `4+5=<<4+5=9>>9 points in
 * the 40 minutes` gives 9, not 40. Undefined when the last line has neither.
 */
export function lastCalculation(text: string): string | undefined {
  // The last line: after trimEnd it is not blank (unless the whole text is), and a `\r` before the
  // last `\n` belongs to the line before; no split of the whole text into lines.
  const trimmed = text.trimEnd();
  const line = trimmed.slice(trimmed.lastIndexOf("\n") + 1);
  // the last annotation that computes something: what follows its last `=`
  const calcs = calculatorAnnotations(line);
  let calc: string | undefined;
  for (let k = calcs.length - 1; k >= 0 && calc === undefined; k--) {
    const a = calcs[k]!;
    const eq = a.lastIndexOf("=");
    if (eq >= 0 && eq < a.length - 1) calc = a.slice(eq + 1).trim();
  }
  if (calc !== undefined && /^[-+]?\d[\d,]*(?:\.\d+)?$/.test(calc)) return calc.replace(/,/g, "");
  const plain = stripCalculatorAnnotations(line);
  const eq = plain.lastIndexOf("=");
  if (eq < 0) return undefined;
  const m = /^\s*\\?\$?\s*([-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?![\d/])/.exec(plain.slice(eq + 1));
  return m ? m[1]!.replace(/,/g, "").replace(/−/g, "-") : undefined;
}

/**
 * The final answer of a text by ordered rules, and the rule that fired:
 * - the last statement of an answer among the last `\boxed{}`/`\fbox{}` (with the boxes just before
 *   it that only commas or `and` part: `\boxed{1}, \boxed{2}` gives `1, 2`), a `#### N` line, a final
 *   `A: N`, and an answer line (`Answer:`, `The final answer is`, `答：`, `答案是`, `最终答案`): the
 *   one that comes last in the text wins, so a later `The final answer is $10,455$` beats an earlier
 *   box (an answer line with no number or math in it, `The answer is correct`, does not);
 * - the last math span of the text;
 * - the whole text, when it is an answer and nothing else (`x < 5`);
 * - in flexible mode, the result of the last line's calculation, then the last number.
 */
export function extractAnswer(text: string, options: ExtractOptions = {}): Extracted | undefined {
  const box = lastBoxes(text);
  const line = answerLine(text);
  if (box && (!line || box.start >= line.start || !SUBSTANTIVE.test(line.answer)))
    return { answer: box.answer, rule: "boxed" };
  if (line) return { answer: line.answer, rule: /^\s*####/.test(text.slice(line.start)) ? "gsm8k" : "answer-line" };
  const span = lastMathSpan(text);
  if (span) return { answer: span.answer, rule: "last-math" };
  const whole = wholeAnswer(text);
  if (whole !== undefined) return { answer: whole, rule: "whole" };
  if ((options.mode ?? "flexible") === "flexible") {
    const calc = lastCalculation(text);
    if (calc !== undefined) return { answer: calc, rule: "last-calculation" };
    const n = lastNumber(text);
    if (n !== undefined) return { answer: n, rule: "last-number" };
  }
  return undefined;
}
