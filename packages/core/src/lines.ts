import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { MathtuneError, throwIfAborted } from "./errors.js";
import { parseJsonChecked } from "./json.js";

/**
 * An item of `readLines`: a line's text, or the error of a line that is not UTF-8; `last` and `terminated` say
 * whether it ended the file and with a line break.
 */
export type LineItem =
  | { line: number; text: string; last: boolean; terminated: boolean }
  | { line: number; error: MathtuneError; raw: RawBytes; last: boolean; terminated: boolean };

/** Input bytes that are not UTF-8, kept as read (base64) for the quarantine. */
export interface RawBytes {
  base64: string;
}

/** Options of `readLines` and `readJsonLines`. */
export interface ReadLinesOptions {
  signal?: AbortSignal;
  /** Called with bytes read so far and the file size. */
  progress?: (done: number, total: number) => void;
  /** Name used in errors instead of the path. */
  displayName?: string;
  highWaterMark?: number;
}

/** Checks that `path` exists and is a regular file; throws E_INPUT_NOT_FOUND / E_INPUT_NOT_FILE. */
export async function assertFile(path: string): Promise<number> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw new MathtuneError("E_INPUT_NOT_FOUND", `no such file: ${path}`, {
      cause: e,
      hint: "check the path in the recipe or on the command line",
    });
  }
  if (!st.isFile()) {
    throw new MathtuneError(
      "E_INPUT_NOT_FILE",
      `${path} is ${st.isDirectory() ? "a directory" : "not a regular file"}, expected a file`,
      {
        hint: "point the source at a file, or use the adapter that reads folders",
      },
    );
  }
  return st.size;
}

const NL = 0x0a;
const CR = 0x0d;

/**
 * Streams the lines of a UTF-8 text file: 1-based line numbers, a leading BOM removed, CRLF and LF
 * both accepted, each line decoded strictly (invalid UTF-8 yields an E_ENCODING item for that
 * line, not a crash). `terminated` is false for a final line without a newline.
 */
export async function* readLines(path: string, options: ReadLinesOptions = {}): AsyncGenerator<LineItem> {
  const size = await assertFile(path);
  const name = options.displayName ?? path;
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  const stream = createReadStream(path, { highWaterMark: options.highWaterMark ?? 1 << 20 });
  let carry: Buffer | undefined;
  let lineNo = 0;
  let bytes = 0;
  let pending: Buffer | undefined; // the previous complete line, held back to know if it is the last
  const emit = (buf: Buffer, last: boolean, terminated: boolean): LineItem => {
    let end = buf.length;
    if (terminated && end > 0 && buf[end - 1] === CR) end--;
    else if (!terminated && end > 0 && buf[end - 1] === CR) end--;
    const body = buf.subarray(0, end);
    lineNo++;
    try {
      let text = decoder.decode(body);
      if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      return { line: lineNo, text, last, terminated };
    } catch (e) {
      const raw = { base64: body.toString("base64") };
      return {
        line: lineNo,
        raw,
        last,
        terminated,
        error: new MathtuneError("E_ENCODING", "line is not valid UTF-8", {
          cause: e,
          location: { file: name, line: lineNo },
          hint: "re-encode the file as UTF-8 (e.g. iconv -t UTF-8)",
        }),
      };
    }
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      throwIfAborted(options.signal);
      bytes += chunk.length;
      let data = carry ? Buffer.concat([carry, chunk]) : chunk;
      carry = undefined;
      let start = 0;
      for (;;) {
        const nl = data.indexOf(NL, start);
        if (nl < 0) break;
        if (pending) yield emit(pending, false, true);
        pending = data.subarray(start, nl);
        start = nl + 1;
      }
      if (start < data.length) carry = Buffer.from(data.subarray(start));
      // `pending` may point into `data`; copy it so the next chunk's buffer can be released.
      if (pending && pending.buffer === data.buffer) pending = Buffer.from(pending);
      data = Buffer.alloc(0);
      options.progress?.(bytes, size);
    }
  } finally {
    stream.destroy();
  }
  if (carry && carry.length) {
    if (pending) yield emit(pending, false, true);
    yield emit(carry, true, false);
  } else if (pending) {
    yield emit(pending, true, true);
  }
}

