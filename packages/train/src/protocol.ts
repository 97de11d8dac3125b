import { MathtuneError } from "@mathtune/core";

/** Version of the JSON-lines protocol spoken by the scripts in python/ (see PROTOCOL.md). */
export const PROTOCOL_VERSION = 1;

/** The types of the protocol's lines. */
export const MESSAGE_TYPES = ["progress", "metric", "log", "artifact", "result", "error"] as const;
/** The type of a protocol line. */
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** One protocol line, parsed and checked. Fields beyond the required ones are kept as they came. */
export type ProtocolMessage =
  | ({ v: 1; type: "progress"; time?: number; phase: string } & Record<string, unknown>)
  | ({ v: 1; type: "metric"; time?: number; split: string; step: number } & Record<string, unknown>)
  | ({ v: 1; type: "log"; time?: number; level?: string; message: string } & Record<string, unknown>)
  | ({ v: 1; type: "artifact"; time?: number; kind: string; path: string } & Record<string, unknown>)
  | ({ v: 1; type: "result"; time?: number; status: string } & Record<string, unknown>)
  | ({ v: 1; type: "error"; time?: number; code: string; message: string; hint?: string } & Record<string, unknown>);

const REQUIRED: Record<MessageType, Record<string, "string" | "number">> = {
  progress: { phase: "string" },
  metric: { split: "string", step: "number" },
  log: { message: "string" },
  artifact: { kind: "string", path: "string" },
  result: { status: "string" },
  error: { code: "string", message: "string" },
};

/**
 * Parses one stdout line. Throws E_PROTOCOL for anything that is not a v1 protocol object:
 * not JSON, not an object, another version, an unknown type or a missing required field.
 */
export function parseProtocolLine(line: string, where = "stdout"): ProtocolMessage {
  const bad = (why: string): MathtuneError =>
    new MathtuneError(
      "E_PROTOCOL",
      `${where}: ${why}: ${JSON.stringify(line.length > 200 ? `${line.slice(0, 200)}...` : line)}`,
      {
        hint: "the script must write only protocol lines to stdout (logs go to stderr); see PROTOCOL.md",
        details: { line: line.slice(0, 2000) },
      },
    );
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw bad("not a JSON protocol line");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw bad("not a JSON object");
  const obj = value as Record<string, unknown>;
  if (obj.v !== PROTOCOL_VERSION) throw bad(`protocol version ${JSON.stringify(obj.v)} is not ${PROTOCOL_VERSION}`);
  const type = obj.type;
  if (typeof type !== "string" || !(MESSAGE_TYPES as readonly string[]).includes(type))
    throw bad(`unknown message type ${JSON.stringify(type)}`);
  for (const [key, kind] of Object.entries(REQUIRED[type as MessageType])) {
    if (typeof obj[key] !== kind) throw bad(`'${type}' line needs ${kind} field '${key}'`);
  }
  return obj as ProtocolMessage;
}
