// Makes src/latex-commands.ts: the commands that LaTeX itself and common packages define, read
// from the TeX Live installation, so the validator can tell a command LaTeX knows (and KaTeX
// lacks: E_LATEX_BEYOND_KATEX) from a typo (E_LATEX_UNKNOWN_COMMAND).
//
//   node packages/latex/scripts/latex-commands.mjs     # needs pdflatex, kpsewhich (and luatex for primitives)
//
// How: (1) candidates are every `\name` (letters only) written in the files that LaTeX reads for an
// `article` with the packages below (pdflatex -recorder lists them), in latex.ltx, and the engine
// primitives (luatex's tex.primitives()); (2) one pdflatex run per package asks `\ifcsname` for each
// candidate, with the kernel alone first: a name defined by the kernel is `latex`, one that only a
// package defines is that package's. Internal names (with @, _ or :) are never candidates.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "../src/latex-commands.ts");

/** The packages of the ground-truth preamble (scripts/pdflatex.mjs), then other common ones. */
export const PACKAGES = [
  "amsmath",
  "amssymb",
  "mathtools",
  "cancel",
  "gensymb",
  "textcomp",
  "array",
  "multirow",
  "siunitx",
  "booktabs",
  "bm",
  "xcolor",
  "graphicx",
  "amsthm",
  "arcs",
];

const work = mkdtempSync(join(tmpdir(), "mt-latexcmds-"));
const pdflatex = (name, body) => {
  writeFileSync(join(work, `${name}.tex`), body);
  const r = spawnSync("pdflatex", ["-interaction=nonstopmode", "-recorder", `${name}.tex`], {
    cwd: work,
    encoding: "latin1",
    maxBuffer: 1 << 28,
  });
  return {
    status: r.status,
    log: existsSync(join(work, `${name}.log`)) ? readFileSync(join(work, `${name}.log`), "latin1") : "",
  };
};

// (1) candidates
const all = pdflatex(
  "all",
  `\\documentclass{article}\n\\usepackage{${PACKAGES.join(",")}}\n\\begin{document}\nx\n\\end{document}\n`,
);
if (all.status !== 0) throw new Error(`pdflatex could not load the packages:\n${all.log.slice(-2000)}`);
// the kernel's own sources (read when the format was made, not at run time)
const base = dirname(execFileSync("kpsewhich", ["latex.ltx"], { encoding: "utf8" }).trim());
const files = new Set(
  ["latex.ltx", "fontmath.ltx", "fonttext.ltx", "preload.ltx", "article.cls", "size10.clo"].map(
    (f) => execFileSync("kpsewhich", [f], { encoding: "utf8" }).trim() || join(base, f),
  ),
);
for (const line of readFileSync(join(work, "all.fls"), "latin1").split("\n")) {
  const m = /^INPUT (\/.+\.(?:sty|cls|ltx|def|cfg|clo|fd|tex))$/.exec(line);
  if (m && !m[1].startsWith(work) && !m[1].includes("/all.")) files.add(m[1]);
}
const candidates = new Set();
for (const f of files) {
  const src = readFileSync(f, "latin1");
  for (const m of src.matchAll(/\\([A-Za-z]+)(?![@_:A-Za-z])/g)) candidates.add(m[1]);
  // environments: \newenvironment{name}, \begin{name}, \NewDocumentEnvironment{name} ... (an environment
  // `name` is the commands \name and \endname; `name*` is tested as such)
  for (const m of src.matchAll(
    /\\(?:(?:re)?newenvironment\*?|begin|(?:New|Renew|Provide|Declare)DocumentEnvironment|newtheorem\*?)\s*\{([A-Za-z]+\*?)\}/g,
  )) {
    candidates.add(m[1]);
    candidates.add(`end${m[1]}`);
  }
}
try {
  const prims = execFileSync(
    "luatex",
    [
      "--ini",
      "\\catcode`\\{=1 \\catcode`\\}=2 \\directlua{for _, p in ipairs(tex.primitives()) do texio.write_nl('PRIM ' .. p) end}\\end",
    ],
    { cwd: work, encoding: "utf8" },
  );
  for (const m of prims.matchAll(/^PRIM ([A-Za-z]+)$/gm)) candidates.add(m[1]);
} catch {
  console.error("luatex not found: primitives only as the sources mention them");
}
const names = [...candidates].sort();

// (2) which are defined, by whom
function defined(pkgs) {
  const probe = names.map((n) => `\\ifcsname ${n}\\endcsname\\typeout{DEF ${n}}\\fi`).join("\n");
  const r = pdflatex(
    "probe",
    `\\documentclass{article}\n${pkgs.length ? `\\usepackage{${pkgs.join(",")}}\n` : ""}\\begin{document}\n${probe}\nx\n\\end{document}\n`,
  );
  if (r.status !== 0) throw new Error(`probe with ${pkgs.join(",") || "the kernel"} failed:\n${r.log.slice(-2000)}`);
  return new Set([...r.log.matchAll(/^DEF ([A-Za-z]+\*?)$/gm)].map((m) => m[1]));
}
const kernel = defined([]);
const byPackage = { latex: [...kernel].sort() };
const seen = new Set(kernel);
for (const p of PACKAGES) {
  const mine = [...defined([p])].filter((n) => !seen.has(n)).sort();
  for (const n of mine) seen.add(n);
  byPackage[p] = mine;
}
rmSync(work, { recursive: true, force: true });

const version = execFileSync("pdflatex", ["--version"], { encoding: "utf8" }).split("\n")[0];
const lines = Object.entries(byPackage).map(
  ([p, list]) => `  ${JSON.stringify(p)}: ${JSON.stringify(list.join(" "))},`,
);
writeFileSync(
  out,
  `// Generated by scripts/latex-commands.mjs from ${version}; do not edit.
// The commands (letters only; environments as their \\name and \\endname, \`name*\` as such) that LaTeX's kernel ("latex", the article class included) and each
// package define, each listed under the first of them that defines it.
export const LATEX_COMMANDS_SOURCE = ${JSON.stringify(version)};
export const LATEX_COMMANDS_BY_PACKAGE: Readonly<Record<string, string>> = {
${lines.join("\n")}
};
`,
);
console.log(
  JSON.stringify({
    files: files.size,
    candidates: names.length,
    ...Object.fromEntries(Object.entries(byPackage).map(([p, l]) => [p, l.length])),
  }),
);
