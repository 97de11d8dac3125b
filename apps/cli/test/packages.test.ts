/**
 * The packages as published: metadata every package carries, and dependencies that are exactly
 * what the code imports (read from the sources, so no build is needed).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot, runNode } from "./helpers.js";

interface PackageJson {
  name: string;
  private?: boolean;
  license?: string;
  keywords?: string[];
  homepage?: string;
  repository?: { type: string; url: string; directory: string };
  bugs?: { url: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const dirs = ["packages", "apps", "examples"].flatMap((g) =>
  readdirSync(join(repoRoot, g))
    .filter((d) => existsSync(join(repoRoot, g, d, "package.json")))
    .map((d) => `${g}/${d}`),
);
const read = (dir: string) => JSON.parse(readFileSync(join(repoRoot, dir, "package.json"), "utf8")) as PackageJson;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== "node_modules" && e.name !== "test" && e.name !== "dist") walk(p);
      } else if (/\.(ts|js|mjs)$/.test(e.name) && !/\.test\./.test(e.name)) out.push(p);
    }
  };
  // The published types count too: a package their .d.ts files import is needed by a user's type check.
  const dist = join(repoRoot, dir, "dist");
  if (existsSync(dist)) for (const f of readdirSync(dist)) if (f.endsWith(".d.ts")) out.push(join(dist, f));
  const src = join(repoRoot, dir, "src");
  if (existsSync(src)) walk(src);
  else for (const f of readdirSync(join(repoRoot, dir))) if (/\.(js|mjs|ts)$/.test(f)) out.push(join(repoRoot, dir, f));
  return out;
}

/** Package names a file imports (static, dynamic and type imports; `export ... from`). */
function importedPackages(file: string): Set<string> {
  const text = readFileSync(file, "utf8");
  const names = new Set<string>();
  const statements = /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"'./][^"']*)["']|^\s*import\s*["']([^"'./][^"']*)["']|\bimport\(\s*["']([^"'./][^"']*)["']\s*\)/gm;
  for (const m of text.matchAll(statements)) {
    const spec = (m[1] ?? m[2] ?? m[3])!;
    if (spec.startsWith("node:") || builtinModules.includes(spec.split("/")[0]!)) continue;
    names.add(spec.split("/").slice(0, spec.startsWith("@") ? 2 : 1).join("/"));
  }
  return names;
}

describe("package metadata", () => {
  it.each(dirs)("%s has a LICENSE file, repository (with its folder), homepage, bugs and keywords", (dir) => {
    const pj = read(dir);
    expect(existsSync(join(repoRoot, dir, "LICENSE")), dir).toBe(true);
    expect(readFileSync(join(repoRoot, dir, "LICENSE"), "utf8")).toContain(`${pj.license} License`);
    expect(pj.repository?.directory).toBe(dir);
    expect(pj.repository?.url).toMatch(/^git\+https:\/\//);
    expect(pj.homepage).toMatch(/^https:\/\//);
    expect(pj.bugs?.url).toMatch(/^https:\/\//);
    expect(pj.keywords?.length).toBeGreaterThan(0);
  });
});

describe("dependencies are what the code imports", () => {
  it.each(dirs)("%s", (dir) => {
    const pj = read(dir);
    const imported = new Set<string>();
    for (const f of sourceFiles(dir)) for (const n of importedPackages(f)) imported.add(n);
    imported.delete(pj.name);
    const declared = new Set([...Object.keys(pj.dependencies ?? {}), ...Object.keys(pj.peerDependencies ?? {})]);
    // Type packages are declared for the published types, not imported.
    const missing = [...imported].filter((n) => !declared.has(n)).sort();
    const unused = [...declared].filter((n) => !imported.has(n) && !n.startsWith("@types/")).sort();
    expect({ missing, unused }).toEqual({ missing: [], unused: [] });
  });

  it.each(dirs)("%s declares @types/node when its published types use Node's types", (dir) => {
    const dist = join(repoRoot, dir, "dist");
    if (!existsSync(dist)) return;
    const usesNode = readdirSync(dist)
      .filter((f) => f.endsWith(".d.ts"))
      .some((f) => /\bNodeJS\.|\bBuffer\b|from ["']node:/.test(readFileSync(join(dist, f), "utf8")));
    expect(usesNode ? Object.hasOwn(read(dir).dependencies ?? {}, "@types/node") : true, dir).toBe(true);
  });
});

describe("require() of the ES-module packages", () => {
  it.each(dirs.filter((d) => !d.startsWith("examples/")))("%s loads with require() on a Node that can, or says it is an ES module", async (dir) => {
    const { name } = read(dir);
    // A package resolves its own name through its exports (self-reference): what a CommonJS user's require() gets.
    const r = await runNode(["-e", `const m = require(${JSON.stringify(name)}); console.log(Object.keys(m).length)`], { cwd: join(repoRoot, dir) });
    if ((process.features as { require_module?: boolean }).require_module) {
      expect(r.stderr).toBe("");
      expect(Number(r.stdout)).toBeGreaterThan(0);
    } else {
      expect(r.stderr).toMatch(/require\(\) of ES Module/);
    }
  });
});
