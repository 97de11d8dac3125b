import { createHash } from "node:crypto";
import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMathtuneError, type MathtuneError } from "@mathtune/core";
import {
  hubConfig,
  hubStatus,
  type HubEvent,
  resolveDataset,
  resolveModel,
  selectDatasetFiles,
  snapshotIter,
  parseRepoId,
} from "@mathtune/hub";
import { type HubServer, startHubServer } from "@mathtune/hub/testing";
import { gsm8k } from "@mathtune/loaders/gsm8k";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fixtureRepos, gsmRows, weights } from "./fixtures.js";

let server: HubServer;
let cache = "";
async function drain<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

beforeAll(async () => {
  // Page size 3: the tree listing needs Link pagination for every fixture repository.
  server = await startHubServer(fixtureRepos(), { pageSize: 3 });
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  cache = await mkdtemp(join(tmpdir(), "mt-hub-"));
  server.requests.length = 0;
});

/** Options that ignore the developer's own HF_* variables. */
const opts = (extra: Record<string, unknown> = {}) => ({
  env: {},
  endpoint: server.url,
  cacheDir: cache,
  retryDelayMs: 1,
  ...extra,
});

async function expectError(p: Promise<unknown>, code: string): Promise<MathtuneError> {
  try {
    await p;
  } catch (e) {
    if (!isMathtuneError(e)) throw e;
    expect(e.code, e.message).toBe(code);
    return e;
  }
  throw new Error(`expected ${code}`);
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(join(d, e.name), `${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  };
  await walk(dir, "");
  return out.sort();
}

describe("configuration", () => {
  it("reads HF_HOME, HF_HUB_CACHE, HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE like huggingface_hub", async () => {
    const home = await mkdtemp(join(tmpdir(), "mt-hfhome-"));
    expect(hubConfig({ env: { HF_HOME: home } })).toEqual({
      endpoint: "https://huggingface.co",
      cacheDir: join(home, "hub"),
      token: undefined,
      offline: false,
    });
    await writeFile(join(home, "token"), "hf_fromfile\n");
    expect(hubConfig({ env: { HF_HOME: home } }).token).toBe("hf_fromfile");
    const c = hubConfig({
      env: {
        HF_HOME: home,
        HF_HUB_CACHE: "/x/cache",
        HF_ENDPOINT: "https://hf-mirror.com/",
        HF_TOKEN: "hf_env",
        HF_HUB_OFFLINE: "1",
      },
    });
    expect(c).toEqual({ endpoint: "https://hf-mirror.com", cacheDir: "/x/cache", token: "hf_env", offline: true });
    expect(hubConfig({ env: { XDG_CACHE_HOME: "/xdg" } }).cacheDir).toBe("/xdg/huggingface/hub");
  });

  it("doctor's status says whether a token is set and never returns it", async () => {
    await resolveModel("acme/tiny-model", opts());
    const s = await hubStatus({ env: { HF_TOKEN: "hf_secret" }, cacheDir: cache, endpoint: server.url });
    expect(s.tokenSet).toBe(true);
    expect(JSON.stringify(s)).not.toContain("hf_secret");
    expect(s.cacheBytes).toBeGreaterThan(weights.length);
    expect(s.cacheFiles).toBeGreaterThanOrEqual(5);
  });

  it("refuses malformed repository ids", () => {
    for (const bad of ["", "a/b/c", "../etc", "owner/..", "a b/c"])
      expect(() => parseRepoId(bad, "model"), bad).toThrow(/not a repository id/);
    expect(parseRepoId("Qwen/Qwen2.5-0.5B-Instruct", "model").name).toBe("Qwen/Qwen2.5-0.5B-Instruct");
  });
});

describe("datasets", () => {
  it("downloads one config and split of a Parquet dataset into the standard cache layout, readable by the gsm8k adapter", async () => {
    const events: HubEvent[] = [];
    const r = await resolveDataset(
      "acme/gsm-parquet",
      opts({ config: "main", split: "train", onEvent: (e: HubEvent) => events.push(e) }),
    );
    const commit = server.commit("dataset", "acme/gsm-parquet");
    const repoDir = join(cache, "datasets--acme--gsm-parquet");
    expect(r.path).toBe(join(repoDir, "snapshots", commit, "main/train-00000-of-00001.parquet"));
    // refs/main holds the commit, the snapshot entry is a relative link to blobs/<sha256>.
    expect(await readFile(join(repoDir, "refs/main"), "utf8")).toBe(commit);
    const link = await readlink(r.path);
    expect(link).toBe(`../../../blobs/${r.provenance.files[0]!.sha256}`);
    expect(await listFiles(join(repoDir, "blobs"))).toEqual([r.provenance.files[0]!.sha256]);
    expect(r.provenance).toMatchObject({
      repo: "acme/gsm-parquet",
      type: "dataset",
      revision: "main",
      commit,
      files: [{ path: "main/train-00000-of-00001.parquet" }],
    });
    // Only the chosen file was downloaded.
    expect(
      server.requests
        .filter((q) => q.url.startsWith("/cdn/"))
        .every((q) => q.url.includes(r.provenance.files[0]!.sha256!)),
    ).toBe(true);
    // Events: resolved, file-start, progress with sizes, file-done, done.
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(["resolved", "file-start", "progress", "file-done", "done"]),
    );
    const last = events.filter((e) => e.type === "progress").at(-1) as Extract<HubEvent, { type: "progress" }>;
    expect(last.bytes).toBe(last.totalBytes);
    expect(last.etaSeconds).toBe(0);
    const recs = await drain(gsm8k.load(gsm8k.parseOptions({ path: r.path, split: "train" }), {}));
    expect(recs.map((x) => x.problem)).toEqual(gsmRows.map((x) => x.question));
  });

  it("several files become one folder with the repository's paths", async () => {
    const r = await resolveDataset("acme/gsm-parquet", opts({ split: "train" }));
    expect(r.snapshot.files.map((f) => f.path)).toEqual([
      "main/train-00000-of-00001.parquet",
      "socratic/train-00000-of-00001.parquet",
    ]);
    expect(await listFiles(r.path)).toEqual([
      "main/train-00000-of-00001.parquet",
      "socratic/train-00000-of-00001.parquet",
    ]);
    const recs = await drain(gsm8k.load(gsm8k.parseOptions({ path: r.path }), {}));
    expect(recs).toHaveLength(gsmRows.length + 1);
  });

  it("JSON lines (plain git files, verified by their git blob sha1), pinned to a tag's commit", async () => {
    const v1 = server.commit("dataset", "acme/gsm-jsonl", "v1");
    const r = await resolveDataset("acme/gsm-jsonl", opts({ split: "train", revision: "v1" }));
    expect(r.snapshot.commit).toBe(v1);
    expect(await readFile(join(cache, "datasets--acme--gsm-jsonl/refs/v1"), "utf8")).toBe(v1);
    expect(r.provenance.files[0]!.gitOid).toMatch(/^[0-9a-f]{40}$/);
    const recs = await drain(gsm8k.load(gsm8k.parseOptions({ path: r.path }), {}));
    expect(recs).toHaveLength(2);
  });

  it("a second run at a pinned commit makes no request at all", async () => {
    const commit = server.commit("dataset", "acme/gsm-parquet");
    const first = await resolveDataset("acme/gsm-parquet", opts({ config: "main", split: "train", revision: commit }));
    expect(server.requests.length).toBeGreaterThan(0);
    server.requests.length = 0;
    const second = await resolveDataset("acme/gsm-parquet", opts({ config: "main", split: "train", revision: commit }));
    expect(server.requests).toEqual([]);
    expect(second.snapshot.fromCache).toBe(true);
    expect(second.path).toBe(first.path);
    expect(second.provenance).toEqual(first.provenance);
    // At a branch: one request to resolve it, no download.
    await resolveDataset("acme/gsm-parquet", opts({ config: "main", split: "train" }));
    expect(server.requests.map((q) => q.url.split("?")[0])).toEqual(["/api/datasets/acme/gsm-parquet/revision/main"]);
  });

  it("offline mode reads the cache only, and says what is missing", async () => {
    await resolveDataset("acme/gsm-parquet", opts({ config: "main", split: "train" }));
    server.requests.length = 0;
    const off = await resolveDataset(
      "acme/gsm-parquet",
      opts({ config: "main", split: "train", env: { HF_HUB_OFFLINE: "1" } }),
    );
    expect(off.snapshot.fromCache).toBe(true);
    const e = await expectError(
      resolveDataset("acme/gsm-parquet", opts({ config: "main", split: "test", offline: true })),
      "E_HUB_OFFLINE",
    );
    expect(e.message).toContain("main/test-00000-of-00001.parquet");
    await expectError(resolveDataset("acme/gsm-jsonl", opts({ split: "train", offline: true })), "E_HUB_OFFLINE");
    expect(server.requests).toEqual([]);
  });

  it("offline mode also uses a snapshot that Python's huggingface_hub left (no tree file of ours)", async () => {
    const commit = "a".repeat(40);
    const repo = join(cache, "datasets--acme--from-python");
    await mkdir(join(repo, "blobs"), { recursive: true });
    await mkdir(join(repo, "snapshots", commit, "data"), { recursive: true });
    await mkdir(join(repo, "refs"), { recursive: true });
    await writeFile(join(repo, "refs/main"), commit);
    await writeFile(join(repo, "blobs/abc"), gsmRows.map((r) => JSON.stringify(r)).join("\n"));
    await symlink("../../../blobs/abc", join(repo, "snapshots", commit, "data/train.jsonl"));
    const r = await resolveDataset("acme/from-python", opts({ split: "train", offline: true }));
    expect(r.path).toBe(join(repo, "snapshots", commit, "data/train.jsonl"));
    expect(server.requests).toEqual([]);
  });

  it("selects by config, split and globs, and explains an empty choice", async () => {
    const tree = [
      "README.md",
      "main/train-0.parquet",
      "main/test-0.parquet",
      "socratic/train-0.parquet",
      "algebra/train.jsonl",
      "data/validation/x.jsonl",
      "loader.py",
    ].map((path) => ({ path, size: 1, etag: "x", lfs: false }));
    const pick = (s: Parameters<typeof selectDatasetFiles>[1]) => selectDatasetFiles(tree, s).files.map((f) => f.path);
    expect(pick({ config: "main", split: "train" })).toEqual(["main/train-0.parquet"]);
    expect(pick({ split: "train" })).toEqual([
      "main/train-0.parquet",
      "socratic/train-0.parquet",
      "algebra/train.jsonl",
    ]);
    expect(pick({ split: "validation" })).toEqual(["data/validation/x.jsonl"]);
    expect(pick({ files: ["**/*.jsonl"] })).toEqual(["algebra/train.jsonl", "data/validation/x.jsonl"]);
    expect(selectDatasetFiles(tree, { config: "nope" }).problem).toMatch(/config 'nope'.*main, socratic/);
    const e = await expectError(
      resolveDataset("acme/gsm-parquet", opts({ config: "main", split: "validation" })),
      "E_HUB_NO_FILES",
    );
    expect(e.message).toContain("split 'validation'");
  });
});

describe("models", () => {
  it("fetches config, tokenizer, safetensors and generation config only", async () => {
    const m = await resolveModel("acme/tiny-model", opts());
    const commit = server.commit("model", "acme/tiny-model");
    expect(m.path).toBe(join(cache, "models--acme--tiny-model", "snapshots", commit));
    expect(await listFiles(m.path)).toEqual([
      "config.json",
      "generation_config.json",
      "model.safetensors",
      "tokenizer.json",
      "tokenizer_config.json",
    ]);
    expect(sha256(await readFile(join(m.path, "model.safetensors")))).toBe(sha256(weights));
    expect((await lstat(join(m.path, "config.json"))).isSymbolicLink()).toBe(true);
    expect(server.requests.some((q) => q.url.includes("pytorch_model.bin") || q.url.includes("onnx"))).toBe(false);
    // `files` narrows it.
    const only = await resolveModel("acme/tiny-model", opts({ files: ["config.json"] }));
    expect(only.snapshot!.files.map((f) => f.path)).toEqual(["config.json"]);
  });

  it("a local folder is returned as it is; a missing one is E_INPUT_NOT_FOUND", async () => {
    expect((await resolveModel(cache, opts())).path).toBe(cache);
    expect(server.requests).toEqual([]);
    await expectError(resolveModel("./no-such-model", opts()), "E_INPUT_NOT_FOUND");
  });

  it("resumes a download cut mid-way with a Range request, and checks the sha256", async () => {
    server.cutAfter("model.safetensors", 100_000);
    const e = await expectError(resolveModel("acme/tiny-model", opts({ retries: 0 })), "E_HUB_NETWORK");
    expect(e.message).toContain("model.safetensors");
    expect(e.message).toContain("HF_HUB_OFFLINE");
    const blob = join(cache, "models--acme--tiny-model/blobs", sha256(weights));
    const kept = (await stat(`${blob}.incomplete`)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(weights.length);
    // Nothing half-written in the cache proper.
    await expect(stat(blob)).rejects.toThrow();
    const snap = join(
      cache,
      "models--acme--tiny-model/snapshots",
      server.commit("model", "acme/tiny-model"),
      "model.safetensors",
    );
    await expect(stat(snap)).rejects.toThrow();

    server.requests.length = 0;
    const events: HubEvent[] = [];
    const m = await resolveModel("acme/tiny-model", opts({ onEvent: (ev: HubEvent) => events.push(ev) }));
    expect(
      server.requests.filter((q) => q.url.startsWith("/cdn/") && q.range !== "bytes=0-0").map((q) => q.range),
    ).toEqual([`bytes=${kept}-${weights.length - 1}`]);
    expect(events).toContainEqual(
      expect.objectContaining({ type: "file-start", path: "model.safetensors", resumeFrom: kept }),
    );
    expect(sha256(await readFile(join(m.path, "model.safetensors")))).toBe(sha256(weights));
    await expect(stat(`${blob}.incomplete`)).rejects.toThrow();
  });

  it("retries a cut connection by itself, resuming", async () => {
    server.cutAfter("model.safetensors", 50_000);
    const events: HubEvent[] = [];
    const m = await resolveModel("acme/tiny-model", opts({ onEvent: (ev: HubEvent) => events.push(ev) }));
    const retry = events.find((ev) => ev.type === "retry") as Extract<HubEvent, { type: "retry" }>;
    expect(retry.resumeFrom).toBeGreaterThan(0);
    expect(sha256(await readFile(join(m.path, "model.safetensors")))).toBe(sha256(weights));
  });

  it("two downloads of the same model at once: one fetches each blob, the other waits and uses it", async () => {
    const [a, b] = await Promise.all([
      resolveModel("acme/tiny-model", opts()),
      resolveModel("acme/tiny-model", opts()),
    ]);
    expect(a.path).toBe(b.path);
    expect(sha256(await readFile(join(a.path, "model.safetensors")))).toBe(sha256(weights));
    const full = server.requests.filter((q) => q.url === `/cdn/${sha256(weights)}` && q.range !== "bytes=0-0");
    expect(full).toHaveLength(1);
    expect(await listFiles(join(cache, ".locks"))).toEqual([]);
  });

  it("refuses a corrupt download and keeps nothing of it", async () => {
    server.corrupt("model.safetensors");
    try {
      const e = await expectError(resolveModel("acme/tiny-model", opts()), "E_HUB_HASH_MISMATCH");
      expect(e.message).toMatch(/model\.safetensors.*sha256/);
      expect(e.message).toContain("models/acme/tiny-model");
      const blobs = await listFiles(join(cache, "models--acme--tiny-model/blobs"));
      expect(blobs.some((b) => b.startsWith(sha256(weights)))).toBe(false);
    } finally {
      server.corrupt("model.safetensors", false);
    }
    // The next run gets it right.
    const m = await resolveModel("acme/tiny-model", opts());
    expect(sha256(await readFile(join(m.path, "model.safetensors")))).toBe(sha256(weights));
  });

  it("a resumed file that turns out corrupt is downloaded again from zero", async () => {
    const blobDir = join(cache, "models--acme--tiny-model/blobs");
    await mkdir(blobDir, { recursive: true });
    // A stale partial of another content.
    await writeFile(join(blobDir, `${sha256(weights)}.incomplete`), new Uint8Array(1000).fill(1));
    const events: HubEvent[] = [];
    const m = await resolveModel("acme/tiny-model", opts({ onEvent: (ev: HubEvent) => events.push(ev) }));
    expect(events.some((ev) => ev.type === "retry")).toBe(true);
    expect(sha256(await readFile(join(m.path, "model.safetensors")))).toBe(sha256(weights));
  });

  it("a full disk: E_HUB_DISK_FULL naming the file, and no part of it left in the cache", async () => {
    const blobDir = join(cache, "models--acme--tiny-model/blobs");
    await mkdir(blobDir, { recursive: true });
    // Writes to /dev/full fail with ENOSPC: the partial file of the weights points there.
    await symlink("/dev/full", join(blobDir, `${sha256(weights)}.incomplete`));
    const e = await expectError(resolveModel("acme/tiny-model", opts()), "E_HUB_DISK_FULL");
    expect(e.message).toContain("model.safetensors");
    expect(e.message).toContain("HF_HUB_CACHE");
    expect((await listFiles(blobDir)).filter((b) => b.startsWith(sha256(weights)))).toEqual([]);
    const snap = join(
      cache,
      "models--acme--tiny-model/snapshots",
      server.commit("model", "acme/tiny-model"),
      "model.safetensors",
    );
    await expect(lstat(snap)).rejects.toThrow();
  });

  it("gated repository: E_HUB_GATED without a token or with one that has no access; works with one that has", async () => {
    const none = await expectError(resolveModel("acme/gated-model", opts()), "E_HUB_GATED");
    expect(none.message).toContain("HF_TOKEN");
    expect(none.message).toContain("models/acme/gated-model");
    const denied = await expectError(resolveModel("acme/gated-model", opts({ token: "hf_nope" })), "E_HUB_GATED");
    expect(denied.message).not.toContain("hf_nope");
    await expect(
      stat(
        join(
          cache,
          "models--acme--gated-model/snapshots",
          server.commit("model", "acme/gated-model"),
          "model.safetensors",
        ),
      ),
    ).rejects.toThrow();
    server.requests.length = 0;
    const ok = await resolveModel("acme/gated-model", opts({ env: { HF_TOKEN: "hf_granted" } }));
    expect(await listFiles(ok.path)).toEqual(["config.json", "model.safetensors"]);
    const resolves = server.requests.filter((q) => q.url.includes("/resolve/"));
    expect(resolves.length).toBeGreaterThan(0);
    expect(resolves.every((q) => q.auth)).toBe(true);
    // The token does not leave the endpoint's origin (the CDN gets no Authorization header).
    expect(server.requests.filter((q) => q.url.startsWith("/cdn/")).some((q) => q.auth)).toBe(false);
  });

  it("unknown repository, unknown revision, unreachable endpoint, and a model without weights", async () => {
    const repo = await expectError(resolveModel("acme/nope", opts()), "E_HUB_REPO_NOT_FOUND");
    expect(repo.message).toContain("models/acme/nope");
    const rev = await expectError(
      resolveModel("acme/tiny-model", opts({ revision: "v9" })),
      "E_HUB_REVISION_NOT_FOUND",
    );
    expect(rev.message).toContain("'v9'");
    await expectError(
      resolveDataset("acme/gsm-parquet", opts({ revision: "f".repeat(40) })),
      "E_HUB_REVISION_NOT_FOUND",
    );
    const down = await expectError(
      resolveModel("acme/tiny-model", opts({ endpoint: "http://127.0.0.1:9" })),
      "E_HUB_NETWORK",
    );
    expect(down.message).toContain("HF_HUB_OFFLINE=1");
    await expectError(resolveModel("acme/tiny-model", opts({ files: ["nothing.*"] })), "E_HUB_NO_FILES");
    expect(await listFiles(cache).then((f) => f.filter((p) => p.includes("snapshots")))).toEqual([]);
  });

  it("cancels with an AbortSignal", async () => {
    const ac = new AbortController();
    ac.abort();
    await expectError(
      drain(
        snapshotIter({ type: "model", name: "acme/tiny-model" }, { ...opts(), signal: ac.signal, select: (t) => t }),
      ),
      "E_CANCELED",
    );
  });
});

afterAll(async () => {
  await rm(cache, { recursive: true, force: true });
});
