// Checks with real child processes, sockets and files.
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { splitCommandLine } from "../../src/health/command-line.js";
import { PeriodicCheck } from "../../src/health/periodic-check.js";
import { runScript } from "../../src/health/script-check.js";
import { checkScriptPath } from "../../src/health/script-security.js";
import { tcpCheck } from "../../src/health/tcp-check.js";
import { effectivePriority } from "../../src/vrrp/priority.js";
import { RiseFall } from "../../src/health/tracker.js";
import { lookupUser } from "../../src/health/users.js";

/** The runner takes argv (prepared by the script gate); these tests write command lines. */
const runLine = (line: string, o: Parameters<typeof runScript>[1]) => runScript(splitCommandLine(line), o);

const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-health-"));
chmodSync(dir, 0o755); // scripts run as another user must be reachable
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function script(body: string): string {
  const p = join(dir, `s${n++}.sh`);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}
/** Running (a zombie waiting for a reaper that may not exist in a container counts as gone). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

describe("command line splitting (no shell)", () => {
  it("splits like keepalived: blanks, quotes, backslashes", () => {
    expect(splitCommandLine(`/bin/check "a b" 'c d' e\\ f  g`)).toEqual(["/bin/check", "a b", "c d", "e f", "g"]);
    expect(splitCommandLine(`x "say \\"hi\\"" ''`)).toEqual(["x", 'say "hi"', ""]);
    expect(() => splitCommandLine(`x "open`)).toThrow(/unterminated/);
    expect(() => splitCommandLine("   ")).toThrow(/empty/);
  });
  it("a quoted word round-trips for any text", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((s) => !s.includes("'")),
        (s) => {
          expect(splitCommandLine(`cmd '${s}'`)).toEqual(["cmd", s]);
        },
      ),
    );
  });
});

describe("script runs", () => {
  it("exit 0 is healthy, anything else failed; argv reaches the script unmangled by any shell", async () => {
    expect((await runLine(script("exit 0"), { timeoutMs: 2000 })).ok).toBe(true);
    const r = await runLine(script("exit 3"), { timeoutMs: 2000 });
    expect(r).toMatchObject({ ok: false, exitCode: 3, timedOut: false });
    const echo = await runLine(`${script('printf "%s|" "$@"')} "a b" '$HOME' ;rm`, { timeoutMs: 2000 });
    expect(echo.output).toBe("a b|$HOME|;rm|");
  });
  it("a missing program is a failure with the reason", async () => {
    const r = await runLine("/nonexistent/check", { timeoutMs: 1000 });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/ENOENT/);
  });
  it("a script past its timeout is killed with its whole process group and counts as failed", async () => {
    const pidFile = join(dir, "grandchild.pid");
    const s = script(`sleep 300 & echo $! > ${pidFile}; wait`);
    const started = Date.now();
    const r = await runLine(s, { timeoutMs: 300 });
    expect(r).toMatchObject({ ok: false, timedOut: true });
    expect(Date.now() - started).toBeLessThan(1500);
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    await new Promise((res) => setTimeout(res, 100));
    expect(alive(grandchild)).toBe(false);
  });
  it("a child left running by a script that exited is removed with its group", async () => {
    const pidFile = join(dir, "leftover.pid");
    const r = await runLine(script(`sleep 300 & echo $! > ${pidFile}; exit 0`), { timeoutMs: 2000 });
    expect(r.ok).toBe(true);
    await new Promise((res) => setTimeout(res, 100));
    expect(alive(Number(readFileSync(pidFile, "utf8")))).toBe(false);
  });
  it("a script that ignores SIGTERM is SIGKILLed 2 s later", async () => {
    const started = Date.now();
    const r = await runLine(script("trap '' TERM; while :; do sleep 0.05; done"), { timeoutMs: 200 });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe("SIGKILL");
    expect(Date.now() - started).toBeGreaterThanOrEqual(2100);
  });
  it("megabytes of output are drained but only the limit is kept", async () => {
    const r = await runLine(script("head -c 5000000 /dev/zero | tr '\\0' x; exit 0"), { timeoutMs: 5000, outputLimit: 1000 });
    expect(r.ok).toBe(true);
    expect(r.output.length).toBe(1000);
  });
  it("keeps stdout and stderr written just before the exit, and leaves no descriptor behind", async () => {
    const fds = () => readdirSync("/proc/self/fd").length;
    const last = script("printf out; printf err >&2; exit 3");
    await runLine(last, { timeoutMs: 2000 }); // first run: lazily opened descriptors settle
    const before = fds();
    const results = await Promise.all(Array.from({ length: 40 }, () => runLine(last, { timeoutMs: 2000 })));
    for (const r of results) {
      expect(r.exitCode).toBe(3);
      expect(r.output).toBe("outerr");
    }
    expect(fds()).toBe(before);
  });
  it("runs as another user when asked", async () => {
    const nobody = lookupUser("nobody");
    expect(nobody).toBeDefined();
    const r = await runLine(script("id -u"), { timeoutMs: 2000, uid: nobody!.uid, gid: nobody!.gid });
    expect(r.output.trim()).toBe(String(nobody!.uid));
  });
});

describe("periodic checks", () => {
  it("never runs two at once: a slow run makes the next ones skip", async () => {
    const lock = join(dir, "lock");
    const overlaps = join(dir, "overlaps");
    const s = script(`mkdir ${lock} 2>/dev/null || echo overlap >> ${overlaps}; sleep 0.25; rmdir ${lock}`);
    const c = new PeriodicCheck({
      name: "slow",
      intervalMs: 50,
      rise: 1,
      fall: 1,
      initFail: false,
      probe: async () => ({ ok: (await runLine(s, { timeoutMs: 2000 })).ok, detail: {} }),
      onResult: () => {},
    });
    await c.start();
    await new Promise((r) => setTimeout(r, 700));
    c.stop();
    expect(c.skipped).toBeGreaterThan(3);
    expect(c.runs).toBeGreaterThanOrEqual(2);
    expect(existsSync(overlaps)).toBe(false);
  });
  it("rise and fall debounce a real script's results", async () => {
    const state = join(dir, "state");
    writeFileSync(state, "0");
    const s = script(`exit $(cat ${state})`);
    const changes: string[] = [];
    const c = new PeriodicCheck({
      name: "rf",
      intervalMs: 40,
      rise: 3,
      fall: 2,
      initFail: false,
      probe: async () => ({ ok: (await runLine(s, { timeoutMs: 1000 })).ok, detail: {} }),
      onResult: (_r, st, changed) => changed && changes.push(`${st}@${c.runs}`),
    });
    await c.start();
    expect(c.state).toBe("OK");
    writeFileSync(state, "1");
    const failAt = c.runs;
    // Until the state moves (each run starts a shell: 400 ms were not always 2-3 runs on a loaded
    // machine); when it moves is what the run counts below check.
    const until = async (want: string) => {
      for (const end = Date.now() + 10_000; c.state !== want && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
    };
    await until("FAILED");
    expect(c.state).toBe("FAILED");
    writeFileSync(state, "0");
    await until("OK");
    c.stop();
    expect(c.state).toBe("OK");
    const [f, o] = changes;
    expect(f).toMatch(/^FAILED@/);
    expect(Number(f!.split("@")[1]) - failAt).toBeGreaterThanOrEqual(2);
    expect(o).toMatch(/^OK@/);
  });
});

describe("rise/fall and weights (pure)", () => {
  it("keepalived's rules: first result decides, then rise successes / fall failures in a row", () => {
    const rf = new RiseFall(2, 3);
    expect(rf.result(false)).toBe("FAILED");
    expect(rf.result(true)).toBeUndefined();
    expect(rf.result(false)).toBeUndefined(); // streak broken
    expect(rf.result(true)).toBeUndefined();
    expect(rf.result(true)).toBe("OK");
    expect([rf.result(false), rf.result(false), rf.result(false)]).toEqual([undefined, undefined, "FAILED"]);
    expect(new RiseFall(1, 1, true).state).toBe("FAILED");
  });
  it("state changes only after a full run of rise or fall equal results", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 60 }),
        (rise, fall, results) => {
          const rf = new RiseFall(rise, fall);
          let streakOk = 0;
          let streakFail = 0;
          results.forEach((ok, i) => {
            streakOk = ok ? streakOk + 1 : 0;
            streakFail = ok ? 0 : streakFail + 1;
            const before = rf.state;
            const changed = rf.result(ok);
            if (i > 0 && changed === "OK") expect(streakOk).toBeGreaterThanOrEqual(rise);
            if (i > 0 && changed === "FAILED") expect(streakFail).toBeGreaterThanOrEqual(fall);
            if (changed) expect(changed).not.toBe(before);
          });
        },
      ),
    );
  });
  it("positive weights add while OK, negative subtract while FAILED, clamped 1..254, owner fixed", () => {
    expect(
      effectivePriority(100, [
        { weight: 20, state: "OK" },
        { weight: -30, state: "FAILED" },
        { weight: 50, state: "FAILED" },
        { weight: -5, state: "OK" },
      ]),
    ).toBe(90);
    expect(effectivePriority(250, [{ weight: 20, state: "OK" }])).toBe(254);
    expect(effectivePriority(10, [{ weight: -253, state: "FAILED" }])).toBe(1);
    expect(effectivePriority(255, [{ weight: -100, state: "FAILED" }])).toBe(255);
  });
});

describe("TCP check", () => {
  let server: Server;
  it("connect succeeds on a listening port, fails on a closed one, port 0 always passes", async () => {
    server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    expect((await tcpCheck("127.0.0.1", port, 1000)).ok).toBe(true);
    await new Promise<void>((r) => server.close(() => r()));
    const closed = await tcpCheck("127.0.0.1", port, 1000);
    expect(closed).toMatchObject({ ok: false, error: "ECONNREFUSED" });
    expect((await tcpCheck("127.0.0.1", 0, 1000)).ok).toBe(true);
  });
});

describe("script security", () => {
  it("refuses a world-writable script or directory, and with enable_script_security a non-root owner", () => {
    const d = join(dir, "sec");
    mkdirSync(d, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const f = join(d, "check.sh");
    writeFileSync(f, "#!/bin/sh\nexit 0\n");
    chmodSync(f, 0o755);
    expect(checkScriptPath(f, "strict")).toBeUndefined();
    chmodSync(f, 0o757);
    expect(checkScriptPath(f, "world-writable-only")?.message).toContain(`${f} is writable by every user`);
    chmodSync(f, 0o755);
    chmodSync(d, 0o777);
    expect(checkScriptPath(f, "world-writable-only")?.path).toBe(d);
    chmodSync(d, 0o755);
    chownSync(f, 65534, 65534);
    expect(checkScriptPath(f, "world-writable-only")).toBeUndefined();
    expect(checkScriptPath(f, "strict")?.message).toContain("owned by uid 65534");
    expect(checkScriptPath(join(d, "missing"), "strict")?.code).toBe("SCRIPT_NOT_FOUND");
  });
});

describe("weight reverse (keepalived vrrp_track.c weight_multiplier -1)", () => {
  it("negates the contribution of a weighted tracker", () => {
    expect(effectivePriority(100, [{ weight: 20, state: "OK", reverse: true }])).toBe(80);
    expect(effectivePriority(100, [{ weight: 20, state: "FAILED", reverse: true }])).toBe(100);
    expect(effectivePriority(100, [{ weight: -20, state: "FAILED", reverse: true }])).toBe(120);
    expect(effectivePriority(100, [{ weight: -20, state: "OK", reverse: true }])).toBe(100);
    expect(
      effectivePriority(100, [
        { weight: 20, state: "OK" },
        { weight: -20, state: "FAILED" },
      ]),
    ).toBe(100);
  });
});
