/**
 * Strict UTF-8 text input for the generic adapters: whole files (json) and blocks of whole lines
 * (csv), with a leading BOM removed, CRLF turned into LF, and invalid UTF-8 reported as
 * E_ENCODING with the file and the 1-based line of the first bad byte.
 */
import { isUtf8 } from "node:buffer";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { MathtuneError, throwIfAborted } from "@mathtune/core";

const NL = 0x0a;
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function countNewlines(buf: Uint8Array, start = 0, end = buf.length): number {
  let n = 0;
  for (let i = buf.indexOf(NL, start); i >= 0 && i < end; i = buf.indexOf(NL, i + 1)) n++;
  return n;
}

/** The 0-based index of the first line of `buf` (whole lines only) that is not valid UTF-8. */
function firstBadLine(buf: Uint8Array): number {
  let line = 0;
  let start = 0;
  while (start <= buf.length) {
    let end = buf.indexOf(NL, start);
    if (end < 0) end = buf.length;
    if (!isUtf8(buf.subarray(start, end))) return line;
    line++;
    start = end + 1;
  }
  return 0;
}

function encodingError(file: string, line: number, cause: unknown): MathtuneError {
  return new MathtuneError("E_ENCODING", "text is not valid UTF-8", {
    cause,
    location: { file, line },
    hint: "re-encode the file as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)",
  });
}

/** Decodes whole lines; `firstLine` is the 1-based line number of the block's first line. */
function decodeLines(buf: Uint8Array, file: string, firstLine: number): string {
  try {
    return decoder.decode(buf);
  } catch (e) {
    throw encodingError(file, firstLine + firstBadLine(buf), e);
  }
}

function clean(text: string, first: boolean): string {
  const t = first && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return t.includes("\r\n") ? t.replace(/\r\n/g, "\n") : t;
}

/** Reads a whole UTF-8 file as text (BOM removed, CRLF as LF). */
export async function readTextFile(file: string): Promise<string> {
  const buf = await readFile(file);
  return clean(decodeLines(buf, file, 1), true);
}

export interface TextBlock {
  /** Whole lines (the last block may end without a newline), CRLF turned into LF. */
  text: string;
  /** 1-based line number of the block's first line. */
  firstLine: number;
}

/**
 * Streams a UTF-8 file as blocks of whole lines, so that no character and no CRLF pair is ever
 * split between blocks. Throws E_ENCODING naming the line of the first invalid byte.
 */
export async function* readTextBlocks(
  file: string,
  options: {
    signal?: AbortSignal | undefined;
    progress?: ((done: number, total: number | undefined) => void) | undefined;
    size?: number;
  } = {},
): AsyncGenerator<TextBlock> {
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  let carry: Buffer | undefined;
  let line = 1;
  let bytes = 0;
  let first = true;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      throwIfAborted(options.signal);
      bytes += chunk.length;
      const data = carry ? Buffer.concat([carry, chunk]) : chunk;
      const last = data.lastIndexOf(NL);
      if (last < 0) {
        carry = data;
        continue;
      }
      const block = data.subarray(0, last + 1);
      carry = last + 1 < data.length ? Buffer.from(data.subarray(last + 1)) : undefined;
      const text = clean(decodeLines(block, file, line), first);
      first = false;
      yield { text, firstLine: line };
      line += countNewlines(block);
      options.progress?.(bytes, options.size);
    }
  } finally {
    stream.destroy();
  }
  if (carry && carry.length) {
    yield { text: clean(decodeLines(carry, file, line), first), firstLine: line };
  }
}
