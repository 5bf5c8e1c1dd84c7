// packet.ts's receive() as a table: which adverts reach an instance's state machine. Multicast TTL /
// hop limit 255 (RFC 5798 7.1, keepalived vrrp.c vrrp_check_packet); unicast sources and their
// min_ttl/max_ttl only with check_unicast_src (keepalived vrrp.c check_ttl_hl); VRRPv3 IPv4
// unicast checksums in the old form (224.0.0.18 in the pseudo-header, vrrp.c vrrp_in_chk).
import { describe, expect, it } from "vitest";
import { parseKeepalivedConf } from "../../src/config/keepalived-conf.js";
import { routerConfig } from "../../src/daemon/router-config.js";
import { addressBytes } from "../../src/vrrp/address.js";
import { receive, sameDelivery, type ReceivePolicy, type ReceiveVerdict } from "../../src/vrrp/packet.js";
import { packet, POLICY } from "./router-table.js";

const PEERS = {
  unicastPeers: [addressBytes("192.0.2.12"), addressBytes("192.0.2.13")],
  peerTtl: [
    { min: 250, max: 254 },
    { min: 0, max: 255 },
  ],
};
const UNI = { dst: "192.0.2.11" } as const;

interface Row {
  name: string;
  policy?: Partial<ReceivePolicy>;
  /** The instance already sends the old checksum form. */
  old?: boolean;
  rx: ReturnType<typeof packet>;
  /** "ok", "ok old" (accepted, peer uses the old form) or the drop code. */
  want: string;
}

const verdict = (v: ReceiveVerdict) => (v.ok ? (v.oldChecksum ? "ok old" : "ok") : v.code);

