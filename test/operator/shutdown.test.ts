// Shutdown (src/operator/shutdown.ts): keepalived core/main.c sigend -> stop_keepalived. A stop
// that fails still runs the shutdown script, removes the pid files and exits, with the failure
// logged and status 1. Before, a rejected runtime.stop left the process to die on an unhandled
// rejection: no shutdown script, pid files left naming a dead process.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { Shutdown, type ShutdownParts } from "../../src/operator/shutdown.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function parts(over: Partial<ShutdownParts> & { stopFails?: boolean; scriptFails?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-shutdown-"));
  dirs.push(dir);
  const pidFiles = [join(dir, "keepalived.pid"), join(dir, "vrrp.pid")];
  for (const f of pidFiles) writeFileSync(f, `${process.pid}\n`);
  const steps: string[] = [];
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: "info" }, { write: (s: string) => void lines.push(JSON.parse(s) as { level: number; msg: string }) });
  const exits: number[] = [];
  const p: ShutdownParts = {
    log,
    views: { close: () => void steps.push("views.close") },
    runtime: {
      stop: async () => {
        steps.push("runtime.stop");
        if (over.stopFails) throw new Error("EPERM: removing VIP 192.0.2.1");
      },
      close: () => void steps.push("runtime.close"),
    },
    startStop: {
      abortStartup: () => void steps.push("abortStartup"),
      runShutdown: async () => {
        steps.push("runShutdown");
        if (over.scriptFails) throw new Error("shutdown script vanished");
      },
    },
    pidFiles,
    inStartupScript: () => false,
    notify: (s) => void steps.push(`notify ${s}`),
    exit: (code) => void exits.push(code),
    ...over,
  };
  return { shutdown: new Shutdown(p), steps, lines, exits, pidFiles };
}

describe("Shutdown", () => {
  it("stops VRRP, runs the shutdown script, removes the pid files and exits 0", async () => {
    const t = parts();
    await t.shutdown.run("SIGTERM");
    expect(t.steps).toEqual(["notify STOPPING=1", "views.close", "runtime.stop", "runShutdown"]);
    expect(t.pidFiles.filter((f) => existsSync(f))).toEqual([]);
    expect(t.exits).toEqual([0]);
  });

  it("a failed stop still runs the shutdown script, removes the pid files and exits 1 with the error logged", async () => {
    const t = parts({ stopFails: true });
    await expect(t.shutdown.run("SIGTERM")).resolves.toBeUndefined();
    expect(t.steps).toEqual(["notify STOPPING=1", "views.close", "runtime.stop", "runtime.close", "runShutdown"]);
    expect(t.pidFiles.filter((f) => existsSync(f))).toEqual([]);
    expect(t.exits).toEqual([1]);
    expect(t.lines.some((l) => l.level >= 50 && /stopping VRRP failed/.test(l.msg))).toBe(true);
  });

  it("a failed shutdown script still removes the pid files and exits 1", async () => {
    const t = parts({ scriptFails: true });
    await t.shutdown.run("SIGINT");
    expect(t.pidFiles.filter((f) => existsSync(f))).toEqual([]);
    expect(t.exits).toEqual([1]);
  });

  it("runs once: a second signal while stopping does nothing", async () => {
    const t = parts();
    await Promise.all([t.shutdown.run("SIGTERM"), t.shutdown.run("SIGTERM")]);
    expect(t.steps.filter((s) => s === "runtime.stop")).toHaveLength(1);
    expect(t.exits).toEqual([0]);
    expect(t.shutdown.exiting).toBe(true);
  });

  it("during the startup script: no VRRP to stop, the shutdown script still runs", async () => {
    const t = parts({ inStartupScript: () => true });
    await t.shutdown.run("SIGTERM");
    expect(t.steps).toEqual(["notify STOPPING=1", "views.close", "abortStartup", "runtime.close", "runShutdown"]);
    expect(t.exits).toEqual([0]);
  });
});
