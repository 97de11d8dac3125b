/**
 * The built-in adapters of mathtune, by name; each one is also its own subpath (`@mathtune/loaders/gsm8k`, ...).
 *
 * @packageDocumentation
 * @module @mathtune/loaders
 */
import type { Adapter } from "@mathtune/core";
import { arrow } from "./arrow.js";
import { csv } from "./csv.js";
import { gsm8k } from "./gsm8k.js";
import { json } from "./json.js";
import { jsonl } from "./jsonl.js";
import { math } from "./math.js";
import { mathematics } from "./mathematics.js";
import { parquet } from "./parquet.js";
import { synthetic } from "./synthetic.js";

/** The built-in adapters, by name. */
export const ADAPTERS = {
  gsm8k,
  math,
  mathematics,
  synthetic,
  jsonl,
  json,
  csv,
  parquet,
  arrow,
} satisfies Record<string, Adapter>;

/** The name of a built-in adapter. */
export type AdapterName = keyof typeof ADAPTERS;

/** Whether a name is a built-in adapter's. */
export function isAdapterName(name: string): name is AdapterName {
  return Object.hasOwn(ADAPTERS, name);
}

export { arrow, csv, gsm8k, json, jsonl, math, mathematics, parquet, synthetic };
