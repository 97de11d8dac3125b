/**
 * The leaf packages bundle for a browser: esbuild with platform "browser" (so the `browser` export
 * conditions apply and Node's built-in modules are not there) bundles each from its built dist, and
 * the bundle, which then imports nothing, evaluates and works.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, repoRoot } from "./helpers.js";

let tmp = "";
beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(join(tmpdir(), "mt-browser-"));
});

/** Bundles `code` for the browser as seen from `dir`; returns the bundle's text and esbuild's errors. */
export async function bundleForBrowser(code: string, dir: string): Promise<{ text: string; errors: string[] }> {
  try {
    const r = await build({ stdin: { contents: code, resolveDir: dir, loader: "js" }, bundle: true, platform: "browser", format: "esm", write: false, logLevel: "silent", target: "es2022" });
    return { text: r.outputFiles[0]!.text, errors: [] };
  } catch (e) {
    return { text: "", errors: ((e as { errors?: { text: string }[] }).errors ?? []).map((x) => x.text) };
  }
}

/** What each leaf is used for in a page: a check that must hold in the bundle. */
const leaves: Record<string, string> = {
  core: `import { MathtuneError, recordProblems } from "@mathtune/core"; export const ok = recordProblems({ id: "a", source: "x", problem: "p", lang: "en" }).length === 0 && new MathtuneError("E_X", "m").code === "E_X";`,
  answer: `import { extractAnswer, equivalent } from "@mathtune/answer"; export const ok = extractAnswer("so it is \\\\boxed{42}")?.answer === "42" && equivalent("1/2", "0.5") && !equivalent("2", "3");`,
  latex: `import { checkText } from "@mathtune/latex"; const good = checkText("\\\\(\\\\frac{1}{2}\\\\)", {}); export const ok = good.segments === 1 && good.findings.length === 0 && checkText("\\\\(\\\\nosuchmacro{x}\\\\)", {}).findings[0]?.code === "E_LATEX_UNKNOWN_COMMAND";`,
  synth: `import { generate } from "@mathtune/synth"; export const ok = generate({ count: 5, seed: 1 }).length === 5;`,
};

describe("leaf packages bundle for a browser", () => {
  it.each(Object.keys(leaves))("%s", async (name) => {
    const { text, errors } = await bundleForBrowser(leaves[name]!, join(repoRoot, "packages", name));
    expect(errors).toEqual([]);
    expect(text).not.toMatch(/from\s*["']node:|require\(["'](fs|path|crypto|worker_threads)["']\)/);
    const file = join(tmp, `${name}.mjs`);
    await writeFile(file, text);
    const mod = (await import(pathToFileURL(file).href)) as { ok: boolean };
    expect(mod.ok).toBe(true);
  });
});
