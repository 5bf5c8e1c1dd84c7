// tsvrrpd with use_vmac against FRR 8.4's vrrpd (Debian's frr), which only works with macvlan
// VMACs: IPv4 and IPv6, VRRPv3, both roles. FRR masters; tsvrrpd (on macvlans named as FRR names
// them) stays backup, takes over when FRR dies, and gives the VIP back when FRR returns with the
// higher priority; its adverts leave with the virtual MAC. And tsvrrpd masters while FRR backs up
// and takes over when tsvrrpd's host dies. zebra and vrrpd run per namespace with their
// own folder (platform-notes.md); the frr service is never started.
import { chmodSync, chownSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { waitFor, type Lab } from "../../lab/netns.js";
import { readPcap } from "../../lab/pcap-file.js";
import { crash, startDaemon, twoRouterLabs } from "./daemons.js";

const newLab = twoRouterLabs("frrvmac");
const VRID = 51;

interface Fam {
  family: 4 | 6;
  vip: string;
  vmac: string;
  mac: string;
}
const V4: Fam = { family: 4, vip: "198.51.100.10", vmac: `vrrp4-${VRID}`, mac: "00:00:5e:00:01:33" };
const V6: Fam = { family: 6, vip: "2001:db8:1::10", vmac: `vrrp6-${VRID}`, mac: "00:00:5e:00:02:33" };

function frrUser(): { uid: number; gid: number } {
  return { uid: Number(execFileSync("id", ["-u", "frr"]).toString()), gid: Number(execFileSync("id", ["-g", "frr"]).toString()) };
}

/** FRR's side on router a: its macvlan holding the VIP, zebra, then vrrpd (priority 200). */
async function startFrr(lab: Lab, f: Fam, run: number, priority = 200): Promise<string> {
  const dir = join(lab.dir, `frr-${run}`);
  chmodSync(lab.dir, 0o711); // FRR drops to user frr: it must reach its folder
  execFileSync("mkdir", ["-p", dir]);
  const { uid, gid } = frrUser();
  chownSync(dir, uid, gid);
  if (run === 0) {
    lab.exec("a", "ip", ["link", "add", f.vmac, "link", "eth0", "type", "macvlan", "mode", "bridge"]);
    lab.exec("a", "ip", ["link", "set", "dev", f.vmac, "address", f.mac]);
    lab.exec("a", "ip", ["link", "set", "dev", f.vmac, "addrgenmode", "random"]);
    lab.exec("a", "ip", [
      "addr",
      "add",
      f.family === 4 ? `${f.vip}/32` : `${f.vip}/128`,
      "dev",
      f.vmac,
      ...(f.family === 6 ? ["nodad"] : []),
    ]);
    lab.exec("a", "ip", ["link", "set", "dev", f.vmac, "up"]);
  }
  const conf = [
    "interface eth0",
    ` vrrp ${VRID} version 3`,
    ` vrrp ${VRID} priority ${priority}`,
    ` vrrp ${VRID} advertisement-interval 100`,
    ` vrrp ${VRID} ${f.family === 4 ? "ip" : "ipv6"} ${f.vip}`,
    "",
  ].join("\n");
  writeFileSync(join(dir, "zebra.conf"), "");
  writeFileSync(join(dir, "vrrpd.conf"), conf);
  for (const n of ["zebra.conf", "vrrpd.conf"]) chownSync(join(dir, n), uid, gid);
  const common = ["-u", "frr", "-g", "frr", "--vty_socket", dir, "-z", join(dir, "zserv.api"), "-P", "0", "--log", "stdout"];
  const out = (c: ReturnType<Lab["spawn"]>) => {
    c.stdout?.on("data", (d: Buffer) => (frrOutput += d.toString()));
    c.stderr?.on("data", (d: Buffer) => (frrOutput += d.toString()));
  };
  out(lab.spawn("a", "/usr/lib/frr/zebra", ["-i", join(dir, "zebra.pid"), "-f", join(dir, "zebra.conf"), ...common]));
  await waitFor("zebra's API socket", () => socketExists(join(dir, "zserv.api")), 10_000);
  out(lab.spawn("a", "/usr/lib/frr/vrrpd", ["-i", join(dir, "vrrpd.pid"), "-f", join(dir, "vrrpd.conf"), ...common]));
  const want = priority === 200 ? "Master" : "Backup";
  await waitFor(`FRR's vrrpd to be ${want}`, () => frrState(lab, dir, f) === want, 15_000);
  return dir;
}

let frrOutput = "";

function socketExists(path: string): boolean {
  try {
    execFileSync("test", ["-S", path]);
    return true;
  } catch {
    return false;
  }
}

function frrState(lab: Lab, dir: string, f: Fam): string | undefined {
  try {
    const out = execFileSync("ip", ["netns", "exec", lab.ns("a"), "vtysh", "--vty_socket", dir, "-d", "vrrpd", "-c", "show vrrp json"], {
      stdio: ["ignore", "pipe", "ignore"],
    }).toString();
    const j = JSON.parse(out) as { vrid: number; v4?: { status: string }; v6?: { status: string } }[];
    const v = j.find((x) => x.vrid === VRID);
    return f.family === 4 ? v?.v4?.status : v?.v6?.status;
  } catch {
    return undefined;
  }
}

function tsvrrpdConf(f: Fam, priority = 100): string {
  return [
    "global_defs {",
    "  router_id b",
    "  vrrp_garp_master_delay 0",
    "}",
    "vrrp_instance VI_1 {",
    "  state BACKUP",
    "  interface eth0",
    `  use_vmac ${f.vmac}`,
    `  virtual_router_id ${VRID}`,
    `  priority ${priority}`,
    "  advert_int 0.1",
    "  version 3",
    "  virtual_ipaddress {",
    `    ${f.vip}`,
    "  }",
    "}",
    "",
  ].join("\n");
}

async function frrPair(f: Fam): Promise<void> {
  const { lab, running } = newLab();
  frrOutput = "";
  running.push({ kind: "keepalived", router: "a", child: { exitCode: 0 } as never, output: () => `(FRR)\n${frrOutput}` });
  const pcap = join(lab.dir, "b.pcap");
  await lab.capture(pcap, "ip proto 112 or ip6 proto 112", lab.port("b"));
  await startFrr(lab, f, 0);
  const b = startDaemon(lab, "b", "tsvrrpd", tsvrrpdConf(f));
  running.push(b);
  const holds = () => lab.addresses("b", f.vmac).some((x) => x.startsWith(`${f.vip}/`));
  await waitFor("tsvrrpd on b in BACKUP", () => /-> BACKUP/.test(b.output()), 15_000);
  await new Promise((r) => setTimeout(r, 1000)); // more than tsvrrpd's down interval (0.36 s)
  expect(/-> MASTER/.test(b.output()), "tsvrrpd took over while FRR was master").toBe(false);
  expect(holds()).toBe(false);
  lab.killAll("a", "SIGKILL"); // FRR dies (zebra and vrrpd)
  await waitFor("tsvrrpd to take over after FRR died", holds, 10_000);
  await new Promise((r) => setTimeout(r, 300)); // some adverts as master on the wire
  await startFrr(lab, f, 1); // FRR back at priority 200: it preempts
  await waitFor("tsvrrpd to give the VIP back to FRR", () => !holds(), 10_000);
  expect(b.output()).toMatch(/MASTER -> BACKUP|Entering BACKUP STATE/);
  await new Promise((r) => setTimeout(r, 200));
  const mine = readPcap(pcap).filter(
    (w) => w.kind === "vrrp" && w.srcMac !== f.mac && w.srcMac !== "" && (w as { priority?: number }).priority === 100,
  );
  const fromVmac = readPcap(pcap).filter((w) => w.kind === "vrrp" && w.srcMac === f.mac && (w as { priority?: number }).priority === 100);
  expect(fromVmac.length, "tsvrrpd's adverts leave with the virtual MAC").toBeGreaterThan(0);
  expect(mine.length, "no advert of tsvrrpd from another MAC").toBe(0);
  crash(lab, "b");
}

/** tsvrrpd masters (200), FRR backs up (100) and takes over when tsvrrpd's host dies. */
async function frrBackup(f: Fam): Promise<void> {
  const { lab, running } = newLab();
  frrOutput = "";
  running.push({ kind: "keepalived", router: "a", child: { exitCode: 0 } as never, output: () => `(FRR)\n${frrOutput}` });
  const b = startDaemon(lab, "b", "tsvrrpd", tsvrrpdConf(f, 200));
  running.push(b);
  const holds = () => lab.addresses("b", f.vmac).some((x) => x.startsWith(`${f.vip}/`));
  await waitFor("tsvrrpd on b to master", holds, 15_000);
  const dir = await startFrr(lab, f, 0, 100);
  await new Promise((r) => setTimeout(r, 1000)); // more than FRR's down interval
  expect(frrState(lab, dir, f), "FRR stays backup while tsvrrpd masters").toBe("Backup");
  expect(holds()).toBe(true);
  crash(lab, "b");
  lab.exec("b", "ip", ["link", "set", "eth0", "down"]);
  await waitFor("FRR to take over after tsvrrpd died", () => frrState(lab, dir, f) === "Master", 10_000);
}

describe("use_vmac against FRR's vrrpd", () => {
  it("IPv4: tsvrrpd master, FRR takes over when it dies", () => frrBackup(V4), 90_000);
  it("IPv6: tsvrrpd master, FRR takes over when it dies", () => frrBackup(V6), 90_000);
  it("IPv4: FRR master, tsvrrpd takes over when it dies and gives back when it returns", () => frrPair(V4), 90_000);
  it("IPv6: FRR master, tsvrrpd takes over when it dies and gives back when it returns", () => frrPair(V6), 90_000);
});
