/**
 * A small Hugging Face Hub on the loopback interface, for tests: it speaks the endpoints
 * @huggingface/hub calls (repository info, tree listing with Link pagination, resolve with a
 * redirect to a CDN on another origin for LFS files, Range requests, X-Repo-Commit / ETag / X-Linked-Etag / X-Linked-Size)
 * and the error codes of the real Hub (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo).
 * Faults can be injected: a connection cut after N bytes, corrupt bytes.
 *
 * @packageDocumentation
 * @module @mathtune/hub/testing
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A file of a fixture repository. */
export interface FixtureFile {
  path: string;
  content: Uint8Array | string;
  /** Stored in LFS (served through a redirect, etag = sha256). Default: true for files over 1 KiB or binary extensions. */
  lfs?: boolean;
}

/** A repository that `startHubServer` serves: its kind, name and files per revision. */
export interface FixtureRepo {
  type: "model" | "dataset";
  name: string;
  /** Branches and tags, each a list of files; the commit sha is derived from the content. Default branch: `main`. */
  revisions?: Record<string, FixtureFile[]>;
  files?: FixtureFile[];
  /** Gated: files need `Authorization: Bearer <one of tokens>`. */
  gated?: false | "auto" | "manual";
  /** Tokens that may read a gated or private repository. */
  tokens?: string[];
}

/** A request the fixture server received. */
export interface RequestLog {
  method: string;
  url: string;
  range: string | undefined;
  auth: boolean;
}

/** A running fixture Hub, from `startHubServer`: its URL, the requests it saw, and ways to provoke failures. */
export interface HubServer {
  url: string;
  requests: RequestLog[];
  /** Commit sha of a repository's revision. */
  commit(type: FixtureRepo["type"], name: string, revision?: string): string;
  /** The next download of this file (repo path) stops after `bytes` bytes and the socket is destroyed. */
  cutAfter(path: string, bytes: number): void;
  /** Downloads of this file serve bytes that differ from the content (same length). */
  corrupt(path: string, on?: boolean): void;
  /** Stops the server. */
  close(): Promise<void>;
}

interface Stored {
  path: string;
  data: Buffer;
  lfs: boolean;
  oid: string;
  sha256: string;
}

const BINARY_RE = /\.(parquet|safetensors|bin|arrow|gguf|tar|gz)$/i;

/** A file's git blob id (SHA-1 of `blob <size>\0` and the bytes), as the Hub reports it for non-LFS files. */
export function gitBlobOid(data: Uint8Array): string {
  return createHash("sha1").update(`blob ${data.length}\0`).update(data).digest("hex");
}

/**
 * Serves the repositories over the Hub's HTTP API on a loopback port (tree listing, resolve with LFS
 * redirects, ranges), for tests without the network.
 */
