// net_namespace (keepalived 2.2.7 core/main.c, core/namespaces.c set_namespaces): tsvrrpd is
// started in the host's root namespace with `net_namespace NS` naming a lab router's namespace, and
// runs VRRP there next to keepalived 2.2.7 on the other router: master first, then backup taking
// over when the peer dies, both ways round. Its check and notify scripts run inside NS too (a
// script's /proc/self/ns/net is NS's), the VIP never lands in the root namespace, the default pid
// file is /run/keepalived/NS/keepalived.pid, and `ip netns exec NS tsvrrpd status -p` finds it.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { waitFor, type Lab } from "../../lab/netns.js";
import { defaultControlSocket } from "../../src/operator/control-path.js";
import { BIN, crash, startDaemon, twoRouterLabs, type Running } from "./daemons.js";

const newLab = twoRouterLabs("netns");
const VIP = "198.51.100.40";

function conf(router: string, priority: number, extra = ""): string {
  return (
    `${extra}global_defs {\n  router_id ${router}\n  vrrp_garp_master_delay 0\n}\n` +
    `vrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 40\n  priority ${priority}\n` +
    `  advert_int 0.1\n  version 3\n  virtual_ipaddress {\n    ${VIP}/24\n  }\n}\n`
  );
}

/** tsvrrpd started from the root namespace (no `ip netns exec`), told by the file to run in `ns`. */
function startInRoot(lab: Lab, ns: string, priority: number): { child: ChildProcess; output(): string; check: string; notify: string } {
  const check = join(lab.dir, "check.ns");
  const notify = join(lab.dir, "notify.ns");
  const script = (file: string) => {
    const path = `${file}.sh`;
    writeFileSync(path, `#!/bin/sh\nreadlink /proc/self/ns/net > ${file}\n`);
    chmodSync(path, 0o755);
    return path;
  };
  const body = conf("a", priority, `net_namespace ${ns}\n`)
    .replace(
      "vrrp_instance VI_1 {",
      `vrrp_script chk {\n  script ${script(check)}\n  interval 1\n}\nvrrp_instance VI_1 {\n  track_script {\n    chk\n  }\n  notify_master ${script(notify)}`,
    )
    .replace("global_defs {", "global_defs {\n  script_user root");
  const file = join(lab.dir, "root.conf");
  writeFileSync(file, body);
  const child = spawn(BIN, ["-n", "--log-json", "-G", "-D", "-f", file], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  return { child, output: () => out, check, notify };
}

const rootHoldsVip = () => readFileSync("/proc/net/fib_trie", "utf8").includes(VIP);
const nsInode = (lab: Lab, router: string) => `net:[${statSync(`/run/netns/${lab.ns(router)}`).ino}]`;

/**
 * Removes /run/keepalived/NS, and /run/keepalived itself when this run made it and it is empty, and
 * the control socket derived from the default pid file, which a SIGKILLed daemon leaves behind.
 */
function removePidDir(ns: string, hadRunDir: boolean): void {
  const inode = String(statSync(`/run/netns/${ns}`).ino);
  rmSync(defaultControlSocket(`/run/keepalived/${ns}/keepalived.pid`, inode), { force: true });
  rmSync(`/run/keepalived/${ns}`, { recursive: true, force: true });
  if (!hadRunDir)
    try {
      rmdirSync("/run/keepalived");
    } catch {
      // another run's directory is in it, or it is gone
    }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.on("exit", r));
  child.kill("SIGTERM");
  await exited;
}

