// The VRRP advertisement on the wire, VRRPv2 (RFC 3768) and VRRPv3 (RFC 5798), IPv4 and IPv6:
// encode, decode, and accept. Accepting (receive(), at the end) is one instance's receive checks,
// pure: TTL / hop limit, unicast peers and their TTL ranges, IPsec-AH, then the decode with
// keepalived's unicast checksum compatibility; the router calls it for every instance an advert
// could belong to. The checks live beside the codec as FRR's vrrpd keeps them in vrrp_packet.c
// (vrrp_pkt_parse_datagram: TTL, version, checksum) and keepalived in vrrp.c (vrrp_check_packet).
// Decoding never throws: a rejection is a value with a code, so a flood of bad packets costs no stack traces.
import { addressBytes, formatAddress, sameAddressBytes, VRRP_GROUP_V4, vrrpGroup, type Family } from "./address.js";
import { fold, pseudoHeaderSum, sum16 } from "./checksum.js";
import { openAh } from "./ipsec-ah.js";

export type Version = 2 | 3;

export const ADVERT_TYPE = 1;
export const AUTH_NONE = 0;
export const AUTH_PASS = 1;
/** IPSEC-AH (RFC 2338): recognised on the wire, not supported. */
export const AUTH_AH = 2;
export const AUTH_DATA_LENGTH = 8;
export const HEADER_LENGTH = 8;
export const MAX_V3_INTERVAL_CS = 0x0fff;

/** Why a received advert was dropped. Each code feeds a per-instance counter. */
export type DropCode =
  | "TRUNCATED" // shorter than the fixed header or than its address count implies
  | "BAD_VERSION" // not 2 or 3, or not the version the instance runs
  | "BAD_TYPE" // not an advertisement
  | "BAD_FAMILY" // VRRPv2 over IPv6
  | "BAD_CHECKSUM"
  | "BAD_AUTH_TYPE" // auth type unknown, or not the configured one
  | "BAD_AUTH" // password differs
  | "BAD_INTERVAL" // v2 interval differs from ours; zero interval
  | "BAD_TTL" // TTL / hop limit not 255 (socket layer)
  | "NOT_PEER" // unicast source not a configured peer (socket layer)
  | "UNKNOWN_VRID" // no instance for this VRID (dispatch layer)
  | "OWN_ADVERT"; // our own advert looped back

export interface PacketRejection {
  readonly ok: false;
  readonly code: DropCode;
  readonly detail: string;
}

/** A typed error for callers that prefer exceptions (configuration tools, tests). */
export class PacketError extends Error {
  constructor(
    readonly code: DropCode,
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = "PacketError";
  }
}

export interface Advert {
  readonly version: Version;
  readonly family: Family;
  readonly vrid: number;
  readonly priority: number;
  /** Advertisement interval in centiseconds (v2's whole seconds x 100). */
  readonly intervalCs: number;
  readonly count: number;
  /** count x 4 or 16 bytes: the addresses, back to back (a view into the received buffer). */
  readonly addresses: Uint8Array;
  /** v2 only: auth type and the 8 auth bytes (a view); v3: AUTH_NONE and empty. */
  readonly authType: number;
  readonly authData: Uint8Array;
}

export interface DecodedAdvert {
  readonly ok: true;
  readonly advert: Advert;
}

export type DecodeResult = DecodedAdvert | PacketRejection;

export interface DecodeOptions {
  /** keepalived's `v3_checksum_as_v2`: peers that leave the pseudo-header out are accepted too. */
  readonly v3ChecksumAsV2?: boolean;
}

const EMPTY: Uint8Array = new Uint8Array(0);

function reject(code: DropCode, detail: string): PacketRejection {
  return { ok: false, code, detail };
}

/**
 * A decoded advert that one caller owns and decodeAdvertInto refills for every advert it hears:
 * the receive path decodes thousands a second (a backup of 1,020 instances at 0.1 s hears
 * 10,200), and an object per advert was garbage the GC paid for. Its views (addresses, authData)
 * point into the message decoded last and are made again only when that message or its length
 * changes: a socket reads every advert into the same buffer. Valid until the next decode.
 */
