// auth_type AH on the virtual LAN: the router's sequence-number rules (keepalived vrrp.c
// vrrp_in_chk_ipsecah, vrrp_state_master_rx) through crashes, restarts and graceful stops, with
// every advert sealed and checked as on the wire (ipsec-ah.ts).
import { describe, expect, it } from "vitest";
import { SimLan, type SimHostSpec } from "../../src/sim/lan.js";
import { addressBytes } from "../../src/vrrp/address.js";
import { defaultInstanceConfig } from "../../src/vrrp/instance-types.js";
import { AUTH_AH, passwordBytes } from "../../src/vrrp/packet.js";
import type { RouterInstanceSpec } from "../../src/vrrp/router-types.js";
import { masterDownMs } from "../../src/vrrp/timing.js";

const MDI = masterDownMs(2, 100, 100);

function host(n: number, priority: number, key: string): SimHostSpec {
  const spec: RouterInstanceSpec = {
    name: "VI",
    key: "51/4/eth0",
    interface: "eth0",
    config: defaultInstanceConfig({
      name: "VI",
      vrid: 51,
      version: 2,
      advertIntervalCs: 100,
      priority,
      primaryAddress: addressBytes(`192.0.2.${10 + n}`),
      vips: [addressBytes("198.51.100.1")],
      authType: AUTH_AH,
      authKey: passwordBytes(key),
    }),
    receive: {
      version: 2,
      unicastPeers: [],
      peerTtl: [],
      checkUnicastSrc: false,
      unicastChecksum: "auto",
      v3ChecksumAsV2: false,
      ahKey: passwordBytes(key),
    },
    trackChecks: [],
    trackLinks: [],
    trackFiles: [],
    trackProcesses: [],
    dontTrackPrimary: false,
  };
  return { name: `r${n}`, router: { instances: [spec], syncGroups: [] } };
}

const holders = (lan: SimLan) => lan.vipHolders("VI").map((r) => r.name);
const drops = (lan: SimLan, name: string) => lan.router(name).router.instance("VI")!.vi.stats.drops;

describe("auth_type AH on the virtual LAN", () => {
  it("one master; takeover on a crash; the crashed router returns fresh, carries on above the numbers it hears and takes over again", () => {
    const lan = new SimLan(1, [host(1, 200, "secret"), host(2, 100, "secret")]);
    lan.startAll();
    lan.run(MDI * 3);
    expect(holders(lan)).toEqual(["r1"]);
    lan.crash("r1");
    lan.run(lan.clock.now + MDI * 3);
    expect(holders(lan)).toEqual(["r2"]);
    lan.restart("r1"); // a new router: its counter starts at 0
    lan.run(lan.clock.now + MDI * 4);
    expect(holders(lan)).toEqual(["r1"]);
    // r1 heard r2's numbers before preempting, so r2 never saw a replay from r1.
    expect(drops(lan, "r2").BAD_AUTH ?? 0).toBe(0);
    lan.stop("r1");
    lan.run(lan.clock.now + MDI * 2);
    expect(holders(lan)).toEqual(["r2"]);
  });

  it("a different key: each drops the other's adverts (bad ICV) and both are masters", () => {
    const lan = new SimLan(2, [host(1, 200, "secret"), host(2, 100, "other")]);
    lan.startAll();
    lan.run(MDI * 4);
    expect(holders(lan).sort()).toEqual(["r1", "r2"]);
    expect(drops(lan, "r2").BAD_AUTH).toBeGreaterThan(0);
  });
});
