import { readFileSync } from "node:fs";
import { MathtuneError, didYouMean } from "@mathtune/core";
import { defineCommand, renderUsage, runCommand } from "citty";
import type { ArgDef, CommandDef } from "citty";
import { jsonWasRequested, resetJsonRequested } from "./output.js";

// Subcommands load on first use, so `mathtune build` never pays for the training code.
const lazy = (load: () => Promise<{ default: unknown }>) => () => load().then((m) => m.default as CommandDef);

/** This package's version, read from its package.json (dist/index.js and src/index.ts both sit one folder below it). */
export function version(): string {
  return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

export const main = defineCommand({
  meta: {
    name: "mathtune",
    description:
      "Build math instruction datasets, fine-tune small models with LoRA, deploy them as GGUF and Ollama models, and evaluate them.",
  },
  subCommands: {
    build: lazy(() => import("./commands/build.js")),
    schema: lazy(() => import("./commands/schema.js")),
    setup: lazy(() => import("./commands/setup.js")),
    doctor: lazy(() => import("./commands/doctor.js")),
    train: lazy(() => import("./commands/train.js")),
    merge: lazy(() => import("./commands/merge.js")),
    eval: lazy(() => import("./commands/eval.js")),
    compare: lazy(() => import("./commands/compare.js")),
    report: lazy(() => import("./commands/report.js")),
    deploy: lazy(() => import("./commands/deploy.js")),
    model: lazy(() => import("./commands/model.js")),
    run: lazy(() => import("./commands/run.js")),
  },
});

type Loader = () => Promise<CommandDef>;
const subCommandsOf = (cmd: CommandDef) => (cmd.subCommands ?? {}) as Record<string, Loader | CommandDef>;
const resolve = async <T>(v: T | (() => T | Promise<T>)): Promise<T> =>
  typeof v === "function" ? await (v as () => T | Promise<T>)() : v;

const usageError = (message: string, hint?: string) => new MathtuneError("E_USAGE", message, hint ? { hint } : {});

/** citty's usage text, without its Markdown backticks. */
async function usage(cmd: CommandDef, parent?: CommandDef): Promise<string> {
  return (await renderUsage(cmd, parent)).replaceAll("`", "");
}

/** Finds the (sub)command the arguments name: [command, its parent, the arguments left for it]. */
async function findCommand(argv: string[]): Promise<[CommandDef, CommandDef | undefined, string[], string]> {
  let cmd: CommandDef = main;
  let parent: CommandDef | undefined;
  let rest = argv;
  let path = "mathtune";
  for (;;) {
    const subs = subCommandsOf(cmd);
    const names = Object.keys(subs);
    if (!names.length || !rest.length || rest[0]!.startsWith("-")) return [cmd, parent, rest, path];
    const name = rest[0]!;
    if (!Object.hasOwn(subs, name)) {
      throw usageError(
        `unknown command '${name}'${didYouMean(name, names)}`,
        `commands: ${names.join(", ")}; see '${path} --help'`,
      );
    }
    parent = cmd;
    cmd = await resolve(subs[name]!);
    rest = rest.slice(1);
    path = `${path} ${name}`;
  }
}

/**
 * Checks the arguments of a command against its definition, as citty does not: unknown options,
 * an option without its value, too many positional arguments. Returns them normalised for citty's
 * parser (`--name=value`, so a value such as `-1` is read as a value, not as an option).
 */
export function checkArgs(args: Record<string, ArgDef>, argv: string[], path: string): string[] {
  const byFlag = new Map<string, [string, ArgDef]>();
  const positionals: string[] = [];
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") {
      positionals.push(name);
      continue;
    }
    const alias = (def as { alias?: string | string[] }).alias;
    const aliases = alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];
    for (const n of [name, ...aliases]) byFlag.set(n, [name, def]);
    if (def.type === "boolean") byFlag.set(`no-${name}`, [name, def]);
  }
  const flags = [...byFlag.keys()]
    .filter((k) => !k.startsWith("no-"))
    .map((k) => (k.length === 1 ? `-${k}` : `--${k}`));
  const out: string[] = [];
  let seen = 0;
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]!;
    if (tok === "--") {
      seen += argv.length - i - 1;
      out.push(...argv.slice(i));
      break;
    }
    if (tok.startsWith("-") && tok !== "-") {
      const m = /^--?([^=]+)(?:=(.*))?$/s.exec(tok);
      const key = m?.[1] ?? tok;
      const entry = byFlag.get(key);
      if (!m || !entry || (tok.startsWith("--") ? false : key.length !== 1)) {
        throw usageError(
          `unknown option '${tok}' for '${path}'${didYouMean(tok.split("=")[0]!, flags)}`,
          `see '${path} --help'`,
        );
      }
      const [name, def] = entry;
      if (def.type === "string") {
        let value = m[2];
        if (value === undefined) {
          const next = argv[i + 1];
          // A value may start with '-' only when it is a number (`--seed -1`); the command then checks it.
          if (next === undefined || (next.startsWith("-") && !/^-\d/.test(next)))
            throw usageError(`option '${tok}' needs a value`, `see '${path} --help'`);
          value = next;
          i++;
        }
        if (value === "") throw usageError(`option '${tok}' needs a value, got an empty one`);
        out.push(`--${name}=${value}`);
      } else {
        if (m[2] !== undefined) throw usageError(`option '--${key}' takes no value (got '${m[2]}')`);
        out.push(tok);
      }
      continue;
    }
    seen++;
    if (seen > positionals.length) {
      throw usageError(
        `unexpected argument '${tok}' for '${path}'`,
        positionals.length
          ? `it takes ${positionals.map((p) => p.toUpperCase()).join(" ")} at most; see '${path} --help'`
          : `it takes no positional arguments; see '${path} --help'`,
      );
    }
    out.push(tok);
  }
  return out;
}

