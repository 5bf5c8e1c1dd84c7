// use_vmac against keepalived 2.2.7 (Debian's build has VRRP_VMAC): both daemons put the VIP on a
// macvlan vrrp.42 with MAC 00:00:5e:00:01:2a. A client's ARP entry for the VIP shows that MAC, and
// after each takeover the new master's gratuitous ARP moves the MAC to its bridge port, so the
// client keeps reaching the VIP. tsvrrpd also removes its macvlan on stop and a crashed run's at start.
import { describe, expect, it } from "vitest";
import { waitFor, type Lab } from "../../lab/netns.js";
import { join } from "node:path";
import { readPcap } from "../../lab/pcap-file.js";
import { crash, macOf, startDaemon, twoRouterLabs, type Kind, type Running } from "./daemons.js";

const newLab = twoRouterLabs("vmac");
// The VIP's subnet is not on eth0: the master reaches the client only through vrrp.42. (With the
// VIP in eth0's subnet, keepalived's master too answers from eth0 and its ARP requests, sent from
// eth0 with the VIP as sender, teach the client eth0's MAC.)
const VIP = "198.51.100.10";
const VMAC = "00:00:5e:00:01:2a";
const CLIENT = "198.51.100.50";

function conf(router: string, priority: number, extra: string[] = []): string {
  return [
    "global_defs {",
    `  router_id ${router}`,
    "  vrrp_garp_master_delay 0",
    "}",
    "vrrp_instance VI_1 {",
    "  state BACKUP",
    "  interface eth0",
    "  use_vmac",
    ...extra.map((l) => `  ${l}`),
    "  virtual_router_id 42",
    `  priority ${priority}`,
    "  advert_int 0.1",
    "  version 3",
    "  virtual_ipaddress {",
    `    ${VIP}/24`,
    "  }",
    "}",
    "",
  ].join("\n");
}

function links(lab: Lab, router: string): { ifname: string; address: string; link?: string; linkinfo?: { info_kind?: string } }[] {
  return JSON.parse(lab.exec(router, "ip", ["-d", "-j", "link", "show"])) as never;
}

/** The bridge port the LAN has learnt the virtual MAC on. */
function fdbPort(lab: Lab): string | undefined {
  const j = JSON.parse(lab.exec(null, "bridge", ["-j", "fdb", "show", "br", "br0"])) as { mac: string; ifname: string }[];
  return j.find((e) => e.mac === VMAC)?.ifname;
}

/** The client's ARP entry for the VIP after a ping that must get an answer. */
function clientNeighbour(lab: Lab): string | undefined {
  lab.exec("c", "ping", ["-c", "1", "-W", "1", VIP]);
  const j = JSON.parse(lab.exec("c", "ip", ["-j", "neigh", "show", VIP])) as { lladdr?: string }[];
  return j[0]?.lladdr;
}

