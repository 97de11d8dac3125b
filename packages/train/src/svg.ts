export interface LossPoint {
  split: string;
  step: number;
  loss: number;
}

const esc = (s: string): string => s.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);
const fmt = (x: number): string => (Math.abs(x) >= 100 || x === 0 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(2));

/** "Nice" tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** A self-contained SVG line chart of training (line) and validation (line with dots) loss by step. */
export function lossCurveSvg(points: readonly LossPoint[], title = "loss"): string {
  const W = 720;
  const H = 400;
  const m = { l: 64, r: 24, t: 40, b: 48 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const finite = points.filter((p) => Number.isFinite(p.loss) && Number.isFinite(p.step));
  const splits = [...new Set(finite.map((p) => p.split))].sort((a, b) => (a === "train" ? -1 : b === "train" ? 1 : a.localeCompare(b)));
  const xs = finite.map((p) => p.step);
  const ys = finite.map((p) => p.loss);
  const x0 = Math.min(0, ...xs);
  const x1 = Math.max(1, ...xs);
  let y0 = ys.length ? Math.min(...ys) : 0;
  let y1 = ys.length ? Math.max(...ys) : 1;
  if (y1 - y0 < 1e-9) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const pad = (y1 - y0) * 0.05;
  y0 = Math.max(0, y0 - pad);
  y1 += pad;
  const X = (v: number) => m.l + ((v - x0) / (x1 - x0)) * pw;
  const Y = (v: number) => m.t + ph - ((v - y0) / (y1 - y0)) * ph;
  const colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"];
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`);
  for (const t of ticks(y0, y1)) {
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${Y(t).toFixed(1)}" y2="${Y(t).toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.l - 6}" y="${(Y(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const t of ticks(x0, x1).filter((t) => Number.isInteger(t))) {
    parts.push(`<line x1="${X(t).toFixed(1)}" x2="${X(t).toFixed(1)}" y1="${m.t + ph}" y2="${m.t + ph + 4}" stroke="#333"/>`);
    parts.push(`<text x="${X(t).toFixed(1)}" y="${m.t + ph + 18}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">step</text>`);
  parts.push(`<text x="16" y="${m.t + ph / 2}" text-anchor="middle" transform="rotate(-90 16 ${m.t + ph / 2})">loss</text>`);
  splits.forEach((split, i) => {
    const color = colors[i % colors.length]!;
    const pts = finite.filter((p) => p.split === split).sort((a, b) => a.step - b.step);
    const coords = pts.map((p) => `${X(p.step).toFixed(1)},${Y(p.loss).toFixed(1)}`).join(" ");
    parts.push(`<polyline class="loss-${esc(split)}" fill="none" stroke="${color}" stroke-width="2" points="${coords}"/>`);
    if (split !== "train" || pts.length < 2) for (const p of pts) parts.push(`<circle cx="${X(p.step).toFixed(1)}" cy="${Y(p.loss).toFixed(1)}" r="3" fill="${color}"/>`);
    const ly = m.t + 14 + i * 16;
    parts.push(`<line x1="${m.l + pw - 110}" x2="${m.l + pw - 90}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<text x="${m.l + pw - 84}" y="${ly}">${esc(split)}</text>`);
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
