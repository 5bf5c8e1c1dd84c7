// Receive-side policy for one instance, pure: which adverts reach the state machine. TTL / hop
// limit, unicast peers and their TTL ranges, then the codec with keepalived's unicast checksum
// compatibility. The router calls it for every instance an advert could belong to.
import { VRRP_GROUP_V4, formatAddress, sameAddressBytes, vrrpGroup, type Family } from "./address.js";
import { openAh } from "./ipsec-ah.js";
import { AdvertScratch, decodeAdvertInto, type Advert, type DropCode, type Version } from "./packet.js";

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
