// API docs for every published package, from its public entries only (the "exports" of each
// package.json, mapped back to their sources). `pnpm docs:api` writes them to docs/api/ (ignored)
// and fails on any warning: an exported symbol without a doc comment, a type that a public
// signature uses but no entry exports, or a broken {@link}. That keeps each index to its documented API.
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

const root = import.meta.dirname;
const entryPoints = [];
const paths = {};
const packages = [];
for (const dir of readdirSync(join(root, "packages")).sort()) {
  const pkg = JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8"));
  if (pkg.private) continue;
  packages.push(pkg.name);
  for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
    if (typeof target !== "object" || !target.types) continue;
    const internal = subpath.endsWith("/internal");
    const file = internal
      ? "src/internal/index.ts"
      : target.types.replace(/^\.\/dist\//, "src/").replace(/\.d\.ts$/, ".ts");
    const source = resolve(root, "packages", dir, file);
    // Resolve sibling packages to their sources, so a type is documented once, where it is declared.
    paths[pkg.name + subpath.slice(1)] = [source];
    // `./internal` is shared between the mathtune packages only: not API, so not documented.
    if (!internal) entryPoints.push(source);
  }
}

/** @type {Partial<import("typedoc").TypeDocOptions>} */
export default {
  entryPoints,
  entryPointStrategy: "resolve",
  tsconfig: "tsconfig.typedoc.json",
  compilerOptions: { paths },
  out: "docs/api",
  name: "mathtune",
  readme: "none",
  // Source links point at the public repository whatever the clone's remote (a CI clone has a local path).
  disableGit: true,
  sourceLinkTemplate: "https://github.com/mathtune/mathtune/blob/main/{path}#L{line}",
  excludePrivate: true,
  excludeInternal: true,
  treatWarningsAsErrors: true,
  treatValidationWarningsAsErrors: true,
  packagesRequiringDocumentation: packages,
  validation: {
    notExported: true,
    invalidLink: true,
    rewrittenLink: true,
    notDocumented: true,
    unusedMergeModuleWith: true,
  },
  requiredToBeDocumented: ["Enum", "Variable", "Function", "Class", "Interface", "TypeAlias"],
};
