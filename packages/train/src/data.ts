import { createWriteStream } from "node:fs";
import { mkdir, rename, stat } from "node:fs/promises";
import { once } from "node:events";
import { join } from "node:path";
import { MathtuneError, readLines, throwIfAborted } from "@mathtune/core";

export interface ChatMessage {
  role: string;
  content: string;
}

export interface Conversation {
  id: string;
  messages: ChatMessage[];
}

/**
 * One training line as a conversation: a `{"id","messages":[...]}` line as it is, or a MathRecord
 * (`problem`, `solution`/`answer`) as user + assistant turns, with the system prompt when given.
 * The assistant turn is the solution; an answer that is neither boxed in it nor on its last line
 * (GSM8K's `#### 42`) is appended as `The answer is \boxed{...}.` Returns a reason string when the line is neither.
 */
export function toConversation(value: unknown, fallbackId: string, systemPrompt?: string): Conversation | string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const obj = value as Record<string, unknown>;
  const id = typeof obj.id === "string" && obj.id ? obj.id : fallbackId;
  if (obj.messages !== undefined) {
    if (!Array.isArray(obj.messages) || obj.messages.length === 0) return "'messages' must be a non-empty array";
    const messages: ChatMessage[] = [];
    for (const [i, m] of (obj.messages as unknown[]).entries()) {
      const mm = m as Record<string, unknown> | null;
      if (!mm || typeof mm.role !== "string" || typeof mm.content !== "string") return `messages[${i}] needs string 'role' and 'content'`;
      messages.push({ role: mm.role, content: mm.content });
    }
    if (!messages.some((m) => m.role === "assistant")) return "the conversation has no assistant turn to learn from";
    return { id, messages };
  }
  if (typeof obj.problem === "string" && obj.problem.trim()) {
    const solution = typeof obj.solution === "string" ? obj.solution.trim() : "";
    const answer = typeof obj.answer === "string" ? obj.answer.trim() : "";
    if (!solution && !answer) return "a MathRecord needs a 'solution' or an 'answer' to train on";
    let reply = solution || `The answer is \\boxed{${answer}}.`;
    const lastLine = solution.split("\n").pop() ?? "";
    if (solution && answer && !solution.includes("\\boxed") && !lastLine.includes(answer)) reply = `${solution}\n\nThe answer is \\boxed{${answer}}.`;
    const messages: ChatMessage[] = [];
    if (systemPrompt) messages.push({ role: "system", content: systemPrompt });
    messages.push({ role: "user", content: obj.problem }, { role: "assistant", content: reply });
    return { id, messages };
  }
  return "neither a MathRecord (problem, solution/answer) nor a messages line ({id, messages})";
}

export interface DataFiles {
  train: string;
  validation?: string;
}

/** The train and validation files of a build folder (`train.jsonl`, `validation.jsonl`), or a single train file. */
export async function findDataFiles(data: string): Promise<DataFiles> {
  let st;
  try {
    st = await stat(data);
  } catch (e) {
    throw new MathtuneError("E_INPUT_NOT_FOUND", `training data not found: ${data}`, { cause: e, hint: "pass a build folder (with train.jsonl) or a JSONL file" });
  }
  if (st.isFile()) return { train: data };
  const train = join(data, "train.jsonl");
  const validation = join(data, "validation.jsonl");
  const exists = async (p: string) => (await stat(p).catch(() => undefined))?.isFile() ?? false;
  if (!(await exists(train))) throw new MathtuneError("E_INPUT_NOT_FOUND", `no train.jsonl in ${data}`, { hint: "run `mathtune build` first, or pass the train file itself" });
  return (await exists(validation)) ? { train, validation } : { train };
}

/** Converts a JSONL file to conversation lines at `out`; returns the count. Bad lines throw E_RECORD_INVALID with file:line. */
export async function writeConversations(input: string, out: string, opts: { systemPrompt?: string; signal?: AbortSignal } = {}): Promise<number> {
  const tmp = `${out}.tmp`;
  const ws = createWriteStream(tmp);
  let n = 0;
  try {
    for await (const item of readLines(input, opts.signal ? { signal: opts.signal } : {})) {
      if ("error" in item) throw item.error;
      if (!item.text.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(item.text);
      } catch (e) {
        throw new MathtuneError("E_PARSE", `not JSON: ${(e as Error).message}`, { location: { file: input, line: item.line }, cause: e });
      }
      const conv = toConversation(value, `${input}:${item.line}`, opts.systemPrompt);
      if (typeof conv === "string") throw new MathtuneError("E_RECORD_INVALID", conv, { location: { file: input, line: item.line } });
      if (!ws.write(`${JSON.stringify(conv)}\n`)) await once(ws, "drain");
      n++;
      if (n % 1000 === 0) throwIfAborted(opts.signal);
    }
  } finally {
    await new Promise<void>((res) => ws.end(() => res()));
  }
  if (n === 0) throw new MathtuneError("E_INPUT_EMPTY", `no examples in ${input}`);
  await mkdir(join(out, ".."), { recursive: true });
  await rename(tmp, out);
  return n;
}