/** An item of `readJsonLines`: a parsed value with its line, or the error of a line that is not JSON. */
export type JsonLineItem =
  | { line: number; value: unknown; text: string }
  | { line: number; error: MathtuneError; text: string | RawBytes };

/**
 * Streams the JSON values of a JSON-lines file. Blank lines are skipped. A line that does not
 * parse yields an E_PARSE item (E_INPUT_TRUNCATED for an unterminated last line), with file:line.
 */
export async function* readJsonLines(path: string, options: ReadLinesOptions = {}): AsyncGenerator<JsonLineItem> {
  const name = options.displayName ?? path;
  for await (const item of readLines(path, options)) {
    if ("error" in item) {
      yield { line: item.line, error: item.error, text: item.raw };
      continue;
    }
    if (item.text.trim() === "") continue;
    // JSON.parse, plus the checks it does not make: a repeated key, nesting too deep to write back.
    const parsed = parseJsonChecked(item.text, { file: name, line: item.line });
    if ("value" in parsed) {
      yield { line: item.line, value: parsed.value, text: item.text };
      continue;
    }
    const e = parsed.error;
    const truncated = e.code === "E_PARSE" && item.last && !item.terminated;
    yield {
      line: item.line,
      text: item.text,
      error: truncated
        ? new MathtuneError("E_INPUT_TRUNCATED", `file ends inside a JSON value: ${(e.cause as Error).message}`, {
            cause: e.cause,
            location: { file: name, line: item.line },
            hint: "the file looks cut off; re-download or regenerate it",
          })
        : e,
    };
  }
}

/**
 * Streams the lines of a file as raw bytes, a chunk's worth at a time, for files this library
 * wrote itself (no decoding, no BOM or CRLF handling). Each line excludes its newline.
 *
 * With `reuse`, every batch is read into the same buffer: a batch's lines are only valid until the
 * next one is asked for (copy what you keep). Nothing is allocated per chunk, so a long read makes
 * no garbage for the collector to catch up with.
 */
export async function* readRawLineBatches(
  path: string,
  options: { signal?: AbortSignal; highWaterMark?: number; reuse?: boolean } = {},
): AsyncGenerator<Buffer[]> {
  await assertFile(path);
  if (options.reuse) {
    yield* readRawLineBatchesInPlace(path, options.highWaterMark ?? 1 << 20, options.signal);
    return;
  }
  const stream = createReadStream(path, { highWaterMark: options.highWaterMark ?? 1 << 20 });
  let carry: Buffer | undefined;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      throwIfAborted(options.signal);
      const out: Buffer[] = [];
      let start = 0;
      if (carry) {
        // Only the line cut at the chunk's start is joined; the rest is read in place.
        const nl = chunk.indexOf(NL);
        if (nl < 0) {
          carry = Buffer.concat([carry, chunk]);
          continue;
        }
        out.push(Buffer.concat([carry, chunk.subarray(0, nl)]));
        carry = undefined;
        start = nl + 1;
      }
      for (;;) {
        const nl = chunk.indexOf(NL, start);
        if (nl < 0) break;
        out.push(chunk.subarray(start, nl));
        start = nl + 1;
      }
      if (start < chunk.length) carry = Buffer.from(chunk.subarray(start));
      if (out.length) yield out;
    }
  } finally {
    stream.destroy();
  }
  if (carry && carry.length) yield [carry];
}

async function* readRawLineBatchesInPlace(
  path: string,
  size: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<Buffer[]> {
  const fh = await open(path, "r");
  try {
    let buf = Buffer.allocUnsafe(size);
    let kept = 0; // bytes of a line cut by the previous read, moved to the start
    for (;;) {
      throwIfAborted(signal);
      if (kept === buf.length) {
        // one line longer than the buffer: grow it
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, kept);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, kept, buf.length - kept, null);
      if (bytesRead === 0) {
        if (kept > 0) yield [buf.subarray(0, kept)];
        return;
      }
      const end = kept + bytesRead;
      const out: Buffer[] = [];
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(NL, start);
        if (nl < 0 || nl >= end) break;
        out.push(buf.subarray(start, nl));
        start = nl + 1;
      }
      if (out.length) yield out;
      buf.copy(buf, 0, start, end);
      kept = end - start;
    }
  } finally {
    await fh.close();
  }
}
