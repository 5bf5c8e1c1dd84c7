// garp_extra_if in a mixed pair (keepalived 2.2.7 vrrp.c vrrp_send_vmac_update, called from
// vrrp_state_master_tx): a is MASTER with a VIP on eth0 and two excluded ones on x0, a veth inside its namespace;
// with `garp_extra_if 1 all` it keeps sending a gratuitous ARP on x0 for the first of them (never
// the second) while MASTER. tcpdump on x0's peer x1 counts them, once the master's own burst is
// over. b runs the other daemon as the peer.
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { startDaemon, twoRouterLabs, type Kind } from "./daemons.js";

const newLab = twoRouterLabs("gxi");
const VIP = "198.51.100.63";
const X1 = "203.0.113.5";
const X2 = "203.0.113.6";

const conf = (priority: number, extra: boolean) =>
  `global_defs {\n  vrrp_garp_master_delay 0\n  vrrp_garp_master_repeat 1\n}\n` +
  `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 63\n  priority ${priority}\n  version 3\n  advert_int 0.2\n` +
  (extra ? "  garp_extra_if 1 all\n" : "") +
  `  virtual_ipaddress {\n    ${VIP}\n  }\n` +
  // Excluded from the adverts, so both routers advertise the same address list (keepalived's
  // vrrp_send_vmac_update walks the excluded ones too).
  (extra ? `  virtual_ipaddress_excluded {\n    ${X1}/24 dev x0\n    ${X2}/24 dev x0\n  }\n` : "") +
  `}\n`;

const ROLES: [Kind, Kind][] = [
  ["tsvrrpd", "keepalived"],
  ["keepalived", "tsvrrpd"],
];

describe("garp_extra_if", () => {
  for (const [aKind, bKind] of ROLES) {
    it(`${aKind} as MASTER refreshes the first VIP of each other interface every second (${bKind} on b)`, async () => {
      const { lab, running } = newLab();
      lab.exec("a", "ip", ["link", "add", "x0", "type", "veth", "peer", "name", "x1"]);
      lab.exec("a", "ip", ["link", "set", "x1", "up"]);
      lab.exec("a", "ip", ["link", "set", "x0", "up"]);
      running.push(startDaemon(lab, "a", aKind, conf(150, true)));
      await waitFor(`${aKind} on a master`, () => lab.holders(VIP).join() === "a", 10_000);
      const b = startDaemon(lab, "b", bKind, conf(100, false));
      running.push(b);
      await waitFor(`${bKind} on b in BACKUP`, () => /Entering BACKUP STATE|-> BACKUP/.test(b.output()), 10_000);

      let out = "";
      const dump = lab.spawn("a", "tcpdump", ["-i", "x1", "-n", "-l", "--immediate-mode", "arp"]);
      let err = "";
      dump.stdout?.on("data", (d: Buffer) => (out += d.toString()));
      dump.stderr?.on("data", (d: Buffer) => (err += d.toString()));
      await waitFor("tcpdump listening on x1", () => err.includes("listening on"), 5000);
      // The master's own burst (garp_master_repeat 1, delay 0) is long over: a has been MASTER since
      // before b started.
      await new Promise((r) => setTimeout(r, 4500));
      dump.kill("SIGTERM");
      const lines = out.split("\n").filter((l) => l.includes("ARP"));
      const first = lines.filter((l) => l.includes(`tell ${X1}`) || l.includes(`${X1} is-at`)).length;
      const second = lines.filter((l) => l.includes(`tell ${X2}`) || l.includes(`${X2} is-at`)).length;
      // 4.5 s at one a second: 3 to 5 (a scheduling delay may cost one); the second VIP never.
      expect(first, out).toBeGreaterThanOrEqual(3);
      expect(first, out).toBeLessThanOrEqual(5);
      expect(second, out).toBe(0);
      expect(lab.holders(VIP).join()).toBe("a");
    });
  }
});
