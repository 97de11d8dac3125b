import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type MathRecord, readRawLineBatches, type Stage, writeFileAtomic } from "@mathtune/core";
import { mulberry32 } from "@mathtune/core/internal";
import type { ChatMessage } from "@mathtune/format";
import { barSpec, type Bin, chartSvg, type Count, histogramSpec } from "./charts.js";
import { chartBlock, esc, page, table } from "./html.js";
import { type Highlight, renderMathText } from "./math.js";

const SPLITS = ["train", "validation", "test"] as const;
type Split = (typeof SPLITS)[number];
/** Edges of the length bins (characters); the last bin is open. */
export const LENGTH_EDGES = [0, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000] as const;
const MAX_KEYS = 5000;
const CHART_ROWS = 40;

interface LatexFinding {
  field: string;
  offset: number;
  length: number;
  excerpt?: string;
  code: string;
  message: string;
}

/** A record with LaTeX findings, kept (flagged) or quarantined. */
interface FindingExample {
  record: MathRecord;
  findings: LatexFinding[];
  status: "kept" | "quarantined";
  location?: string | null;
}

function bump(m: Map<string, number>, k: string): void {
  if (!m.has(k) && m.size >= MAX_KEYS) k = "(other)";
  m.set(k, (m.get(k) ?? 0) + 1);
}

function binOf(n: number): number {
  let i = LENGTH_EDGES.length - 1;
  while (i > 0 && n < LENGTH_EDGES[i]!) i--;
  return i;
}

/**
 * Collects what the dataset report shows while the build streams, in bounded memory: counts per
 * category, difficulty, language and source, length histograms, and the first records with LaTeX
 * findings. `stage` is a pass-through build stage; put it after the checks.
 */
export class DatasetReportCollector {
  readonly category = new Map<string, number>();
  readonly difficulty = new Map<string, number>();
  readonly lang = new Map<string, number>();
  readonly adapter = new Map<string, number>();
  readonly lengths: Record<"problem" | "solution", number[]> = {
    problem: LENGTH_EDGES.map(() => 0),
    solution: LENGTH_EDGES.map(() => 0),
  };
  readonly findings: FindingExample[] = [];
  records = 0;
  readonly maxFindings: number;
  readonly stage: Stage;

  constructor(opts: { maxFindings?: number } = {}) {
    this.maxFindings = opts.maxFindings ?? 20;
    this.stage = { name: "report", process: (batch) => (batch.forEach((r) => this.add(r)), [...batch]) };
  }

  /** Counts one record (call it for every record the build writes). */
  add(r: MathRecord): void {
    this.records++;
    bump(this.category, r.category ?? "(none)");
    bump(this.difficulty, r.difficulty === undefined ? "(none)" : String(r.difficulty));
    bump(this.lang, r.lang ?? "(none)");
    bump(this.adapter, r.source);
    this.lengths.problem[binOf(r.problem.length)]!++;
    if (typeof r.solution === "string") this.lengths.solution[binOf(r.solution.length)]!++;
    const latex = (r.meta as { latex?: unknown } | undefined)?.latex;
    if (Array.isArray(latex) && latex.length && this.findings.length < this.maxFindings)
      this.findings.push({ record: r, findings: latex as LatexFinding[], status: "kept" });
  }
}

/** Options of `renderDatasetReport` and `writeDatasetReport`. */
export interface DatasetReportOptions {
  /** The build's manifest (as written to manifest.json). */
  manifest: Record<string, unknown>;
  collector: DatasetReportCollector;
  /** The recipe's `output.formatOptions`, to show samples as the chat turns the model will see. */
  formatOptions?: Record<string, unknown>;
  baseDir?: string;
  /** Records shown per split (default 4). */
  samples?: number;
  /** Quarantined examples shown per error code (default 3). */
  examplesPerCode?: number;
  signal?: AbortSignal;
}

interface QuarantineEntry {
  code: string;
  message: string;
  source?: string;
  stage?: string;
  location?: string | null;
  id?: string;
  raw?: unknown;
}

interface ManifestShape {
  seed?: number;
  recipe?: { name?: string };
  counts?: {
    read: number;
    written: number;
    quarantined: number;
    splits: Record<Split, number>;
    sources: Record<string, { read: number; written: number; quarantined: number; splits: Record<Split, number> }>;
    quarantineByCode: Record<string, number>;
  };
}

