// use_vmac: the macvlan deleted by hand on the master. keepalived 2.2.7 makes it again at once
// (keepalived_netlink.c netlink_if_link_filter: RTM_DELLINK of an interface it made queues
// vrrp_if.c recreate_vmac_thread -> netlink_link_add_vmac) and the instance takes its VIP back.
// Both daemons run the same file, each in a lab of its own; what each did is compared.
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { startDaemon, twoRouterLabs } from "./daemons.js";
import { VIP, VMAC, conf, links, stopAll } from "./vmac.js";

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