export class AdvertScratch implements Advert {
  version: Version = 3;
  family: Family = 4;
  vrid = 0;
  priority = 0;
  intervalCs = 0;
  count = 0;
  addresses: Uint8Array = EMPTY;
  authType = AUTH_NONE;
  authData: Uint8Array = EMPTY;
  // #private: not enumerable, so a spread or toEqual of the advert shows its fields alone.
  #viewsOf: Uint8Array | undefined;
  #viewsAddressEnd = -1;
  #viewsEnd = -1;

  /** addresses and authData for `msg` (expected bytes long), reused while msg and the length stay. */
  setViews(msg: Uint8Array, addressEnd: number, expected: number, auth: boolean): void {
    if (msg === this.#viewsOf && addressEnd === this.#viewsAddressEnd && expected === this.#viewsEnd) return;
    this.#viewsOf = msg;
    this.#viewsAddressEnd = addressEnd;
    this.#viewsEnd = expected;
    this.addresses = msg.subarray(HEADER_LENGTH, addressEnd);
    this.authData = auth ? msg.subarray(expected - AUTH_DATA_LENGTH, expected) : EMPTY;
  }
}

/**
 * Decodes and validates a VRRP message (starting at the VRRP header, IP header already removed)
 * into `out`; returns undefined when it is a valid advert, else the rejection (allocated only then).
 * `src` and `dst` are the IP source and destination, needed for the v3 pseudo-header.
 */
export function decodeAdvertInto(
  msg: Uint8Array,
  family: Family,
  src: Uint8Array,
  dst: Uint8Array,
  v3ChecksumAsV2: boolean,
  out: AdvertScratch,
): PacketRejection | undefined {
  if (msg.length < HEADER_LENGTH) return reject("TRUNCATED", `${msg.length} bytes, header needs ${HEADER_LENGTH}`);
  const b0 = msg[0] as number;
  const version = b0 >> 4;
  const type = b0 & 0x0f;
  if (version !== 2 && version !== 3) return reject("BAD_VERSION", `version ${version}`);
  if (type !== ADVERT_TYPE) return reject("BAD_TYPE", `type ${type}`);
  if (version === 2 && family === 6) return reject("BAD_FAMILY", "VRRPv2 carries IPv4 only");
  const count = msg[3] as number;
  const alen = family === 4 ? 4 : 16;
  const authLen = version === 2 ? AUTH_DATA_LENGTH : 0;
  const expected = HEADER_LENGTH + count * alen + authLen;
  // Longer is tolerated (link-layer padding); the checksum covers the advert's own length.
  if (msg.length < expected) {
    return reject("TRUNCATED", `${msg.length} bytes, ${count} address(es) need ${expected}`);
  }
  let intervalCs: number;
  let authType = AUTH_NONE;
  if (version === 2) {
    if (fold(sum16(msg, 0, expected)) !== 0) return reject("BAD_CHECKSUM", `checksum 0x${hex4(storedChecksum(msg))} does not verify`);
    authType = msg[4] as number;
    if (authType !== AUTH_NONE && authType !== AUTH_PASS && authType !== AUTH_AH) {
      return reject("BAD_AUTH_TYPE", `auth type ${authType}`);
    }
    intervalCs = (msg[5] as number) * 100;
  } else {
    const withPseudo = fold(sum16(msg, 0, expected, pseudoHeaderSum(family, src, dst, expected)));
    if (withPseudo !== 0 && !(v3ChecksumAsV2 && fold(sum16(msg, 0, expected)) === 0)) {
      return reject("BAD_CHECKSUM", `checksum 0x${hex4(storedChecksum(msg))} does not verify over the pseudo-header`);
    }
    intervalCs = (((msg[4] as number) & 0x0f) << 8) | (msg[5] as number);
  }
  if (intervalCs === 0) return reject("BAD_INTERVAL", "advertisement interval 0");
  out.version = version;
  out.family = family;
  out.vrid = msg[1] as number;
  out.priority = msg[2] as number;
  out.intervalCs = intervalCs;
  out.count = count;
  out.authType = authType;
  out.setViews(msg, HEADER_LENGTH + count * alen, expected, version === 2);
  return undefined;
}

function storedChecksum(msg: Uint8Array): number {
  return ((msg[6] as number) << 8) | (msg[7] as number);
}

/**
 * Decodes and validates a VRRP message (starting at the VRRP header, IP header already removed).
 * `src` and `dst` are the IP source and destination, needed for the v3 pseudo-header. Allocates the
 * result (tests, tools); the receive path decodes into an AdvertScratch (decodeAdvertInto).
 */
export function decodeAdvert(msg: Uint8Array, family: Family, src: Uint8Array, dst: Uint8Array, options: DecodeOptions = {}): DecodeResult {
  const out = new AdvertScratch();
  const rejected = decodeAdvertInto(msg, family, src, dst, options.v3ChecksumAsV2 === true, out);
  if (rejected) return rejected;
  const { version, vrid, priority, intervalCs, count, addresses, authType, authData } = out;
  return { ok: true, advert: { version, family, vrid, priority, intervalCs, count, addresses, authType, authData } };
}

/** Throwing variant of decodeAdvert. */
export function decodeAdvertOrThrow(msg: Uint8Array, family: Family, src: Uint8Array, dst: Uint8Array, options?: DecodeOptions): Advert {
  const r = decodeAdvert(msg, family, src, dst, options);
  if (!r.ok) throw new PacketError(r.code, r.detail);
  return r.advert;
}

/** The 8 auth bytes keepalived puts on the wire for a PASS password: cut at 8, zero padded. */
export function passwordBytes(password: string): Uint8Array {
  const out = new Uint8Array(AUTH_DATA_LENGTH);
  out.set(new TextEncoder().encode(password).subarray(0, AUTH_DATA_LENGTH));
  return out;
}

/** Compares auth in constant time over the 8 bytes. */
export function checkAuth(advert: Advert, authType: number, key: Uint8Array): PacketRejection | undefined {
  if (advert.version !== 2) return undefined;
  if (advert.authType !== authType) {
    return reject("BAD_AUTH_TYPE", `auth type ${advert.authType}, configured ${authType}`);
  }
  if (authType !== AUTH_PASS) return undefined;
  let diff = 0;
  for (let i = 0; i < AUTH_DATA_LENGTH; i++) diff |= (advert.authData[i] ?? 0) ^ (key[i] ?? 0);
  return diff === 0 ? undefined : reject("BAD_AUTH", "password does not match");
}

/** Whether the advert's address list equals `vips` (same count, same addresses in any order). */
export function sameAddressList(advert: Advert, vips: readonly Uint8Array[]): boolean {
  if (advert.count !== vips.length) return false;
  const alen = advert.family === 4 ? 4 : 16;
  outer: for (let i = 0; i < advert.count; i++) {
    const off = i * alen;
    for (const v of vips) {
      if (v.length !== alen) continue;
      let same = true;
      for (let k = 0; k < alen; k++) {
        if (advert.addresses[off + k] !== v[k]) {
          same = false;
          break;
        }
      }
      if (same) continue outer;
    }
    return false;
  }
  return true;
}

export interface AdvertFields {
  readonly version: Version;
  readonly family: Family;
  readonly vrid: number;
  /** VIPs as text or bytes; all of `family`. */
  readonly addresses: readonly (string | Uint8Array)[];
  /** v2 only. */
  readonly authType?: number;
  /** v2 PASS: the password (cut/padded to 8) or the 8 raw bytes. */
  readonly authKey?: string | Uint8Array;
  /** Source and destination: needed for the v3 checksum. */
  readonly src: string | Uint8Array;
  readonly dst: string | Uint8Array;
  /** Leave the pseudo-header out of the v3 checksum (keepalived `v3_checksum_as_v2`). */
  readonly v3ChecksumAsV2?: boolean;
}

function asBytes(a: string | Uint8Array, family: Family): Uint8Array {
  return typeof a === "string" ? addressBytes(a, family) : a;
}

/**
 * Encodes one instance's adverts into a buffer it owns. Everything but priority, interval and
 * destination is fixed at construction, so encode() writes a few bytes and the checksum and
 * allocates nothing: a master sends one advert per interval, possibly every 10 ms.
 */
export class AdvertEncoder {
  readonly buffer: Buffer;
  readonly version: Version;
  readonly family: Family;
  private readonly src: Uint8Array;
  private dst: Uint8Array;
  private readonly asV2: boolean;
  private pseudoSeed: number;

