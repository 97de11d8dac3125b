import { type HubEvent, resolveModel } from "@mathtune/hub";
import { writeEvent } from "./output.js";

const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
const secs = (s: number | undefined): string =>
  s === undefined || !Number.isFinite(s)
    ? "--"
    : s < 60
      ? `${Math.ceil(s)}s`
      : `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, "0")}s`;

/**
 * Download progress on stderr: JSON events (one a line) when `json`, else a line per file and a
 * progress line with sizes and ETA about once a second.
 */
export function hubProgress(json: boolean): (e: HubEvent) => void {
  let last = 0;
  return (e) => {
    if (json) {
      if (e.type !== "done") writeEvent({ type: "download", event: e });
      return;
    }
    if (e.type === "resolved" && e.missingFiles > 0)
      process.stderr.write(
        `${e.repo}@${e.commit.slice(0, 12)} (${e.revision}): downloading ${e.missingFiles} file(s), ${mb(e.missingBytes)}\n`,
      );
    else if (e.type === "progress" && Date.now() - last > 1000) {
      last = Date.now();
      process.stderr.write(
        `  ${e.path} ${mb(e.bytes)} / ${mb(e.totalBytes)} · ${mb(e.bytesPerSecond)}/s · ETA ${secs(e.etaSeconds)}\n`,
      );
    } else if (e.type === "retry")
      process.stderr.write(`  ${e.path}: ${e.reason}; retrying from byte ${e.resumeFrom}\n`);
    else if (e.type === "file-done" && !e.cached) process.stderr.write(`  ${e.path} done (${mb(e.size)})\n`);
  };
}

/** A `--model` argument: a local folder as it is, a Hub id (`Qwen/Qwen2.5-0.5B-Instruct`) downloaded into the Hugging Face cache. */
export async function modelPath(idOrPath: string, options: { json: boolean; signal?: AbortSignal }): Promise<string> {
  const r = await resolveModel(idOrPath, {
    onEvent: hubProgress(options.json),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return r.path;
}
