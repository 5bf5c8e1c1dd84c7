// garp_group garp_interval on a real interface, tsvrrpd and keepalived 2.2.7 on the same file
// (vrrp_arp.c send_gratuitous_arp / queue_garp with the interface's garp_delay): the gratuitous
// ARPs of a takeover leave spaced by the group's interval, not back to back. keepalived sends two
// (its queued repeats of one address collapse into one: queue_garp sets a per-address pending
// flag); tsvrrpd sends all vrrp_garp_master_repeat rounds (docs/keywords.md).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { readPcap } from "../../lab/pcap-file.js";
import { macOf, startDaemon, twoRouterLabs, type Kind } from "./daemons.js";

const newLab = twoRouterLabs("garpg");
const VIP = "198.51.100.10";
const INTERVAL_MS = 200;
const CONF = `global_defs {\n  vrrp_garp_master_delay 0\n  vrrp_garp_master_repeat 5\n}\ngarp_group {\n  garp_interval ${INTERVAL_MS / 1000}\n  interface eth0\n}\nvrrp_instance VI {\n  interface eth0\n  virtual_router_id 34\n  priority 200\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    ${VIP}/32\n  }\n}\n`;

describe("garp_group", () => {
  for (const kind of ["tsvrrpd", "keepalived"] as Kind[])
    it(`${kind}: the takeover's gratuitous ARPs are spaced by the group's garp_interval`, async () => {
      const { lab, running } = newLab();
      const pcap = join(lab.dir, "garp.pcap");
      const capture = await lab.capture(pcap, "arp", lab.port("a"));
      try {
        running.push(startDaemon(lab, "a", kind, CONF));
        await waitFor(`${kind} on a master`, () => lab.holders(VIP).join() === "a", 10_000);
        const mac = macOf(lab, "a");
        const garps = () => readPcap(pcap).filter((w) => w.kind === "arp" && w.srcMac === mac && w.target === VIP);
        await waitFor("2 gratuitous ARPs", () => garps().length >= 2, INTERVAL_MS + 5000);
        await new Promise((r) => setTimeout(r, 5 * INTERVAL_MS + 500)); // the rest of the burst, and no more
        const t = garps().map((w) => w.t * 1000);
        expect(t).toHaveLength(kind === "keepalived" ? 2 : 5);
        const gaps = t.slice(1).map((x, k) => x - t[k]!);
        console.log(
          `${kind}: gaps between gratuitous ARPs ${gaps.map((g) => g.toFixed(0)).join(", ")} ms (garp_interval ${INTERVAL_MS} ms)`,
        );
        for (const g of gaps) expect(g, "gratuitous ARPs closer than garp_interval").toBeGreaterThanOrEqual(INTERVAL_MS - 20);
        expect(t.at(-1)! - t[0]!, "the burst took far longer than its intervals").toBeLessThan((t.length - 1) * INTERVAL_MS + 2000);
      } finally {
        capture.kill();
      }
    });
});
