import { MathtuneError } from "@mathtune/core";
import { defineCommand, renderUsage, runCommand } from "citty";
import type { CommandDef } from "citty";

// Subcommands load on first use, so `mathtune build` never pays for the training code.
const lazy = (load: () => Promise<{ default: unknown }>) => () => load().then((m) => m.default as CommandDef);

export const main = defineCommand({
  meta: { name: "mathtune", description: "Build math instruction datasets, fine-tune small models with LoRA, deploy and evaluate them." },
  subCommands: {
    build: lazy(() => import("./commands/build.js")),
    setup: lazy(() => import("./commands/setup.js")),
    doctor: lazy(() => import("./commands/doctor.js")),
    train: lazy(() => import("./commands/train.js")),
    merge: lazy(() => import("./commands/merge.js")),
    model: lazy(() => import("./commands/model.js")),
  },
});

/** Runs the CLI with the given arguments; sets process.exitCode, never exits. */
export async function run(argv: string[]): Promise<void> {
  try {
    if (!argv.length || argv[0] === "--help" || argv[0] === "-h") {
      process.stdout.write(`${await renderUsage(main)}\n`);
      return;
    }
    if (argv.includes("--help") || argv.includes("-h")) {
      const subs = main.subCommands as Record<string, () => Promise<CommandDef>>;
      const load = Object.hasOwn(subs, argv[0]!) ? subs[argv[0]!] : undefined;
      if (load) {
        process.stdout.write(`${await renderUsage(await load(), main)}\n`);
        return;
      }
    }
    await runCommand(main, { rawArgs: argv });
  } catch (e) {
    if (e instanceof MathtuneError) {
      process.stderr.write(`error ${e.code}: ${e.message}\n`);
      process.exitCode = e.code === "E_CANCELED" ? 130 : e.code === "E_CONFIG_INVALID" || e.code === "E_OPTIONS_INVALID" ? 2 : 1;
    } else if (e instanceof Error && /Unknown command|Missing required/i.test(e.message)) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`error E_INTERNAL: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    }
  }
}
