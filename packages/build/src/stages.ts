import { answerKind } from "@mathtune/answer/text";
import { type ErrorCode, type MathRecord, type Rejection, type Stage, normalizeText } from "@mathtune/core";
import "./errors.js";

export type AnswerPolicy = "off" | "flag" | "reject";

export interface AnswerStageOptions {
  /** Quarantine records without a final answer (E_NO_ANSWER). */
  require?: boolean;
  /**
   * The grader must read the answer back from the training output (the solution ending in its
   * answer line or `\boxed{}`), or the record would be graded wrong later (E_ANSWER_UNREADABLE).
   */
  readable?: AnswerPolicy;
  /** The solution's own final answer (flexible extraction) must agree with the label (E_ANSWER_DISAGREES). */
  agree?: AnswerPolicy;
}

/**
 * The answer checks, with the one grader of @mathtune/answer: a final answer must exist, the
 * grader must read it back from the output the model will learn, and the worked solution should
 * agree with the label. Flagged records keep `meta.answerCheck`; the summary counts them by source.
 */
export async function answerStage(options: AnswerStageOptions = {}): Promise<Stage> {
  const { require = true, readable = "flag", agree = "flag" } = options;
  const grader = readable !== "off" || agree !== "off" ? await import("@mathtune/answer") : undefined;
  const format = readable !== "off" ? await import("@mathtune/format") : undefined;
  // Most answers come back verbatim: skip the grader's normalisation for those.
  // Two plain decimal numbers need no CAS: compare their values (the grader's symbolic path is slow for a "no").
  const PLAIN = /^-?\d+(\.\d+)?$/;
  const same = (a: string, b: string) => {
    if (a === b) return true;
    const x = a.trim();
    const y = b.trim();
    if (x === y) return true;
    if (PLAIN.test(x) && PLAIN.test(y)) return Number(x) === Number(y);
    return grader!.equivalent(a, b);
  };
  const counts: Record<string, Record<string, number>> = {};
  const count = (source: string, key: string) => {
    const c = (counts[source] ??= {});
    c[key] = (c[key] ?? 0) + 1;
  };
  const verdict = (policy: AnswerPolicy, r: MathRecord, code: ErrorCode, message: string, detail: Record<string, unknown>): MathRecord | Rejection => {
    count(r.source, code);
    if (policy === "reject") return { code, message, id: r.id, raw: r };
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
          return { code: "E_NO_ANSWER", message: "no final answer could be extracted (e.g. no \\boxed{} in the solution)", id: r.id, raw: r };
        }
        let out: MathRecord | Rejection = r;
        if (grader && format && readable !== "off") {
          let text: string | undefined;
          try {
            text = format.solutionOutput(r).output;
          } catch {
            text = undefined;
          }
          const got = text === undefined ? undefined : grader.extractAnswer(text, { mode: "strict" });
          if (!got || !same(got.answer, r.answer)) {
            out = verdict(readable, r, "E_ANSWER_UNREADABLE", `the grader reads ${got ? `'${got.answer}'` : "no answer"} from the training output, not '${r.answer}'`, {
              extracted: got?.answer ?? null,
            });
            if ("code" in out && !("problem" in out)) return out;
          }
        }
        if (grader && agree !== "off" && r.solution && r.solution.trim()) {
          const got = grader.extractAnswer(r.solution, { mode: "flexible" });
          if (got && !same(got.answer, r.answer)) {
            out = verdict(agree, r, "E_ANSWER_DISAGREES", `the solution ends in '${got.answer}' (${got.rule}) but the label is '${r.answer}'`, {
              extracted: got.answer,
              rule: got.rule,
            });
          }
        }
        return out;
      });
    },
    summary() {
      return { bySource: Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1))), policies: { require, readable, agree } };
    },
  };
}
