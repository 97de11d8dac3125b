import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type Adapter, MathtuneError, type SourceLocation, closestName } from "@mathtune/core";
import { ADAPTERS, isAdapterName } from "@mathtune/loaders";
import { resolve as esmResolve } from "import-meta-resolve";

function looksLikeAdapter(x: unknown): x is Adapter {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as Adapter).name === "string" &&
    typeof (x as Adapter).load === "function" &&
    typeof (x as Adapter).parseOptions === "function"
  );
}

/** The name of the npm package a module specifier points into (`@scope/pkg/sub` -> `@scope/pkg`). */
const packageName = (spec: string) =>
  spec
    .split("/")
    .slice(0, spec.startsWith("@") ? 2 : 1)
    .join("/");

/**
 * Resolves a package specifier as `import` would from a file in `dir`: the ESM resolver, so
 * packages that export only an `import` condition resolve too. Undefined when it is not installed there.
 */
function resolvePackageFrom(spec: string, dir: string): string | undefined {
  try {
    return esmResolve(spec, pathToFileURL(join(dir, "recipe.js")).href);
  } catch {
    return undefined;
  }
}

/**
 * Finds the adapter a recipe names: a built-in name (`gsm8k`), a path to a module (`./my-adapter.js`,
 * relative to the recipe), or a package name (resolved from the recipe's folder, then from the
 * current folder, as `import` resolves it). The module's default export, or its only exported
 * adapter, is used; `pkg#exportName` picks a named export. `location` (the recipe's line) goes
 * into errors. Importing a module runs its code: a recipe is code, like a Makefile. With
 * `allowCode: false` a module adapter is refused (E_CODE_REFUSED) before it is imported.
 */
export async function resolveAdapter(
  spec: string,
  baseDir: string,
  location?: SourceLocation,
  options: { allowCode?: boolean } = {},
): Promise<Adapter> {
  if (isAdapterName(spec)) return ADAPTERS[spec] as unknown as Adapter;
  const where = location ? { location } : {};
  if (options.allowCode === false) {
    throw new MathtuneError(
      "E_CODE_REFUSED",
      `adapter '${spec}' is a module: importing it runs its code, and running code is refused (--no-code)`,
      {
        ...where,
        hint: `use a built-in adapter (${Object.keys(ADAPTERS).join(", ")}), or drop --no-code if you trust this recipe`,
      },
    );
  }
  const [modSpec, exportName] = spec.split("#") as [string, string | undefined];
  const builtIns = Object.keys(ADAPTERS);
  let url: string;
  if (modSpec.startsWith(".") || isAbsolute(modSpec)) {
    url = pathToFileURL(resolve(baseDir, modSpec)).href;
  } else {
    const found = resolvePackageFrom(modSpec, baseDir) ?? resolvePackageFrom(modSpec, process.cwd());
    if (!found) {
      const near = closestName(modSpec, builtIns);
      throw new MathtuneError(
        "E_ADAPTER_NOT_FOUND",
        near
          ? `unknown adapter '${spec}' (did you mean '${near}'?)`
          : `adapter '${spec}' is not a built-in adapter, and no package of that name is installed where the recipe is`,
        {
          ...where,
          hint: near
            ? `built-in adapters: ${builtIns.join(", ")}`
            : `built-in adapters: ${builtIns.join(", ")}; an adapter package must be installed in a node_modules folder beside the recipe or above it (package '${packageName(modSpec)}')`,
        },
      );
    }
    url = found;
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw new MathtuneError(
      "E_ADAPTER_NOT_FOUND",
      `adapter module '${modSpec}' could not be loaded: ${(e as Error).message}`,
      {
        ...where,
        cause: e,
        hint: `built-in adapters: ${builtIns.join(", ")}`,
      },
    );
  }
  if (exportName) {
    const a = mod[exportName];
    if (!looksLikeAdapter(a))
      throw new MathtuneError(
        "E_ADAPTER_INVALID",
        `export '${exportName}' of ${modSpec} is not an adapter made with defineAdapter`,
        where,
      );
    return a;
  }
  if (looksLikeAdapter(mod.default)) return mod.default;
  const candidates = Object.values(mod).filter(looksLikeAdapter);
  if (candidates.length === 1) return candidates[0]!;
  throw new MathtuneError(
    "E_ADAPTER_INVALID",
    candidates.length
      ? `${modSpec} exports ${candidates.length} adapters; name one as '${modSpec}#exportName'`
      : `${modSpec} exports no adapter made with defineAdapter`,
    where,
  );
}
