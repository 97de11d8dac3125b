import type { BuildEvent, BuildResult } from "@mathtune/dataset";
import cliProgress from "cli-progress";

const fmt = new Intl.NumberFormat("en-US");

function eta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--";
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, "0")}s`;
}

export interface Reporter {
  onEvent(ev: BuildEvent): void;
  close(): void;
}

/** JSON events, one per line, for logs and pipelines. */
export function jsonReporter(stream: NodeJS.WritableStream): Reporter {
  return {
    onEvent(ev) {
      const { type } = ev;
      if (type === "done") {
        const { out, counts, elapsedMs } = ev.result;
        stream.write(`${JSON.stringify({ type, out, counts, elapsedMs })}\n`);
      } else stream.write(`${JSON.stringify(ev)}\n`);
    },
    close() {},
  };
}

/** A progress bar per source on a terminal: counts, rate and, when the size is known, an ETA. */
export function terminalReporter(stream: NodeJS.WriteStream): Reporter {
  let bar: cliProgress.SingleBar | undefined;
  let known = false;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  /** A bar whose work is done ends at 100%, even when the last progress event came before the end. */
  const finish = () => {
    if (bar && known && bar.getTotal() > 0) bar.update(bar.getTotal());
    stop();
  };
  const format = (opts: cliProgress.Options, params: cliProgress.Params, payload: Record<string, unknown>): string => {
    const rate = Number(payload.rate ?? 0);
    const counts =
      payload.writing === true
        ? `${fmt.format(Number(payload.read ?? 0))} written · ${fmt.format(Math.round(rate))} rec/s`
        : `${fmt.format(Number(payload.read ?? 0))} read · ${fmt.format(Number(payload.quarantined ?? 0))} quarantined · ${fmt.format(Math.round(rate))} rec/s`;
    const name = String(payload.source ?? "").padEnd(20);
    if (!known || params.total <= 0) return `  ${name} ${counts}`;
    const frac = Math.min(1, params.value / params.total);
    const width = 24;
    const filled = Math.round(frac * width);
    const elapsed = (Date.now() - params.startTime) / 1000;
    const left = frac > 0 ? (elapsed / frac) * (1 - frac) : Number.NaN;
    return `  ${name} ${(opts.barCompleteChar ?? "#").repeat(filled)}${(opts.barIncompleteChar ?? "-").repeat(width - filled)} ${String(Math.round(frac * 100)).padStart(3)}%  ${counts} · ETA ${eta(left)}`;
  };
  return {
    onEvent(ev) {
      switch (ev.type) {
        case "start":
          stream.write(`Building '${ev.recipe}' from ${ev.sources.length} source(s) into ${ev.out}\n`);
          break;
        case "source-start":
          stop();
          known = false;
          bar = new cliProgress.SingleBar(
            {
              stream,
              format,
              hideCursor: true,
              clearOnComplete: false,
              barCompleteChar: "█",
              barIncompleteChar: "░",
              fps: 8,
              etaBuffer: 50,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(0, 0, { source: ev.source, read: 0, quarantined: 0, rate: 0 });
          break;
        case "progress": {
          const payload = {
            source: ev.source,
            read: ev.read,
            quarantined: ev.quarantined,
            rate: ev.read / Math.max(ev.elapsedMs / 1000, 1e-3),
          };
          if (ev.totalBytes && ev.bytes !== undefined) {
            known = true;
            bar?.setTotal(ev.totalBytes);
            bar?.update(ev.bytes, payload);
          } else bar?.update(0, payload);
          break;
        }
        case "source-end": {
          const payload = {
            source: ev.source,
            read: ev.read,
            quarantined: ev.quarantined,
            rate: ev.read / Math.max(ev.elapsedMs / 1000, 1e-3),
          };
          if (known) bar?.update(bar.getTotal(), payload);
          else bar?.update(0, payload);
          stop();
          break;
        }
        case "phase":
          finish();
          if (ev.phase === "write") {
            known = true;
            bar = new cliProgress.SingleBar(
              {
                stream,
                format,
                hideCursor: true,
                clearOnComplete: false,
                barCompleteChar: "█",
                barIncompleteChar: "░",
                fps: 8,
              },
              cliProgress.Presets.shades_classic,
            );
            bar.start(1, 0, { source: "writing splits", read: 0, quarantined: 0, rate: 0, writing: true });
          }
          break;
        case "write-progress": {
          const payload = {
            source: "writing splits",
            read: ev.written,
            quarantined: 0,
            rate: ev.written / Math.max(ev.elapsedMs / 1000, 1e-3),
            writing: true,
          };
          bar?.setTotal(Math.max(ev.total, 1));
          bar?.update(ev.written, payload);
          break;
        }
        case "download":
          if (ev.event.type === "resolved" && ev.event.missingFiles > 0) {
            stream.write(
              `  ${ev.source}: downloading ${ev.event.missingFiles} file(s) of ${ev.event.repo}@${ev.event.commit.slice(0, 12)}, ${(ev.event.missingBytes / 1e6).toFixed(1)} MB\n`,
            );
          } else if (ev.event.type === "file-done" && !ev.event.cached)
            stream.write(`    ${ev.event.path} (${(ev.event.size / 1e6).toFixed(1)} MB)\n`);
          break;
        case "done":
          finish();
          break;
      }
    },
    close: stop,
  };
}

/** The summary table printed at the end of a build. */
export function summaryTable(result: BuildResult): string {
  const rows: string[][] = [["source", "adapter", "read", "written", "quarantined", "train", "validation", "test"]];
  for (const [name, c] of Object.entries(result.counts.sources)) {
    rows.push(
      [name, c.adapter, c.read, c.written, c.quarantined, c.splits.train, c.splits.validation, c.splits.test].map(
        (x): string => (typeof x === "number" ? fmt.format(x) : String(x)),
      ),
    );
  }
  const t = result.counts;
  rows.push(
    ["total", "", t.read, t.written, t.quarantined, t.splits.train, t.splits.validation, t.splits.test].map(
      (x): string => (typeof x === "number" ? fmt.format(x) : String(x)),
    ),
  );
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const sep = widths.map((w) => "-".repeat(w)).join("  ");
  const body = rows.map(line);
  body.splice(1, 0, sep);
  body.splice(body.length - 1, 0, sep);
  const codes = Object.entries(t.quarantineByCode)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([c, n]) => `${c} ${fmt.format(n)}`)
    .join(", ");
  return `${body.join("\n")}\n${codes ? `quarantined by code: ${codes}\n` : ""}`;
}
