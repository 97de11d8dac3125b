import { Template } from "@huggingface/jinja";
import { MathtuneError } from "@mathtune/core";
import { basename, join, pathKind, readText, resolvePath } from "./files.js";
import { QWEN25_CHATML_JINJA } from "./qwen25-chatml.js";

/** One chat turn, as chat templates read it. */
export interface ChatMessage {
  role: string;
  content: string;
}

/** A chat template with what the tokenizer says about its special tokens. */
export interface ChatTemplate {
  /** `qwen2.5` for the built-in one, else the file it came from. */
  name: string;
  /** The Jinja source. */
  source: string;
  bosToken?: string;
  eosToken?: string;
  /** Special and added tokens of the tokenizer (empty when unknown). */
  specialTokens: readonly string[];
  /** `tokenizer_class` of the tokenizer, when known. */
  tokenizerClass?: string;
}

/** The fields of a Hugging Face `tokenizer_config.json` that matter here. */
export interface TokenizerConfig {
  chat_template?: string | Array<{ name: string; template: string }>;
  bos_token?: string | { content: string } | null;
  eos_token?: string | { content: string } | null;
  tokenizer_class?: string;
  added_tokens_decoder?: Record<string, { content: string; special?: boolean }>;
  additional_special_tokens?: Array<string | { content: string }>;
  [key: string]: unknown;
}

/** The Jinja source of the Qwen2.5 ChatML template shipped in `templates/qwen2.5-chatml.jinja`. */
export const QWEN25_CHAT_TEMPLATE: string = QWEN25_CHATML_JINJA;

/** Qwen2.5's default system prompt, inserted by its template when a conversation has none. */
export const QWEN25_DEFAULT_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

/** Qwen2.5's special tokens that the chat format uses. */
export const QWEN25_SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] as const;

/** The built-in template as a ChatTemplate. */
export const QWEN25: ChatTemplate = Object.freeze({
  name: "qwen2.5",
  source: QWEN25_CHAT_TEMPLATE,
  eosToken: "<|im_end|>",
  specialTokens: QWEN25_SPECIAL_TOKENS,
  tokenizerClass: "Qwen2Tokenizer",
});

/** Names accepted for the built-in template. */
export const BUILTIN_TEMPLATE_NAMES = ["qwen2.5", "qwen2", "chatml"] as const;

const PHI3_TAGS = ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>"];

/** The tag family a template uses: ChatML (`<|im_start|>`), Phi-3 (`<|user|>` ... `<|end|>`), or another. */
export function templateStyle(source: string): "chatml" | "phi3" | "other" {
  if (source.includes("<|im_start|>")) return "chatml";
  if (PHI3_TAGS.filter((t) => source.includes(t)).length >= 2) return "phi3";
  return "other";
}

/** True when the tokenizer is a Qwen (ChatML) tokenizer. */
export function isQwenTokenizer(t: Pick<ChatTemplate, "specialTokens" | "tokenizerClass">): boolean {
  return /qwen/i.test(t.tokenizerClass ?? "") || t.specialTokens.includes("<|im_start|>");
}

const tokenText = (t: string | { content: string } | null | undefined): string | undefined =>
  typeof t === "string" ? t : t && typeof t.content === "string" ? t.content : undefined;

function tokensOf(config: TokenizerConfig): string[] {
  const out = new Set<string>();
  for (const v of Object.values(config.added_tokens_decoder ?? {}))
    if (typeof v?.content === "string") out.add(v.content);
  for (const v of config.additional_special_tokens ?? []) {
    const s = tokenText(v);
    if (s) out.add(s);
  }
  for (const v of [config.bos_token, config.eos_token]) {
    const s = tokenText(v);
    if (s) out.add(s);
  }
  return [...out];
}

/** The tokenizer facts of a tokenizer_config, with no template required. */
export function tokenizerInfo(config: TokenizerConfig, name = "tokenizer_config.json"): Omit<ChatTemplate, "source"> {
  const bos = tokenText(config.bos_token);
  const eos = tokenText(config.eos_token);
  return {
    name,
    specialTokens: tokensOf(config),
    ...(bos ? { bosToken: bos } : {}),
    ...(eos ? { eosToken: eos } : {}),
    ...(typeof config.tokenizer_class === "string" ? { tokenizerClass: config.tokenizer_class } : {}),
  };
}

