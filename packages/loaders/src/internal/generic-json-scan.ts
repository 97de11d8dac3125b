/**
 * Finds the rows of a JSON document (a top-level array, or an array under a key of a top-level
 * object) without parsing the whole document at once: each row is cut out by a bracket- and
 * string-aware scan and parsed on its own. So every row knows its line, one malformed row is a
 * rejection instead of the end of the load, and a cut-off file is reported where it ends.
 */
import { MathtuneError, parseJsonChecked } from "@mathtune/core";

export type JsonRowItem =
  | { index: number; line: number; value: unknown; text: string }
  | { index: number; line: number; error: MathtuneError; text: string };

export interface ScanResult {
  /** Where the rows were found: `top level` or `'key'`. */
  where: string;
  rows: Generator<JsonRowItem>;
}

const DEFAULT_KEYS = ["records", "data"];

/** Line numbers of character offsets, fast for offsets that mostly increase. */
class LineIndex {
  private pos = 0;
  private line = 1;
  constructor(private readonly text: string) {}
  at(offset: number): number {
    if (offset < this.pos) {
      this.pos = 0;
      this.line = 1;
    }
    for (let i = this.text.indexOf("\n", this.pos); i >= 0 && i < offset; i = this.text.indexOf("\n", i + 1))
      this.line++;
    this.pos = offset;
    return this.line;
  }
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Drops the copy of the input that V8 puts into some JSON.parse messages. */
function v8Reason(e: unknown): string {
  const m = String((e as Error)?.message ?? e);
  const cut = /^(.*?),\s*(?:"|\.\.\.").*$/s.exec(m);
  return (cut ? cut[1]! : m).slice(0, 200);
}

/** Scans JSON `text`; structural errors throw E_PARSE / E_INPUT_TRUNCATED naming file:line. */
export function scanJsonRows(text: string, file: string, recordsField: string | undefined): ScanResult {
  const n = text.length;
  const lines = new LineIndex(text);
  const fail = (code: "E_PARSE" | "E_INPUT_TRUNCATED", message: string, at: number, hint?: string) =>
    new MathtuneError(code, message, {
      location: { file, line: lines.at(Math.min(at, n)) },
      hint:
        hint ??
        (code === "E_INPUT_TRUNCATED"
          ? "the file looks cut off; re-download or regenerate it"
          : "check the file with a JSON validator (e.g. jq . file.json)"),
    });
  const ws = (i: number): number => {
    while (i < n && isWs(text.charCodeAt(i))) i++;
    return i;
  };
  /** End (exclusive) of the string starting at i, or -1 at end of text. */
  const stringEnd = (i: number): number => {
    let j = i + 1;
    for (;;) {
      const q = text.indexOf('"', j);
      if (q < 0) return -1;
      let k = q - 1;
      while (text.charCodeAt(k) === 0x5c) k--;
      if ((q - 1 - k) % 2 === 0) return q + 1;
      j = q + 1;
    }
  };
  /** End (exclusive) of the value starting at i, or -1 when the text ends inside it. */
  const valueEnd = (i: number): number => {
    const c = text.charCodeAt(i);
    if (c === 0x22) return stringEnd(i);
    if (c === 0x7b || c === 0x5b) {
      let depth = 0;
      for (let j = i; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d === 0x22) {
          const e = stringEnd(j);
          if (e < 0) return -1;
          j = e - 1;
        } else if (d === 0x7b || d === 0x5b) depth++;
        else if (d === 0x7d || d === 0x5d) {
          depth--;
          if (depth === 0) return j + 1;
        }
      }
      return -1;
    }
    let j = i;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d === 0x2c || d === 0x5d || d === 0x7d || isWs(d)) break;
      j++;
    }
    return j === i ? i + 1 : j;
  };

  const start = ws(0);
  let arrayAt: number;
  let where = "top level";
  const first = text.charCodeAt(start);
  if (first === 0x5b) {
    if (recordsField)
      throw fail(
        "E_PARSE",
        `the top level is an array, but recordsField '${recordsField}' names a key of an object`,
        start,
        "drop recordsField",
      );
    arrayAt = start;
  } else if (first === 0x7b) {
    // walk the members of the top-level object, checking the ones that are not the rows
    const members: { key: string; at: number; end: number; array: boolean }[] = [];
    let i = ws(start + 1);
    let closed = false;
    if (text.charCodeAt(i) === 0x7d) closed = true;
    while (!closed) {
      if (i >= n) throw fail("E_INPUT_TRUNCATED", "file ends inside the top-level object", i);
      if (text.charCodeAt(i) !== 0x22) throw fail("E_PARSE", "malformed JSON: expected a quoted key", i);
      const kEnd = stringEnd(i);
      if (kEnd < 0) throw fail("E_INPUT_TRUNCATED", "file ends inside a key", i);
      let key: string;
      try {
        key = JSON.parse(text.slice(i, kEnd)) as string;
      } catch (e) {
        throw fail("E_PARSE", `malformed JSON: bad key: ${v8Reason(e)}`, i);
      }
      i = ws(kEnd);
      if (text.charCodeAt(i) !== 0x3a)
        throw i >= n
          ? fail("E_INPUT_TRUNCATED", "file ends after a key", i)
          : fail("E_PARSE", `malformed JSON: expected ':' after key '${key}'`, i);
      const at = ws(i + 1);
      if (at >= n) throw fail("E_INPUT_TRUNCATED", `file ends before the value of '${key}'`, at);
      const end = valueEnd(at);
      members.push({ key, at, end, array: text.charCodeAt(at) === 0x5b });
      if (end < 0) break; // cut off inside this value
      i = ws(end);
      const sep = text.charCodeAt(i);
      if (sep === 0x2c) i = ws(i + 1);
      else if (sep === 0x7d) closed = true;
      else if (i >= n) throw fail("E_INPUT_TRUNCATED", "file ends inside the top-level object", i);
      else throw fail("E_PARSE", `malformed JSON: expected ',' or '}' after the value of '${key}'`, i);
    }
    const chosen = recordsField
      ? members.find((m) => m.key === recordsField)
      : DEFAULT_KEYS.map((k) => members.find((m) => m.key === k && m.array)).find((m) => m !== undefined);
    if (!chosen || !chosen.array) {
      const truncated = members.at(-1)?.end === -1;
      if (truncated) throw fail("E_INPUT_TRUNCATED", "file ends inside the top-level object", n);
      const arrays = members.filter((m) => m.array).map((m) => m.key);
      throw new MathtuneError(
        "E_PARSE",
        recordsField
          ? `key '${recordsField}' ${chosen ? "is not an array" : "is missing"}`
          : `expected an array of rows, or an object with a 'records' or 'data' array; found an object with keys ${
              members
                .map((m) => m.key)
                .slice(0, 20)
                .join(", ") || "(none)"
            }`,
        {
          location: { file },
          hint: arrays.length
            ? `set recordsField to one of: ${arrays.join(", ")}`
            : "point the adapter at a file holding an array of rows",
        },
      );
    }
    for (const m of members) {
      if (m === chosen) continue;
      try {
        JSON.parse(text.slice(m.at, m.end < 0 ? n : m.end));
      } catch (e) {
        throw fail(
          m.end < 0 ? "E_INPUT_TRUNCATED" : "E_PARSE",
          `malformed JSON in the value of '${m.key}': ${v8Reason(e)}`,
          m.at,
        );
      }
    }
    if (closed) {
      const after = ws(i + 1);
      if (after < n) throw fail("E_PARSE", "malformed JSON: text after the top-level object", after);
    }
    arrayAt = chosen.at;
    where = `'${chosen.key}'`;
  } else {
    let what = "nothing";
    try {
      const v: unknown = JSON.parse(text);
      what = `a JSON ${v === null ? "null" : typeof v}`;
    } catch (e) {
      throw fail("E_PARSE", `malformed JSON: ${v8Reason(e)}`, start);
    }
    throw new MathtuneError("E_PARSE", `expected an array of rows, got ${what}`, { location: { file } });
  }

  const topLevel = where === "top level";
  function* rows(): Generator<JsonRowItem> {
    let i = ws(arrayAt + 1);
    let index = 0;
    let open = text.charCodeAt(i) !== 0x5d;
    if (!open) i++;
    while (open) {
      if (i >= n) {
        yield {
          index,
          line: lines.at(n),
          error: fail("E_INPUT_TRUNCATED", "file ends inside the row array (no closing ])", n),
          text: "",
        };
        return;
      }
      const at = i;
      const line = lines.at(at);
      const end = valueEnd(at);
      if (end < 0) {
        yield {
          index,
          line,
          error: fail("E_INPUT_TRUNCATED", "file ends inside this row", at),
          text: text.slice(at, at + 1000),
        };
        return;
      }
      const slice = text.slice(at, end);
      let item: JsonRowItem;
      const parsed = parseJsonChecked(slice, { file, line });
      if ("value" in parsed) item = { index, line, value: parsed.value, text: slice };
      else if (parsed.error.code !== "E_PARSE") item = { index, line, error: parsed.error, text: slice };
      else {
        const e = parsed.error.cause;
        const pos = /at position (\d+)/.exec(String((e as Error).message));
        item = {
          index,
          line,
          error: fail("E_PARSE", `malformed JSON: ${v8Reason(e)}`, pos ? at + Number(pos[1]) : at),
          text: slice,
        };
      }
      yield item;
      index++;
      i = ws(end);
      const sep = text.charCodeAt(i);
      if (sep === 0x2c) {
        i = ws(i + 1);
        continue;
      }
      if (sep === 0x5d) {
        i++;
        open = false;
        continue;
      }
      if (i >= n) {
        yield {
          index,
          line: lines.at(n),
          error: fail("E_INPUT_TRUNCATED", "file ends inside the row array (no closing ])", n),
          text: "",
        };
        return;
      }
      throw fail("E_PARSE", `malformed JSON: expected ',' or ']' after row ${index - 1}`, i);
    }
    if (topLevel) {
      const after = ws(i);
      if (after < n) throw fail("E_PARSE", "malformed JSON: text after the top-level array", after);
    }
  }
  return { where, rows: rows() };
}
