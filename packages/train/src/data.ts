import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { once } from "node:events";
import { basename, dirname, join } from "node:path";
import { isMathtuneError, type MathRecord, MathtuneError, readLines, throwIfAborted } from "@mathtune/core";
import { type ChatMessage, createFormatter } from "@mathtune/format";

export type { ChatMessage } from "@mathtune/format";

/** One training example as chat messages. */
export interface Conversation {
  id: string;
  messages: ChatMessage[];
}

/** The line formats a build writes (`record` is a MathRecord line); `auto` tells each line's format by its keys. */
export type DataKind = "messages" | "sharegpt" | "alpaca" | "record" | "prompt-completion" | "text";

/** Turns a MathRecord into the conversation @mathtune/format renders for it. */
export type RecordRenderer = (record: MathRecord) => ChatMessage[];

/** Options of `toConversation`. */
export interface ConversationOptions {
  /** Renders MathRecord lines; without it they are refused. */
  render?: RecordRenderer;
  /** A system turn for conversations that have none. */
  systemPrompt?: string;
  /** Named in the message that refuses a prompt-completion or text line. */
  useInstead?: string;
}

const SHAREGPT_ROLES: Record<string, string> = {
  system: "system",
  human: "user",
  user: "user",
  gpt: "assistant",
  assistant: "assistant",
};

function checkedMessages(list: unknown, key: string, map?: Record<string, string>): ChatMessage[] | string {
  if (!Array.isArray(list) || list.length === 0) return `'${key}' must be a non-empty array`;
  const messages: ChatMessage[] = [];
  for (const [i, m] of (list as unknown[]).entries()) {
    const mm = m as Record<string, unknown> | null;
    if (map) {
      const role = mm && typeof mm.from === "string" ? map[mm.from] : undefined;
      if (!role || typeof mm!.value !== "string")
        return `${key}[${i}] needs 'from' (system, human or gpt) and string 'value'`;
      messages.push({ role, content: mm!.value as string });
    } else {
      if (!mm || typeof mm.role !== "string" || typeof mm.content !== "string")
        return `${key}[${i}] needs string 'role' and 'content'`;
      messages.push({ role: mm.role, content: mm.content });
    }
  }
  if (!messages.some((m) => m.role === "assistant")) return "the conversation has no assistant turn to learn from";
  return messages;
}

/** The format of one line, told by its keys. */
export function lineKind(obj: Record<string, unknown>): DataKind | undefined {
  if (obj.messages !== undefined) return "messages";
  if (obj.conversations !== undefined) return "sharegpt";
  if (obj.instruction !== undefined && obj.output !== undefined) return "alpaca";
  if (obj.problem !== undefined) return "record";
  if (obj.prompt !== undefined && obj.completion !== undefined) return "prompt-completion";
  if (obj.text !== undefined) return "text";
  return undefined;
}

/**
 * One training line as a conversation, for every line format a build writes: messages as they
 * are; sharegpt and alpaca mapped back to the same turns @mathtune/format made them from
 * (alpaca's user turn is `instruction`, a blank line, `input`); a MathRecord rendered by
 * `opts.render` (@mathtune/format with the build's options: instruction, calculator annotations
 * stripped, answer line). `prompt-completion` and `text` lines are already rendered with a chat
 * template and carry no turns: they are refused with the file to use instead. Returns a reason
 * string when the line cannot be trained on.
 */
