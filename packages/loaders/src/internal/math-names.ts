/** How the MATH adapter reads names: subjects, levels, splits in folder names, archive member paths. */
import { splitFromFileName } from "./fs.js";

export const MATH_SUBJECTS = {
  algebra: "Algebra",
  counting_and_probability: "Counting & Probability",
  geometry: "Geometry",
  intermediate_algebra: "Intermediate Algebra",
  number_theory: "Number Theory",
  prealgebra: "Prealgebra",
  precalculus: "Precalculus",
} as const;

const SUBJECT_BY_TYPE = new Map<string, string>(Object.entries(MATH_SUBJECTS).map(([k, v]) => [v.toLowerCase(), k]));

/** snake_case subject from a folder name or a `type` display name. */
export function subjectKey(name: string): string {
  const known = SUBJECT_BY_TYPE.get(name.trim().toLowerCase());
  if (known) return known;
  return name
    .trim()
    .toLowerCase()
    .replace(/&/g, "and")
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_|_$/g, "");
}

/** `Level 3` -> 3; `Level ?` and anything else -> undefined. */
export function parseLevel(level: unknown): number | undefined {
  if (typeof level === "number" && Number.isInteger(level)) return level;
  const m = typeof level === "string" ? /^\s*Level\s+(\d+)\s*$/i.exec(level) : null;
  return m ? Number(m[1]) : undefined;
}

/** `train`, `test` or `validation` when a folder or file name says it as a word (`MATH-test`, `test`), else undefined. */
export function splitFromName(path: string): string | undefined {
  const name = path.replace(/\\/g, "/").replace(/\/+$/, "");
  return splitFromFileName(name, "") || undefined;
}

/** Safe archive member path: relative, no `..`, no drive letters; else undefined. */
export function safeEntryPath(name: string): string | undefined {
  const n = name.replace(/\\/g, "/");
  if (n.startsWith("/") || /^[a-zA-Z]:/.test(n)) return undefined;
  const parts = n.split("/").filter((p) => p && p !== ".");
  if (parts.some((p) => p === "..")) return undefined;
  return parts.join("/");
}
