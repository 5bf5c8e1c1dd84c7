// keepalived's IPsec-AH form of VRRPv2 over IPv4 (RFC 2402 header, HMAC-MD5-96 ICV), byte for
// byte as keepalived 2.2.7 does it (vrrp/vrrp.c vrrp_build_ipsecah, vrrp_update_pkt,
// vrrp_in_chk_ipsecah; vrrp/vrrp_ipsecah.c hmac_md5). Pure: MD5 is written out here because
// nothing under src/vrrp imports node: modules.
//
// On the wire: IPv4 header (protocol 51) | AH (24 bytes) | VRRPv2 advert (auth type 2, the 8
// auth bytes zero). AH: next header 112, payload length 4, reserved 0, SPI = the IPv4 source,
// sequence number, 12 bytes ICV. The ICV is HMAC-MD5 keyed with the 8 auth_pass bytes (cut at
// 8, zero padded: keepalived hashes sizeof(auth_data)) over the IP header with TOS, fragment
// offset and checksum zeroed (and the TTL zeroed for unicast only), then the AH with a zero ICV,
// then the advert. The IP id is part of the hash, so the sender sets it (keepalived counts from 1).

import { fold, sum16 } from "./checksum.js";

export const AH_PROTOCOL = 51;
export const AH_LENGTH = 24;
const ICV_LENGTH = 12;
const VRRP_NEXT_HEADER = 112;
/** keepalived's IPSEC_AH_PLEN: (12*8 + 3*32)/32 - 2 words. */
const AH_PAYLOAD_LEN = 4;
/** keepalived vrrp_update_pkt: past this the counter "cycles" and stops counting. */
const SEQ_CYCLE_LIMIT = 0xfffffffd;

// ---- MD5 (RFC 1321) ----

const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);

export function md5(data: Uint8Array): Uint8Array {
  const bitLen = data.length * 8;
  const padded = new Uint8Array((((data.length + 8) >>> 6) + 1) * 64);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, bitLen >>> 0, true);
  view.setUint32(padded.length - 4, Math.floor(bitLen / 2 ** 32), true);
  let a0 = 0x67452301;
  let b0 = 0xefcdab89;
  let c0 = 0x98badcfe;
  let d0 = 0x10325476;
  const m = new Uint32Array(16);
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) m[i] = view.getUint32(off + i * 4, true);
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
      }
      const t = d;
      d = c;
      c = b;
      const x = (a + f + (K[i] as number) + (m[g] as number)) | 0;
      const s = S[(i >>> 4) * 4 + (i % 4)] as number;
      b = (b + ((x << s) | (x >>> (32 - s)))) | 0;
      a = t;
    }
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  const out = new Uint8Array(16);
  const ov = new DataView(out.buffer);
  ov.setUint32(0, a0 >>> 0, true);
  ov.setUint32(4, b0 >>> 0, true);
  ov.setUint32(8, c0 >>> 0, true);
  ov.setUint32(12, d0 >>> 0, true);
  return out;
}

/** HMAC-MD5 (RFC 2104), as keepalived's hmac_md5: keys over 64 bytes are hashed first. */
export function hmacMd5(key: Uint8Array, data: Uint8Array): Uint8Array {
  const k = key.length > 64 ? md5(key) : key;
  const inner = new Uint8Array(64 + data.length);
  const outer = new Uint8Array(64 + 16);
  for (let i = 0; i < 64; i++) {
    inner[i] = (k[i] ?? 0) ^ 0x36;
    outer[i] = (k[i] ?? 0) ^ 0x5c;
  }
  inner.set(data, 64);
  outer.set(md5(inner), 64);
  return md5(outer);
}

// ---- AH ----

/** The ICV input: a copy of the packet with the mutable fields and the ICV zeroed. */
function icv(packet: Uint8Array, key: Uint8Array, unicast: boolean): Uint8Array {
  const ihl = ((packet[0] as number) & 0x0f) * 4;
  const total = ((packet[2] as number) << 8) | (packet[3] as number);
  // A copy even when handed a Buffer (whose slice() is a view): the packet is not ours to zero.
  const copy = new Uint8Array(packet.subarray(0, Math.min(total, packet.length)));
  copy[1] = 0; // TOS
  copy[6] = 0; // flags and fragment offset
  copy[7] = 0;
  copy[10] = 0; // header checksum
  copy[11] = 0;
  if (unicast) copy[8] = 0; // TTL: keepalived zeroes it only with unicast peers
  copy.fill(0, ihl + 12, ihl + AH_LENGTH);
  return hmacMd5(key, copy).subarray(0, ICV_LENGTH);
}

/**
 * Fills the AH header at the IPv4 header's end of `packet` (a whole IPv4 packet whose header
 * already says protocol 51, its total length, id and source) and computes its ICV in place.
 */
