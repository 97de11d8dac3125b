/**
 * The packages as published: metadata every package carries, and dependencies that are exactly
 * what the code imports (read from the sources, so no build is needed).
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join } from "node:path";
import semver from "semver";
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
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  devDependencies?: Record<string, string>;
  engines?: { node?: string };
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
  const statements =
    /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"'./][^"']*)["']|^\s*import\s*["']([^"'./][^"']*)["']|\bimport\(\s*["']([^"'./][^"']*)["']\s*\)/gm;
  for (const m of text.matchAll(statements)) {
    const spec = (m[1] ?? m[2] ?? m[3])!;
    if (spec.startsWith("node:") || builtinModules.includes(spec.split("/")[0]!)) continue;
    names.add(
      spec
        .split("/")
        .slice(0, spec.startsWith("@") ? 2 : 1)
        .join("/"),
    );
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

/** The folder a package `name` resolves to from `fromDir`, as Node looks it up (node_modules upwards). */
function findInstalled(fromDir: string, name: string): string | undefined {
  for (let d = fromDir; ; d = dirname(d)) {
    const candidate = join(d, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return realpathSync(candidate);
    if (dirname(d) === d) return undefined;
  }
}

/**
 * What `npm i <package>` installs with it, read from the workspace's node_modules (the lockfile's
 * versions): its dependencies and their non-optional peers, transitively. Optional peers are not
 * installed by npm, so they are not followed.
 */
function installClosure(dir: string): Map<string, { dir: string; pj: PackageJson; via: string }> {
  const seen = new Map<string, { dir: string; pj: PackageJson; via: string }>();
  const queue: Array<{ from: string; via: string }> = [{ from: realpathSync(join(repoRoot, dir)), via: "" }];
  while (queue.length) {
    const { from, via } = queue.shift()!;
    const pj = JSON.parse(readFileSync(join(from, "package.json"), "utf8")) as PackageJson;
    const optionalPeers = new Set(
      Object.entries(pj.peerDependenciesMeta ?? {})
        .filter(([, m]) => m.optional)
        .map(([n]) => n),
    );
    const names = [
      ...Object.keys(pj.dependencies ?? {}),
      ...Object.keys(pj.peerDependencies ?? {}).filter((n) => !optionalPeers.has(n)),
    ];
    for (const name of names) {
      const found = findInstalled(from, name);
      if (!found) throw new Error(`${dir}: ${name} (via ${via || pj.name}) is not installed; run pnpm install`);
      const dep = JSON.parse(readFileSync(join(found, "package.json"), "utf8")) as PackageJson;
      const key = `${dep.name}@${(dep as { version?: string }).version}`;
      if (seen.has(key)) continue;
      const path = via ? `${via} > ${name}` : name;
      seen.set(key, { dir: found, pj: dep, via: path });
      queue.push({ from: found, via: path });
    }
  }
  return seen;
}

/**
 * True when every Node version in `ours` satisfies `theirs`: the versions where a gap of `theirs`
 * could begin are our lowest version and each upper bound of theirs, so checking those is exact
 * (semver.subset is not: it wants one comparator set of theirs to hold ours whole, so `>=20.11` is
 * not a subset of `^20 || >=21` there).
 */
function nodeRangeHolds(ours: string, theirs: string): boolean {
  const points = new Set<string>();
  for (const set of new semver.Range(ours).set)
    for (const c of set)
      if (c.operator.startsWith(">"))
        points.add(c.operator === ">" ? semver.inc(c.semver, "patch")! : c.semver.version);
  for (const set of new semver.Range(theirs).set) {
    for (const c of set) {
      // (`^20` ends at `<21.0.0-0`: 21.0.0 is where the gap begins for a range without prereleases)
      if (c.operator === "<") points.add(c.semver.version).add(`${c.semver.major}.${c.semver.minor}.${c.semver.patch}`);
      else if (c.operator === "<=") points.add(semver.inc(c.semver, "patch")!);
    }
  }
  return [...points].filter((v) => semver.satisfies(v, ours)).every((v) => semver.satisfies(v, theirs));
}

const published = dirs.filter((d) => !read(d).private);
const FLOOR = read(".").engines?.node;

describe("engines are true", () => {
  it("the range check itself", () => {
    expect(nodeRangeHolds(">=20.11", "^18 || ^20 || >= 21")).toBe(true);
    expect(nodeRangeHolds(">=20.11", ">=22.3.0")).toBe(false);
    expect(nodeRangeHolds(">=20.11", "^20.17.0 || >=22.9.0")).toBe(false);
    expect(nodeRangeHolds("^20.19.0 || >=22.12.0", "^20.17.0 || >=22.9.0")).toBe(true);
    expect(nodeRangeHolds("^20.19.0 || >=22.12.0", ">=20 <24")).toBe(false);
    expect(nodeRangeHolds(">=20.11", "^20")).toBe(false);
  });

  it.each(published)("%s: every package npm installs with it supports every Node version it declares", (dir) => {
    const floor = read(dir).engines?.node;
    expect(floor, `${dir} declares the workspace's engines.node`).toBe(FLOOR);
    // What `npm i --engine-strict` checks, for every Node in our range rather than only the one running.
    const refused = [...installClosure(dir)]
      .filter(([, { pj }]) => pj.engines?.node && !nodeRangeHolds(floor!, pj.engines.node))
      .map(([key, { pj, via }]) => `${key} wants node ${pj.engines!.node} (via ${via})`);
    expect(refused).toEqual([]);
  });

  // The CAS (@cortex-js/compute-engine, 46 MB, Node >= 22.3) is an optional peer of @mathtune/answer,
  // loaded on first use: no package installs it, least of all one that imports only @mathtune/answer/text.
  it.each(published)("%s: does not pull the CAS", (dir) => {
    const pulled = [...installClosure(dir).values()]
      .filter(({ pj }) => pj.name === "@cortex-js/compute-engine")
      .map(({ via }) => via);
    expect(pulled).toEqual([]);
  });
});

describe("require() of the ES-module packages", () => {
  it.each(dirs.filter((d) => !d.startsWith("examples/")))(
    "%s loads with require() on a Node that can, or says it is an ES module",
    async (dir) => {
      const { name } = read(dir);
      // A package resolves its own name through its exports (self-reference): what a CommonJS user's require() gets.
      const r = await runNode(
        ["-e", `const m = require(${JSON.stringify(name)}); console.log(Object.keys(m).length)`],
        { cwd: join(repoRoot, dir) },
      );
      if ((process.features as { require_module?: boolean }).require_module) {
        expect(r.stderr).toBe("");
        expect(Number(r.stdout)).toBeGreaterThan(0);
      } else {
        expect(r.stderr).toMatch(/require\(\) of ES Module/);
      }
    },
  );
});