export async function startHubServer(repos: FixtureRepo[], options: { pageSize?: number } = {}): Promise<HubServer> {
  const pageSize = options.pageSize ?? 50;
  const requests: RequestLog[] = [];
  const cuts = new Map<string, number>();
  const corrupt = new Set<string>();
  // repo key -> revision -> { commit, files }
  const table = new Map<
    string,
    { repo: FixtureRepo; revs: Map<string, { commit: string; files: Stored[] }>; byCommit: Map<string, Stored[]> }
  >();
  const blobsBySha = new Map<string, Stored>();
  for (const repo of repos) {
    const revs = new Map<string, { commit: string; files: Stored[] }>();
    const byCommit = new Map<string, Stored[]>();
    const revisions = repo.revisions ?? { main: repo.files ?? [] };
    for (const [rev, files] of Object.entries(revisions)) {
      const stored = files.map((f) => {
        const data = Buffer.from(typeof f.content === "string" ? Buffer.from(f.content, "utf8") : f.content);
        const lfs = f.lfs ?? (data.length > 1024 || BINARY_RE.test(f.path));
        const s: Stored = {
          path: f.path,
          data,
          lfs,
          oid: gitBlobOid(data),
          sha256: createHash("sha256").update(data).digest("hex"),
        };
        if (lfs) blobsBySha.set(s.sha256, s);
        return s;
      });
      const commit = createHash("sha1")
        .update(`${repo.type}/${repo.name}@${rev}\n${stored.map((s) => `${s.path} ${s.oid}`).join("\n")}`)
        .digest("hex");
      revs.set(rev, { commit, files: stored });
      byCommit.set(commit, stored);
    }
    table.set(`${repo.type}/${repo.name}`, { repo, revs, byCommit });
  }

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, status: number, code: string, message: string): void =>
    json(res, status, { error: message }, { "x-error-code": code });

  const tokenOf = (req: IncomingMessage): string | undefined =>
    /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];

  /** Finds the repository in a path like `datasets/owner/name/...` or `owner/name/...`. */
  const findRepo = (
    type: FixtureRepo["type"],
    segs: string[],
  ): { entry: ReturnType<typeof table.get>; rest: string[]; name: string } => {
    for (const n of [2, 1]) {
      const name = segs.slice(0, n).join("/");
      const entry = table.get(`${type}/${name}`);
      if (entry) return { entry, rest: segs.slice(n), name };
    }
    return { entry: undefined, rest: segs.slice(2), name: segs.slice(0, 2).join("/") };
  };

  const revisionOf = (
    entry: NonNullable<ReturnType<typeof table.get>>,
    rev: string,
  ): { commit: string; files: Stored[] } | undefined => {
    const byName = entry.revs.get(rev === "HEAD" ? "main" : rev);
    if (byName) return byName;
    const files = entry.byCommit.get(rev);
    return files ? { commit: rev, files } : undefined;
  };

  const sendBytes = (req: IncomingMessage, res: ServerResponse, s: Stored, headers: Record<string, string>): void => {
    let data = s.data;
    if (corrupt.has(s.path)) {
      data = Buffer.from(data);
      if (data.length) data[data.length >> 1] = data[data.length >> 1]! ^ 0xff;
    }
    const total = data.length;
    let start = 0;
    let end = total - 1;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    let status = 200;
    if (m) {
      start = Number(m[1]);
      end = m[2] ? Math.min(Number(m[2]), total - 1) : total - 1;
      if (start >= total && total > 0) {
        res.writeHead(416, { "content-range": `bytes */${total}` });
        res.end();
        return;
      }
      status = 206;
    }
    const body = data.subarray(start, end + 1);
    const h: Record<string, string> = {
      ...headers,
      "accept-ranges": "bytes",
      "content-length": String(body.length),
      "content-type": "application/octet-stream",
    };
    if (status === 206) h["content-range"] = `bytes ${start}-${end}/${total}`;
    res.writeHead(status, h);
    const cut = cuts.get(s.path);
    if (cut !== undefined && body.length > 1) {
      cuts.delete(s.path);
      const n = Math.max(0, Math.min(cut - start, body.length - 1));
      res.write(body.subarray(0, n), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(req.method === "HEAD" ? undefined : body);
  };

  let cdnUrl = "";
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://localhost");
    requests.push({
      method: req.method ?? "GET",
      url: u.pathname + u.search,
      range: req.headers.range,
      auth: Boolean(req.headers.authorization),
    });
    const segs = u.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const token = tokenOf(req);
    // CDN: /cdn/<sha256>
    if (segs[0] === "cdn" && segs[1]) {
      const s = blobsBySha.get(segs[1]);
      if (!s) return fail(res, 404, "EntryNotFound", "no such blob");
      return sendBytes(req, res, s, { etag: `"${s.sha256}"` });
    }
    // API: /api/{models|datasets}/<name...>/(revision|tree)/<rev>[/path]
    if (segs[0] === "api" && (segs[1] === "models" || segs[1] === "datasets")) {
      const type = segs[1] === "models" ? "model" : "dataset";
      const { entry, rest, name } = findRepo(type, segs.slice(2));
      if (!entry)
        return token
          ? fail(res, 404, "RepoNotFound", `Repository ${name} not found`)
          : fail(res, 401, "RepoNotFound", "Invalid username or password.");
      const [op, rev] = rest;
      const r = rev ? revisionOf(entry, rev) : undefined;
      if (!r) return fail(res, 404, "RevisionNotFound", `Invalid rev id: ${rev}`);
      if (op === "revision") {
        return json(res, 200, {
          _id: createHash("sha1").update(name).digest("hex").slice(0, 24),
          id: name,
          sha: r.commit,
          gated: entry.repo.gated ?? false,
          private: false,
          downloads: 0,
          likes: 0,
          lastModified: "2026-01-01T00:00:00.000Z",
          siblings: r.files.map((f) => ({ rfilename: f.path })),
        });
      }
      if (op === "tree") {
        const prefix = rest.slice(2).join("/");
        const recursive = u.searchParams.get("recursive") === "true";
        let items = r.files.filter((f) => !prefix || f.path.startsWith(`${prefix}/`));
        if (!recursive) items = items.filter((f) => !f.path.slice(prefix ? prefix.length + 1 : 0).includes("/"));
        const cursor = Number(u.searchParams.get("cursor") ?? 0);
        const page = items.slice(cursor, cursor + pageSize).map((f) => ({
          type: "file",
          oid: f.oid,
          size: f.data.length,
          path: f.path,
          ...(f.lfs ? { lfs: { oid: f.sha256, size: f.data.length, pointerSize: 130 } } : {}),
        }));
        const headers: Record<string, string> = {};
        if (cursor + pageSize < items.length) {
          const next = new URL(u.href);
          next.searchParams.set("cursor", String(cursor + pageSize));
          headers.link = `<http://${req.headers.host}${next.pathname}${next.search}>; rel="next"`;
        }
        return json(res, 200, page, headers);
      }
      return fail(res, 404, "EntryNotFound", "unknown API");
    }
    // resolve: /[datasets/]<name...>/resolve/<rev>/<path>
    const type = segs[0] === "datasets" ? "dataset" : "model";
    const { entry, rest, name } = findRepo(type, type === "dataset" ? segs.slice(1) : segs);
    if (!entry)
      return token
        ? fail(res, 404, "RepoNotFound", `Repository ${name} not found`)
        : fail(res, 401, "RepoNotFound", "Invalid username or password.");
    if (rest[0] !== "resolve" || !rest[1]) return fail(res, 404, "EntryNotFound", "not found");
    const r = revisionOf(entry, rest[1]);
    if (!r) return fail(res, 404, "RevisionNotFound", `Invalid rev id: ${rest[1]}`);
    if (entry.repo.gated) {
      if (!token)
        return fail(
          res,
          401,
          "GatedRepo",
          `Access to model ${name} is restricted. You must be authenticated to access it.`,
        );
      if (!(entry.repo.tokens ?? []).includes(token))
        return fail(
          res,
          403,
          "GatedRepo",
          `Access to model ${name} is restricted and you are not in the authorized list.`,
        );
    }
    const path = rest.slice(2).join("/");
    const s = r.files.find((f) => f.path === path);
    if (!s) return fail(res, 404, "EntryNotFound", `${path} does not exist`);
    if (s.lfs) {
      res.writeHead(302, {
        location: `${cdnUrl}/cdn/${s.sha256}`,
        "x-repo-commit": r.commit,
        "x-linked-etag": `"${s.sha256}"`,
        "x-linked-size": String(s.data.length),
        etag: `"${s.oid}"`,
      });
      res.end();
      return;
    }
    return sendBytes(req, res, s, { "x-repo-commit": r.commit, etag: `"${s.oid}"` });
  });
  // LFS files are served by a "CDN" on another origin (another port), as on the real Hub: clients
  // follow the redirect for the bytes; Python's huggingface_hub reads the metadata off the redirect.
  const cdn = createServer((req, res) => server.emit("request", req, res));
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
  await new Promise<void>((res) => cdn.listen(0, "127.0.0.1", res));
  const { port } = server.address() as AddressInfo;
  cdnUrl = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    commit(type, name, revision = "main") {
      const c = table.get(`${type}/${name}`)?.revs.get(revision)?.commit;
      if (!c) throw new Error(`no fixture ${type}/${name}@${revision}`);
      return c;
    },
    cutAfter(path, bytes) {
      cuts.set(path, bytes);
    },
    corrupt(path, on = true) {
      if (on) corrupt.add(path);
      else corrupt.delete(path);
    },
    close: async () => {
      for (const s of [server, cdn]) {
        s.closeAllConnections();
        await new Promise<void>((res) => s.close(() => res()));
      }
    },
  };
}