  constructor(fields: AdvertFields) {
    const { version, family, vrid } = fields;
    if (version === 2 && family === 6) throw new PacketError("BAD_FAMILY", "VRRPv2 carries IPv4 only");
    if (!Number.isInteger(vrid) || vrid < 1 || vrid > 255) throw new RangeError(`VRID ${vrid} outside 1..255`);
    if (fields.addresses.length > 255) throw new RangeError(`${fields.addresses.length} addresses: at most 255 fit`);
    const alen = family === 4 ? 4 : 16;
    const authLen = version === 2 ? AUTH_DATA_LENGTH : 0;
    const len = HEADER_LENGTH + fields.addresses.length * alen + authLen;
    this.buffer = Buffer.alloc(len);
    this.version = version;
    this.family = family;
    this.src = asBytes(fields.src, family);
    this.dst = asBytes(fields.dst, family);
    this.asV2 = fields.v3ChecksumAsV2 === true;
    const b = this.buffer;
    b[0] = (version << 4) | ADVERT_TYPE;
    b[1] = vrid;
    b[3] = fields.addresses.length;
    fields.addresses.forEach((a, i) => {
      const bytes = asBytes(a, family);
      if (bytes.length !== alen) throw new PacketError("BAD_FAMILY", `address of ${bytes.length} bytes in an IPv${family} advert`);
      b.set(bytes, HEADER_LENGTH + i * alen);
    });
    if (version === 2) {
      const authType = fields.authType ?? AUTH_NONE;
      // AUTH_AH: the type on the wire, the 8 bytes zero (keepalived vrrp_build_vrrp_v2); the AH
      // header around the advert is added with the IP header (ipsec-ah.ts sealAh).
      if (authType !== AUTH_NONE && authType !== AUTH_PASS && authType !== AUTH_AH)
        throw new PacketError("BAD_AUTH_TYPE", `auth type ${authType} not supported`);
      b[4] = authType;
      if (authType === AUTH_PASS) {
        const key = fields.authKey ?? "";
        b.set(typeof key === "string" ? passwordBytes(key) : key.subarray(0, AUTH_DATA_LENGTH), len - AUTH_DATA_LENGTH);
      }
    }
    this.pseudoSeed = this.seed();
  }

