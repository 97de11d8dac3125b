import { findMath } from "@mathtune/latex";
import katex from "katex";
import { esc } from "./html.js";

/** A span of a text to mark in the rendered math (a finding), with its tooltip. */
export interface Highlight {
  /** UTF-16 offsets [start, end) in the text. */
  start: number;
  end: number;
  /** Tooltip (e.g. the finding's code and message). */
  title?: string;
}

const cache = new Map<string, string | null>();

/** KaTeX HTML of one formula, or null when KaTeX cannot render it. */
function renderTex(tex: string, display: boolean): string | null {
  const key = `${display ? "D" : "I"}${tex}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let out: string | null;
  try {
    out = katex.renderToString(tex, {
      displayMode: display,
      throwOnError: true,
      strict: "ignore",
      output: "html",
      trust: false,
    });
  } catch {
    out = null;
  }
  if (cache.size > 20_000) cache.clear();
  cache.set(key, out);
  return out;
}

function markText(text: string, offset: number, hl: readonly Highlight[]): string {
  // plain text with highlighted ranges (offsets relative to the whole field)
  let out = "";
  let at = 0;
  for (const h of hl) {
    const s = Math.max(0, h.start - offset);
    const e = Math.min(text.length, h.end - offset);
    if (e <= at || s >= text.length) continue;
    const from = Math.max(s, at);
    out += esc(text.slice(at, from));
    out += `<mark${h.title ? ` title="${esc(h.title)}"` : ""}>${esc(text.slice(from, Math.max(from, e)) || " ")}</mark>`;
    at = Math.max(from, e);
  }
  return out + esc(text.slice(at));
}

/**
 * Text with its math rendered by KaTeX. A formula KaTeX cannot render is shown as TeX source
 * (never a `.katex-error`); highlighted ranges are marked in the text, and a formula that holds
 * one is shown as source with the range marked, so the offending span stays visible.
 */
export function renderMathText(
  text: string,
  opts: { dollars?: boolean; highlights?: readonly Highlight[] } = {},
): string {
  const hl = [...(opts.highlights ?? [])].sort((a, b) => a.start - b.start);
  let segs: ReturnType<typeof findMath>;
  try {
    segs = findMath(text, { dollars: opts.dollars ?? true });
  } catch {
    segs = [];
  }
  let out = "";
  let at = 0;
  for (const seg of segs) {
    if (seg.start < at) continue;
    out += markText(text.slice(at, seg.start), at, hl);
    const inside = hl.filter((h) => h.end > seg.start && h.start < seg.end);
    // a formula wholly inside a highlighted range is rendered and marked; one cut by a range shows its source
    const whole = inside.find((h) => h.start <= seg.start && h.end >= seg.end);
    const html = inside.length && !whole ? null : renderTex(text.slice(seg.contentStart, seg.contentEnd), seg.display);
    const src = () => `<span class="tex-source">${markText(text.slice(seg.start, seg.end), seg.start, inside)}</span>`;
    out +=
      html === null ? src() : whole ? `<mark${whole.title ? ` title="${esc(whole.title)}"` : ""}>${html}</mark>` : html;
    at = seg.end;
  }
  out += markText(text.slice(at), at, hl);
  return out;
}
