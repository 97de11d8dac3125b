import { join, resolve } from "node:path";
import { writeFileAtomic } from "@mathtune/core";
import { chartSvg, type IntervalRow, intervalSpec, lineSpec, type SeriesPoint } from "./charts.js";
import { chartBlock, esc, page, table } from "./html.js";
import { renderMathText } from "./math.js";
import {
  type ComparisonLike,
  type EvalRun,
  type ExampleLike,
  type ModelInfoLike,
  readRunFolder,
  relativeTo,
  type RunInputs,
} from "./run-inputs.js";

/** The run report: HTML, Markdown, and the chart files the Markdown links to. */
export interface RunReport {
  html: string;
  markdown: string;
  /** Chart files the Markdown links to (name -> SVG), written beside it. */
  charts: Record<string, string>;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const signed = (x: number): string => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}`;
const pfmt = (p: number): string => (p < 0.001 ? "<0.001" : p.toFixed(3));
const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
const num = (text: string, key: string): string => `<span data-k="${esc(key)}">${esc(text)}</span>`;
const modelName = (m: ModelInfoLike | null | undefined): string =>
  m ? `${m.modelName ?? m.name}${m.quantization ? ` (${m.quantization})` : ""}` : "?";
const ci = (c: [number, number]): string => `${pct(c[0])} - ${pct(c[1])}`;

function accuracyRows(c: ComparisonLike): IntervalRow[] {
  return [...c.byCategory, c.overall].flatMap((r) => [
    { group: r.group, model: c.labels[0], accuracy: r.a.accuracy, lo: r.a.ci95[0], hi: r.a.ci95[1] },
    { group: r.group, model: c.labels[1], accuracy: r.b.accuracy, lo: r.b.ci95[0], hi: r.b.ci95[1] },
  ]);
}

function modelRows(evals: readonly EvalRun[]): IntervalRow[] {
  return evals.map((e) => {
    const t = e.metrics.overall.flexible ?? Object.values(e.metrics.overall)[0]!;
    return {
      group: e.label,
      model: e.metrics.model?.quantization ?? "model",
      accuracy: t.accuracy,
      lo: t.ci95[0],
      hi: t.ci95[1],
    };
  });
}

function lineage(inp: RunInputs): [string, string][] {
  const rows: [string, string][] = [];
  const d = inp.dataset;
  if (d) {
    const m = d.manifest as {
      recipe?: { name?: string };
      seed?: number;
      outputs?: { file: string; sha256: string }[];
      counts?: { written?: number };
    };
    rows.push([
      "dataset",
      `${m.recipe?.name ?? "?"} (seed ${m.seed ?? "?"}, ${m.counts?.written ?? "?"} records) in ${relativeTo(inp.root, d.dir)}`,
    ]);
    for (const o of m.outputs ?? [])
      if (/^(train|validation|test)\./.test(o.file)) rows.push([`data ${o.file}`, `sha256 ${o.sha256.slice(0, 16)}`]);
  }
  const t = inp.training;
  if (t) {
    const c = t.config ?? {};
    const pick = ["model", "baseModel", "loraR", "loraAlpha", "learningRate", "epochs", "maxSteps", "seed"]
      .filter((k) => c[k] !== undefined)
      .map((k) => `${k}=${JSON.stringify(c[k])}`);
    rows.push(["training", `${relativeTo(inp.root, t.dir)}${pick.length ? `: ${pick.join(", ")}` : ""}`]);
    if (t.configSha256) rows.push(["training config", `sha256 ${t.configSha256.slice(0, 16)}`]);
  }
  for (const e of inp.evals) {
    const m = e.metrics.model;
    rows.push([
      `model ${e.label}`,
      `${modelName(m)}${m?.sha256 ? `, sha256 ${m.sha256}` : ""}${m?.bytes ? `, ${m.bytes} bytes` : ""}`,
    ]);
  }
  const ts = inp.comparison?.testSet ?? inp.evals[0]?.metrics.testSet;
  if (ts) rows.push(["test set", `${ts.records ?? "?"} problems, hash ${ts.hash ?? "?"}`]);
  return rows;
}

function exampleHtml(e: ExampleLike, labels: [string, string], a?: EvalRun, b?: EvalRun): string {
  const out = (run: EvalRun | undefined) => run?.outputs.get(e.id);
  const side = (label: string, g: ExampleLike["a"], o: string | undefined) =>
    `<div><b>${esc(label)}</b>: ${g.answer === null ? `<i>${esc(g.verdict)}</i>` : renderMathText(`$${g.answer}$`)} <span class="${g.verdict === "correct" ? "good" : "bad"}">${esc(g.verdict)}</span>${o ? `<div class="turn assistant">${renderMathText(o.length > 1500 ? `${o.slice(0, 1500)}…` : o)}</div>` : ""}</div>`;
  return `<div class="sample example"><div class="id">${esc(e.id)}${e.category ? ` · ${esc(e.category)}` : ""} · gold ${renderMathText(`$${e.gold}$`)}</div><div class="turn user">${renderMathText(e.problem)}</div><div class="side">${side(labels[0], e.a, out(a))}${side(labels[1], e.b, out(b))}</div></div>`;
}

/** Renders the run report (HTML page, Markdown, chart SVGs) from what `readRunFolder` read. */
export async function renderRunReport(inp: RunInputs): Promise<RunReport> {
  const charts: Record<string, string> = {};
  const c = inp.comparison;
  const q = inp.quantization;
  if (c)
    charts["report-accuracy.svg"] = await chartSvg(
      intervalSpec(`Accuracy per category (${c.mode}): ${c.labels[0]} vs ${c.labels[1]}`, accuracyRows(c)),
    );
  if (inp.evals.length)
    charts["report-models.svg"] = await chartSvg(
      intervalSpec("Overall accuracy per evaluation (flexible)", modelRows(inp.evals)),
    );
  const tm = inp.training?.metrics ?? [];
  const loss: SeriesPoint[] = tm
    .filter((m) => typeof m.loss === "number" && Number.isFinite(m.loss))
    .map((m) => ({ series: m.split, x: m.step, y: m.loss! }));
  const lr: SeriesPoint[] = tm
    .filter((m) => m.split === "train" && typeof m.learningRate === "number")
    .map((m) => ({ series: "learning rate", x: m.step, y: m.learningRate! }));
  if (loss.length)
    charts["report-loss.svg"] = await chartSvg(
      lineSpec("Training and validation loss", loss, { x: "step", y: "loss" }),
    );
  if (lr.length)
    charts["report-learning-rate.svg"] = await chartSvg(
      lineSpec("Learning rate", lr, { x: "step", y: "learning rate", yFormat: ".1e" }),
    );

  const evalA = c ? inp.evals.find((e) => e.label === c.labels[0]) : undefined;
  const evalB = c ? inp.evals.find((e) => e.label === c.labels[1]) : undefined;
  const h: string[] = [];
  const md: string[] = [];
  const title = c ? `Run report: ${c.labels[0]} vs ${c.labels[1]}` : "Run report";
  h.push(`<h1>${esc(title)}</h1>`);
  md.push(`# ${title}`, "");
  if (c) {
    const o = c.overall;
    h.push(
      `<p>${num(String(c.testSet.records), "records")} test problems, graded ${esc(c.mode)}. Overall ${esc(c.labels[0])} ${num(pct(o.a.accuracy), "overall:a")} → ${esc(c.labels[1])} ${num(pct(o.b.accuracy), "overall:b")} (${num(signed(o.difference), "overall:difference")} points, exact McNemar p = ${num(pfmt(o.pValue), "overall:p")}); ${num(String(o.fixed), "overall:fixed")} fixed, ${num(String(o.broken), "overall:broken")} broken.</p>`,
    );
    md.push(
      `${c.testSet.records} test problems, graded ${c.mode}. Overall ${c.labels[0]} ${pct(o.a.accuracy)} -> ${c.labels[1]} ${pct(o.b.accuracy)} (${signed(o.difference)} points, exact McNemar p = ${pfmt(o.pValue)}); ${o.fixed} fixed, ${o.broken} broken.`,
      "",
    );
    h.push("<h2>Accuracy per category</h2>");
    md.push("## Accuracy per category", "", "![accuracy per category](report-accuracy.svg)", "");
    h.push(`<div class="charts">${chartBlock("accuracy", charts["report-accuracy.svg"]!)}</div>`);
    const rows = [...c.byCategory, c.overall];
    h.push(
      table(
        [
          "category",
          "n",
          `${esc(c.labels[0])} (95% interval)`,
          `${esc(c.labels[1])} (95% interval)`,
          "difference",
          "fixed",
          "broken",
          "p",
        ],
        rows.map((r) => [
          r.group === "overall" ? "<b>overall</b>" : esc(r.group),
          num(String(r.n), `cat:${r.group}:n`),
          `${num(pct(r.a.accuracy), `cat:${r.group}:a`)} <span class="muted">(${ci(r.a.ci95)})</span>`,
          `${num(pct(r.b.accuracy), `cat:${r.group}:b`)} <span class="muted">(${ci(r.b.ci95)})</span>`,
          num(signed(r.difference), `cat:${r.group}:difference`),
          num(String(r.fixed), `cat:${r.group}:fixed`),
          num(String(r.broken), `cat:${r.group}:broken`),
          pfmt(r.pValue),
        ]),
        [false, true, true, true, true, true, true, true],
      ),
    );
    md.push(
      `| category | n | ${cell(c.labels[0])} | 95% interval | ${cell(c.labels[1])} | 95% interval | difference | fixed | broken | p |`,
      "|---|---:|---:|---|---:|---|---:|---:|---:|---:|",
    );
    for (const r of rows)
      md.push(
        `| ${r.group === "overall" ? "**overall**" : cell(r.group)} | ${r.n} | ${pct(r.a.accuracy)} | ${ci(r.a.ci95)} | ${pct(r.b.accuracy)} | ${ci(r.b.ci95)} | ${signed(r.difference)} | ${r.fixed} | ${r.broken} | ${pfmt(r.pValue)} |`,
      );
    md.push("");
    for (const [name, list] of [
      ["Fixed", c.fixed],
      ["Broken", c.broken],
    ] as const) {
      h.push(
        `<h2>${name} (wrong in ${esc(name === "Fixed" ? c.labels[0] : c.labels[1])}, right in ${esc(name === "Fixed" ? c.labels[1] : c.labels[0])})</h2>`,
      );
      h.push(list.length ? list.map((e) => exampleHtml(e, c.labels, evalA, evalB)).join("\n") : "<p>None.</p>");
      md.push(`## ${name}`, "");
      if (list.length) {
        md.push(`| id | gold | ${cell(c.labels[0])} | ${cell(c.labels[1])} | problem |`, "|---|---|---|---|---|");
        for (const e of list)
          md.push(
            `| ${cell(e.id)} | ${cell(e.gold)} | ${cell(e.a.answer ?? `(${e.a.verdict})`)} | ${cell(e.b.answer ?? `(${e.b.verdict})`)} | ${cell(e.problem.slice(0, 160))} |`,
          );
      } else md.push("None.");
      md.push("");
    }
  }
  if (loss.length || lr.length) {
    h.push(
      `<h2>Training</h2><div class="charts">${loss.length ? chartBlock("loss", charts["report-loss.svg"]!) : ""}${lr.length ? chartBlock("learning-rate", charts["report-learning-rate.svg"]!) : ""}</div>`,
    );
    md.push("## Training", "");
    if (loss.length) md.push("![loss](report-loss.svg)", "");
    if (lr.length) md.push("![learning rate](report-learning-rate.svg)", "");
    const r = inp.training?.result as
      | {
          steps?: number;
          firstLoss?: number;
          lastLoss?: number;
          evalLoss?: number;
          initialEvalLoss?: number;
          seconds?: number;
        }
      | undefined;
    if (r) {
      const facts: [string, string, string][] = [
        ["steps", "steps", String(r.steps ?? "?")],
        ["train loss (first -> last)", "train-loss", `${r.firstLoss ?? "?"} -> ${r.lastLoss ?? "?"}`],
        ["validation loss (before -> after)", "eval-loss", `${r.initialEvalLoss ?? "?"} -> ${r.evalLoss ?? "?"}`],
        ["seconds", "seconds", String(r.seconds ?? "?")],
      ];
      h.push(
        table(
          ["", ""],
          facts.map(([k, key, v]) => [esc(k), num(v, `train:${key}`)]),
        ),
      );
      md.push("| | |", "|---|---|", ...facts.map(([k, , v]) => `| ${k} | ${v} |`), "");
    }
  }
  if (q || inp.evals.length > 1) {
    h.push("<h2>Quantization and models</h2>");
    md.push("## Quantization and models", "");
    if (q?.quantization) {
      const line = `${q.quantization.from} -> ${q.quantization.to} (${modelName(q.models[0])} vs ${modelName(q.models[1])}): ${pct(q.overall.a.accuracy)} -> ${pct(q.overall.b.accuracy)}, costs ${(q.quantization.accuracyLoss * 100).toFixed(1)} points (exact McNemar p = ${pfmt(q.quantization.pValue)}).`;
      h.push(
        `<p>${esc(`${q.quantization.from} -> ${q.quantization.to}`)}: ${num(pct(q.overall.a.accuracy), "quant:a")} → ${num(pct(q.overall.b.accuracy), "quant:b")}, costs ${num((q.quantization.accuracyLoss * 100).toFixed(1), "quant:loss")} points (exact McNemar p = ${pfmt(q.quantization.pValue)}).</p>`,
      );
      md.push(line, "");
    }
    if (charts["report-models.svg"]) {
      h.push(`<div class="charts">${chartBlock("models", charts["report-models.svg"])}</div>`);
      md.push("![overall accuracy per evaluation](report-models.svg)", "");
    }
  }
  const lin = lineage(inp);
  if (lin.length) {
    h.push(
      "<h2>Lineage</h2>",
      table(
        ["", ""],
        lin.map(([k, v]) => [esc(k), `<code>${esc(v)}</code>`]),
      ),
    );
    md.push("## Lineage", "", "| | |", "|---|---|", ...lin.map(([k, v]) => `| ${cell(k)} | \`${cell(v)}\` |`), "");
  }
  return { html: page(title, h.join("\n")), markdown: `${md.join("\n").trimEnd()}\n`, charts };
}

/**
 * Reads a run folder and writes `report.html`, `report.md` and the charts it links to
 * (`report-*.svg`) into `out` (default: the folder itself). Returns the report.
 */
export async function writeRunReport(dir: string, opts: { out?: string } = {}): Promise<RunReport & { out: string }> {
  const root = resolve(dir);
  const out = resolve(opts.out ?? root);
  const report = await renderRunReport(await readRunFolder(root));
  for (const [name, svg] of Object.entries(report.charts)) await writeFileAtomic(join(out, name), svg);
  await writeFileAtomic(join(out, "report.md"), report.markdown);
  await writeFileAtomic(join(out, "report.html"), report.html);
  return { ...report, out };
}
