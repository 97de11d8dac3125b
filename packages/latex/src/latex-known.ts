import { LATEX_COMMANDS_BY_PACKAGE } from "./latex-commands.js";

let latexKnown: Map<string, string> | undefined;

/**
 * The package that defines a command (`\\root`, `\\toprule`) or an environment (`tabular`,
 * `align*`) in LaTeX: `latex` for the kernel, else the package's name; undefined when neither
 * LaTeX nor the common packages define it (see scripts/latex-commands.mjs and the README).
 */
export function latexDefines(name: string): string | undefined {
  if (!latexKnown) {
    latexKnown = new Map();
    for (const [pkg, names] of Object.entries(LATEX_COMMANDS_BY_PACKAGE))
      for (const n of names.split(" ")) if (n && !latexKnown.has(n)) latexKnown.set(n, pkg);
  }
  if (name.startsWith("\\")) return latexKnown.get(name.slice(1));
  // an environment is the commands \name and \endname
  const pkg = latexKnown.get(name);
  return pkg !== undefined && latexKnown.has(`end${name}`)
    ? pkg
    : name.endsWith("*") && latexKnown.has(name)
      ? pkg
      : undefined;
}
