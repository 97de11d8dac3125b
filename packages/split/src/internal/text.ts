/** Text normalisation and tokenisation shared by dedup and decontamination. */
import { normalizeText } from "@mathtune/core";
import { FNV_OFFSET_32, FNV_PRIME_32 } from "@mathtune/core/internal";

const LATEX_SPACING_RE = /\\(?:[,;:! ]|q?quad\b|[hv]space\*?\{[^{}]*\}|(?:thin|med|thick|neg)space\b)|~/g;
const LATEX_SIZING_RE = /\\(?:left|right|big|Big|bigg|Bigg)[lr]?\b/g;
const SPACE_RE = /\s+/g;
/** Whitespace other than single spaces: only then is SPACE_RE's replace needed. */
const ODD_SPACE_RE = /[^\S ]|\s\s/;
const SYMBOL_SPACE_RE = / ?([^\p{L}\p{N}\p{M} ]) ?/gu;

/**
 * The form of a problem used for exact dedup: core's `normalizeText` (NFKC, zero-width and bidi
 * marks removed, every Unicode digit ASCII), lower case, LaTeX spacing
 * (`\,` `\;` `\quad` `~` `\left`/`\right` ...) removed, runs of whitespace made one space, and
 * no space around symbols (`x + 1` and `x+1` match).
 */
export function normalizeProblem(text: string): string {
  const ascii = isAscii(text);
  let s = ascii ? text : normalizeText(text);
  const tex = s.includes("\\");
  if (tex) s = s.replace(LATEX_SIZING_RE, "");
  s = s.toLowerCase();
  if (tex || s.includes("~")) s = s.replace(LATEX_SPACING_RE, "");
  if (ODD_SPACE_RE.test(s)) s = s.replace(SPACE_RE, " ");
  s = s.trim();
  return s.replace(ascii ? ASCII_SYMBOL_SPACE_RE : SYMBOL_SPACE_RE, "$1");
}

const NON_ASCII_RE = /[^\x00-\x7f]/;
/** True when a string is plain ASCII (no Unicode normalisation needed). */
export function isAscii(s: string): boolean {
  return !NON_ASCII_RE.test(s);
}
const ASCII_SYMBOL_SPACE_RE = / ?([^a-zA-Z0-9 ]) ?/g;

const CJK = "\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}";
const LETTERS = `(?:(?![${CJK}])[\\p{L}\\p{N}\\p{M}])+`;
/** Words: runs of letters and digits (with inner apostrophes: `janet's`); each CJK character is a word of its own. Punctuation and symbols dropped. */
const WORD_RE = new RegExp(`[${CJK}]|${LETTERS}(?:'${LETTERS})*`, "gu");
/** Math tokens: words as above, plus each symbol (operators, brackets, backslashes) except prose punctuation. */
const MATH_TOKEN_RE = new RegExp(
  `[${CJK}]|(?:(?![${CJK}])[\\p{L}\\p{N}\\p{M}])+|[^\\s\\p{L}\\p{N}\\p{M}.,;:!?'"“”‘’、。，；：！？]`,
  "gu",
);

