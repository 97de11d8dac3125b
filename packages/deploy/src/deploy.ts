import { readFile, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { AtomicDir, MathtuneError, stableStringify, throwIfAborted, writeFileAtomic } from "@mathtune/core";
import { renderChat, type ChatMessage } from "@mathtune/format";
import type { PythonEnvOptions } from "@mathtune/train";
import { checkGguf, type ConvertType, type GgufCheck, type GgufInfo, type QuantType, readGgufInfo } from "./gguf.js";
import {
  adapterDir,
  checkModelDir,
  convertLoraToGguf,
  convertToGguf,
  parseQuantTypes,
  quantizeGguf,
  type StepProgress,
} from "./llama.js";
import {
  modelfileParameters,
  ollamaTemplateFor,
  renderModelfile,
  type ModelfileSpec,
  assertModelfileFitsModel,
} from "./modelfile.js";
import { createOllamaModel, OllamaClient, type OllamaCreateEvent } from "./ollama.js";
import { type SmokeTestResult, smokeTest } from "./smoke.js";
import { ensureLlamaCpp, type LlamaCppOptions, type ToolEvent } from "./tools.js";

/** The events of a deploy: stages, step progress, tool downloads and builds, and Ollama's create progress. */
export type DeployEvent =
  | { type: "stage"; stage: string; message: string }
  | StepProgress
  | ToolEvent
  | OllamaCreateEvent;

/** Options of `deploy`. */
export interface DeployOptions extends PythonEnvOptions, LlamaCppOptions {
  /** A merged model folder (`mathtune merge` output). Or use `adapter` + `base`. */
  model?: string;
  /** LoRA path: a run folder (or adapter folder) of `mathtune train`, deployed as an Ollama ADAPTER on `base`. */
  adapter?: string;
  base?: string;
  /** The output folder, written atomically. */
  out: string;
  /** Quantization types (default q4_k_m). An empty list converts only: the Modelfile and the smoke test then use the unquantized GGUF. */
  quant?: QuantType[] | string;
  /** The unquantized type (f16 by default; bf16, f32). */
  outtype?: ConvertType;
  /** Create this Ollama model (from the first quant type) when set. */
  name?: string;
  /** Ollama server (default $OLLAMA_HOST, else 127.0.0.1:11434). */
  host?: string;
  /** SYSTEM of the Modelfile. */
  system?: string;
  /** An Ollama (Go) template to use instead of the one derived from the model's chat template. */
  template?: string;
  /** Stop strings instead of the model's end-of-turn token. */
  stop?: string[];
  numCtx?: number;
  /** See ConvertOptions.preTokenizer. */
  preTokenizer?: string;
  /** The smoke-test conversation (default: one arithmetic question); false skips the smoke test. */
  smoke?: ChatMessage[] | false;
  smokeMaxTokens?: number;
  /** The smoke test also requires a stated final answer (`Answer: N`, a box), as mathtune's formats train (default true; false for a base model that was not tuned). */
  smokeRequireAnswer?: boolean;
  /** CPU threads for llama-quantize, the smoke test and the Ollama check (default: their own). */
  threads?: number;
  signal?: AbortSignal;
  /** Receives the deploy's events. */
  onEvent?: (e: DeployEvent) => void;
}

/** One GGUF a deploy wrote: its type, size and size ratio, and what the read-back and smoke test found. */
export interface DeployedFile {
  file: string;
  type: string;
  bytes: number;
  /** Size as a fraction of the unquantized GGUF. */
  ratio: number;
  seconds: number;
  check: GgufCheck;
}

/** What a deploy returns: the folder, the GGUF files, the Modelfile, the template and the Ollama models. */
export interface DeployResult {
  out: string;
  files: DeployedFile[];
  adapter?: DeployedFile;
  modelfile: string;
  template: { source: string; stop: string[] };
  /** What an Ollama model of this deploy is made of (the first quant type, else the unquantized file): for `createOllamaModel` later. */
  serve: { file: string; template: string; parameters: Record<string, unknown>; system?: string };
  smoke?: Record<string, Pick<SmokeTestResult, "ok" | "text" | "reason" | "tokensPerSecond">>;
  ollama?: { name: string; host: string; reply?: { content: string; doneReason: string } };
  llamaCpp: { dir: string; source: string; commit?: string };
  seconds: number;
}

/** The smoke test's default conversation. */
export const DEFAULT_SMOKE: ChatMessage[] = [{ role: "user", content: "What is 2 + 3?" }];

/**
 * The whole deploy: convert to f16 (or bf16), quantize to each type, read every GGUF back and check
 * it, smoke-test each in node-llama-cpp (the reply must end on an end-of-turn token), write a
 * Modelfile per type and deploy.json, all in a staging folder renamed into place; then, with
 * `name`, create the Ollama model over REST and chat with it once.
 */
export async function deploy(opts: DeployOptions): Promise<DeployResult> {
  const t0 = Date.now();
  const emit = opts.onEvent ?? (() => {});
  const quants = parseQuantTypes(opts.quant ?? ["q4_k_m"]);
  if (!quants.length && !(Array.isArray(opts.quant) && opts.quant.length === 0))
    throw new MathtuneError("E_QUANT_TYPE", "no quantization type given", { hint: "e.g. --quant q4_k_m,q8_0" });
  const lora = Boolean(opts.adapter);
  if (lora && !opts.base)
    throw new MathtuneError(
      "E_CONFIG_INVALID",
      "--adapter needs --base (the base model folder the adapter was trained on)",
    );
  if (!lora && !opts.model)
    throw new MathtuneError("E_CONFIG_INVALID", "give --model <merged folder>, or --adapter <run> with --base <model>");
  const modelDir = resolve((lora ? opts.base : opts.model)!);
  const { architecture } = await checkModelDir(modelDir);
  if (lora) adapterDir(opts.adapter!);
  const tokenizerConfig = JSON.parse(
    await readFile(join(modelDir, "tokenizer_config.json"), "utf8").catch(() => "{}"),
  ) as { chat_template?: unknown; eos_token?: unknown };
  const outtype = opts.outtype ?? "f16";
  emit({ type: "stage", stage: "tools", message: "finding llama.cpp" });
  const tools = await ensureLlamaCpp(opts);
  const dir = await AtomicDir.create(resolve(opts.out));
  try {
    const py = {
      ...(opts.python ? { python: opts.python } : {}),
      ...(opts.venv ? { venv: opts.venv } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      tools,
      onProgress: (e: StepProgress) => emit(e),
    };
    emit({ type: "stage", stage: "convert", message: `converting ${modelDir} to ${outtype}` });
    const base = await convertToGguf({
      ...py,
      model: modelDir,
      out: dir.path(`model.${outtype}.gguf`),
      outtype,
      ...(opts.preTokenizer ? { preTokenizer: opts.preTokenizer } : {}),
    });
    const f16Info = await readGgufInfo(base.path);
    // transformers writes the template to chat_template.jinja (newer) or into tokenizer_config.json.
    const jinjaFile = await readFile(join(modelDir, "chat_template.jinja"), "utf8").catch(() => undefined);
    const chatTemplate =
      jinjaFile ??
      (typeof tokenizerConfig.chat_template === "string" ? tokenizerConfig.chat_template : f16Info.chatTemplate);
    const eotIds = [f16Info.tokens?.eot, f16Info.tokens?.eos].filter((x): x is number => x !== undefined);
    const files: DeployedFile[] = [];
    const expectBase = {
      architecture: f16Info.architecture,
      tensorCount: f16Info.tensorCount,
      ...(chatTemplate ? { chatTemplate } : {}),
      ...(eotIds.length ? { endOfTurn: eotIds } : {}),
    };
    const record = (info: GgufInfo, type: string, seconds: number, check: GgufCheck): DeployedFile => ({
      file: basename(info.path),
      type,
      bytes: info.bytes,
      ratio: info.bytes / f16Info.bytes,
      seconds,
      check,
    });
    const baseCheck = checkGguf(f16Info, { ...expectBase, quant: outtype });
    if (!baseCheck.ok)
      throw new MathtuneError("E_GGUF_CHECK", `${base.path}: ${baseCheck.problems.join("; ")}`, {
        location: { file: base.path },
      });
    if (!/^qwen2|^llama|^mistral|^phi3|^gemma/.test(f16Info.architecture))
      emit({
        type: "stage",
        stage: "convert",
        message: `architecture ${f16Info.architecture} is not one mathtune tests; check the smoke test`,
      });
    files.push(record(f16Info, outtype, base.seconds, baseCheck));
    for (const q of quants) {
      throwIfAborted(opts.signal);
      emit({ type: "stage", stage: "quantize", message: `quantizing to ${q}` });
      const r = await quantizeGguf({
        input: base.path,
        out: dir.path(`model.${q}.gguf`),
        type: q,
        tools,
        ...(opts.threads ? { threads: opts.threads } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        onProgress: (e) => emit(e),
      });
      const info = await readGgufInfo(r.path);
      const check = checkGguf(info, { ...expectBase, quant: q });
      if (!check.ok)
        throw new MathtuneError("E_GGUF_CHECK", `${r.path}: ${check.problems.join("; ")}`, {
          location: { file: r.path },
        });
      // One line per kind of fallback (a model whose rows do not fit the blocks has hundreds of them; deploy.json lists each).
      const kinds = new Map<string, number>();
      for (const f of check.fallbacks) {
        const kind = `${f.actual}, not ${f.expected} (${f.reason})`;
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
      for (const [kind, n] of kinds)
        emit({ type: "stage", stage: "quantize", message: `${q}: ${n} tensor${n > 1 ? "s" : ""} stored as ${kind}` });
      files.push(record(info, q, r.seconds, check));
    }
    let adapterFile: DeployedFile | undefined;
    if (lora) {
      emit({ type: "stage", stage: "convert-lora", message: `converting the adapter ${adapterDir(opts.adapter!)}` });
      const a = await convertLoraToGguf({
        ...py,
        adapter: opts.adapter!,
        base: modelDir,
        out: dir.path("adapter.gguf"),
      });
      const info = await readGgufInfo(a.path);
      const check = checkGguf(info, { architecture: f16Info.architecture });
      if (info.adapterType !== "lora")
        check.problems.push(`adapter.type is ${info.adapterType ?? "(none)"}, expected lora`);
      check.ok = check.problems.length === 0;
      if (!check.ok)
        throw new MathtuneError("E_GGUF_CHECK", `${a.path}: ${check.problems.join("; ")}`, {
          location: { file: a.path },
        });
      adapterFile = record(info, "lora", a.seconds, check);
    }

    // The Ollama template and the Modelfiles.
    const special = f16Info.tokens?.special ?? [];
    const eosText =
      typeof tokenizerConfig.eos_token === "string"
        ? tokenizerConfig.eos_token
        : (f16Info.tokens?.eotText ?? f16Info.tokens?.eosText);
    let template: { template: string; stop: string[]; source: string };
    if (opts.template) template = { template: opts.template, stop: [], source: "option" };
    else if (chatTemplate) template = ollamaTemplateFor(chatTemplate, { ...(eosText ? { eos: eosText } : {}) });
    else
      throw new MathtuneError(
        "E_TEMPLATE_UNSUPPORTED",
        `${modelDir} has no chat template (tokenizer_config.json chat_template)`,
        { hint: "pass an Ollama template with --template FILE" },
      );
    const stop = opts.stop ?? (template.stop.length ? template.stop : eosText ? [eosText] : []);
    const specFor = (gguf: string): ModelfileSpec => ({
      from: `./${gguf}`,
      ...(adapterFile ? { adapter: `./${adapterFile.file}` } : {}),
      template: template.template,
      ...(opts.system ? { system: opts.system } : {}),
      stop,
      ...(opts.numCtx ? { numCtx: opts.numCtx } : {}),
    });
    assertModelfileFitsModel(
      { template: template.template, stop },
      special,
      `the Ollama template (${template.source})`,
    );
    // The quantized files are what gets served; with no quantization asked, the unquantized one.
    const served = files.length > 1 ? files.slice(1) : files;
    for (const f of served) await writeFileAtomic(dir.path(`Modelfile.${f.type}`), renderModelfile(specFor(f.file)));
    await writeFileAtomic(dir.path("Modelfile"), renderModelfile(specFor(served[0]!.file)));

    // Smoke test each quantized GGUF in-process.
    let smoke: DeployResult["smoke"];
    if (opts.smoke !== false) {
      smoke = {};
      const messages = [
        ...(opts.system ? [{ role: "system", content: opts.system }] : []),
        ...(opts.smoke ?? DEFAULT_SMOKE),
      ];
      const prompt = renderChat(messages, chatTemplate ?? "", { addGenerationPrompt: true });
      const stopIds = eotIds.length ? eotIds : undefined;
      for (const f of served) {
        emit({ type: "stage", stage: "smoke", message: `smoke test of ${f.file}` });
        const r = await smokeTest({
          gguf: dir.path(f.file),
          prompt,
          ...(stopIds ? { stop: stopIds } : {}),
          ...(adapterFile ? { lora: dir.path(adapterFile.file) } : {}),
          maxTokens: opts.smokeMaxTokens ?? 128,
          ...(opts.threads ? { threads: opts.threads } : {}),
          ...(opts.smokeRequireAnswer === false ? { requireAnswer: false } : {}),
        });
        smoke[f.type] = { ok: r.ok, text: r.text, reason: r.reason, tokensPerSecond: r.tokensPerSecond };
        if (!r.ok)
          throw new MathtuneError(
            "E_SMOKE_FAILED",
            `${f.file}: ${r.problem}; it said ${JSON.stringify(r.text.slice(0, 200))}`,
            {
              location: { file: resolve(opts.out, f.file) },
              hint: "the model must end its turn: check --template/--stop, or pass --no-smoke for a model that was not trained to chat",
            },
          );
      }
    }
    const result: DeployResult = {
      out: resolve(opts.out),
      files,
      ...(adapterFile ? { adapter: adapterFile } : {}),
      modelfile: join(resolve(opts.out), "Modelfile"),
      template: { source: template.source, stop },
      serve: {
        file: served[0]!.file,
        template: template.template,
        parameters: modelfileParameters(specFor(served[0]!.file)),
        ...(opts.system ? { system: opts.system } : {}),
      },
      ...(smoke ? { smoke } : {}),
      llamaCpp: { dir: tools.dir, source: tools.source, ...(tools.commit ? { commit: tools.commit } : {}) },
      seconds: 0,
    };
    await writeFileAtomic(
      dir.path("deploy.json"),
      `${stableStringify({ ...result, architecture, seconds: undefined }, 2)}\n`,
    );
    await dir.commit();

    if (opts.name) {
      emit({ type: "stage", stage: "ollama", message: `creating ${opts.name} in Ollama` });
      const first = served[0]!;
      const created = await createOllamaModel({
        name: opts.name,
        gguf: join(result.out, first.file),
        ...(adapterFile ? { adapter: join(result.out, adapterFile.file) } : {}),
        template: template.template,
        ...(opts.system ? { system: opts.system } : {}),
        parameters: modelfileParameters(specFor(first.file)),
        ...(opts.host ? { host: opts.host } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        onEvent: (e) => emit(e),
      });
      result.ollama = { name: created.name, host: created.host };
      if (opts.smoke !== false) {
        const reply = await new OllamaClient(opts.host).chat(opts.name, opts.smoke ?? DEFAULT_SMOKE, {
          options: { num_predict: opts.smokeMaxTokens ?? 128, ...(opts.threads ? { num_thread: opts.threads } : {}) },
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
        result.ollama.reply = { content: reply.content, doneReason: reply.doneReason };
        if (reply.doneReason !== "stop")
          throw new MathtuneError(
            "E_SMOKE_FAILED",
            `the Ollama model ${opts.name} at ${created.host} did not end its turn (done_reason ${reply.doneReason})`,
            { hint: "check the template and stop parameters in the Modelfile" },
          );
      }
    }
    result.seconds = (Date.now() - t0) / 1000;
    return result;
  } catch (e) {
    await dir.abort();
    throw e;
  }
}

/** Sizes of the files of a deploy folder, for reports. */
export async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}
