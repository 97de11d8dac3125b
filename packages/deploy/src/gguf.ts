import { open, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { gguf, GGMLQuantizationType } from "@huggingface/gguf";
import { MathtuneError } from "@mathtune/core";

/** The quantization types `mathtune deploy` offers, as llama-quantize names them (lower case here). */
export const QUANT_TYPES = ["q4_k_m", "q5_k_m", "q6_k", "q8_0", "q4_0"] as const;
/** A quantization type that `quantizeGguf` accepts (`q4_k_m`, `q8_0`, ...). */
export type QuantType = (typeof QUANT_TYPES)[number];
/** Types the converter writes. */
export const CONVERT_TYPES = ["f16", "bf16", "f32"] as const;
/** A type the converter writes (`f16`, `bf16`, `f32`). */
export type ConvertType = (typeof CONVERT_TYPES)[number];

/** Bytes per block and elements per block of each GGML tensor type (for the size check). */
const BLOCK: Partial<Record<GGMLQuantizationType, [number, number]>> = {
  [GGMLQuantizationType.F32]: [1, 4],
  [GGMLQuantizationType.F16]: [1, 2],
  [GGMLQuantizationType.BF16]: [1, 2],
  [GGMLQuantizationType.Q4_0]: [32, 18],
  [GGMLQuantizationType.Q4_1]: [32, 20],
  [GGMLQuantizationType.Q5_0]: [32, 22],
  [GGMLQuantizationType.Q5_1]: [32, 24],
  [GGMLQuantizationType.Q8_0]: [32, 34],
  [GGMLQuantizationType.Q2_K]: [256, 84],
  [GGMLQuantizationType.Q3_K]: [256, 110],
  [GGMLQuantizationType.Q4_K]: [256, 144],
  [GGMLQuantizationType.Q5_K]: [256, 176],
  [GGMLQuantizationType.Q6_K]: [256, 210],
  [GGMLQuantizationType.Q8_K]: [256, 292],
};

/** The GGML type name of a tensor type id (`Q4_K`, `F16`, ...). */
export function typeName(t: number): string {
  return GGMLQuantizationType[t] ?? `type${t}`;
}

/** One tensor of a GGUF: name, shape, GGML type and size. */
export interface GgufTensor {
  name: string;
  shape: number[];
  type: string;
  bytes?: number;
}

/**
 * What `readGgufInfo` reads from a GGUF's header: architecture, file type, tensors, chat template, special
 * tokens.
 */
export interface GgufInfo {
  path: string;
  bytes: number;
  architecture: string;
  name?: string;
  /** `general.file_type` as llama.cpp names it (`MOSTLY_Q4_K_M`), when set. */
  fileType?: string;
  tensorCount: number;
  tensors: GgufTensor[];
  /** Tensors per GGML type. */
  typeCounts: Record<string, number>;
  chatTemplate?: string;
  tokens?: {
    count: number;
    eos?: number;
    eot?: number;
    bos?: number;
    pad?: number;
    eosText?: string;
    eotText?: string /** Control and user-defined tokens (`<|im_start|>` ...). */;
    special: string[];
  };
  /** `adapter.type` for a LoRA GGUF (`lora`). */
  adapterType?: string;
  metadata: Record<string, unknown>;
}

const FILE_TYPES: Record<number, string> = {
  0: "ALL_F32",
  1: "MOSTLY_F16",
  2: "MOSTLY_Q4_0",
  3: "MOSTLY_Q4_1",
  7: "MOSTLY_Q8_0",
  8: "MOSTLY_Q5_0",
  9: "MOSTLY_Q5_1",
  10: "MOSTLY_Q2_K",
  12: "MOSTLY_Q3_K_M",
  14: "MOSTLY_Q4_K_S",
  15: "MOSTLY_Q4_K_M",
  16: "MOSTLY_Q5_K_S",
  17: "MOSTLY_Q5_K_M",
  18: "MOSTLY_Q6_K",
  32: "MOSTLY_BF16",
};

/**
 * Reads a GGUF's header back (`@huggingface/gguf`): architecture, tensors and their types, chat
 * template and special token ids. Throws E_GGUF_INVALID naming the file when it is not a GGUF, and
 * E_INPUT_TRUNCATED when its tensor data ends early.
 */
export async function readGgufInfo(path: string): Promise<GgufInfo> {
  const abs = resolve(path);
  let size: number;
  try {
    size = (await stat(abs)).size;
  } catch (e) {
    throw new MathtuneError("E_INPUT_NOT_FOUND", `no GGUF file at ${abs}`, { location: { file: abs }, cause: e });
  }
  const fh = await open(abs, "r");
  try {
    const magic = Buffer.alloc(4);
    await fh.read(magic, 0, 4, 0);
    if (magic.toString("latin1") !== "GGUF") {
      throw new MathtuneError(
        "E_GGUF_INVALID",
        `${abs} is not a GGUF file (it starts with ${JSON.stringify(magic.toString("latin1"))})`,
        {
          location: { file: abs },
          hint: "give a .gguf written by llama.cpp's converter or llama-quantize",
        },
      );
    }
  } finally {
    await fh.close();
  }
  let parsed: Awaited<ReturnType<typeof gguf>>;
  try {
    parsed = await gguf(abs, { allowLocalFile: true });
  } catch (e) {
    throw new MathtuneError(
      "E_INPUT_TRUNCATED",
      `${abs}: the GGUF header could not be read (${(e as Error).message})`,
      {
        location: { file: abs },
        hint: "the file is truncated or damaged: convert or quantize it again",
        cause: e,
      },
    );
  }
  const md = parsed.metadata as unknown as Record<string, unknown>;
  const arch = String(md["general.architecture"] ?? "");
  const tensors: GgufTensor[] = [];
  const typeCounts: Record<string, number> = {};
  let end = 0n;
  for (const t of parsed.tensorInfos) {
    const shape = t.shape.map(Number);
    const type = typeName(t.dtype);
    typeCounts[type] = (typeCounts[type] ?? 0) + 1;
    const block = BLOCK[t.dtype];
    const elements = shape.reduce((a, b) => a * b, 1);
    const bytes = block ? (elements / block[0]) * block[1] : undefined;
    tensors.push({ name: t.name, shape, type, ...(bytes !== undefined ? { bytes } : {}) });
    if (bytes !== undefined) {
      const e = parsed.tensorDataOffset + t.offset + BigInt(bytes);
      if (e > end) end = e;
    }
  }
  if (end > BigInt(size)) {
    throw new MathtuneError(
      "E_INPUT_TRUNCATED",
      `${abs} is truncated: its tensors need ${end} bytes but the file has ${size}`,
      {
        location: { file: abs },
        hint: "the file was cut short (a full disk or an interrupted copy?): convert or quantize it again",
      },
    );
  }
  const num = (k: string) =>
    typeof md[k] === "number" ? (md[k] as number) : typeof md[k] === "bigint" ? Number(md[k]) : undefined;
  const tokenList = md["tokenizer.ggml.tokens"] as string[] | undefined;
  const eos = num("tokenizer.ggml.eos_token_id");
  const eot = num("tokenizer.ggml.eot_token_id");
  const bos = num("tokenizer.ggml.bos_token_id");
  const pad = num("tokenizer.ggml.padding_token_id");
  const ft = num("general.file_type");
  const info: GgufInfo = {
    path: abs,
    bytes: size,
    architecture: arch,
    tensorCount: parsed.tensorInfos.length,
    tensors,
    typeCounts,
    metadata: Object.fromEntries(
      Object.entries(md).filter(
        ([k]) =>
          !k.startsWith("tokenizer.ggml.tokens") &&
          k !== "tokenizer.ggml.merges" &&
          k !== "tokenizer.ggml.token_type" &&
          k !== "tokenizer.ggml.scores",
      ),
    ),
  };
  if (typeof md["general.name"] === "string") info.name = md["general.name"] as string;
  if (ft !== undefined) info.fileType = FILE_TYPES[ft] ?? `type${ft}`;
  if (typeof md["tokenizer.chat_template"] === "string") info.chatTemplate = md["tokenizer.chat_template"] as string;
  if (typeof md["adapter.type"] === "string") info.adapterType = md["adapter.type"] as string;
  if (tokenList) {
    const types = md["tokenizer.ggml.token_type"] as number[] | undefined;
    const special = types ? tokenList.filter((_, i) => types[i] === 3 || types[i] === 4) : [];
    info.tokens = {
      count: tokenList.length,
      special,
      ...(eos !== undefined ? { eos, eosText: tokenList[eos] } : {}),
      ...(eot !== undefined ? { eot, eotText: tokenList[eot] } : {}),
      ...(bos !== undefined ? { bos } : {}),
      ...(pad !== undefined ? { pad } : {}),
    };
  }
  return info;
}

/** The GGML type llama-quantize uses for most weights of a quant type. */
export function mainTensorType(q: QuantType | ConvertType): string {
  return {
    q4_k_m: "Q4_K",
    q5_k_m: "Q5_K",
    q6_k: "Q6_K",
    q8_0: "Q8_0",
    q4_0: "Q4_0",
    f16: "F16",
    bf16: "BF16",
    f32: "F32",
  }[q];
}

/** What `checkGguf` compares a GGUF against. */
export interface GgufExpectations {
  architecture?: string;
  tensorCount?: number;
  chatTemplate?: string;
  /** Token ids that must end a turn: the GGUF's eos (or eot) must be one of them. */
  endOfTurn?: number[];
  /** The quant type asked for: weight matrices must be of its type (or a K-quant's usual companions). */
  quant?: QuantType | ConvertType;
}

/** A weight that llama-quantize did not store in the type asked for. */
export interface QuantFallback {
  tensor: string;
  shape: number[];
  expected: string;
  actual: string;
  reason: string;
}

/** What `checkGguf` found: problems (none when `ok`) and the K-quant fallbacks. */
export interface GgufCheck {
  ok: boolean;
  problems: string[];
  /** K-quant fallbacks: rows not a multiple of 256 (reported, not an error). */
  fallbacks: QuantFallback[];
}

/**
 * Checks a GGUF read back against what was asked for. Weight matrices (2-D tensors) of a quantized
 * file must be of the asked type; q4_k_m / q5_k_m keep some in Q6_K/Q5_K by design (llama.cpp's
 * mixes) and 1-D norms stay F32. A K-quant weight whose rows are not a multiple of 256 falls back
 * to another type in llama.cpp, silently: each is listed in `fallbacks`.
 */
export function checkGguf(info: GgufInfo, expect: GgufExpectations): GgufCheck {
  const problems: string[] = [];
  const fallbacks: QuantFallback[] = [];
  if (expect.architecture && info.architecture !== expect.architecture)
    problems.push(`architecture is ${info.architecture || "(none)"}, expected ${expect.architecture}`);
  if (expect.tensorCount !== undefined && info.tensorCount !== expect.tensorCount)
    problems.push(`${info.tensorCount} tensors, expected ${expect.tensorCount}`);
  if (expect.chatTemplate !== undefined && info.chatTemplate !== expect.chatTemplate)
    problems.push(
      info.chatTemplate
        ? "tokenizer.chat_template differs from the model's chat template"
        : "no tokenizer.chat_template in the GGUF",
    );
  if (expect.endOfTurn) {
    const ids = [info.tokens?.eos, info.tokens?.eot].filter((x): x is number => x !== undefined);
    if (!ids.some((id) => expect.endOfTurn!.includes(id)))
      problems.push(
        `eos/eot token ids [${ids.join(", ")}] do not include an end-of-turn token (${expect.endOfTurn.join(", ")})`,
      );
  }
  if (expect.quant) {
    const want = mainTensorType(expect.quant);
    const allowed = new Set([want, "F32"]);
    if (expect.quant === "q4_k_m") ["Q6_K", "Q5_K"].forEach((t) => allowed.add(t));
    if (expect.quant === "q5_k_m") allowed.add("Q6_K");
    const isK = expect.quant.includes("_k");
    let matching = 0;
    for (const t of info.tensors) {
      if (t.shape.length < 2) continue;
      if (t.type === want) matching++;
      if (allowed.has(t.type) && t.type !== "F32") continue;
      if (t.type === "F32" && !/weight$/.test(t.name)) continue;
      const rowsOk = (t.shape[0] ?? 0) % 256 === 0;
      if (isK && !rowsOk) {
        fallbacks.push({
          tensor: t.name,
          shape: t.shape,
          expected: want,
          actual: t.type,
          reason: `rows of ${t.shape[0]} are not a multiple of 256`,
        });
      } else if (!allowed.has(t.type)) {
        problems.push(`tensor ${t.name} is ${t.type}, expected ${want}`);
      }
    }
    if (!matching) problems.push(`no weight is of type ${want}`);
  }
  return { ok: problems.length === 0, problems, fallbacks };
}
