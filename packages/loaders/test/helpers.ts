import { fileURLToPath } from "node:url";

/** Absolute path of a file under the repository's test-fixtures/. */
export function fixture(...parts: string[]): string {
  return fileURLToPath(new URL(`../../../test-fixtures/${parts.join("/")}`, import.meta.url));
}
