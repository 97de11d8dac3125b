import { configure } from "safe-stable-stringify";

const stable = configure({ deterministic: true, circularValue: Error, bigint: true });

/** JSON with object keys sorted: the same value always gives the same text. */
export function stableStringify(value: unknown, space?: number): string {
  return stable(value, null, space) ?? "null";
}
