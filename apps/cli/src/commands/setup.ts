import { MathtuneError } from "@mathtune/core";
import { CPU_TORCH_INDEX, setup } from "@mathtune/train";
import { defineCommand } from "citty";
import { eventsAsJson, JSON_FLAG, writeEvent, writeNote, writeResult } from "../output.js";
import { withSignals } from "../signals.js";

export default defineCommand({
  meta: {
    name: "setup",
    description:
      "Create the project's Python venv with the pinned training requirements (idempotent). Downloads torch, transformers, peft and the rest from PyPI; on Linux torch is the CUDA build with its nvidia-* packages (a 5.6 GB venv) unless --cpu or --torch-index says otherwise",
  },
  args: {
    venv: { type: "string", description: "venv folder (default: $MATHTUNE_VENV or ~/.cache/mathtune/venv-<hash>)" },
    python: { type: "string", description: "Python 3.9+ that creates the venv (default: $MATHTUNE_PYTHON or python3)" },
    force: { type: "boolean", description: "reinstall even when the venv is up to date" },
    cuda: { type: "boolean", description: "include the CUDA extras (bitsandbytes); default: detected with nvidia-smi" },
    cpu: { type: "boolean", description: `CPU-only torch wheels (from ${CPU_TORCH_INDEX}) and no CUDA extras` },
    "torch-index": {
      type: "string",
      description:
        "package index to take the pinned torch from (e.g. a CUDA- or CPU-specific PyTorch index, or a mirror)",
    },
    quiet: { type: "boolean", description: "only print the result" },
    json: JSON_FLAG,
  },
  async run({ args }) {
    const json = eventsAsJson(args.json);
    if (args.cpu && args.cuda) throw new MathtuneError("E_CONFIG_INVALID", "--cpu and --cuda exclude each other");
    if (args.cpu && args["torch-index"])
      throw new MathtuneError(
        "E_CONFIG_INVALID",
        "--cpu takes torch from the CPU index; leave out --torch-index, or pass only --torch-index",
      );
    const torchIndex = args["torch-index"] ?? (args.cpu ? CPU_TORCH_INDEX : undefined);
    if (torchIndex !== undefined && !/^(https?|file):\/\//.test(torchIndex)) {
      throw new MathtuneError(
        "E_CONFIG_INVALID",
        `--torch-index must be a URL (https://..., file://...), got '${torchIndex}'`,
      );
    }
    const r = await withSignals(
      (signal) =>
        setup({
          ...(args.venv ? { venv: args.venv } : {}),
          ...(args.python ? { basePython: args.python } : {}),
          ...(args.force ? { force: true } : {}),
          ...(args.cpu ? { cuda: false } : args.cuda !== undefined ? { cuda: args.cuda } : {}),
          ...(torchIndex ? { torchIndex } : {}),
          signal,
          onEvent: (e) => {
            if (args.quiet) return;
            if (json) writeEvent(e);
            else writeNote(e.type === "pip" ? `  ${e.line}` : e.message);
          },
        }),
      { json, stopping: "stopping the installation" },
    );
    writeResult(args.json, r, () =>
      r.changed
        ? `Python environment ready at ${r.venv} (${r.seconds.toFixed(0)} s)`
        : `Python environment at ${r.venv} is up to date`,
    );
  },
});
