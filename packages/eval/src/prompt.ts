import { dirname } from "node:path";
import type { MathRecord } from "@mathtune/core";
import {
  type ChatMessage,
  type FormatOptions,
  type FormatRecordOptions,
  parseFormatOptions,
  recordMessages,
} from "@mathtune/format";

/** How problems are put to the model: the wording and system prompt the training data used. */
export interface PromptSettings {
  /** The format options of the build (its recipe's output.formatOptions), defaults applied. */
  formatOptions: FormatOptions;
  /** Folder that relative paths in the format options are resolved against (the recipe's). */
  baseDir?: string;
  /** Where the settings came from: the build's manifest, or the defaults. */
  from: "manifest" | "defaults";
}

/**
 * The prompt settings recorded in a build's manifest.json (`recipe.value.output.formatOptions`, as
 * `mathtune build` writes it), validated through @mathtune/format; the format's defaults without one.
 */
export function promptSettings(
  manifest: Record<string, unknown> | undefined,
  overrides: { system?: string } = {},
): PromptSettings {
  const recipe = manifest?.recipe as
    | { file?: string | null; value?: { output?: { formatOptions?: Record<string, unknown> } } }
    | undefined;
  const given = recipe?.value?.output?.formatOptions;
  const opts = parseFormatOptions({
    ...(given ?? {}),
    ...(overrides.system !== undefined ? { system: overrides.system } : {}),
  });
  const baseDir = typeof recipe?.file === "string" ? dirname(recipe.file) : undefined;
  return { formatOptions: opts, ...(baseDir ? { baseDir } : {}), from: given ? "manifest" : "defaults" };
}

/**
 * The conversation that asks a test problem: the system prompt (when the build set one) and the user
 * turn with the instruction and the problem, worded as @mathtune/format words training data, so the
 * answer style (answer line or \boxed{}) is the one the model was taught for this kind of record.
 */
export function promptMessages(record: MathRecord, settings: PromptSettings): ChatMessage[] {
  const o = settings.formatOptions;
  const options: FormatRecordOptions = {
    answerStyle: o.answerStyle,
    stripCalculator: o.stripCalculator,
    asymptote: o.asymptote,
    ...(o.system !== undefined ? { system: o.system } : {}),
    ...(o.instructions ? { instructions: o.instructions } : {}),
  };
  // The training conversation minus the assistant turn: the same system prompt, instruction and
  // problem text, with the answer style (answer line or \boxed{}) the record's solution implies.
  return recordMessages(record, options).slice(0, -1);
}
