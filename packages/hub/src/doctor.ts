import { folderSize } from "./cache.js";
import { hubConfig, type HubConfigInput } from "./env.js";

/** What `hubStatus` reports: the endpoint, the cache folder and its size, the token and offline settings. */
export interface HubStatus {
  endpoint: string;
  cacheDir: string;
  /** Bytes and files under the cache folder (0 when it does not exist yet). */
  cacheBytes: number;
  cacheFiles: number;
  /** Whether a token is configured (HF_TOKEN or the login token file). The token itself is never returned. */
  tokenSet: boolean;
  offline: boolean;
}

/** What `mathtune doctor` reports about the Hub: endpoint, cache folder and size, token set or not, offline mode. */
export async function hubStatus(input: HubConfigInput = {}): Promise<HubStatus> {
  const cfg = hubConfig(input);
  const { bytes, files } = await folderSize(cfg.cacheDir);
  return {
    endpoint: cfg.endpoint,
    cacheDir: cfg.cacheDir,
    cacheBytes: bytes,
    cacheFiles: files,
    tokenSet: Boolean(cfg.token),
    offline: cfg.offline,
  };
}