export function sealAh(packet: Uint8Array, key: Uint8Array, seq: number, unicast: boolean): void {
  const ihl = ((packet[0] as number) & 0x0f) * 4;
  packet[ihl] = VRRP_NEXT_HEADER;
  packet[ihl + 1] = AH_PAYLOAD_LEN;
  packet[ihl + 2] = 0;
  packet[ihl + 3] = 0;
  packet.set(packet.subarray(12, 16), ihl + 4); // SPI = source address
  const s = seq >>> 0;
  packet[ihl + 8] = s >>> 24;
  packet[ihl + 9] = (s >>> 16) & 0xff;
  packet[ihl + 10] = (s >>> 8) & 0xff;
  packet[ihl + 11] = s & 0xff;
  packet.set(icv(packet, key, unicast), ihl + 12);
}

/**
 * A whole IPv4 AH advert as keepalived sends it (TOS 0xc0, TTL 255, id from the sequence number,
 * never 0): for the simulator and tests; the daemon's socket writes the same into its buffer.
 */
export function ahPacket(vrrp: Uint8Array, src: Uint8Array, dst: Uint8Array, key: Uint8Array, seq: number): Uint8Array {
  const p = new Uint8Array(20 + AH_LENGTH + vrrp.length);
  p[0] = 0x45;
  p[1] = 0xc0;
  p[2] = p.length >>> 8;
  p[3] = p.length & 0xff;
  const id = seq & 0xffff || 1;
  p[4] = id >>> 8;
  p[5] = id & 0xff;
  p[8] = 255;
  p[9] = AH_PROTOCOL;
  p.set(src, 12);
  p.set(dst, 16);
  const sum = fold(sum16(p, 0, 20));
  p[10] = sum >>> 8;
  p[11] = sum & 0xff;
  p.set(vrrp, 20 + AH_LENGTH);
  sealAh(p, key, seq, !(dst[0]! >= 224 && dst[0]! <= 239));
  return p;
}

export type AhRejectCode = "AH_SHORT" | "AH_NOT_VRRP" | "AH_BAD_ICV" | "AH_BAD_SPI" | "AH_REPLAY";

export type AhVerdict =
  | { readonly ok: true; readonly seq: number; readonly vrrp: Uint8Array }
  | { readonly ok: false; readonly code: AhRejectCode; readonly detail: string };

/**
 * Checks a whole received IPv4 packet with protocol 51 (keepalived vrrp_check_packet and
 * vrrp_in_chk_ipsecah, in its order: next header, ICV, SPI == source). The replay check is
 * separate (AhCounter.accept) since it changes state. Returns the VRRP advert behind the AH.
 */
export function openAh(packet: Uint8Array, key: Uint8Array, unicast: boolean): AhVerdict {
  const ihl = ((packet[0] as number) & 0x0f) * 4;
  const total = Math.min(((packet[2] as number) << 8) | (packet[3] as number), packet.length);
  if (total < ihl + AH_LENGTH + 8) return { ok: false, code: "AH_SHORT", detail: `AH packet of ${total} bytes` };
  if (packet[ihl] !== VRRP_NEXT_HEADER) return { ok: false, code: "AH_NOT_VRRP", detail: `AH next header ${packet[ihl]}` };
  const want = icv(packet.subarray(0, total), key, unicast);
  let diff = 0;
  for (let i = 0; i < ICV_LENGTH; i++) diff |= (packet[ihl + 12 + i] as number) ^ (want[i] as number);
  if (diff !== 0) return { ok: false, code: "AH_BAD_ICV", detail: "invalid IPSEC HMAC-MD5 value (fields mutated or wrong auth_pass)" };
  for (let i = 0; i < 4; i++)
    if (packet[ihl + 4 + i] !== packet[12 + i]) return { ok: false, code: "AH_BAD_SPI", detail: "AH SPI is not the source address" };
  const seq =
    (((packet[ihl + 8] as number) << 24) |
      ((packet[ihl + 9] as number) << 16) |
      ((packet[ihl + 10] as number) << 8) |
      (packet[ihl + 11] as number)) >>>
    0;
  return { ok: true, seq, vrrp: packet.subarray(ihl + AH_LENGTH, total) };
}

/**
 * keepalived's one sequence counter per instance (seq_counter_t): it numbers what we send and
 * guards what we hear, so a new master carries on from the last number it heard and a backup
 * running keepalived accepts it.
 */
export class AhCounter {
  seq = 0;
  cycle = false;

  /** The number for the next advert (vrrp_update_pkt): +1, stuck once past 0xFFFFFFFD. */
  next(): number {
    if (this.seq > SEQ_CYCLE_LIMIT) this.cycle = true;
    else this.seq++;
    return this.seq;
  }

  /** vrrp_in_chk_ipsecah: only a number above the last is taken. */
  accept(seq: number): { ok: true } | { ok: false; code: "AH_REPLAY"; detail: string } {
    if (seq > this.seq) {
      this.seq = seq;
      return { ok: true };
    }
    return { ok: false, code: "AH_REPLAY", detail: `IPSEC-AH sequence number ${seq} already processed (local ${this.seq})` };
  }

  /** vrrp_state_master_rx: a master hearing a lower priority takes its number + 1. */
  syncFromLower(seq: number): void {
    this.seq = (seq + 1) >>> 0;
    this.cycle = false;
  }

  /** vrrp_state_goto_master: a counter that cycled starts again at 0. */
  onBecomeMaster(): void {
    if (this.cycle) {
      this.cycle = false;
      this.seq = 0;
    }
  }
}
