import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { terminalReporter } from "../src/progress.js";

/** A terminal that keeps what is drawn: cli-progress draws only on a TTY. */
function fakeTerminal() {
  const frames: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      frames.push(chunk.toString());
      cb();
    },
  }) as unknown as NodeJS.WriteStream & { frames: string[] };
  Object.assign(stream, {
    frames,
    isTTY: true,
    columns: 200,
    cursorTo: (_x: number, _y?: number, cb?: () => void) => (cb?.(), true),
    clearLine: (_d: number, cb?: () => void) => (cb?.(), true),
    moveCursor: (_x: number, _y: number, cb?: () => void) => (cb?.(), true),
  });
  return stream;
}

const percents = (frames: string[]) => frames.flatMap((f) => [...f.matchAll(/(\d+)%/g)].map((m) => Number(m[1])));

describe("terminalReporter", () => {
  it("ends every bar at 100%, even when the last progress event came before the end", () => {
    const term = fakeTerminal();
    const r = terminalReporter(term);
    r.onEvent({ type: "start", recipe: "r", sources: ["a"], out: "/tmp/x" } as never);
    r.onEvent({ type: "source-start", source: "a", adapter: "synthetic" } as never);
    r.onEvent({
      type: "progress",
      source: "a",
      read: 10,
      kept: 10,
      quarantined: 0,
      elapsedMs: 100,
      bytes: 640,
      totalBytes: 3000,
    } as never);
    r.onEvent({ type: "source-end", source: "a", read: 50, kept: 50, quarantined: 0, elapsedMs: 400 } as never);
    const afterSource = percents(term.frames);
    expect(afterSource.at(-1)).toBe(100);
    r.onEvent({ type: "phase", phase: "split" } as never);
    r.onEvent({ type: "phase", phase: "write" } as never);
    r.onEvent({ type: "write-progress", written: 20, total: 50, elapsedMs: 100 } as never);
    term.frames.length = 0;
    r.onEvent({ type: "phase", phase: "finalize" } as never);
    expect(percents(term.frames).at(-1)).toBe(100);
    r.close();
  });
});
