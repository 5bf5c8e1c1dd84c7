// The root daemon against a local attacker: scripts inherit no sockets, the signal dumps never
// follow a planted link or block on a planted FIFO, and no signal kills it uncleanly.
import { execFile, spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { nativeHelper } from "../../src/native/helper.js";
import { lookupUser } from "../../src/health/users.js";
import { BIN, CLI_TIMEOUT_MS, holdsFor, startDaemon, statusOf, statusOr, twoRouterLabs, holdsWhileAdvertising } from "./daemons.js";

const newLab = twoRouterLabs("sec");
const VIP = "198.51.100.10";

/** fds of a process listed by `ls -l /proc/self/fd` run as that process: "N -> target". */
function inheritedFds(listing: string): string[] {
  return listing
    .split("\n")
    .map((l) => /\s(\d+) -> (.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .filter((m) => Number(m[1]) > 2 && !m[2]!.startsWith("/proc/")) // ls's own handle on /proc/self/fd
    .map((m) => `${m[1]} -> ${m[2]}`);
}

/** A directory in the lab that scripts running as `nobody` can write their findings to. */
function outputDirForNobody(labDir: string): string {
  chmodSync(labDir, 0o755);
  const out = join(labDir, "out");
  mkdirSync(out, { mode: 0o777 });
  chmodSync(out, 0o777); // past the umask
  return out;
}

function pidOf(file: string): number {
  return Number(readFileSync(file, "utf8").trim());
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("descriptors", () => {
  it("a check script run as nobody and a notify script see stdin, stdout and stderr only", async () => {
    const { lab, running } = newLab();
    const out = outputDirForNobody(lab.dir);
    const lister = join(lab.dir, "list-fds.sh");
    writeFileSync(lister, `#!/bin/sh\nexec ls -l /proc/self/fd > ${out}/$1.$(id -un) 2>&1\n`);
    chmodSync(lister, 0o755);
    const conf = `global_defs {\n  vrrp_garp_master_delay 0\n}\nvrrp_script chk {\n  script "${lister} check"\n  interval 0.2\n  user nobody\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 61\n  priority 200\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    ${VIP}\n  }\n  track_script {\n    chk\n  }\n  notify_master "${lister} notify"\n}\n`;
    running.push(startDaemon(lab, "a", "tsvrrpd", conf));
    await waitFor("a master", () => lab.holders(VIP).join() === "a", 10_000);
    // The check runs every 0.2 s, also after the sockets opened: wait for a run after the takeover.
    const checkOut = join(out, "check.nobody");
    const notifyOut = join(out, "notify.root");
    await waitFor("the notify script's listing", () => existsSync(notifyOut) && readFileSync(notifyOut, "utf8").includes("->"), 5000);
    writeFileSync(checkOut, "");
    await waitFor("a check listing after the takeover", () => readFileSync(checkOut, "utf8").includes("->"), 5000);
    expect(inheritedFds(readFileSync(checkOut, "utf8")), "descriptors a nobody check script inherited").toEqual([]);
    expect(inheritedFds(readFileSync(notifyOut, "utf8")), "descriptors a notify script inherited").toEqual([]);
  });
});

describe("signals and dump files", () => {
  it("--signum prints keepalived's numbers", async () => {
    const n = nativeHelper();
    const want: Record<string, number> = {
      STOP: 15,
      RELOAD: 1,
      DATA: 10,
      STATS: 12,
      JSON: n.sigrtmin() + 2,
      STATS_CLEAR: n.sigrtmax() - 1,
    };
    // All at once: seven CLI starts one after the other took 39 s on a loaded machine.
    const run = (args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = execFile(BIN, args, { encoding: "utf8", timeout: CLI_TIMEOUT_MS }, (_, stdout, stderr) =>
          resolve({ status: child.exitCode, stdout, stderr }),
        );
      });
    const [bad, ...named] = await Promise.all([run(["--signum", "NOPE"]), ...Object.keys(want).map((name) => run([`--signum=${name}`]))]);
    for (const [k, [name, num]] of Object.entries(want).entries())
      expect([name, named[k]!.status, named[k]!.stdout.trim()]).toEqual([name, 0, String(num)]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("Unknown sigfunc NOPE");
  });

  it("DATA, STATS, STATS_CLEAR and JSON replace a planted symlink, FIFO or foreign file without touching it; stray signals are survived", async () => {
    const { lab, running } = newLab();
    const tmp = join(lab.dir, "tmp");
    mkdirSync(tmp, { mode: 0o1777 });
    const victim = join(lab.dir, "victim");
    writeFileSync(victim, "precious\n");
    symlinkSync(victim, join(tmp, "keepalived.data"));
    expect(spawnSync("mkfifo", [join(tmp, "keepalived.stats")], { timeout: 10_000 }).status).toBe(0);
    writeFileSync(join(tmp, "keepalived.json"), "planted\n");
    const conf = `global_defs {\n  vrrp_garp_master_delay 0\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 62\n  priority 200\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    ${VIP}\n  }\n}\n`;
    const d = startDaemon(lab, "a", "tsvrrpd", conf, "", { TMPDIR: tmp });
    running.push(d);
    await waitFor("a master", () => lab.holders(VIP).join() === "a", 10_000);
    const pid = pidOf(join(lab.dir, "a.pid"));
    const n = nativeHelper();
    const regular = (name: string, text: string) => {
      const p = join(tmp, name);
      return lstatSync(p).isFile() && readFileSync(p, "utf8").includes(text);
    };

    process.kill(pid, "SIGUSR1");
    await waitFor("data dump replacing the symlink", () => regular("keepalived.data", "VRRP Instance = VI_1"), 5000);
    process.kill(pid, "SIGUSR2");
    await waitFor("stats dump replacing the FIFO", () => regular("keepalived.stats", "VRRP Instance: VI_1"), 5000);
    const stats = readFileSync(join(tmp, "keepalived.stats"), "utf8");
    expect(stats).toMatch(/Advertisements:\n {4}Received: \d+\n {4}Sent: [1-9]\d*\n/);
    expect(stats).toContain("Became master: 1");
    process.kill(pid, n.sigrtmin() + 2);
    await waitFor("JSON dump replacing the planted file", () => regular("keepalived.json", '"iname"'), 5000);
    const json = JSON.parse(readFileSync(join(tmp, "keepalived.json"), "utf8")) as {
      data: { iname: string; state: number; vipset: boolean };
      stats: { become_master: number };
    }[];
    expect(json[0]).toMatchObject({ data: { iname: "VI_1", state: 2, vipset: true }, stats: { become_master: 1 } });
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    // Readable by root only, as keepalived 2.2.7's (measured: -rw------- under its default umask
    // 0177); CVE-2018-19045 was keepalived's dumps readable by every local user.
    for (const name of ["keepalived.data", "keepalived.stats", "keepalived.json"])
      expect([name, lstatSync(join(tmp, name)).mode & 0o777]).toEqual([name, 0o600]);

    // STATS_CLEAR: the file shows the counters, then they start again from zero.
    process.kill(pid, n.sigrtmax() - 1);
    await waitFor(
      "stats written by STATS_CLEAR",
      () => d.output().includes('"kind":"stats"') && d.output().split('"stats dump written"').length > 2,
      5000,
    );
    process.kill(pid, "SIGUSR2");
    await waitFor("stats after the clear", () => d.output().split('"stats dump written"').length > 3, 5000);
    expect(readFileSync(join(tmp, "keepalived.stats"), "utf8")).toContain("Became master: 0");

    // Stray signals whose default would end Node: logged and survived, VIP kept, adverts go on.
    for (const sig of ["SIGALRM", "SIGVTALRM", "SIGPWR", "SIGIO", "SIGXCPU", "SIGPIPE"] as const) process.kill(pid, sig);
    process.kill(pid, n.sigrtmin() + 5);
    await waitFor("the stray signals logged", () => d.output().includes("SIGRTMIN+5") && d.output().includes("SIGPWR"), 5000);
    expect(alive(pid)).toBe(true);
    expect(lab.holders(VIP)).toEqual(["a"]);

    // SIGQUIT: a clean stop, VIP released.
    process.kill(pid, "SIGQUIT");
    await waitFor("the daemon to stop", () => !alive(pid), 10_000);
    expect(lab.holders(VIP)).toEqual([]);
    expect(d.output()).toContain('"reason":"SIGQUIT"');
  });
});

describe("HTTP listener", () => {
  it("answers GET and HEAD only, closes idle connections, shows no script output beyond an excerpt, and a request flood moves no state", async () => {
    const { lab, running } = newLab();
    const noisy = join(lab.dir, "noisy.sh");
    writeFileSync(noisy, `#!/bin/sh\nprintf 'secret-token=hunter2 %0500d' 0\nexit 1\n`);
    chmodSync(noisy, 0o755);
    const insts = (p: number) =>
      Array.from(
        { length: 3 },
        (_, i) =>
          `vrrp_instance V${i} {\n  interface eth0\n  virtual_router_id ${i + 1}\n  priority ${p}\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    198.51.100.${i + 10}\n  }\n${i === 0 ? "  track_script {\n    noisy\n  }\n" : ""}}\n`,
      ).join("");
    const conf = (p: number, http: boolean) =>
      `global_defs {\n  vrrp_garp_master_delay 0\n${http ? "  http_listen 127.0.0.1:9101\n" : ""}}\nvrrp_script noisy {\n  script "${noisy}"\n  interval 1\n  weight 10\n}\n${insts(p)}`;
    running.push(startDaemon(lab, "a", "tsvrrpd", conf(200, true)));
    await waitFor("a master of all 3", () => lab.holdersOf(["198.51.100.12", "198.51.100.10"]).every((h) => h === "a"), 10_000);
    const b = startDaemon(lab, "b", "tsvrrpd", conf(100, false));
    running.push(b);
    const sockB = join(lab.dir, "b.pid.sock");
    const statusB = () => statusOf<{ instances: { state: string; stats: { transitions: number } }[] }>(sockB);
    await waitFor(
      "b backup of all 3",
      async () => (await statusB().catch(() => undefined))?.instances.filter((i) => i.state === "BACKUP").length === 3,
      10_000,
    );
    const before = (await statusB()).instances.map((i) => i.stats.transitions);

    const client = `
      const net = require("node:net");
      const req = (method, path) => fetch("http://127.0.0.1:9101" + path, { method }).then(async (r) => [r.status, (await r.text()).length, r.headers.get("allow")]);
      (async () => {
        const out = {};
        // An idle connection that never sends a request is closed by the server (checked last).
        const t0 = Date.now();
        const idle = new Promise((res) => { const s = net.connect(9101, "127.0.0.1"); s.on("close", () => res(Date.now() - t0)); setTimeout(() => { s.destroy(); res(-1); }, 15000); });
        out.post = await req("POST", "/status");
        out.del = await req("DELETE", "/metrics");
        out.head = await req("HEAD", "/metrics");
        out.status = await fetch("http://127.0.0.1:9101/status").then((r) => r.json());
        out.idleClosedMs = await idle;
        process.stdout.write(JSON.stringify(out), () => process.exit(0)); // not held by the 15 s guard timer
      })();`;
    const r = spawnSync("ip", ["netns", "exec", lab.ns("a"), process.execPath, "-e", client], { encoding: "utf8", timeout: 40_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      post: [number, number, string];
      del: [number, number, string];
      head: [number, number, null];
      status: { checks: { name: string; last?: { detail: { output?: string } } }[] };
      idleClosedMs: number;
    };
    expect(out.post.slice(0, 1).concat(out.post[2])).toEqual([405, "GET, HEAD"]);
    expect(out.del[0]).toBe(405);
    expect(out.head).toEqual([200, 0, null]);
    const noisyOut = out.status.checks.find((c) => c.name === "noisy")?.last?.detail.output ?? "";
    expect(noisyOut.length).toBeGreaterThan(0);
    expect(noisyOut.length).toBeLessThanOrEqual(203);
    expect(out.idleClosedMs).toBeGreaterThan(0);
    expect(out.idleClosedMs).toBeLessThan(12_000);
    console.log(`HTTP: idle connection closed after ${out.idleClosedMs} ms`);
    // The backup never saw the master late: no transition on any of its instances.
    expect((await statusB()).instances.map((i) => i.stats.transitions)).toEqual(before);
    expect(lab.holders("198.51.100.10")).toEqual(["a"]);
  }, 90_000);
});

describe("no promiscuous mode", () => {
  it("an IPv6 pair elects one master and takes over while neither NIC is promiscuous", async () => {
    const { lab, running } = newLab();
    const vip6 = "2001:db8:1::10";
    const conf = (p: number) =>
      `global_defs {\n  vrrp_garp_master_delay 0\n}\nvrrp_instance V6 {\n  interface eth0\n  virtual_router_id 63\n  priority ${p}\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    ${vip6}\n  }\n}\n`;
    const promisc = (r: string) =>
      (JSON.parse(lab.exec(r, "ip", ["-j", "-d", "link", "show", "eth0"])) as { flags: string[]; promiscuity: number }[])[0]!;
    running.push(startDaemon(lab, "a", "tsvrrpd", conf(200)));
    await waitFor("a master", () => lab.holders(vip6).join() === "a", 10_000);
    running.push(startDaemon(lab, "b", "tsvrrpd", conf(100)));
    await waitFor("b listening (its advert capture open)", () => running[1]!.output().includes("Startup complete"), 10_000);
    for (const r of ["a", "b"]) {
      expect(promisc(r).flags, `${r}'s eth0 flags`).not.toContain("PROMISC");
      expect(promisc(r).promiscuity, `${r}'s eth0 promiscuity count`).toBe(0);
    }
    // b hears a's IPv6 adverts without promiscuous capture: it stays backup, then takes over.
    await holdsWhileAdvertising(lab, "a", 300 + ((256 - 100) / 256) * 100, 1000, () => {
      expect(lab.holders(vip6)).toEqual(["a"]);
    });
    lab.killAll("a", "SIGKILL");
    await waitFor("b takes over", () => lab.holders(vip6).includes("b"), 5000);
  });
});

describe("one daemon per pid file", () => {
  it("a second start refuses while the first runs, leaves its pid file and control socket alone, and a stale pid file does not block", async () => {
    const { lab, running } = newLab();
    const conf = `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 64\n  priority 200\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    ${VIP}\n  }\n}\n`;
    const first = startDaemon(lab, "a", "tsvrrpd", conf);
    running.push(first);
    await waitFor("a master", () => lab.holders(VIP).join() === "a", 10_000);
    const pidFile = join(lab.dir, "a.pid");
    const sock = `${pidFile}.sock`;
    await waitFor("control socket", () => existsSync(sock), 5000);
    const pid = pidOf(pidFile);

    const second = startDaemon(lab, "a", "tsvrrpd", conf); // same pid file and control socket
    running.push(second);
    await new Promise<void>((resolve) => second.child.on("exit", () => resolve()));
    expect(second.child.exitCode).toBe(3);
    expect(second.output()).toContain(`daemon is already running (pid ${pid}`);
    expect(pidOf(pidFile)).toBe(pid);
    expect(lstatSync(sock).isSocket()).toBe(true);
    expect(spawnSync(BIN, ["status", "--json", "--socket", sock], { encoding: "utf8", timeout: CLI_TIMEOUT_MS }).status).toBe(0);
    expect(alive(pid)).toBe(true);

    // The first dies without cleaning up: its pid file and socket are stale, and a new start takes over.
    lab.killAll("a", "SIGKILL");
    await waitFor("the first daemon gone", () => !alive(pid), 5000);
    const third = startDaemon(lab, "a", "tsvrrpd", conf);
    running.push(third);
    await waitFor("the new daemon answers on the control socket", async () => (await statusOr(sock)) !== undefined, 10_000);
    expect(pidOf(pidFile)).not.toBe(pid);
  });
});

describe("script users", () => {
  it("a check script runs as its user with the user's supplementary groups from the name service", async () => {
    const { lab, running } = newLab();
    const out = outputDirForNobody(lab.dir);
    // A private /etc/group (in the daemon's own mount namespace only: the host is not changed)
    // that puts nobody in an extra group.
    const group = join(lab.dir, "group");
    writeFileSync(group, readFileSync("/etc/group", "utf8").trimEnd() + "\ntsvrrpdtest:x:4242:nobody\n");
    const ids = join(lab.dir, "ids.sh");
    writeFileSync(ids, `#!/bin/sh\nid -u > ${out}/ids.tmp; id -G >> ${out}/ids.tmp; mv ${out}/ids.tmp ${out}/ids\n`);
    chmodSync(ids, 0o755);
    const conf = join(lab.dir, "a.conf");
    writeFileSync(
      conf,
      `vrrp_script ids {\n  script "${ids}"\n  interval 0.2\n  user nobody\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 65\n  priority 200\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    ${VIP}\n  }\n  track_script {\n    ids\n  }\n}\n`,
    );
    const child = lab.spawn("a", "unshare", [
      "-m",
      "--propagation",
      "private",
      "sh",
      "-c",
      `mount --bind ${group} /etc/group && exec ${BIN} -n -l -f ${conf} -p ${join(lab.dir, "a.pid")} --control ${join(lab.dir, "a.sock")}`,
    ]);
    let log = "";
    child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
    running.push({ kind: "tsvrrpd", router: "a", child, output: () => log });
    await waitFor("the script's ids", () => existsSync(join(out, "ids")), 10_000);
    const [uid, groups] = readFileSync(join(out, "ids"), "utf8").trim().split("\n");
    expect(Number(uid)).toBe(lookupUser("nobody")!.uid);
    expect(groups!.split(" ").map(Number)).toContain(4242);
    expect(readFileSync("/etc/group", "utf8")).not.toContain("tsvrrpdtest"); // the host's file is untouched
  });
});

describe("no default script user under enable_script_security", () => {
  it("without script_user or keepalived_script the check is removed as keepalived removes it (-t warns and exits 0, as for every file keepalived starts), and no script runs as root", async () => {
    const { lab, running } = newLab();
    const out = outputDirForNobody(lab.dir);
    // A private /etc/passwd without keepalived_script (in a mount namespace of the test's own: the
    // host's file is untouched), so the result does not depend on the host's accounts.
    const passwd = join(lab.dir, "passwd");
    const hostPasswd = readFileSync("/etc/passwd", "utf8");
    writeFileSync(
      passwd,
      hostPasswd
        .split("\n")
        .filter((l) => !l.startsWith("keepalived_script:"))
        .join("\n"),
    );
    const withUser = join(lab.dir, "passwd-with-user");
    writeFileSync(withUser, readFileSync(passwd, "utf8").trimEnd() + "\nkeepalived_script:x:64999:65534::/nonexistent:/usr/sbin/nologin\n");
    const marker = join(lab.dir, "marker.sh");
    writeFileSync(marker, `#!/bin/sh\nid -u >> ${out}/$1\nexit 1\n`);
    chmodSync(marker, 0o755);
    const conf = join(lab.dir, "a.conf");
    writeFileSync(
      conf,
      `global_defs {\n  enable_script_security\n  vrrp_garp_master_delay 0\n}\nvrrp_script chk {\n  script "${marker} check"\n  interval 0.2\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 66\n  priority 200\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    ${VIP}\n  }\n  track_script {\n    chk\n  }\n  notify_master "${marker} notify"\n}\n`,
    );
    const inMountNs = (file: string, cmd: string): string[] => [
      "-m",
      "--propagation",
      "private",
      "sh",
      "-c",
      `mount --bind ${file} /etc/passwd && exec ${cmd}`,
    ];
    const removing = "Unable to set default user for vrrp script chk - removing";
    // keepalived 2.2.7 on the same file: the reference (vrrp_parser.c vrrp_vscript_end_handler).
    const k = spawnSync("unshare", inMountNs(passwd, `keepalived -t -l -D -f ${conf}`), { encoding: "utf8", timeout: 20_000 });
    expect(k.stdout + k.stderr, "keepalived -t").toContain(removing);
    const t = spawnSync("unshare", inMountNs(passwd, `${BIN} -t -f ${conf}`), { encoding: "utf8", timeout: 20_000 });
    expect(t.stderr).toContain("Unable to set default user keepalived_script for script");
    expect(t.stderr).toContain(removing);
    expect(t.stderr).toContain("track_script chk has no vrrp_script; ignored");
    expect(t.status, "tsvrrpd -t: warnings only, it runs (keepalived: 5)").toBe(0);
    // With keepalived_script present the same file is fine, and the script would run as that user.
    const ok = spawnSync("unshare", inMountNs(withUser, `${BIN} -t -f ${conf}`), { encoding: "utf8", timeout: 20_000 });
    expect(ok.stderr).not.toContain(removing);
    expect(ok.status).toBe(0);

    // The daemon: the instance runs without the failing weight-0 check (MASTER, not FAULT), and
    // neither the check nor the notify script (no user either) ever runs.
    const child = lab.spawn(
      "a",
      "unshare",
      inMountNs(passwd, `${BIN} -n -l -f ${conf} -p ${join(lab.dir, "a.pid")} --control ${join(lab.dir, "a.sock")}`),
    );
    let log = "";
    child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
    running.push({ kind: "tsvrrpd", router: "a", child, output: () => log });
    await waitFor("a master without the removed check", () => lab.holders(VIP).join() === "a", 10_000);
    await holdsFor(1000, () => expect(lab.holders(VIP).join()).toBe("a"));
    expect(existsSync(join(out, "check")), "the removed check ran").toBe(false);
    expect(existsSync(join(out, "notify")), "a notify script without a user ran").toBe(false);
    expect(log).toContain("Unable to set default user keepalived_script for script");
    expect(readFileSync("/etc/passwd", "utf8")).toBe(hostPasswd); // the host's file is untouched
  });
});
