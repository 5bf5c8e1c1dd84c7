// Netlink attributes the `netlink` package has no object form for: IFLA_LINKINFO of a macvlan
// and IFLA_AF_SPEC's IPv6 address generation mode, encoded as keepalived vrrp_vmac.c
// netlink_link_add_vmac does with addattr_l/addattr32.

const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const IFLA_MACVLAN_MODE = 1;
const IFLA_INET6_ADDR_GEN_MODE = 8;
/** linux/if_link.h */
export const MACVLAN_MODE_PRIVATE = 1;
export const MACVLAN_MODE_BRIDGE = 4;
export const IN6_ADDR_GEN_MODE_NONE = 1;

function nla(type: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(4 + payload.length, 0);
  head.writeUInt16LE(type, 2);
  const pad = Buffer.alloc((4 - (payload.length % 4)) % 4);
  return Buffer.concat([head, payload, pad]);
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v, 0);
  return b;
}

/** IFLA_LINKINFO payload: kind "macvlan", data { IFLA_MACVLAN_MODE }. */
export function macvlanLinkInfo(mode: number): Buffer {
  return Buffer.concat([nla(IFLA_INFO_KIND, Buffer.from("macvlan")), nla(IFLA_INFO_DATA, nla(IFLA_MACVLAN_MODE, u32(mode)))]);
}

/** IFLA_AF_SPEC[AF_INET6] payload: IFLA_INET6_ADDR_GEN_MODE. */
export function addrGenModeAttr(mode: number): Buffer {
  return nla(IFLA_INET6_ADDR_GEN_MODE, Buffer.from([mode]));
}

/** The kind and macvlan mode in an IFLA_LINKINFO payload (undefined where absent). */
export function parseLinkInfo(b: Buffer | undefined): { kind?: string; macvlanMode?: number } {
  const out: { kind?: string; macvlanMode?: number } = {};
  for (const [type, payload] of attrs(b)) {
    if (type === IFLA_INFO_KIND) out.kind = payload.toString("latin1").replace(/\0.*$/s, "");
    else if (type === IFLA_INFO_DATA)
      for (const [t, p] of attrs(payload)) if (t === IFLA_MACVLAN_MODE && p.length >= 4) out.macvlanMode = p.readUInt32LE(0);
  }
  return out;
}

function* attrs(b: Buffer | undefined): Generator<[number, Buffer]> {
  let off = 0;
  while (b && off + 4 <= b.length) {
    const len = b.readUInt16LE(off);
    if (len < 4 || off + len > b.length) return;
    yield [b.readUInt16LE(off + 2) & 0x3fff, b.subarray(off + 4, off + len)];
    off += (len + 3) & ~3;
  }
}
