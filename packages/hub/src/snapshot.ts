/**
 * Downloads chosen files of one repository at one commit into the Hugging Face cache. The Hub is
 * spoken through @huggingface/hub (repository info, tree listing, resolve with Range); this module
 * adds what it leaves out: the revision pinned to a commit and recorded in refs/, resume of a cut
 * download from `blobs/<etag>.incomplete`, the sha256 (LFS) or git sha1 checked before a blob
 * enters the cache, progress events, offline mode, and errors with codes.
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { once } from "node:events";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { isMathtuneError, MathtuneError } from "@mathtune/core";
import {
  blobPath,
  COMMIT_RE,
  isPresent,
  linkSnapshot,
  lockBlob,
  listSnapshot,
  readRef,
  readTree,
  type RepoRef,
  snapshotDir,
  type TreeFile,
  writeRef,
  writeTree,
} from "./cache.js";
import { hubConfig, type HubConfig, type HubConfigInput } from "./env.js";
import { hubError, type HubErrorCode, OFFLINE_HINT } from "./errors.js";

export interface SnapshotOptions extends HubConfigInput {
  /** Branch, tag or commit sha (default `main`). A commit sha that is fully cached needs no request. */
  revision?: string;
  /** Picks the files to download from the commit's tree; throw (E_HUB_NO_FILES) when nothing fits. */
  select: (files: TreeFile[]) => TreeFile[];
  signal?: AbortSignal;
  /** Attempts after a cut connection, each resuming where the last stopped (default 3). */
  retries?: number;
  /** Milliseconds before the first retry, doubled each time (default 500). */
  retryDelayMs?: number;
  /** The fetch to use (default: global fetch). Tests count requests with it. */
  fetch?: typeof fetch;
}

export interface SnapshotFile extends TreeFile {
  /** snapshots/<commit>/<path>: the path Python's huggingface_hub would return too. */
  local: string;
  /** True when it was in the cache already. */
  cached: boolean;
}

/** The files of a repository at one commit in the cache: what was asked for, the commit, and each file. */
export interface Snapshot {
  repo: string;
  type: RepoRef["type"];
  endpoint: string;
  /** What was asked for (`main`, a tag, a sha). */
  revision: string;
  /** The commit it resolved to. */
  commit: string;
  /** snapshots/<commit> */
  dir: string;
  files: SnapshotFile[];
  /** True when no request was made (everything came from the cache). */
  fromCache: boolean;
}

/** The events of `snapshotIter`: the revision resolved, then per file its start, progress and end, then done. */
export type HubEvent =
  | {
      type: "resolved";
      repo: string;
      revision: string;
      commit: string;
      files: number;
      bytes: number;
      missingFiles: number;
      missingBytes: number;
    }
  | { type: "file-start"; repo: string; path: string; size: number; resumeFrom: number }
  | {
      type: "progress";
      repo: string;
      path: string;
      /** Bytes of this file on disk so far, and its size. */
      fileBytes: number;
      fileSize: number;
      /** Bytes of all missing files so far, and their total. */
      bytes: number;
      totalBytes: number;
      bytesPerSecond: number;
      /** Seconds left at the current rate; undefined before a rate is known. */
      etaSeconds: number | undefined;
    }
  | { type: "file-done"; repo: string; path: string; size: number; cached: boolean; etag: string }
  | { type: "retry"; repo: string; path: string; attempt: number; resumeFrom: number; reason: string }
  | { type: "done"; snapshot: Snapshot };

interface Ctx {
  cfg: HubConfig;
  repo: RepoRef;
  revision: string;
  fetch: typeof fetch;
  /** x-error-code of failed responses, by URL. */
  errorCodes: Map<string, string>;
  signal: AbortSignal | undefined;
  requests: number;
}

type HubLib = typeof import("@huggingface/hub");
let hubLib: Promise<HubLib> | undefined;
const lib = (): Promise<HubLib> => (hubLib ??= import("@huggingface/hub"));

const REPO_ID_RE = /^(?:[A-Za-z0-9][\w.-]*\/)?[\w][\w.-]*$/;

