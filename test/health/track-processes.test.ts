// vrrp_track_process without root: keepalived's name and parameter matching, quorum, the
// fork/terminate delays, and the scanner over a fake /proc tree (stat, cmdline per pid).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";
import { TRACK_PROCESS_DEFAULTS } from "../../src/config/track-process-section.js";
import type { TrackProcessSpec } from "../../src/config/model.js";
import { hasQuorum, processMatches } from "../../src/health/process-match.js";
import { ProcessTracking, RECHECK_SCANS } from "../../src/health/track-processes.js";
import { waitFor } from "../../src/lab/netns.js";

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