/** Lower-cased NFKC words of a text, digits kept (`48/2=24` gives `48`, `2`, `24`). For decontamination. */
export function words(text: string): string[] {
  if (isAscii(text)) return text.toLowerCase().match(ASCII_WORD_RE) ?? [];
  return normalizeText(text).toLowerCase().replace(/[’‘]/g, "'").match(WORD_RE) ?? [];
}
const ASCII_WORD_RE = /[a-z0-9]+(?:'[a-z0-9]+)*/g;

/** Lower-cased NFKC tokens of a text with math symbols kept as tokens. For near dedup. */
export function mathTokens(text: string): string[] {
  return tokensOfNormalized(normalizeProblem(text));
}

const ASCII_MATH_TOKEN_RE = /[a-z0-9]+|[^\sa-z0-9.,;:!?'"]/g;
/** `mathTokens` of a text that is already the output of `normalizeProblem`. */
export function tokensOfNormalized(norm: string): string[] {
  return norm.match(isAscii(norm) ? ASCII_MATH_TOKEN_RE : MATH_TOKEN_RE) ?? [];
}

const NUMBER_RE = /\d+(?:\.\d+)?/g;

/** The numbers of a text in order, thousands separators removed (`1,000` gives `1000`). */
export function numbersOf(text: string): string[] {
  return (isAscii(text) ? text : text.normalize("NFKC")).replace(/(\d),(?=\d{3}(?!\d))/g, "$1").match(NUMBER_RE) ?? [];
}

/** The hash of one token, as `tokenHashes` computes it: FNV-1a over UTF-16 code units, then mixed. */
export function tokenHash(token: string): number {
  let h = FNV_OFFSET_32;
  for (let i = 0; i < token.length; i++) h = Math.imul(h ^ token.charCodeAt(i), FNV_PRIME_32);
  return fmixToken(h);
}

function fmixToken(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const enum C {
  Space,
  Word,
  Skip,
  Symbol,
}
/** ASCII classes for the math tokens of a normalised text. */
const MATH_CLASS = new Uint8Array(128);
/** ASCII classes for words (apostrophes handled apart). */
const WORD_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const word = /[a-z0-9]/.test(ch);
  MATH_CLASS[c] = word ? C.Word : /\s/.test(ch) ? C.Space : `.,;:!?'"`.includes(ch) ? C.Skip : C.Symbol;
  WORD_CLASS[c] = /[A-Za-z0-9]/.test(ch) ? C.Word : C.Skip;
}

/**
 * Token hashes of a normalised text, the same as `tokensOfNormalized(norm).map(tokenHash)`,
 * without making the token strings when the text is ASCII.
 */
export function mathTokenHashes(norm: string): Uint32Array {
  if (!isAscii(norm)) return Uint32Array.from(tokensOfNormalized(norm), tokenHash);
  const out = new Uint32Array(norm.length);
  let n = 0;
  let h = 0;
  let inWord = false;
  for (let i = 0; i < norm.length; i++) {
    const c = norm.charCodeAt(i);
    const k = MATH_CLASS[c]!;
    if (k === C.Word) {
      if (!inWord) {
        h = FNV_OFFSET_32;
        inWord = true;
      }
      h = Math.imul(h ^ c, FNV_PRIME_32);
      continue;
    }
    if (inWord) {
      out[n++] = fmixToken(h);
      inWord = false;
    }
    if (k === C.Symbol) out[n++] = fmixToken(Math.imul(FNV_OFFSET_32 ^ c, FNV_PRIME_32));
  }
  if (inWord) out[n++] = fmixToken(h);
  return out.subarray(0, n);
}

/**
 * Word hashes of a text, the same as `words(text).map(tokenHash)`, without making the word
 * strings when the text is ASCII.
 */
export function wordHashes(text: string): Uint32Array {
  if (!isAscii(text)) return Uint32Array.from(words(text), tokenHash);
  const out = new Uint32Array(text.length);
  let n = 0;
  let h = 0;
  let inWord = false;
  const len = text.length;
  for (let i = 0; i < len; i++) {
    let c = text.charCodeAt(i);
    if (WORD_CLASS[c] === C.Word) {
      if (c >= 65 && c <= 90) c += 32;
      if (!inWord) {
        h = FNV_OFFSET_32;
        inWord = true;
      }
      h = Math.imul(h ^ c, FNV_PRIME_32);
      continue;
    }
    // an apostrophe between two word characters stays inside the word
    if (inWord && c === 39 && i + 1 < len && WORD_CLASS[text.charCodeAt(i + 1)] === C.Word) {
      h = Math.imul(h ^ c, FNV_PRIME_32);
      continue;
    }
    if (inWord) {
      out[n++] = fmixToken(h);
      inWord = false;
    }
  }
  if (inWord) out[n++] = fmixToken(h);
  return out.subarray(0, n);
}

const MATH_SEGMENT_RE = /\$\$?([^$]+)\$\$?|\\\((.+?)\\\)|\\\[(.+?)\\\]/g;
const PROSE_RE = /\p{L}{2,} \p{L}{2,} \p{L}{2,}/u;

/**
 * What must be equal for two problems to be near duplicates: their numbers in order, and their
 * TeX math segments (`$...$`, `\(...\)`, `\[...\]`, spaces removed) in order. So `k > 0` and
 * `k < 0`, or "the value of $x$" and "the value of $y$", are different problems however similar
 * the words. A `$` pair that encloses prose (GSM8K money: `$5 ... $7`) is not a math segment.
 */
export function mathSignature(norm: string): string {
  let sig = numbersOf(norm).join(" ");
  if (!norm.includes("$") && !norm.includes("\\")) return sig;
  for (const m of norm.matchAll(MATH_SEGMENT_RE)) {
    const seg = m[1] ?? m[2] ?? m[3] ?? "";
    if (PROSE_RE.test(seg)) continue;
    sig += `|${seg.replace(/\s+/g, "")}`;
  }
  return sig;
}
