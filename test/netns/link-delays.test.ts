// interface_up_down_delays on a real interface, tsvrrpd and keepalived 2.2.7 on the same file
// (keepalived_netlink.c update_interface_flags): a link flap shorter than the down delay causes no
// transition; a longer one is FAULT, and not before the delay.
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { holdsFor, startDaemon, twoRouterLabs, type Kind, type Running } from "./daemons.js";

const newLab = twoRouterLabs("lnkd");
const VIP = "198.51.100.10";
const DOWN_DELAY_MS = 1500;
// advert_int 1: keepalived keeps a delay below (down_timer_adverts - 1) = 2 adverts.
const CONF = `global_defs {\n  vrrp_garp_master_delay 0\n}\ninterface_up_down_delays {\n  eth0 ${DOWN_DELAY_MS / 1000} 0\n}\nvrrp_instance VI {\n  interface eth0\n  virtual_router_id 33\n  priority 200\n  version 3\n  advert_int 1\n  virtual_ipaddress {\n    ${VIP}/32\n  }\n}\n`;

const faults = (r: Running) => (r.output().match(r.kind === "keepalived" ? /Entering FAULT STATE/g : /-> FAULT/g) ?? []).length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("interface_up_down_delays", () => {
  for (const kind of ["tsvrrpd", "keepalived"] as Kind[])
    it(`${kind}: a flap shorter than the down delay changes nothing; a longer down is FAULT after the delay`, async () => {
      const { lab, running } = newLab();
      const ip = (...args: string[]) => lab.exec("a", "ip", args);
      const d = startDaemon(lab, "a", kind, CONF);
      running.push(d);
      await waitFor(`${kind} on a master`, () => lab.holders(VIP).join() === "a", 10_000);
      expect(faults(d)).toBe(0);

      // Short flap: down for 0.3 s.
      ip("link", "set", "eth0", "down");
      await sleep(300);
      ip("link", "set", "eth0", "up");
      await holdsFor(DOWN_DELAY_MS + 1000, () => expect(faults(d), `${kind} entered FAULT on a 0.3 s flap`).toBe(0));
      expect(lab.holders(VIP)).toEqual(["a"]);

      // Long down: FAULT, not before the delay.
      const t0 = Date.now();
      ip("link", "set", "eth0", "down");
      await waitFor(`${kind} in FAULT`, () => faults(d) === 1, DOWN_DELAY_MS + 5000, 20);
      const after = Date.now() - t0;
      expect(after, "FAULT came before the down delay").toBeGreaterThanOrEqual(DOWN_DELAY_MS - 100);
      ip("link", "set", "eth0", "up");
      await waitFor(`${kind} on a master again`, () => lab.holders(VIP).join() === "a", 10_000);
      console.log(`${kind}: FAULT ${after} ms after the link went down (down delay ${DOWN_DELAY_MS} ms)`);
    });
});
