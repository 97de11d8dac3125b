import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, cliPath, runCli } from "./helpers.js";

// The eval and compare verbs through the built CLI, against a loopback OpenAI-compatible server
// that answers with the problem's last number (real generation is tested in packages/eval).
let tmp = "";
let server: Server;
let url = "";
let testFile = "";

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(join(tmpdir(), "mt-cli-eval-"));
  testFile = join(tmp, "test.jsonl");
  const rows = [
    { id: "a", problem: "What is 2 + 5?", answer: "7", category: "add" },
    { id: "b", problem: "What is 3 + 3?", answer: "3", category: "add" },
    { id: "c", problem: "What is 4 * 2?", answer: "8", category: "mul" },
  ];
  await writeFile(testFile, rows.map((r) => JSON.stringify(r)).join("\n"));
  server = createServer((req, res) => {
    let data = "";
    req.on("data", (c: Buffer) => (data += c.toString()));
    req.on("end", () => {
      if (req.url === "/v1/models") return void res.end(JSON.stringify({ data: [{ id: "m" }] }));
      const body = JSON.parse(data) as { messages: { content: string }[] };
      const last = body.messages.at(-1)!.content.match(/\d+/g)!.at(-1);
      // "tuned" (its key) always says "Answer: 7"; "base" says the problem's last number without an answer line
      const tuned = req.headers.authorization === "Bearer tuned";
      // "slow" (its key) answers after 20 s: an evaluation that is still running when Ctrl-C comes
      if (req.headers.authorization === "Bearer slow") {
        const t = setTimeout(
          () => res.end(JSON.stringify({ choices: [{ message: { content: "Answer: 7" }, finish_reason: "stop" }] })),
          20_000,
        );
        res.on("close", () => clearTimeout(t));
        return;
      }
      res.end(
        JSON.stringify({
          choices: [{ message: { content: tuned ? "Answer: 7" : `perhaps it is ${last}` }, finish_reason: "stop" }],
          usage: { completion_tokens: 3 },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await rm(tmp, { recursive: true, force: true });
});

describe("mathtune eval / compare", () => {
  it("eval writes predictions and metrics, prints JSON events off a terminal; compare prints the table", async () => {
    const a = await runCli(["eval", "--model", `openai:${url}`, "--data", testFile, "--out", join(tmp, "base")], {
      cwd: tmp,
    });
    expect(a.code).toBe(0);
    const events = a.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string });
    expect(events.map((e) => e.type)).toEqual(["start", "prediction", "prediction", "prediction", "done"]);
    const m = JSON.parse(await readFile(join(tmp, "base", "metrics.json"), "utf8")) as {
      overall: { strict: { noAnswer: number }; flexible: { correct: number } };
    };
    expect(m.overall.strict.noAnswer).toBe(3);
    expect(m.overall.flexible.correct).toBe(1); // "perhaps it is 3" against gold 3; the 5 and the 2 are wrong (a bare "maybe 3" would now be read whole, as an expression)
    const b = await runCli(
      [
        "eval",
        "--model",
        `openai:${url}`,
        "--data",
        testFile,
        "--out",
        join(tmp, "tuned"),
        "--api-key-env",
        "TUNED_KEY",
      ],
      { cwd: tmp, env: { TUNED_KEY: "tuned" } },
    );
    expect(b.code).toBe(0);
    const c = await runCli(["compare", join(tmp, "base"), join(tmp, "tuned"), "--out", tmp, "--mode", "strict"], {
      cwd: tmp,
    });
    expect(c.code).toBe(0);
    expect(c.stdout).toContain("| **overall** | 3 | 0.0% | 33.3% | +33.3 | 1 | 0 | 1.000 |");
    expect(await readFile(join(tmp, "comparison.md"), "utf8")).toContain("| add | 2 |");
  });

  it("compare writes the run report into --out; `mathtune report` writes a run folder's report", async () => {
    // the "base" run of the test above, compared with itself: 3 problems, the same accuracy twice
    const out = join(tmp, "self");
    const c = await runCli(["compare", join(tmp, "base"), join(tmp, "base"), "--out", out, "--json"], { cwd: tmp });
    expect(c.code).toBe(0);
    expect(c.stdout.trim().split("\n")).toHaveLength(1); // one JSON line
    const cmp = JSON.parse(c.stdout) as { overall: { n: number; a: { accuracy: number } } };
    expect(cmp.overall.n).toBe(3);
    const pct = `${(cmp.overall.a.accuracy * 100).toFixed(1)}%`;
    const html = await readFile(join(out, "report.html"), "utf8");
    expect(html).toContain("<svg");
    expect(html).toContain(pct);
    expect(await readFile(join(out, "report.md"), "utf8")).toContain(pct);
    // `mathtune report` on the same folder writes the same page elsewhere
    const r = await runCli(["report", out, "--out", join(tmp, "again"), "--json"], { cwd: tmp });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    const written = JSON.parse(r.stdout) as { out: string; files: string[] };
    expect(written.files).toEqual(
      expect.arrayContaining([join(tmp, "again", "report.html"), join(tmp, "again", "report.md")]),
    );
    expect(await readFile(join(tmp, "again", "report.html"), "utf8")).toBe(html);
    const none = await runCli(["report", join(tmp, "nothing-here")], { cwd: tmp });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/error E_INPUT_NOT_FOUND: no run folder at .*nothing-here/);
  });

  it("bad input gives the E_* code and a non-zero exit", async () => {
    const notGguf = join(tmp, "model.gguf");
    await writeFile(notGguf, "hello");
    const r = await runCli(["eval", "--model", notGguf, "--data", testFile, "--out", join(tmp, "x")], { cwd: tmp });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error E_MODEL_NOT_GGUF: .*model\.gguf is not a GGUF model/);
    const noAnswers = join(tmp, "q.jsonl");
    await writeFile(noAnswers, `${JSON.stringify({ problem: "What is 1 + 1?" })}\n`);
    const q = await runCli(["eval", "--model", `openai:${url}`, "--data", noAnswers, "--out", join(tmp, "y")], {
      cwd: tmp,
    });
    expect(q.code).toBe(1);
    expect(q.stderr).toMatch(/error E_TEST_NO_ANSWER: .*q\.jsonl:1/);
    const m = await runCli(["compare", join(tmp, "base"), join(tmp, "nope")], { cwd: tmp });
    expect(m.stderr).toMatch(/error E_INPUT_NOT_FOUND/);
  });

  it("--json: the result alone on stdout; one Ctrl-C stops a running evaluation (exit 130, no metrics.json, nothing on stdout)", async () => {
    const ok = await runCli(
      ["eval", "--model", `openai:${url}`, "--data", testFile, "--out", join(tmp, "json"), "--json"],
      { cwd: tmp },
    );
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      type: "result",
      out: join(tmp, "json"),
      metrics: join(tmp, "json", "metrics.json"),
    });
    for (const l of ok.stderr.trim().split("\n")) expect(() => JSON.parse(l), l).not.toThrow();

    const out = join(tmp, "interrupted");
    const child = spawn(
      process.execPath,
      [
        cliPath,
        "eval",
        "--model",
        `openai:${url}`,
        "--data",
        testFile,
        "--out",
        out,
        "--api-key-env",
        "SLOW_KEY",
        "--json",
      ],
      {
        cwd: tmp,
        env: { ...process.env, SLOW_KEY: "slow" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    let sent = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (!sent && stderr.includes('"type":"start"')) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    const t0 = Date.now();
    const code = await new Promise<number | null>((res) => child.on("close", (c) => res(c)));
    expect(sent).toBe(true);
    expect(code).toBe(130);
    expect(Date.now() - t0).toBeLessThan(15_000); // not the slow server's 20 s
    expect(stdout).toBe("");
    const events = stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; code?: string; action?: string });
    expect(events).toContainEqual(expect.objectContaining({ type: "signal", signal: "SIGINT", action: "stop" }));
    expect(events.at(-1)).toMatchObject({ type: "error", code: "E_CANCELED", exitCode: 130 });
    expect(existsSync(join(out, "metrics.json"))).toBe(false);
  });
});
