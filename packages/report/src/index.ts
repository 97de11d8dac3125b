/**
 * Self-contained HTML (and Markdown) reports of a mathtune dataset build and of a fine-tuning run: KaTeX math, Vega-Lite charts as SVG.
 *
 * @packageDocumentation
 * @module @mathtune/report
 */
export {
  barSpec,
  chartSvg,
  histogramSpec,
  intervalSpec,
  lineSpec,
  lossCurveSvg,
  type Bin,
  type ChartSpec,
  type Count,
  type IntervalRow,
  type LossPoint,
  type SeriesPoint,
} from "./charts.js";
export { esc, inlineKatexCss, page } from "./html.js";
export { renderMathText, type Highlight } from "./math.js";
export {
  commonRun,
  DatasetReportCollector,
  LENGTH_EDGES,
  renderDatasetReport,
  sampleIndices,
  spanRange,
  writeDatasetReport,
  type DatasetReportOptions,
} from "./dataset.js";
export { renderRunReport, writeRunReport, type RunReport } from "./run.js";
export {
  readRunFolder,
  type ComparisonLike,
  type EvalMetricsLike,
  type EvalRun,
  type RunInputs,
  type TrainMetric,
} from "./run-inputs.js";
