import { setup } from "@mathtune/train";
import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "setup", description: "Create the project's Python venv with the pinned training requirements (idempotent)" },
  args: {
    venv: { type: "string", description: "venv folder (default: $MATHTUNE_VENV or ~/.cache/mathtune/venv-<hash>)" },
    python: { type: "string", description: "Python 3.9+ that creates the venv (default: $MATHTUNE_PYTHON or python3)" },
    force: { type: "boolean", description: "reinstall even when the venv is up to date" },
    cuda: { type: "boolean", description: "include the CUDA extras (bitsandbytes); default: detected with nvidia-smi" },
    quiet: { type: "boolean", description: "only print the result" },
  },
  async run({ args }) {
    const ac = new AbortController();
    const onSigint = () => ac.abort();
    process.once("SIGINT", onSigint);
    try {
      const r = await setup({
        ...(args.venv ? { venv: args.venv } : {}),
        ...(args.python ? { basePython: args.python } : {}),
        ...(args.force ? { force: true } : {}),
        ...(args.cuda !== undefined ? { cuda: args.cuda } : {}),
        signal: ac.signal,
        onEvent: (e) => {
          if (args.quiet) return;
          process.stderr.write(`${e.type === "pip" ? `  ${e.line}` : e.message}\n`);
        },
      });
      process.stdout.write(
        r.changed
          ? `Python environment ready at ${r.venv} (${r.seconds.toFixed(0)} s)\n`
          : `Python environment at ${r.venv} is up to date\n`,
      );
    } finally {
      process.off("SIGINT", onSigint);
    }
  },
});
