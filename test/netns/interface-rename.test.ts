// Interface rename, against keepalived as the peer. keepalived follows interfaces by index and name
// (keepalived_netlink.c, netlink_if_link_filter: "Interface name has changed from %s to %s" drops
// the old interface_t, so its instances go to FAULT; an interface that later carries the configured
// name is a new one and the instances bind to it). tsvrrpd must do the same: no VIP left on the
// renamed interface, the peer takes over, and the instance comes back on whatever interface carries
// the configured name again, including a different one (a new ifindex).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { enteredBackup } from "./mixed-pair.js";
import { holdsFor, holdsWhileAdvertising, startDaemon, statusOr, twoRouterLabs } from "./daemons.js";

const newLab = twoRouterLabs("ren");
const VIP = "198.51.100.10";
const conf = (p: number) =>
  `global_defs {\n  vrrp_garp_master_delay 0\n}\nvrrp_instance VI {\n  interface eth0\n  virtual_router_id 31\n  priority ${p}\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    ${VIP}/32\n  }\n}\n`;
// Down interval for the backup (priority 100) at 0.1 s: 3 x 0.1 + skew, rounded up.
const MDI = 400;

describe("interface rename", () => {
  it("renamed away: FAULT with the VIP removed and keepalived takes over; renamed back or replaced: master again", async () => {
    const { lab, running } = newLab();
    const ip = (...args: string[]) => lab.exec("a", "ip", args);
    const state = async (): Promise<string | undefined> => (await statusOr(join(lab.dir, "a.pid.sock")))?.instances[0]?.state;
    const vipOn = (ifname: string) => lab.addresses("a", ifname).some((a) => a.startsWith(`${VIP}/`));

    running.push(startDaemon(lab, "a", "tsvrrpd", conf(200)));
    await waitFor("tsvrrpd on a master", () => lab.holders(VIP).join() === "a", 10_000);
    const b = startDaemon(lab, "b", "keepalived", conf(100));
    running.push(b);
    await waitFor("keepalived on b in BACKUP", () => enteredBackup(b), 10_000);

    // Renamed away (Linux renames only a down interface).
    ip("link", "set", "eth0", "down");
    ip("link", "set", "eth0", "name", "lan0");
    ip("link", "set", "lan0", "up");
    await waitFor("a in FAULT", async () => (await state()) === "FAULT", 5000);
    await waitFor("keepalived on b to take over", () => lab.holders(VIP).join() === "b", 5000);
    await holdsFor(MDI * 2, async () => {
      expect(vipOn("lan0"), "VIP left on the renamed interface").toBe(false);
      expect(await state()).toBe("FAULT");
    });

    // Renamed back: the same interface (same index) carries the configured name again.
    ip("link", "set", "lan0", "down");
    ip("link", "set", "lan0", "name", "eth0");
    ip("link", "set", "eth0", "up");
    await waitFor(
      "a master again (priority 200 preempts)",
      async () => (await state()) === "MASTER" && lab.holders(VIP).join() === "a",
      5000,
    );
    await holdsWhileAdvertising(lab, "a", 361, MDI * 2, () => expect(lab.holders(VIP)).toEqual(["a"]));

    // Replaced: the old interface is renamed away and a new one (another index) takes the name.
    ip("link", "set", "eth0", "down");
    ip("link", "set", "eth0", "name", "old0");
    await waitFor("keepalived on b to take over from the renamed a", () => lab.holders(VIP).join() === "b", 5000);
    const oldIndex = JSON.parse(ip("-j", "link", "show", "old0"))[0].ifindex as number;
    spawnSync("ip", ["link", "add", "eth0", "netns", lab.ns("a"), "type", "veth", "peer", "name", "p-a2", "netns", lab.lanNs], {
      timeout: 10_000,
    });
    lab.exec(null, "ip", ["link", "set", "p-a2", "master", "br0"]);
    lab.exec(null, "ip", ["link", "set", "p-a2", "up"]);
    ip("addr", "add", "192.0.2.11/24", "dev", "eth0");
    ip("link", "set", "eth0", "up");
    const newIndex = JSON.parse(ip("-j", "link", "show", "eth0"))[0].ifindex as number;
    expect(newIndex).not.toBe(oldIndex);
    await waitFor("a master on the new eth0", async () => (await state()) === "MASTER" && lab.holders(VIP).join() === "a", 5000);
    // keepalived must hear a's adverts on the new interface: it stays BACKUP through its down
    // interval (unless a fell silent that long, on the wire at its new port p-a2).
    await holdsWhileAdvertising(lab, "a", 361, MDI * 3, () => expect(lab.holders(VIP)).toEqual(["a"]), { port: "p-a2" });
    expect(vipOn("old0")).toBe(false);
  });
});
