// vrrp_track_process without root: keepalived's name and parameter matching, quorum, the
// fork/terminate delays, and the scanner over a fake /proc tree (stat, cmdline per pid); and, as
// root, the real tracker in a PID namespace of its own.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";
import { TRACK_PROCESS_DEFAULTS } from "../../src/config/track-process-section.js";
import type { TrackProcessSpec } from "../../src/config/model.js";
import { hasQuorum, processMatches } from "../../src/health/process-match.js";
import { ProcessTracking, RECHECK_SCANS } from "../../src/health/track-processes.js";
import { waitFor } from "../../lab/netns.js";

const spec = (o: Partial<TrackProcessSpec>): TrackProcessSpec => ({
  ...TRACK_PROCESS_DEFAULTS,
  name: "p",
  where: { file: "k.conf", line: 1 },
  process: "nginx",
  ...o,
});
const cmd = (...words: string[]) => Buffer.from(words.map((w) => `${w}\0`).join(""));

describe("matching (keepalived read_procs / check_params)", () => {
  it("comm by default, the command line's first word with full_command", () => {
    expect(processMatches(spec({}), "nginx", undefined)).toBe(true);
    expect(processMatches(spec({}), "nginx: worker", undefined)).toBe(false);
    expect(processMatches(spec({ process: "/usr/sbin/nginx", fullCommand: true }), "nginx", cmd("/usr/sbin/nginx", "-g"))).toBe(true);
    expect(processMatches(spec({ process: "/usr/sbin/nginx", fullCommand: true }), "nginx", Buffer.alloc(0))).toBe(false);
  });
  it("parameters: exact, partial (whole leading words), initial (the last word may be a prefix)", () => {
    const p = { process: "/bin/app", fullCommand: true, params: ["-c", "/etc/app"] };
    expect(processMatches(spec({ ...p, paramMatch: "exact" }), undefined, cmd("/bin/app", "-c", "/etc/app"))).toBe(true);
    expect(processMatches(spec({ ...p, paramMatch: "exact" }), undefined, cmd("/bin/app", "-c", "/etc/app", "-v"))).toBe(false);
    expect(processMatches(spec({ ...p, paramMatch: "partial" }), undefined, cmd("/bin/app", "-c", "/etc/app", "-v"))).toBe(true);
    expect(processMatches(spec({ ...p, paramMatch: "partial" }), undefined, cmd("/bin/app", "-c", "/etc/apple"))).toBe(false);
    expect(processMatches(spec({ ...p, paramMatch: "initial" }), undefined, cmd("/bin/app", "-c", "/etc/apple"))).toBe(true);
    expect(processMatches(spec({ process: "/bin/app", fullCommand: true, paramMatch: "exact" }), undefined, cmd("/bin/app"))).toBe(true);
  });
  it("quorum: quorum <= count <= quorum_max", () => {
    expect(hasQuorum({ quorum: 2, quorumMax: 3 }, 1)).toBe(false);
    expect(hasQuorum({ quorum: 2, quorumMax: 3 }, 3)).toBe(true);
    expect(hasQuorum({ quorum: 2, quorumMax: 3 }, 4)).toBe(false);
    expect(hasQuorum({ quorum: 0, quorumMax: 0 }, 0)).toBe(true); // quorum_max 0: up while none runs
  });
});

describe("keepalived.conf", () => {
  it("reads vrrp_track_process and track_process with keepalived's defaults and implications", () => {
    const { config, diagnostics } = parseKeepalivedConf(
      `vrrp_track_process app {\n  process /bin/app -c /etc/app\n  weight -20 reverse\n  quorum 2\n  quorum_max 3\n  delay 0.5\n  fork_delay 2\n}\n` +
        `vrrp_track_process plain {\n  process nginx\n}\n` +
        `vrrp_instance V {\n  interface eth0\n  virtual_router_id 1\n  track_process {\n    app\n    plain weight 10\n  }\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n`,
    );
    expect(diagnostics).toEqual([]);
    expect(config.trackProcesses[0]).toMatchObject({
      params: ["-c", "/etc/app"],
      paramMatch: "exact",
      fullCommand: true,
      weight: -20,
      weightReverse: true,
      quorum: 2,
      quorumMax: 3,
      terminateDelayMs: 500,
      forkDelayMs: 2000,
    });
    expect(config.trackProcesses[1]).toMatchObject({ paramMatch: "none", fullCommand: false, quorum: 1, weight: 0 });
    expect(config.instances[0]!.trackProcesses.map((t) => [t.name, t.weight])).toEqual([
      ["app", undefined],
      ["plain", 10],
    ]);
  });
});

