import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MathRecord } from "@mathtune/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StagedFacts, StagingFile, decodeStagingLine, encodeStagingLine } from "../src/internal/staging.js";

const record = (id: string, problem: string, extra: Partial<MathRecord> = {}): MathRecord =>
  ({ id, source: "t", problem, solution: `solution of ${id}`, answer: "7", lang: "en", ...extra }) as MathRecord;

// Fields holding what could break a line format: tabs, newlines, CR, NUL and other controls, the
// line and paragraph separators (which JSON leaves raw), non-Latin scripts, emoji and a lone surrogate.
const awkward: MathRecord[] = [
  record("tab\tid", "a\tb\t\tc", { solution: "line 1\nline 2\r\nline 3", answer: "\t42\n" }),
  record("unicode", "计算 ١٢ + ٥ = ? 🧮 naïve ﬁ \u2028sep\u2029para", { lang: "zh", category: "算术", difficulty: 3 }),
  record("controls", "nul\u0000 bell\u0007 esc\u001b del\u007f", {
    meta: { nested: { tabs: "\t\t", list: ["\n", "\u001f"] } },
  }),
  record("surrogate", "lone \ud800 half", { answer: "\\frac{1}{2}" }),
  record("-", "-", { category: "-", answer: "-" }),
];

const facts: StagedFacts[] = [
  { source: 0, stratum: 0, forced: undefined, facet: 0 },
  { source: 3, stratum: 12, forced: "train", facet: 7 },
  { source: 10, stratum: 4, forced: "validation", facet: 123 },
  { source: 1, stratum: 99999, forced: "test", facet: 2 },
  { source: 2, stratum: 5, forced: undefined, facet: 0 },
];

describe("staging line format", () => {
  it("encodes a record on one line whose first four tabs end the prefix", () => {
    for (const [i, r] of awkward.entries()) {
      const line = encodeStagingLine(facts[i]!, r);
      expect(line).not.toMatch(/\n|\r/);
      const fields = line.split("\t");
      expect(fields).toHaveLength(5);
      expect(fields.slice(0, 4)).toEqual([
        String(facts[i]!.source),
        String(facts[i]!.stratum),
        facts[i]!.forced ?? "-",
        String(facts[i]!.facet),
      ]);
    }
  });

  it("decodes what it encodes: the facts and the record, tabs, newlines and unicode included", () => {
    for (const [i, r] of awkward.entries()) {
      const decoded = decodeStagingLine(Buffer.from(encodeStagingLine(facts[i]!, r), "utf8"));
      const { json, ...rest } = decoded;
      expect(rest).toEqual(facts[i]);
      expect(JSON.parse(json.toString("utf8"))).toEqual(JSON.parse(JSON.stringify(r)));
      // The record's text is staged as JSON.stringify writes it (the JSON-lines output takes it as is).
      expect(json.toString("utf8")).toBe(JSON.stringify(r));
    }
  });

  it("refuses a corrupt line, saying what is wrong", () => {
    const good = encodeStagingLine(facts[1]!, awkward[0]!);
    expect(() => decodeStagingLine(Buffer.from("1\t2\t-"))).toThrow(/staging file is corrupt: fewer than five fields/);
    expect(() => decodeStagingLine(Buffer.from(good.replace("\ttrain\t", "\tholdout\t")))).toThrow(
      /'holdout' is not a split/,
    );
    expect(() => decodeStagingLine(Buffer.from(`x${good}`))).toThrow(/source 'x3' is not an index/);
    expect(() => decodeStagingLine(Buffer.from(good.replace(/^3\t12/, "3\t")))).toThrow(/stratum '' is not an index/);
    expect(() => decodeStagingLine(Buffer.from(good.replace(/^3\t12\ttrain\t7/, "3\t12\ttrain\t-1")))).toThrow(
      /facet '-1' is not an index/,
    );
  });
});

