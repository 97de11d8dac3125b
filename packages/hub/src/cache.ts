/**
 * The standard Hugging Face cache layout, shared with Python's huggingface_hub and transformers:
 *
 *   <cache>/<type>s--<owner>--<name>/
 *     blobs/<etag>                     file contents, named by sha256 (LFS) or git blob sha1
 *     blobs/<etag>.incomplete          a download in progress (resumed with a Range request)
 *     refs/<revision>                  the commit sha a branch or tag pointed at when last resolved
 *     snapshots/<commit>/<path>        relative symlinks to ../../blobs/<etag>
 *
 * mathtune adds `.mathtune/tree-<commit>.json` (the file listing of that commit, immutable), so a
 * second run at a pinned commit needs no request; Python's cache scan does not look there.
 */
import { lstat, mkdir, readdir, readFile, rename, rm, stat, symlink, copyFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { randomBytes } from "node:crypto";

/** The kind of a Hub repository. */
export type RepoType = "model" | "dataset";

/** A Hub repository: its kind and name. */
export interface RepoRef {
  type: RepoType;
  /** `owner/name` (or a bare `name` for old canonical repositories). */
  name: string;
}

/** One file of a repository at a commit, as the tree listing reports it. */
export interface TreeFile {
  path: string;
  size: number;
  /** The blob's name in the cache: the LFS sha256 when the file is in LFS, else its git blob sha1. */
  etag: string;
  /** True when `etag` is the sha256 of the content (LFS or Xet). */
  lfs: boolean;
}

export const COMMIT_RE = /^[0-9a-f]{40}$/;

/** `datasets--openai--gsm8k`, `models--Qwen--Qwen2.5-0.5B-Instruct`. */
export function repoFolderName(repo: RepoRef): string {
  return [`${repo.type}s`, ...repo.name.split("/")].join("--");
}

/** A repository's folder in a Hugging Face cache (`models--owner--name`). */
export function repoDir(cacheDir: string, repo: RepoRef): string {
  return join(cacheDir, repoFolderName(repo));
}

/** Where a file's content (by its etag) is stored in a Hugging Face cache. */
export function blobPath(cacheDir: string, repo: RepoRef, etag: string): string {
  return join(repoDir(cacheDir, repo), "blobs", etag);
}

/** A commit's snapshot folder (links to the blobs) in a Hugging Face cache. */
export function snapshotDir(cacheDir: string, repo: RepoRef, commit: string): string {
  return join(repoDir(cacheDir, repo), "snapshots", commit);
}

/** The commit a revision pointed at when last resolved, from refs/<revision>. */
export async function readRef(cacheDir: string, repo: RepoRef, revision: string): Promise<string | undefined> {
  try {
    const sha = (await readFile(join(repoDir(cacheDir, repo), "refs", revision), "utf8")).trim();
    return COMMIT_RE.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}

export async function writeRef(cacheDir: string, repo: RepoRef, revision: string, commit: string): Promise<void> {
  if (revision === commit) return;
  const file = join(repoDir(cacheDir, repo), "refs", revision);
  if ((await readRef(cacheDir, repo, revision)) === commit) return;
  await writeFileAtomicSmall(file, commit);
}

async function writeFileAtomicSmall(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

function treeFile(cacheDir: string, repo: RepoRef, commit: string): string {
  return join(repoDir(cacheDir, repo), ".mathtune", `tree-${commit}.json`);
}

export async function readTree(cacheDir: string, repo: RepoRef, commit: string): Promise<TreeFile[] | undefined> {
  try {
    const v = JSON.parse(await readFile(treeFile(cacheDir, repo, commit), "utf8")) as { files?: TreeFile[] };
    return Array.isArray(v.files) ? v.files : undefined;
  } catch {
    return undefined;
  }
}

export async function writeTree(cacheDir: string, repo: RepoRef, commit: string, files: TreeFile[]): Promise<void> {
  await writeFileAtomicSmall(treeFile(cacheDir, repo, commit), JSON.stringify({ v: 1, files }));
}

/** Files present in a snapshot folder (what Python or an earlier run left), without their hashes. */
export async function listSnapshot(cacheDir: string, repo: RepoRef, commit: string): Promise<string[] | undefined> {
  const root = snapshotDir(cacheDir, repo, commit);
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const d of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, d.name);
      if (d.isDirectory()) await walk(p);
      else out.push(relative(root, p).split(sep).join("/"));
    }
  };
  try {
    await walk(root);
  } catch {
    return undefined;
  }
  return out.sort();
}

/** True when the snapshot path exists and leads to a file (a dangling link is not there). */
export async function isPresent(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Points snapshots/<commit>/<path> at the blob with a relative link (a copy where links are refused). */
export async function linkSnapshot(cacheDir: string, repo: RepoRef, commit: string, file: TreeFile): Promise<string> {
  const pointer = join(snapshotDir(cacheDir, repo, commit), ...file.path.split("/"));
  const blob = blobPath(cacheDir, repo, file.etag);
  await mkdir(dirname(pointer), { recursive: true });
  try {
    await lstat(pointer);
    await rm(pointer, { force: true });
  } catch {
    /* not there */
  }
  const tmp = `${pointer}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await symlink(relative(dirname(pointer), blob), tmp);
  } catch {
    await copyFile(blob, tmp);
  }
  await rename(tmp, pointer);
  return pointer;
}

/** Size in bytes of everything under a folder (links not followed), and the number of files. */
export async function folderSize(root: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  const walk = async (dir: string): Promise<void> => {
    let items;
    try {
      items = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const d of items) {
      const p = join(dir, d.name);
      if (d.isDirectory()) await walk(p);
      else if (d.isFile()) {
        bytes += (await lstat(p)).size;
        files++;
      }
    }
  };
  await walk(root);
  return { bytes, files };
}

/**
 * A lock on one blob, across processes: a folder under `<cache>/.locks/<repo folder>/` (the place
 * huggingface_hub keeps its own lock files; its cache scan skips it) holding the owner's pid. A lock
 * whose owner on this host is gone is taken over. Resolves to the release function.
 */
export async function lockBlob(
  cacheDir: string,
  repo: RepoRef,
  etag: string,
  signal?: AbortSignal,
): Promise<() => Promise<void>> {
  const { hostname } = await import("node:os");
  const dir = join(cacheDir, ".locks", repoFolderName(repo), `${etag}.mathtune-lock`);
  await mkdir(dirname(dir), { recursive: true });
  const me = `${hostname()} ${process.pid}`;
  for (;;) {
    try {
      await mkdir(dir);
      await writeFile(join(dir, "owner"), me);
      return () => rm(dir, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const owner = await readFile(join(dir, "owner"), "utf8").catch(() => "");
    const [host, pid] = owner.split(" ");
    if (owner && host === hostname() && !alive(Number(pid))) {
      await rm(dir, { recursive: true, force: true });
      continue;
    }
    if (!owner) {
      // Being created, or left empty by a crash between mkdir and write: give it a moment.
      const st = await stat(dir).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > 10_000) await rm(dir, { recursive: true, force: true });
    }
    if (signal?.aborted) throw signal.reason ?? new Error("aborted");
    await new Promise((r) => setTimeout(r, 100));
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
