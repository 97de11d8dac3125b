import {
  isMathtuneError,
  type MathRecord,
  MathtuneError,
  parseOptions,
  type Static,
  stripCalculatorAnnotations,
  Type,
} from "@mathtune/core";
import { join, pathKind, readText, resolvePath } from "./files.js";
import { type AnswerStyle, answerLine, boxedLine, INSTRUCTIONS, wordingLang } from "./prompts.js";
import {
  assertTemplateFitsTokenizer,
  type ChatMessage,
  isPhi3Name,
  isQwenTokenizer,
  phi3WithQwen,
  type ChatTemplate,
  loadChatTemplate,
  QWEN25,
  renderChat,
  tokenizerInfo,
  type TokenizerConfig,
} from "./template.js";

/** The output formats. */
export const FORMATS = ["alpaca", "sharegpt", "messages", "text", "prompt-completion"] as const;
/** An output format: `alpaca`, `sharegpt`, `messages`, `text` or `prompt-completion`. */
export type FormatName = (typeof FORMATS)[number];

/** JSON Schema (TypeBox) of the recipe's format options. */
export const FormatOptionsSchema = Type.Object(
  {
    format: Type.Union(
      FORMATS.map((f) => Type.Literal(f)),
      {
        default: "messages",
        description: "alpaca | sharegpt | messages (OpenAI chat) | text (chat template) | prompt-completion",
      },
    ),
    chatTemplate: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "built-in 'qwen2.5' (default), or a path to the model's chat_template.jinja, tokenizer_config.json or model folder",
      }),
    ),
    tokenizer: Type.Optional(
      Type.String({
        minLength: 1,
        description: "the model's tokenizer_config.json or folder, to check the template against; default: Qwen2.5's",
      }),
    ),
    system: Type.Optional(
      Type.String({ description: "system prompt; without it the chat template's default applies" }),
    ),
    answerStyle: Type.Union([Type.Literal("auto"), Type.Literal("line"), Type.Literal("boxed")], {
      default: "auto",
      description:
        "final answer as a last line 'Answer: X' / '答：X', as \\boxed{X}, or auto (boxed when the solution has \\boxed)",
    }),
    stripCalculator: Type.Boolean({
      default: true,
      description: "remove GSM8K calculator annotations <<48/2=24>> from the output",
    }),
    asymptote: Type.Union([Type.Literal("keep"), Type.Literal("drop")], {
      default: "keep",
      description: "keep or drop [asy]...[/asy] blocks",
    }),
    instructions: Type.Optional(
      Type.Record(Type.String(), Type.String({ minLength: 1 }), {
        description: "instruction wording per language (en, zh, ...), replacing the built-in one",
      }),
    ),
    promptCompletion: Type.Union([Type.Literal("chat"), Type.Literal("plain")], {
      default: "chat",
      description:
        "prompt-completion: prompt rendered with the chat template up to the assistant turn (chat), or the bare user text (plain)",
    }),
  },
  { additionalProperties: false },
);

/** The recipe's format options, defaults filled in. */
export type FormatOptions = Static<typeof FormatOptionsSchema>;

/** Options of `formatRecord`: the recipe options (all optional) and the loaded template. */
export interface FormatRecordOptions extends Partial<Omit<FormatOptions, "format" | "chatTemplate" | "tokenizer">> {
  /** The chat template for `text` and `prompt-completion` (default: Qwen2.5 ChatML). */
  template?: ChatTemplate | string;
}

/** A record in Alpaca's format. */
export interface AlpacaRecord {
  id: string;
  instruction: string;
  input: string;
  output: string;
  system?: string;
}
/** A record in ShareGPT's format. */
export interface ShareGptRecord {
  id: string;
  conversations: Array<{ from: "system" | "human" | "gpt"; value: string }>;
}
/** A record as chat messages (OpenAI's format). */
export interface MessagesRecord {
  id: string;
  messages: ChatMessage[];
}
/** A record as one text, the chat template applied. */
export interface TextRecord {
  id: string;
  text: string;
}
/** A record as a prompt (the chat template applied, generation prompt included) and its completion. */
export interface PromptCompletionRecord {
  id: string;
  prompt: string;
  completion: string;
}

/** The record type of each format. */
export interface FormattedRecordMap {
  alpaca: AlpacaRecord;
  sharegpt: ShareGptRecord;
  messages: MessagesRecord;
  text: TextRecord;
  "prompt-completion": PromptCompletionRecord;
}
/** A record in any of the formats. */
export type FormattedRecord = FormattedRecordMap[FormatName];

const ASY_RE = /\n?[ \t]*\[asy\][\s\S]*?\[\/asy\][ \t]*/g;
const GSM_FINAL_RE = /(?:^|\n)[ \t]*####[ \t]*(.*?)\s*$/;