const rows: Row[] = [
  // Multicast: TTL / hop limit exactly 255, whatever the peers' ranges say.
  { name: "multicast IPv4 TTL 255", rx: packet({ priority: 100 }), want: "ok" },
  { name: "multicast IPv4 TTL 254", rx: packet({ priority: 100, ttl: 254 }), want: "BAD_TTL" },
  { name: "multicast IPv4 TTL 1", rx: packet({ priority: 100, ttl: 1 }), want: "BAD_TTL" },
  { name: "multicast IPv4 TTL 0", rx: packet({ priority: 100, ttl: 0 }), want: "BAD_TTL" },
  { name: "multicast IPv6 hop limit 255", rx: packet({ priority: 100, family: 6 }), want: "ok" },
  { name: "multicast IPv6 hop limit 254", rx: packet({ priority: 100, family: 6, ttl: 254 }), want: "BAD_TTL" },
  { name: "multicast IPv6 hop limit 64", rx: packet({ priority: 100, family: 6, ttl: 64 }), want: "BAD_TTL" },
  {
    name: "multicast TTL 254 with check_unicast_src and a peer range allowing it",
    policy: { ...PEERS, checkUnicastSrc: true },
    rx: packet({ priority: 100, src: "192.0.2.12", ttl: 254 }),
    want: "BAD_TTL",
  },
  // Unicast without check_unicast_src: any source, any TTL (adverts may cross routers).
  {
    name: "unicast TTL 1 from a stranger, no check_unicast_src",
    policy: PEERS,
    rx: packet({ priority: 100, ...UNI, src: "192.0.2.99", ttl: 1 }),
    want: "ok",
  },
  {
    name: "unicast TTL 64 from a peer outside its range, no check_unicast_src",
    policy: PEERS,
    rx: packet({ priority: 100, ...UNI, ttl: 64 }),
    want: "ok",
  },
  // check_unicast_src: the source must be a peer, its TTL within [min_ttl, max_ttl].
  {
    name: "check_unicast_src: a stranger",
    policy: { ...PEERS, checkUnicastSrc: true },
    rx: packet({ priority: 100, ...UNI, src: "192.0.2.99" }),
    want: "NOT_PEER",
  },
  {
    name: "check_unicast_src: min_ttl 250, TTL 249",
    policy: { ...PEERS, checkUnicastSrc: true },
    rx: packet({ priority: 100, ...UNI, ttl: 249 }),
    want: "BAD_TTL",
  },
  {
    name: "check_unicast_src: min_ttl 250, TTL 250",
    policy: { ...PEERS, checkUnicastSrc: true },
    rx: packet({ priority: 100, ...UNI, ttl: 250 }),
    want: "ok",
  },
  {
    name: "check_unicast_src: max_ttl 254, TTL 254",
    policy: { ...PEERS, checkUnicastSrc: true },
    rx: packet({ priority: 100, ...UNI, ttl: 254 }),
    want: "ok",
  },
  {
    name: "check_unicast_src: max_ttl 254, TTL 255",
    policy: { ...PEERS, checkUnicastSrc: true },
    rx: packet({ priority: 100, ...UNI, ttl: 255 }),
    want: "BAD_TTL",
  },
  {
    name: "check_unicast_src: the second peer's range is its own (0..255), TTL 1",
    policy: { ...PEERS, checkUnicastSrc: true },
    rx: packet({ priority: 100, ...UNI, src: "192.0.2.13", ttl: 1 }),
    want: "ok",
  },
  {
    name: "check_unicast_src: a peer without a range entry takes 0..255",
    policy: { ...PEERS, peerTtl: [], checkUnicastSrc: true },
    rx: packet({ priority: 100, ...UNI, ttl: 0 }),
    want: "ok",
  },
  {
    name: "check_unicast_src: min_ttl above max_ttl drops every advert (as keepalived)",
    policy: { ...PEERS, peerTtl: [{ min: 200, max: 100 }], checkUnicastSrc: true },
    rx: packet({ priority: 100, ...UNI, ttl: 150 }),
    want: "BAD_TTL",
  },
  {
    name: "check_unicast_src IPv6: hop limit outside the range",
    policy: { unicastPeers: [addressBytes("fe80::12")], peerTtl: [{ min: 255, max: 255 }], checkUnicastSrc: true },
    rx: packet({ priority: 100, family: 6, dst: "fe80::11", ttl: 254 }),
    want: "BAD_TTL",
  },
  {
    name: "check_unicast_src IPv6: hop limit in range",
    policy: { unicastPeers: [addressBytes("fe80::12")], peerTtl: [{ min: 255, max: 255 }], checkUnicastSrc: true },
    rx: packet({ priority: 100, family: 6, dst: "fe80::11" }),
    want: "ok",
  },
  // Checksums: the TTL check comes first, then the codec.
  { name: "multicast, checksum over another destination", rx: packet({ priority: 100, checksumDst: "224.0.0.19" }), want: "BAD_CHECKSUM" },
  {
    name: "multicast TTL 254 and a bad checksum: BAD_TTL first",
    rx: packet({ priority: 100, ttl: 254, checksumDst: "224.0.0.19" }),
    want: "BAD_TTL",
  },
  // VRRPv3 IPv4 unicast: the old form (224.0.0.18 in the pseudo-header).
  { name: "v3 unicast, new form", policy: PEERS, rx: packet({ priority: 100, ...UNI }), want: "ok" },
  {
    name: "v3 unicast, old form, auto: accepted, switch",
    policy: PEERS,
    rx: packet({ priority: 100, ...UNI, checksumDst: "224.0.0.18" }),
    want: "ok old",
  },
  {
    name: "v3 unicast, old form, never: refused",
    policy: { ...PEERS, unicastChecksum: "never" },
    rx: packet({ priority: 100, ...UNI, checksumDst: "224.0.0.18" }),
    want: "BAD_CHECKSUM",
  },
  {
    name: "v3 unicast, new form, already sending old: accepted, no switch",
    policy: PEERS,
    old: true,
    rx: packet({ priority: 100, ...UNI }),
    want: "ok",
  },
  {
    name: "v3 unicast, old form, already sending old",
    policy: { ...PEERS, unicastChecksum: "old" },
    old: true,
    rx: packet({ priority: 100, ...UNI, checksumDst: "224.0.0.18" }),
    want: "ok old",
  },
  {
    name: "v3 unicast, checksum over a third address: refused in both forms",
    policy: PEERS,
    rx: packet({ priority: 100, ...UNI, checksumDst: "192.0.2.77" }),
    want: "BAD_CHECKSUM",
  },
  {
    name: "v3 unicast, per-peer checksum: an advert checksummed for another peer's address is refused",
    policy: PEERS,
    rx: packet({ priority: 100, ...UNI, checksumDst: "192.0.2.13" }),
    want: "BAD_CHECKSUM",
  },
  {
    name: "v3 IPv6 unicast has no old form: the group in the pseudo-header is refused",
    policy: { unicastPeers: [addressBytes("fe80::12")], peerTtl: [] },
    rx: packet({ priority: 100, family: 6, dst: "fe80::11", checksumDst: "ff02::12" }),
    want: "BAD_CHECKSUM",
  },
  {
    name: "v2 unicast: the checksum has no pseudo-header, the destination does not matter",
    policy: { ...PEERS, version: 2 },
    rx: packet({ priority: 100, version: 2, intervalCs: 100, ...UNI, checksumDst: "192.0.2.77" }),
    want: "ok",
  },
  {
    name: "v3 multicast with v3_checksum_as_v2: a checksum without pseudo-header",
    policy: { v3ChecksumAsV2: true },
    rx: (() => {
      const p = packet({ priority: 100 });
      const b = Buffer.from(p.payload);
      b.writeUInt16BE(0, 6);
      let s = 0;
      for (let k = 0; k < b.length; k += 2) s += (b[k]! << 8) | (b[k + 1] ?? 0);
      while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
      b.writeUInt16BE(~s & 0xffff, 6);
      return { ...p, payload: b };
    })(),
    want: "ok",
  },
  // The codec's own rejections come through with their codes.
  { name: "truncated below the header", rx: { ...packet({ priority: 100 }), payload: Uint8Array.of(0x31, 1, 100) }, want: "TRUNCATED" },
  {
    name: "IPv6 advert cut inside its address",
    rx: (() => {
      const p = packet({ priority: 100, family: 6 });
      return { ...p, payload: p.payload.subarray(0, p.payload.length - 1) };
    })(),
    want: "TRUNCATED",
  },
];

