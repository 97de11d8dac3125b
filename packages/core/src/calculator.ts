/**
 * GSM8K's calculator annotations: `48/2 = <<48/2=24>>24`. The one pattern of the project (the
 * GSM8K loader, the formats and the grader use it): `<<`, anything but angle brackets and line
 * breaks, `>>`; the group is the annotation's inside (`48/2=24`).
 */
const CALCULATOR_ANNOTATION = /<<([^<>\n]*)>>/g;

/** The insides of a text's calculator annotations, in order: `4+5=<<4+5=9>>9` gives `["4+5=9"]`. */
export function calculatorAnnotations(text: string): string[] {
  const out: string[] = [];
  if (!text.includes("<<")) return out;
  // An exec loop: a third of the time of Array.from(matchAll) (no iterator), and this runs for every
  // GSM8K record, in the loader and in the answer checks. The last exec, finding none, resets lastIndex.
  CALCULATOR_ANNOTATION.lastIndex = 0;
  for (let m = CALCULATOR_ANNOTATION.exec(text); m; m = CALCULATOR_ANNOTATION.exec(text)) out.push(m[1]!);
  return out;
}

/** Removes GSM8K calculator annotations: `48/2 = <<48/2=24>>24` becomes `48/2 = 24`. */
export function stripCalculatorAnnotations(text: string): string {
  return text.includes("<<") ? text.replace(CALCULATOR_ANNOTATION, "") : text;
}
