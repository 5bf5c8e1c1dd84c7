// The daemon's operational behaviour on a namespace LAN: clean stop, reload, state dump, link
// faults, bad configuration, keepalived's process name and -t exit codes.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { readPcap } from "../../lab/pcap-file.js";
import { BIN, CLI_TIMEOUT_MS, macOf, startDaemon, twoRouterLabs, holdsFor, holdsWhileAdvertising } from "./daemons.js";

const newLab = twoRouterLabs("dmn");

function inst(name: string, vrid: number, priority: number, vips: string[], extra = "", iface = "eth0"): string {
  return `vrrp_instance ${name} {
  interface ${iface}
  virtual_router_id ${vrid}
  priority ${priority}
  version 3
  advert_int 0.1
  virtual_ipaddress {
${vips.map((v) => `    ${v}`).join("\n")}
  }
${extra}
}
`;
}
const GLOBAL = "global_defs {\n  vrrp_garp_master_delay 0\n}\n";
const VIP = "198.51.100.10";

describe("daemon operations", () => {
  it("SIGTERM on the master: priority 0 advert, VIP released, exit 0, backup takes over within the skew time", async () => {
    const { lab, running } = newLab();
    const pcap = join(lab.dir, "lan.pcap");
    await lab.capture(pcap);
    running.push(startDaemon(lab, "b", "tsvrrpd", GLOBAL + inst("VI", 1, 100, [VIP])));
    const a = startDaemon(lab, "a", "tsvrrpd", GLOBAL + inst("VI", 1, 200, [VIP]));
    running.push(a);
    await waitFor("a master", () => lab.holders(VIP).join() === "a", 10_000);
    const exited = new Promise<number | null>((r) => a.child.on("exit", (code) => r(code)));
    lab.killAll("a", "SIGTERM");
    expect(await exited).toBe(0);
    await waitFor("b master", () => lab.holders(VIP).join() === "b", 3000);
    const aMac = macOf(lab, "a");
    const bMac = macOf(lab, "b");
    const zeroIn = (wire: ReturnType<typeof readPcap>) => wire.find((w) => w.kind === "vrrp" && w.srcMac === aMac && w.priority === 0);
    const firstBIn = (wire: ReturnType<typeof readPcap>) =>
      wire.find((w) => w.kind === "vrrp" && w.srcMac === bMac && w.t > (zeroIn(wire)?.t ?? Infinity));
    // libpcap hands packets over in blocks: wait until both are in the file rather than a fixed time.
    await waitFor("a's priority 0 advert and b's first advert in the capture", () => firstBIn(readPcap(pcap)) !== undefined, 5000);
    const wire = readPcap(pcap);
    const zero = zeroIn(wire)!;
    const firstB = firstBIn(wire)!;
    const skewMs = ((256 - 100) * 100) / 256; // v3: (256 - prio) x interval / 256
    const mdiMs = 300 + skewMs;
    // After priority 0 the backup waits the skew only (61 ms), not a down interval (361 ms).
    expect((firstB.t - zero.t) * 1000).toBeLessThan((skewMs + mdiMs) / 2);
    expect(a.output()).toContain('"msg":"Stopped"');
  });

  it("SIGHUP: the master keeps its VIP without a flap, VIP changes apply in place, new and removed instances start and stop", async () => {
    const { lab, running } = newLab();
    const file = join(lab.dir, "a.conf");
    writeFileSync(file, GLOBAL + inst("VI_1", 1, 200, [VIP]));
    const a = lab.spawn("a", BIN, [
      "-n",
      "--log-json",
      "-G",
      "-f",
      file,
      "-p",
      join(lab.dir, "a.pid"),
      "--control",
      join(lab.dir, "a.sock"),
    ]);
    let out = "";
    a.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    running.push({ kind: "tsvrrpd", router: "a", child: a, output: () => out });
    await waitFor("a master", () => lab.holders(VIP).join() === "a", 10_000);
    let lost = 0;
    const poll = setInterval(() => {
      if (!lab.addresses("a").some((x) => x.startsWith(`${VIP}/`))) lost++;
    }, 20);
    try {
      writeFileSync(file, GLOBAL + inst("VI_1", 1, 200, [VIP, "198.51.100.11"]) + inst("VI_2", 2, 150, ["198.51.100.20"]));
      lab.killAll("a", "SIGHUP");
      await waitFor(
        "VIP added in place and VI_2 master",
        () => lab.holdersOf(["198.51.100.11", "198.51.100.20"]).every((h) => h === "a"),
        5000,
      );
      writeFileSync(file, GLOBAL + inst("VI_1", 1, 200, [VIP]));
      lab.killAll("a", "SIGHUP");
      await waitFor(
        "removed VIP and instance released",
        () => lab.holdersOf(["198.51.100.11", "198.51.100.20"]).every((h) => h === ""),
        5000,
      );
    } finally {
      clearInterval(poll);
    }
    expect(lost, "polls that found the VIP missing during reloads").toBe(0);
    // Log lines arrive through a pipe: wait for the reload's, then count the transitions.
    await waitFor(
      "the reload logged",
      () => out.split("configuration reloaded").length === 3 && out.includes("instance reconfigured by reload; state kept"),
      5000,
    );
    expect(out.match(/"transition":"MASTER -> BACKUP"|"transition":"BACKUP -> MASTER"/g)?.length).toBe(2); // VI_1 once at start, VI_2 once
  });

  it("SIGUSR1 writes a keepalived-style state dump (into $TMPDIR, as keepalived)", async () => {
    const { lab, running } = newLab();
    const data = join(lab.dir, "keepalived.data");
    running.push(startDaemon(lab, "a", "tsvrrpd", GLOBAL + inst("VI_DUMP", 7, 200, [VIP]), "", { TMPDIR: lab.dir }));
    await waitFor("a master", () => lab.holders(VIP).join() === "a", 10_000);
    lab.killAll("a", "SIGUSR1");
    await waitFor("dump file", () => existsSync(data) && readFileSync(data, "utf8").includes("VI_DUMP"), 3000);
    const dump = readFileSync(data, "utf8");
    expect(dump).toContain("VRRP Instance = VI_DUMP");
    expect(dump).toContain("State = MASTER");
    expect(dump).toContain(`${VIP}/32`);
  });

  it("a source address that appears late does not lift a failing weight-0 check's FAULT", async () => {
    const { lab, running } = newLab();
    const failing = join(lab.dir, "fail.sh");
    writeFileSync(failing, "#!/bin/sh\nexit 1\n");
    chmodSync(failing, 0o755);
    const script = `vrrp_script down {\n  script "${failing}"\n  interval 0.2\n}\n`;
    running.push(startDaemon(lab, "b", "tsvrrpd", GLOBAL + inst("VI", 5, 100, [VIP])));
    await waitFor("b master", () => lab.holders(VIP).join() === "b", 10_000);
    lab.exec("a", "ip", ["addr", "flush", "dev", "eth0", "scope", "global"]);
    const a = startDaemon(lab, "a", "tsvrrpd", GLOBAL + script + inst("VI", 5, 200, [VIP], "  track_script {\n    down\n  }\n"));
    running.push(a);
    await waitFor(
      "a in FAULT without a source address",
      () => a.output().includes("NO_SOURCE_ADDRESS") && a.output().includes("Startup complete"),
      10_000,
    );
    lab.exec("a", "ip", ["addr", "add", "192.0.2.11/24", "dev", "eth0"]);
    await waitFor("a sees its source address", () => a.output().includes("source address available"), 5000);
    // more than a's down interval: it must not take over
    await holdsFor(1500, () => {
      expect(lab.holders(VIP)).toEqual(["b"]);
    });
    expect(a.output()).not.toMatch(/-> MASTER/);
  });

  // keepalived_netlink.c netlink_if_address_filter: with track_src_ip, the configured source
  // address leaving the interface downs the instance until it is back.
  it("track_src_ip: the master's configured source address removed is a FAULT (the VIP moves), re-added it takes over again", async () => {
    const { lab, running } = newLab();
    running.push(startDaemon(lab, "b", "tsvrrpd", GLOBAL + inst("VI", 6, 100, [VIP])));
    const a = startDaemon(lab, "a", "tsvrrpd", GLOBAL + inst("VI", 6, 200, [VIP], "  mcast_src_ip 192.0.2.11\n  track_src_ip\n"));
    running.push(a);
    await waitFor("a master", () => lab.holders(VIP).join() === "a", 10_000);
    lab.exec("a", "ip", ["addr", "del", "192.0.2.11/24", "dev", "eth0"]);
    await waitFor("b master and a without VIP", () => lab.holders(VIP).join() === "b", 5000);
    // The log lines reach the pipe on their own schedule (a loaded machine may show the VIP gone first).
    await waitFor(
      "a's FAULT for its source address",
      () => a.output().includes("configured source address removed (track_src_ip)") && /Entering FAULT STATE/.test(a.output()),
      5000,
    );
    lab.exec("a", "ip", ["addr", "add", "192.0.2.11/24", "dev", "eth0"]);
    await waitFor("a master again", () => lab.holders(VIP).join() === "a", 5000);
    expect(a.output()).toContain("source address available");
  });

  it("interface down on the master: FAULT, VIP moves to the backup, comes back after link up", async () => {
    const { lab, running } = newLab();
    running.push(startDaemon(lab, "b", "tsvrrpd", GLOBAL + inst("VI", 1, 100, [VIP])));
    const a = startDaemon(lab, "a", "tsvrrpd", GLOBAL + inst("VI", 1, 200, [VIP]));
    running.push(a);
    await waitFor("a master", () => lab.holders(VIP).join() === "a", 10_000);
    lab.exec("a", "ip", ["link", "set", "eth0", "down"]);
    await waitFor("b master and a without VIP", () => lab.holders(VIP).join() === "b", 3000);
    expect(a.output()).toMatch(/Entering FAULT STATE/);
    lab.exec("a", "ip", ["link", "set", "eth0", "up"]);
    await waitFor("a master again", () => lab.holders(VIP).join() === "a", 5000);
  });

  it("a backup whose link went down and up still hears IPv6 adverts (no dual master) and announces on takeover", async () => {
    const { lab, running } = newLab();
    const VIP6 = "2001:db8:1::10";
    const confs = (p: number) => GLOBAL + inst("V6", 1, p, [VIP6]) + inst("V4", 2, p, [VIP]);
    running.push(startDaemon(lab, "a", "tsvrrpd", confs(200)));
    running.push(startDaemon(lab, "b", "tsvrrpd", confs(100)));
    await waitFor("a master of both", () => lab.holders(VIP6).join() === "a" && lab.holders(VIP).join() === "a", 10_000);
    lab.exec("b", "ip", ["link", "set", "eth0", "down"]);
    await new Promise((r) => setTimeout(r, 500));
    lab.exec("b", "ip", ["link", "set", "eth0", "up"]);
    // > 3 down intervals: a deaf b would take over within this window (unless a itself fell
    // silent for a down interval, 361 ms at priority 100: then b is right and the window repeats)
    await holdsWhileAdvertising(lab, "a", 361, 1500, () => {
      expect(lab.holders(VIP6)).toEqual(["a"]);
      expect(lab.holders(VIP)).toEqual(["a"]);
    });
    const pcap = join(lab.dir, "lan.pcap");
    await lab.capture(pcap);
    const killedAt = Date.now() / 1000;
    lab.killAll("a", "SIGKILL");
    await waitFor("b master of both", () => lab.holders(VIP6).includes("b") && lab.holders(VIP).includes("b"), 5000);
    const bMac = macOf(lab, "b");
    const after = () => readPcap(pcap).filter((w) => w.t > killedAt && w.srcMac === bMac);
    await waitFor(
      "b's unsolicited NA and gratuitous ARP in the capture",
      () => after().some((w) => w.kind === "na" && w.target === VIP6) && after().some((w) => w.kind === "arp" && w.target === VIP),
      5000,
    );
  });

  it("track_interface: a tracked link losing carrier puts the instance in FAULT", async () => {
    const { lab, running } = newLab();
    lab.exec("a", "ip", ["link", "add", "eth1", "type", "veth", "peer", "name", "eth1p"]);
    lab.exec("a", "ip", ["link", "set", "eth1", "up"]);
    lab.exec("a", "ip", ["link", "set", "eth1p", "up"]);
    running.push(startDaemon(lab, "b", "tsvrrpd", GLOBAL + inst("VI", 1, 100, [VIP])));
    const a = startDaemon(lab, "a", "tsvrrpd", GLOBAL + inst("VI", 1, 200, [VIP], "  track_interface {\n    eth1\n  }"));
    running.push(a);
    await waitFor("a master", () => lab.holders(VIP).join() === "a", 10_000);
    lab.exec("a", "ip", ["link", "set", "eth1p", "down"]); // eth1 loses carrier
    await waitFor("b master", () => lab.holders(VIP).join() === "b", 3000);
    expect(a.output()).toMatch(/"reason":"link:eth1 down"/);
    lab.exec("a", "ip", ["link", "set", "eth1p", "up"]);
    await waitFor("a master again", () => lab.holders(VIP).join() === "a", 5000);
  });

  it("a missing interface is named in an error; the other instances keep serving", async () => {
    const { lab, running } = newLab();
    const a = startDaemon(
      lab,
      "a",
      "tsvrrpd",
      GLOBAL + inst("VI_BAD", 3, 200, ["198.51.100.30"], "", "eth9") + inst("VI_OK", 1, 200, [VIP]),
    );
    running.push(a);
    await waitFor("VI_OK master", () => lab.holders(VIP).join() === "a", 10_000);
    expect(a.output()).toMatch(/"instance":"VI_BAD".*"code":"NO_INTERFACE".*interface eth9 not found; instance stays in FAULT/);
    expect(a.child.exitCode).toBeNull();
  });

  it("run under the name keepalived, pgrep keepalived finds it (the OpenShift liveness probe)", async () => {
    const { lab, running } = newLab();
    const link = join(lab.dir, "keepalived");
    symlinkSync(BIN, link);
    const file = join(lab.dir, "k.conf");
    writeFileSync(file, GLOBAL + inst("VI", 1, 200, [VIP]));
    const child = lab.spawn("a", link, ["-n", "-f", file, "-p", join(lab.dir, "k.pid"), "--control", join(lab.dir, "k.sock")]);
    running.push({ kind: "tsvrrpd", router: "a", child, output: () => "" });
    await waitFor("a master", () => lab.holders(VIP).join() === "a", 10_000);
    const pids = lab.exec("a", "pgrep", ["-x", "keepalived"], true).split(/\s+/).filter(Boolean).map(Number);
    expect(pids).toContain(child.pid);
  });
});