describe("receive(): which adverts reach the instance", () => {
  for (const r of rows)
    it(`${r.name}: ${r.want}`, () => {
      const policy: ReceivePolicy = { ...POLICY, ...r.policy };
      const v = receive(policy, r.old ?? false, r.rx);
      expect(verdict(v)).toBe(r.want);
      if (!v.ok) expect(v.detail, "the drop names the sender").toContain(r.rx.family === 4 ? "192.0.2." : "fe80::");
    });

  it("sameDelivery: a multicast instance takes only multicast adverts, a unicast one only unicast", () => {
    const uni = { ...POLICY, ...PEERS };
    expect(sameDelivery(POLICY, packet({ priority: 1 }))).toBe(true);
    expect(sameDelivery(POLICY, packet({ priority: 1, ...UNI }))).toBe(false);
    expect(sameDelivery(uni, packet({ priority: 1, ...UNI }))).toBe(true);
    expect(sameDelivery(uni, packet({ priority: 1 }))).toBe(false);
  });

  it("an accepted advert carries what the bytes say", () => {
    const v = receive(POLICY, false, packet({ priority: 123, vrid: 9, intervalCs: 37, vips: ["198.51.100.7", "198.51.100.8"] }));
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect({ ...v.advert, addresses: [...v.advert.addresses] }).toEqual({
      version: 3,
      family: 4,
      vrid: 9,
      priority: 123,
      intervalCs: 37,
      count: 2,
      addresses: [198, 51, 100, 7, 198, 51, 100, 8],
      authType: 0,
      authData: new Uint8Array(0),
    });
  });

  it("min_ttl/max_ttl from keepalived.conf to the verdict: enforced per peer with check_unicast_src, not without it", () => {
    const conf = (check: string) => `vrrp_instance VI_1 {
 interface eth0
 virtual_router_id 1
 version 3
 unicast_src_ip 192.0.2.11
 unicast_peer {
  192.0.2.12 min_ttl 250 max_ttl 254
  192.0.2.13 max_ttl 10
 }
${check}
 virtual_ipaddress {
  198.51.100.1
 }
}
`;
    const policyOf = (text: string) => routerConfig(parseKeepalivedConf(text, "k.conf").config).instances[0]!.receive;
    const checked = policyOf(conf(" check_unicast_src"));
    const rx = (src: string, ttl: number) => packet({ priority: 100, dst: "192.0.2.11", src, ttl });
    const got = (p: ReceivePolicy) =>
      [
        ["192.0.2.12", 249],
        ["192.0.2.12", 250],
        ["192.0.2.12", 254],
        ["192.0.2.12", 255],
        ["192.0.2.13", 10],
        ["192.0.2.13", 11],
        ["192.0.2.14", 255],
      ].map(([src, ttl]) => `${src}/${ttl} ${verdict(receive(p, false, rx(src as string, ttl as number)))}`);
    expect(got(checked)).toEqual([
      "192.0.2.12/249 BAD_TTL",
      "192.0.2.12/250 ok",
      "192.0.2.12/254 ok",
      "192.0.2.12/255 BAD_TTL",
      "192.0.2.13/10 ok",
      "192.0.2.13/11 BAD_TTL",
      "192.0.2.14/255 NOT_PEER",
    ]);
    // keepalived vrrp.c: the ranges apply only with check_unicast_src (or vrrp_check_unicast_src).
    expect(got(policyOf(conf(""))).every((l) => l.endsWith(" ok"))).toBe(true);
  });
});