  private seed(): number {
    return this.version === 3 && !this.asV2 ? pseudoHeaderSum(this.family, this.src, this.dst, this.buffer.length) : 0;
  }

  /** Unicast: the v3 IPv4 pseudo-header holds the real destination, so each peer gets its own checksum. */
  setDestination(dst: string | Uint8Array): void {
    this.dst = asBytes(dst, this.family);
    this.pseudoSeed = this.seed();
  }

  /** Writes priority and interval (centiseconds) and the checksum; returns the shared buffer. */
  encode(priority: number, intervalCs: number): Buffer {
    const b = this.buffer;
    b[2] = priority;
    if (this.version === 2) {
      // v2 carries whole seconds; keepalived rounds sub-second intervals up to 1 s.
      b[5] = Math.min(255, Math.max(1, Math.round(intervalCs / 100)));
    } else {
      const cs = Math.min(MAX_V3_INTERVAL_CS, Math.max(1, Math.round(intervalCs)));
      b[4] = cs >> 8;
      b[5] = cs & 0xff;
    }
    b[6] = 0;
    b[7] = 0;
    const c = fold(sum16(b, 0, b.length, this.pseudoSeed));
    b[6] = c >> 8;
    b[7] = c & 0xff;
    return b;
  }
}

/** Convenience one-shot encoder (allocates): tests, tools. */
export function encodeAdvert(fields: AdvertFields & { priority: number; intervalCs: number }): Buffer {
  return Buffer.from(new AdvertEncoder(fields).encode(fields.priority, fields.intervalCs));
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, "0");
}