describe("net_namespace: tsvrrpd started in the root namespace runs VRRP in the named one, next to keepalived 2.2.7", () => {
  it("tsvrrpd master in a's namespace, keepalived backup on b takes over", async () => {
    const { lab, running } = newLab();
    const ns = lab.ns("a");
    const hadRunDir = existsSync("/run/keepalived");
    const pidFile = `/run/keepalived/${ns}/keepalived.pid`;
    const t = startInRoot(lab, ns, 200);
    try {
      running.push({ kind: "tsvrrpd", router: "root", child: t.child, output: t.output } satisfies Running);
      await waitFor("tsvrrpd to hold the VIP in a's namespace", () => lab.holders(VIP).join() === "a", 15_000);
      expect(rootHoldsVip(), "the VIP is not in the root namespace").toBe(false);
      const b = startDaemon(lab, "b", "keepalived", conf("b", 100));
      running.push(b);
      await waitFor("keepalived on b in BACKUP", () => /Entering BACKUP STATE/.test(b.output()), 10_000);
      await new Promise((r) => setTimeout(r, 1000)); // past b's down interval: a stays master
      expect(lab.holders(VIP)).toEqual(["a"]);
      // Scripts run in a's namespace, as keepalived's would (its whole process is there).
      await waitFor("the check script's namespace", () => existsSync(t.check), 5000);
      expect(readFileSync(t.check, "utf8").trim()).toBe(nsInode(lab, "a"));
      await waitFor("the notify script's namespace", () => existsSync(t.notify), 5000);
      expect(readFileSync(t.notify, "utf8").trim()).toBe(nsInode(lab, "a"));
      // keepalived's pid file for a namespace, seen from the host; the status client inside it finds the daemon.
      expect(readFileSync(pidFile, "utf8").trim()).toBe(String(t.child.pid));
      const status = lab.exec("a", BIN, ["status", "--json", "-p", pidFile]);
      expect((JSON.parse(status) as { instances: { name: string; state: string }[] }).instances.map((i) => [i.name, i.state])).toEqual([
        ["VI_1", "MASTER"],
      ]);
      // a's host dies.
      t.child.kill("SIGKILL");
      lab.exec("a", "ip", ["addr", "flush", "dev", "eth0"]);
      lab.exec("a", "ip", ["link", "set", "eth0", "down"]);
      await waitFor("keepalived on b to take over", () => lab.holders(VIP).join() === "b", 10_000);
    } finally {
      t.child.kill("SIGKILL");
      removePidDir(ns, hadRunDir);
    }
  }, 60_000);

  it("keepalived master on a, tsvrrpd backup in b's namespace takes over", async () => {
    const { lab, running } = newLab();
    const ns = lab.ns("b");
    const hadRunDir = existsSync("/run/keepalived");
    const a = startDaemon(lab, "a", "keepalived", conf("a", 200));
    running.push(a);
    await waitFor("keepalived on a master", () => lab.holders(VIP).join() === "a", 15_000);
    const t = startInRoot(lab, ns, 100);
    try {
      running.push({ kind: "tsvrrpd", router: "root", child: t.child, output: t.output } satisfies Running);
      await waitFor("tsvrrpd in b's namespace in BACKUP", () => /Entering BACKUP STATE/.test(t.output()), 10_000);
      await new Promise((r) => setTimeout(r, 1000));
      expect(lab.holders(VIP)).toEqual(["a"]);
      crash(lab, "a");
      lab.exec("a", "ip", ["addr", "flush", "dev", "eth0"]);
      lab.exec("a", "ip", ["link", "set", "eth0", "down"]);
      await waitFor("tsvrrpd to take over in b's namespace", () => lab.holders(VIP).join() === "b", 10_000);
      expect(rootHoldsVip()).toBe(false);
      expect(readlinkSync(`/proc/${t.child.pid}/ns/net`)).toBe(nsInode(lab, "b"));
      await stopChild(t.child);
      expect(lab.holders(VIP), "the VIP is released on stop").toEqual([]);
      expect(existsSync(`/run/keepalived/${ns}/keepalived.pid`), "the pid file is removed on stop").toBe(false);
    } finally {
      t.child.kill("SIGKILL");
      removePidDir(ns, hadRunDir);
    }
  }, 60_000);
});