export function toConversation(
  value: unknown,
  fallbackId: string,
  opts: ConversationOptions = {},
): Conversation | string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const obj = value as Record<string, unknown>;
  const id = typeof obj.id === "string" && obj.id ? obj.id : fallbackId;
  const kind = lineKind(obj);
  let messages: ChatMessage[] | string;
  switch (kind) {
    case "messages":
      messages = checkedMessages(obj.messages, "messages");
      break;
    case "sharegpt":
      messages = checkedMessages(obj.conversations, "conversations", SHAREGPT_ROLES);
      break;
    case "alpaca": {
      const { instruction, input, output, system } = obj;
      if (
        typeof instruction !== "string" ||
        typeof output !== "string" ||
        (input !== undefined && typeof input !== "string")
      ) {
        return "an alpaca line needs string 'instruction', 'output' and (optional) 'input'";
      }
      messages = [];
      if (typeof system === "string") messages.push({ role: "system", content: system });
      messages.push(
        { role: "user", content: input ? `${instruction}\n\n${input}` : instruction },
        { role: "assistant", content: output },
      );
      break;
    }
    case "record": {
      if (typeof obj.problem !== "string" || !obj.problem.trim()) return "a MathRecord needs a non-empty 'problem'";
      if (!opts.render) return "a MathRecord line needs @mathtune/format to render it";
      try {
        messages = opts.render(obj as unknown as MathRecord);
      } catch (e) {
        if (isMathtuneError(e)) return `${e.code}: ${e.reason}`;
        throw e;
      }
      break;
    }
    case "prompt-completion":
    case "text":
      return `a ${kind} line is already rendered with a chat template and has no turns to learn the answer from; train on ${opts.useInstead ?? "the build's messages file (<split>.messages.jsonl; add `messages` to output.formats in the recipe)"}`;
    default:
      return "neither a MathRecord (problem, solution/answer) nor a conversation (messages, sharegpt or alpaca line)";
  }
  if (typeof messages === "string") return messages;
  if (opts.systemPrompt !== undefined && kind !== "record" && !messages.some((m) => m.role === "system"))
    messages.unshift({ role: "system", content: opts.systemPrompt });
  return { id, messages };
}

/** Line formats a build folder is read in, best first: the conversations the build wrote and checked. */
const PREFERRED: readonly DataKind[] = ["messages", "sharegpt", "alpaca", "record"];

/** The data files a build folder holds for training, and their line format. */
export interface DataFiles {
  train: string;
  /** Absent when the build has no validation file; may be empty (a build with `validation: 0`). */
  validation?: string;
  /** Line format of the files (`auto`: told line by line). */
  kind: DataKind | "auto";
  /** The build's `output.formatOptions` (from manifest.json), for rendering MathRecord lines. */
  formatOptions?: Record<string, unknown>;
  /** The recipe's folder, that relative paths in formatOptions start from. */
  baseDir?: string;
  /** The build's manifest.json, when there is one. */
  manifest?: string;
}

/** The name a build gives a split's JSON-lines file in a format: `train.jsonl`, `train.messages.jsonl`. */
export function dataFileName(split: string, kind: DataKind): string {
  return `${split}${kind === "record" ? "" : `.${kind}`}.jsonl`;
}

const isFile = async (p: string) => (await stat(p).catch(() => undefined))?.isFile() ?? false;

interface ManifestInfo {
  file: string;
  formats?: string[];
  formatOptions?: Record<string, unknown>;
  baseDir?: string;
}

async function readManifest(dir: string): Promise<ManifestInfo | undefined> {
  const file = join(dir, "manifest.json");
  if (!(await isFile(file))) return undefined;
  let m: {
    recipe?: {
      file?: string | null;
      value?: { output?: { formats?: string[]; formatOptions?: Record<string, unknown> } };
    };
  };
  try {
    m = JSON.parse(await readFile(file, "utf8")) as typeof m;
  } catch (e) {
    throw new MathtuneError("E_PARSE", `${file} is not JSON: ${(e as Error).message}`, {
      cause: e,
      location: { file },
    });
  }
  const output = m.recipe?.value?.output;
  const recipeFile = m.recipe?.file;
  return {
    file,
    ...(Array.isArray(output?.formats) ? { formats: output.formats } : {}),
    ...(output?.formatOptions && typeof output.formatOptions === "object"
      ? { formatOptions: output.formatOptions }
      : {}),
    ...(typeof recipeFile === "string" && recipeFile ? { baseDir: dirname(recipeFile) } : {}),
  };
}

/**
 * The train and validation files of a build folder, in the best line format it holds: the
 * conversations the build wrote (`train.messages.jsonl`), else sharegpt or alpaca lines, else the
 * MathRecords (`train.jsonl`, rendered with the build's format options from manifest.json). A single
 * JSONL file is read line by line in whatever format each line has.
 */
