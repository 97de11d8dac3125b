/**
 * MATH (Hendrycks et al.): competition problems with LaTeX solutions. Reads the original tree
 * `MATH/{train,test}/<subject>/<id>.json`, the `MATH.tar` (or .tar.gz) archive itself without
 * unpacking it, and JSON lines or Parquet with the same fields (`problem`, `level`, `type`, `solution`).
 *
 * @packageDocumentation
 * @module @mathtune/loaders/math
 */
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { posix } from "node:path";
import { createGunzip } from "node:zlib";
import { answerKind, extractBoxed } from "@mathtune/answer/text";
import {
  type LoadContext,
  type MathRecord,
  MathtuneError,
  type Rejection,
  type SourceLocation,
  Type,
  contentId,
  defineAdapter,
  parseJsonChecked,
  readJsonLines,
  throwIfAborted,
  withLocation,
  reject,
  isRejection,
} from "@mathtune/core";
import { listDir, pathKind, resolvePath, uniqueIds } from "./internal/fs.js";
import { MATH_SUBJECTS, parseLevel, safeEntryPath, splitFromName, subjectKey } from "./internal/math-names.js";

/** The options of `math`. */
export const mathOptions = Type.Object(
  {
    path: Type.String({
      minLength: 1,
      description: "MATH folder (or its train/test or subject folder), MATH.tar[.gz], .jsonl or .parquet",
    }),
    splits: Type.Optional(Type.Array(Type.String(), { description: "only these splits (train, test)" })),
    subjects: Type.Optional(
      Type.Array(Type.String(), { description: "only these subjects (snake_case folder names)" }),
    ),
    levels: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 5 }), { description: "only these levels" })),
    split: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "the split of what `path` holds (wins over names); required when the folder's or file's name does not say train or test. On a MATH folder with train/ and test/, loads that split's folder only",
      }),
    ),
    maxEntryBytes: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          "largest archive entry read (bytes, default 16 MiB); larger ones are quarantined with E_ENTRY_TOO_LARGE",
      }),
    ),
  },
  { additionalProperties: false },
);

type MathOptions = (typeof mathOptions)["static"];

interface Where {
  split: string;
  subject?: string;
  /** The file name's id; for JSON lines and Parquet: the row's `unique_id`/`id`, else a content hash. */
  nativeId?: string;
  location: SourceLocation;
}

/** One MATH object to a record, or a rejection (without location). */
function mathRecord(obj: unknown, where: Where): MathRecord | Rejection {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj))
    return reject("E_RECORD_INVALID", "expected a JSON object with problem, level, type, solution", { raw: obj });
  const o = obj as Record<string, unknown>;
  for (const f of ["problem", "solution"] as const) {
    if (typeof o[f] !== "string" || !(o[f] as string).trim())
      return reject("E_FIELD_MISSING", `field '${f}' is missing or not a non-empty string`, { raw: obj });
  }
  if (o.type !== undefined && typeof o.type !== "string")
    return reject("E_RECORD_INVALID", "field 'type' must be a string", { raw: obj });
  if (o.level !== undefined && typeof o.level !== "string" && typeof o.level !== "number")
    return reject("E_RECORD_INVALID", "field 'level' must be a string like 'Level 3'", { raw: obj });
  const solution = o.solution as string;
  const subject = where.subject ?? (typeof o.type === "string" ? subjectKey(o.type) : undefined);
  const level = parseLevel(o.level);
  const answer = extractBoxed(solution);
  const meta: Record<string, unknown> = {};
  if (o.level !== undefined) meta.level = o.level;
  if (o.type !== undefined) meta.type = o.type;
  for (const [k, v] of Object.entries(o)) if (!["problem", "solution", "level", "type"].includes(k)) meta[k] = v;
  const native =
    where.nativeId ??
    (typeof o.unique_id === "string"
      ? o.unique_id
          .replace(/^(train|test)\//, "")
          .replace(/\.json$/, "")
          .replace(new RegExp(`^${subject}/`), "")
      : undefined) ??
    (typeof o.id === "string" || typeof o.id === "number" ? String(o.id) : contentId(o.problem as string, solution));
  const rec: MathRecord = {
    id: `math/${where.split}/${subject ? `${subject}/` : ""}${native}`,
    source: "math",
    split: where.split,
    problem: o.problem as string,
    solution,
    lang: "en",
    meta,
  };
  if (answer !== undefined) {
    rec.answer = answer;
    rec.answerKind = answerKind(answer);
  } else rec.answerKind = "none";
  if (subject) rec.category = subject;
  if (level !== undefined) rec.difficulty = level;
  return rec;
}