describe("staging line reading", () => {
  // The reading as first written, with a string per field: the byte loops must read every prefix as it did.
  const reference = (line: Buffer) => {
    const t1 = line.indexOf(9);
    const t2 = line.indexOf(9, t1 + 1);
    const t3 = line.indexOf(9, t2 + 1);
    const t4 = line.indexOf(9, t3 + 1);
    if (t1 < 0 || t2 < 0 || t3 < 0 || t4 < 0) return "fewer than five fields";
    const num = (from: number, to: number) => {
      const text = line.toString("latin1", from, to);
      const n = Number(text);
      return text === "" || !Number.isInteger(n) || n < 0 ? `'${text}' is not an index` : n;
    };
    const forced = line.toString("latin1", t2 + 1, t3);
    if (forced !== "-" && !["train", "validation", "test"].includes(forced)) return `'${forced}' is not a split`;
    for (const v of [num(0, t1), num(t1 + 1, t2), num(t3 + 1, t4)]) if (typeof v === "string") return v;
    return {
      source: num(0, t1),
      stratum: num(t1 + 1, t2),
      forced: forced === "-" ? undefined : forced,
      facet: num(t3 + 1, t4),
    };
  };
  const read = (line: Buffer) => {
    try {
      const { json: _, ...facts } = decodeStagingLine(line);
      return facts;
    } catch (e) {
      return (e as Error).message.match(/fewer than five fields|'[^']*' is not (?:an index|a split)/)?.[0];
    }
  };

  it("reads every prefix as reading each field as a string does", () => {
    const field = fc.oneof(
      fc.nat().map(String),
      fc.constantFrom(
        "0",
        "007",
        "9007199254740993",
        "123456789012345",
        "1234567890123456",
        "1e3",
        "0x10",
        " 1",
        "-1",
        "1.5",
        "",
      ),
      fc.stringMatching(/^[0-9e.x+ -]{0,17}$/),
    );
    const split = fc.constantFrom("-", "--", "train", "validation", "test", "holdout", "", "-x");
    const line = fc.tuple(field, field, split, field).map(([a, b, c, d]) => Buffer.from(`${a}\t${b}\t${c}\t${d}\t{}`));
    fc.assert(
      fc.property(line, (l) => {
        expect(read(l)).toEqual(reference(l));
      }),
      { numRuns: 5000 },
    );
    expect(read(Buffer.from("1\t2\t-"))).toBe("fewer than five fields");
  });
});

describe("StagingFile", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mt-staging-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads back, in order and in batches, every record it wrote", async () => {
    const staging = new StagingFile(join(dir, ".staging.jsonl"));
    const written: { facts: StagedFacts; record: MathRecord }[] = [];
    // Enough lines (~2.5 MB) that the reader's buffer fills and lines cross its chunks.
    for (let i = 0; i < 6000; i++) {
      const r = {
        ...awkward[i % awkward.length]!,
        id: `r${i}`,
        problem: `${awkward[i % awkward.length]!.problem} ${"x\t".repeat(i % 200)}`,
      };
      const f: StagedFacts = {
        source: i % 11,
        stratum: i % 17,
        forced: (["train", "validation", "test", undefined] as const)[i % 4],
        facet: i % 23,
      };
      written.push({ facts: f, record: r });
      const p = staging.write(f, r);
      if (p) await p;
    }
    await staging.close();
    expect(staging.lines).toBe(6000);
    const text = await readFile(staging.path, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    expect(text.split("\n")).toHaveLength(6001);

    const read: { facts: StagedFacts; record: unknown }[] = [];
    let batches = 0;
    for await (const lines of staging.read()) {
      batches++;
      // The JSON views are only valid until the next batch: parse them now.
      for (const { json, ...f } of lines) read.push({ facts: f, record: JSON.parse(json.toString("utf8")) });
    }
    expect(batches).toBeGreaterThan(1);
    expect(read).toEqual(written.map((w) => ({ facts: w.facts, record: JSON.parse(JSON.stringify(w.record)) })));
    staging.destroy();
  });
});