async function pair(high: Kind, low: Kind, extra: string[] = []): Promise<void> {
  const { lab, running } = newLab();
  const pcap = join(lab.dir, "lan.pcap");
  await lab.capture(pcap, "ip proto 112");
  lab.addRouter({ name: "c", v4: "192.0.2.50/24" });
  lab.exec("c", "ip", ["addr", "add", `${CLIENT}/24`, "dev", "eth0"]);
  const holds = (r: string) => lab.addresses(r, "vrrp.42").some((a) => a.startsWith(`${VIP}/`));
  const a = startDaemon(lab, "a", high, conf("a", 200, extra));
  running.push(a);
  await waitFor(`${high} on a to hold ${VIP} on vrrp.42`, () => holds("a"), 15_000);
  const vm = links(lab, "a").find((l) => l.ifname === "vrrp.42");
  expect(vm?.address).toBe(VMAC);
  expect(vm?.linkinfo?.info_kind).toBe("macvlan");
  expect(
    lab.addresses("a").some((x) => x.startsWith(`${VIP}/`)),
    "the VIP is not on eth0",
  ).toBe(false);
  const b = startDaemon(lab, "b", low, conf("b", 100, extra));
  running.push(b);
  await waitFor(`${low} on b to make vrrp.42`, () => links(lab, "b").some((l) => l.ifname === "vrrp.42"), 15_000);
  await new Promise((r) => setTimeout(r, 1000)); // past b's down interval (0.36 s): it must stay backup
  expect(holds("b"), `${low} on b holds the VIP while a is master`).toBe(false);
  expect(clientNeighbour(lab)).toBe(VMAC);
  expect(fdbPort(lab)).toBe(lab.port("a"));
  // a's host dies: its daemon is killed and its link cut. (With a's kernel left up holding the VIP
  // on its macvlan, it answers b's gratuitous ARP requests from the same MAC when vmac_xmit_base
  // is set, with keepalived on either side, and the LAN keeps learning the MAC on a's port.)
  crash(lab, "a");
  lab.exec("a", "ip", ["link", "set", "eth0", "down"]);
  await waitFor(`${low} on b to take over ${VIP} on vrrp.42`, () => holds("b"), 10_000);
  await waitFor("the LAN to learn the virtual MAC on b's port", () => fdbPort(lab) === lab.port("b"), 5000);
  expect(clientNeighbour(lab)).toBe(VMAC);
  await new Promise((r) => setTimeout(r, 300)); // b's adverts as master reach the capture
  // Adverts leave from the macvlan (the virtual MAC), or from eth0 with vmac_xmit_base.
  const want = (r: string) => (extra.includes("vmac_xmit_base") ? macOf(lab, r) : VMAC);
  const adverts = readPcap(pcap).filter((w) => w.kind === "vrrp");
  for (const [r, prio] of [
    ["a", 200],
    ["b", 100],
  ] as const) {
    const from = adverts.filter((w) => w.priority === prio).map((w) => w.srcMac);
    expect(from.length, `adverts at priority ${prio}`).toBeGreaterThan(0);
    expect([...new Set(from)], `source MACs of ${r}'s adverts`).toEqual([want(r)]);
  }
  await stopAll(running);
}

async function stopAll(running: Running[]): Promise<void> {
  const live = running.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
  const exited = live.map((r) => new Promise((res) => r.child.on("exit", res)));
  for (const r of live) r.child.kill("SIGTERM");
  await Promise.all(exited);
}

describe("use_vmac, mixed pair with keepalived 2.2.7", () => {
  it("tsvrrpd master, keepalived backup takes over", () => pair("tsvrrpd", "keepalived"), 60_000);
  it("keepalived master, tsvrrpd backup takes over", () => pair("keepalived", "tsvrrpd"), 60_000);
  it("vmac_xmit_base: tsvrrpd master, keepalived backup takes over", () => pair("tsvrrpd", "keepalived", ["vmac_xmit_base"]), 60_000);
  it("vmac_xmit_base: keepalived master, tsvrrpd backup takes over", () => pair("keepalived", "tsvrrpd", ["vmac_xmit_base"]), 60_000);
});

describe("use_vmac interface life", () => {
  it("a crashed run's macvlan is replaced at start; stop removes it and restores the base's sysctls", async () => {
    const { lab, running } = newLab();
    const sysctl = (k: string) => lab.exec("a", "cat", [`/proc/sys/net/ipv4/conf/eth0/${k}`]).trim();
    expect([sysctl("arp_ignore"), sysctl("arp_filter")]).toEqual(["0", "0"]);
    const first = startDaemon(lab, "a", "tsvrrpd", conf("a", 200));
    running.push(first);
    const holds = () => lab.addresses("a", "vrrp.42").some((x) => x.startsWith(`${VIP}/`));
    await waitFor("tsvrrpd to hold the VIP on vrrp.42", holds, 15_000);
    expect([sysctl("arp_ignore"), sysctl("arp_filter")]).toEqual(["1", "1"]);
    expect(lab.exec("a", "cat", ["/proc/sys/net/ipv4/conf/vrrp.42/arp_ignore"]).trim()).toBe("1");
    // SIGHUP with the same file: the macvlan and the master stay as they are.
    const index = (links(lab, "a").find((l) => l.ifname === "vrrp.42") as { ifindex?: number } | undefined)?.ifindex;
    first.child.kill("SIGHUP");
    await waitFor("the reload", () => /configuration reloaded/.test(first.output()), 10_000);
    expect(first.output()).toMatch(/"kept":1,"changed":0/);
    expect((links(lab, "a").find((l) => l.ifname === "vrrp.42") as { ifindex?: number } | undefined)?.ifindex).toBe(index);
    expect(holds()).toBe(true);
    await stopAll([first]);
    expect(
      links(lab, "a").some((l) => l.ifname === "vrrp.42"),
      "vrrp.42 removed on stop",
    ).toBe(false);
    expect([sysctl("arp_ignore"), sysctl("arp_filter")]).toEqual(["0", "0"]);
    const crashed = startDaemon(lab, "a", "tsvrrpd", conf("a", 200), "-2");
    running.push(crashed);
    await waitFor("the second run to hold the VIP", holds, 15_000);
    crash(lab, "a");
    expect(
      links(lab, "a").find((l) => l.ifname === "vrrp.42"),
      "the crashed run's macvlan is still there",
    ).toBeDefined();
    const third = startDaemon(lab, "a", "tsvrrpd", conf("a", 200), "-3");
    running.push(third);
    await waitFor("the third run to remove the old macvlan", () => /Removing old VMAC interface vrrp\.42/.test(third.output()), 15_000);
    await waitFor("the third run to hold the VIP", holds, 15_000);
    expect(links(lab, "a").filter((l) => l.ifname.startsWith("vrrp")).length).toBe(1);
    await stopAll([third]);
    expect(links(lab, "a").some((l) => l.ifname === "vrrp.42")).toBe(false);
  }, 60_000);
});

