// use_vmac: the macvlan deleted by hand on the master. keepalived 2.2.7 makes it again at once
// (keepalived_netlink.c netlink_if_link_filter: RTM_DELLINK of an interface it made queues
// vrrp_if.c recreate_vmac_thread -> netlink_link_add_vmac) and the instance takes its VIP back.
// use_vmac_addr: recreate_vmac_thread only looks at instances whose own interface it is, so the
// macvlan holding a VIP on another interface is not made again at once, and a reload (SIGHUP)
// does not make it either (vrrp.c vrrp_complete_instance finds the interface_t it remembers with
// if_get_by_vmac); measured below: absent until restart. Both daemons run the same file, each in a lab of its own; what each did
// is compared.
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { startDaemon, twoRouterLabs } from "./daemons.js";
import { VIP, VMAC, conf, links, secondLan, stopAll } from "./vmac.js";

const newLab = twoRouterLabs("vmacre");

describe("use_vmac macvlan deleted by someone else", () => {
  it("is made again with the VRRP MAC and holds the VIP again, as keepalived 2.2.7 does; stop removes it", async () => {
    const seen: Record<string, { back: boolean; mac?: string; holds: boolean; removedAtStop: boolean }> = {};
    for (const kind of ["keepalived", "tsvrrpd"] as const) {
      const { lab, running } = newLab();
      const vmac = () => links(lab, "a").find((l) => l.ifname === "vrrp.42") as { ifindex?: number; address?: string } | undefined;
      const holds = () => lab.addresses("a", "vrrp.42").some((x) => x.startsWith(`${VIP}/`));
      const d = startDaemon(lab, "a", kind, conf("a", 200), `-${kind}`);
      running.push(d);
      await waitFor(`${kind} to hold the VIP on vrrp.42`, holds, 15_000);
      const before = vmac()!.ifindex;
      lab.exec("a", "ip", ["link", "del", "vrrp.42"]);
      const deadline = Date.now() + 10_000;
      let back = false;
      while (Date.now() < deadline && !(back && holds())) {
        await new Promise((r) => setTimeout(r, 100));
        const now = vmac();
        back = now !== undefined && now.ifindex !== before;
      }
      const mac = vmac()?.address;
      const held = holds();
      await stopAll([d]);
      seen[kind] = { back, ...(mac ? { mac } : {}), holds: held, removedAtStop: vmac() === undefined };
    }
    expect(seen.keepalived).toEqual({ back: true, mac: VMAC, holds: true, removedAtStop: true });
    expect(seen.tsvrrpd).toEqual(seen.keepalived);
  }, 90_000);
});

describe("use_vmac_addr macvlan deleted by someone else", () => {
  const VIP1 = "203.0.113.10";
  const addrConf = [
    "global_defs {",
    "  router_id a",
    "  vrrp_garp_master_delay 0",
    "}",
    "vrrp_instance VI_1 {",
    "  state BACKUP",
    "  interface eth0",
    "  use_vmac_addr",
    "  virtual_router_id 43",
    "  priority 200",
    "  advert_int 0.1",
    "  version 3",
    "  virtual_ipaddress {",
    `    ${VIP}/24`,
    `    ${VIP1}/24 dev eth1`,
    "  }",
    "}",
    "",
  ].join("\n");

  it("is made again neither at once nor by a reload (SIGHUP), as with keepalived 2.2.7", async () => {
    const seen: Record<string, { atOnce: boolean; afterReload: boolean; holds: boolean }> = {};
    for (const kind of ["keepalived", "tsvrrpd"] as const) {
      const { lab, running } = newLab();
      secondLan(lab, ["a"]);
      const vmac = () => links(lab, "a").find((l) => l.ifname === "vrrp.43") as { ifindex?: number } | undefined;
      const holds = () => lab.addresses("a", "vrrp.43").some((x) => x.startsWith(`${VIP1}/`));
      const d = startDaemon(lab, "a", kind, addrConf, `-${kind}`);
      running.push(d);
      await waitFor(`${kind} to hold ${VIP1} on vrrp.43`, holds, 15_000);
      lab.exec("a", "ip", ["link", "del", "vrrp.43"]);
      // keepalived recreates a use_vmac one within 100 ms (above); 3 s is plenty.
      await new Promise((r) => setTimeout(r, 3000));
      const atOnce = vmac() !== undefined;
      d.child.kill("SIGHUP");
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && !(vmac() && holds())) await new Promise((r) => setTimeout(r, 100));
      seen[kind] = { atOnce, afterReload: vmac() !== undefined, holds: holds() };
      await stopAll([d]);
    }
    expect(seen.keepalived).toEqual({ atOnce: false, afterReload: false, holds: false });
    expect(seen.tsvrrpd).toEqual(seen.keepalived);
  }, 90_000);
});
