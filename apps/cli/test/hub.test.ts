/** `--model <Hub id>` for train and merge, against a loopback Hub. */
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HubServer, startHubServer } from "@mathtune/hub/testing";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { modelPath } from "../src/hub.js";

let server: HubServer;
const saved = { ...process.env };

beforeAll(async () => {
  server = await startHubServer([
    {
      type: "model",
      name: "acme/tiny",
      files: [
        { path: "config.json", content: "{}" },
        { path: "tokenizer.json", content: "{}" },
        { path: "model.safetensors", content: new Uint8Array(5000).fill(3) },
        { path: "flax_model.msgpack", content: new Uint8Array(100) },
      ],
    },
  ]);
  for (const k of ["HF_TOKEN", "HF_HOME", "HF_HUB_OFFLINE"]) delete process.env[k];
  process.env.HF_ENDPOINT = server.url;
  process.env.HF_HUB_CACHE = await mkdtemp(join(tmpdir(), "mt-cli-hub-"));
});
afterAll(async () => {
  process.env = saved;
  await server.close();
});

it("a Hub id becomes a snapshot folder with the model's files, with JSON download events on stderr", async () => {
  const lines: string[] = [];
  const spy = vi
    .spyOn(process.stderr, "write")
    .mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
  let path: string;
  try {
    path = await modelPath("acme/tiny", { json: true });
  } finally {
    spy.mockRestore();
  }
  expect(path).toBe(
    join(process.env.HF_HUB_CACHE!, "models--acme--tiny", "snapshots", server.commit("model", "acme/tiny")),
  );
  expect((await readdir(path)).sort()).toEqual(["config.json", "model.safetensors", "tokenizer.json"]);
  const events = lines.map((l) => JSON.parse(l) as { type: string; event: { type: string } });
  expect(events.every((e) => e.type === "download")).toBe(true);
  expect(events.map((e) => e.event.type)).toContain("file-done");
  // A local folder is passed through untouched.
  expect(await modelPath(path, { json: true })).toBe(path);
});
