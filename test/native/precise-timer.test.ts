// native/precise_timer.c lifetimes: arm, disarm and close after close() are no-ops (the struct
// was freed by libuv; the object no longer wraps it), and a timer collected without close() is
// closed by its finalizer. In a child process, so that a use after free cannot take the test
// runner down with it.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("precise timer lifetime", () => {
  it("calls after close() touch nothing: the timers that took the freed slot never fire, nothing crashes", () => {
    const script = new URL("./precise-timer-lifetime.js", import.meta.url).pathname;
    const r = spawnSync(process.execPath, ["--expose-gc", script], { encoding: "utf8", timeout: 20_000 });
    expect(r.status, `exit ${r.status} signal ${r.signal}: ${r.stderr}`).toBe(0);
    const out = JSON.parse(r.stdout) as { a: number; others: number; closed: boolean; invalidThrows: boolean; gc: boolean };
    expect(out).toEqual({ a: 1, others: 0, closed: true, invalidThrows: true, gc: true });
  });
});
