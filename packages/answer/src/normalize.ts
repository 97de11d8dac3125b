import { normalizeText } from "@mathtune/core";
import { extractBoxed, matchBrace } from "./extract.js";
import { type Rat, pow10, rat, ratAdd, ratMul, ratNeg, ratToNumber } from "./rational.js";

/** An answer string after clean-up, with what the clean-up removed. */
export interface Normalized {
  text: string;
  /** A trailing `%` or `\%` was removed. */
  percent: boolean;
}

const SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹";
const SUPERSCRIPT_RE = /[⁰¹²³⁴⁵⁶⁷⁸⁹]/g;

const UNICODE: Array<[RegExp, string]> = [
  [/[−–—]/g, "-"],
  [/×/g, "\\times "],
  [/÷/g, "\\div "],
  [/·/g, "\\cdot "],
  [/π/g, "\\pi "],
  [/∞/g, "\\infty "],
  [/≤/g, "\\le "],
  [/≥/g, "\\ge "],
  [/≠/g, "\\ne "],
  [/√/g, "\\sqrt "],
  [/[°º]/g, "^\\circ"],
  [/，/g, ","],
  [/：/g, ":"],
  [/\\gt(?![A-Za-z])/g, ">"],
  [/\\lt(?![A-Za-z])/g, "<"],
  [/\\geqslant(?![A-Za-z])/g, "\\ge "],
  [/\\leqslant(?![A-Za-z])/g, "\\le "],
  [/\\neq(?![A-Za-z])/g, "\\ne "],
];

/** Words that may follow a number as a unit or currency and are dropped. */
const NOT_UNITS = new Set([
  "pi",
  "sin",
  "cos",
  "tan",
  "cot",
  "sec",
  "csc",
  "log",
  "ln",
  "exp",
  "sqrt",
  "and",
  "or",
  "i",
  "e",
  "infty",
  "oo",
  "am",
  "pm",
]);

/** Replaces `\cmd{...}` (brace group) by what `fn` returns for its content. */
export function replaceCommandArg(s: string, cmd: RegExp, fn: (inner: string) => string): string {
  let out = "";
  let i = 0;
  const re = new RegExp(cmd.source, "g");
  for (let m = re.exec(s); m; m = re.exec(s)) {
    let j = m.index + m[0].length;
    while (s[j] === " ") j++;
    if (s[j] !== "{") continue;
    const close = matchBrace(s, j);
    if (close < 0) break;
    out += s.slice(i, m.index) + fn(s.slice(j + 1, close - 1));
    i = close;
    re.lastIndex = close;
  }
  return out + s.slice(i);
}

