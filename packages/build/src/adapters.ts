import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type Adapter, MathtuneError } from "@mathtune/core";
import { ADAPTERS, isAdapterName } from "@mathtune/loaders";

function looksLikeAdapter(x: unknown): x is Adapter {
  return typeof x === "object" && x !== null && typeof (x as Adapter).name === "string" && typeof (x as Adapter).load === "function" && typeof (x as Adapter).parseOptions === "function";
}

/**
 * Finds the adapter a recipe names: a built-in name (`gsm8k`), a path to a module (`./my-adapter.js`,
 * relative to the recipe), or a package name (resolved from the recipe's folder, then from the
 * current folder). The module's default export, or its only exported adapter, is used;
 * `pkg#exportName` picks a named export. Importing a module runs its code: a recipe is code, like a
 * Makefile. With `allowCode: false` a module adapter is refused (E_CODE_REFUSED) before it is imported.
 */
export async function resolveAdapter(spec: string, baseDir: string, options: { allowCode?: boolean } = {}): Promise<Adapter> {
  if (isAdapterName(spec)) return ADAPTERS[spec] as unknown as Adapter;
  if (options.allowCode === false) {
    throw new MathtuneError("E_CODE_REFUSED", `adapter '${spec}' is a module: importing it runs its code, and running code is refused (--no-code)`, {
      hint: `use a built-in adapter (${Object.keys(ADAPTERS).join(", ")}), or drop --no-code if you trust this recipe`,
    });
  }
  const [modSpec, exportName] = spec.split("#") as [string, string | undefined];
  let url: string;
  if (modSpec.startsWith(".") || isAbsolute(modSpec)) {
    url = pathToFileURL(resolve(baseDir, modSpec)).href;
  } else {
    let found: string | undefined;
    for (const from of [baseDir, process.cwd()]) {
      try {
        found = createRequire(join(from, "noop.js")).resolve(modSpec);
        break;
      } catch {
        // try the next folder
      }
    }
    url = found ? pathToFileURL(found).href : modSpec;
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw new MathtuneError("E_ADAPTER_NOT_FOUND", `adapter '${spec}' is not a built-in adapter and its module could not be loaded: ${(e as Error).message}`, {
      cause: e,
      hint: `built-in adapters: ${Object.keys(ADAPTERS).join(", ")}; for a package, install it next to the recipe (npm i ${modSpec})`,
    });
  }
  if (exportName) {
    const a = mod[exportName];
    if (!looksLikeAdapter(a)) throw new MathtuneError("E_ADAPTER_INVALID", `export '${exportName}' of ${modSpec} is not an adapter made with defineAdapter`);
    return a;
  }
  if (looksLikeAdapter(mod.default)) return mod.default;
  const candidates = Object.values(mod).filter(looksLikeAdapter);
  if (candidates.length === 1) return candidates[0]!;
  throw new MathtuneError(
    "E_ADAPTER_INVALID",
    candidates.length ? `${modSpec} exports ${candidates.length} adapters; name one as '${modSpec}#exportName'` : `${modSpec} exports no adapter made with defineAdapter`,
  );
}
