/** The built-in template is bundled as a string (no file read, so the package works in a browser): the same text as templates/. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { QWEN25_CHAT_TEMPLATE } from "../src/index.js";
import { QWEN25_CHATML_JINJA } from "../src/qwen25-chatml.js";

describe("the bundled Qwen2.5 template", () => {
  it("is templates/qwen2.5-chatml.jinja byte for byte (regenerate with `node scripts/template-module.mjs`)", () => {
    const file = readFileSync(new URL("../templates/qwen2.5-chatml.jinja", import.meta.url));
    expect(Buffer.from(QWEN25_CHATML_JINJA, "utf8").equals(file)).toBe(true);
    expect(QWEN25_CHAT_TEMPLATE).toBe(QWEN25_CHATML_JINJA);
  });
});
