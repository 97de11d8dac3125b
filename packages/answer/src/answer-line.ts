import { extractBoxed, extractGsm8k } from "./extract.js";

export type ExtractRule = "boxed" | "gsm8k" | "answer-line" | "last-number";

export interface ExtractOptions {
  /** `strict`: only explicit forms (box, `####`, an answer line). `flexible` (default): also the last number. */
  mode?: "strict" | "flexible";
}

export interface Extracted {
  answer: string;
  rule: ExtractRule;
}

// Each marker with the word it needs (`word`) and how many characters a match can start before
// that word (`lead`, plus white space), so a scan can skip texts without the word and start late.
const ANSWER_WORD = /answer/i;
const CJK_WORD = "答";
export const MARKERS: { word: RegExp | string; lead: number; re: RegExp }[] = [
  { word: ANSWER_WORD, lead: "final".length, re: /(?:final\s+answer|the\s+answer)\s*(?:is|:|=)\s*:?/gi },
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
  let s = raw.replace(/\r/g, "").split("\n")[0] ?? "";
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
  return afterLastEquals(s);
}

/** `10 + 2 = 12` -> `12`, `x = 5` -> `5`; an equation such as `x^2 + y^2 = 1` stays whole. */
function afterLastEquals(s: string): string {
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
  const variable = /^(?:[A-Za-z]|\\[A-Za-z]+)(?:_\{?[A-Za-z0-9]+\}?)?$/.test(lhs);
  return eqs.length >= 2 || arithmetic || variable ? rhs : s;
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
  return s !== "" && words.length <= 4;
}

function answerLine(text: string): string | undefined {
  const found: Array<[number, number]> = [];
  const firstAt = new Map<RegExp | string, number>();
  for (const { word, lead, re } of MARKERS) {
    // No match starts before the first occurrence of the word, less the white space and the lead
    // before it: the text there ('final', 'the', '最终' and spaces) cannot hold the word.
    let at = firstAt.get(word);
    if (at === undefined) firstAt.set(word, (at = typeof word === "string" ? text.indexOf(word) : text.search(word)));
    if (at < 0) continue;
    let from = at;
    while (from > 0 && /\s/.test(text[from - 1]!)) from--;
    re.lastIndex = Math.max(0, from - lead);
    for (let m = re.exec(text); m; m = re.exec(text)) found.push([m.index, m.index + m[0].length]);
  }
  found.sort((a, b) => b[0] - a[0]);
  for (const [, end] of found) {
    const out = cleanAnswerText(text.slice(end));
    if (answerLike(out)) return out;
  }
  return undefined;
}

/**
 * The final answer of a text by ordered rules: the last `\boxed{}`/`\fbox{}`, a GSM8K `#### N`
 * line, an explicit answer line (`Answer:`, `The answer is`, `答：`, `答案是`, `最终答案`), and in
 * flexible mode the last number. The result names the rule that fired.
 */
export function extractAnswer(text: string, options: ExtractOptions = {}): Extracted | undefined {
  const boxed = extractBoxed(text);
  if (boxed !== undefined) return { answer: boxed, rule: "boxed" };
  const gsm = extractGsm8k(text);
  if (gsm !== undefined) return { answer: gsm, rule: "gsm8k" };
  const line = answerLine(text);
  if (line !== undefined) return { answer: line, rule: "answer-line" };
  if ((options.mode ?? "flexible") === "flexible") {
    const n = lastNumber(text);
    if (n !== undefined) return { answer: n, rule: "last-number" };
  }
  return undefined;
}
