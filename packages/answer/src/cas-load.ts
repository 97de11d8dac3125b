/**
 * Loads the CAS (@cortex-js/compute-engine, an optional peer dependency) on first use, synchronously,
 * so that `compare` stays synchronous: through its CommonJS build, which every Node 20 can require.
 * The browser build of this package uses cas-load.browser.ts instead (a plain import, resolved by the
 * bundler). Undefined when the package is not installed.
 */
import { createRequire } from "node:module";

export type Cas = typeof import("@cortex-js/compute-engine");

export function loadCas(from: string | URL = import.meta.url): Cas | undefined {
  try {
    return createRequire(from)("@cortex-js/compute-engine") as Cas;
  } catch (e) {
    // not installed; a module missing inside an installed CAS is its own error, passed on
    const err = e as { code?: string; message?: string };
    if (err?.code === "MODULE_NOT_FOUND" && String(err.message).includes("'@cortex-js/compute-engine'"))
      return undefined;
    throw e;
  }
}
