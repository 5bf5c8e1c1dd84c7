// Reads a tcpdump capture (pcap, Ethernet) into decoded records: adverts, gratuitous ARPs, NAs.
// Used by namespace tests, the demo and the benches to read what really crossed the wire.
import { readFileSync } from "node:fs";
import { formatAddress } from "../src/vrrp/address.js";

export interface WireRecord {
  /** Seconds since the epoch, microsecond resolution. */
  readonly t: number;
  readonly kind: "vrrp" | "arp" | "na" | "other";
  readonly srcMac: string;
  readonly src?: string;
  readonly dst?: string;
  readonly ttl?: number;
  readonly vrid?: number;
  readonly priority?: number;
  readonly version?: number;
  /** ARP / NA: the announced address. */
  readonly target?: string;
  readonly payload?: Buffer;
  /** IPv4 adverts behind an IPsec-AH header (auth_type AH): its sequence number. */
  readonly ahSeq?: number;
}

export function readPcap(path: string): WireRecord[] {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    return [];
  }
  if (buf.length < 24) return [];
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const nano = magic === 0xa1b23c4d || buf.readUInt32BE(0) === 0xa1b23c4d;
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const out: WireRecord[] = [];
  for (let off = 24; off + 16 <= buf.length;) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    if (off + 16 + incl > buf.length) break; // capture still being written
    const f = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    const t = sec + frac / (nano ? 1e9 : 1e6);
    if (f.length < 14) continue;
    const srcMac = f.subarray(6, 12).toString("hex").match(/../g)!.join(":");
    const type = f.readUInt16BE(12);
    if (type === 0x0806 && f.length >= 42) {
      out.push({ t, kind: "arp", srcMac, target: formatAddress(f.subarray(38, 42)) });
    } else if (type === 0x0800 && f.length >= 34) {
      const ip = f.subarray(14);
      const ihl = (ip[0]! & 0x0f) * 4;
      // keepalived's auth_type AH: the advert behind a 24-byte IPsec-AH header (protocol 51).
      const ah = ip[9] === 51 && ip[ihl] === 112 ? 24 : 0;
      if (ip[9] === 112 || ah) {
        const p = ip.subarray(ihl + ah, ip.readUInt16BE(2));
        out.push({
          t,
          kind: "vrrp",
          srcMac,
          src: formatAddress(ip.subarray(12, 16)),
          dst: formatAddress(ip.subarray(16, 20)),
          ttl: ip[8]!,
          version: p[0]! >> 4,
          vrid: p[1]!,
          priority: p[2]!,
          payload: Buffer.from(p),
          ...(ah ? { ahSeq: ip.readUInt32BE(ihl + 8) } : {}),
        });
      } else out.push({ t, kind: "other", srcMac });
    } else if (type === 0x86dd && f.length >= 54) {
      const ip = f.subarray(14);
      const next = ip[6];
      const plen = ip.readUInt16BE(4);
      const p = ip.subarray(40, 40 + plen);
      const src = formatAddress(ip.subarray(8, 24));
      const dst = formatAddress(ip.subarray(24, 40));
      if (next === 112)
        out.push({
          t,
          kind: "vrrp",
          srcMac,
          src,
          dst,
          ttl: ip[7]!,
          version: p[0]! >> 4,
          vrid: p[1]!,
          priority: p[2]!,
          payload: Buffer.from(p),
        });
      else if (next === 58 && p[0] === 136 && p.length >= 24)
        out.push({ t, kind: "na", srcMac, src, dst, ttl: ip[7]!, target: formatAddress(p.subarray(8, 24)) });
      else out.push({ t, kind: "other", srcMac });
    } else out.push({ t, kind: "other", srcMac });
  }
  return out;
}
