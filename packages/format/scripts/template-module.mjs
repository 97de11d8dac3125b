// Writes src/qwen25-chatml.ts from templates/qwen2.5-chatml.jinja (run after editing the template).
import { readFileSync, writeFileSync } from "node:fs";

const root = new URL("..", import.meta.url);
const src = readFileSync(new URL("templates/qwen2.5-chatml.jinja", root), "utf8");
const head = readFileSync(new URL("src/qwen25-chatml.ts", root), "utf8").split("export const")[0];
writeFileSync(
  new URL("src/qwen25-chatml.ts", root),
  `${head}export const QWEN25_CHATML_JINJA = ${JSON.stringify(src)};\n`,
);
