/**
 * One error vocabulary: every code a package or the CLI raises is registered (core's
 * `errorCodes()`, filled by each package's errors module) and documented in the "Error codes"
 * section (or "Errors", or "Finding codes (error codes)") of the README of the package that
 * registered it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { errorCodes } from "@mathtune/core";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./helpers.js";

const groups = ["packages", "apps"];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? sources(join(dir, d.name))
      : /\.(ts|mts)$/.test(d.name) && !d.name.endsWith(".d.ts")
        ? [join(dir, d.name)]
        : [],
  );
}

/** Every `"E_..."` string literal in the sources (thrown, rejected, compared, passed on), with where it is; not a prefix (`startsWith("E_LATEX")`). */
function codesInSources(): Map<string, string> {
  const found = new Map<string, string>();
  for (const group of groups) {
    for (const pkg of readdirSync(join(repoRoot, group))) {
      let files: string[];
      try {
        files = sources(join(repoRoot, group, pkg, "src"));
      } catch {
        continue;
      }
      for (const file of files) {
        const text = readFileSync(file, "utf8");
        for (const m of text.matchAll(/(?<!startsWith\()"(E_[A-Z][A-Z0-9_]*)"/g)) {
          if (!found.has(m[1]!))
            found.set(m[1]!, `${file.slice(repoRoot.length)}:${text.slice(0, m.index).split("\n").length}`);
        }
      }
    }
  }
  return found;
}

/** The codes in backticks in a README's section on errors: its heading says "Error" or "error codes". */
function documented(readme: string): Set<string> {
  const m = /^## (?:Error|[^\n]*error codes)[^\n]*\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme);
  return new Set([...(m?.[1] ?? "").matchAll(/`(E_[A-Z0-9_]+)`/g)].map((x) => x[1]!));
}

beforeAll(async () => {
  // Importing a package runs its errors module, which registers its codes.
  for (const pkg of readdirSync(join(repoRoot, "packages"))) await import(`@mathtune/${pkg}`);
}, 120_000);

describe("error codes", () => {
  it("every code in the sources is registered", () => {
    const found = codesInSources();
    expect(found.size).toBeGreaterThan(80);
    const missing = [...found]
      .filter(([code]) => !errorCodes().has(code as never))
      .map(([code, where]) => `${code} (${where})`);
    expect(missing).toEqual([]);
  });

  it("every registered code is documented in its package's README", () => {
    const missing: string[] = [];
    for (const { code, package: pkg, description } of errorCodes().values()) {
      expect(description.length).toBeGreaterThan(10);
      const dir = pkg === "mathtune" ? "apps/cli" : `packages/${pkg.replace("@mathtune/", "")}`;
      if (!documented(readFileSync(join(repoRoot, dir, "README.md"), "utf8")).has(code))
        missing.push(`${code} (${dir}/README.md)`);
    }
    expect(missing).toEqual([]);
  });

  it("a package's code stays its own: a shared code listed again by another package keeps its first owner", () => {
    expect(errorCodes().get("E_CONFIG_INVALID")?.package).toBe("@mathtune/core");
    expect(errorCodes().get("E_PYTHON_NOT_FOUND")?.package).toBe("@mathtune/train");
    expect(errorCodes().get("E_HUB_GATED")?.package).toBe("@mathtune/hub");
  });
});
