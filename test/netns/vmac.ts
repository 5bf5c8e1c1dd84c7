// What the use_vmac files against keepalived 2.2.7 (vmac.test.ts, vmac-pair.test.ts) share: the
// configuration (one instance, the VIP on macvlan vrrp.42 with MAC 00:00:5e:00:01:2a), the
// router's links, and stopping daemons.
import type { Lab } from "../../lab/netns.js";
import type { Running } from "./daemons.js";

// The VIP's subnet is not on eth0: the master reaches the client only through vrrp.42. (With the
// VIP in eth0's subnet, keepalived's master too answers from eth0 and its ARP requests, sent from
// eth0 with the VIP as sender, teach the client eth0's MAC.)
export const VIP = "198.51.100.10";
export const VMAC = "00:00:5e:00:01:2a";
export const CLIENT = "198.51.100.50";

export function conf(router: string, priority: number, extra: string[] = []): string {
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

export function links(lab: Lab, router: string): { ifname: string; address: string; link?: string; linkinfo?: { info_kind?: string } }[] {
  return JSON.parse(lab.exec(router, "ip", ["-d", "-j", "link", "show"])) as never;
}

/** SIGTERM to every daemon still running, and wait for them to exit. */
export async function stopAll(running: Running[]): Promise<void> {
  const live = running.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
  const exited = live.map((r) => new Promise((res) => r.child.on("exit", res)));
  for (const r of live) r.child.kill("SIGTERM");
  await Promise.all(exited);
}

/** A second LAN, br1, with an eth1 in each router (no address: the VIP's subnet is reached through the macvlan only). */
export function secondLan(lab: Lab, routers: readonly string[]): void {
  lab.exec(null, "ip", ["link", "add", "br1", "type", "bridge", "mcast_snooping", "0"]);
  lab.exec(null, "ip", ["link", "set", "br1", "up"]);
  for (const r of routers) {
    lab.exec(null, "ip", ["link", "add", `q-${r}`, "type", "veth", "peer", "name", "eth1", "netns", lab.ns(r)]);
    lab.exec(null, "ip", ["link", "set", `q-${r}`, "master", "br1"]);
    lab.exec(null, "ip", ["link", "set", `q-${r}`, "up"]);
    lab.exec(r, "ip", ["link", "set", "eth1", "up"]);
  }
}
