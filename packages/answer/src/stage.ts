import { type ErrorCode, type MathRecord, type Rejection, type Stage, normalizeText, reject } from "@mathtune/core";
import { extractAnswer } from "./answer-line.js";
import { equivalent } from "./compare.js";
import { answerKind } from "./kind.js";
import "./errors.js";

/** What a check does with a record that fails it: nothing, a flag in `meta.answerCheck`, or quarantine. */
export type AnswerPolicy = "off" | "flag" | "reject";

/** Options of `createAnswerStage`. */
export interface AnswerStageOptions {
  /** Quarantine records without a final answer (E_NO_ANSWER). Default `true`. */
  require?: boolean;
  /**
   * The grader must read the answer back from the training output (the solution ending in its
   * answer line or `\boxed{}`), or the record would be graded wrong later (E_ANSWER_UNREADABLE).
   * Default `"flag"`.
   */
  readable?: AnswerPolicy;
  /** The solution's own final answer (flexible extraction) must agree with the label (E_ANSWER_DISAGREES). Default `"flag"`. */
  agree?: AnswerPolicy;
  /**
   * The training output the model will learn for a record, which the `readable` check reads
   * back (the build passes @mathtune/format's `solutionOutput`). Default: the solution as
   * written. A throw counts as an output with no answer.
   */
  output?: (record: MathRecord) => string;
}

/** The answer stage: a build `Stage`, with its policies in the summary. */
export type AnswerStage = Stage;

// Most answers come back verbatim: skip the grader's normalisation for those.
// Two plain decimal numbers need no CAS: compare their values (the grader's symbolic path is slow for a "no").
const PLAIN = /^-?\d+(\.\d+)?$/;
function same(a: string, b: string): boolean {
  if (a === b) return true;
  const x = a.trim();
  const y = b.trim();
  if (x === y) return true;
  if (PLAIN.test(x) && PLAIN.test(y)) return Number(x) === Number(y);
  return equivalent(a, b);
}

/**
 * The answer checks, with the one grader of this package: a final answer must exist, the grader
 * must read it back from the output the model will learn, and the worked solution should agree
 * with the label. Answers are normalised first (core's `normalizeText`; the answer as written is
 * kept in `meta.answerOriginal`). Flagged records keep `meta.answerCheck`; the summary counts
 * them by source.
 */
export function createAnswerStage(options: AnswerStageOptions = {}): AnswerStage {
  const { require = true, readable = "flag", agree = "flag" } = options;
  const output = options.output ?? ((r: MathRecord) => r.solution ?? "");
  const counts: Record<string, Record<string, number>> = {};
  const count = (source: string, key: string) => {
    const c = (counts[source] ??= {});
    c[key] = (c[key] ?? 0) + 1;
  };
  const verdict = (
    policy: AnswerPolicy,
    r: MathRecord,
    code: ErrorCode,
    message: string,
    detail: Record<string, unknown>,
  ): MathRecord | Rejection => {
    count(r.source, code);
    if (policy === "reject") return reject(code, message, { id: r.id, raw: r });
    r.meta = { ...r.meta, answerCheck: { ...((r.meta?.answerCheck as object) ?? {}), [code]: detail } };
    return r;
  };
  return {
    name: "answer",
    process(batch) {
      return batch.map((r): MathRecord | Rejection => {
        count(r.source, "checked");
        if (r.answer !== undefined) {
          // One normalisation (core's normalizeText): `５`, `٦`, `7` + a zero-width space are the
          // digits they show; the answer as written is kept in meta.answerOriginal.
          const norm = normalizeText(r.answer);
          if (norm !== r.answer) {
            r.meta = { ...r.meta, answerOriginal: r.answer };
            r.answer = norm;
            if (r.answerKind !== "none") r.answerKind = answerKind(norm);
          }
        }
        if (r.answer === undefined || r.answer.trim() === "" || r.answerKind === "none") {
          if (!require) return r;
          count(r.source, "E_NO_ANSWER");
          return reject("E_NO_ANSWER", "no final answer could be extracted (e.g. no \\boxed{} in the solution)", {
            id: r.id,
            raw: r,
          });
        }
        let out: MathRecord | Rejection = r;
        if (readable !== "off") {
          let text: string | undefined;
          try {
            text = output(r);
          } catch {
            text = undefined;
          }
          const got = text === undefined ? undefined : extractAnswer(text, { mode: "strict" });
          if (!got || !same(got.answer, r.answer)) {
            out = verdict(
              readable,
              r,
              "E_ANSWER_UNREADABLE",
              `the grader reads ${got ? `'${got.answer}'` : "no answer"} from the training output, not '${r.answer}'`,
              {
                extracted: got?.answer ?? null,
              },
            );
            if (out !== r) return out;
          }
        }
        if (agree !== "off" && r.solution && r.solution.trim()) {
          const got = extractAnswer(r.solution, { mode: "flexible" });
          if (got && !same(got.answer, r.answer)) {
            out = verdict(
              agree,
              r,
              "E_ANSWER_DISAGREES",
              `the solution ends in '${got.answer}' (${got.rule}) but the label is '${r.answer}'`,
              {
                extracted: got.answer,
                rule: got.rule,
              },
            );
          }
        }
        return out;
      });
    },
    summary() {
      return {
        bySource: Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1))),
        policies: { require, readable, agree },
      };
    },
  };
}
