import { resolve } from "node:path";
import { defineCommand } from "citty";
import { eventsAsJson, JSON_FLAG, writeResult } from "../output.js";

export default defineCommand({
  meta: {
    name: "report",
    description:
      "Write the run report (report.html, report.md and its SVG charts) of a run folder: comparisons, evaluations, the training loss curve and the dataset it read",
  },
  args: {
    dir: {
      type: "positional",
      required: true,
      description: "the folder of `mathtune compare`, `eval` or `train` (read three levels deep)",
    },
    out: {
      type: "string",
      alias: "o",
      description: "folder for report.html, report.md and the charts (default: the run folder)",
    },
    json: JSON_FLAG,
  },
  async run({ args }) {
    eventsAsJson(args.json);
    const { writeRunReport } = await import("@mathtune/report");
    const r = await writeRunReport(resolve(args.dir), args.out ? { out: resolve(args.out) } : {});
    const files = ["report.html", "report.md", ...Object.keys(r.charts)].map((f) => resolve(r.out, f));
    writeResult(args.json, { out: r.out, files }, () => `wrote ${files.join(", ")}`);
  },
});