describe("use_vmac source address", () => {
  it("an instance whose base interface has no IPv4 address waits in FAULT and starts when one is added to the base", async () => {
    const { lab, running } = newLab();
    lab.exec("a", "ip", ["addr", "del", "192.0.2.11/24", "dev", "eth0"]);
    const d = startDaemon(lab, "a", "tsvrrpd", conf("a", 200));
    running.push(d);
    await waitFor("the no-source message naming eth0", () => /no IPv4 source address on eth0/.test(d.output()), 15_000);
    lab.exec("a", "ip", ["addr", "add", "192.0.2.11/24", "dev", "eth0"]);
    await waitFor(
      "the VIP on vrrp.42 once eth0 has an address",
      () => lab.addresses("a", "vrrp.42").some((x) => x.startsWith(`${VIP}/`)),
      10_000,
    );
    await stopAll([d]);
  }, 60_000);
});

describe("use_vmac names and addresses, same file as keepalived", () => {
  it("dual stack on one VRID: keepalived 2.2.7 and tsvrrpd make the same macvlans with the same MACs and link-local", async () => {
    const { lab, running } = newLab();
    const file = [
      "global_defs {",
      "  router_id a",
      "}",
      "vrrp_instance V4 {",
      "  state BACKUP",
      "  interface eth0",
      "  use_vmac",
      "  virtual_router_id 42",
      "  priority 200",
      "  advert_int 0.1",
      "  version 3",
      "  virtual_ipaddress {",
      `    ${VIP}/24`,
      "  }",
      "}",
      "vrrp_instance V6 {",
      "  state BACKUP",
      "  interface eth0",
      "  use_vmac",
      "  virtual_router_id 42",
      "  priority 200",
      "  advert_int 0.1",
      "  virtual_ipaddress {",
      "    2001:db8:1::10",
      "  }",
      "}",
      "",
    ].join("\n");
    const macvlans = () =>
      links(lab, "a")
        .filter((l) => l.linkinfo?.info_kind === "macvlan")
        .map((l) => {
          const ll = lab.addresses("a", l.ifname).filter((x) => x.startsWith("fe80:"));
          return `${l.ifname} ${l.address} ${ll.join(",")}`;
        })
        .sort();
    const seen: Record<string, string[]> = {};
    for (const kind of ["keepalived", "tsvrrpd"] as const) {
      const d = startDaemon(lab, "a", kind, file, `-${kind}`);
      running.push(d);
      await waitFor(
        `${kind} to hold both VIPs`,
        () => {
          const all = lab.snapshot();
          void all;
          return (
            links(lab, "a").filter((l) => l.linkinfo?.info_kind === "macvlan").length === 2 &&
            macvlans().every((m) =>
              lab.addresses("a", m.split(" ")[0]).some((x) => x.startsWith("198.51.100.10/") || x.startsWith("2001:db8:1::10/")),
            )
          );
        },
        15_000,
      );
      seen[kind] = macvlans();
      await stopAll([d]);
      await waitFor(`${kind} to remove its macvlans`, () => macvlans().length === 0, 10_000);
    }
    expect(seen.keepalived!.map((m) => m.split(" ").slice(0, 2).join(" "))).toEqual([`vrrp.42 ${VMAC}`, "vrrp6.42 00:00:5e:00:02:2a"]);
    expect(seen.tsvrrpd).toEqual(seen.keepalived);
  }, 60_000);
});
