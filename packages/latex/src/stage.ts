import {
  locationOf,
  MathtuneError,
  parseOptions,
  throwIfAborted,
  Type,
  withLocation,
  type MathRecord,
  type Rejection,
  type Stage,
  type StageContext,
  type Static,
  reject,
} from "@mathtune/core";
import { ajv } from "@mathtune/core/internal";
import { LatexPool } from "./pool.js";
import { FINDING_CODES, type Finding, type FindingCode, type FindingKind, type LatexFields } from "./validate.js";

/** What to do with a record that has findings: quarantine it, keep it with the findings in `meta.latex`, or ignore them. */
export type LatexPolicy = "reject" | "flag" | "off";

const PolicySchema = Type.Union([Type.Literal("reject"), Type.Literal("flag"), Type.Literal("off")]);

/**
 * Options of the LaTeX stage (a recipe's `checks.latex`). Every property has a default.
 *
 * - `policy`: for findings of kind `error` (the source is wrong), per source (`record.source`).
 *   A source whose policy is `off` is not validated at all.
 * - `beyondKatex`: for E_LATEX_BEYOND_KATEX (correct LaTeX that KaTeX cannot render).
 * - `strict`: for E_LATEX_STRICT (KaTeX strict-mode warnings).
 * - `byCode`: a policy per finding code, over the three above.
 * - `dollars`: whether `$` opens math, per source; GSM8K's dollars are money.
 * - `workers`: worker threads (0: validate in the build's thread); default the available cores.
 */
export const LatexStageOptionsSchema = Type.Object(
  {
    policy: Type.Optional(
      Type.Object(
        {
          default: Type.Optional(PolicySchema),
          bySource: Type.Optional(Type.Record(Type.String(), PolicySchema)),
        },
        { additionalProperties: false },
      ),
    ),
    beyondKatex: Type.Optional(PolicySchema),
    strict: Type.Optional(PolicySchema),
    byCode: Type.Optional(
      Type.Record(Type.String({ pattern: `^(${Object.keys(FINDING_CODES).join("|")})$` }), PolicySchema, {
        description: "a policy per finding code (E_LATEX_*), over policy/beyondKatex/strict",
      }),
    ),
    dollars: Type.Optional(
      Type.Object(
        {
          default: Type.Optional(Type.Boolean()),
          bySource: Type.Optional(Type.Record(Type.String(), Type.Boolean())),
        },
        { additionalProperties: false },
      ),
    ),
    workers: Type.Optional(Type.Integer({ minimum: 0, maximum: 256 })),
    workerUrl: Type.Optional(
      Type.String({ description: "the worker script (default: dist/worker.js of this package)" }),
    ),
  },
  { additionalProperties: false, title: "LaTeX stage options" },
);

/** The options of the LaTeX build stage as written (see `LatexStageOptionsSchema`). */
export type LatexStageOptions = Static<typeof LatexStageOptionsSchema>;

/** The options with every default filled in. */
export interface ResolvedLatexOptions {
  policy: { default: LatexPolicy; bySource: Record<string, LatexPolicy> };
  beyondKatex: LatexPolicy;
  strict: LatexPolicy;
  byCode: Partial<Record<FindingCode, LatexPolicy>>;
  dollars: { default: boolean; bySource: Record<string, boolean> };
  workers: number | undefined;
  workerUrl: string | undefined;
}

/**
 * Defaults: errors and strict-mode findings flagged; beyond-KaTeX findings (correct LaTeX) counted
 * in the summary but not flagged; GSM8K's `$` is money.
 */
export const LATEX_STAGE_DEFAULTS = {
  policy: "flag",
  beyondKatex: "off",
  strict: "flag",
  dollarsBySource: { gsm8k: false },
} as const;

