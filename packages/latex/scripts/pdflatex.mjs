// Ground truth for the validator: compiles every MATH record with real pdflatex (TeX Live), caching
// each record's verdict, then compares with the validator's findings (a confusion matrix).
//
//   nice node packages/latex/scripts/pdflatex.mjs compile [--limit N]   # slow: ~0.1-0.2 s a record
//   node packages/latex/scripts/pdflatex.mjs compare [--dump file.jsonl] # needs a build (dist/)
//
// Manual check, not a test: reads /work/shared/realdata/MATH/train (or REALDATA=folder, SPLIT=test).
// Verdicts go to CACHE (default ~/.cache/mathtune/pdflatex-verdicts.jsonl), one JSON line per record
// keyed by the SHA-256 of what was compiled, so a rerun only compiles what changed.
//
// Each record (problem, then solution, as two paragraphs, Asymptote blocks removed) is the body of
// an `article` (records are compiled 40 to a document first, see compile()) with amsmath, amssymb, mathtools, cancel, gensymb, textcomp, array, multirow and
// siunitx, compiled with `pdflatex -interaction=nonstopmode -halt-on-error -draftmode`. A record
// fails when pdflatex exits non-zero, or when its log says the text ended inside a group (an
// unclosed `{`, which LaTeX only warns about).
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { lastBoxed } from "./boxed.mjs";

const root = process.env.REALDATA ?? "/work/shared/realdata";
const split = process.env.SPLIT ?? "train";
const cachePath = process.env.CACHE ?? join(homedir(), ".cache/mathtune", `pdflatex-verdicts-${split}.jsonl`);
const mode = process.argv[2] ?? "compare";
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

export const PREAMBLE = String.raw`\documentclass{article}
\usepackage{amsmath,amssymb,mathtools,cancel,gensymb,textcomp,array,multirow,siunitx}
\begin{document}
`;

/** The record's text as compiled: problem and solution as paragraphs, Asymptote blocks removed. */
export function body(r) {
  const strip = (s) => s.replace(/\[asy\][\s\S]*?(\[\/asy\]|$)/g, "");
  return `${strip(r.problem)}\n\n${strip(r.solution)}\n`;
}

function loadRecords() {
  const dir = join(root, "MATH", split);
  const records = [];
  for (const subject of readdirSync(dir).sort()) {
    for (const f of readdirSync(join(dir, subject)).sort((a, b) => parseInt(a) - parseInt(b))) {
      const o = JSON.parse(readFileSync(join(dir, subject, f), "utf8"));
      records.push({
        id: `math/${split}/${subject}/${f.replace(/\.json$/, "")}`,
        problem: o.problem,
        solution: o.solution,
        answer: lastBoxed(o.solution),
      });
    }
  }
  return records;
}

function loadCache() {
  const m = new Map();
  if (!existsSync(cachePath)) return m;
  for (const line of readFileSync(cachePath, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const v = JSON.parse(line);
    m.set(v.key, v);
  }
  return m;
}

const keyOf = (text) => createHash("sha256").update(PREAMBLE).update(text).digest("hex");

/** First error lines of a pdflatex log. */
function logError(log) {
  const i = log.indexOf("\n! ");
  if (i >= 0)
    return log
      .slice(i + 1, i + 400)
      .split("\n")
      .slice(0, 3)
      .join(" | ");
  const g = /\(\\end occurred inside a group[^)]*\)/.exec(log);
  return g ? g[0] : "";
}

