import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { dirname, extname, join, resolve } from "node:path";
import {
  type Adapter,
  assertMathRecord,
  locationOf,
  type MathRecord,
  MathtuneError,
  readJsonLines,
  sha256,
  type SourceLocation,
  stableStringify,
} from "@mathtune/core";

/** One test problem: the record, its hash (what `compare` checks) and where it came from. */
export interface TestItem {
  record: MathRecord;
  /** sha256 over the fields that make a test problem: id, problem, answer (and the source, category, difficulty). */
  hash: string;
  location?: SourceLocation;
}

/** The problems of an evaluation, with a hash that identifies them and where they came from. */
export interface TestSet {
  items: TestItem[];
  /** sha256 of the item hashes in order: two runs on the same problems in the same order share it. */
  hash: string;
  /** Where the records came from: a build folder's split, or a file through an adapter. */
  origin: { kind: "build"; dir: string; split: string; file: string } | { kind: "file"; path: string; adapter: string };
  /** The build's manifest, when the test set is a build's split. */
  manifest?: Record<string, unknown>;
  /** Records read before sampling. */
  total: number;
}

/** Options of `loadTestSet`. */
export interface LoadTestSetOptions {
  /** A build folder (holds manifest.json) or a file (JSON lines, JSON, CSV, Parquet, Arrow, or whatever `adapter` reads). */
  path: string;
  /** The build's split to use (default `test`). */
  split?: string;
  /** An adapter name of @mathtune/loaders (gsm8k, math, mathematics, jsonl, ...) for a file; default by its extension. */
  adapter?: string;
  /** Options for that adapter (its `path` is set from `path`). */
  adapterOptions?: Record<string, unknown>;
  /** At most this many problems, drawn evenly across categories (seeded). */
  limit?: number;
  /** At most this many problems per category (seeded). */
  perCategory?: number;
  /** Seed of the sample (default 0). */
  seed?: number;
  signal?: AbortSignal;
}

/** The hash of one test problem. */
export function recordHash(r: MathRecord): string {
  return sha256(
    stableStringify({
      id: r.id,
      source: r.source,
      problem: r.problem,
      answer: r.answer ?? null,
      category: r.category ?? null,
      difficulty: r.difficulty ?? null,
    }),
  );
}

const BY_EXTENSION: Record<string, string> = {
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".json": "json",
  ".csv": "csv",
  ".parquet": "parquet",
  ".arrow": "arrow",
  ".feather": "arrow",
};

async function readBuildSplit(
  dir: string,
  split: string,
  signal: AbortSignal | undefined,
): Promise<{ items: TestItem[]; file: string; manifest: Record<string, unknown> }> {
  const manifestFile = join(dir, "manifest.json");
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(await readFile(manifestFile, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new MathtuneError("E_PARSE", `the build's manifest could not be read: ${(e as Error).message}`, {
      cause: e,
      location: { file: manifestFile },
      hint: "rebuild the dataset with `mathtune build`",
    });
  }
  const file = join(dir, `${split}.jsonl`);
  if (!existsSync(file)) {
    throw new MathtuneError("E_INPUT_NOT_FOUND", `the build in ${dir} has no ${split}.jsonl (records as JSON lines)`, {
      hint: `add "record" to output.formats and "jsonl" to output.files in the recipe, or pass the split file with an adapter`,
    });
  }
  const items: TestItem[] = [];
  for await (const item of readJsonLines(file, signal ? { signal } : {})) {
    const location = { file, line: item.line };
    if ("error" in item) throw item.error;
    assertMathRecord(item.value, location);
    items.push({ record: item.value, hash: recordHash(item.value), location });
  }
  return { items, file, manifest };
}

async function readWithAdapter(
  path: string,
  opts: LoadTestSetOptions,
): Promise<{ items: TestItem[]; adapter: string }> {
  const { ADAPTERS, isAdapterName } = await import("@mathtune/loaders");
  const name = opts.adapter ?? BY_EXTENSION[extname(path).toLowerCase()];
  if (!name || !isAdapterName(name)) {
    throw new MathtuneError(
      "E_ADAPTER_NOT_FOUND",
      name ? `no built-in adapter '${name}'` : `cannot tell which adapter reads ${path}`,
      {
        hint: `pass an adapter: ${Object.keys(ADAPTERS).join(", ")}`,
      },
    );
  }
  const adapter = ADAPTERS[name] as unknown as Adapter;
  const items: TestItem[] = [];
  for await (const record of adapter.load(
    { ...opts.adapterOptions, path },
    opts.signal ? { signal: opts.signal } : {},
  )) {
    const location = locationOf(record);
    items.push({ record, hash: recordHash(record), ...(location ? { location } : {}) });
  }
  return { items, adapter: name };
}

/** A seeded rank for sampling: independent of the order the records came in. */
function rank(seed: number, id: string): string {
  return sha256(`${seed}\u0000${id}`);
}

/**
 * Draws the sample: each category's problems in a seeded order, `perCategory` from each, then taken
 * in turn from the categories (sorted by name) until `limit`, so a small sample still covers every
 * category. Without limits the items keep their order.
 */
export function sampleItems(
  items: readonly TestItem[],
  opts: { limit?: number; perCategory?: number; seed?: number },
): TestItem[] {
  if (opts.limit === undefined && opts.perCategory === undefined) return [...items];
  const seed = opts.seed ?? 0;
  const byCat = new Map<string, TestItem[]>();
  for (const it of items) {
    const c = it.record.category ?? "";
    let list = byCat.get(c);
    if (!list) byCat.set(c, (list = []));
    list.push(it);
  }
  const queues = [...byCat.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, list]) => {
      const ranked = list
        .map((it) => ({ it, r: rank(seed, it.record.id) }))
        .sort((a, b) => (a.r < b.r ? -1 : a.r > b.r ? 1 : 0))
        .map((x) => x.it);
      return opts.perCategory !== undefined ? ranked.slice(0, opts.perCategory) : ranked;
    });
  const out: TestItem[] = [];
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  for (let round = 0; out.length < limit; round++) {
    let any = false;
    for (const q of queues) {
      if (round < q.length && out.length < limit) {
        out.push(q[round]!);
        any = true;
      }
    }
    if (!any) break;
  }
  return out;
}

