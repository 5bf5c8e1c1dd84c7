// What a client of the VIP sees when a split brain heals (issue: client view). A third namespace
// pings the VIP every 10 ms. The master is cut off the LAN for 1.5 s (its port leaves the bridge,
// its link stays up), the backup takes over and the client follows it; after the heal the
// client must reach the VIP again well within a second. tsvrrpd's defaults do that without
// tuning: the yielding master sends one more advert (higher_prio_send_advert), the winner hears a
// lower priority and re-announces (garp_lower_prio_repeat). The exact figures are the bench's
// (bench/client-view.ts, bench/results/client-view.json); this test bounds them generously.
import { describe, expect, it } from "vitest";
import { ClientProbe } from "../../lab/client-probe.js";
import { waitFor } from "../../lab/netns.js";
import { holdsFor, startDaemon, twoRouterLabs } from "./daemons.js";

const newLab = twoRouterLabs("cv");
const VIP = "198.51.100.10";
const conf = (p: number) =>
  `global_defs {\n  vrrp_garp_master_delay 0\n}\nvrrp_instance VI {\n  interface eth0\n  virtual_router_id 41\n  priority ${p}\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    ${VIP}/24\n  }\n}\n`;

describe("client view", () => {
  it("after a partition of the master heals, the client reaches the VIP again within 500 ms (defaults, no tuning)", async () => {
    const { lab, running } = newLab();
    lab.addRouter({ name: "c", v4: "192.0.2.50/24" });
    lab.exec("c", "ip", ["route", "add", "198.51.100.0/24", "dev", "eth0"]); // the VIP's subnet is on the LAN
    running.push(startDaemon(lab, "a", "tsvrrpd", conf(200)));
    await waitFor("a master", () => lab.holders(VIP).join() === "a", 10_000);
    const b = startDaemon(lab, "b", "tsvrrpd", conf(100));
    running.push(b);
    await waitFor("b backup", () => b.output().includes("-> BACKUP"), 10_000);
    const probe = new ClientProbe(lab, "c", VIP);
    try {
      await waitFor("the client reaching the VIP", () => probe.replies.length >= 5, 5000);
      lab.exec(null, "ip", ["link", "set", "dev", lab.port("a"), "nomaster"]); // a alone, link up
      await waitFor("b master while a is cut off", () => lab.holders(VIP).includes("b"), 3000);
      const split = Date.now();
      await waitFor("the client reaching b", () => probe.repliesSince(split + 200) >= 5, 3000);
      await new Promise((r) => setTimeout(r, Math.max(0, split + 1500 - Date.now()))); // the 1.5 s partition
      const healed = Date.now();
      lab.exec(null, "ip", ["link", "set", "dev", lab.port("a"), "master", "br0"]);
      await waitFor("a the only master again", () => lab.holders(VIP).join() === "a", 3000);
      await holdsFor(1500, () => expect(lab.holders(VIP)).toEqual(["a"]));
      const gap = probe.longestGap(healed, Date.now());
      console.log(`heal: the client went ${gap.toFixed(1)} ms without a reply`);
      expect(gap).toBeLessThan(500);
      // The winner re-announced because the loser spoke once more before yielding.
      expect(b.output()).toContain("-> BACKUP");
    } finally {
      probe.stop();
    }
  });
});