/** Checks a repository id (`owner/name`). */
export function parseRepoId(id: string, type: RepoRef["type"]): RepoRef {
  if (!REPO_ID_RE.test(id) || id.includes("..") || id.endsWith(".")) {
    throw hubError("E_HUB_INVALID", `'${id}' is not a repository id (owner/name)`, { repo: id });
  }
  return { type, name: id };
}

function makeFetch(ctx: Omit<Ctx, "fetch">, base: typeof fetch): typeof fetch {
  const origin = new URL(ctx.cfg.endpoint).origin;
  return async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (ctx.cfg.offline) {
      // A guard: offline mode never reaches this, but if it did no byte goes out.
      throw hubError("E_HUB_OFFLINE", `offline mode: refusing a request to ${url}`, { repo: ctx.repo.name });
    }
    const headers = new Headers(init?.headers);
    headers.delete("authorization");
    if (ctx.cfg.token && new URL(url).origin === origin) headers.set("authorization", `Bearer ${ctx.cfg.token}`);
    if (!headers.has("user-agent")) headers.set("user-agent", "mathtune-hub/0.1");
    ctx.requests++;
    const res = await base(input, { ...init, headers, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    if (!res.ok) {
      const code = res.headers.get("x-error-code");
      if (code) {
        ctx.errorCodes.set(res.url || url, code);
        ctx.errorCodes.set(url, code);
      }
    }
    return res;
  };
}

/** Turns whatever @huggingface/hub or fetch threw into a MathtuneError naming the repository and file. */
function toHubError(ctx: Ctx, e: unknown, file?: string, gated?: boolean): MathtuneError {
  if (isMathtuneError(e)) return e;
  const where = { repo: `${ctx.repo.type}s/${ctx.repo.name}`, revision: ctx.revision, ...(file ? { file } : {}) };
  if (ctx.signal?.aborted) return new MathtuneError("E_CANCELED", "download canceled", { cause: ctx.signal.reason });
  const err = e as { statusCode?: number; url?: string; message?: string; code?: string; cause?: { code?: string } };
  if (typeof err?.statusCode === "number") {
    const xcode = (err.url && ctx.errorCodes.get(err.url)) || undefined;
    const status = err.statusCode;
    const tokenHint = ctx.cfg.token
      ? "the token is set but has no access: accept the conditions on the repository's page with that account"
      : "set HF_TOKEN (or run `huggingface-cli login`) with an account that has accepted the repository's conditions";
    if (xcode === "GatedRepo" || (gated && (status === 401 || status === 403))) {
      return hubError("E_HUB_GATED", `${where.repo} is gated: access refused (${status})`, where, {
        hint: tokenHint,
        cause: e,
      });
    }
    if (xcode === "RevisionNotFound") {
      return hubError("E_HUB_REVISION_NOT_FOUND", `revision '${ctx.revision}' does not exist in ${where.repo}`, where, {
        hint: "check the recipe's revision: a branch, a tag or a full 40-character commit sha",
        cause: e,
      });
    }
    if (xcode === "EntryNotFound") {
      return hubError("E_HUB_FILE_NOT_FOUND", `${file ?? "a file"} is not in ${where.repo} at ${ctx.revision}`, where, {
        cause: e,
      });
    }
    if (xcode === "RepoNotFound" || status === 404 || status === 401) {
      return hubError(
        "E_HUB_REPO_NOT_FOUND",
        `repository ${where.repo} not found on ${ctx.cfg.endpoint} (${status})`,
        where,
        {
          hint: ctx.cfg.token
            ? "check the name (owner/name) and that the token's account can see it"
            : "check the name (owner/name); a private repository needs HF_TOKEN",
          cause: e,
        },
      );
    }
    if (status === 403)
      return hubError("E_HUB_GATED", `access to ${where.repo} refused (403)`, where, { hint: tokenHint, cause: e });
    return hubError(
      "E_HUB_NETWORK",
      `${ctx.cfg.endpoint} answered ${status} for ${where.repo}${file ? ` ${file}` : ""}`,
      where,
      { hint: `try again later; ${OFFLINE_HINT}`, cause: e },
    );
  }
  const sys = err?.cause?.code ?? err?.code;
  if (sys === "ENOSPC") {
    return hubError(
      "E_HUB_DISK_FULL",
      `no space left on the disk of ${ctx.cfg.cacheDir} while writing ${file ?? "a file"}`,
      where,
      {
        hint: "free space, or point HF_HUB_CACHE (or HF_HOME) at a larger disk",
        cause: e,
      },
    );
  }
  if (e instanceof TypeError && /token|hf_/.test(String(err.message))) {
    return hubError("E_HUB_INVALID", String(err.message), where, { cause: e });
  }
  const reason =
    err?.cause && typeof err.cause === "object" && "message" in err.cause
      ? String((err.cause as Error).message)
      : String(err?.message ?? e);
  return hubError(
    "E_HUB_NETWORK",
    `could not reach ${ctx.cfg.endpoint} for ${where.repo}${file ? ` ${file}` : ""}: ${reason}`,
    where,
    {
      hint: `check the connection and HF_ENDPOINT; ${OFFLINE_HINT}`,
      cause: e,
    },
  );
}

function toTreeFile(e: {
  type: string;
  path: string;
  size: number;
  oid?: string;
  lfs?: { oid: string; size: number };
}): TreeFile | undefined {
  if (e.type !== "file") return undefined;
  if (e.lfs) return { path: e.path, size: e.lfs.size, etag: e.lfs.oid, lfs: true };
  if (e.oid) return { path: e.path, size: e.size, etag: e.oid, lfs: false };
  return undefined;
}

const normEtag = (s: string): string => s.replace(/^W\//, "").replace(/^"|"$/g, "");

/**
 * Downloads the selected files of a repository at a revision into the Hugging Face cache, as an
 * async iterator of events; the last is `done` with the snapshot.
 */
export async function* snapshotIter(repo: RepoRef, options: SnapshotOptions): AsyncGenerator<HubEvent> {
  const cfg = hubConfig(options);
  const revision = options.revision ?? "main";
  const base: Omit<Ctx, "fetch"> = { cfg, repo, revision, errorCodes: new Map(), signal: options.signal, requests: 0 };
  const ctx: Ctx = { ...base, fetch: undefined as unknown as typeof fetch };
  ctx.fetch = makeFetch(ctx, options.fetch ?? globalThis.fetch);
  const label = `${repo.type}s/${repo.name}`;
  const where = { repo: label, revision };
  if (revision.includes("..") || revision.startsWith("/"))
    throw hubError("E_HUB_INVALID", `'${revision}' is not a revision`, where);

  // 1. The commit, and its tree, from the cache when that is enough.
  let commit: string | undefined = COMMIT_RE.test(revision)
    ? revision
    : cfg.offline
      ? await readRef(cfg.cacheDir, repo, revision)
      : undefined;
  let tree = commit ? await readTree(cfg.cacheDir, repo, commit) : undefined;
  if (commit && !tree && cfg.offline) {
    // Downloaded by Python (or an older run): what the snapshot folder holds is all there is.
    const present = await listSnapshot(cfg.cacheDir, repo, commit);
    if (present) {
      tree = [];
      for (const p of present) {
        const st = await stat(join(snapshotDir(cfg.cacheDir, repo, commit), p)).catch(() => undefined);
        if (st?.isFile()) tree.push({ path: p, size: st.size, etag: "", lfs: false });
      }
    }
  }
  if (commit && tree) {
    const selected = options.select(tree);
    const dir = snapshotDir(cfg.cacheDir, repo, commit);
    const local = selected.map((f) => join(dir, ...f.path.split("/")));
    const here = await Promise.all(local.map(isPresent));
    if (here.every(Boolean)) {
      const bytes = selected.reduce((a, f) => a + f.size, 0);
      yield {
        type: "resolved",
        repo: label,
        revision,
        commit,
        files: selected.length,
        bytes,
        missingFiles: 0,
        missingBytes: 0,
      };
      const files = selected.map((f, i) => ({ ...f, local: local[i]!, cached: true }));
      for (const f of files)
        yield { type: "file-done", repo: label, path: f.path, size: f.size, cached: true, etag: f.etag };
      yield {
        type: "done",
        snapshot: {
          repo: repo.name,
          type: repo.type,
          endpoint: cfg.endpoint,
          revision,
          commit,
          dir,
          files,
          fromCache: true,
        },
      };
      return;
    }
    if (cfg.offline) {
      const missing = selected.filter((_, i) => !here[i]).map((f) => f.path);
      throw hubError(
        "E_HUB_OFFLINE",
        `offline mode and ${missing.length} file(s) of ${label}@${commit.slice(0, 12)} are not in the cache: ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", ..." : ""}`,
        { ...where, file: missing[0]! },
        {
          hint: `unset HF_HUB_OFFLINE and run once with network to fill the cache (${cfg.cacheDir})`,
        },
      );
    }
  }
  if (cfg.offline) {
    throw hubError(
      "E_HUB_OFFLINE",
      `offline mode and ${label} at '${revision}' is not in the cache (${cfg.cacheDir})`,
      where,
      {
        hint: "unset HF_HUB_OFFLINE and run once with network, or pin the revision to a commit that is cached",
      },
    );
  }

  // 2. Online: resolve the revision to a commit (this also tells an unknown repository or revision).
  const hub = await lib();
  let gated = false;
  try {
    const info =
      repo.type === "model"
        ? await hub.modelInfo({
            name: repo.name,
            revision,
            hubUrl: cfg.endpoint,
            fetch: ctx.fetch,
            additionalFields: ["sha"],
          })
        : await hub.datasetInfo({
            name: repo.name,
            revision,
            hubUrl: cfg.endpoint,
            fetch: ctx.fetch,
            additionalFields: ["sha"],
          });
    gated = Boolean(info.gated);
    const sha = (info as { sha?: unknown }).sha;
    if (typeof sha !== "string" || !COMMIT_RE.test(sha)) {
      throw hubError("E_HUB_INVALID", `${cfg.endpoint} gave no commit sha for ${label} at '${revision}'`, where);
    }
    if (commit && sha !== commit)
      throw hubError("E_HUB_INVALID", `${cfg.endpoint} resolved commit ${commit} to ${sha}`, where);
    commit = sha;
  } catch (e) {
    throw toHubError(ctx, e);
  }
  await writeRef(cfg.cacheDir, repo, revision, commit);
  if (!tree) tree = await readTree(cfg.cacheDir, repo, commit);
  if (!tree) {
    tree = [];
    try {
      for await (const e of hub.listFiles({
        repo: { type: repo.type, name: repo.name },
        revision: commit,
        recursive: true,
        hubUrl: cfg.endpoint,
        fetch: ctx.fetch,
      })) {
        const f = toTreeFile(e);
        if (f) tree.push(f);
      }
    } catch (e) {
      throw toHubError(ctx, e, undefined, gated);
    }
    tree.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    await writeTree(cfg.cacheDir, repo, commit, tree);
  }
  const selected = options.select(tree);
  const dir = snapshotDir(cfg.cacheDir, repo, commit);

  // 3. Each file: in the snapshot already, a blob to link, or a download.
  const state = await Promise.all(
    selected.map(async (f) => ({
      f,
      local: join(dir, ...f.path.split("/")),
      blob: await isPresent(blobPath(cfg.cacheDir, repo, f.etag)),
    })),
  );
  const missing = state.filter((s) => !s.blob);
  const totalBytes = missing.reduce((a, s) => a + s.f.size, 0);
  yield {
    type: "resolved",
    repo: label,
    revision,
    commit,
    files: selected.length,
    bytes: selected.reduce((a, f) => a + f.size, 0),
    missingFiles: missing.length,
    missingBytes: totalBytes,
  };
  const files: SnapshotFile[] = [];
  const progress = { done: 0, fetched: 0, total: totalBytes, started: Date.now() };
  for (const s of state) {
    if (!s.blob) {
      // Another process (or call) may be fetching the same blob: wait for it, then use its result.
      let release: () => Promise<void>;
      try {
        release = await lockBlob(cfg.cacheDir, repo, s.f.etag, ctx.signal);
      } catch (e) {
        throw toHubError(ctx, e, s.f.path);
      }
      try {
        if (!(await isPresent(blobPath(cfg.cacheDir, repo, s.f.etag))))
          yield* downloadBlob(ctx, s.f, commit, progress, options, gated);
      } finally {
        await release();
      }
    }
    await linkSnapshot(cfg.cacheDir, repo, commit, s.f);
    files.push({ ...s.f, local: s.local, cached: s.blob });
    if (s.blob) yield { type: "file-done", repo: label, path: s.f.path, size: s.f.size, cached: true, etag: s.f.etag };
  }
  yield {
    type: "done",
    snapshot: {
      repo: repo.name,
      type: repo.type,
      endpoint: cfg.endpoint,
      revision,
      commit,
      dir,
      files,
      fromCache: false,
    },
  };
}

/** Runs `snapshotIter` to its end; `onEvent` sees every event. */
export async function snapshot(
  repo: RepoRef,
  options: SnapshotOptions & { onEvent?: (e: HubEvent) => void },
): Promise<Snapshot> {
  for await (const e of snapshotIter(repo, options)) {
    options.onEvent?.(e);
    if (e.type === "done") return e.snapshot;
  }
  throw new MathtuneError("E_INTERNAL", "snapshot ended without a result");
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((res, rej) => {
    const t = setTimeout(res, ms);
    signal?.addEventListener(
      "abort",
      () => (clearTimeout(t), rej(new MathtuneError("E_CANCELED", "download canceled"))),
      { once: true },
    );
  });

async function hashPrefix(hash: Hash, file: string, bytes: number): Promise<void> {
  if (bytes === 0) return;
  for await (const chunk of createReadStream(file, { start: 0, end: bytes - 1, highWaterMark: 1 << 20 }))
    hash.update(chunk as Buffer);
}

function newHash(f: TreeFile): Hash {
  if (f.lfs) return createHash("sha256");
  // A git blob id: sha1 of "blob <size>\0" then the content.
  return createHash("sha1").update(`blob ${f.size}\0`);
}

/**
 * One file into blobs/<etag>: appended to blobs/<etag>.incomplete (resumed from its length with a
 * Range request), checked against its sha256 or git sha1, then renamed into place. A cut connection
 * keeps the .incomplete for the next attempt; a bad hash or a full disk removes it.
 */
async function* downloadBlob(
  ctx: Ctx,
  f: TreeFile,
  commit: string,
  progress: { done: number; fetched: number; total: number; started: number },
  options: SnapshotOptions,
  gated: boolean,
): AsyncGenerator<HubEvent> {
  const { cfg, repo } = ctx;
  const label = `${repo.type}s/${repo.name}`;
  const blob = blobPath(cfg.cacheDir, repo, f.etag);
  const incomplete = `${blob}.incomplete`;
  await mkdir(dirname(blob), { recursive: true });
  const hub = await lib();
  const retries = options.retries ?? 3;
  const baseDone = progress.done;
  let restarted = false;
  for (let attempt = 0; ; attempt++) {
    let offset = (await stat(incomplete).catch(() => undefined))?.size ?? 0;
    if (offset > f.size) {
      await rm(incomplete, { force: true });
      offset = 0;
    }
    yield { type: "file-start", repo: label, path: f.path, size: f.size, resumeFrom: offset };
    progress.done = baseDone + offset;
    const hash = newHash(f);
    let written = offset;
    try {
      await hashPrefix(hash, incomplete, offset);
      if (offset < f.size || f.size === 0) {
        const info = await hub.fileDownloadInfo({
          repo: { type: repo.type, name: repo.name },
          path: f.path,
          revision: commit,
          hubUrl: cfg.endpoint,
          fetch: ctx.fetch,
        });
        if (!info)
          throw hubError("E_HUB_FILE_NOT_FOUND", `${f.path} is not in ${label} at ${commit}`, {
            repo: label,
            revision: commit,
            file: f.path,
          });
        const etag = normEtag(info.etag);
        if (f.lfs && etag !== f.etag) {
          throw hubError(
            "E_HUB_HASH_MISMATCH",
            `the endpoint reports sha256 ${etag} for ${f.path}, the tree listing ${f.etag}`,
            { repo: label, revision: commit, file: f.path },
            { hint: "a mirror serving stale files? try again, or another HF_ENDPOINT" },
          );
        }
        if (info.size !== f.size) {
          throw hubError(
            "E_HUB_HASH_MISMATCH",
            `the endpoint reports ${info.size} bytes for ${f.path}, the tree listing ${f.size}`,
            { repo: label, revision: commit, file: f.path },
          );
        }
        const web = await hub.downloadFile({
          repo: { type: repo.type, name: repo.name },
          path: f.path,
          revision: commit,
          hubUrl: cfg.endpoint,
          fetch: ctx.fetch,
          xet: false,
          downloadInfo: info,
        });
        if (!web)
          throw hubError("E_HUB_FILE_NOT_FOUND", `${f.path} is not in ${label} at ${commit}`, {
            repo: label,
            revision: commit,
            file: f.path,
          });
        const part = offset > 0 ? web.slice(offset) : web;
        const out = createWriteStream(incomplete, { flags: offset > 0 ? "a" : "w" });
        const closed = new Promise<void>((res, rej) => {
          out.once("close", res);
          out.once("error", rej);
        });
        closed.catch(() => {});
        let lastEvent = 0;
        try {
          for await (const chunk of Readable.fromWeb(part.stream() as NodeReadableStream<Uint8Array>)) {
            const buf = chunk as Uint8Array;
            if (written + buf.length > f.size)
              throw hubError("E_HUB_HASH_MISMATCH", `${f.path} is longer than the ${f.size} bytes the Hub reports`, {
                repo: label,
                revision: commit,
                file: f.path,
              });
            hash.update(buf);
            if (!out.write(buf)) await Promise.race([once(out, "drain"), closed]);
            written += buf.length;
            progress.fetched += buf.length;
            progress.done = baseDone + written;
            const now = Date.now();
            if (now - lastEvent >= 200) {
              lastEvent = now;
              yield progressEvent(label, f, written, progress);
            }
          }
        } finally {
          out.end();
          await closed;
        }
        yield progressEvent(label, f, written, progress);
      }
      if (written !== f.size) {
        throw hubError(
          "E_HUB_NETWORK",
          `${f.path}: the connection ended after ${written} of ${f.size} bytes`,
          { repo: label, revision: commit, file: f.path },
          { hint: "run again to resume the download" },
        );
      }
      const got = hash.digest("hex");
      if (got !== f.etag) {
        await rm(incomplete, { force: true });
        const err = hubError(
          "E_HUB_HASH_MISMATCH",
          `${f.path}: downloaded bytes have ${f.lfs ? "sha256" : "git sha1"} ${got}, the Hub reports ${f.etag}`,
          { repo: label, revision: commit, file: f.path },
          {
            hint: "the file was not kept; run again, and if it repeats the endpoint serves corrupt data (check HF_ENDPOINT)",
          },
        );
        if (offset > 0 && !restarted) {
          // A resumed file may have started from bytes of another version: once more from zero.
          restarted = true;
          yield { type: "retry", repo: label, path: f.path, attempt: attempt + 1, resumeFrom: 0, reason: err.reason };
          continue;
        }
        throw err;
      }
      await rename(incomplete, blob);
      yield { type: "file-done", repo: label, path: f.path, size: f.size, cached: false, etag: f.etag };
      return;
    } catch (e) {
      const err = toHubError(ctx, e, f.path, gated);
      if (err.code === "E_HUB_DISK_FULL") await rm(incomplete, { force: true });
      if (err.code !== "E_HUB_NETWORK" || attempt >= retries || ctx.signal?.aborted) {
        if (err.code === "E_HUB_NETWORK") {
          const kept = (await stat(incomplete).catch(() => undefined))?.size ?? 0;
          if (kept > 0) err.details!.resumeFrom = kept;
        }
        throw err;
      }
      const resumeFrom = (await stat(incomplete).catch(() => undefined))?.size ?? 0;
      yield { type: "retry", repo: label, path: f.path, attempt: attempt + 1, resumeFrom, reason: err.reason };
      await sleep((options.retryDelayMs ?? 500) * 2 ** attempt, ctx.signal);
    }
  }
}

function progressEvent(
  label: string,
  f: TreeFile,
  written: number,
  p: { done: number; fetched: number; total: number; started: number },
): HubEvent {
  // The rate counts bytes fetched by this run only (not those resumed from an earlier one).
  const secs = (Date.now() - p.started) / 1000;
  const rate = secs > 0 ? p.fetched / secs : 0;
  return {
    type: "progress",
    repo: label,
    path: f.path,
    fileBytes: written,
    fileSize: f.size,
    bytes: p.done,
    totalBytes: p.total,
    bytesPerSecond: rate,
    etaSeconds: rate > 0 ? Math.max(0, (p.total - p.done) / rate) : undefined,
  };
}

export type { HubErrorCode };
