import * as crypto from "node:crypto";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { normalizeText } from "./unicode.js";

export { stableStringify } from "./stable.js";

// One-shot hashing (Node 20.12+) skips the Hash object: much cheaper for the short texts of ids.
const oneShot = (crypto as { hash?: (alg: string, data: string | Uint8Array, enc: "hex") => string }).hash;

/** The SHA-256 of a text (UTF-8) or bytes, in hex. */
export function sha256(data: string | Uint8Array): string {
  return oneShot ? oneShot("sha256", data, "hex") : createHash("sha256").update(data).digest("hex");
}

/**
 * A short content hash for ids: the first 16 hex digits of sha256 of the texts in the one
 * normalised form (normalizeText): copies that differ only by full-width characters, zero-width
 * spaces or the digits' script get the same id.
 */
export function contentId(...parts: string[]): string {
  return sha256(parts.map(normalizeText).join("\u0000")).slice(0, 16);
}

/** The SHA-256 of a file's bytes, in hex, read as a stream. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** One file of a `digestTree`: its path relative to the root, size and SHA-256. */
export interface FileDigest {
  path: string;
  bytes: number;
  sha256: string;
}

/** sha256 of every file under a path (a file gives one entry), paths relative and `/`-separated, sorted. */
export async function digestTree(
  root: string,
): Promise<{ sha256: string; files: number; bytes: number; entries: FileDigest[] }> {
  const st = await stat(root);
  const entries: FileDigest[] = [];
  if (st.isFile()) {
    entries.push({ path: "", bytes: st.size, sha256: await sha256File(root) });
  } else {
    const walk = async (dir: string): Promise<void> => {
      const items = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
        a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
      );
      for (const d of items) {
        const p = join(dir, d.name);
        if (d.isDirectory()) await walk(p);
        else if (d.isFile()) {
          const s = await stat(p);
          entries.push({ path: relative(root, p).split(sep).join("/"), bytes: s.size, sha256: await sha256File(p) });
        }
      }
    };
    await walk(root);
  }
  const combined =
    entries.length === 1 && entries[0]!.path === ""
      ? entries[0]!.sha256
      : sha256(entries.map((e) => `${e.sha256}  ${e.path}\n`).join(""));
  return { sha256: combined, files: entries.length, bytes: entries.reduce((a, e) => a + e.bytes, 0), entries };
}
