import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Where and how mathtune talks to the Hub: the same variables Python's huggingface_hub reads. */
export interface HubConfig {
  /** `HF_ENDPOINT`, default https://huggingface.co (a mirror works the same). */
  endpoint: string;
  /** `HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`. */
  cacheDir: string;
  /** `HF_TOKEN`, else the token file `huggingface-cli login` writes (`$HF_HOME/token`). */
  token: string | undefined;
  /** `HF_HUB_OFFLINE=1`: no request at all; files come from the cache or the call fails. */
  offline: boolean;
}

/** Options every call takes to override what the environment says. */
export interface HubConfigInput {
  endpoint?: string;
  cacheDir?: string;
  /** `null`: no token even if the environment has one. */
  token?: string | null;
  offline?: boolean;
  env?: NodeJS.ProcessEnv;
}

const TRUE = new Set(["1", "true", "yes", "on"]);

/** The Hugging Face home folder: `HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`. */
export function hfHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "huggingface");
}

/** Reads the configuration from the environment (as Python's huggingface_hub does), with overrides. */
export function hubConfig(input: HubConfigInput = {}): HubConfig {
  const env = input.env ?? process.env;
  const home = hfHome(env);
  const cacheDir = input.cacheDir ?? (env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || join(home, "hub"));
  let token: string | undefined;
  if (input.token !== undefined) token = input.token ?? undefined;
  else token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || readTokenFile(env.HF_TOKEN_PATH || join(home, "token"));
  const endpoint = (input.endpoint ?? (env.HF_ENDPOINT || "https://huggingface.co")).replace(/\/+$/, "");
  const offline = input.offline ?? TRUE.has((env.HF_HUB_OFFLINE ?? "").toLowerCase());
  return { endpoint, cacheDir, token: token?.trim() || undefined, offline };
}

function readTokenFile(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}
