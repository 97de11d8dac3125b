import { type ErrorCodesOf, MathtuneError, registerErrorCodes } from "@mathtune/core";

/** The error codes of @mathtune/hub (every one a MathtuneError). */
export const HUB_ERROR_CODES = {
  E_HUB_REPO_NOT_FOUND: "no such repository on the endpoint (or it is private and no token was given)",
  E_HUB_GATED: "the repository is gated: a token with accepted access is needed",
  E_HUB_REVISION_NOT_FOUND: "the revision (branch, tag or commit) does not exist in the repository",
  E_HUB_FILE_NOT_FOUND: "a file is not in the repository at that revision",
  E_HUB_NO_FILES: "nothing in the repository matches what was asked for (config, split, files)",
  E_HUB_NETWORK: "the endpoint could not be reached, or a download was cut off",
  E_HUB_HASH_MISMATCH: "downloaded bytes do not match the hash the Hub reports",
  E_HUB_DISK_FULL: "no space left on the cache's disk",
  E_HUB_OFFLINE: "offline mode (HF_HUB_OFFLINE=1) and the files are not in the cache",
  E_HUB_INVALID: "a repository id, revision or file pattern is malformed, or the endpoint answered nonsense",
} as const;

/** The codes of @mathtune/hub. */
export type HubErrorCode = keyof typeof HUB_ERROR_CODES;

declare module "@mathtune/core" {
  interface MathtuneErrorCodes extends ErrorCodesOf<typeof HUB_ERROR_CODES> {}
}
registerErrorCodes("@mathtune/hub", HUB_ERROR_CODES);

/** The hint of errors that a cached copy and HF_HUB_OFFLINE=1 would avoid. */
export const OFFLINE_HINT =
  "if the files are already in the Hugging Face cache, set HF_HUB_OFFLINE=1 to use them without the network";

export function hubError(
  code: HubErrorCode,
  message: string,
  where: { repo: string; file?: string; revision?: string },
  options: { hint?: string; cause?: unknown } = {},
): MathtuneError {
  const entry = where.file ? `${where.revision ? `${where.revision}/` : ""}${where.file}` : where.revision;
  return new MathtuneError(code, message, {
    location: { file: `hf://${where.repo}`, ...(entry ? { entry } : {}) },
    ...(options.hint ? { hint: options.hint } : {}),
    ...(options.cause !== undefined ? { cause: options.cause } : {}),
    details: {
      repo: where.repo,
      ...(where.file ? { file: where.file } : {}),
      ...(where.revision ? { revision: where.revision } : {}),
    },
  });
}
