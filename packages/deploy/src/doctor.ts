import { execa } from "execa";
import { OllamaClient } from "./ollama.js";
import {
  cpuLevel,
  findLlamaCpp,
  findOllama,
  LLAMA_CPP_ENV,
  llamaCppBundleCommit,
  llamaCppCachePaths,
  OLLAMA_ENV,
  OLLAMA_VERSION,
  ollamaCachePath,
} from "./tools.js";

/** What `deployDoctor` found: llama.cpp, Ollama (binary and server), and what is missing. */
export interface DeployDoctorReport {
  llamaCpp: {
    found: boolean;
    dir?: string;
    quantize?: string;
    source?: string;
    commit?: string;
    expected: string;
    problem?: string;
  };
  ollama: {
    found: boolean;
    path?: string;
    source?: string;
    version?: string;
    expected: string;
    server: { url: string; reachable: boolean; version?: string };
  };
  /** What is missing, each with the command that fixes it. */
  problems: string[];
}

/** Which llama.cpp and which Ollama `mathtune deploy` would use, and whether an Ollama server answers. Never throws. */
export async function deployDoctor(
  opts: { llamaCpp?: string; ollama?: string; host?: string } = {},
): Promise<DeployDoctorReport> {
  const problems: string[] = [];
  let commit = "?";
  try {
    commit = await llamaCppBundleCommit();
  } catch {
    /* reported below */
  }
  const expected = commit === "?" ? "node-llama-cpp's bundle (not readable)" : llamaCppCachePaths(commit).quantize;
  const report: DeployDoctorReport = {
    llamaCpp: { found: false, expected },
    ollama: {
      found: false,
      expected: ollamaCachePath().exe,
      server: { url: new OllamaClient(opts.host).host, reachable: false },
    },
    problems,
  };
  try {
    const l = await findLlamaCpp(opts);
    if (l)
      report.llamaCpp = {
        ...report.llamaCpp,
        found: true,
        dir: l.dir,
        quantize: l.quantize,
        source: l.source,
        ...(l.commit ? { commit: l.commit } : {}),
      };
    else
      problems.push(
        `llama.cpp: not built yet (${expected}); run \`mathtune deploy --setup\` (or bash scripts/setup-tools.sh), or set ${LLAMA_CPP_ENV} to your llama.cpp`,
      );
  } catch (e) {
    report.llamaCpp.problem = (e as Error).message;
    problems.push(`llama.cpp: ${(e as Error).message}`);
  }
  const o = await findOllama(opts.ollama ? { ollama: opts.ollama } : {});
  if (o) {
    const r = await execa(o.path, ["--version"], {
      reject: false,
      timeout: 10_000,
      env: { OLLAMA_HOST: "127.0.0.1:1" },
    });
    const m = /(\d+\.\d+\.\d+\S*)/.exec(`${r.stdout}\n${r.stderr}`);
    // A `go install` build has no version stamped in (it says 0.0.0): the cache folder names it.
    const version = m?.[1] && m[1] !== "0.0.0" ? m[1] : o.version;
    report.ollama = { ...report.ollama, found: true, path: o.path, source: o.source, ...(version ? { version } : {}) };
  } else {
    problems.push(
      `ollama: not found; run \`mathtune deploy --setup\` to build Ollama ${OLLAMA_VERSION} for ${cpuLevel()} (needs Go 1.24+), or install it from https://ollama.com and set ${OLLAMA_ENV}`,
    );
  }
  try {
    report.ollama.server.version = await new OllamaClient(opts.host).version();
    report.ollama.server.reachable = true;
  } catch {
    /* not running: fine */
  }
  return report;
}
