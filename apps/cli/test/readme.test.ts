/**
 * The TypeScript examples of the package READMEs: each type-checks under strict TypeScript against
 * the packages' published types, and those that need no data or model (a dataset file, a Python
 * venv) run to the end.
 */
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { transform } from "esbuild";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, repoRoot, runNode } from "./helpers.js";

interface Example {
  pkg: string;
  index: number;
  file: string;
  code: string;
}

/** Examples that read a dataset file or train a model: type-checked, not run here. */
const NEEDS_DATA = new Set(["build#0", "loaders#0", "loaders#1", "train#0"]);

let dir = "";
const examples: Example[] = [];

beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), "mt-readme-"));
  // A project that sees the workspace packages as installed ones.
  await mkdir(join(dir, "node_modules/@mathtune"), { recursive: true });
  for (const p of await readdir(join(repoRoot, "packages"))) await symlink(join(repoRoot, "packages", p), join(dir, "node_modules/@mathtune", p));
  await symlink(join(repoRoot, "node_modules/@types"), join(dir, "node_modules/@types"));
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "readme-examples", private: true, type: "module" }));
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
}, 120_000);

describe("README examples", () => {
  it("there is one per package README at least", () => {
    expect(new Set(examples.map((e) => e.pkg)).size).toBeGreaterThanOrEqual(9);
  });

  it("type-check under strict TypeScript", () => {
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
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && examples.some((e) => e.file === d.file!.fileName))
      .map((d) => {
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        return `${d.file!.fileName.slice(dir.length + 1)}:${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
      });
    expect(problems).toEqual([]);
  }, 300_000);

  it("run to the end, those that need no data or model", async () => {
    const failures: string[] = [];
    for (const e of examples) {
      if (NEEDS_DATA.has(`${e.pkg}#${e.index}`)) continue;
      const js = join(dir, `${e.pkg}-${e.index}.mjs`);
      await writeFile(js, (await transform(e.code, { loader: "ts", format: "esm", target: "node20" })).code);
      const r = await runNode([js], { cwd: dir });
      if (r.code !== 0) failures.push(`${e.pkg} example ${e.index + 1}: exit ${r.code}: ${r.stderr.slice(0, 400)}`);
    }
    expect(failures).toEqual([]);
  }, 300_000);
});
