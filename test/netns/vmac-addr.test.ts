// use_vmac_addr against keepalived 2.2.7 (Debian's build has VRRP_VMAC; vrrp.c
// vrrp_complete_instance makes the macvlans): the instance runs on eth0 without use_vmac, and its
// VIP on eth1, a second LAN, lives on a macvlan vrrp.43 made on eth1 with MAC 00:00:5e:00:01:2b.
// A client on the second LAN reaches that VIP through the virtual MAC before and after a takeover,
// both ways round; the backup has its macvlan ready, the VIP of the first LAN stays on eth0, and
// tsvrrpd removes its macvlan on stop.
import { describe, expect, it } from "vitest";
import { waitFor, type Lab } from "../../lab/netns.js";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { crash, startDaemon, twoRouterLabs, type Kind, type Running } from "./daemons.js";
import { parseKeepalivedDump, tsvrrpdInstances } from "./instance-view.js";
import { secondLan } from "./vmac.js";

const newLab = twoRouterLabs("vmaddr");
const VIP0 = "198.51.100.10";
const VIP1 = "203.0.113.10";
const VMAC = "00:00:5e:00:01:2b";
const CLIENT = "203.0.113.50";

function conf(router: string, priority: number): string {
  return [
    "global_defs {",
    `  router_id ${router}`,
    "  vrrp_garp_master_delay 0",
    "}",
    "vrrp_instance VI_1 {",
    "  state BACKUP",
    "  interface eth0",
    "  use_vmac_addr",
    "  virtual_router_id 43",
    `  priority ${priority}`,
    "  advert_int 0.1",
    "  version 3",
    "  virtual_ipaddress {",
    `    ${VIP0}/24`,
    `    ${VIP1}/24 dev eth1`,
    "  }",
    "}",
    "",
  ].join("\n");
}

function link(
  lab: Lab,
  router: string,
  ifname: string,
): { address: string; link?: string; linkinfo?: { info_kind?: string; info_data?: { mode?: string } } } | undefined {
  const j = JSON.parse(lab.exec(router, "ip", ["-d", "-j", "link", "show"])) as { ifname: string }[];
  return j.find((l) => l.ifname === ifname) as never;
}

function fdbPort(lab: Lab): string | undefined {
  const j = JSON.parse(lab.exec(null, "bridge", ["-j", "fdb", "show", "br", "br1"])) as { mac: string; ifname: string }[];
  return j.find((e) => e.mac === VMAC)?.ifname;
}

function clientNeighbour(lab: Lab): string | undefined {
  lab.exec("c", "ping", ["-c", "1", "-W", "1", VIP1], true);
  const j = JSON.parse(lab.exec("c", "ip", ["-j", "neigh", "show", VIP1])) as { lladdr?: string }[];
  return j[0]?.lladdr;
}

async function stop(r: Running): Promise<void> {
  if (r.child.exitCode !== null || r.child.signalCode !== null) return;
  const exited = new Promise((res) => r.child.on("exit", res));
  r.child.kill("SIGTERM");
  await exited;
}

async function pair(high: Kind, low: Kind): Promise<void> {
  const { lab, running } = newLab();
  lab.addRouter({ name: "c", v4: "192.0.2.50/24" });
  secondLan(lab, ["a", "b", "c"]);
  lab.exec("c", "ip", ["addr", "add", `${CLIENT}/24`, "dev", "eth1"]);
  const holds = (r: string) => lab.addresses(r, "vrrp.43").some((x) => x.startsWith(`${VIP1}/`));
  const a = startDaemon(lab, "a", high, conf("a", 200));
  running.push(a);
  await waitFor(`${high} on a to hold ${VIP1} on vrrp.43`, () => holds("a"), 15_000);
  const vm = link(lab, "a", "vrrp.43");
  expect(vm?.address).toBe(VMAC);
  expect(vm?.linkinfo?.info_kind).toBe("macvlan");
  expect(vm?.linkinfo?.info_data?.mode).toBe("private");
  expect(vm?.link).toBe("eth1");
  // No use_vmac: the instance's own VIP stays on eth0, and there is no macvlan on eth0.
  expect(lab.addresses("a").some((x) => x.startsWith(`${VIP0}/`))).toBe(true);
  expect(lab.addresses("a", "eth1").some((x) => x.startsWith(`${VIP1}/`))).toBe(false);
  const b = startDaemon(lab, "b", low, conf("b", 100));
  running.push(b);
  await waitFor(`${low} on b to make vrrp.43 on eth1`, () => link(lab, "b", "vrrp.43")?.link === "eth1", 15_000);
  expect(link(lab, "b", "vrrp.43")?.address).toBe(VMAC);
  await new Promise((r) => setTimeout(r, 1000)); // past b's down interval: it must stay backup
  expect(holds("b"), `${low} on b holds ${VIP1} while a is master`).toBe(false);
  expect(lab.holders(VIP0)).toEqual(["a"]);
  expect(clientNeighbour(lab)).toBe(VMAC);
  expect(fdbPort(lab)).toBe("q-a");
  // a's host dies: its daemon is killed and both its links cut.
  crash(lab, "a");
  lab.exec("a", "ip", ["link", "set", "eth0", "down"]);
  lab.exec("a", "ip", ["link", "set", "eth1", "down"]);
  await waitFor(`${low} on b to take over ${VIP1} on vrrp.43`, () => holds("b"), 10_000);
  await waitFor("the second LAN to learn the virtual MAC on b's port", () => fdbPort(lab) === "q-b", 5000);
  expect(clientNeighbour(lab)).toBe(VMAC);
  expect(lab.addresses("b").some((x) => x.startsWith(`${VIP0}/`))).toBe(true);
  await stop(b);
  if (low === "tsvrrpd") expect(link(lab, "b", "vrrp.43"), "tsvrrpd removes its macvlan on stop").toBeUndefined();
}