describe("the scanner over a fake /proc", () => {
  const root = mkdtempSync(join(tmpdir(), "tsvrrpd-proc-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let start = 1000;
  const proc = (pid: number, comm: string, state = "S", words: string[] = [comm]) => {
    mkdirSync(join(root, String(pid)), { recursive: true });
    const fields = [state, ...Array<string>(18).fill("0"), String(start++), "0"];
    writeFileSync(join(root, String(pid), "stat"), `${pid} (${comm}) ${fields.join(" ")}\n`);
    writeFileSync(join(root, String(pid), "cmdline"), cmd(...words));
  };
  const gone = (pid: number) => rmSync(join(root, String(pid)), { recursive: true, force: true });

  it("counts, reports quorum changes, sees zombies and exec, and holds a loss back for terminate_delay", async () => {
    proc(1, "init");
    proc(10, "worker");
    const seen: string[] = [];
    const t = new ProcessTracking(
      [spec({ name: "w", process: "worker", quorum: 2, terminateDelayMs: 300 })],
      new Set(["w"]),
      pino({ level: "silent" }),
      (n, s) => seen.push(`${n}=${s}`),
      root,
    );
    t.start();
    try {
      expect(t.states()).toEqual([["w", "FAILED"]]); // one worker, quorum 2
      proc(11, "worker");
      t.tick();
      expect(seen).toEqual(["w=OK"]);
      proc(11, "worker", "Z"); // a zombie no longer counts (its start time changed with the rewrite too)
      t.tick();
      expect(seen).toEqual(["w=OK"]); // terminate_delay: not yet
      await waitFor("the delayed loss", () => seen.length === 2, 2000);
      expect(seen).toEqual(["w=OK", "w=FAILED"]);
      // A process that execs into a worker is seen within RECHECK_SCANS scans.
      proc(12, "sh");
      t.tick();
      writeFileSync(join(root, "12", "stat"), `12 (worker) S ${Array<string>(18).fill("0").join(" ")} ${start - 1} 0\n`);
      gone(11);
      for (let i = 0; i < RECHECK_SCANS; i++) t.tick();
      expect(t.status()).toEqual([{ name: "w", count: 2, state: "OK" }]);
      expect(seen.at(-1)).toBe("w=OK");
    } finally {
      t.stop();
    }
  });
});

describe("in a PID namespace of its own (a pod: own PID namespace, host network)", () => {
  it("under unshare --pid --fork --mount-proc, a tracked process that exits is seen (the /proc scan, not the connector's host PIDs)", () => {
    // A child Node in a new PID namespace with its own /proc, in this (the host's) network
    // namespace, where the process connector is available: it tracks a `sleep` it started, kills
    // it, and reports what the tracker saw. The built code (dist/) is what it runs.
    const dist = new URL("../../dist/", import.meta.url).href;
    const program = `
      import { spawn } from "node:child_process";
      import { pino } from "pino";
      const { ProcessTracking, nestedPidNamespace } = await import("${dist}health/track-processes.js");
      const { TRACK_PROCESS_DEFAULTS } = await import("${dist}config/track-process-section.js");
      const lines = [];
      const log = pino({ level: "info" }, { write: (s) => void lines.push(JSON.parse(s).msg) });
      const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
      await new Promise((r) => setTimeout(r, 200));
      const states = [];
      const spec = { ...TRACK_PROCESS_DEFAULTS, name: "sleeper", process: "sleep", where: { file: "k.conf", line: 1 } };
      const t = new ProcessTracking([spec], new Set(["sleeper"]), log, (_n, s) => states.push(s));
      t.start();
      const first = t.states()[0][1];
      sleeper.kill("SIGKILL");
      const end = Date.now() + 4000;
      while (Date.now() < end && !states.includes("FAILED")) await new Promise((r) => setTimeout(r, 50));
      t.stop();
      process.stdout.write(JSON.stringify({ pidNs: nestedPidNamespace(), first, states, eventsOn: t.eventsOn, lines }));
      process.exit(0);
    `;
    const r = spawnSync("unshare", ["--pid", "--fork", "--mount-proc", process.execPath, "--input-type=module", "-e", program], {
      encoding: "utf8",
      timeout: 20_000,
      cwd: new URL("../..", import.meta.url).pathname,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { pidNs?: string; first: string; states: string[]; eventsOn: boolean; lines: string[] };
    expect(out.pidNs, "the child sees its own PID namespace").toMatch(/^pid namespace \d+/);
    expect(out.first).toBe("OK");
    expect(out.states, "quorum lost after the tracked process exited").toEqual(["FAILED"]);
    expect(out.eventsOn).toBe(false);
    expect(out.lines.join("\n")).toContain("in a PID namespace of its own");
  });
});

const procBinDir = mkdtempSync(join(tmpdir(), "tsvrrpd-procbin-"));
afterAll(() => rmSync(procBinDir, { recursive: true, force: true }));

describe("the process connector", () => {
  it("takes events from the kernel only: a forged exit sent to the tracker's netlink port moves nothing, the real exit does", () => {
    // A child Node tracks a `sleep` through the connector; python3 (node-gyp's, so present) sends
    // it a PROC_EVENT_EXIT for that sleep from a user socket (root may: CAP_NET_ADMIN), then the
    // child kills the sleep for real.
    const dist = new URL("../../dist/", import.meta.url).href;
    // A sleep of a name of its own: the connector sees the whole host, where others run sleeps.
    const comm = `tsvfx${process.pid}`.slice(0, 15);
    const bin = join(procBinDir, comm);
    copyFileSync("/bin/sleep", bin);
    chmodSync(bin, 0o755);
    const forge = [
      "import socket, struct, sys",
      "port, pid = int(sys.argv[1]), int(sys.argv[2])",
      "ev = struct.pack('=IIQiiIIii', 0x80000000, 0, 0, pid, pid, 0, 9, 1, 1)",
      "cn = struct.pack('=IIIIHH', 1, 1, 0, 0, len(ev), 0) + ev",
      "nl = struct.pack('=IHHII', 16 + len(cn), 3, 0, 0, 0) + cn",
      "s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 11)",
      "s.bind((0, 0))",
      "s.sendto(nl, (port, 0))",
    ].join("\n");
    const program = `
      import { spawn, spawnSync } from "node:child_process";
      import { readFileSync } from "node:fs";
      import { pino } from "pino";
      const { ProcessTracking } = await import("${dist}health/track-processes.js");
      const { TRACK_PROCESS_DEFAULTS } = await import("${dist}config/track-process-section.js");
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      const sleeper = spawn(${JSON.stringify(bin)}, ["30"], { stdio: "ignore" });
      await sleep(200);
      const states = [];
      const t = new ProcessTracking([{ ...TRACK_PROCESS_DEFAULTS, name: "sleeper", process: ${JSON.stringify(comm)}, where: { file: "k.conf", line: 1 } }], new Set(["sleeper"]), pino({ level: "silent" }), (_n, s) => states.push(s));
      t.start();
      // This process's connector socket: protocol 11 (NETLINK_CONNECTOR), group 1 (CN_IDX_PROC).
      const ports = readFileSync("/proc/net/netlink", "utf8").split("\\n").slice(1).map((l) => l.trim().split(/\\s+/))
        .filter((f) => f[1] === "11" && f[3] === "00000001").map((f) => Number(f[2]));
      const port = ports.find((p) => p === process.pid) ?? ports.find((p) => p < 0);
      const sent = spawnSync("python3", ["-c", ${JSON.stringify(forge)}, String(port), String(sleeper.pid)], { encoding: "utf8" });
      await sleep(1000);
      const afterForged = [...states];
      sleeper.kill("SIGKILL");
      const end = Date.now() + 4000;
      while (Date.now() < end && !states.includes("FAILED")) await sleep(50);
      t.stop();
      process.stdout.write(JSON.stringify({ eventsOn: t.eventsOn, port, sent: sent.status, err: sent.stderr, afterForged, states }));
      process.exit(0);
    `;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", program], {
      encoding: "utf8",
      timeout: 20_000,
      cwd: new URL("../..", import.meta.url).pathname,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      eventsOn: boolean;
      port: number;
      sent: number;
      err: string;
      afterForged: string[];
      states: string[];
    };
    expect(out.eventsOn, "the connector is in use in the initial namespaces").toBe(true);
    expect(out.sent, `the forged message was sent to port ${out.port}: ${out.err}`).toBe(0);
    expect(out.afterForged, "states after the forged exit").toEqual([]);
    expect(out.states, "the real exit").toEqual(["FAILED"]);
  });
});
