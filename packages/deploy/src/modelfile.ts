import { convertGGUFTemplateToOllama } from "@huggingface/ollama-utils";
import { MathtuneError } from "@mathtune/core";
import { assertTemplateFitsTokenizer, QWEN25_DEFAULT_SYSTEM, templateStyle } from "@mathtune/format";

/** An Ollama (Go) template with the stop strings that end its turns. */
export interface OllamaTemplate {
  template: string;
  stop: string[];
  /** Where it came from: mathtune's ChatML mapping, or @huggingface/ollama-utils' table. */
  source: "chatml" | "ollama-utils";
}

/**
 * The Go template for a ChatML chat template. It renders what the Jinja template renders
 * (`<|im_start|>role\ncontent<|im_end|>\n` per turn, then `<|im_start|>assistant\n`), with the
 * conversation's system message, else `defaultSystem` when the Jinja template inserts one (Qwen2.5
 * does), else no system turn. Ollama passes a request's system message (or the Modelfile's SYSTEM)
 * as `.System`; the range skips system messages so it is written once, first.
 */
export function chatmlGoTemplate(defaultSystem?: string): string {
  const sys =
    defaultSystem === undefined
      ? ""
      : `{{ else }}<|im_start|>system\n${defaultSystem.replace(/{{/g, '{{"{{"}}')}<|im_end|>\n`;
  return (
    `{{- if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n${sys}{{ end }}` +
    `{{- range .Messages }}{{- if ne .Role "system" }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}{{- end }}` +
    `<|im_start|>assistant\n`
  );
}

/** The default system prompt a ChatML Jinja template inserts when a conversation has none (Qwen2.5's), if any. */
export function chatmlDefaultSystem(jinja: string): string | undefined {
  if (jinja.includes(QWEN25_DEFAULT_SYSTEM)) return QWEN25_DEFAULT_SYSTEM;
  const m = /'<\|im_start\|>system\\n([^'<]+)<\|im_end\|>\\n'/.exec(jinja);
  return m?.[1];
}

/**
 * The Ollama template for a model's Jinja chat template. An exact entry of
 * `@huggingface/ollama-utils`' table is used as is; a ChatML template gets mathtune's mapping
 * (the table's nearest ChatML entry may carry another model's system prompt); any other template
 * takes the table's nearest match. Throws E_TEMPLATE_UNSUPPORTED when nothing fits.
 */
export function ollamaTemplateFor(jinja: string, tokens: { bos?: string; eos?: string } = {}): OllamaTemplate {
  const mapped = convertGGUFTemplateToOllama({
    chat_template: jinja,
    ...(tokens.bos ? { bos_token: tokens.bos } : {}),
    ...(tokens.eos ? { eos_token: tokens.eos } : {}),
  });
  if (mapped && mapped.gguf === jinja)
    return { template: mapped.ollama.template, stop: mapped.ollama.params?.stop ?? [], source: "ollama-utils" };
  if (templateStyle(jinja) === "chatml")
    return { template: chatmlGoTemplate(chatmlDefaultSystem(jinja)), stop: ["<|im_end|>"], source: "chatml" };
  if (mapped)
    return { template: mapped.ollama.template, stop: mapped.ollama.params?.stop ?? [], source: "ollama-utils" };
  throw new MathtuneError("E_TEMPLATE_UNSUPPORTED", "no Ollama template is known for the model's chat template", {
    hint: "pass an Ollama (Go) template with --template FILE",
  });
}

/** Decoding defaults for math: greedy (temperature 0), as evaluation uses. */
export const MATH_PARAMETERS: Readonly<Record<string, number>> = {
  temperature: 0,
  top_k: 1,
  top_p: 1,
  repeat_penalty: 1,
};

/** The content of an Ollama Modelfile, for `renderModelfile`. */
export interface ModelfileSpec {
  /** `FROM`: the GGUF (a path relative to the Modelfile, or absolute). */
  from: string;
  /** `ADAPTER`: a LoRA GGUF. */
  adapter?: string;
  template: string;
  system?: string;
  stop: string[];
  numCtx?: number;
  parameters?: Record<string, number | string>;
}

/** Ollama's Modelfile syntax: `"""` strings (a template may not contain `"""`). */
function quoted(s: string): string {
  if (s.includes('"""'))
    throw new MathtuneError("E_TEMPLATE_INVALID", 'a Modelfile TEMPLATE or SYSTEM cannot contain """');
  return `"""${s}"""`;
}

/** The parameters a Modelfile sets, as the REST create call takes them. */
export function modelfileParameters(spec: ModelfileSpec): Record<string, unknown> {
  return { ...MATH_PARAMETERS, num_ctx: spec.numCtx ?? 4096, ...spec.parameters, stop: spec.stop };
}

/** The text of a Modelfile (`ollama create NAME -f Modelfile` works with it by hand). */
export function renderModelfile(spec: ModelfileSpec): string {
  const lines = [`FROM ${spec.from}`];
  if (spec.adapter) lines.push(`ADAPTER ${spec.adapter}`);
  lines.push(`TEMPLATE ${quoted(spec.template)}`);
  if (spec.system) lines.push(`SYSTEM ${quoted(spec.system)}`);
  const params = modelfileParameters(spec);
  for (const [k, v] of Object.entries(params)) {
    if (k === "stop") for (const s of v as string[]) lines.push(`PARAMETER stop ${JSON.stringify(s)}`);
    else lines.push(`PARAMETER ${k} ${v}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Refuses a template or stop list that does not speak the model's chat format: a tag it writes that
 * is not a special token of the GGUF's vocabulary (Phi-3's `<|system|>` ... `<|end|>` for a Qwen
 * model, say), or a stop string that is not one. Throws E_TEMPLATE_MISMATCH.
 */
export function assertModelfileFitsModel(
  spec: Pick<ModelfileSpec, "template" | "stop">,
  specialTokens: readonly string[],
  name = "the Ollama template",
): void {
  assertTemplateFitsTokenizer(
    { name, source: spec.template },
    { specialTokens, ...(specialTokens.includes("<|im_start|>") ? { tokenizerClass: "Qwen2Tokenizer" } : {}) },
  );
  const bad = spec.stop.filter((s) => /^<\|.*\|>$/.test(s) && !specialTokens.includes(s));
  if (bad.length) {
    throw new MathtuneError(
      "E_TEMPLATE_MISMATCH",
      `stop ${bad.join(", ")} ${bad.length === 1 ? "is not a special token" : "are not special tokens"} of the model: generation would not stop there`,
      {
        hint: "use the model's end-of-turn token (for Qwen2.5: <|im_end|>)",
      },
    );
  }
  if (!spec.stop.length)
    throw new MathtuneError("E_TEMPLATE_MISMATCH", "no stop token: the model would talk past the end of its turn", {
      hint: "set PARAMETER stop to the end-of-turn token",
    });
}
