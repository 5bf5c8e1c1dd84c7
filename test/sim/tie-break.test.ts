// Equal priorities: RFC 5798 6.4.3 - the master yields only to a higher priority, or to an equal
// one from a higher primary address; so the higher address ends up master, whoever started first.
import { describe, expect, it } from "vitest";
import { SimLan } from "../../src/sim/lan.js";
import { addressBytes } from "../../src/vrrp/address.js";
import { defaultInstanceConfig } from "../../src/vrrp/instance-types.js";
import { masterDownMs } from "../../src/vrrp/timing.js";
import { advert, config, ip, stateOf } from "../vrrp/helpers.js";
import { VrrpInstance } from "../../src/vrrp/instance.js";

describe("equal priority", () => {
  it("a master yields to an equal-priority advert from a higher address, not from a lower one", () => {
    const toMaster = (addr: string) => {
      const vi = new VrrpInstance(config({ priority: 100, primaryAddress: ip(addr) }));
      vi.handle({ type: "startup" }, 0);
      vi.handle({ type: "timer" }, vi.nextDeadline()!);
      expect(vi.state).toBe("MASTER");
      return vi;
    };
    const low = toMaster("192.0.2.11");
    expect(stateOf(low.handle({ type: "advert", advert: advert({ priority: 100 }), source: ip("192.0.2.12") }, 5000))?.to).toBe("BACKUP");
    const high = toMaster("192.0.2.12");
    high.handle({ type: "advert", advert: advert({ priority: 100 }), source: ip("192.0.2.11") }, 5000);
    expect(high.state).toBe("MASTER");
  });

  // A BACKUP does not compare addresses (6.4.2: an equal priority resets its timer), so the tie-break
  // decides only where masters meet: a simultaneous start, or the heal of a partition.
  for (const family of [4, 6] as const) {
    it(`IPv${family}: when equal-priority masters meet (start together, heal a partition) the higher address stays master`, () => {
      const addrs = family === 4 ? ["192.0.2.10", "192.0.2.30", "192.0.2.20"] : ["fe80::10", "fe80::30", "fe80::20"];
      for (let seed = 1; seed <= 20; seed++) {
        const specs = addrs.map((a, i) => ({
          name: `r${i}`,
          config: defaultInstanceConfig({
            name: "VI",
            vrid: 7,
            version: 3,
            family,
            advertIntervalCs: 10,
            priority: 100,
            primaryAddress: addressBytes(a),
            vips: [addressBytes(family === 4 ? "198.51.100.1" : "2001:db8:1::1")],
            initialState: seed % 2 ? "MASTER" : "BACKUP",
          }),
        }));
        const lan = new SimLan(seed, specs);
        const mdi = masterDownMs(3, 100, 10);
        lan.startAll();
        lan.run(5 * mdi);
        expect(
          lan.masters().map((r) => r.name),
          `seed ${seed}, start`,
        ).toEqual(["r1"]);
        lan.partition([["r0"], ["r1"], ["r2"]]);
        lan.run(10 * mdi);
        expect(lan.masters().length, `seed ${seed}, split`).toBe(3);
        lan.heal();
        lan.run(15 * mdi);
        expect(
          lan.masters().map((r) => r.name),
          `seed ${seed}, healed`,
        ).toEqual(["r1"]);
      }
    });
  }
});
