/**
 * GSM8K (grade-school math word problems): JSON lines with `question` and `answer`, where the
 * answer's last line is `#### N`. Reads the main and the socratic variants, and the Hugging Face
 * Parquet layout (`main/train-00000-of-00001.parquet`, `socratic/...`).
 *
 * @packageDocumentation
 * @module @mathtune/loaders/gsm8k
 */
import { basename } from "node:path";
import {
  calculatorAnnotations,
  contentId,
  defineAdapter,
  MathtuneError,
  type MathRecord,
  readJsonLines,
  type Rejection,
  type SourceLocation,
  stripCalculatorAnnotations,
  Type,
  withLocation,
  reject,
  isRejection,
} from "@mathtune/core";
import { answerKind, extractGsm8k } from "@mathtune/answer/text";
import { listDir, pathKind, resolvePath, splitFromFileName, uniqueIds } from "./internal/fs.js";

/** The options of `gsm8k`. */
export const gsm8kOptions = Type.Object(
  {
    path: Type.String({
      minLength: 1,
      description: "a .jsonl or .parquet file, or a folder holding them (train/test, main/socratic)",
    }),
    split: Type.Optional(
      Type.String({ description: "the split of the file(s); default from the file name (train/test)" }),
    ),
    splits: Type.Optional(Type.Array(Type.String(), { description: "only these splits, when reading a folder" })),
    variant: Type.Optional(
      Type.Union([Type.Literal("main"), Type.Literal("socratic"), Type.Literal("auto")], { default: "auto" }),
    ),
    stripCalculator: Type.Boolean({
      default: false,
      description: "remove <<a*b=c>> annotations from the solution (they stay in meta.calculator)",
    }),
  },
  { additionalProperties: false },
);

interface Gsm8kRow {
  question?: unknown;
  answer?: unknown;
}

/** Turns one source row into a record, or a rejection. */
function gsm8kRecord(
  row: Gsm8kRow,
  at: {
    split: string;
    variant: "main" | "socratic" | "auto";
    stripCalculator: boolean;
    location: SourceLocation;
    index: number;
  },
): MathRecord | Rejection {
  const { question, answer } = row ?? {};
  if (typeof question !== "string" || !question.trim())
    return reject("E_FIELD_MISSING", "field 'question' is missing or not a non-empty string", { raw: row });
  if (typeof answer !== "string" || !answer.trim())
    return reject("E_FIELD_MISSING", "field 'answer' is missing or not a non-empty string", { raw: row });
  const final = extractGsm8k(answer);
  if (final === undefined) return reject("E_NO_ANSWER", "the answer has no '#### N' line", { raw: row });
  const hash = answer.lastIndexOf("####");
  let solution = answer.slice(0, hash).trimEnd();
  const calculator = calculatorAnnotations(solution);
  if (at.stripCalculator && calculator.length) solution = stripCalculatorAnnotations(solution);
  const variant = at.variant !== "auto" ? at.variant : answer.includes(" ** ") ? "socratic" : "main";
  let steps = solution ? 1 : 0;
  for (let i = solution.indexOf("\n"); i >= 0; i = solution.indexOf("\n", i + 1)) steps++;
  const meta: Record<string, unknown> = { variant, calculator, steps };
  return {
    id: `gsm8k/${at.split}/${contentId(question, answer)}`,
    source: "gsm8k",
    split: at.split,
    problem: question,
    solution,
    answer: final,
    answerKind: answerKind(final),
    category: "word_problem",
    lang: "en",
    meta,
  };
}

async function listInputs(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    for (const e of await listDir(dir)) {
      if (e.dir && depth < 2) await walk(e.path, depth + 1);
      else if (!e.dir && /\.(jsonl|parquet)$/i.test(e.name)) out.push(e.path);
    }
  };
  await walk(root, 0);
  return out;
}

/** GSM8K grade-school word problems (JSON lines or Hugging Face Parquet; main and socratic). */
export const gsm8k = defineAdapter({
  name: "gsm8k",
  description: "GSM8K grade-school word problems (JSON lines or Hugging Face Parquet; main and socratic)",
  splits: ["train", "test"],
  options: gsm8kOptions,
  async *load(options, ctx) {
    const root = resolvePath(options.path, ctx.baseDir);
    const files = (await pathKind(root)) === "dir" ? await listInputs(root) : [root];
    if (!files.length) throw new MathtuneError("E_INPUT_EMPTY", `no .jsonl or .parquet files under ${root}`);
    const unique = uniqueIds();
    for (const file of files) {
      const split = options.split ?? splitFromFileName(file);
      if (options.splits && !options.splits.includes(split)) continue;
      const variant =
        options.variant ??
        (file.split(/[\\/]/).includes("socratic") || /socratic/i.test(basename(file)) ? "socratic" : "auto");
      const emit = (row: Gsm8kRow, location: SourceLocation, index: number, text?: string): MathRecord | undefined => {
        const r = gsm8kRecord(row, { split, variant, stripCalculator: options.stripCalculator, location, index });
        if (isRejection(r)) {
          // raw: the line as read, when there is one
          ctx.reject({ ...r, location, ...(text !== undefined ? { raw: text } : {}) });
          return undefined;
        }
        r.id = unique(r.id);
        return withLocation(r, location);
      };
      if (/\.parquet$/i.test(file)) {
        const { readParquetRows } = await import("./internal/parquet-rows.js");
        for await (const { index, row } of readParquetRows(file, {
          signal: ctx.signal,
          columns: ["question", "answer"],
        })) {
          const r = emit(row as Gsm8kRow, { file, entry: `row ${index}` }, index);
          if (r) yield r;
        }
        continue;
      }
      let n = 0;
      for await (const item of readJsonLines(file, { signal: ctx.signal, progress: ctx.progress })) {
        if ("error" in item) {
          ctx.reject(
            reject(item.error.code, item.error.reason, { location: { file, line: item.line }, raw: item.text }),
          );
          continue;
        }
        n++;
        const r = emit(item.value as Gsm8kRow, { file, line: item.line }, n - 1, item.text);
        if (r) yield r;
      }
      if (n === 0)
        throw new MathtuneError("E_INPUT_EMPTY", "file holds no records", {
          location: { file },
          hint: "an empty input is usually a wrong path or a failed download",
        });
    }
  },
});
