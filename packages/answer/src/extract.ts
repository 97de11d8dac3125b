/**
 * Final-answer extraction: ordered rules, each result names the rule that fired.
 */

const BOX_RE = /\\(?:boxed|fbox)(?![A-Za-z])/g;

/**
 * Reads a brace group that starts at `open` (which must be `{`); returns the index just past the
 * matching `}`, or -1 when the group never closes. `\{` and `\}` do not count as grouping braces.
 */
export function matchBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      i++; // skip the escaped character (\{, \}, \\)
      continue;
    }
    if (c === "{") depth++;
    else if (c === "}") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** The argument of the box command ending at `end`, or undefined when it is unbalanced or empty. */
function boxArgument(text: string, end: number): string | undefined {
  let i = end;
  while (i < text.length && (text[i] === " " || text[i] === "\t")) i++;
  if (text[i] === "{") {
    const close = matchBrace(text, i);
    if (close < 0) return undefined;
    const inner = text.slice(i + 1, close - 1).trim();
    return inner === "" ? undefined : inner;
  }
  if (i === end) return undefined; // `\boxedx` is another command; `\boxed` at the end is nothing
  // `\boxed 2`: the next token, up to white space, `$` or the end of a math group.
  const m = /^[^\s$}\\]+|^\\[A-Za-z]+/.exec(text.slice(i));
  return m ? m[0] : undefined;
}

/**
 * Content of the last `\boxed{...}` or `\fbox{...}` (nested braces kept, outer white space trimmed);
 * `\boxed 2` without braces gives the next token. A last box that never closes (a truncated output)
 * is skipped in favour of the one before it. Undefined when there is none or it is empty.
 */
export function extractBoxed(text: string): string | undefined {
  if (!text.includes("\\")) return undefined;
  const starts: number[] = [];
  BOX_RE.lastIndex = 0;
  for (let m = BOX_RE.exec(text); m; m = BOX_RE.exec(text)) starts.push(m.index + m[0].length);
  for (let k = starts.length - 1; k >= 0; k--) {
    const arg = boxArgument(text, starts[k]!);
    if (arg !== undefined) return arg;
  }
  return undefined;
}

/**
 * The last box of a text with its place (`start` of the box command, `end` past its argument),
 * and the boxes right before it that only separators part (`\boxed{1}, \boxed{2} and
 * $\boxed{3}$`): those are one answer of several values, joined as `1, 2, 3`.
 */
export function lastBoxes(text: string): { answer: string; start: number; end: number; count: number } | undefined {
  if (!text.includes("\\")) return undefined;
  const boxes: Array<{ start: number; cmdEnd: number }> = [];
  BOX_RE.lastIndex = 0;
  for (let m = BOX_RE.exec(text); m; m = BOX_RE.exec(text))
    boxes.push({ start: m.index, cmdEnd: m.index + m[0].length });
  for (let k = boxes.length - 1; k >= 0; k--) {
    const b = boxes[k]!;
    const arg = boxArgument(text, b.cmdEnd);
    if (arg === undefined) continue;
    const parts = [arg];
    let start = b.start;
    const end = boxEnd(text, b.cmdEnd);
    for (let j = k - 1; j >= 0; j--) {
      const p = boxes[j]!;
      const pEnd = boxEnd(text, p.cmdEnd);
      const pArg = boxArgument(text, p.cmdEnd);
      if (pArg === undefined || pEnd < 0 || pEnd > start) break;
      if (!SEPARATORS.test(text.slice(pEnd, start))) break;
      parts.unshift(pArg);
      start = p.start;
    }
    return { answer: parts.join(", "), start, end, count: parts.length };
  }
  return undefined;
}

/** What may stand between the boxes of one answer: commas, `and`, `or`, math delimiters, spacing. */
const SEPARATORS = /^(?:\s|,|;|\$|\\[,;:! ]|\\q?quad|\\text\{\s*(?:,|and|or)?\s*\}|\band\b|\bor\b|\\\(|\\\))*$/;

/** Index past the argument of the box command ending at `cmdEnd`, or -1. */
function boxEnd(text: string, cmdEnd: number): number {
  let i = cmdEnd;
  while (i < text.length && (text[i] === " " || text[i] === "\t")) i++;
  if (text[i] === "{") return matchBrace(text, i);
  const m = /^[^\s$}\\]+|^\\[A-Za-z]+/.exec(text.slice(i));
  return m ? i + m[0].length : -1;
}

/**
 * The answer of a GSM8K solution: the text after the last `#### ` line, with thousands commas
 * removed, the sign kept, trimmed. Undefined when there is no such line or it is empty.
 */
export function extractGsm8k(text: string): string | undefined {
  const first = text.indexOf("####");
  if (first < 0) return undefined;
  const re = /^[ \t]*####[ \t]*(.*)$/gm;
  // Start on the line of the first `####`: no match can begin before it.
  re.lastIndex = lineStart(text, first);
  let last: string | undefined;
  for (let m = re.exec(text); m; m = re.exec(text)) last = m[1];
  if (last === undefined) return undefined;
  const out = last.replace(/,(?=\d)/g, "").trim();
  return out === "" ? undefined : out;
}

/** The index where the line holding `i` starts (after the previous line terminator, as regex `^` with the m flag sees it). */
function lineStart(text: string, i: number): number {
  for (let j = i; j > 0; j--) {
    const c = text.charCodeAt(j - 1);
    if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) return j;
  }
  return 0;
}
