import { deployDoctor } from "@mathtune/deploy";
import { doctor } from "@mathtune/train";
import { defineCommand } from "citty";
import { hubStatus } from "@mathtune/hub";
import { eventsAsJson, JSON_FLAG, writeResult } from "../output.js";

const mark = (ok: boolean) => (ok ? "ok " : "-- ");

export default defineCommand({
  meta: { name: "doctor", description: "Report Python, the venv, package versions, CUDA, llama.cpp and Ollama" },
  args: {
    venv: { type: "string", description: "venv folder to inspect" },
    python: { type: "string", description: "base Python to check (default: $MATHTUNE_PYTHON or python3)" },
    json: JSON_FLAG,
    "llama-cpp": {
      type: "string",
      description: "your own llama.cpp folder to check (default $MATHTUNE_LLAMA_CPP, else mathtune's cached build)",
    },
  },
  async run({ args }) {
    eventsAsJson(args.json);
    const d = await doctor({
      ...(args.venv ? { venv: args.venv } : {}),
      ...(args.python ? { basePython: args.python } : {}),
    });
    const hub = await hubStatus();
    const dep = await deployDoctor(args["llama-cpp"] ? { llamaCpp: args["llama-cpp"] } : {});
    writeResult(args.json, { ...d, hub, deploy: dep }, () => {
      const lines = [
        `${mark(true)}node ${d.node}`,
        `${mark(d.basePython.found)}python ${d.basePython.version ?? "not found"} (${d.basePython.path})`,
        `${mark(d.venv.ready)}venv ${d.venv.path}${d.venv.ready ? "" : " (not set up)"}`,
        ...Object.entries(d.packages).map(
          ([k, v]) =>
            `${mark(v !== null)}  ${k} ${v ?? (k === "bitsandbytes" ? "missing (needed only for 4-bit loading on CUDA)" : "missing")}`,
        ),
        `${mark(d.cuda.available)}cuda ${d.cuda.available ? `${d.cuda.version ?? ""} ${(d.cuda.devices ?? []).map((g) => g.name).join(", ")}${d.cuda.bf16 ? " (bf16)" : ""}` : "none (training runs on the CPU in fp32)"}`,
        `${mark(dep.llamaCpp.found)}llama.cpp ${dep.llamaCpp.found ? `${dep.llamaCpp.quantize} (${dep.llamaCpp.source}${dep.llamaCpp.commit ? ` ${dep.llamaCpp.commit}` : ""}; converters in ${dep.llamaCpp.dir})` : `not built (expected ${dep.llamaCpp.expected})`}`,
        `${mark(dep.ollama.found)}ollama ${dep.ollama.found ? `${dep.ollama.version ?? ""} ${dep.ollama.path} (${dep.ollama.source})` : `not found (expected ${dep.ollama.expected})`}; server ${dep.ollama.server.url} ${dep.ollama.server.reachable ? `up (${dep.ollama.server.version ?? "?"})` : "not reachable"}`,
        `${mark(true)}hub ${hub.endpoint}; cache ${hub.cacheDir} (${(hub.cacheBytes / 1e9).toFixed(2)} GB in ${hub.cacheFiles} files); token ${hub.tokenSet ? "set" : "not set (needed for gated models)"}${hub.offline ? "; offline (HF_HUB_OFFLINE)" : ""}`,
      ];
      return (
        `${lines.join("\n")}\n` +
        (d.problems.length ? `\nproblems:\n${d.problems.map((p) => `  - ${p}`).join("\n")}\n` : "") +
        (dep.problems.length
          ? `\ndeploy tools (needed only by \`mathtune deploy\`):\n${dep.problems.map((p) => `  - ${p}`).join("\n")}\n`
          : "")
      );
    });
    if (d.problems.length) process.exitCode = 1;
  },
});