/** Validates stage options against LatexStageOptionsSchema and fills in the defaults; throws E_OPTIONS_INVALID. */
export function parseLatexStageOptions(options: unknown = {}): ResolvedLatexOptions {
  const o: LatexStageOptions = parseOptions(LatexStageOptionsSchema, options, {
    what: "LaTeX stage options",
    check: (v) => {
      const byCode = (v as { byCode?: unknown } | null)?.byCode;
      const unknown =
        byCode && typeof byCode === "object" ? Object.keys(byCode).filter((c) => !(c in FINDING_CODES)) : [];
      return unknown.length
        ? [
            `/byCode: unknown finding code ${unknown.map((c) => `'${c}'`).join(", ")} (codes: ${Object.keys(FINDING_CODES).join(", ")})`,
          ]
        : [];
    },
  });
  return {
    policy: { default: o.policy?.default ?? LATEX_STAGE_DEFAULTS.policy, bySource: { ...o.policy?.bySource } },
    beyondKatex: o.beyondKatex ?? LATEX_STAGE_DEFAULTS.beyondKatex,
    strict: o.strict ?? LATEX_STAGE_DEFAULTS.strict,
    byCode: { ...(o.byCode as Partial<Record<FindingCode, LatexPolicy>> | undefined) },
    dollars: {
      default: o.dollars?.default ?? true,
      bySource: { ...LATEX_STAGE_DEFAULTS.dollarsBySource, ...o.dollars?.bySource },
    },
    workers: o.workers,
    workerUrl: o.workerUrl,
  };
}

/** Counts for one source. `findings`: findings per code; `records`: records with that code. */
export interface LatexSourceSummary {
  records: number;
  /** Records not validated (policy `off`). */
  skipped: number;
  /** Records kept with findings in `meta.latex`. */
  flagged: number;
  rejected: number;
  segments: number;
  /** Asymptote blocks skipped. */
  asy: number;
  findings: Partial<Record<FindingCode, number>>;
  recordsWithCode: Partial<Record<FindingCode, number>>;
  /** Findings whose policy is `off`: counted here, not acted on. */
  ignored: Partial<Record<FindingCode, number>>;
}

/** What the LaTeX stage saw: how it ran, and the counts per source. */
export interface LatexSummary {
  /** `workers` or `inline` (validated in the build's thread). */
  mode: "workers" | "inline";
  workers: number;
  /** Set when the workers could not start and the stage validated in the build's thread. */
  fallback?: string;
  records: number;
  flagged: number;
  rejected: number;
  bySource: Record<string, LatexSourceSummary>;
}

export interface LatexStage extends Stage {
  /** Checks a batch: each record unchanged, flagged (`meta.latex`) or rejected, in order. */
  process(batch: readonly MathRecord[], ctx?: StageContext): Promise<Array<MathRecord | Rejection>>;
  summary(): LatexSummary & Record<string, unknown>;
  close(): Promise<void>;
  readonly options: ResolvedLatexOptions;
}

const KIND_OPTION: Record<FindingKind, "beyondKatex" | "strict" | undefined> = {
  error: undefined,
  beyond: "beyondKatex",
  strict: "strict",
};

/** The policy for one finding of a source whose policy is `sourcePolicy`. */
export function policyFor(
  options: ResolvedLatexOptions,
  sourcePolicy: LatexPolicy,
  finding: Pick<Finding, "code" | "kind">,
): LatexPolicy {
  const byCode = options.byCode[finding.code];
  if (byCode) return byCode;
  const opt = KIND_OPTION[finding.kind];
  return opt ? options[opt] : sourcePolicy;
}

function describe(f: Finding): string {
  return `${f.code} in ${f.field} at ${f.offset}: ${f.message} (near ${JSON.stringify(f.excerpt)})`;
}

function emptySource(): LatexSourceSummary {
  return {
    records: 0,
    skipped: 0,
    flagged: 0,
    rejected: 0,
    segments: 0,
    asy: 0,
    findings: {},
    recordsWithCode: {},
    ignored: {},
  };
}

const inc = <K extends string>(m: Partial<Record<K, number>>, k: K, by = 1): void => {
  m[k] = (m[k] ?? 0) + by;
};

/**
 * The build stage: validates each record's problem, solution and answer in a worker pool and,
 * per the options, rejects it (`E_LATEX_*` code, the findings in `raw.meta.latex`), flags it (a copy
 * with `meta.latex: Finding[]`) or passes it unchanged. Batches keep their order.
 */
