#!/usr/bin/env node
/**
 * Writes the reliability battery (issue 11) into this folder: inputs that once lost, altered or
 * ran something, each now with its test (packages/dataset/test/battery.test.ts and the loaders'
 * tests). Deterministic: run it again and nothing changes. Run from anywhere:
 * `node test-fixtures/battery/make.mjs`. Needs the dependencies of packages/loaders (tar-stream).
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../../packages/loaders/package.json"));
const { pack } = await import(pathToFileURL(require.resolve("tar-stream")).href);

const out = (name, data) => {
  mkdirSync(dirname(join(here, name)), { recursive: true });
  writeFileSync(join(here, name), data);
};
const lines = (rows) => rows.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n") + "\n";
const nest = (depth, leaf) => "[".repeat(depth) + leaf + "]".repeat(depth);

// ---- JSON numbers keep their text as written (generic jsonl)
out(
  "numbers.jsonl",
  lines([
    '{"problem":"How many grains of sand?","answer":12345678901234567890123}',
    '{"problem":"What does the pen cost in dollars?","answer":3.50}',
    '{"problem":"How large is it?","answer":1e400}',
    '{"id":12345678901234567891,"problem":"Which id is this?","answer":"7"}',
  ]),
);

// ---- a repeated key: flagged, never one value silently dropped
out("dup-keys.jsonl", lines(['{"problem":"What is 1 + 1?","answer":"3","answer":"2"}', '{"problem":"What is 2 + 2?","answer":"4","meta":{"a":1,"a":2}}', { problem: "What is 3 + 3?", answer: "6" }]));

// ---- deep nesting: kept exactly up to the limit, one quarantined record beyond it
out("deep.jsonl", `{"problem":"Deep but fine?","answer":"1","extra":${nest(100, "7")}}\n{"problem":"Too deep?","answer":"2","extra":${nest(300, "7")}}\n`);
out(
  "MATH-deep.jsonl",
  `${JSON.stringify({ problem: "What is $1+1$?", level: "Level 1", type: "Algebra", solution: "$1+1=\\boxed{2}$" })}\n{"problem":${nest(100000, '"x"')},"solution":"\\\\boxed{1}"}\n`,
);

// ---- invalid UTF-8 in the MATH folder reader (as in the archive and JSON lines paths)
rmSync(join(here, "MATH-utf8"), { recursive: true, force: true });
out("MATH-utf8/train/algebra/1.json", JSON.stringify({ problem: "What is $2+2$?", level: "Level 1", type: "Algebra", solution: "$2+2=\\boxed{4}$" }));
out(
  "MATH-utf8/train/algebra/2.json",
  Buffer.concat([Buffer.from('{"problem":"What is caf'), Buffer.from([0xe9]), Buffer.from('?","level":"Level 1","type":"Algebra","solution":"\\\\boxed{1}"}')]),
);

// ---- tar: a symbolic and a hard link among the entries; one very large entry
async function tar(entries) {
  const p = pack();
  const chunks = [];
  p.on("data", (c) => chunks.push(c));
  const done = new Promise((res) => p.on("end", res));
  for (const [header, body] of entries) await new Promise((res, rej) => p.entry({ mtime: new Date(0), mode: 0o644, uid: 0, gid: 0, ...header }, body, (e) => (e ? rej(e) : res())));
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}
const good = JSON.stringify({ problem: "What is $3+4$?", level: "Level 2", type: "Algebra", solution: "$3+4=\\boxed{7}$" });
out(
  "links.tar",
  await tar([
    [{ name: "MATH/train/algebra/1.json" }, good],
    [{ name: "MATH/train/algebra/2.json", type: "symlink", linkname: "/etc/passwd" }, undefined],
    [{ name: "MATH/train/algebra/3.json", type: "link", linkname: "MATH/train/algebra/1.json" }, undefined],
  ]),
);
const big = JSON.stringify({ problem: `Count the x: ${"x".repeat(4 * 1024 * 1024)}`, level: "Level 1", type: "Algebra", solution: "\\boxed{4194304}" });
out("big-entry.tar.gz", gzipSync(await tar([[{ name: "MATH/train/algebra/1.json" }, good], [{ name: "MATH/train/algebra/2.json" }, big]]), { level: 9 }));

// ---- a source whose every record is quarantined
out("all-bad.jsonl", lines([{ question: "no problem field" }, { problem: "" }, "{not json"]));

// ---- Unicode that must not leak across splits, and answers written in other digits
out(
  "unicode.jsonl",
  lines([
    { id: "a", problem: "Tom has 12 apples and eats 5. How many apples are left?", answer: "7" },
    { id: "b", problem: "Tom has 12 apples and\u200b eats 5. How many\u200b apples are left?", answer: "7\u200b" },
    { id: "c", problem: "Tom has ١٢ apples and eats ٥. How many apples are left?", answer: "٧" },
    { id: "d", problem: "What is ２ + ３?", answer: "５" },
    { id: "e", problem: "What is 3 + 3?", answer: "٦" },
  ]),
);

// ---- recipes
const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"];
for (let i = 1; i < 9; i++) {
  const prev = String.fromCharCode(96 + i);
  const cur = String.fromCharCode(97 + i);
  bomb.push(`${cur}: &${cur} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`);
}
out("alias-bomb.yaml", `${bomb.join("\n")}\nsources:\n  - adapter: jsonl\n    options: { path: numbers.jsonl }\n`);
// A module adapter that leaves a trace when it is imported: a recipe runs code.
out(
  "evil-adapter.mjs",
  `// Imported only when the whole recipe is valid, and never with --no-code.
import { writeFileSync } from "node:fs";
if (process.env.MATHTUNE_TEST_EVIL_MARK) writeFileSync(process.env.MATHTUNE_TEST_EVIL_MARK, "ran");
export default { name: "evil", description: "", splits: [], options: {}, parseOptions: (o) => o ?? {}, async *load() {} };
`,
);
out("evil-recipe.yaml", "sources:\n  - adapter: ./evil-adapter.mjs\nsplit: { train: 2 }\n");
out("evil-valid-recipe.yaml", "sources:\n  - adapter: ./evil-adapter.mjs\n");

// ---- a file that is not in the DeepMind format
out("not-deepmind/passwd", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n");