/**
 * Reads a test set: a build folder's split (records as written by `mathtune build`) or any file
 * through a @mathtune/loaders adapter; checks that every problem has an answer to grade against
 * (E_TEST_NO_ANSWER otherwise) and that ids are unique (E_DUPLICATE_ID); draws the seeded sample.
 */
export async function loadTestSet(opts: LoadTestSetOptions): Promise<TestSet> {
  const path = resolve(opts.path);
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw new MathtuneError("E_INPUT_NOT_FOUND", `no such test set: ${path}`, {
      cause: e,
      hint: "pass a build folder or a test file",
    });
  }
  let items: TestItem[];
  let origin: TestSet["origin"];
  let manifest: Record<string, unknown> | undefined;
  if (st.isDirectory() && existsSync(join(path, "manifest.json")) && opts.adapter === undefined) {
    const split = opts.split ?? "test";
    const r = await readBuildSplit(path, split, opts.signal);
    items = r.items;
    manifest = r.manifest;
    origin = { kind: "build", dir: path, split, file: r.file };
  } else {
    const r = await readWithAdapter(path, opts);
    items = r.items;
    origin = { kind: "file", path, adapter: r.adapter };
    // a build's split file given directly: its manifest sits beside it
    const beside = join(dirname(path), "manifest.json");
    if (!st.isDirectory() && existsSync(beside)) {
      try {
        manifest = JSON.parse(await readFile(beside, "utf8")) as Record<string, unknown>;
      } catch {
        manifest = undefined; // an unreadable manifest beside a file: ask with the default wording
      }
    }
  }
  if (!items.length)
    throw new MathtuneError("E_INPUT_EMPTY", `the test set ${path} holds no problems`, {
      hint: "check the file and the split",
    });
  const missing = items.filter((it) => !it.record.answer?.trim());
  if (missing.length) {
    const first = missing[0]!;
    throw new MathtuneError(
      "E_TEST_NO_ANSWER",
      `${missing.length} of ${items.length} test problems have no answer to grade against (first: ${first.record.id})`,
      {
        ...(first.location ? { location: first.location } : { location: { file: path } }),
        hint: "a test set needs the final answer of every problem: map the answer column (fields.answer), or remove those problems",
        details: { missing: missing.length, ids: missing.slice(0, 10).map((m) => m.record.id) },
      },
    );
  }
  const seen = new Set<string>();
  for (const it of items) {
    if (seen.has(it.record.id))
      throw new MathtuneError("E_DUPLICATE_ID", `two test problems share the id ${it.record.id}`, {
        ...(it.location ? { location: it.location } : {}),
        hint: "give every problem its own id",
      });
    seen.add(it.record.id);
  }
  const total = items.length;
  const sample = sampleItems(items, opts);
  return {
    items: sample,
    hash: sha256(sample.map((i) => i.hash).join("\n")),
    origin,
    ...(manifest ? { manifest } : {}),
    total,
  };
}
