/**
 * `synthetic`: math problems generated on the spot by `@mathtune/synth`, with worked solutions and
 * answers that are correct by construction and rechecked independently. English and Chinese; six
 * categories with three levels each. No download, no files: the default source of `mathtune build`.
 *
 * @packageDocumentation
 * @module @mathtune/loaders/synthetic
 */
import { defineAdapter, reject } from "@mathtune/core";
import { generateIter, SynthOptionsSchema, verify } from "@mathtune/synth";

/**
 * Math problems generated on the spot by `@mathtune/synth`, each one verified; a failed check sends the record
 * to quarantine (`E_SYNTH_UNVERIFIED`).
 */
export const synthetic = defineAdapter({
  name: "synthetic",
  description:
    "Generated arithmetic, linear equations, unit conversion, percentages, word problems and geometry (en, zh), with computed and verified answers.",
  splits: [],
  options: SynthOptionsSchema,
  async *load(options, ctx) {
    let n = 0;
    // The adapter verifies each record itself, so that a record failing verification (a generator
    // bug) goes to quarantine with its reasons instead of stopping the build.
    for (const record of generateIter({ ...options, verify: false }, ctx.signal ? { signal: ctx.signal } : {})) {
      n++;
      const check = options.verify ? verify(record) : undefined;
      if (check && !check.ok) {
        ctx.reject(
          reject(
            "E_SYNTH_UNVERIFIED",
            `generated record failed independent verification: ${check.problems.join("; ")}`,
            { location: { file: "@mathtune/synth", entry: record.id }, raw: record, id: record.id },
          ),
        );
      } else yield record;
      // Every 64 records: a few milliseconds of work, so the build's ETA moves smoothly.
      if (n % 64 === 0 || n === options.count) ctx.progress?.(n, options.count);
    }
  },
});
