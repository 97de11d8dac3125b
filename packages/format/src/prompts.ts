/** How a formatted output states its final answer. */
export type AnswerStyle = "line" | "boxed";

/** Instruction wording per language and answer style. `en` is the fallback for other languages. */
export const INSTRUCTIONS: Readonly<Record<"en" | "zh", Readonly<Record<AnswerStyle, string>>>> = {
  en: {
    line: 'Solve this math problem. Reason step by step, then write the final answer on the last line as "Answer: <final answer>".',
    boxed: "Solve this math problem. Reason step by step, then write the final answer inside \\boxed{}.",
  },
  zh: {
    line: "请解这道数学题。先逐步推理，再在最后一行写出最终答案，格式为“答：<最终答案>”。",
    boxed: "请解这道数学题。先逐步推理，再把最终答案写在 \\boxed{} 里。",
  },
};

/** The language family used for wording: `zh` for any Chinese tag, else `en`. */
export function wordingLang(lang: string | undefined): "en" | "zh" {
  return /^zh(?:[-_]|$)/i.test(lang ?? "") ? "zh" : "en";
}

/** The final answer line: `Answer: 6` in English, `答：6` in Chinese. */
export function answerLine(answer: string, lang: string | undefined): string {
  return wordingLang(lang) === "zh" ? `答：${answer}` : `Answer: ${answer}`;
}

/** The sentence that adds a `\boxed{}` answer to a solution that has none. */
export function boxedLine(answer: string, lang: string | undefined): string {
  return wordingLang(lang) === "zh" ? `最终答案是 $\\boxed{${answer}}$。` : `The final answer is $\\boxed{${answer}}$.`;
}

/** Matches an answer line as written by `answerLine` (either language), capturing the answer. */
export const ANSWER_LINE_RE = /^(?:Answer:|答：)[ \t]*(.+?)[ \t]*$/;