/** `\frac12` -> `\frac{1}{2}`, `\frac1{72}` -> `\frac{1}{72}`, `\sqrt2` -> `\sqrt{2}`. */
function braceShortArgs(s: string): string {
  s = s.replace(/\\(d|t|c)frac(?![A-Za-z])/g, "\\frac").replace(/\\(d|t)binom(?![A-Za-z])/g, "\\binom");
  s = s.replace(/\\(frac|binom)\s*(\d|[A-Za-z]|\\[A-Za-z]+)\s*(\d|[A-Za-z]|\\[A-Za-z]+)/g, "\\$1{$2}{$3}");
  s = s.replace(/\\(frac|binom)\s*\{([^{}]*)\}\s*(\d|[A-Za-z]|\\[A-Za-z]+)/g, "\\$1{$2}{$3}");
  s = s.replace(/\\(frac|binom)\s*(\d|[A-Za-z]|\\[A-Za-z]+)\s*\{/g, "\\$1{$2}{");
  s = s.replace(/\\sqrt\s*(\d+|[A-Za-z](?![A-Za-z])|\\[A-Za-z]+)/g, (m, arg: string) =>
    arg === "\\left" ? m : `\\sqrt{${arg}}`,
  );
  return s;
}

/** In LaTeX, `x^12` and `x^(1/2)` mean `x^{12}` and `x^{(1/2)}` as their writers intend. */
function braceExponents(s: string): string {
  s = s.replace(/\^\s*(-?\d+(?:\.\d+)?)/g, (m, e: string) => (e.length > 1 ? `^{${e}}` : m));
  for (let k = s.indexOf("^("); k >= 0; k = s.indexOf("^(", k + 2)) {
    let depth = 0;
    let close = -1;
    for (let i = k + 1; i < s.length; i++) {
      if (s[i] === "(") depth++;
      else if (s[i] === ")" && --depth === 0) {
        close = i;
        break;
      }
    }
    if (close < 0) break;
    s = `${s.slice(0, k)}^{${s.slice(k + 1, close + 1)}}${s.slice(close + 1)}`;
  }
  return s;
}

/**
 * Cleans an answer for comparison: math delimiters, `\boxed`, `\left`/`\right`, spacing commands,
 * `\displaystyle`, degree signs, `\$` and units after a number, a trailing `%` (recorded), a final dot.
 */
export function normalizeAnswer(input: string): Normalized {
  let s = input.trim();
  if (/^\\(boxed|fbox)(?![A-Za-z])/.test(s)) s = extractBoxed(s) ?? s;
  for (const [re, to] of UNICODE) s = s.replace(re, to);
  // core's one normalisation (NFKC, invisible marks removed, every Unicode digit ASCII), after
  // superscript digits are made exponents (NFKC would make x² into x2)
  s = normalizeText(s.replace(SUPERSCRIPT_RE, (d) => `^${SUPERSCRIPTS.indexOf(d)}`)).trim();
  s = s.replace(/\\\\/g, "\u0001"); // `\\` (a row break) is kept whole through the clean-up
  while (s.startsWith("{") && matchBrace(s, 0) === s.length) s = s.slice(1, -1).trim();
  s = s.replace(/^\\\(|\\\)$/g, "").replace(/^\\\[|\\\]$/g, "");
  s = s.replace(/\\\$/g, " ").replace(/\$/g, " ");
  s = s.replace(/[€£¥]|\bUSD\b|\bRs\.?/g, " ");
  s = s.replace(/\\(displaystyle|textstyle|scriptstyle|limits)(?![A-Za-z])/g, "");
  s = s
    .replace(/\\left\s*\.|\\right\s*\./g, "")
    .replace(/\\(left|right|big|Big|bigg|Bigg|bigl|bigr|Bigl|Bigr)(?![A-Za-z])/g, "");
  // `11,\! 111,\! 100`: a comma with a negative space after it is a thousands separator
  s = s.replace(/(\d),\s*\\!\s*(?=\d{3}(?!\d))/g, "$1,").replace(/(\d)\\,(?=\d{3}(?!\d))/g, "$1");
  s = s.replace(/\\!/g, "").replace(/\\[,;: ]|\\(q?quad|enspace|thinspace|medspace|thickspace)(?![A-Za-z])|~/g, " ");
  s = s.replace(/\{,\}/g, ",");
  s = s.replace(/,?\s*\\(?:text|textrm|mathrm|mbox|textnormal)\s*\{\s*,?\s*(?:and|or)\s*\}/g, ",");
  s = s.replace(/^\\approx\s*|^\\sim\s*/, "");
  s = s.replace(/\s+(?:and|or)\s+/g, ", ");
  // degrees
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ|\\degree|\^\s*\{\s*\\text\{\s*o\s*\}\s*\}/g, " ");
  s = s.replace(/(\d)\s*(?:degrees?|deg)\b\.?/g, "$1 ");
  s = braceShortArgs(s);
  if (/\\/.test(s)) s = braceExponents(s);
  let percent = false;
  s = s.trim();
  for (;;) {
    const before = s;
    s = s.replace(/\s*\.+$/, "").trim();
    if (/(\\%|%|\\text\{\s*\\?%\s*\}|\s?percent)$/.test(s)) {
      percent = true;
      s = s.replace(/(\\%|%|\\text\{\s*\\?%\s*\}|\s?percent)$/, "").trim();
    }
    s = stripUnits(s);
    if (s === before) break;
  }
  s = s
    .replace(/\s+/g, " ")
    .trim()
    .replace(/\u0001/g, "\\\\");
  return { text: s, percent };
}

/** Removes unit words and `\text{ unit}` after a value: `78.54\text{ cm}^2`, `36 dollars`, `5 sq ft`. */
function stripUnits(s: string): string {
  const power = String.raw`(?:\s*\^\s*(?:\{\s*\d\s*\}|\d))?`;
  const m1 = new RegExp(
    String.raw`^(.*?[^\s\\{(,=])\s*\\(?:text|textrm|mathrm|mbox|textnormal|operatorname)\s*\{\s*([^{}]*)\}${power}$`,
  ).exec(s);
  const unit = m1?.[2]?.trim() ?? "";
  if (
    m1 &&
    /^[A-Za-z][A-Za-z .\-/]*$/.test(unit) &&
    !/^(?:and|or|[ap]\.?\s*m\.?)$/i.test(unit) &&
    /[\dA-Za-z}]\s*$/.test(m1[1]!)
  )
    return m1[1]!.trim();
  const m2 = new RegExp(String.raw`^(.*[\d}])\s*([A-Za-z]{2,}(?:\s+[A-Za-z]{2,})*)\.?${power}$`).exec(s);
  // (not after a code such as `A0` in `A0AA`: letters glued to the digits make one word)
  if (
    m2 &&
    !m2[2]!.split(/\s+/).some((w) => NOT_UNITS.has(w.toLowerCase())) &&
    !/\\[A-Za-z]*$/.test(m2[1]!) &&
    !/[A-Za-z]\d+$/.test(m2[1]!)
  ) {
    // `2\sqrt{3}cm`: the word must not be the tail of a command
    return m2[1]!.trim();
  }
  return s;
}

