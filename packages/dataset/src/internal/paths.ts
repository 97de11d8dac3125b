import { isAbsolute, relative, sep } from "node:path";
import type { SourceLocation } from "@mathtune/core";

/** A path as stored in outputs: `/`-separated whatever the platform. */
export function portable(p: string): string {
  return p.split(sep).join("/");
}

/** A location with its file relative to the recipe's folder (absolute when on another drive). */
export function relativeLocation(loc: SourceLocation, baseDir: string): SourceLocation {
  if (!isAbsolute(loc.file)) return { ...loc, file: portable(loc.file) };
  const rel = relative(baseDir, loc.file);
  return { ...loc, file: isAbsolute(rel) ? portable(loc.file) : portable(rel || ".") };
}