// --- accept: which adverts reach the state machine ------------------------------------------------

/** An advert as a socket delivered it. */
export interface ReceivedPacket {
  readonly ifname: string;
  readonly family: Family;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly ttl: number;
  readonly multicast: boolean;
  /** The VRRP message; may be a view valid only while the router handles it (src and dst too: a socket reuses them). */
  readonly payload: Uint8Array;
  /** IPv4 with an IPsec-AH header (protocol 51): the whole packet, the AH ICV covers it; `payload` is the advert behind the AH. */
  readonly ah?: Uint8Array;
}

/**
 * keepalived's unicast checksum compatibility (include/vrrp.h CHKSUM_COMPATIBILITY_*): "auto" =
 * the real destination, switching to the old form (224.0.0.18) once a peer is heard using it;
 * "never" = the real destination always; "old" = 224.0.0.18 always.
 */
export type UnicastChecksum = "auto" | "never" | "old";

export interface ReceivePolicy {
  readonly version: Version;
  readonly unicastPeers: readonly Uint8Array[];
  /** Per peer (same order): accepted TTL / hop limit when the source is checked. */
  readonly peerTtl: readonly { readonly min: number; readonly max: number }[];
  /** check_unicast_src: drop unicast adverts from addresses that are not peers. */
  readonly checkUnicastSrc: boolean;
  readonly unicastChecksum: UnicastChecksum;
  readonly v3ChecksumAsV2: boolean;
  /** The multicast group adverts go to and are taken from (mcast_dst_ip / vrrp_mcast_group4|6); unset: 224.0.0.18 / ff02::12. */
  readonly multicastGroup?: Uint8Array;
  /** auth_type AH: the 8 key bytes; adverts must come inside an AH header with a valid ICV. */
  readonly ahKey?: Uint8Array;
}

export type ReceiveVerdict =
  | {
      readonly ok: true;
      readonly advert: Advert;
      /** the peer uses the old unicast checksum form */
      readonly oldChecksum: boolean;
      /** AH: its sequence number (the replay check is the instance's, AhCounter.accept) */
      readonly ahSeq?: number;
    }
  | { readonly ok: false; readonly code: DropCode; readonly detail: string };

/**
 * The accepted verdict and its advert, owned by one caller (the router) and refilled by each
 * receive(): no object per advert heard. Valid until the next receive() with it.
 */
export class ReceiveScratch {
  readonly ok = true as const;
  readonly advert = new AdvertScratch();
  oldChecksum = false;
  ahSeq: number | undefined = undefined;
}

/** Does this packet belong to an instance with `unicast` peers? (a multicast instance ignores unicast adverts and vice versa) */
export function sameDelivery(policy: ReceivePolicy, rx: ReceivedPacket): boolean {
  if (policy.unicastPeers.length > 0) return !rx.multicast;
  // keepalived binds an instance's socket to its multicast group (vrrp.c open_vrrp_read_socket):
  // an advert sent to another group is not the instance's.
  return rx.multicast && sameAddressBytes(rx.dst, policy.multicastGroup ?? vrrpGroup(rx.family));
}

/**
 * `oldChecksum`: the instance already uses the old unicast checksum form. `scratch`: where an
 * accepted verdict goes (the router passes its own; without it, a new one per call).
 */
