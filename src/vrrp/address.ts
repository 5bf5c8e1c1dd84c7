// IP address <-> bytes for the codec and the election's address comparison.
// Parsing and formatting go through `ip-address`; the byte form is what the wire and comparisons use.
import { Address4, Address6 } from "ip-address";

export type Family = 4 | 6;

export class AddressError extends Error {
  readonly code = "BAD_ADDRESS";
  constructor(
    readonly input: string,
    readonly expected: string,
  ) {
    super(`invalid IP address ${JSON.stringify(input)}: expected ${expected}`);
    this.name = "AddressError";
  }
}

/**
 * 4 or 6 for a bare address; undefined for anything else, including a prefix or an IPv6 zone ID
 * (`fe80::1%eth0`): the parser library accepts those, and a zone ID is free text that would
 * otherwise reach rendered configuration.
 */
export function familyOf(text: string): Family | undefined {
  if (/^[0-9.]+$/.test(text) && Address4.isValid(text)) return 4;
  if (/^[0-9a-fA-F:.]+$/.test(text) && text.includes(":") && Address6.isValid(text)) return 6;
  return undefined;
}

/** Parses an address without prefix into 4 or 16 bytes. Throws AddressError. */
export function addressBytes(text: string, family?: Family): Uint8Array {
  const f = family ?? familyOf(text);
  if (f === 4 && Address4.isValid(text) && !text.includes("/")) {
    return Uint8Array.from(new Address4(text).toArray());
  }
  if (f === 6 && Address6.isValid(text) && !text.includes("/")) {
    const raw = new Address6(text).toByteArray();
    // toByteArray drops leading zero bytes (it goes through a big integer): left-pad to 16.
    const out = new Uint8Array(16);
    out.set(raw, 16 - raw.length);
    return out;
  }
  throw new AddressError(text, family === 4 ? "an IPv4 address" : family === 6 ? "an IPv6 address" : "an IPv4 or IPv6 address");
}

export function formatAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length === 16) return Address6.fromByteArray(Array.from(bytes)).correctForm();
  throw new AddressError(`<${bytes.length} bytes>`, "4 or 16 bytes");
}

/** Unsigned lexicographic comparison (network byte order), as the election's tie-break needs. */
export function compareAddressBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function sameAddressBytes(a: Uint8Array, b: Uint8Array): boolean {
  return compareAddressBytes(a, b) === 0;
}

/** The VRRP multicast groups (RFC 5798 5.1.1.2 / 5.1.2.2): 224.0.0.18 and ff02::12. */
export const VRRP_GROUP_V4 = Uint8Array.of(224, 0, 0, 18);
export const VRRP_GROUP_V6 = Uint8Array.of(0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12);

export function vrrpGroup(family: Family): Uint8Array {
  return family === 4 ? VRRP_GROUP_V4 : VRRP_GROUP_V6;
}