/** A number written exactly: integer, decimal, fraction, mixed number, scientific notation. */
export interface ParsedNumber {
  value: Rat | undefined;
  approx: number;
  /** Digits after the decimal point, when written as a decimal (`0.50` -> 2). */
  decimals: number | undefined;
}

const INT = String.raw`[+-]?\d+`;

function parseDecimal(s: string): ParsedNumber | undefined {
  let t = s.replace(/\s+/g, " ").trim();
  if (/^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(t)) t = t.replace(/,/g, "");
  else if (/^[+-]?\d{1,3}( \d{3})+(\.\d+)?$/.test(t)) t = t.replace(/ /g, "");
  t = t.replace(/^([+-])\s+/, "$1");
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(t);
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return undefined;
  const sign = m[1] === "-" ? -1n : 1n;
  const whole = m[2] || "0";
  const frac = m[3] ?? "";
  let r = rat(sign * BigInt(whole + frac), 10n ** BigInt(frac.length));
  let decimals: number | undefined = m[3] !== undefined && frac.length > 0 ? frac.length : undefined;
  if (m[4] !== undefined) {
    const p = pow10(Number(m[4]));
    if (!p) return { value: undefined, approx: Number(t), decimals: undefined };
    r = ratMul(r, p);
    decimals = undefined;
  }
  return { value: r, approx: ratToNumber(r), decimals };
}

/**
 * Parses an answer that is a plain number: `7,425,000`, `1 000`, `-0.5`, `.5`, `1/2`, `\frac{1}{2}`,
 * `-\frac{3}{4}`, `2\frac{1}{2}` (mixed), `1.5e3`, `1.5 \times 10^{3}`. Undefined otherwise.
 */
export function parseNumber(input: string): ParsedNumber | undefined {
  const s = input
    .trim()
    .replace(/^\{([^{}]*)\}$/, "$1")
    .trim();
  if (s === "") return undefined;
  const d = parseDecimal(s);
  if (d) return d;
  let m = new RegExp(String.raw`^(${INT})\s*/\s*(${INT})$`).exec(s.replace(/^\((.*)\)$/, "$1"));
  if (m) return fraction(BigInt(m[1]!), BigInt(m[2]!));
  m = /^([+-]?)\s*\\frac\{([^{}]+)\}\{([^{}]+)\}$/.exec(s);
  if (m) {
    const num = parseDecimal(m[2]!);
    const den = parseDecimal(m[3]!);
    if (!num?.value || !den?.value || den.value.n === 0n) return undefined;
    const r = rat((m[1] === "-" ? -1n : 1n) * num.value.n * den.value.d, num.value.d * den.value.n);
    return { value: r, approx: ratToNumber(r), decimals: undefined };
  }
  m = /^([+-]?)(\d+)\s*\\frac\{\s*(\d+)\s*\}\{\s*(\d+)\s*\}$/.exec(s);
  if (m) {
    const f = fraction(BigInt(m[3]!), BigInt(m[4]!));
    if (!f?.value) return undefined;
    let r = ratAdd(rat(BigInt(m[2]!)), f.value);
    if (m[1] === "-") r = ratNeg(r);
    return { value: r, approx: ratToNumber(r), decimals: undefined };
  }
  m = /^([+-]?[\d.]+)\s*(?:\\times|\\cdot|x|\*)\s*10\s*\^\s*\{?\s*([+-]?\d+)\s*\}?$/.exec(s);
  if (m) {
    const base = parseDecimal(m[1]!);
    const p = pow10(Number(m[2]));
    if (base?.value && p) {
      const r = ratMul(base.value, p);
      return { value: r, approx: ratToNumber(r), decimals: undefined };
    }
  }
  return undefined;
}

function fraction(n: bigint, d: bigint): ParsedNumber | undefined {
  if (d === 0n) return undefined;
  const r = rat(n, d);
  return { value: r, approx: ratToNumber(r), decimals: undefined };
}