/** Removes GSM8K calculator annotations (core's one pattern): `48/2 = <<48/2=24>>24` becomes `48/2 = 24`. */
export { stripCalculatorAnnotations };

/** Removes Asymptote `[asy]...[/asy]` blocks and the blank lines they leave. */
export function dropAsymptote(text: string): string {
  if (!text.includes("[asy]")) return text;
  return text
    .replace(ASY_RE, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** The problem as the user turn shows it (Asymptote handled as asked). */
function problemText(record: MathRecord, options: FormatRecordOptions): string {
  return options.asymptote === "drop" ? dropAsymptote(record.problem) : record.problem;
}

/** The instruction for a record, by its `lang` and answer style. */
export function instructionFor(lang: string | undefined, style: AnswerStyle, custom?: Record<string, string>): string {
  if (custom) {
    const exact = lang ? custom[lang] : undefined;
    const family = custom[wordingLang(lang)];
    if (exact ?? family) return (exact ?? family)!;
  }
  return INSTRUCTIONS[wordingLang(lang)][style];
}

/**
 * The worked solution ending in a parseable final answer: a last line `Answer: X` (`答：X` for
 * Chinese), or a `\boxed{X}`. GSM8K's `#### X` line becomes the answer line; calculator
 * annotations are removed unless `stripCalculator` is false. Throws E_NO_ANSWER when no final
 * answer is known.
 */
export function solutionOutput(
  record: MathRecord,
  options: FormatRecordOptions = {},
): { output: string; style: AnswerStyle } {
  let sol = record.solution ?? "";
  if (options.stripCalculator ?? true) sol = stripCalculatorAnnotations(sol);
  if (options.asymptote === "drop") sol = dropAsymptote(sol);
  let answer = record.answer?.trim() || undefined;
  const gsm = sol.includes("####") ? GSM_FINAL_RE.exec(sol) : null;
  if (gsm) {
    sol = sol.slice(0, gsm.index);
    answer ??= gsm[1]!.trim() || undefined;
  }
  sol = sol.trimEnd(); // the same white space as /\s+$/, without the regex's scan from every position
  const wanted = options.answerStyle ?? "auto";
  const style: AnswerStyle = wanted === "auto" ? (sol.includes("\\boxed") ? "boxed" : "line") : wanted;
  if (style === "boxed") {
    if (sol.includes("\\boxed")) return { output: sol, style };
    if (answer === undefined) throw noAnswer(record);
    const line = boxedLine(answer, record.lang);
    return { output: sol ? `${sol}\n${line}` : line, style };
  }
  if (answer === undefined) throw noAnswer(record);
  const line = answerLine(answer, record.lang);
  const lastLine = sol.slice(sol.lastIndexOf("\n") + 1).trim();
  if (lastLine === line) return { output: sol, style };
  return { output: sol ? `${sol}\n${line}` : line, style };
}

function noAnswer(record: MathRecord): MathtuneError {
  return new MathtuneError("E_NO_ANSWER", `record ${record.id} has no final answer to end its output with`, {
    hint: "give the record an answer, or use answerStyle 'boxed' for solutions that hold \\boxed{}",
  });
}

/** The conversation of a record: optional system, the user turn (instruction + problem), the assistant turn. */
export function recordMessages(record: MathRecord, options: FormatRecordOptions = {}): ChatMessage[] {
  const { output, style } = solutionOutput(record, options);
  const user = `${instructionFor(record.lang, style, options.instructions)}\n\n${problemText(record, options)}`;
  const msgs: ChatMessage[] = [];
  if (options.system !== undefined) msgs.push({ role: "system", content: options.system });
  msgs.push({ role: "user", content: user }, { role: "assistant", content: output });
  return msgs;
}

/**
 * Formats one record. The result keeps the record's `id`. Throws E_NO_ANSWER when the record
 * has no final answer, and the template errors of `renderChat` for `text` and `prompt-completion`.
 */
export function formatRecord<F extends FormatName>(
  record: MathRecord,
  format: F,
  options: FormatRecordOptions = {},
): FormattedRecordMap[F] {
  const id = record.id;
  switch (format) {
    case "alpaca": {
      const { output, style } = solutionOutput(record, options);
      const r: AlpacaRecord = {
        id,
        instruction: instructionFor(record.lang, style, options.instructions),
        input: problemText(record, options),
        output,
      };
      if (options.system !== undefined) r.system = options.system;
      return r as FormattedRecordMap[F];
    }
    case "sharegpt": {
      const from = { system: "system", user: "human", assistant: "gpt" } as const;
      const conversations = recordMessages(record, options).map((m) => ({
        from: from[m.role as keyof typeof from],
        value: m.content,
      }));
      return { id, conversations } as FormattedRecordMap[F];
    }
    case "messages":
      return { id, messages: recordMessages(record, options) } as FormattedRecordMap[F];
    case "text":
      return {
        id,
        text: renderChat(recordMessages(record, options), options.template ?? QWEN25),
      } as FormattedRecordMap[F];
    case "prompt-completion": {
      const msgs = recordMessages(record, options);
      const prompts = msgs.slice(0, -1);
      const completion = msgs[msgs.length - 1]!.content;
      if (options.promptCompletion === "plain")
        return { id, prompt: prompts[prompts.length - 1]!.content, completion } as FormattedRecordMap[F];
      const template = options.template ?? QWEN25;
      const prompt = renderChat(prompts, template, { addGenerationPrompt: true });
      const full = renderChat(msgs, template);
      if (!full.startsWith(prompt)) {
        throw new MathtuneError(
          "E_TEMPLATE_RENDER",
          "the chat template renders the prompt differently from the start of the whole conversation, so it cannot be cut into prompt and completion",
          {
            hint: "use promptCompletion 'plain' or the 'text' format",
          },
        );
      }
      return { id, prompt, completion: full.slice(prompt.length) } as FormattedRecordMap[F];
    }
    default:
      throw new MathtuneError("E_OPTIONS_INVALID", `unknown format '${String(format)}'`, {
        hint: `one of ${FORMATS.join(", ")}`,
      });
  }
}

/** A formatter made by `createFormatter`: options checked and template loaded once, then one record at a time. */
export interface Formatter {
  readonly format: FormatName;
  readonly options: FormatOptions;
  /** The chat template in use (the built-in Qwen2.5 one unless the options name another). */
  readonly template: ChatTemplate;
  /** The record in the formatter's format. */
  formatRecord(record: MathRecord): FormattedRecord;
}

/** Validates format options (applying defaults); throws E_OPTIONS_INVALID. */
export function parseFormatOptions(options: unknown): FormatOptions {
  return parseOptions(FormatOptionsSchema, options, { what: "format options" });
}

async function loadTokenizer(pathOrDir: string, baseDir: string | undefined): Promise<Omit<ChatTemplate, "source">> {
  let p = resolvePath(pathOrDir, baseDir);
  const k = await pathKind(p);
  if (k === undefined) throw new MathtuneError("E_INPUT_NOT_FOUND", `tokenizer not found: ${p}`);
  if (k === "dir") p = join(p, "tokenizer_config.json");
  let cfg: TokenizerConfig;
  try {
    cfg = JSON.parse(await readText(p)) as TokenizerConfig;
  } catch (e) {
    throw new MathtuneError("E_PARSE", `${p} is not a readable JSON tokenizer_config: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return tokenizerInfo(cfg, p);
}

/**
 * Validates the recipe's format options, loads the chat template and checks it against the
 * tokenizer (Qwen2.5's unless `tokenizer` names another), and returns a formatter to call per
 * record. Throws E_OPTIONS_INVALID, E_TEMPLATE_MISMATCH (e.g. Phi-3 tags with a Qwen tokenizer),
 * E_TEMPLATE_INVALID and the file errors of `loadChatTemplate`.
 */
export async function createFormatter(options: unknown, ctx: { baseDir?: string } = {}): Promise<Formatter> {
  const opts = parseFormatOptions(options);
  const given = opts.tokenizer !== undefined ? await loadTokenizer(opts.tokenizer, ctx.baseDir) : undefined;
  let loaded: ChatTemplate;
  try {
    loaded = opts.chatTemplate === undefined ? QWEN25 : await loadChatTemplate(opts.chatTemplate, ctx);
  } catch (e) {
    // a recipe that names the Phi-3 format (not a file) for a Qwen model: say what is wrong
    if (
      isMathtuneError(e, "E_TEMPLATE_NOT_FOUND") &&
      isPhi3Name(opts.chatTemplate!) &&
      isQwenTokenizer(given ?? QWEN25)
    )
      throw phi3WithQwen(opts.chatTemplate!);
    throw e;
  }
  const tokenizer = given ?? (loaded.specialTokens.length ? loaded : QWEN25);
  assertTemplateFitsTokenizer(loaded, tokenizer);
  const template: ChatTemplate = {
    ...loaded,
    ...(loaded.bosToken ? {} : tokenizer.bosToken ? { bosToken: tokenizer.bosToken } : {}),
    ...(loaded.eosToken ? {} : tokenizer.eosToken ? { eosToken: tokenizer.eosToken } : {}),
  };
  const recordOptions: FormatRecordOptions = {
    answerStyle: opts.answerStyle,
    stripCalculator: opts.stripCalculator,
    asymptote: opts.asymptote,
    promptCompletion: opts.promptCompletion,
    template,
    ...(opts.system !== undefined ? { system: opts.system } : {}),
    ...(opts.instructions ? { instructions: opts.instructions } : {}),
  };
  const format = opts.format;
  return Object.freeze({
    format,
    options: opts,
    template,
    formatRecord: (record: MathRecord) => formatRecord(record, format, recordOptions),
  });
}