/** Codes that mean the user asked for something refused or malformed (exit code 2). */
const USAGE_CODES = new Set<string>([
  "E_USAGE",
  "E_CONFIG_INVALID",
  "E_OPTIONS_INVALID",
  "E_ADAPTER_NOT_FOUND",
  "E_CODE_REFUSED",
  "E_OUTPUT_UNSAFE",
  "E_OUTPUT_NOT_OURS",
]);

/** The exit code for an error: 2 for the user's mistakes in the command line or a recipe, 130 canceled, else 1. */
export function exitCodeOf(e: MathtuneError): number {
  const own = e.details?.exitCode;
  if (typeof own === "number") return own;
  if (e.code === "E_CANCELED") return 130;
  return USAGE_CODES.has(e.code) ? 2 : 1;
}

/** Runs the CLI with the given arguments; sets process.exitCode, never exits. */
export async function run(argv: string[]): Promise<void> {
  resetJsonRequested();
  try {
    if (argv[0] === "--version" || argv[0] === "-v") {
      if (argv.length > 1) throw usageError(`'${argv[0]}' takes no arguments`);
      process.stdout.write(`${version()}\n`);
      return;
    }
    if (!argv.length) {
      process.stdout.write(`${await usage(main)}\n`);
      return;
    }
    if (argv[0] === "help") {
      // `mathtune help --help` is the top-level help, like `mathtune help`.
      const names = argv.slice(1).filter((a, i, all) => !((a === "--help" || a === "-h") && i === all.length - 1));
      const [cmd, parent, rest] = await findCommand(names);
      if (rest.length) throw usageError(`'mathtune help' takes command names only (got '${rest[0]}')`);
      process.stdout.write(`${await usage(cmd, parent)}\n`);
      return;
    }
    const [cmd, parent, rest, path] = await findCommand(argv);
    if (rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write(`${await usage(cmd, parent)}\n`);
      return;
    }
    if (cmd === main) throw usageError(`unknown option '${rest[0]}'`, "see 'mathtune --help'");
    const checked = checkArgs((await resolve(cmd.args ?? {})) as Record<string, ArgDef>, rest, path);
    const required = Object.entries((await resolve(cmd.args ?? {})) as Record<string, ArgDef>).filter(
      ([name, def]) =>
        def.type !== "positional" &&
        (def as { required?: boolean }).required &&
        !checked.some((a) => a.startsWith(`--${name}=`)),
    );
    if (required.length)
      throw usageError(`'${path}' needs ${required.map(([n]) => `--${n}`).join(", ")}`, `see '${path} --help'`);
    await runCommand(cmd, { rawArgs: checked });
  } catch (e) {
    // A verb given --json keeps its stderr JSON lines to the end: the error is the last event.
    const report = (
      code: string,
      message: string,
      exitCode: number,
      extra: Record<string, unknown> = {},
      note = "",
    ) => {
      process.exitCode = exitCode;
      if (jsonWasRequested())
        process.stderr.write(`${JSON.stringify({ type: "error", code, message, ...extra, exitCode })}\n`);
      else process.stderr.write(`error ${code}: ${message}\n${note}`);
    };
    if (e instanceof MathtuneError) {
      report(e.code, e.message, exitCodeOf(e), {
        ...(e.location ? { location: e.location } : {}),
        ...(e.hint ? { hint: e.hint } : {}),
      });
    } else if (e instanceof Error && /Unknown command|Missing required|No command specified/i.test(e.message)) {
      report("E_USAGE", e.message.replaceAll("`", "'"), 2);
    } else {
      // A bug: the stack helps its report, but only on request.
      const debug = process.env.MATHTUNE_DEBUG === "1";
      const text = e instanceof Error ? (debug ? (e.stack ?? e.message) : e.message) : String(e);
      const hint = "a bug in mathtune: rerun with MATHTUNE_DEBUG=1 for the stack trace, and report it";
      report("E_INTERNAL", text, 1, debug ? {} : { hint }, debug ? "" : `(${hint})\n`);
    }
  }
}
