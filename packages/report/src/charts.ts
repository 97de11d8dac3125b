import type { TopLevelSpec } from "vega-lite";

/**
 * Charts are Vega-Lite specs rendered to SVG by Vega's headless renderer (no DOM, no canvas, no
 * browser): the page needs no script to show them, and the same data gives the same bytes.
 */
const CONFIG = {
  font: "system-ui, sans-serif",
  background: "white",
  view: { stroke: "#ddd" },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, anchor: "start" as const },
};

/** A Vega-Lite specification. */
export type ChartSpec = TopLevelSpec;

/** Renders a Vega-Lite spec to a standalone SVG document string. */
export async function chartSvg(spec: ChartSpec): Promise<string> {
  // Vega loads on first use: its modules use top-level await, which would stop require() of this package.
  const [{ parse, View }, { compile }] = await Promise.all([import("vega"), import("vega-lite")]);
  const vg = compile({
    ...spec,
    config: { ...CONFIG, ...((spec as { config?: object }).config ?? {}) },
  } as TopLevelSpec).spec;
  const view = new View(parse(vg), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    return `${svg}\n`;
  } finally {
    view.finalize();
  }
}

/** One bar of a bar chart. */
export interface Count {
  label: string;
  count: number;
  /** Stack/colour group (e.g. the split). */
  group?: string;
}

/** A horizontal bar chart of counts (stacked by `group` when present). */
export function barSpec(
  title: string,
  rows: readonly Count[],
  opts: { field?: string; width?: number } = {},
): ChartSpec {
  const grouped = rows.some((r) => r.group !== undefined);
  const labels = [...new Set(rows.map((r) => r.label))];
  return {
    title,
    width: opts.width ?? 300,
    height: { step: 18 },
    data: {
      values: rows.map((r, i) => ({
        [opts.field ?? "value"]: r.label,
        count: r.count,
        ...(grouped ? { group: r.group ?? "", order: i } : {}),
      })),
    },
    mark: { type: "bar", tooltip: false },
    encoding: {
      y: { field: opts.field ?? "value", type: "nominal", sort: labels, title: null, axis: { labelLimit: 220 } },
      x: {
        field: "count",
        type: "quantitative",
        title: "records",
        stack: grouped ? "zero" : null,
        axis: { format: "d", tickMinStep: 1 },
      },
      ...(grouped
        ? {
            color: { field: "group", type: "nominal", title: null, sort: [...new Set(rows.map((r) => r.group ?? ""))] },
            order: { field: "order" },
          }
        : {}),
    },
  } as ChartSpec;
}

/** One bin of a histogram. */
export interface Bin {
  /** Lower edge (inclusive) and upper edge (exclusive; `null` for an open last bin). */
  from: number;
  to: number | null;
  count: number;
  group: string;
}

/** A histogram from pre-binned counts (bins built while streaming), one colour per group. */
export function histogramSpec(title: string, bins: readonly Bin[], xTitle: string): ChartSpec {
  const labels = [...new Set([...bins].sort((a, b) => a.from - b.from).map((b) => binLabel(b)))];
  return {
    title,
    width: 420,
    height: 160,
    data: { values: bins.map((b) => ({ bin: binLabel(b), count: b.count, field: b.group })) },
    mark: { type: "bar" },
    encoding: {
      x: { field: "bin", type: "ordinal", sort: labels, title: xTitle, axis: { labelAngle: -45 } },
      xOffset: { field: "field" },
      y: { field: "count", type: "quantitative", title: "records", axis: { format: "d", tickMinStep: 1 } },
      color: { field: "field", type: "nominal", title: null },
    },
  } as ChartSpec;
}

export const binLabel = (b: { from: number; to: number | null }): string =>
  b.to === null ? `${b.from}+` : `${b.from}-${b.to - 1}`;

/** One point of a line chart. */
export interface SeriesPoint {
  series: string;
  x: number;
  y: number;
}

/** A line chart (one line per series; points shown for short series). */
export function lineSpec(
  title: string,
  points: readonly SeriesPoint[],
  axes: { x: string; y: string; yFormat?: string },
): ChartSpec {
  return {
    title,
    width: 520,
    height: 220,
    data: { values: points.map((p) => ({ series: p.series, [axes.x]: p.x, [axes.y]: p.y })) },
    mark: { type: "line", point: points.length <= 60 },
    encoding: {
      x: { field: axes.x, type: "quantitative" },
      y: {
        field: axes.y,
        type: "quantitative",
        scale: { zero: false },
        ...(axes.yFormat ? { axis: { format: axes.yFormat } } : {}),
      },
      color: { field: "series", type: "nominal", title: null },
    },
  } as ChartSpec;
}

/** One bar of an interval chart: a model's accuracy in a group, with its interval. */
export interface IntervalRow {
  group: string;
  model: string;
  accuracy: number;
  lo: number;
  hi: number;
}

/** Accuracy with 95% intervals per group, one colour per model: a dot and a rule from lo to hi. */
export function intervalSpec(title: string, rows: readonly IntervalRow[]): ChartSpec {
  const groups = [...new Set(rows.map((r) => r.group))];
  const models = [...new Set(rows.map((r) => r.model))];
  const y = { field: "group", type: "nominal", sort: groups, title: null, axis: { labelLimit: 220 } };
  const yOffset = { field: "model", sort: models };
  const color = { field: "model", type: "nominal", title: null, sort: models };
  return {
    title,
    width: 420,
    height: { step: 14 * Math.max(1, models.length) + 6 },
    data: { values: rows.map((r) => ({ ...r })) },
    encoding: { y, yOffset, color },
    layer: [
      {
        mark: { type: "rule", strokeWidth: 2 },
        encoding: {
          x: {
            field: "lo",
            type: "quantitative",
            title: "accuracy (95% interval)",
            scale: { domain: [0, 1] },
            axis: { format: "%" },
          },
          x2: { field: "hi" },
        },
      },
      { mark: { type: "point", filled: true, size: 50 }, encoding: { x: { field: "accuracy", type: "quantitative" } } },
    ],
  } as ChartSpec;
}

/** One point of a loss curve. */
export interface LossPoint {
  split: string;
  step: number;
  loss: number;
}

/**
 * The training run's loss curve (train and validation loss by step) as SVG: the same signature as
 * @mathtune/train's `lossCurveSvg`, but async and drawn by Vega-Lite.
 */
export async function lossCurveSvg(points: readonly LossPoint[], title = "loss"): Promise<string> {
  const finite = points.filter((p) => Number.isFinite(p.loss) && Number.isFinite(p.step));
  return chartSvg(
    lineSpec(
      title,
      finite.map((p) => ({ series: p.split, x: p.step, y: p.loss })),
      { x: "step", y: "loss" },
    ),
  );
}