export function receive(policy: ReceivePolicy, oldChecksum: boolean, rx: ReceivedPacket, scratch = new ReceiveScratch()): ReceiveVerdict {
  // RFC 5798 7.1 / keepalived: multicast adverts must arrive with TTL / hop limit 255; unicast
  // ones may cross routers (keepalived checks them only with min_ttl/max_ttl).
  if (rx.multicast && rx.ttl !== 255)
    return { ok: false, code: "BAD_TTL", detail: `TTL/hop limit ${rx.ttl} from ${formatAddress(rx.src)}, expect 255` };
  // keepalived vrrp.c vrrp_check_packet: the unicast source (and its min_ttl/max_ttl) is checked
  // only with check_unicast_src / vrrp_check_unicast_src; otherwise any source counts.
  if (!rx.multicast && policy.checkUnicastSrc) {
    const k = policy.unicastPeers.findIndex((p) => sameAddressBytes(p, rx.src));
    if (k < 0)
      return {
        ok: false,
        code: "NOT_PEER",
        detail: `unicast advert from ${formatAddress(rx.src)}, not a unicast_peer (check_unicast_src)`,
      };
    const ttl = policy.peerTtl[k] ?? { min: 0, max: 255 };
    if (rx.ttl < ttl.min || rx.ttl > ttl.max)
      return { ok: false, code: "BAD_TTL", detail: `TTL/HL ${rx.ttl} from ${formatAddress(rx.src)} not in range [${ttl.min}, ${ttl.max}]` };
  }
  // keepalived vrrp.c vrrp_check_packet: an AH header exactly when the type is AH, then
  // vrrp_in_chk_ipsecah (ICV, SPI); failures count as authentication errors.
  if (policy.ahKey === undefined) {
    if (rx.ah)
      return { ok: false, code: "BAD_AUTH_TYPE", detail: `received AH header but auth type not AH (from ${formatAddress(rx.src)})` };
    scratch.ahSeq = undefined;
    return decodeCompat(policy, oldChecksum, rx, rx.payload, scratch);
  }
  if (!rx.ah) return { ok: false, code: "BAD_AUTH_TYPE", detail: `no AH header but auth type is AH (from ${formatAddress(rx.src)})` };
  const ah = openAh(rx.ah, policy.ahKey, !rx.multicast);
  if (!ah.ok) {
    const code = ah.code === "AH_SHORT" ? "TRUNCATED" : ah.code === "AH_NOT_VRRP" ? "BAD_TYPE" : "BAD_AUTH";
    return { ok: false, code, detail: `IPSEC-AH: ${ah.detail} (from ${formatAddress(rx.src)})` };
  }
  const v = decodeCompat(policy, oldChecksum, rx, ah.vrrp, scratch);
  if (v.ok) scratch.ahSeq = ah.seq;
  return v;
}

/**
 * VRRPv3 IPv4 unicast checksums (keepalived vrrp.c vrrp_in_chk): the old form puts 224.0.0.18 in
 * the pseudo-header instead of the real destination. Unless told `never`, an instance that hears
 * a peer using it switches to it for sending too, as keepalived >= 1.3.7 does.
 * Difference: with `old_unicast_checksum` keepalived rejects the new form; we accept it (a peer
 * we can verify is not a reason for two masters) and keep sending the old form.
 */
function decodeCompat(
  policy: ReceivePolicy,
  oldChecksum: boolean,
  rx: ReceivedPacket,
  payload: Uint8Array,
  scratch: ReceiveScratch,
): ReceiveVerdict {
  const compat = rx.family === 4 && !rx.multicast && policy.version === 3;
  const first = compat && oldChecksum ? VRRP_GROUP_V4 : rx.dst;
  const r = decodeAdvertInto(payload, rx.family, rx.src, first, policy.v3ChecksumAsV2, scratch.advert);
  if (!r) {
    scratch.oldChecksum = first === VRRP_GROUP_V4;
    return scratch;
  }
  if (r.code !== "BAD_CHECKSUM" || !compat || policy.unicastChecksum === "never") return withSource(r, rx.src);
  const otherDst = first === rx.dst ? VRRP_GROUP_V4 : rx.dst;
  if (decodeAdvertInto(payload, rx.family, rx.src, otherDst, policy.v3ChecksumAsV2, scratch.advert)) return withSource(r, rx.src);
  scratch.oldChecksum = otherDst === VRRP_GROUP_V4;
  return scratch;
}

function withSource(r: { readonly code: DropCode; readonly detail: string }, src: Uint8Array): ReceiveVerdict {
  return { ok: false, code: r.code, detail: `${r.detail} (from ${formatAddress(src)})` };
}
