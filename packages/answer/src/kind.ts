import type { AnswerKind } from "@mathtune/core";

const FUNCTIONS = new Set([
  "sqrt",
  "exp",
  "log",
  "ln",
  "sin",
  "cos",
  "tan",
  "asin",
  "acos",
  "atan",
  "sinh",
  "cosh",
  "tanh",
  "pi",
  "oo",
  "abs",
  "E",
  "I",
]);

/** True when `s` has a comma outside every bracket pair. */
export function hasTopLevelComma(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === "," && depth === 0) return true;
  }
  return false;
}

/**
 * Classifies an answer string (as found in GSM8K, MATH and DeepMind mathematics_dataset):
 * `42` integer, `-0.5` / `1e-3` decimal, `-2/7` fraction, `\frac{1}{2}` latex, `r**(3023/204)`
 * expression, `True` boolean, `10:09 PM` time, `1, 2, 3` list, empty none, anything else text.
 */
export function answerKind(answer: string): AnswerKind {
  const s = answer.trim();
  if (s === "") return "none";
  if (/^(true|false)$/i.test(s)) return "boolean";
  if (/^[+-]?(\d+|\d{1,3}(,\d{3})+)$/.test(s)) return "integer";
  if (/^[+-]?(\d+\.\d*|\.\d+|\d+(\.\d*)?[eE][+-]?\d+)$/.test(s)) return "decimal";
  if (/^[+-]?\d+\s*\/\s*\d+$/.test(s)) return "fraction";
  if (/^\d{1,2}:\d{2}(:\d{2})?(\s*[AaPp]\.?[Mm]\.?)?$/.test(s)) return "time";
  if (/[\\{}$]|\^\{|_\{/.test(s)) return "latex";
  if (hasTopLevelComma(s)) return "list";
  if (/^[A-Za-z0-9_+\-*/^().\s=<>!]+$/.test(s)) {
    const words = s.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
    if (words.every((w) => w.length === 1 || FUNCTIONS.has(w))) return "expression";
  }
  return "text";
}
