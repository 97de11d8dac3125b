import { doctor } from "@mathtune/train";
import { defineCommand } from "citty";
import { hubStatus } from "@mathtune/hub";

const mark = (ok: boolean) => (ok ? "ok " : "-- ");

export default defineCommand({
  meta: { name: "doctor", description: "Report Python, the venv, package versions, CUDA, llama.cpp and Ollama" },
  args: {
    venv: { type: "string", description: "venv folder to inspect" },
    python: { type: "string", description: "base Python to check (default: $MATHTUNE_PYTHON or python3)" },
    json: { type: "boolean", description: "print the report as JSON" },
  },
  async run({ args }) {
    const d = await doctor({ ...(args.venv ? { venv: args.venv } : {}), ...(args.python ? { basePython: args.python } : {}) });
    const hub = await hubStatus();
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ ...d, hub }, null, 2)}\n`);
    } else {
      const lines = [
        `${mark(true)}node ${d.node}`,
        `${mark(d.basePython.found)}python ${d.basePython.version ?? "not found"} (${d.basePython.path})`,
        `${mark(d.venv.ready)}venv ${d.venv.path}${d.venv.ready ? "" : " (not set up)"}`,
        ...Object.entries(d.packages).map(([k, v]) => `${mark(v !== null)}  ${k} ${v ?? (k === "bitsandbytes" ? "missing (needed only for 4-bit loading on CUDA)" : "missing")}`),
        `${mark(d.cuda.available)}cuda ${d.cuda.available ? `${d.cuda.version ?? ""} ${(d.cuda.devices ?? []).map((g) => g.name).join(", ")}${d.cuda.bf16 ? " (bf16)" : ""}` : "none (training runs on the CPU in fp32)"}`,
        `${mark(d.llamaCpp.found)}llama.cpp ${d.llamaCpp.quantize ?? "not found (set MATHTUNE_LLAMA_CPP)"}`,
        `${mark(d.ollama.found)}ollama ${d.ollama.found ? `${d.ollama.version ?? ""} ${d.ollama.path}` : "not found"}; server ${d.ollama.server.url} ${d.ollama.server.reachable ? `up (${d.ollama.server.version ?? "?"})` : "not reachable"}`,
        `${mark(true)}hub ${hub.endpoint}; cache ${hub.cacheDir} (${(hub.cacheBytes / 1e9).toFixed(2)} GB in ${hub.cacheFiles} files); token ${hub.tokenSet ? "set" : "not set (needed for gated models)"}${hub.offline ? "; offline (HF_HUB_OFFLINE)" : ""}`,
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
      if (d.problems.length) process.stdout.write(`\nproblems:\n${d.problems.map((p) => `  - ${p}`).join("\n")}\n`);
    }
    if (d.problems.length) process.exitCode = 1;
  },
});
