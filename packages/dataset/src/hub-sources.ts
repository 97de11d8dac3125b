/**
 * Sources that name a Hugging Face Hub dataset instead of a path:
 *   { adapter: gsm8k, options: { hub: openai/gsm8k, config: main, split: train, revision: <sha> } }
 * are resolved here, once for every adapter: the files are downloaded into the Hugging Face cache
 * (@mathtune/hub) and the options get a local `path` instead of `hub`, `config`, `revision`, `files`
 * (and `split`, unless the adapter has that option). The manifest records repository, commit and
 * file hashes.
 */
import { MathtuneError, sha256 } from "@mathtune/core";
import type { HubEvent, HubProvenance } from "@mathtune/hub";
import { resolveAdapter } from "./adapters.js";

/** The options a Hub source may carry besides the adapter's own. */
export const HUB_OPTION_KEYS = ["hub", "config", "revision", "files"] as const;

export interface HubDownloadEvent {
  type: "download";
  source: string;
  event: HubEvent;
}

export interface HubSource {
  provenance: HubProvenance;
  /** The options as the recipe gave them (`hub`, ...), put back with `restoreHubOptions` for the manifest. */
  original: Record<string, unknown>;
}

interface SourceLike {
  adapter: string;
  options: Record<string, unknown>;
}

/**
 * Downloads every Hub source and rewrites its options in place. Yields download events; returns,
 * by index, each Hub source's provenance and its options as written (undefined for local sources).
 */
export async function* prepareHubSources(
  sources: SourceLike[],
  ctx: { names: string[]; baseDir: string; signal?: AbortSignal | undefined; where?: string; allowCode?: boolean },
): AsyncGenerator<HubDownloadEvent, (HubSource | undefined)[]> {
  const out: (HubSource | undefined)[] = [];
  for (const [i, s] of sources.entries()) {
    const o = s.options ?? {};
    if (o.hub === undefined) {
      out.push(undefined);
      continue;
    }
    const at = `${ctx.where ?? "/sources"}/${i}/options`;
    const bad = (msg: string): MathtuneError => new MathtuneError("E_CONFIG_INVALID", `${at}: ${msg}`);
    if (typeof o.hub !== "string" || !o.hub) throw bad("'hub' must be a dataset id such as openai/gsm8k");
    if (o.path !== undefined) throw bad("give either 'hub' or 'path', not both");
    for (const k of ["config", "revision", "split"] as const)
      if (o[k] !== undefined && typeof o[k] !== "string") throw bad(`'${k}' must be a string`);
    if (o.files !== undefined && !(Array.isArray(o.files) && o.files.every((f) => typeof f === "string")))
      throw bad("'files' must be a list of glob patterns");
    const adapter = await resolveAdapter(s.adapter, ctx.baseDir, undefined, { allowCode: ctx.allowCode ?? true });
    const schemaProps = (adapter.options as { properties?: Record<string, unknown> }).properties ?? {};
    const hub = await import("@mathtune/hub").catch((e: unknown) => {
      throw new MathtuneError("E_DEPENDENCY_MISSING", "Hub sources need the package @mathtune/hub", {
        cause: e,
        hint: "npm install @mathtune/hub",
      });
    });
    const it = hub.resolveDatasetIter(o.hub, {
      ...(typeof o.config === "string" ? { config: o.config } : {}),
      ...(typeof o.split === "string" ? { split: o.split } : {}),
      ...(typeof o.revision === "string" ? { revision: o.revision } : {}),
      ...(Array.isArray(o.files) ? { files: o.files as string[] } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    let r = await it.next();
    while (!r.done) {
      yield { type: "download", source: ctx.names[i] ?? s.adapter, event: r.value };
      r = await it.next();
    }
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      if ((HUB_OPTION_KEYS as readonly string[]).includes(k)) continue;
      if (k === "split" && !("split" in schemaProps)) continue;
      rest[k] = v;
    }
    rest.path = r.value.path;
    s.options = rest;
    out.push({ provenance: r.value.provenance, original: o });
  }
  return out;
}

/** Puts the recipe's own options (`hub: ...`) back once the sources are read, so the manifest shows them, not cache paths. */
export function restoreHubOptions(sources: SourceLike[], hub: readonly (HubSource | undefined)[]): void {
  for (const [i, h] of hub.entries()) if (h && sources[i]) sources[i].options = h.original;
}

/**
 * The manifest's input entry for a Hub source: the commit and the files' hashes, no machine-specific
 * path and no endpoint (a mirror serves the same commit), so builds stay byte-identical.
 */
export function hubInputEntry(p: HubProvenance): Record<string, unknown> {
  const lines = p.files.map((f) => `${f.sha256 ?? f.gitOid ?? ""}  ${f.path}\n`).join("");
  return {
    path: `hf://datasets/${p.repo}@${p.commit}`,
    sha256: sha256(lines),
    files: p.files.length,
    bytes: p.files.reduce((a, f) => a + f.size, 0),
    hub: { repo: p.repo, revision: p.revision, commit: p.commit, files: p.files },
  };
}