/** `k` distinct indices in [0, n), chosen by the seeded generator (Floyd's algorithm), sorted. */
export function sampleIndices(n: number, k: number, seed: number): number[] {
  const rand = mulberry32(seed);
  const chosen = new Set<number>();
  for (let j = n - Math.min(k, n); j < n; j++) {
    const t = Math.floor(rand() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].sort((a, b) => a - b);
}

const dollarsFor = (r: MathRecord): boolean => r.source !== "gsm8k";
const short = (s: string, n = 600): string => (s.length > n ? `${s.slice(0, n)}…` : s);
const num = (n: number, key: string): string => `<span data-k="${esc(key)}">${n}</span>`;

function sortedCounts(m: Map<string, number>): Count[] {
  const rows = [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const head = rows.slice(0, CHART_ROWS).map(([label, count]) => ({ label, count }));
  const rest = rows.slice(CHART_ROWS).reduce((a, [, c]) => a + c, 0);
  return rest ? [...head, { label: `(${rows.length - CHART_ROWS} more)`, count: rest }] : head;
}

/** Marks the words of a decontamination span (lower-cased, space-separated) in a text. */
export function spanRange(text: string, span: string): Highlight | undefined {
  const words = span
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  if (!words.length) return undefined;
  const m = new RegExp(words.join("[^\\p{L}\\p{N}]+"), "iu").exec(text);
  return m ? { start: m.index, end: m.index + m[0].length } : undefined;
}

/** The longest run of words two texts share, as a range in each (for near duplicates). */
export function commonRun(a: string, b: string): [Highlight, Highlight] | undefined {
  const tok = (s: string) =>
    [...s.slice(0, 4000).matchAll(/\S+/g)].map((m) => ({
      w: m[0].toLowerCase(),
      s: m.index,
      e: m.index + m[0].length,
    }));
  const A = tok(a);
  const B = tok(b);
  let best = 0;
  let ai = 0;
  let bi = 0;
  let prev = new Array<number>(B.length + 1).fill(0);
  for (let i = 1; i <= A.length; i++) {
    const cur = new Array<number>(B.length + 1).fill(0);
    for (let j = 1; j <= B.length; j++) {
      if (A[i - 1]!.w === B[j - 1]!.w) {
        cur[j] = prev[j - 1]! + 1;
        if (cur[j]! > best) [best, ai, bi] = [cur[j]!, i, j];
      }
    }
    prev = cur;
  }
  if (!best) return undefined;
  return [
    { start: A[ai - best]!.s, end: A[ai - 1]!.e },
    { start: B[bi - best]!.s, end: B[bi - 1]!.e },
  ];
}

function recordText(r: MathRecord, highlights: Partial<Record<string, Highlight[]>> = {}): string {
  const d = dollarsFor(r);
  const parts = [
    `<div class="turn user"><span class="role">problem</span>${renderMathText(r.problem, { dollars: d, highlights: highlights.problem ?? [] })}</div>`,
  ];
  if (typeof r.solution === "string")
    parts.push(
      `<div class="turn assistant"><span class="role">solution</span>${renderMathText(short(r.solution, 1500), { dollars: d, highlights: highlights.solution ?? [] })}</div>`,
    );
  // the answer field is bare LaTeX: shown as math unless it has delimiters of its own (or a finding to mark)
  if (typeof r.answer === "string") {
    const bare = !/\$|\\\(|\\\[/.test(r.answer) && !highlights.answer?.length;
    parts.push(
      `<div class="turn"><span class="role">answer</span>${bare ? renderMathText(`\\(${r.answer}\\)`) : renderMathText(r.answer, { dollars: d, highlights: highlights.answer ?? [] })}</div>`,
    );
  }
  return parts.join("");
}

const isRecord = (x: unknown): x is MathRecord =>
  typeof x === "object" &&
  x !== null &&
  typeof (x as MathRecord).problem === "string" &&
  typeof (x as MathRecord).id === "string";

/**
 * Writes `report.html` into a finished build folder (beside manifest.json and the card) and returns
 * its text. Reads quarantine.jsonl, contamination.json and the record-format split files
 * (`train.jsonl`, ...) in one streaming pass each, keeping only the samples and examples it shows.
 */
export async function writeDatasetReport(dir: string, opts: DatasetReportOptions): Promise<string> {
  const html = await renderDatasetReport(dir, opts);
  await writeFileAtomic(join(dir, "report.html"), html);
  return html;
}

/**
 * Renders the dataset report (report.html) of a build folder, from its manifest and what the collector
 * gathered.
 */
export async function renderDatasetReport(dir: string, opts: DatasetReportOptions): Promise<string> {
  const m = opts.manifest as ManifestShape;
  const counts = m.counts!;
  const seed = m.seed ?? 0;
  const c = opts.collector;
  const perCode = opts.examplesPerCode ?? 3;
  const sig = opts.signal ? { signal: opts.signal } : {};

  // Quarantine: examples per code, duplicates, contaminated records, LaTeX rejections.
  const byCode = new Map<string, QuarantineEntry[]>();
  const dups: QuarantineEntry[] = [];
  const contaminated: QuarantineEntry[] = [];
  const latexRejected: FindingExample[] = [];
  const qfile = join(dir, "quarantine.jsonl");
  if (existsSync(qfile)) {
    for await (const lines of readRawLineBatches(qfile, sig)) {
      for (const line of lines) {
        if (!line.length) continue;
        const q = JSON.parse(line.toString("utf8")) as QuarantineEntry;
        const list = byCode.get(q.code) ?? [];
        byCode.set(q.code, list);
        if (list.length < perCode) list.push(q);
        if (q.code === "E_DUPLICATE" && dups.length < 8 && isRecord(q.raw)) dups.push(q);
        if (q.code === "E_CONTAMINATED" && contaminated.length < 8 && isRecord(q.raw)) contaminated.push(q);
        const lf = isRecord(q.raw) ? (q.raw.meta as { latex?: unknown } | undefined)?.latex : undefined;
        if (q.code.startsWith("E_LATEX") && Array.isArray(lf) && latexRejected.length < c.maxFindings)
          latexRejected.push({
            record: q.raw as MathRecord,
            findings: lf as LatexFinding[],
            status: "quarantined",
            location: q.location ?? null,
          });
      }
    }
  }
  let contamination: {
    entries?: { id: string; matches: { field: string; evalSet: string; evalId: string; span: string }[] }[];
  } = {};
  if (existsSync(join(dir, "contamination.json")))
    contamination = JSON.parse(await readFile(join(dir, "contamination.json"), "utf8")) as typeof contamination;
  const contamById = new Map((contamination.entries ?? []).map((e) => [e.id, e.matches]));

  // Samples of each split, and the kept records that the duplicates shown duplicate.
  const keptIds = new Map<string, MathRecord | undefined>();
  for (const d of dups) {
    const of = /duplicate of (.+?)(?: \(similarity [^)]*\))?$/.exec(d.message)?.[1];
    if (of) keptIds.set(of, undefined);
  }
  const needles = [...keptIds.keys()].map((id) => ({ id, needle: Buffer.from(`"id":${JSON.stringify(id)}`) }));
  const samples: Record<Split, MathRecord[]> = { train: [], validation: [], test: [] };
  let samplesFrom: string | null = null;
  for (const [si, split] of SPLITS.entries()) {
    const file = join(dir, `${split}.jsonl`);
    const n = counts.splits[split] ?? 0;
    if (!existsSync(file) || n === 0) continue;
    samplesFrom = "jsonl";
    const want = sampleIndices(n, opts.samples ?? 4, (seed ^ Math.imul(si + 1, 0x9e3779b1)) >>> 0);
    let w = 0;
    let i = 0;
    for await (const lines of readRawLineBatches(file, sig)) {
      for (const line of lines) {
        if (w < want.length && i === want[w]) {
          samples[split].push(JSON.parse(line.toString("utf8")) as MathRecord);
          w++;
        }
        for (const nd of needles)
          if (keptIds.get(nd.id) === undefined && line.includes(nd.needle))
            keptIds.set(nd.id, JSON.parse(line.toString("utf8")) as MathRecord);
        i++;
      }
      // every sample found and every kept duplicate found: the rest of the file is not needed
      if (w === want.length && needles.every((nd) => keptIds.get(nd.id) !== undefined)) break;
    }
  }

  let formatter: { formatRecord(r: MathRecord): unknown } | undefined;
  try {
    const fmt = await import("@mathtune/format");
    formatter = await fmt.createFormatter(
      { ...(opts.formatOptions ?? {}), format: "messages" },
      opts.baseDir ? { baseDir: opts.baseDir } : {},
    );
  } catch {
    formatter = undefined; // format options the formatter refuses: samples are shown as records
  }

  // Charts.
  const splitRows: Count[] = SPLITS.map((s) => ({ label: s, count: counts.splits[s] ?? 0 }));
  const sourceRows: Count[] = Object.entries(counts.sources).flatMap(([name, sc]) =>
    SPLITS.map((s) => ({ label: name, count: sc.splits[s] ?? 0, group: s })),
  );
  const lenBins: Bin[] = (["problem", "solution"] as const).flatMap((f) =>
    LENGTH_EDGES.map((from, i) => ({ from, to: LENGTH_EDGES[i + 1] ?? null, count: c.lengths[f][i]!, group: f })),
  );
  const charts: [string, Promise<string>][] = [
    ["split", chartSvg(barSpec("Records per split", splitRows, { field: "split" }))],
    ["source", chartSvg(barSpec("Records per source and split", sourceRows, { field: "source" }))],
    ["category", chartSvg(barSpec("Records per category", sortedCounts(c.category), { field: "category" }))],
    ["difficulty", chartSvg(barSpec("Records per difficulty", sortedCounts(c.difficulty), { field: "difficulty" }))],
    ["language", chartSvg(barSpec("Records per language", sortedCounts(c.lang), { field: "language" }))],
    ["lengths", chartSvg(histogramSpec("Length in characters", lenBins, "characters"))],
  ];
  if (Object.keys(counts.quarantineByCode).length) {
    charts.push([
      "quarantine",
      chartSvg(
        barSpec(
          "Quarantined records per code",
          Object.entries(counts.quarantineByCode)
            .sort((a, b) => b[1] - a[1])
            .map(([label, count]) => ({ label, count })),
          { field: "code" },
        ),
      ),
    ]);
  }
  const svgs = await Promise.all(charts.map(([, p]) => p));

  const b: string[] = [];
  const name = m.recipe?.name ?? "dataset";
  b.push(`<h1>Dataset report: ${esc(name)}</h1>`);
  b.push(
    `<p class="muted">Seed ${seed}. Records in = written + quarantined: ${num(counts.read, "read")} = ${num(counts.written, "written")} + ${num(counts.quarantined, "quarantined")}.</p>`,
  );
  b.push(
    table(
      ["split", "records"],
      SPLITS.map((s) => [s, num(counts.splits[s] ?? 0, `split:${s}`)]),
      [false, true],
    ),
  );
  b.push("<h2>Sources</h2>");
  b.push(
    table(
      ["source", "read", "written", "quarantined", "train", "validation", "test"],
      Object.entries(counts.sources).map(([n, sc]) => [
        esc(n),
        num(sc.read, `source:${n}:read`),
        num(sc.written, `source:${n}:written`),
        num(sc.quarantined, `source:${n}:quarantined`),
        ...SPLITS.map((s) => num(sc.splits[s] ?? 0, `source:${n}:${s}`)),
      ]),
      [false, true, true, true, true, true, true],
    ),
  );
  b.push(
    `<h2>Counts and lengths</h2><div class="charts">${charts.map(([k], i) => chartBlock(k, svgs[i]!)).join("\n")}</div>`,
  );

  b.push(
    `<h2>Samples</h2><p class="muted">${opts.samples ?? 4} records per split drawn with the build's seed, shown as the chat turns the model is trained on.</p>`,
  );
  if (!samplesFrom)
    b.push(
      `<p>No record-format JSON lines output (<code>train.jsonl</code>): add <code>record</code> and <code>jsonl</code> to the recipe's output to see samples.</p>`,
    );
  for (const split of SPLITS) {
    if (!samples[split].length) continue;
    b.push(`<h3>${split}</h3>`);
    for (const r of samples[split]) {
      const d = dollarsFor(r);
      let turns: string;
      const formatted = formatter ? (formatter.formatRecord(r) as { messages?: ChatMessage[] }) : undefined;
      if (formatted?.messages)
        turns = formatted.messages
          .map(
            (t) =>
              `<div class="turn ${esc(t.role)}"><span class="role">${esc(t.role)}</span>${renderMathText(short(t.content, 2000), { dollars: d })}</div>`,
          )
          .join("");
      else turns = recordText(r);
      b.push(
        `<div class="sample" data-split="${split}"><div class="id">${esc(r.id)} · ${esc(r.source)}${r.category ? ` · ${esc(r.category)}` : ""}${r.difficulty !== undefined ? ` · ${esc(r.difficulty)}` : ""}</div>${turns}</div>`,
      );
    }
  }

  const allFindings = [...c.findings, ...latexRejected];
  b.push(`<h2>LaTeX findings</h2>`);
  if (!allFindings.length) b.push("<p>No LaTeX findings.</p>");
  for (const f of allFindings) {
    const hl: Record<string, Highlight[]> = {};
    for (const x of f.findings)
      (hl[x.field] ??= []).push({
        start: x.offset,
        end: x.offset + Math.max(1, x.length),
        title: `${x.code}: ${x.message}`,
      });
    const list = f.findings
      .map((x) => `<li><code>${esc(x.code)}</code> in ${esc(x.field)} at ${x.offset}: ${esc(x.message)}</li>`)
      .join("");
    b.push(
      `<div class="sample finding"><div class="id">${esc(f.record.id)} · ${f.status}${f.location ? ` · ${esc(f.location)}` : ""}</div><ul>${list}</ul>${recordText(f.record, hl)}</div>`,
    );
  }

  b.push("<h2>Quarantine</h2>");
  if (!byCode.size) b.push("<p>Nothing was quarantined.</p>");
  for (const [code, list] of [...byCode].sort(
    (a, b2) => (counts.quarantineByCode[b2[0]] ?? 0) - (counts.quarantineByCode[a[0]] ?? 0) || (a[0] < b2[0] ? -1 : 1),
  )) {
    b.push(
      `<h3><code>${esc(code)}</code>: ${num(counts.quarantineByCode[code] ?? list.length, `quarantine:${code}`)} records</h3>`,
    );
    b.push(
      table(
        ["id", "source", "location", "message", "problem"],
        list.map((q) => [
          esc(q.id ?? ""),
          esc(q.source ?? ""),
          `<code>${esc(q.location ?? "")}</code>`,
          esc(short(q.message, 300)),
          isRecord(q.raw)
            ? renderMathText(short(q.raw.problem, 300), { dollars: dollarsFor(q.raw) })
            : `<code>${esc(short(JSON.stringify(q.raw ?? null), 300))}</code>`,
        ]),
      ),
    );
  }

  if (dups.length) {
    b.push(
      '<h2>Duplicates</h2><p class="muted">Left: the quarantined record; right: the record kept. The longest shared run of words is marked.</p>',
    );
    for (const d of dups) {
      const dup = d.raw as MathRecord;
      const of = /duplicate of (.+?)(?: \(similarity [^)]*\))?$/.exec(d.message)?.[1];
      const kept = of ? keptIds.get(of) : undefined;
      const run = kept ? commonRun(dup.problem, kept.problem) : undefined;
      const left = renderMathText(short(dup.problem, 1500), {
        dollars: dollarsFor(dup),
        highlights: run ? [run[0]] : [],
      });
      const right = kept
        ? renderMathText(short(kept.problem, 1500), { dollars: dollarsFor(kept), highlights: run ? [run[1]] : [] })
        : `<span class="muted">${esc(of ?? "?")} (not in the record-format outputs)</span>`;
      b.push(
        `<div class="sample dup"><div class="id">${esc(dup.id)} → ${esc(of ?? "?")} · ${esc(d.message)}</div><div class="side"><div>${left}</div><div>${right}</div></div></div>`,
      );
    }
  }
  if (contaminated.length) {
    b.push(
      '<h2>Decontamination</h2><p class="muted">Left: the training record with the span it shares with an evaluation text marked; right: the evaluation set, the text\'s id and the shared span (the build keeps only hashes of evaluation texts).</p>',
    );
    for (const q of contaminated) {
      const r = q.raw as MathRecord;
      const matches = contamById.get(r.id) ?? [];
      const hl: Record<string, Highlight[]> = {};
      for (const x of matches) {
        const text = (r as unknown as Record<string, unknown>)[x.field];
        const range = typeof text === "string" ? spanRange(text, x.span) : undefined;
        if (range) (hl[x.field] ??= []).push(range);
      }
      const right = matches.length
        ? matches
            .map(
              (x) =>
                `<div><b>${esc(x.evalSet)}</b> <code>${esc(x.evalId)}</code> (${esc(x.field)})<br><mark>${esc(x.span)}</mark></div>`,
            )
            .join("")
        : esc(q.message);
      b.push(
        `<div class="sample contam"><div class="id">${esc(r.id)}</div><div class="side"><div>${recordText(r, hl)}</div><div>${right}</div></div></div>`,
      );
    }
  }
  return page(`${name}: dataset report`, b.join("\n"));
}
