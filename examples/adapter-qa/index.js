// @ts-check
/**
 * mathtune-adapter-qa: a complete, small mathtune adapter.
 *
 * It reads plain text files of question/answer blocks separated by blank lines:
 *
 *   Q: What is 2 + 3?
 *   A: 5
 *
 *   Q: A train travels 60 km in 1.5 hours. What is its speed in km/h?
 *   W: 60 / 1.5 = 40
 *   A: 40
 *
 * `W:` lines (optional, any number) are the worked solution. A block without `Q:` or `A:` is
 * quarantined with its file and line; everything else becomes a MathRecord.
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { MathtuneError, Type, contentId, defineAdapter, reject, withLocation } from "@mathtune/core";

export const qa = defineAdapter({
  name: "qa",
  description: "Q:/A: text files",
  splits: [],
  options: Type.Object(
    {
      path: Type.String({ minLength: 1, description: "the .txt file" }),
      category: Type.String({ default: "general" }),
      lang: Type.String({ default: "en" }),
    },
    { additionalProperties: false },
  ),
  async *load(options, ctx) {
    const file = isAbsolute(options.path) || !ctx.baseDir ? resolve(options.path) : resolve(ctx.baseDir, options.path);
    let text;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      throw new MathtuneError("E_INPUT_NOT_FOUND", `cannot read ${file}`, {
        cause: e,
        hint: "check the path in the recipe",
      });
    }
    const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
    /** @type {{ line: number, q?: string, a?: string, w: string[] } | undefined} */
    let block;
    const blocks = [];
    lines.forEach((raw, i) => {
      const line = raw.trim();
      if (!line) {
        if (block) blocks.push(block);
        block = undefined;
        return;
      }
      block ??= { line: i + 1, w: [] };
      if (line.startsWith("Q:")) block.q = line.slice(2).trim();
      else if (line.startsWith("A:")) block.a = line.slice(2).trim();
      else if (line.startsWith("W:")) block.w.push(line.slice(2).trim());
      else block.w.push(line);
    });
    if (block) blocks.push(block);
    if (!blocks.length) throw new MathtuneError("E_INPUT_EMPTY", "no Q:/A: blocks", { location: { file } });
    for (const b of blocks) {
      if (ctx.signal?.aborted) return;
      const location = { file, line: b.line };
      if (!b.q || !b.a) {
        ctx.reject(reject("E_FIELD_MISSING", `block without a ${b.q ? "A:" : "Q:"} line`, { location, raw: b }));
        continue;
      }
      /** @type {import("@mathtune/core").MathRecord} */
      const record = {
        id: `qa/all/${contentId(b.q)}`,
        source: "qa",
        problem: b.q,
        answer: b.a,
        answerKind: /^-?\d+$/.test(b.a) ? "integer" : /^-?\d*\.\d+$/.test(b.a) ? "decimal" : "text",
        category: options.category,
        lang: options.lang,
      };
      if (b.w.length) record.solution = b.w.join("\n");
      yield withLocation(record, location);
    }
  },
});

export default qa;