function keep(options: MathOptions, split: string, subject: string | undefined, rec?: MathRecord): boolean {
  if (options.splits && !options.splits.includes(split)) return false;
  if (options.subjects && subject && !options.subjects.includes(subject)) return false;
  if (rec && options.levels && (typeof rec.difficulty !== "number" || !options.levels.includes(rec.difficulty)))
    return false;
  return true;
}

/** The split of a folder or file: the `split` option wins, then its name; neither is an error saying what to do. */
function splitOf(options: MathOptions, named: string | undefined, where: string): string {
  if (options.split) return options.split;
  if (named) return named;
  throw new MathtuneError(
    "E_OPTIONS_INVALID",
    `cannot tell the split of ${where}: its name says neither train nor test`,
    {
      location: { file: where },
      hint: 'give the split in the source\'s options, e.g. {"adapter": "math", "options": {"path": "...", "split": "test"}}, so test problems are never labelled as training data',
    },
  );
}

/** Folder layout: finds the split and subject folders under any of MATH/, MATH/train, MATH/train/algebra. */
async function* fromTree(
  root: string,
  options: MathOptions,
  ctx: LoadContext & { reject: (r: Rejection) => void },
): AsyncGenerator<MathRecord> {
  type Job = { dir: string; split: string; subject: string };
  const jobs: Job[] = [];
  const top = await listDir(root);
  const hasJson = top.some((e) => !e.dir && e.name.endsWith(".json"));
  const rootName = posix.basename(root.replace(/\\/g, "/").replace(/\/+$/, ""));
  if (hasJson) {
    // a subject folder: MATH/train/algebra
    const parent = posix.dirname(root.replace(/\\/g, "/").replace(/\/+$/, ""));
    const split = splitOf(options, splitFromName(parent), root);
    jobs.push({ dir: root, split, subject: rootName });
  } else if (
    top.some((e) => e.dir && e.name in MATH_SUBJECTS) ||
    top.every((e) => e.dir && !["train", "test"].includes(e.name))
  ) {
    const split = top.some((e) => e.dir) ? splitOf(options, splitFromName(rootName), root) : "";
    for (const e of top) if (e.dir) jobs.push({ dir: e.path, split, subject: e.name });
  } else {
    for (const s of top) {
      if (!s.dir || !["train", "test"].includes(s.name)) continue;
      if (options.split && s.name !== options.split) continue;
      for (const e of await listDir(s.path)) if (e.dir) jobs.push({ dir: e.path, split: s.name, subject: e.name });
    }
  }
  if (!jobs.length)
    throw new MathtuneError("E_INPUT_EMPTY", `no MATH subject folders under ${root}`, {
      hint: "expected MATH/{train,test}/<subject>/<id>.json",
    });
  // List every folder first, so progress can show a total (and an ETA).
  const listed: { job: Job; files: Awaited<ReturnType<typeof listDir>> }[] = [];
  for (const job of jobs) {
    if (!keep(options, job.split, job.subject)) continue;
    listed.push({ job, files: (await listDir(job.dir)).filter((f) => !f.dir && f.name.endsWith(".json")) });
  }
  const total = listed.reduce((a, l) => a + l.files.length, 0);
  let done = 0;
  for (const { job, files } of listed) {
    for (const f of files) {
      throwIfAborted(ctx.signal);
      ctx.progress?.(done++, total);
      const location = { file: f.path };
      // The same rules as the archive and JSON lines: strict UTF-8, checked JSON, raw = the bytes as read.
      const read = decodeJson(await readFile(f.path), location);
      if ("error" in read) {
        ctx.reject(reject(read.error.code, read.error.reason, { location, raw: read.raw }));
        continue;
      }
      const r = mathRecord(read.value, {
        split: job.split,
        subject: job.subject,
        nativeId: f.name.replace(/\.json$/, ""),
        location,
      });
      if (isRejection(r)) ctx.reject({ ...r, location, raw: read.text });
      else if (keep(options, job.split, job.subject, r)) yield withLocation(r, location);
    }
  }
}

