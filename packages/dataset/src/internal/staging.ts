import { HashingWriter, type MathRecord, MathtuneError, readRawLineBatches } from "@mathtune/core";
import { SPLITS, type SplitName } from "../recipe.js";

/**
 * The staging file between the build's two passes owns one format: a line per kept record,
 *
 *     source <TAB> stratum <TAB> forced split or "-" <TAB> facet <TAB> the record as JSON
 *
 * with the source's index in the recipe, the record's stratum and card facet (indices), and the
 * split the source pinned it to. JSON.stringify escapes every control character, so the record's
 * text never holds a raw tab or newline: the first four tabs end the prefix and a newline the line.
 */

/** What pass 2 needs to know of a staged record besides the record itself. */
export interface StagedFacts {
  /** The source's index in the recipe. */
  source: number;
  /** The stratum's index in the splitter. */
  stratum: number;
  /** The split the source pinned the record to (`respectSourceSplit`), if any. */
  forced: SplitName | undefined;
  /** The card facet's index. */
  facet: number;
}

/** A staged line read back: its facts and the record's JSON text (a view into the read buffer). */
export interface StagedLine extends StagedFacts {
  json: Buffer;
}

const TAB = 9;
const DASH = 45;

/** One staging line (without its newline) for a record and its facts. */
export function encodeStagingLine(facts: StagedFacts, record: MathRecord): string {
  return `${facts.source}\t${facts.stratum}\t${facts.forced ?? "-"}\t${facts.facet}\t${JSON.stringify(record)}`;
}

function corrupt(line: Buffer, why: string): MathtuneError {
  return new MathtuneError(
    "E_INTERNAL",
    `staging file is corrupt: ${why} in '${line.toString("utf8", 0, Math.min(line.length, 80))}'`,
    {
      hint: "this is a bug in the build (the staging file is written and read by the same build); please report it",
    },
  );
}

function index(line: Buffer, from: number, to: number, what: string): number {
  // What the build writes, digits only, is read from the bytes (no string per field); up to 15
  // digits the sum is exact. Anything else takes the general reading, which says what is wrong.
  if (to > from && to - from <= 15) {
    let n = 0;
    let i = from;
    for (; i < to; i++) {
      const d = line[i]! - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (i === to) return n;
  }
  const text = line.toString("latin1", from, to);
  const n = Number(text);
  if (text === "" || !Number.isInteger(n) || n < 0) throw corrupt(line, `${what} '${text}' is not an index`);
  return n;
}

/** `line.indexOf(TAB, from)`, as a loop: the prefix is a few bytes, shorter than a native call's cost. */
function nextTab(line: Buffer, from: number): number {
  for (let i = from; i < line.length; i++) if (line[i] === TAB) return i;
  return -1;
}

/** Reads a staging line back (without its newline); `json` shares `line`'s memory. */
export function decodeStagingLine(line: Buffer): StagedLine {
  const t1 = nextTab(line, 0);
  const t2 = nextTab(line, t1 + 1);
  const t3 = nextTab(line, t2 + 1);
  const t4 = nextTab(line, t3 + 1);
  if (t1 < 0 || t2 < 0 || t3 < 0 || t4 < 0) throw corrupt(line, "fewer than five fields");
  let forced: SplitName | undefined;
  // `-` (no split pinned, the usual) without making a string of it
  const unpinned = t3 === t2 + 2 && line[t2 + 1] === DASH;
  const forcedText = unpinned ? "-" : line.toString("latin1", t2 + 1, t3);
  if (forcedText !== "-") {
    if (!(SPLITS as readonly string[]).includes(forcedText)) throw corrupt(line, `'${forcedText}' is not a split`);
    forced = forcedText as SplitName;
  }
  return {
    source: index(line, 0, t1, "source"),
    stratum: index(line, t1 + 1, t2, "stratum"),
    forced,
    facet: index(line, t3 + 1, t4, "facet"),
    json: line.subarray(t4 + 1),
  };
}

/** The staging file: written in pass 1, read back in batches in pass 2, then removed. */
export class StagingFile {
  private readonly writer: HashingWriter;
  /** Lines written. */
  lines = 0;
  constructor(readonly path: string) {
    this.writer = new HashingWriter(path, { hash: false });
  }
  /** Stages a record; a Promise when the writer asks to wait (backpressure). */
  write(facts: StagedFacts, record: MathRecord): Promise<void> | undefined {
    this.lines++;
    return this.writer.writeLine(encodeStagingLine(facts, record));
  }
  async close(): Promise<void> {
    await this.writer.close();
  }
  /**
   * The staged lines in batches, decoded. The batches share one reused buffer: a batch's `json`
   * views are valid only until the next batch is asked for (copy or parse what you keep).
   */
  async *read(signal?: AbortSignal): AsyncGenerator<StagedLine[]> {
    for await (const lines of readRawLineBatches(this.path, { reuse: true, ...(signal ? { signal } : {}) })) {
      yield lines.map(decodeStagingLine);
    }
  }
  destroy(): void {
    this.writer.destroy();
  }
}
