/**
 * What npm users get: every package packs, passes publint, and installs from its tarball into a
 * project outside the workspace, where each entry point imports and the CLI builds a dataset with
 * the example third-party adapter. No network: third-party dependencies are linked from the
 * workspace's own store instead of being downloaded.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { publint } from "publint";
import { beforeAll, describe, expect, it } from "vitest";
import { BROWSER_LEAVES, checkBrowserLeaf, runExamples, typecheckExamples, writeReadmeExamples } from "./checks.js";
import { assertBuilt, repoRoot, runNode } from "./helpers.js";

const exec = promisify(execFile);

interface Pkg {
  dir: string;
  name: string;
  exports: Record<string, unknown>;
  bin?: Record<string, string>;
}

let pkgs: Pkg[] = [];
let scratch = "";
const tarballs = new Map<string, string>();

async function workspacePackages(): Promise<Pkg[]> {
  const out: Pkg[] = [];
  for (const group of ["packages", "apps", "examples"]) {
    for (const d of (await readdir(join(repoRoot, group))).sort()) {
      const dir = join(repoRoot, group, d);
      if (!existsSync(join(dir, "package.json"))) continue; // a recipe folder such as examples/smollm2-math
      const pj = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as Pkg & { private?: boolean };
      if (pj.private) continue;
      out.push({ dir, name: pj.name, exports: pj.exports, ...(pj.bin ? { bin: pj.bin } : {}) });
    }
  }
  return out;
}

beforeAll(async () => {
  assertBuilt();
  pkgs = await workspacePackages();
  const packDir = await mkdtemp(join(tmpdir(), "mt-pack-"));
  for (const p of pkgs) {
    const { stdout } = await exec("pnpm", ["pack", "--pack-destination", packDir], { cwd: p.dir });
    const tgz = stdout.trim().split("\n").pop()!.trim();
    tarballs.set(p.name, tgz.startsWith("/") ? tgz : join(packDir, tgz));
  }
  // A project outside the workspace with the tarballs unpacked as installed packages.
  scratch = await mkdtemp(join(tmpdir(), "mt-scratch-"));
  const nm = join(scratch, "node_modules");
  await mkdir(join(nm, "@mathtune"), { recursive: true });
  for (const [name, tgz] of tarballs) {
    const dest = join(nm, name);
    await mkdir(dest, { recursive: true });
    await exec("tar", ["-xzf", tgz, "-C", dest, "--strip-components=1"]);
  }
  // Third-party dependencies: linked from the workspace's store (what a registry install would fetch).
  const store = join(repoRoot, "node_modules/.pnpm/node_modules");
  for (const entry of await readdir(store)) {
    if (entry === "@mathtune" || entry === "mathtune" || entry === "mathtune-adapter-qa") continue;
    if (entry.startsWith("@")) {
      await mkdir(join(nm, entry), { recursive: true });
      for (const sub of await readdir(join(store, entry)))
        await symlink(join(store, entry, sub), join(nm, entry, sub)).catch(() => {});
    } else await symlink(join(store, entry), join(nm, entry)).catch(() => {});
  }
  await writeFile(join(scratch, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }));
}, 300_000);

describe("packages as npm users get them", () => {
  it("every package packs with its dist and no workspace: ranges", async () => {
    expect(pkgs.length).toBeGreaterThanOrEqual(9);
    for (const p of pkgs) {
      const { stdout } = await exec("tar", ["-tzf", tarballs.get(p.name)!]);
      const files = stdout.split("\n").filter(Boolean);
      expect(files, p.name).toContain("package/package.json");
      if (p.name !== "mathtune-adapter-qa")
        expect(
          files.some((f) => f.startsWith("package/dist/")),
          p.name,
        ).toBe(true);
      expect(
        files.some(
          (f) => f.startsWith("package/test/") || f.startsWith("package/src/") || /\.test\.[cm]?[jt]s$/.test(f),
        ),
        p.name,
      ).toBe(false);
      const pj = await readFile(join(scratch, "node_modules", p.name, "package.json"), "utf8");
      expect(pj, p.name).not.toContain("workspace:");
    }
  });

  it("every package passes publint", async () => {
    for (const p of pkgs) {
      const { messages } = await publint({
        pkgDir: join(scratch, "node_modules", p.name),
        level: "suggestion",
        strict: true,
        pack: false,
      });
      expect(
        messages.map((m) => `${m.type} ${m.code} ${JSON.stringify(m.args)}`),
        p.name,
      ).toEqual([]);
    }
  });

  it("every export of every package imports from the installed tarballs", async () => {
    const specs: string[] = [];
    for (const p of pkgs) {
      for (const key of Object.keys(p.exports)) {
        if (key.endsWith(".json")) continue;
        specs.push(key === "." ? p.name : `${p.name}/${key.slice(2)}`);
      }
    }
    // The conformance suite needs vitest, which a user installs beside it; importing it alone is not the point.
    const plain = specs.filter((s) => s !== "@mathtune/core/testing");
    const script = `const specs = ${JSON.stringify(plain)}; const out = {}; for (const s of specs) { const m = await import(s); out[s] = Object.keys(m).length; } console.log(JSON.stringify(out));`;
    const r = await runNode(["--input-type=module", "-e", script], { cwd: scratch });
    expect(r.stderr).toBe("");
    const counts = JSON.parse(r.stdout) as Record<string, number>;
    for (const s of plain) expect(counts[s], s).toBeGreaterThan(0);
  });

  it("the installed CLI builds the default dataset, and a recipe naming the example adapter package", async () => {
    const cli = join(scratch, "node_modules/mathtune/dist/cli.js");
    const def = await runNode([cli, "build", "--out", "out-default"], { cwd: scratch });
    expect(def.stderr).not.toMatch(/error/i);
    expect(def.code).toBe(0);
    await writeFile(
      join(scratch, "questions.txt"),
      "Q: What is 6 * 7?\nA: 42\n\nQ: What is 10 - 4?\nW: 10 - 4 = 6\nA: 6\n\nQ: no answer here\n",
    );
    await writeFile(
      join(scratch, "recipe.yaml"),
      "name: third-party\nsources:\n  - adapter: mathtune-adapter-qa\n    options: { path: questions.txt, category: arithmetic }\nsplit: { train: 0.5, validation: 0, test: 0.5 }\n",
    );
    const r = await runNode([cli, "build", "recipe.yaml", "--out", "out-qa"], { cwd: scratch });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const manifest = JSON.parse(await readFile(join(scratch, "out-qa/manifest.json"), "utf8")) as {
      counts: { read: number; written: number; quarantined: number };
    };
    expect(manifest.counts).toMatchObject({ read: 3, written: 2, quarantined: 1 });
    const q = (await readFile(join(scratch, "out-qa/quarantine.jsonl"), "utf8")).trim();
    expect(q).toContain('"code":"E_FIELD_MISSING"');
    expect(q).toContain("questions.txt:8");
  });

  it("the leaf packages bundle for a browser from the installed tarballs", async () => {
    for (const name of Object.keys(BROWSER_LEAVES)) {
      expect(await checkBrowserLeaf(name, scratch, scratch), name).toEqual({
        errors: [],
        nodeImports: false,
        ok: true,
      });
    }
  });

  it("every README example type-checks under strict TypeScript against the installed types, and those needing no data run", async () => {
    const dir = join(scratch, "readme");
    await mkdir(dir);
    const examples = await writeReadmeExamples(dir);
    expect(examples.length).toBeGreaterThanOrEqual(9);
    expect(typecheckExamples(examples, dir)).toEqual([]);
    expect(await runExamples(examples, dir)).toEqual([]);
  }, 600_000);
});