/** The default limit on one archive entry (MATH's are a few KB): raise it with `maxEntryBytes`. */
const DEFAULT_MAX_ENTRY_BYTES = 16 * 1024 * 1024;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A MATH JSON file's bytes: strict UTF-8 (E_ENCODING, raw as base64) and checked JSON (raw as text). */
function decodeJson(
  bytes: Uint8Array,
  location: SourceLocation,
): { value: unknown; text: string } | { error: MathtuneError; raw: unknown } {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (e) {
    return {
      error: new MathtuneError("E_ENCODING", "file is not valid UTF-8", {
        cause: e,
        location,
        hint: "re-encode it as UTF-8 (e.g. iconv -t UTF-8)",
      }),
      raw: { base64: Buffer.from(bytes).toString("base64") },
    };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const parsed = parseJsonChecked(text, location);
  return "value" in parsed ? { value: parsed.value, text } : { error: parsed.error, raw: text };
}

/** The archive, read as a stream: entries `.../{train,test}/<subject>/<id>.json`. */
async function* fromTar(
  file: string,
  options: MathOptions,
  ctx: LoadContext & { reject: (r: Rejection) => void },
): AsyncGenerator<MathRecord> {
  const maxEntryBytes = options.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  const { extract } = await import("tar-stream");
  const ex = extract();
  const input = createReadStream(file);
  input.on("error", (e) => ex.destroy(e));
  (/\.(tgz|gz)$/i.test(file) ? input.pipe(createGunzip()).on("error", (e: Error) => ex.destroy(e)) : input).pipe(ex);
  let seen = 0;
  try {
    for await (const entry of ex) {
      throwIfAborted(ctx.signal);
      const name = entry.header.name;
      const location = { file, entry: name };
      const type = entry.header.type;
      if (type === "symlink" || type === "link") {
        // Never followed; counted as read and quarantined, so nothing in the archive is dropped unseen.
        seen++;
        ctx.reject(
          reject(
            "E_ARCHIVE_LINK",
            `archive entry '${name}' is a ${type === "symlink" ? "symbolic" : "hard"} link to '${entry.header.linkname ?? ""}'; links are not followed`,
            { location, raw: { name, type, linkname: entry.header.linkname ?? null } },
          ),
        );
        entry.resume();
        continue;
      }
      if (type !== "file" || !name.endsWith(".json")) {
        if (type === "file" || type === "directory") {
          if (safeEntryPath(name) === undefined)
            ctx.reject(
              reject("E_ARCHIVE_UNSAFE", `archive entry '${name}' would escape the archive's folder; skipped`, {
                location,
              }),
            );
        }
        entry.resume();
        continue;
      }
      seen++;
      const size = entry.header.size ?? 0;
      if (size > maxEntryBytes) {
        // Refused before it is buffered: memory stays bounded by the limit, whatever the archive holds.
        entry.resume();
        ctx.reject(
          reject("E_ENTRY_TOO_LARGE", `archive entry '${name}' is ${size} bytes, over the limit of ${maxEntryBytes}`, {
            location,
            raw: { name, size },
          }),
        );
        continue;
      }
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      const safe = safeEntryPath(name);
      if (safe === undefined) {
        ctx.reject(
          reject("E_ARCHIVE_UNSAFE", `archive entry '${name}' would escape the archive's folder; skipped`, {
            location,
          }),
        );
        continue;
      }
      const parts = safe.split("/");
      const idx = parts.findIndex((p) => p === "train" || p === "test");
      if (options.split && idx >= 0 && parts[idx] !== options.split) continue;
      const split = splitOf(options, idx >= 0 ? parts[idx] : splitFromName(file), `${file} (entry ${name})`);
      const subject = idx >= 0 && parts.length > idx + 2 ? parts[idx + 1] : undefined;
      if (!keep(options, split, subject)) continue;
      const read = decodeJson(Buffer.concat(chunks), location);
      if ("error" in read) {
        ctx.reject(reject(read.error.code, read.error.reason, { location, raw: read.raw }));
        continue;
      }
      const r = mathRecord(read.value, {
        split,
        ...(subject ? { subject } : {}),
        nativeId: parts[parts.length - 1]!.replace(/\.json$/, ""),
        location,
      });
      if (isRejection(r)) ctx.reject({ ...r, location, raw: read.text });
      else if (keep(options, split, subject, r)) yield withLocation(r, location);
    }
  } catch (e) {
    if (e instanceof MathtuneError) throw e;
    throw new MathtuneError("E_PARSE", `cannot read tar archive: ${(e as Error).message}`, {
      location: { file },
      cause: e,
      hint: "is it a complete .tar or .tar.gz file?",
    });
  } finally {
    input.destroy();
  }
  if (!seen) throw new MathtuneError("E_INPUT_EMPTY", `no .json entries in archive ${file}`);
}

/**
 * Hendrycks MATH competition problems: the folder tree, `MATH.tar` (read without unpacking), JSON lines or
 * Parquet.
 */
export const math = defineAdapter({
  name: "math",
  description: "Hendrycks MATH competition problems (folder tree, MATH.tar, JSON lines or Parquet)",
  splits: ["train", "test"],
  options: mathOptions,
  async *load(options, ctx) {
    const root = resolvePath(options.path, ctx.baseDir);
    const unique = uniqueIds();
    const kind = await pathKind(root);
    let source: AsyncIterable<MathRecord>;
    if (kind === "dir") source = fromTree(root, options, ctx);
    else if (/\.(tar|tgz|tar\.gz)$/i.test(root)) source = fromTar(root, options, ctx);
    else if (/\.parquet$/i.test(root)) {
      const split = splitOf(options, splitFromName(root), root);
      source = (async function* () {
        const { readParquetRows } = await import("./internal/parquet-rows.js");
        let n = 0;
        for await (const { index, row } of readParquetRows(root, { signal: ctx.signal })) {
          n++;
          const location = { file: root, entry: `row ${index}` };
          const r = mathRecord(row, { split, location });
          if (isRejection(r)) ctx.reject({ ...r, location });
          else if (keep(options, split, r.category, r)) yield withLocation(r, location);
        }
        if (!n) throw new MathtuneError("E_INPUT_EMPTY", `no rows in ${root}`);
      })();
    } else {
      const split = splitOf(options, splitFromName(root), root);
      source = (async function* () {
        let n = 0;
        for await (const item of readJsonLines(root, { signal: ctx.signal, progress: ctx.progress })) {
          const location = { file: root, line: item.line };
          if ("error" in item) {
            ctx.reject(reject(item.error.code, item.error.reason, { location, raw: item.text }));
            continue;
          }
          n++;
          const r = mathRecord(item.value, { split, location });
          if (isRejection(r)) ctx.reject({ ...r, location, raw: item.text });
          else if (keep(options, split, r.category, r)) yield withLocation(r, location);
        }
        if (!n) throw new MathtuneError("E_INPUT_EMPTY", "file holds no records", { location: { file: root } });
      })();
    }
    for await (const r of source) {
      r.id = unique(r.id);
      yield r;
    }
  },
});
