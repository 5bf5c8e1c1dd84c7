// use_vmac in a mixed pair with keepalived 2.2.7 (Debian's build has VRRP_VMAC): both daemons put
// the VIP on a macvlan vrrp.42 with MAC 00:00:5e:00:01:2a. A client's ARP entry for the VIP shows
// that MAC, and after each takeover the new master's gratuitous ARP moves the MAC to its bridge
// port, so the client keeps reaching the VIP.
import { describe, expect, it } from "vitest";
import { waitFor, type Lab } from "../../lab/netns.js";
import { join } from "node:path";
import { readPcap } from "../../lab/pcap-file.js";
import { crash, macOf, startDaemon, twoRouterLabs, type Kind } from "./daemons.js";
import { CLIENT, VIP, VMAC, conf, links, stopAll } from "./vmac.js";

const newLab = twoRouterLabs("vmac");

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

describe("use_vmac, mixed pair with keepalived 2.2.7", () => {
  it("tsvrrpd master, keepalived backup takes over", () => pair("tsvrrpd", "keepalived"), 60_000);
  it("keepalived master, tsvrrpd backup takes over", () => pair("keepalived", "tsvrrpd"), 60_000);
  it("vmac_xmit_base: tsvrrpd master, keepalived backup takes over", () => pair("tsvrrpd", "keepalived", ["vmac_xmit_base"]), 60_000);
  it("vmac_xmit_base: keepalived master, tsvrrpd backup takes over", () => pair("keepalived", "tsvrrpd", ["vmac_xmit_base"]), 60_000);
});
