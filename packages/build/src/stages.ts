import type { MathRecord, Rejection, Stage } from "@mathtune/core";

/** Quarantines records without a final answer (E_NO_ANSWER), when the recipe requires one. */
export function answerStage(): Stage {
  const missing = new Map<string, number>();
  return {
    name: "answer",
    process(batch) {
      return batch.map((r): MathRecord | Rejection => {
        if (r.answer !== undefined && r.answer.trim() !== "" && r.answerKind !== "none") return r;
        missing.set(r.source, (missing.get(r.source) ?? 0) + 1);
        return { code: "E_NO_ANSWER", message: "no final answer could be extracted (e.g. no \\boxed{} in the solution)", id: r.id, raw: r };
      });
    },
    summary() {
      return { missingAnswer: Object.fromEntries([...missing].sort()) };
    },
  };
}

/** The value of a stratification field: a record field or `meta.<key>`. */
export function fieldValue(r: MathRecord, field: string): string {
  const v = field.startsWith("meta.") ? r.meta?.[field.slice(5)] : (r as Record<string, unknown>)[field];
  return v === undefined || v === null ? "-" : String(v);
}
