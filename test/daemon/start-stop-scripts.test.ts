// The launcher's startup/shutdown scripts (src/daemon/start-stop-scripts.ts, keepalived 2.2.7
// core/main.c): real scripts in a temporary directory, a real logger. What keepalived logs is
// compared word for word ("%s script failed, status %u" with type "startup script", so the word
// comes twice, as keepalived 2.2.7 prints it: "shutdown script script succeeded" seen with -D).
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import type { GlobalSpec, StartStopScript } from "../../src/config/model.js";
import { StartStopScripts } from "../../src/daemon/start-stop-scripts.js";

const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-sss-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let seq = 0;
function script(body: string, mode = 0o755): string {
  const p = join(dir, `s${seq++}.sh`);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, mode);
  return p;
}

const spec = (command: string, timeoutSec = 10): StartStopScript => ({ command, timeoutSec, where: { file: "k.conf", line: 3 } });

function logger() {
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: "debug" }, { write: (s: string) => void lines.push(JSON.parse(s) as { level: number; msg: string }) });
  return { log, msgs: () => lines.map((l) => l.msg) };
}

const global = (g: Partial<GlobalSpec>): GlobalSpec => ({ enableScriptSecurity: false, ...g });

describe("StartStopScripts", () => {
  it("the startup script has ended when runStartup resolves; success and failure in keepalived's words", async () => {
    const out = join(dir, "ran");
    const ok = script(`sleep 0.3; echo "$1" > ${out}`);
    const { log, msgs } = logger();
    await new StartStopScripts(log, global({ startupScript: spec(`${ok} hello`) })).runStartup();
    expect(readFileSync(out, "utf8")).toBe("hello\n");
    expect(msgs()).toContain(`Running startup script ${ok}`);
    expect(msgs()).toContain("startup script script succeeded");

    const bad = script("exit 3");
    const b = logger();
    await new StartStopScripts(b.log, global({ shutdownScript: spec(bad) })).runShutdown();
    expect(b.msgs()).toContain("shutdown script script failed, status 3");
  });

  it('a script past its timeout is ended ("startup script timed out") and the caller goes on', async () => {
    const slow = script("sleep 30");
    const { log, msgs } = logger();
    const t0 = Date.now();
    await new StartStopScripts(log, global({ startupScript: spec(slow, 1) })).runStartup();
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(msgs()).toContain("startup script timed out");
  });

  it("a script the gate refuses is never run, and says so with file:line", async () => {
    const out = join(dir, "unsafe-ran");
    const unsafe = script(`touch ${out}`, 0o777);
    const { log, msgs } = logger();
    const s = new StartStopScripts(log, global({ startupScript: spec(unsafe) }));
    expect(msgs().some((m) => m.includes("writable by every user") && m.endsWith("startup script disabled (never run)"))).toBe(true);
    await s.runStartup();
    expect(existsSync(out)).toBe(false);
  });

  it("the script user is script_user's: a missing one disables the script, as keepalived's notify_script_init", () => {
    const { log, msgs } = logger();
    new StartStopScripts(log, global({ scriptUser: "tsvrrpd-no-such-user", shutdownScript: spec(script("true")) }));
    expect(msgs()).toContain("script_user tsvrrpd-no-such-user not found; shutdown script disabled (never run)");
  });

  it("a reload swaps the shutdown script for the new file's", async () => {
    const out = join(dir, "which");
    const oldDown = script(`echo old > ${out}`);
    const newDown = script(`echo new > ${out}`);
    const { log } = logger();
    const s = new StartStopScripts(log, global({ shutdownScript: spec(oldDown) }));
    s.reloaded(global({ shutdownScript: spec(newDown) }));
    await s.runShutdown();
    expect(readFileSync(out, "utf8")).toBe("new\n");
  });
});