function compile(records) {
  const cache = loadCache();
  mkdirSync(dirname(cachePath), { recursive: true });
  const work = mkdtempSync(join(tmpdir(), "mt-pdflatex-"));
  const limit = Number(arg("--limit") ?? Infinity);
  let done = 0,
    failed = 0,
    skipped = 0;
  const t0 = Date.now();
  const missing = records.filter((r) => !cache.has(keyOf(body(r))));
  skipped = records.length - missing.length;
  const todo = missing.slice(0, limit);
  // The preamble, loaded once into a format (mylatexformat), halves the time per record; each
  // document still starts with the same preamble, which the format skips.
  writeFileSync(join(work, "pre.tex"), `${PREAMBLE}x\n\\end{document}\n`);
  const fmt = spawnSync(
    "pdflatex",
    ["-ini", "-interaction=nonstopmode", "-jobname=mtpre", "&pdflatex", "mylatexformat.ltx", "pre.tex"],
    { cwd: work, encoding: "utf8" },
  );
  const fmtArgs = fmt.status === 0 && existsSync(join(work, "mtpre.fmt")) ? ["-fmt=mtpre"] : [];
  if (!fmtArgs.length)
    console.error("could not build a format with mylatexformat; compiling each record with its preamble (slower)");
  const run = (bodyTex) => {
    writeFileSync(join(work, "r.tex"), `${PREAMBLE}${bodyTex}\\end{document}\n`);
    const res = spawnSync(
      "pdflatex",
      [...fmtArgs, "-interaction=nonstopmode", "-halt-on-error", "-draftmode", "-no-shell-escape", "r.tex"],
      { cwd: work, encoding: "utf8", timeout: 60_000 },
    );
    const log = existsSync(join(work, "r.log")) ? readFileSync(join(work, "r.log"), "latin1") : "";
    const group = /\\end occurred inside a group/.test(log);
    return { ok: res.status === 0 && !group, status: res.status, log };
  };
  const save = (r, v, how) => {
    if (!v.ok) failed++;
    appendFileSync(
      cachePath,
      JSON.stringify({
        key: keyOf(body(r)),
        id: r.id,
        ok: v.ok,
        how,
        status: v.status,
        error: v.ok ? undefined : logError(v.log) || `exit ${v.status}`,
      }) + "\n",
    );
    done++;
  };
  // Records go in batches, each in a group of its own: a batch that compiles cleanly means each of
  // its records does; a batch with any error is compiled again one record at a time, and those
  // verdicts are the ones kept. (A record that only compiles thanks to an earlier record's global
  // definition would pass in a batch; MATH records define nothing globally.)
  const batch = Number(arg("--batch") ?? 40);
  let lastReport = 0;
  for (let i = 0; i < todo.length; i += batch) {
    const group = todo.slice(i, i + batch);
    const together =
      group.length > 1 ? run(group.map((r) => `\\begingroup\n${body(r)}\\par\\endgroup\n`).join("")) : { ok: false };
    if (together.ok) for (const r of group) save(r, together, "batch");
    else for (const r of group) save(r, run(body(r)), "single");
    if (done - lastReport >= 200 || done === todo.length) {
      lastReport = done;
      const s = (Date.now() - t0) / 1000;
      console.error(
        `${done}/${todo.length} compiled, ${failed} fail, ${(s / done).toFixed(3)} s/record, ETA ${Math.round(((todo.length - done) * s) / done)} s`,
      );
    }
  }
  rmSync(work, { recursive: true, force: true });
  console.log(
    JSON.stringify({ records: records.length, cached: skipped, compiled: done, failed, s: (Date.now() - t0) / 1000 }),
  );
}

async function compare(records) {
  const { checkRecord } = await import("../dist/index.js");
  const cache = loadCache();
  const m = { found: 0, missed: 0, false: 0, agreeOk: 0, unknown: 0, beyondOnOk: 0, strictOnOk: 0 };
  const rows = [];
  for (const r of records) {
    const v = cache.get(keyOf(body(r)));
    if (!v) {
      m.unknown++;
      continue;
    }
    const rep = checkRecord(r, { dollars: true });
    const errors = rep.findings.filter((f) => f.kind === "error");
    const flagged = errors.length > 0;
    if (v.ok && !flagged) m.agreeOk++;
    else if (!v.ok && flagged) m.found++;
    else if (!v.ok) m.missed++;
    else m.false++;
    if (v.ok && rep.findings.some((f) => f.kind === "beyond")) m.beyondOnOk++;
    if (v.ok && rep.findings.some((f) => f.kind === "strict")) m.strictOnOk++;
    if (!v.ok || flagged)
      rows.push({
        id: r.id,
        pdflatex: v.ok ? "ok" : v.error,
        validator: errors.map((f) => `${f.code} @${f.field}:${f.offset} ${JSON.stringify(f.excerpt)}`),
      });
  }
  console.log(JSON.stringify({ split, records: records.length, ...m }, null, 1));
  console.log("| | validator: error | validator: no error |\n|---|---:|---:|");
  console.log(`| pdflatex fails | ${m.found} (found) | ${m.missed} (missed) |`);
  console.log(`| pdflatex compiles | ${m.false} (false) | ${m.agreeOk} |`);
  for (const row of rows) console.log(JSON.stringify(row));
  const dump = arg("--dump");
  if (dump) writeFileSync(dump, rows.map((o) => JSON.stringify(o)).join("\n") + "\n");
}

if (!existsSync(join(root, "MATH", split))) {
  console.log(`no MATH ${split} split at ${root}; nothing to do`);
} else if (mode === "compile") {
  try {
    execFileSync("pdflatex", ["--version"], { stdio: "ignore" });
  } catch {
    console.error("pdflatex not found: install TeX Live (apt-get install texlive-latex-extra texlive-science)");
    process.exitCode = 1;
  }
  if (!process.exitCode) compile(loadRecords());
} else {
  await compare(loadRecords());
}
