/**
 * Loads the CAS (@cortex-js/compute-engine, an optional peer dependency) on first use, synchronously,
 * so that `compare` stays synchronous: through its CommonJS build, which every Node 20 can require.
 * The browser build of this package uses cas-load.browser.ts instead (a plain import, resolved by the
 * bundler). Undefined when the package is not installed.
 */
import { createRequire } from "node:module";

export type Cas = typeof import("@cortex-js/compute-engine");

export function loadCas(): Cas | undefined {
  try {
    return createRequire(import.meta.url)("@cortex-js/compute-engine") as Cas;
  } catch (e) {
    if ((e as { code?: string })?.code === "MODULE_NOT_FOUND") return undefined;
    throw e;
  }
}
