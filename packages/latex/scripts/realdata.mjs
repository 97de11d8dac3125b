// Manual check over the real datasets (not a test):
//   node packages/latex/scripts/realdata.mjs [MATH|gsm8k] [--dollars] [--dump file.jsonl] [--stage]
// Needs a build (dist/) and /work/shared/realdata (or REALDATA=folder). --stage also runs the build
// stage with its default options (worker pool, batches of 512) and prints its summary and timing.
import { readFileSync, readdirSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkRecord, createLatexStage, formatLatexSummary } from "../dist/index.js";
import { lastBoxed } from "./boxed.mjs";

const root = process.env.REALDATA ?? "/work/shared/realdata";
const which = process.argv[2] ?? "MATH";
const dumpAt = process.argv.indexOf("--dump");
const dump = dumpAt > 0 ? process.argv[dumpAt + 1] : undefined;
if (!existsSync(root)) {
  console.log(`no real data at ${root}; nothing to check`);
  process.exit(0);
}

const records = [];
if (which === "MATH") {
  const dir = join(root, "MATH/train");
  for (const subject of readdirSync(dir).sort()) {
    for (const f of readdirSync(join(dir, subject)).sort((a, b) => parseInt(a) - parseInt(b))) {
      const o = JSON.parse(readFileSync(join(dir, subject, f), "utf8"));
      records.push({
        id: `math/train/${subject}/${f}`,
        problem: o.problem,
        solution: o.solution,
        answer: lastBoxed(o.solution),
      });
    }
  }
} else {
  for (const [i, line] of readFileSync(join(root, "gsm8k/train.jsonl"), "utf8").split("\n").entries()) {
    if (!line.trim()) continue;
    const o = JSON.parse(line);
    records.push({
      id: `gsm8k/train/${i}`,
      problem: o.question,
      solution: o.answer,
      answer: o.answer.split("####").pop().trim(),
    });
  }
}
const dollars = which === "MATH" || process.argv.includes("--dollars");
const t0 = performance.now();
let flagged = 0,
  segments = 0,
  asy = 0;
const byCode = {};
const byKind = {};
const out = [];
for (const r of records) {
  const rep = checkRecord(r, { dollars });
  segments += rep.segments;
  asy += rep.asy;
  if (rep.findings.length) {
    flagged++;
    const codes = new Set(rep.findings.map((f) => f.code));
    for (const c of codes) byCode[c] = (byCode[c] ?? 0) + 1;
    for (const k of new Set(rep.findings.map((f) => f.kind))) byKind[k] = (byKind[k] ?? 0) + 1;
    out.push({ id: r.id, findings: rep.findings });
  }
}
const ms = performance.now() - t0;
console.log(
  JSON.stringify(
    {
      source: which,
      dollars,
      records: records.length,
      flagged,
      pct: +((100 * flagged) / records.length).toFixed(2),
      recordsByKind: byKind,
      recordsByCode: byCode,
      segments,
      asy,
      ms: Math.round(ms),
    },
    null,
    1,
  ),
);
if (dump) writeFileSync(dump, out.map((o) => JSON.stringify(o)).join("\n") + "\n");

if (process.argv.includes("--stage")) {
  const source = which === "MATH" ? "math" : "gsm8k";
  const t1 = performance.now();
  const stage = createLatexStage({});
  let done = 0;
  for (let i = 0; i < records.length; i += 512) {
    const batch = records.slice(i, i + 512).map((r) => ({
      id: r.id,
      source,
      problem: r.problem,
      solution: r.solution,
      ...(r.answer !== undefined ? { answer: r.answer } : {}),
      lang: "en",
    }));
    done += (await stage.process(batch, {})).length;
  }
  const sum = stage.summary();
  await stage.close();
  console.log(
    `stage with default options: ${done} records in ${Math.round(performance.now() - t1)} ms (${sum.mode}, ${sum.workers} workers, start included); flagged ${sum.flagged}, rejected ${sum.rejected}`,
  );
  console.log(formatLatexSummary(sum));
}
