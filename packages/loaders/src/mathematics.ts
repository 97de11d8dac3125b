/**
 * DeepMind mathematics_dataset v1.0: plain text files `<set>/<module>__<task>.txt` whose lines
 * alternate question and answer; `<set>` is train-easy, train-medium, train-hard, interpolate or
 * extrapolate. Answers are kept as plain expressions; `answerKind` tells what they are.
 *
 * @packageDocumentation
 * @module @mathtune/loaders/mathematics
 */
import { stat } from "node:fs/promises";
import { posix } from "node:path";
import { answerKind } from "@mathtune/answer/text";
import { type MathRecord, MathtuneError, Type, defineAdapter, readLines, withLocation, reject } from "@mathtune/core";
import { listDir, pathKind, resolvePath } from "./internal/fs.js";

const MATHEMATICS_SETS = ["train-easy", "train-medium", "train-hard", "interpolate", "extrapolate"] as const;

/** The options of `mathematics`. */
export const mathematicsOptions = Type.Object(
  {
    path: Type.String({
      minLength: 1,
      description: "the v1.0 folder (holding train-easy/ ...), one set folder, or one .txt file",
    }),
    modules: Type.Optional(Type.Array(Type.String(), { description: "only these modules (algebra, arithmetic, ...)" })),
    tasks: Type.Optional(Type.Array(Type.String(), { description: "only these files, as module__task" })),
    difficulties: Type.Optional(
      Type.Array(Type.Union(MATHEMATICS_SETS.map((s) => Type.Literal(s))), {
        description: "only these sets (train-easy ... extrapolate)",
      }),
    ),
    maxPerFile: Type.Optional(Type.Integer({ minimum: 1, description: "read at most this many pairs from each file" })),
  },
  { additionalProperties: false },
);

/** A file of the v1.0 layout: `<module>__<task>.txt`. */
const FILE_RE = /^[a-z][a-z0-9_]*__[a-z0-9_]+\.txt$/;

/** `train-easy` -> split train, difficulty easy; `interpolate` -> split interpolate. */
function describeSet(set: string): { split: string; difficulty?: string } {
  const m = /^train-(easy|medium|hard)$/.exec(set);
  if (m) return { split: "train", difficulty: m[1]! };
  return { split: set };
}

/** DeepMind's mathematics_dataset v1.0: question and answer line pairs per module and task. */
export const mathematics = defineAdapter({
  name: "mathematics",
  description: "DeepMind mathematics_dataset v1.0 (question/answer line pairs per module and task)",
  splits: ["train", "interpolate", "extrapolate"],
  options: mathematicsOptions,
  async *load(options, ctx) {
    const root = resolvePath(options.path, ctx.baseDir);
    const files: { path: string; set: string; name: string }[] = [];
    const addSet = async (dir: string, set: string) => {
      for (const f of await listDir(dir))
        if (!f.dir && FILE_RE.test(f.name)) files.push({ path: f.path, set, name: f.name });
    };
    if ((await pathKind(root)) === "file") {
      const set = posix.basename(posix.dirname(root.replace(/\\/g, "/")));
      const name = posix.basename(root.replace(/\\/g, "/"));
      // Only a file of the v1.0 layout: anything else (a README, /etc/passwd) is not turned into records.
      if (!FILE_RE.test(name) || !(MATHEMATICS_SETS as readonly string[]).includes(set)) {
        throw new MathtuneError(
          "E_NOT_IN_FORMAT",
          `${root} is not a DeepMind mathematics file: expected <set>/<module>__<task>.txt with <set> one of ${MATHEMATICS_SETS.join(", ")}`,
          {
            location: { file: root },
            hint: "point the source at the mathematics_dataset-v1.0 folder, a set folder, or one of its .txt files",
          },
        );
      }
      files.push({ path: root, set, name });
    } else {
      const base = posix.basename(root.replace(/\\/g, "/").replace(/\/+$/, ""));
      if ((MATHEMATICS_SETS as readonly string[]).includes(base)) await addSet(root, base);
      else {
        const entries = await listDir(root);
        // Sets in their canonical order, then anything else that looks like one.
        const sets = entries.filter((e) => e.dir && (MATHEMATICS_SETS as readonly string[]).includes(e.name));
        sets.sort((a, b) => MATHEMATICS_SETS.indexOf(a.name as never) - MATHEMATICS_SETS.indexOf(b.name as never));
        for (const s of sets) await addSet(s.path, s.name);
      }
    }
    if (!files.length)
      throw new MathtuneError("E_INPUT_EMPTY", `no <module>__<task>.txt files under ${root}`, {
        hint: "expected the v1.0 layout: train-easy/algebra__linear_1d.txt ...",
      });
    // Progress in bytes over the files that pass the filters.
    const chosen = files.filter((f) => {
      const [module] = f.name.replace(/\.txt$/, "").split("__");
      return (
        (!options.modules || options.modules.includes(module!)) &&
        (!options.tasks || options.tasks.includes(f.name.replace(/\.txt$/, ""))) &&
        (!options.difficulties || (options.difficulties as string[]).includes(f.set))
      );
    });
    const sizes = new Map<string, number>();
    for (const f of chosen) sizes.set(f.path, (await stat(f.path)).size);
    const totalBytes = [...sizes.values()].reduce((a, b) => a + b, 0);
    let doneBytes = 0;
    for (const f of chosen) {
      const stem = f.name.replace(/\.txt$/, "");
      const [module, ...rest] = stem.split("__");
      const task = rest.join("__") || stem;
      const { split, difficulty } = describeSet(f.set);
      let question: { text: string; line: number; spoiled: boolean } | undefined;
      let pair = 0;
      const progress = (d: number) => ctx.progress?.(doneBytes + d, totalBytes);
      for await (const item of readLines(f.path, { signal: ctx.signal, progress })) {
        if (options.maxPerFile && pair >= options.maxPerFile) break;
        if ("error" in item) {
          // A bad line spoils its pair: drop the pair, keep the alignment.
          ctx.reject(
            reject("E_ENCODING", item.error.reason, { location: { file: f.path, line: item.line }, raw: item.raw }),
          );
          if (question) {
            question = undefined;
            pair++;
          } else question = { text: "", line: item.line, spoiled: true };
          continue;
        }
        if (!question) {
          question = { text: item.text, line: item.line, spoiled: false };
          continue;
        }
        const q = question;
        question = undefined;
        const index = pair++;
        if (q.spoiled) continue; // already quarantined with its question line
        const location = { file: f.path, line: q.line };
        const answer = item.text.trim();
        if (!q.text.trim() || !answer) {
          if (q.text || item.text)
            ctx.reject(
              reject("E_FIELD_MISSING", `${q.text.trim() ? "answer" : "question"} line is empty`, {
                location,
                raw: `${q.text}\n${item.text}`,
              }),
            );
          continue;
        }
        const rec: MathRecord = {
          id: `mathematics/${f.set}/${stem}/${index}`,
          source: "mathematics",
          split,
          problem: q.text.trim(),
          answer,
          answerKind: answerKind(answer),
          category: module!,
          lang: "en",
          meta: { task, set: f.set },
        };
        if (difficulty) rec.difficulty = difficulty;
        yield withLocation(rec, location);
      }
      doneBytes += sizes.get(f.path)!;
      if (question && !question.spoiled) {
        ctx.reject(
          reject("E_INPUT_TRUNCATED", "odd number of lines: this question has no answer line", {
            location: { file: f.path, line: question.line },
            raw: question.text,
          }),
        );
      }
    }
  },
});
