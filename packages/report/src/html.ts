import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const ESC: Record<string, string> = { "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&#39;" };
/** Escapes text for HTML content and attribute values. */
export const esc = (s: unknown): string => String(s).replace(/[<>&"']/g, (c) => ESC[c]!);

let katexCss: string | undefined;
/**
 * KaTeX's stylesheet with its fonts inlined (woff2 only, as data URIs), so a page renders math
 * offline from the file system. Read once from the installed `katex` package.
 */
export function inlineKatexCss(): string {
  if (katexCss !== undefined) return katexCss;
  const req = createRequire(import.meta.url);
  const dist = join(dirname(req.resolve("katex/package.json")), "dist");
  const css = readFileSync(join(dist, "katex.min.css"), "utf8");
  katexCss = css
    .replace(/,\s*url\(fonts\/[^)]+\.(?:woff|ttf)\)\s*format\("(?:woff|truetype)"\)/g, "")
    .replace(
      /url\(fonts\/([^)]+\.woff2)\)/g,
      (_, f: string) => `url(data:font/woff2;base64,${readFileSync(join(dist, "fonts", f)).toString("base64")})`,
    );
  return katexCss;
}

const BASE_CSS = `
:root{--fg:#1d1d1f;--muted:#666;--line:#e3e3e3;--mark:#ffe08a;--bad:#c0392b;--good:#1e8449}
*{box-sizing:border-box}
body{font:14px/1.5 system-ui,sans-serif;color:var(--fg);margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:20px 0 6px}
.muted{color:var(--muted)}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}.chart{border:1px solid var(--line);padding:4px;background:#fff;margin:0}
.chart svg{display:block;max-width:100%;height:auto}
.turn{border-left:3px solid #9ab;padding:4px 10px;margin:4px 0;white-space:pre-wrap;overflow-wrap:anywhere}
.turn .role{font-weight:600;font-size:12px;color:var(--muted);text-transform:uppercase;display:block}
.turn.system{border-color:#bbb}.turn.user{border-color:#4a7ebb}.turn.assistant{border-color:#5a9e5a}
.sample{border:1px solid var(--line);border-radius:4px;padding:8px;margin:8px 0}
.sample .id{font-family:ui-monospace,monospace;font-size:12px;color:var(--muted)}
mark{background:var(--mark);padding:0 1px}
.tex-source{font-family:ui-monospace,monospace;background:#f6f6f6;padding:0 2px}
.side{display:grid;grid-template-columns:1fr 1fr;gap:12px}.side>div{border:1px solid var(--line);padding:6px;overflow-wrap:anywhere;white-space:pre-wrap}
code,.mono{font-family:ui-monospace,monospace;font-size:12px}
.good{color:var(--good)}.bad{color:var(--bad)}
details{margin:6px 0}summary{cursor:pointer}
`;

/** A whole self-contained page: no external requests, no script. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${BASE_CSS}</style>
<style>${inlineKatexCss()}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** An HTML table; cells are HTML already (escape text with `esc`). */
export function table(head: string[], rows: string[][], numeric: boolean[] = []): string {
  const th = head.map((h, i) => `<th${numeric[i] ? ' class="n"' : ""}>${h}</th>`).join("");
  const trs = rows
    .map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="n"' : ""}>${c}</td>`).join("")}</tr>`)
    .join("\n");
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`;
}

/** An inline chart (an SVG document from `chartSvg`), labelled for tests and screen readers. */
export function chartBlock(name: string, svg: string): string {
  return `<figure class="chart" data-chart="${esc(name)}">${svg.replace(/^<\?xml[^>]*>\s*/, "")}</figure>`;
}