describe("use_vmac_addr, mixed pair with keepalived 2.2.7", () => {
  it("tsvrrpd master, keepalived backup takes over", () => pair("tsvrrpd", "keepalived"), 60_000);
  it("keepalived master, tsvrrpd backup takes over", () => pair("keepalived", "tsvrrpd"), 60_000);
});

describe("use_vmac_addr, addresses' use_vmac and vmac_addr_prefix: where each VIP lives, against keepalived 2.2.7's own dump", () => {
  it("the same file gives the same instances, macvlans (name@base) and VIP placement", async () => {
    const { lab } = newLab();
    for (const i of [1, 2]) {
      lab.exec("a", "ip", ["link", "add", `eth${i}`, "type", "veth", "peer", "name", `x${i}`]);
      for (const n of [`eth${i}`, `x${i}`]) lab.exec("a", "ip", ["link", "set", n, "up"]);
    }
    // V1: use_vmac and use_vmac_addr, VIPs with and without dev eth0, on eth1 and eth2, and of the
    // other family. V2: addresses' own use_vmac (one beside use_vmac_addr's absence, one beside a
    // plain address on the same interface). V3: the same VRID as V1 with a VIP on eth1, so it
    // shares V1's macvlan there (vrrp_if.c if_get_by_vmac).
    const file = join(lab.dir, "placement.conf");
    writeFileSync(
      file,
      [
        "global_defs {",
        "  router_id a",
        "  vmac_addr_prefix va",
        "}",
        "vrrp_instance V1 {",
        "  interface eth0",
        "  use_vmac",
        "  use_vmac_addr",
        "  virtual_router_id 51",
        "  virtual_ipaddress {",
        "    192.0.2.100/24",
        "    192.0.2.101/24 dev eth0",
        "    198.51.100.7/24 dev eth1",
        "  }",
        "  virtual_ipaddress_excluded {",
        "    2001:db8::7/64",
        "    203.0.113.8/24 dev eth2",
        "  }",
        "}",
        "vrrp_instance V2 {",
        "  interface eth1",
        "  virtual_router_id 52",
        "  virtual_ipaddress {",
        "    198.51.100.20/24",
        "    203.0.113.20/24 dev eth2 use_vmac",
        "    203.0.113.21/24 dev eth2",
        "  }",
        "  virtual_ipaddress_excluded {",
        "    2001:db8:2::20/64 use_vmac",
        "  }",
        "}",
        "vrrp_instance V3 {",
        "  interface eth2",
        "  use_vmac_addr",
        "  virtual_router_id 51",
        "  virtual_ipaddress {",
        "    198.51.100.30/24 dev eth1",
        "  }",
        "}",
        "",
      ].join("\n"),
    );
    const p = (n: string) => join(lab.dir, n);
    const child = lab.spawn("a", "keepalived", ["-n", "-l", "-d", "--vrrp", "-f", file, "-p", p("k.pid"), "-r", p("k.vrrp.pid")]);
    let out = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
    await waitFor("keepalived's dump", () => out.includes("------< Interfaces >------"), 10_000);
    child.kill("SIGTERM");
    const keepalived = parseKeepalivedDump(out);
    expect(
      keepalived.map((i) => i.name),
      out,
    ).toEqual(["V1", "V2", "V3"]);
    expect(tsvrrpdInstances(file)).toEqual(keepalived);
  }, 30_000);
});