describe("-t (config test) exit codes", () => {
  const run = (file: string) => spawnSync(BIN, ["-t", "-f", file], { encoding: "utf8", timeout: CLI_TIMEOUT_MS });
  const dir = join(tmpdir(), `tsvrrpd-t-${process.pid}`);
  it("0 for a good file, 4 for errors with runnable instances, 3 when nothing can run", () => {
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(join(dir, "ok.conf"), inst("A", 1, 100, [VIP]));
      writeFileSync(join(dir, "partial.conf"), inst("A", 1, 100, [VIP]) + inst("B", 300, 100, [VIP]));
      writeFileSync(join(dir, "bad.conf"), inst("B", 300, 100, [VIP]));
      const ok = run(join(dir, "ok.conf"));
      expect(ok.status).toBe(0);
      const partial = run(join(dir, "partial.conf"));
      expect(partial.status).toBe(4);
      expect(partial.stderr).toContain("partial.conf:14: error: 'virtual_router_id' expects an integer 1..255, got \"300\"");
      expect(run(join(dir, "bad.conf")).status).toBe(3);
      const missing = run(join(dir, "missing.conf"));
      expect(missing.status).toBe(3);
      expect(missing.stderr).toContain("ENOENT");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  // keepalived core/main.c parse_cmdline, case 't': --config-test=LOG_FILE sends the output there;
  // the file checked is still -f's (tsvrrpd used to check LOG_FILE as the configuration).
  it("--config-test=LOG_FILE appends the output to LOG_FILE and checks the -f file", () => {
    mkdirSync(dir, { recursive: true });
    try {
      const bad = join(dir, "bad.conf");
      const log = join(dir, "check.log");
      writeFileSync(bad, inst("B", 300, 100, [VIP]));
      writeFileSync(log, "earlier line\n");
      const r = spawnSync(BIN, ["-f", bad, `--config-test=${log}`], { encoding: "utf8", timeout: 10_000 });
      expect(r.status).toBe(3);
      expect(r.stderr).toBe("");
      const text = readFileSync(log, "utf8");
      expect(text.startsWith("earlier line\n")).toBe(true);
      expect(text).toContain("bad.conf:3: error: 'virtual_router_id' expects an integer 1..255, got \"300\"");
      const unopenable = spawnSync(BIN, ["-f", bad, `-t${join(dir, "no-such-dir", "x.log")}`], { encoding: "utf8", timeout: 10_000 });
      expect(unopenable.status).toBe(1);
      expect(unopenable.stderr).toMatch(/^Unable to open config-test log file .*x\.log: ENOENT.*\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("names a tracked script the daemon disables in keepalived's words (missing, or unsafe under enable_script_security)", () => {
    const { lab } = newLab();
    const inNs = (cmd: string, file: string) =>
      spawnSync("ip", ["netns", "exec", lab.ns("a"), cmd, "-t", "-l", "-f", file], { encoding: "utf8", timeout: 10_000 });
    const open = join(lab.dir, "open");
    mkdirSync(open);
    chmodSync(open, 0o777); // not sticky: anyone may replace what is in it
    writeFileSync(join(open, "chk.sh"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const conf = (script: string) =>
      `global_defs {\n  enable_script_security\n  script_user root\n}\nvrrp_script chk {\n  script "${script}"\n}\n` +
      inst("VI_1", 1, 100, [VIP], "  track_script {\n    chk\n  }");
    for (const [name, script, words] of [
      ["missing", join(lab.dir, "gone.sh"), "Disabling track script chk since not found/accessible"],
      ["unsafe", join(open, "chk.sh"), "Disabling track script chk due to insecure"],
    ] as const) {
      const file = join(lab.dir, `${name}.conf`);
      writeFileSync(file, conf(script));
      const k = inNs("keepalived", file);
      expect(k.stdout + k.stderr).toContain(words); // keepalived 2.2.7: the reference words (exit 5)
      const t = inNs(BIN, file);
      expect(t.stderr).toContain(`${name}.conf:5: warning: ${words}: `);
      expect(t.status).toBe(0);
    }
  });
  it("warns in keepalived's words when an instance's interface does not exist here and when the file has no instance", () => {
    const { lab } = newLab();
    const inNs = (cmd: string, file: string) =>
      spawnSync("ip", ["netns", "exec", lab.ns("a"), cmd, "-t", "-l", "-f", file], { encoding: "utf8", timeout: CLI_TIMEOUT_MS });
    const here = join(lab.dir, "here.conf");
    const gone = join(lab.dir, "gone.conf");
    const empty = join(lab.dir, "empty.conf");
    writeFileSync(here, inst("VI_1", 1, 100, [VIP]));
    writeFileSync(gone, inst("VI_1", 1, 100, [VIP], "", "eth9"));
    writeFileSync(empty, "global_defs {\n  router_id a\n}\n");
    const warning = "WARNING - interface eth9 for vrrp_instance VI_1 doesn't exist";
    // keepalived 2.2.7 in the same namespace: the reference words (and its exit code 5).
    const k = inNs("keepalived", gone);
    expect(k.stdout + k.stderr).toContain(warning);
    expect(k.stdout + k.stderr).toContain("Non-existent interface specified in configuration");
    expect(k.status).toBe(5);
    const t = inNs(BIN, gone);
    expect(t.stderr).toContain(`gone.conf:1: warning: ${warning}`);
    expect(t.stderr).toContain("Non-existent interface specified in configuration");
    expect(t.status).toBe(0); // warnings: 0, as every -t warning of tsvrrpd's (docs/compat.md: differences)
    // eth0 exists in the namespace (not necessarily on the host): no warning there.
    const h = inNs(BIN, here);
    expect(h.status).toBe(0);
    expect(h.stderr).not.toMatch(/WARNING|Warning/);
    const e = inNs(BIN, empty);
    expect(e.stderr).toContain("empty.conf:0: warning: Warning - keepalived has no configuration to run");
    expect(e.status).toBe(0);
  });
});

// keepalived core/main.c keepalived_main checks the configuration file and a running daemon before
// xdaemon() forks, so a start without -n that cannot work fails in the shell that ran it (2.2.7:
// exit 6 for a missing file). tsvrrpd forked first and always exited 0, the refusal only in syslog.
describe("a start without -n that cannot run says why before detaching", () => {
  it("missing configuration, a --namespace that does not exist, a live daemon on the pid file: one line on stderr, non-zero exit", async () => {
    const { lab, running } = newLab();
    const pid = join(lab.dir, "a.pid");
    const detached = (args: string[]) =>
      spawnSync("ip", ["netns", "exec", lab.ns("a"), BIN, ...args], { encoding: "utf8", timeout: 10_000 });
    const missing = detached(["-f", join(lab.dir, "missing.conf"), "-p", pid]);
    expect(missing.stderr).toMatch(/^tsvrrpd: cannot read \/.*missing\.conf: ENOENT; not starting\n$/);
    expect(missing.status).toBe(3);
    const absent = `tsvrrpd-absent-${process.pid}`;
    writeFileSync(join(lab.dir, "ns.conf"), GLOBAL + inst("VI", 1, 200, [VIP]));
    const ns = detached(["--namespace", absent, "-f", join(lab.dir, "ns.conf"), "-p", pid]);
    expect(ns.stderr).toBe(
      `tsvrrpd: Unable to set network namespace ${absent} - exiting: /run/netns/${absent} does not exist (ip netns add ${absent}); not starting\n`,
    );
    expect(ns.status).toBe(1);
    const a = startDaemon(lab, "a", "tsvrrpd", GLOBAL + inst("VI", 1, 200, [VIP]));
    running.push(a);
    await waitFor("a master", () => lab.holders(VIP).join() === "a", 10_000);
    const again = detached(["-f", join(lab.dir, "a.conf"), "-p", pid]);
    expect(again.stderr).toBe(`tsvrrpd: daemon is already running (pid ${a.child.pid} in ${pid}); not starting\n`);
    expect(again.status).toBe(3);
    expect(a.child.exitCode).toBeNull();
  });
});
