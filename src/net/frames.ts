// Link-layer frames built by hand: gratuitous ARP (RFC 5227 announcement form, as keepalived
// sends it), unsolicited Neighbour Advertisement (RFC 4861 7.2.6), and the IPv4 header for adverts.
import { fold, pseudoHeaderSum, sum16, VRRP_PROTOCOL } from "../vrrp/checksum.js";

const BROADCAST_MAC = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
const ALL_NODES_MAC = Buffer.from([0x33, 0x33, 0x00, 0x00, 0x00, 0x01]);
const ALL_NODES = Buffer.from("ff020000000000000000000000000001", "hex");
const ICMPV6 = 58;

/** Ethernet + ARP request with sender = target = VIP: every host updates its cache entry. */
export function gratuitousArp(mac: Uint8Array, vip: Uint8Array): Buffer {
  const f = Buffer.alloc(42);
  BROADCAST_MAC.copy(f, 0);
  f.set(mac, 6);
  f.writeUInt16BE(0x0806, 12);
  f.writeUInt16BE(1, 14); // Ethernet
  f.writeUInt16BE(0x0800, 16); // IPv4
  f[18] = 6;
  f[19] = 4;
  f.writeUInt16BE(1, 20); // request
  f.set(mac, 22);
  f.set(vip, 28);
  BROADCAST_MAC.copy(f, 32);
  f.set(vip, 38);
  return f;
}

/** Ethernet + IPv6 + ICMPv6 Neighbour Advertisement to all-nodes, Override set, target = VIP. */
export function unsolicitedNa(mac: Uint8Array, linkLocal: Uint8Array, vip: Uint8Array, router = true): Buffer {
  const icmpLen = 32; // type..target (24) + target link-layer option (8)
  const f = Buffer.alloc(14 + 40 + icmpLen);
  ALL_NODES_MAC.copy(f, 0);
  f.set(mac, 6);
  f.writeUInt16BE(0x86dd, 12);
  const ip = 14;
  f[ip] = 0x60;
  f.writeUInt16BE(icmpLen, ip + 4);
  f[ip + 6] = ICMPV6;
  f[ip + 7] = 255; // hop limit: receivers drop ND with anything else
  f.set(linkLocal, ip + 8);
  ALL_NODES.copy(f, ip + 24);
  const icmp = ip + 40;
  f[icmp] = 136;
  f[icmp + 4] = (router ? 0x80 : 0) | 0x20; // R, O
  f.set(vip, icmp + 8);
  f[icmp + 24] = 2; // target link-layer address option
  f[icmp + 25] = 1;
  f.set(mac, icmp + 26);
  const sum = sum16(f, icmp, icmp + icmpLen, pseudoHeaderSum(6, linkLocal, ALL_NODES, icmpLen, ICMPV6));
  f.writeUInt16BE(fold(sum), icmp + 2);
  return f;
}

/**
 * IPv4 header for an advert (IP_HDRINCL): TOS 0xc0, TTL 255 (or unicast_ttl), protocol 112 (or 51
 * for AH). The kernel fills an id of 0; AH gives its own, since the ICV covers it.
 */
export function writeIpv4Header(
  out: Buffer,
  src: Uint8Array,
  dst: Uint8Array,
  payloadLength: number,
  protocol = VRRP_PROTOCOL,
  id = 0,
  ttl = 255,
): void {
  out[0] = 0x45;
  out[1] = 0xc0;
  out.writeUInt16BE(20 + payloadLength, 2);
  out.writeUInt16BE(id, 4);
  out.writeUInt16BE(0, 6);
  out[8] = ttl;
  out[9] = protocol;
  out.writeUInt16BE(0, 10);
  out.set(src, 12);
  out.set(dst, 16);
  out.writeUInt16BE(fold(sum16(out, 0, 20)), 10);
}
