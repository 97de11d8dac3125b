import { MathtuneError, type SourceLocation } from "./errors.js";

/**
 * How deep a JSON value may nest (objects and arrays). Deeper values cannot be written back
 * (JSON.stringify and structuredClone recurse), so a record holding one is quarantined with
 * E_TOO_DEEP instead of being altered or aborting the build.
 */
export const JSON_MAX_DEPTH = 256;

/** Index of the quote that ends the string opening at `start` (native searches, not a char loop). */
function stringEnd(text: string, start: number): number {
  let j = text.indexOf('"', start + 1);
  while (j > 0) {
    let b = j - 1;
    while (text.charCodeAt(b) === 0x5c) b--;
    if ((j - 1 - b) % 2 === 0) return j;
    j = text.indexOf('"', j + 1);
  }
  return text.length;
}

export interface JsonTextProblems {
  /** Nesting went past JSON_MAX_DEPTH. */
  tooDeep?: boolean;
  /** The first key an object repeats (JSON.parse keeps only the last value). */
  duplicateKey?: string;
  /** The JSON path of that object (`$`, `$.meta`, `$[3]`). */
  duplicateAt?: string;
}

/**
 * Checks the text of a JSON value that JSON.parse accepted: nesting depth and repeated keys, in one
 * string-aware pass. Returns undefined when there is nothing to report.
 */
export function jsonTextProblems(text: string, maxDepth = JSON_MAX_DEPTH): JsonTextProblems | undefined {
  const n = text.length;
  // Keys of the objects open at each depth (arrays hold undefined), and their paths.
  const keys: (string[] | undefined)[] = [];
  const paths: string[] = [];
  const index: number[] = [];
  let expectKey = false;
  let lastKey = "";
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const j = stringEnd(text, i);
      if (expectKey) {
        const raw = text.slice(i + 1, j);
        const key = raw.includes("\\") ? (JSON.parse(`"${raw}"`) as string) : raw;
        const seen = keys[keys.length - 1]!;
        if (seen.includes(key)) return { duplicateKey: key, duplicateAt: paths[paths.length - 1]! };
        seen.push(key);
        lastKey = key;
        expectKey = false;
      }
      i = j;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      if (keys.length >= maxDepth) return { tooDeep: true };
      const parent = paths.length ? paths[paths.length - 1]! : "";
      const here =
        keys.length === 0
          ? "$"
          : keys[keys.length - 1]
            ? `${parent}.${lastKey}`
            : `${parent}[${index[index.length - 1]}]`;
      paths.push(here);
      if (c === 0x7b) {
        keys.push([]);
        expectKey = true;
      } else keys.push(undefined);
      index.push(0);
    } else if (c === 0x7d || c === 0x5d) {
      keys.pop();
      paths.pop();
      index.pop();
      expectKey = false;
    } else if (c === 0x2c) {
      const top = keys[keys.length - 1];
      if (top) expectKey = true;
      else if (index.length) index[index.length - 1]!++;
    }
  }
  return undefined;
}

/**
 * JSON.parse with the checks a build needs: a repeated key (E_DUPLICATE_KEY, naming the key and
 * where) and nesting deeper than JSON_MAX_DEPTH (E_TOO_DEEP) are errors, not silently altered
 * values. Syntax errors are E_PARSE. Never throws: returns the value or the error.
 */
export function parseJsonChecked(
  text: string,
  location?: SourceLocation,
): { value: unknown } | { error: MathtuneError } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return {
      error: new MathtuneError("E_PARSE", `malformed JSON: ${(e as Error).message}`, {
        cause: e,
        ...(location ? { location } : {}),
        hint: "fix or remove this record",
      }),
    };
  }
  if (typeof value !== "object" || value === null) return { value };
  const p = jsonTextProblems(text);
  if (!p) return { value };
  if (p.tooDeep) {
    return {
      error: new MathtuneError("E_TOO_DEEP", `value nests deeper than ${JSON_MAX_DEPTH} levels`, {
        ...(location ? { location } : {}),
        hint: "flatten this record; nothing this deep can be written back as JSON",
      }),
    };
  }
  return {
    error: new MathtuneError(
      "E_DUPLICATE_KEY",
      `key '${p.duplicateKey}' appears twice in the object at ${p.duplicateAt}; JSON keeps only the last value`,
      {
        ...(location ? { location } : {}),
        hint: "remove one of the two, so it is clear which value is meant",
        details: { key: p.duplicateKey, at: p.duplicateAt },
      },
    ),
  };
}

/**
 * The text of the value of `key` in the top-level object of `text`, as written (`3.50`,
 * `12345678901234567890123`), or undefined. For numbers, whose text JSON.parse does not keep.
 */
export function rawTopLevelValue(text: string, key: string): string | undefined {
  const n = text.length;
  let depth = 0;
  let expectKey = false;
  let capture = -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const j = stringEnd(text, i);
      if (depth === 1 && expectKey) {
        const raw = text.slice(i + 1, j);
        const k = raw.includes("\\") ? (JSON.parse(`"${raw}"`) as string) : raw;
        expectKey = false;
        if (k === key) {
          let m = j + 1;
          while (m < n && text.charCodeAt(m) !== 0x3a) m++;
          capture = m + 1;
          i = m;
          continue;
        }
      }
      i = j;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth === 1 && c === 0x7b) expectKey = true;
    } else if (c === 0x7d || c === 0x5d || c === 0x2c) {
      if (depth === 1 && capture >= 0) return text.slice(capture, i).trim();
      if (c === 0x2c) {
        if (depth === 1) expectKey = true;
      } else depth--;
    }
  }
  return undefined;
}