describe("net_namespace that cannot be entered", () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      child.on("exit", (code) => resolve({ code, out }));
    });

  it("-t says so and exits 3; the daemon exits 1 with keepalived's words before it opens anything", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-netns-"));
    try {
      const missing = `tsvrrpd-absent-${process.pid}`;
      const file = join(dir, "k.conf");
      writeFileSync(file, conf("a", 100, `net_namespace ${missing}\n`));
      const t = await run(["-t", "-f", file]);
      expect(t.code).toBe(3);
      expect(t.out).toContain(`Unable to set network namespace ${missing}: /run/netns/${missing} does not exist`);
      const d = await run(["-n", "-l", "-G", "-f", file, "-p", join(dir, "k.pid")]);
      expect(d.code).toBe(1);
      expect(d.out).toContain(`Unable to set network namespace ${missing} - exiting`);
      expect(existsSync(join(dir, "k.pid")), "no pid file written").toBe(false);
      expect(existsSync(`/run/keepalived/${missing}`)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

// keepalived 2.2.7 core/main.c: -s overrides the file's net_namespace before set_namespaces, which
// -t runs too, so the test looks for the interfaces in -s's namespace.
describe("-t with -s", () => {
  it("looks for the interfaces in -s's namespace", async () => {
    const { lab } = newLab();
    // An interface only a's namespace has (the host has an eth0 of its own).
    lab.exec("a", "ip", ["link", "add", "tsvx0", "type", "veth", "peer", "name", "tsvx1"]);
    const file = join(lab.dir, "t.conf");
    writeFileSync(file, conf("a", 100).replace("interface eth0", "interface tsvx0"));
    const out = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(BIN, ["-t", "-s", lab.ns("a"), "-f", file], { stdio: ["ignore", "pipe", "pipe"] });
      let text = "";
      child.stdout.on("data", (d: Buffer) => (text += d.toString()));
      child.stderr.on("data", (d: Buffer) => (text += d.toString()));
      child.on("exit", (code) => resolve({ code, out: text }));
    });
    expect(out.out).not.toContain("Non-existent interface");
    expect(out.code).toBe(0);
  }, 30_000);
});

// keepalived vrrp.c vrrp_complete_instance: the VIPs an advert carries are what the interface's MTU
// holds, found in the VRRP child, inside the namespace. tsvrrpd read /sys/class/net (the host's
// sysfs: setns leaves mounts alone), and read the file before entering the namespace at all.
describe("net_namespace: the interface's MTU is the namespace's", () => {
  it("-t -s and the daemon size the advert by the namespace interface's MTU", async () => {
    const { lab } = newLab();
    lab.exec("a", "ip", ["link", "add", "tsvx0", "mtu", "1280", "type", "veth", "peer", "name", "tsvx1"]);
    const vips = Array.from({ length: 80 }, (_, k) => `    2001:db8::${(k + 1).toString(16)}/64`).join("\n");
    const file = join(lab.dir, "mtu.conf");
    writeFileSync(
      file,
      `vrrp_instance V6 {\n  interface tsvx0\n  virtual_router_id 61\n  version 3\n  virtual_ipaddress {\n${vips}\n  }\n}\n`,
    );
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
        let text = "";
        child.stdout.on("data", (d: Buffer) => (text += d.toString()));
        child.stderr.on("data", (d: Buffer) => (text += d.toString()));
        child.on("exit", (code) => resolve({ code, out: text }));
      });
    // (1280 - 40 - 8 - 14) / 16 = 76; the host has no tsvx0 (1500 by default: 89, all 80 fit).
    const words = "80 virtual addresses, an advert on tsvx0 (MTU 1280) carries at most 76";
    const t = await run(["-t", "-s", lab.ns("a"), "-f", file]);
    expect(t.out).toContain(words);
    const pid = join(lab.dir, "mtu.pid");
    const child = spawn(BIN, ["-n", "--log-json", "-G", "-s", lab.ns("a"), "-f", file, "-p", pid, "--control", `${pid}.sock`], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    try {
      await waitFor("the daemon started", () => /Startup complete|exiting/.test(out), 15_000);
      expect(out).toContain(words);
    } finally {
      await stopChild(child);
    }
  }, 30_000);
});