export function createLatexStage(options: LatexStageOptions | Record<string, unknown> = {}): LatexStage {
  const opts = parseLatexStageOptions(options);
  let pool: LatexPool | undefined;
  const getPool = (): LatexPool => {
    pool ??= new LatexPool({
      ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
      ...(opts.workerUrl !== undefined ? { workerUrl: opts.workerUrl } : {}),
    });
    return pool;
  };
  // Start the workers now, unless no source is validated: they load KaTeX while the build reads its
  // first batch. Idle workers do not keep the process alive.
  if (opts.policy.default !== "off" || Object.values(opts.policy.bySource).some((p) => p !== "off")) getPool();
  const bySource = new Map<string, LatexSourceSummary>();
  const sourcePolicy = (source: string): LatexPolicy => opts.policy.bySource[source] ?? opts.policy.default;
  const sourceDollars = (source: string): boolean => opts.dollars.bySource[source] ?? opts.dollars.default;

  return {
    name: "latex",
    options: opts,
    async process(batch, ctx) {
      throwIfAborted(ctx?.signal);
      const todo: number[] = [];
      for (const [i, r] of batch.entries()) if (sourcePolicy(r.source) !== "off") todo.push(i);
      const reports = todo.length
        ? await getPool().run(
            todo.map((i) => {
              const r = batch[i]!;
              const fields: LatexFields = { problem: r.problem };
              if (r.solution !== undefined) fields.solution = r.solution;
              if (r.answer !== undefined) fields.answer = r.answer;
              if (r.answerKind !== undefined) fields.answerKind = r.answerKind;
              return { fields, dollars: sourceDollars(r.source), strict: true };
            }),
            ctx?.signal,
          )
        : [];
      const out: Array<MathRecord | Rejection> = batch.slice();
      for (const r of batch) {
        let s = bySource.get(r.source);
        if (!s) bySource.set(r.source, (s = emptySource()));
        s.records++;
        if (sourcePolicy(r.source) === "off") s.skipped++;
      }
      for (const [k, i] of todo.entries()) {
        const r = batch[i]!;
        const rep = reports[k]!;
        const s = bySource.get(r.source)!;
        const sp = sourcePolicy(r.source);
        s.segments += rep.segments;
        s.asy += rep.asy;
        const rejectFor: Finding[] = [];
        const keep: Finding[] = [];
        const codes = new Set<FindingCode>();
        for (const f of rep.findings) {
          inc(s.findings, f.code);
          codes.add(f.code);
          const p = policyFor(opts, sp, f);
          if (p === "off") inc(s.ignored, f.code);
          else {
            keep.push(f);
            if (p === "reject") rejectFor.push(f);
          }
        }
        for (const c of codes) inc(s.recordsWithCode, c);
        if (!keep.length) continue;
        const flagged: MathRecord = { ...r, meta: { ...r.meta, latex: keep } };
        const location = locationOf(r);
        if (location) withLocation(flagged, location); // later stages still know where it came from
        if (rejectFor.length) {
          s.rejected++;
          const first = rejectFor[0]!;
          const more =
            keep.length > 1 ? ` (+${keep.length - 1} more finding${keep.length > 2 ? "s" : ""} in raw.meta.latex)` : "";
          out[i] = reject(first.code, `LaTeX: ${describe(first)}${more}`, {
            id: r.id,
            raw: flagged,
            ...(location ? { location } : {}),
          });
        } else {
          s.flagged++;
          out[i] = flagged;
        }
      }
      return out;
    },
    summary() {
      const sources = Object.fromEntries([...bySource].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      const all = Object.values(sources);
      return {
        mode: pool?.mode ?? "inline",
        workers: pool?.mode === "workers" ? pool.size : 0,
        ...(pool?.fallback ? { fallback: pool.fallback } : {}),
        records: all.reduce((n, s) => n + s.records, 0),
        flagged: all.reduce((n, s) => n + s.flagged, 0),
        rejected: all.reduce((n, s) => n + s.rejected, 0),
        bySource: sources,
      };
    },
    async close() {
      await pool?.close();
    },
  };
}

/** The LaTeX section of a dataset card: a Markdown table of findings per source and code. */
export function formatLatexSummary(summary: LatexSummary): string {
  const lines = [
    "| source | records | flagged | rejected | code | findings | records with it | ignored |",
    "|---|---:|---:|---:|---|---:|---:|---:|",
  ];
  for (const [name, s] of Object.entries(summary.bySource)) {
    const codes = (Object.keys(FINDING_CODES) as FindingCode[]).filter((c) => s.findings[c]);
    if (!codes.length) lines.push(`| ${name} | ${s.records} | ${s.flagged} | ${s.rejected} | - | 0 | 0 | 0 |`);
    for (const [j, c] of codes.entries()) {
      const head = j === 0 ? `| ${name} | ${s.records} | ${s.flagged} | ${s.rejected} |` : "| | | | |";
      lines.push(`${head} ${c} | ${s.findings[c] ?? 0} | ${s.recordsWithCode[c] ?? 0} | ${s.ignored[c] ?? 0} |`);
    }
  }
  return lines.join("\n");
}
