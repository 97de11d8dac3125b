/** withSignals, the one signal handling of every verb, and eventsAsJson, in-process. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { eventsAsJson, jsonWasRequested, resetJsonRequested } from "../src/output.js";
import { withSignals } from "../src/signals.js";

afterEach(() => {
  vi.restoreAllMocks();
  resetJsonRequested();
});

/** Captures stderr while `fn` runs. */
function captureStderr(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation(
    (chunk: string | Uint8Array) => (lines.push(String(chunk)), true),
  );
  return lines;
}

/** Resolves once `signal` aborts. */
const aborted = (signal: AbortSignal) =>
  new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener("abort", () => r(), { once: true })));

describe("eventsAsJson", () => {
  it("is JSON with --json, or whenever stderr is not a terminal; only --json is remembered for the error report", () => {
    expect(eventsAsJson(undefined, { isTTY: true })).toBe(false);
    expect(eventsAsJson(false, { isTTY: true })).toBe(false);
    expect(jsonWasRequested()).toBe(false);
    expect(eventsAsJson(false, { isTTY: false })).toBe(true);
    expect(eventsAsJson(undefined, {})).toBe(true);
    expect(jsonWasRequested()).toBe(false);
    expect(eventsAsJson(true, { isTTY: true })).toBe(true);
    expect(jsonWasRequested()).toBe(true);
  });
});

describe("withSignals", () => {
  it("with a child: the first signal aborts stop, the second kill, the third exits 130; JSON notices; handlers removed after", async () => {
    const lines = captureStderr();
    const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never);
    const before = [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];
    const seen: string[] = [];
    const value = await withSignals(
      async (stop, kill) => {
        process.emit("SIGTERM", "SIGTERM");
        await aborted(stop);
        seen.push(`stop:${String((stop.reason as Error).message)} kill:${kill.aborted}`);
        process.emit("SIGINT", "SIGINT");
        await aborted(kill);
        seen.push("kill");
        expect(exit).not.toHaveBeenCalled();
        process.emit("SIGINT", "SIGINT");
        return 7;
      },
      { json: true, stopping: "stopping after this step", child: "the trainer" },
    );
    expect(value).toBe(7);
    expect(seen).toEqual(["stop:SIGTERM kill:false", "kill"]);
    expect(exit).toHaveBeenCalledWith(130);
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      {
        type: "signal",
        signal: "SIGTERM",
        count: 1,
        action: "stop",
        message: "SIGTERM: stopping after this step (Ctrl-C again to kill the trainer at once)",
      },
      {
        type: "signal",
        signal: "SIGINT",
        count: 2,
        action: "kill",
        message: "SIGINT: killing the trainer (Ctrl-C again to exit at once)",
      },
      { type: "signal", signal: "SIGINT", count: 3, action: "exit", message: "SIGINT again: stopping now" },
    ]);
    expect([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")]).toEqual(before);
  });

  it("without a child: the second signal exits 130 at once; notices for people off --json", async () => {
    const lines = captureStderr();
    const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never);
    await withSignals(async (stop, kill) => {
      process.emit("SIGINT", "SIGINT");
      expect(stop.aborted).toBe(true);
      process.emit("SIGINT", "SIGINT");
      expect(kill.aborted).toBe(false);
    });
    expect(exit).toHaveBeenCalledWith(130);
    expect(lines.join("")).toBe(
      "\nSIGINT: stopping cleanly (Ctrl-C again to stop at once)\n\nSIGINT again: stopping now\n",
    );
  });

  it("removes its handlers when fn fails", async () => {
    const before = process.listenerCount("SIGINT");
    await expect(withSignals(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(process.listenerCount("SIGINT")).toBe(before);
  });
});