/** A ChatTemplate from a parsed `tokenizer_config.json`; throws E_CONFIG_INVALID when it has no chat template. */
export function chatTemplateFromConfig(config: TokenizerConfig, name = "tokenizer_config.json"): ChatTemplate {
  if (typeof config !== "object" || config === null)
    throw new MathtuneError("E_CONFIG_INVALID", `${name}: not a JSON object`);
  let source: string | undefined;
  const ct = config.chat_template;
  if (typeof ct === "string") source = ct;
  else if (Array.isArray(ct)) source = (ct.find((t) => t?.name === "default") ?? ct[0])?.template;
  if (typeof source !== "string" || !source) {
    throw new MathtuneError("E_CONFIG_INVALID", `${name} has no chat_template`, {
      hint: "use the model's own tokenizer_config.json or chat_template.jinja, or leave chatTemplate unset for the built-in Qwen2.5 template",
    });
  }
  return { ...tokenizerInfo(config, name), source };
}

async function readJson(path: string): Promise<TokenizerConfig> {
  const text = await readText(path);
  try {
    return JSON.parse(text) as TokenizerConfig;
  } catch (e) {
    throw new MathtuneError("E_PARSE", `${path} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

/** Options of `loadChatTemplate`. */
export interface LoadChatTemplateOptions {
  /** Folder that a relative path is resolved against (the recipe's folder). */
  baseDir?: string;
}

/**
 * Loads a chat template: a built-in name (`qwen2.5`), a `chat_template.jinja` file, a
 * `tokenizer_config.json` file, a model folder holding either (the `.jinja` file wins, as in
 * transformers, with the special tokens taken from `tokenizer_config.json`), or a parsed
 * tokenizer_config object.
 */
export async function loadChatTemplate(
  pathOrConfig: string | TokenizerConfig,
  options: LoadChatTemplateOptions = {},
): Promise<ChatTemplate> {
  if (typeof pathOrConfig !== "string") return chatTemplateFromConfig(pathOrConfig);
  if ((BUILTIN_TEMPLATE_NAMES as readonly string[]).includes(pathOrConfig.toLowerCase())) return QWEN25;
  const path = resolvePath(pathOrConfig, options.baseDir);
  const k = await pathKind(path);
  if (k === undefined) {
    if (/phi-?3/i.test(pathOrConfig)) {
      throw new MathtuneError("E_TEMPLATE_NOT_FOUND", `no built-in template named '${pathOrConfig}' and no such file`, {
        hint: "mathtune ships only the Qwen2.5 ChatML template; point chatTemplate at the model's tokenizer_config.json or chat_template.jinja",
      });
    }
    throw new MathtuneError("E_INPUT_NOT_FOUND", `chat template not found: ${path}`, {
      hint: `give a built-in name (${BUILTIN_TEMPLATE_NAMES.join(", ")}), a chat_template.jinja, a tokenizer_config.json or a model folder`,
    });
  }
  if (k === "dir") {
    const jinja = join(path, "chat_template.jinja");
    const cfgPath = join(path, "tokenizer_config.json");
    const cfg = (await pathKind(cfgPath)) === "file" ? await readJson(cfgPath) : undefined;
    if ((await pathKind(jinja)) === "file") {
      return {
        ...(cfg ? tokenizerInfo(cfg, jinja) : { specialTokens: [] }),
        name: jinja,
        source: await readText(jinja),
      };
    }
    if (cfg) return chatTemplateFromConfig(cfg, cfgPath);
    throw new MathtuneError("E_INPUT_NOT_FOUND", `${path} holds neither chat_template.jinja nor tokenizer_config.json`);
  }
  if (basename(path).endsWith(".json")) return chatTemplateFromConfig(await readJson(path), path);
  const source = await readText(path);
  const cfgPath = join(path, "..", "tokenizer_config.json");
  const cfg = (await pathKind(cfgPath)) === "file" ? await readJson(cfgPath).catch(() => undefined) : undefined;
  return { ...(cfg ? tokenizerInfo(cfg, path) : { specialTokens: [] }), name: path, source };
}

/** The E_TEMPLATE_MISMATCH error for a Phi-3 style template asked of a Qwen model. */
export function phi3WithQwen(templateName: string): MathtuneError {
  return new MathtuneError(
    "E_TEMPLATE_MISMATCH",
    `chat template ${templateName} uses the Phi-3 tags <|system|>, <|user|>, <|assistant|>, <|end|>, but the model is a Qwen model, whose chat format is ChatML (<|im_start|>role\\n...<|im_end|>\\n). Qwen's tokenizer reads the Phi-3 tags as plain text: training text would not look like Qwen's prompts and <|end|> would never stop generation`,
    {
      hint: "leave chatTemplate unset to use the built-in Qwen2.5 ChatML template, or point it at the model's own tokenizer_config.json",
    },
  );
}

/** True for names that ask for the Phi-3 chat format (`phi3`, `phi-3`, `phi-3.5` ...). */
export function isPhi3Name(name: string): boolean {
  return /^phi-?3/i.test(name);
}

/**
 * Checks that a template speaks the tokenizer's chat format: every `<|...|>` tag the template
 * writes must be a special token of the tokenizer (when its tokens are known). A Phi-3 style
 * template (`<|system|>` ... `<|end|>`) with a Qwen tokenizer gets its own message.
 * Throws E_TEMPLATE_MISMATCH.
 */
export function assertTemplateFitsTokenizer(
  template: Pick<ChatTemplate, "name" | "source">,
  tokenizer: Pick<ChatTemplate, "specialTokens" | "tokenizerClass">,
): void {
  const style = templateStyle(template.source);
  if (style === "phi3" && isQwenTokenizer(tokenizer)) throw phi3WithQwen(template.name);
  if (!tokenizer.specialTokens.length) return;
  const used = new Set(template.source.match(/<\|[A-Za-z0-9_]+\|>/g) ?? []);
  const missing = [...used].filter((t) => !tokenizer.specialTokens.includes(t));
  if (missing.length) {
    throw new MathtuneError(
      "E_TEMPLATE_MISMATCH",
      `chat template ${template.name} writes ${missing.join(", ")}, which ${missing.length === 1 ? "is not a special token" : "are not special tokens"} of the tokenizer: the model would read ${missing.length === 1 ? "it" : "them"} as plain text`,
      { hint: "use the chat template that ships with the model's tokenizer" },
    );
  }
}

const compiled = new Map<string, Template>();

function compile(source: string, name: string): Template {
  let t = compiled.get(source);
  if (!t) {
    try {
      t = new Template(source);
    } catch (e) {
      throw new MathtuneError("E_TEMPLATE_INVALID", `chat template ${name} does not parse: ${(e as Error).message}`, {
        cause: e,
      });
    }
    if (compiled.size >= 32) compiled.clear();
    compiled.set(source, t);
  }
  return t;
}

/** Options of `renderChat`. */
export interface RenderChatOptions {
  /** Append the opening of an assistant turn (for prompts). Default false. */
  addGenerationPrompt?: boolean;
  /** More variables for the template (e.g. `tools`, `date_string`). */
  variables?: Record<string, unknown>;
  /**
   * For the built-in Qwen2.5 template only: build the string directly instead of running the
   * Jinja interpreter (about 15 times faster; the tests check that both give the same text).
   * Default true; other templates always go through Jinja.
   */
  fast?: boolean;
}

/** The built-in template's rendering, written out: what the Jinja source in templates/ produces. */
function renderQwen25(messages: readonly ChatMessage[], addGenerationPrompt: boolean): string {
  let out = "";
  let start = 0;
  if (messages.length > 0 && messages[0]!.role === "system") {
    out = `<|im_start|>system\n${messages[0]!.content}<|im_end|>\n`;
    start = 1;
  } else {
    out = `<|im_start|>system\n${QWEN25_DEFAULT_SYSTEM}<|im_end|>\n`;
  }
  for (let i = start; i < messages.length; i++)
    out += `<|im_start|>${messages[i]!.role}\n${messages[i]!.content}<|im_end|>\n`;
  if (addGenerationPrompt) out += "<|im_start|>assistant\n";
  return out;
}

/**
 * Renders a conversation with a chat template (Jinja, as transformers' `apply_chat_template`
 * does with `tokenize=False`). `template` is Jinja source or a ChatTemplate; default: Qwen2.5.
 * Throws E_TEMPLATE_INVALID when the template does not parse and E_TEMPLATE_RENDER when it fails
 * (including its own `raise_exception`, which @huggingface/jinja provides).
 */
export function renderChat(
  messages: readonly ChatMessage[],
  template: string | ChatTemplate = QWEN25,
  options: RenderChatOptions = {},
): string {
  const t: ChatTemplate =
    typeof template === "string" ? { name: "template", source: template, specialTokens: [] } : template;
  if (
    t.source === QWEN25_CHAT_TEMPLATE &&
    options.fast !== false &&
    !options.variables &&
    messages.every((m) => typeof m.content === "string" && typeof m.role === "string")
  ) {
    return renderQwen25(messages, options.addGenerationPrompt ?? false);
  }
  const compiledTemplate = compile(t.source, t.name);
  try {
    return compiledTemplate.render({
      bos_token: t.bosToken ?? "",
      eos_token: t.eosToken ?? "",
      ...options.variables,
      messages: messages.map((m) => ({ ...m })),
      add_generation_prompt: options.addGenerationPrompt ?? false,
    });
  } catch (e) {
    if (e instanceof MathtuneError) throw e;
    throw new MathtuneError("E_TEMPLATE_RENDER", `chat template ${t.name} failed to render: ${(e as Error).message}`, {
      cause: e,
    });
  }
}
