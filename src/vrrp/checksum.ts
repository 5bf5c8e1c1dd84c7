// Internet checksum (RFC 1071) with the VRRPv3 pseudo-headers (RFC 5798 5.2.8).
import type { Family } from "./address.js";

export const VRRP_PROTOCOL = 112;

/** One's-complement sum of 16-bit big-endian words, not yet folded. */
export function sum16(buf: Uint8Array, start: number, end: number, seed = 0): number {
  let sum = seed;
  let i = start;
  for (; i + 1 < end; i += 2) sum += ((buf[i] as number) << 8) | (buf[i + 1] as number);
  if (i < end) sum += (buf[i] as number) << 8;
  return sum;
}

export function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** Sum of the pseudo-header for a message of `length` bytes between src and dst (VRRP by default; ICMPv6 for NAs). */
export function pseudoHeaderSum(family: Family, src: Uint8Array, dst: Uint8Array, length: number, protocol = VRRP_PROTOCOL): number {
  let sum = sum16(src, 0, src.length) + sum16(dst, 0, dst.length);
  if (family === 4) {
    // {src, dst, zero, protocol, 16-bit length}
    sum += protocol + length;
  } else {
    // {src, dst, 32-bit length, three zero bytes, next header}
    sum += (length >>> 16) + (length & 0xffff) + protocol;
  }
  return sum;
}
