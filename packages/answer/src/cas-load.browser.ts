/** The browser build's CAS loader (see cas-load.ts): the bundler resolves the optional peer. */
import * as cas from "@cortex-js/compute-engine";

export type Cas = typeof import("@cortex-js/compute-engine");

export function loadCas(_from?: string | URL): Cas | undefined {
  return cas;
}
