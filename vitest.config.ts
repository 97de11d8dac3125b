import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;
const dirs = ["packages", "apps", "examples"].flatMap((group) =>
  readdirSync(join(root, group), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, group, d.name, "package.json")))
    .map((d) => join(group, d.name)),
);

/**
 * Tests run against the TypeScript sources of workspace packages, not their builds:
 * `@mathtune/x/sub` resolves to `packages/x/src/sub.ts` or `packages/x/src/sub/index.ts` (the build
 * maps them to `dist/sub.js`).
 */
function workspaceSources(): Plugin {
  const byName = new Map<string, string>();
  for (const dir of dirs) {
    const pkg = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as { name: string };
    byName.set(pkg.name, join(root, dir));
  }
  return {
    name: "mathtune-workspace-sources",
    enforce: "pre",
    resolveId(id) {
      const m = /^(@mathtune\/[^/]+|mathtune)(?:\/(.+))?$/.exec(id);
      if (!m) return null;
      const dir = byName.get(m[1]!);
      if (!dir) return null;
      const file = resolve(dir, "src", `${m[2] ?? "index"}.ts`);
      if (existsSync(file)) return file;
      // A folder entry (`@mathtune/core/internal` is `src/internal/index.ts`).
      const index = resolve(dir, "src", m[2] ?? "", "index.ts");
      return m[2] && existsSync(index) ? index : null;
    },
  };
}

export default defineConfig({
  plugins: [workspaceSources()],
  test: {
    projects: dirs.map((dir) => ({
      plugins: [workspaceSources()],
      test: {
        name: dir.split("/")[1],
        root: join(root, dir),
        include: ["src/**/*.test.ts", "test/**/*.test.ts"],
        testTimeout: 60_000,
        hookTimeout: 600_000,
      },
    })),
  },
});
