/**
 * The one Unicode normalisation of mathtune, used for ids, dedup, decontamination and answers:
 * NFKC (full-width `５` to `5`, ligatures, compatibility forms), zero-width characters and bidi
 * marks removed, and every Unicode decimal digit (Arabic-Indic `٦`, Devanagari `६`, ...) made its
 * ASCII digit. Records keep their original text; this is the form things are compared in.
 */

/** Zero-width characters, soft hyphen, word joiner, BOM, and the bidi marks and controls. */
const INVISIBLE_RE = /[\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/g;
const NON_ASCII_RE = /[^\x00-\x7f]/;
const DIGIT_RE = /\p{Nd}/gu;

let zeroOf: Map<number, number> | undefined;
/** Each Unicode decimal digit's value: digits come in runs of ten from zero (a Unicode guarantee for Nd). */
function digitValue(ch: string): string {
  if (!zeroOf) zeroOf = new Map();
  const cp = ch.codePointAt(0)!;
  let zero = zeroOf.get(cp);
  if (zero === undefined) {
    // walk back to the start of the run of decimal digits (at most 9 steps); runs may be adjacent
    // (Mathematical digits U+1D7CE..U+1D7FF are five runs of ten), so count from the block's first
    let start = cp;
    while (start > 0 && /\p{Nd}/u.test(String.fromCodePoint(start - 1))) start--;
    zero = start + Math.floor((cp - start) / 10) * 10;
    zeroOf.set(cp, zero);
  }
  return String.fromCharCode(0x30 + cp - zero);
}

/** True when `text` is plain ASCII (then normalizeText returns it unchanged). */
export function isAsciiText(text: string): boolean {
  return !NON_ASCII_RE.test(text);
}

/** NFKC, invisible characters removed, Unicode decimal digits to ASCII. ASCII text is returned as is. */
export function normalizeText(text: string): string {
  if (!NON_ASCII_RE.test(text)) return text;
  let s = text.normalize("NFKC").replace(INVISIBLE_RE, "");
  if (NON_ASCII_RE.test(s))
    s = s.replace(DIGIT_RE, (d) => (d.length === 1 && d >= "0" && d <= "9" ? d : digitValue(d)));
  return s;
}
