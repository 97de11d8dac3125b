import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";

/** Finds an executable on PATH (or returns undefined). */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      if (existsSync(p)) return p;
    } catch {
      /* unreadable PATH entry */
    }
  }
  return undefined;
}
