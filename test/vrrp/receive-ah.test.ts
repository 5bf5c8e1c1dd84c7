// auth_type AH through the pure receive path and the router: the AH header exactly when
// configured, ICV and SPI (packet.ts receive), then keepalived's replay rule per instance (router.ts),
// fed with packets keepalived 2.2.7 sent (test/fixtures/keepalived-2.2.7-ah.json).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { addressBytes } from "../../src/vrrp/address.js";
import { defaultInstanceConfig } from "../../src/vrrp/instance-types.js";
import { AH_LENGTH } from "../../src/vrrp/ipsec-ah.js";
import { AUTH_AH, passwordBytes, receive, type ReceivePolicy } from "../../src/vrrp/packet.js";
import { VrrpRouter } from "../../src/vrrp/router.js";
import type { RouterInstanceSpec } from "../../src/vrrp/router-types.js";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/keepalived-2.2.7-ah.json", import.meta.url), "utf8")) as { packets: string[] };
// VRID 61, multicast, auth_pass "secret-password", priority 150, sequence numbers 1, 2, 3 (then 0-priority 4).
const mcast = fixture.packets.map((h) => Uint8Array.from(Buffer.from(h, "hex"))).filter((p) => p[16] === 224);
const KEY = passwordBytes("secret-password");
const rx = (p: Uint8Array, withAh = true) => ({
  ifname: "eth0",
  family: 4 as const,
  src: p.subarray(12, 16),
  dst: p.subarray(16, 20),
  ttl: p[8]!,
  multicast: true,
  payload: p.subarray(20 + AH_LENGTH),
  ...(withAh ? { ah: p } : {}),
});
const policy: ReceivePolicy = {
  version: 2,
  unicastPeers: [],
  peerTtl: [],
  checkUnicastSrc: false,
  unicastChecksum: "auto",
  v3ChecksumAsV2: false,
};

describe("receive() with auth_type AH", () => {
  it("takes keepalived's AH advert and gives its sequence number", () => {
    expect(receive({ ...policy, ahKey: KEY }, false, rx(mcast[0]!))).toMatchObject({
      ok: true,
      ahSeq: 1,
      advert: { vrid: 61, priority: 150 },
    });
  });
  it("wants the AH header exactly when configured (keepalived vrrp_check_packet)", () => {
    expect(receive({ ...policy, ahKey: KEY }, false, rx(mcast[0]!, false))).toMatchObject({ ok: false, code: "BAD_AUTH_TYPE" });
    expect(receive(policy, false, rx(mcast[0]!))).toMatchObject({ ok: false, code: "BAD_AUTH_TYPE" });
  });
  it("drops a wrong key as an authentication failure", () => {
    expect(receive({ ...policy, ahKey: passwordBytes("nope") }, false, rx(mcast[0]!))).toMatchObject({ ok: false, code: "BAD_AUTH" });
  });
});

describe("the router's AH sequence rule", () => {
  it("drops a replayed or older number as an authentication failure, takes a higher one", () => {
    const spec: RouterInstanceSpec = {
      name: "VI",
      key: "61/4/eth0",
      interface: "eth0",
      config: defaultInstanceConfig({
        name: "VI",
        vrid: 61,
        version: 2,
        advertIntervalCs: 100,
        priority: 100,
        primaryAddress: addressBytes("192.0.2.2"),
        vips: [addressBytes("192.0.2.100"), addressBytes("192.0.2.101")],
        authType: AUTH_AH,
        authKey: KEY,
      }),
      receive: { ...policy, ahKey: KEY },
      trackChecks: [],
      trackLinks: [],
      trackFiles: [],
      trackProcesses: [],
      dontTrackPrimary: false,
    };
    const router = new VrrpRouter({ instances: [spec], syncGroups: [] });
    let now = 0;
    router.handle({ type: "link", ifname: "eth0", present: true, up: true }, now);
    router.handle({ type: "start", instance: router.instances[0]! }, now);
    const feed = (p: Uint8Array) => router.handle({ type: "packet", packet: rx(p) }, (now += 10));
    const i = router.instances[0]!;
    feed(mcast[1]!); // seq 2
    expect(i.ahCounter.seq).toBe(2);
    feed(mcast[1]!); // replay
    feed(mcast[0]!); // older
    expect(i.vi.stats.drops.BAD_AUTH).toBe(2);
    feed(mcast[2]!); // seq 3
    expect(i.ahCounter.seq).toBe(3);
    expect(i.vi.stats.drops.BAD_AUTH).toBe(2);
    expect(i.vi.stats.advertsReceived).toBe(2);
  });
});
