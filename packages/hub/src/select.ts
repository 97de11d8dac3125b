import type { TreeFile } from "./cache.js";

/** A glob (`*` within a path segment, `**` across segments, `?` one character) as a RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        i++;
        if (glob[i + 1] === "/") {
          i++;
          re += "(?:.*/)?";
        } else re += ".*";
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

export function matchAny(path: string, globs: readonly string[]): boolean {
  return globs.some((g) => globToRegExp(g).test(path));
}

/** Files a dataset loader can read (the Hub's Parquet conversion, JSON lines, CSV, Arrow, archives, text). */
export const DATA_FILE_RE = /\.(parquet|jsonl|jsonl\.gz|json|json\.gz|csv|tsv|arrow|txt|tar|tar\.gz|tgz)$/i;
const NOT_DATA_RE = /(^|\/)(README\.md|\.gitattributes|dataset_infos?\.json|dataset_dict\.json|state\.json)$|\.py$/i;

/** Which files of a dataset repository to fetch: a configuration, a split, or glob patterns. */
export interface DatasetSelection {
  /** The dataset's configuration (subset): a top folder (`main/`, `algebra/`) or a name prefix. */
  config?: string;
  /** The split: files named `<split>-*`, `<split>.*` or under a `<split>/` folder. */
  split?: string;
  /** Glob patterns that replace the guess from config and split. */
  files?: readonly string[];
}

/** What a dataset source with `{ config, split, files }` reads from a repository's tree. */
export function selectDatasetFiles(
  tree: readonly TreeFile[],
  sel: DatasetSelection,
): { files: TreeFile[]; problem?: string } {
  if (sel.files?.length) {
    const files = tree.filter((f) => matchAny(f.path, sel.files!));
    return files.length ? { files } : { files, problem: `no file matches ${sel.files.join(", ")}` };
  }
  let files = tree.filter((f) => DATA_FILE_RE.test(f.path) && !NOT_DATA_RE.test(f.path));
  if (!files.length)
    return { files, problem: "the repository holds no data files (Parquet, JSON lines, CSV, Arrow, text)" };
  if (sel.config) {
    const c = sel.config;
    const segs = (p: string): string[] => p.split("/");
    const inFolder = files.filter((f) => segs(f.path).slice(0, -1).includes(c));
    const byName = files.filter((f) => {
      const name = segs(f.path).at(-1)!;
      return name.startsWith(`${c}-`) || name.startsWith(`${c}_`) || name.startsWith(`${c}.`);
    });
    files = inFolder.length ? inFolder : byName;
    if (!files.length)
      return { files, problem: `no data file belongs to config '${c}' (folders: ${topFolders(tree)})` };
  }
  if (sel.split) {
    const s = sel.split;
    const re = new RegExp(
      `(^|/)${s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}([-_.][^/]*)?$|(^|/)${s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/`,
    );
    files = files.filter((f) => re.test(f.path));
    if (!files.length)
      return { files, problem: `no data file of split '${s}'${sel.config ? ` in config '${sel.config}'` : ""}` };
  }
  return { files };
}

function topFolders(tree: readonly TreeFile[]): string {
  const s = [...new Set(tree.filter((f) => f.path.includes("/")).map((f) => f.path.split("/")[0]!))];
  return s.length ? s.slice(0, 12).join(", ") + (s.length > 12 ? ", ..." : "") : "none";
}

/** The files a model needs for train, merge and deploy: config, tokenizer, safetensors weights, generation config. */
export const MODEL_FILES = [
  "config.json",
  "generation_config.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "tokenizer.model",
  "vocab.json",
  "vocab.txt",
  "merges.txt",
  "special_tokens_map.json",
  "added_tokens.json",
  "chat_template.jinja",
  "chat_template.json",
  "*.safetensors",
  "model.safetensors.index.json",
] as const;