export async function findDataFiles(data: string): Promise<DataFiles> {
  let st;
  try {
    st = await stat(data);
  } catch (e) {
    throw new MathtuneError("E_INPUT_NOT_FOUND", `training data not found: ${data}`, {
      cause: e,
      hint: "pass a build folder (with train.jsonl) or a JSONL file",
    });
  }
  const withManifest = (m: ManifestInfo | undefined) => ({
    ...(m?.formatOptions ? { formatOptions: m.formatOptions } : {}),
    ...(m?.baseDir ? { baseDir: m.baseDir } : {}),
    ...(m ? { manifest: m.file } : {}),
  });
  if (st.isFile()) return { train: data, kind: "auto", ...withManifest(await readManifest(dirname(data))) };
  const manifest = await readManifest(data);
  for (const kind of PREFERRED) {
    const train = join(data, dataFileName("train", kind));
    if (!(await isFile(train))) continue;
    const validation = join(data, dataFileName("validation", kind));
    return { train, kind, ...((await isFile(validation)) ? { validation } : {}), ...withManifest(manifest) };
  }
  const rendered = (["prompt-completion", "text"] as const).filter((k) => manifest?.formats?.includes(k));
  throw new MathtuneError(
    "E_INPUT_NOT_FOUND",
    rendered.length
      ? `${data} holds only ${rendered.join(" and ")} lines, which are rendered with a chat template and have no turns to learn the answer from`
      : `no train.jsonl or train.messages.jsonl in ${data}`,
    {
      hint: rendered.length
        ? "add `messages` (or `record`) to output.formats in the recipe and run `mathtune build` again; training reads train.messages.jsonl"
        : "run `mathtune build` first, or pass the train file itself",
    },
  );
}

/** The renderer of MathRecord lines: @mathtune/format's `messages` with the build's format options. */
export async function recordRenderer(
  files: Pick<DataFiles, "formatOptions" | "baseDir">,
  systemPrompt?: string,
): Promise<RecordRenderer> {
  // the chat template and tokenizer only shape `text` and `prompt-completion`, never the turns
  const { chatTemplate: _c, tokenizer: _t, format: _f, ...options } = files.formatOptions ?? {};
  const formatter = await createFormatter(
    { ...options, format: "messages", ...(systemPrompt !== undefined ? { system: systemPrompt } : {}) },
    files.baseDir ? { baseDir: files.baseDir } : {},
  );
  return (record) => (formatter.formatRecord(record) as { messages: ChatMessage[] }).messages;
}

/** Options of `writeConversations`. */
export interface WriteConversationsOptions {
  systemPrompt?: string;
  signal?: AbortSignal;
  /** Renders MathRecord lines (default: @mathtune/format's defaults, made on the first record). */
  render?: RecordRenderer;
  /** Return 0 for a file with no examples instead of throwing E_INPUT_EMPTY. */
  allowEmpty?: boolean;
}

/**
 * Converts a JSONL file to conversation lines at `out` (written atomically; nothing is left behind
 * on failure); returns the count. Bad lines throw E_RECORD_INVALID with file:line.
 */
export async function writeConversations(
  input: string,
  out: string,
  opts: WriteConversationsOptions = {},
): Promise<number> {
  await mkdir(dirname(out), { recursive: true });
  const tmp = `${out}.tmp`;
  const ws = createWriteStream(tmp);
  let n = 0;
  let render = opts.render;
  const useInstead = `${join(dirname(input), dataFileName(basename(input).split(".")[0] || "train", "messages"))} (add \`messages\` to output.formats in the recipe if the build has none)`;
  let ok = false;
  try {
    for await (const item of readLines(input, opts.signal ? { signal: opts.signal } : {})) {
      if ("error" in item) throw item.error;
      if (!item.text.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(item.text);
      } catch (e) {
        throw new MathtuneError("E_PARSE", `not JSON: ${(e as Error).message}`, {
          location: { file: input, line: item.line },
          cause: e,
        });
      }
      if (!render && typeof value === "object" && value !== null && "problem" in value)
        render = await recordRenderer({}, opts.systemPrompt);
      const conv = toConversation(value, `${input}:${item.line}`, {
        ...(render ? { render } : {}),
        ...(opts.systemPrompt !== undefined ? { systemPrompt: opts.systemPrompt } : {}),
        useInstead,
      });
      if (typeof conv === "string")
        throw new MathtuneError("E_RECORD_INVALID", conv, { location: { file: input, line: item.line } });
      if (!ws.write(`${JSON.stringify(conv)}\n`)) await once(ws, "drain");
      n++;
      if (n % 1000 === 0) throwIfAborted(opts.signal);
    }
    if (n === 0 && !opts.allowEmpty) throw new MathtuneError("E_INPUT_EMPTY", `no examples in ${input}`);
    ok = true;
  } finally {
    await new Promise<void>((res) => ws.end(() => res()));
    if (!ok) await rm(tmp, { force: true });
  }
  await rename(tmp, out);
  return n;
}
