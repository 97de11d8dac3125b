import { stringify } from "yaml";
import type { BuildCounts, OutputFile } from "./types.js";
import type { Recipe, SplitName } from "./recipe.js";

const SPLITS: SplitName[] = ["train", "validation", "test"];

function sizeCategory(n: number): string {
  if (n < 1000) return "n<1K";
  if (n < 10_000) return "1K<n<10K";
  if (n < 100_000) return "10K<n<100K";
  if (n < 1_000_000) return "100K<n<1M";
  return "1M<n<10M";
}

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map((c) => String(c).replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

export interface CardInput {
  recipe: Recipe;
  counts: BuildCounts;
  strata: Record<string, Record<SplitName, number>>;
  stages: Record<string, unknown>;
  outputs: OutputFile[];
  /** Records per source, category and difficulty, per split. */
  facets?: { source: string; category: string; difficulty: string; lang?: string; splits: Record<SplitName, number> }[];
  /** Markdown sections from the checks (e.g. LaTeX findings per source and code). */
  sections?: string[];
}

/** A dataset card in the Hugging Face style: YAML front matter, then what is in the data and how it was made. */
function rollup(
  facets: NonNullable<CardInput["facets"]>,
  key: (f: NonNullable<CardInput["facets"]>[number]) => string,
): (string | number)[][] {
  const m = new Map<string, Record<SplitName, number>>();
  for (const f of facets) {
    const k = key(f);
    const c = m.get(k) ?? { train: 0, validation: 0, test: 0 };
    for (const s of SPLITS) c[s] += f.splits[s];
    m.set(k, c);
  }
  return [...m]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, c]) => [...k.split("\u001f"), c.train, c.validation, c.test, c.train + c.validation + c.test]);
}

/** Renders the dataset card (README.md with Hugging Face metadata) of a build. */
export function renderCard({ recipe, counts, strata, stages, outputs, facets = [], sections = [] }: CardInput): string {
  const files = outputs.filter((o) => o.file !== "quarantine.jsonl");
  // The card's languages are the data's: the primary subtags of the records' BCP 47 tags, most records first.
  const langCounts = new Map<string, number>();
  for (const f of facets) {
    const n = f.splits.train + f.splits.validation + f.splits.test;
    if (n > 0 && f.lang)
      langCounts.set(
        f.lang.split("-")[0]!.toLowerCase(),
        (langCounts.get(f.lang.split("-")[0]!.toLowerCase()) ?? 0) + n,
      );
  }
  const language = [...langCounts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0)).map(([l]) => l);
  const meta = {
    language: language.length ? language : ["en"],
    task_categories: ["text-generation", "question-answering"],
    tags: ["math", "mathtune"],
    size_categories: [sizeCategory(counts.written)],
    configs: [
      {
        config_name: "default",
        data_files: SPLITS.map((s) => ({
          split: s,
          path:
            files.find((f) => f.file === `${s}.jsonl`)?.file ??
            files.find((f) => f.file.startsWith(`${s}.`))?.file ??
            `${s}.jsonl`,
        })),
      },
    ],
  };
  const front = `---\n${stringify(meta).trimEnd()}\n---`;
  const sources = Object.entries(counts.sources).map(([name, c]) => [
    name,
    c.adapter,
    c.read,
    c.written,
    c.quarantined,
    c.splits.train,
    c.splits.validation,
    c.splits.test,
  ]);
  const strataRows = Object.entries(strata)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => [k, v.train, v.validation, v.test]);
  const codes = Object.entries(counts.quarantineByCode).sort(([a], [b]) => (a < b ? -1 : 1));
  const parts = [
    front,
    "",
    `# ${recipe.name}`,
    "",
    recipe.description ?? "A math instruction dataset built with mathtune.",
    "",
    `Built with seed ${recipe.seed}. Records in: ${counts.read}; written: ${counts.written}; quarantined: ${counts.quarantined} (see \`quarantine.jsonl\`).`,
    "",
    "## Sources",
    "",
    table(["source", "adapter", "read", "written", "quarantined", "train", "validation", "test"], sources),
    "",
    "## Splits",
    "",
    `Fractions train ${recipe.split.train}, validation ${recipe.split.validation}, test ${recipe.split.test}, stratified by ${recipe.split.by.join(" x ") || "nothing"}${recipe.split.respectSourceSplit ? ", keeping each source's own train/validation/test split" : ""}.`,
    "",
    table(["stratum", "train", "validation", "test"], strataRows),
    "",
    "## Categories and difficulties",
    "",
    table(
      ["source", "category", "train", "validation", "test", "total"],
      rollup(facets, (f) => `${f.source}\u001f${f.category}`),
    ),
    "",
    table(
      ["source", "difficulty", "train", "validation", "test", "total"],
      rollup(facets, (f) => `${f.source}\u001f${f.difficulty}`),
    ),
    "",
    "## Filters",
    "",
    codes.length ? table(["quarantine code", "records"], codes) : "No record was quarantined.",
    "",
  ];
  for (const section of sections) parts.push(section);
  for (const [name, summary] of Object.entries(stages)) {
    parts.push(`### Check: ${name}`, "", "```json", JSON.stringify(summary, null, 2), "```", "");
  }
  parts.push(
    "## Files",
    "",
    table(
      ["file", "records", "bytes", "sha256"],
      outputs.map((o) => [o.file, o.records, o.bytes, o.sha256]),
    ),
    "",
  );
  return parts.join("\n");
}
