// Raw VRRP sockets (protocol 112) on one interface and family, shared by its instances, opened by
// the project's addon (native/packet.c). IPv4: IP_HDRINCL (our source, TOS 0xc0, TTL 255), the
// header comes back with each packet (TTL, destination). IPv6 as keepalived does it: the kernel
// computes and checks the checksum (IPV6_CHECKSUM), the hop limit and destination arrive as
// ancillary data (IPV6_RECVHOPLIMIT, IPV6_RECVPKTINFO), traffic class 0xc0; no Ethernet header is
// parsed, so a VLAN tag cannot shift a field, and the kernel drops frames tagged for a VLAN this
// host has no interface for. Both carry the kernel's receive time (SO_TIMESTAMPNS).
import { constants as osConstants } from "node:os";
import { formatAddress, type Family } from "../vrrp/address.js";
import { writeIpv4Header } from "./frames.js";
import { VRRP_PROTOCOL } from "../vrrp/checksum.js";
import { AH_LENGTH, AH_PROTOCOL, sealAh } from "../vrrp/ipsec-ah.js";
import { nativeHelper, type VrrpSocketHandle } from "../native/helper.js";
import type { ReceivedPacket } from "../vrrp/packet.js";

/** n bytes at offset into `out` (the socket's own source and destination arrays, refilled per packet). */
function copyInto(out: Uint8Array, buf: Uint8Array, offset: number, n: number): void {
  for (let k = 0; k < n; k++) out[k] = buf[offset + k]!;
}

/**
 * The one ReceivedAdvert a socket hands out, refilled for every packet it reads (issue 33: an
 * object, two address copies and a Buffer view per advert heard were ~660 bytes of garbage each).
 * Valid during the callback only, as ReceivedPacket says; whoever keeps src copies it.
 */
class RxSlot implements ReceivedAdvert {
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  ttl = 0;
  multicast = false;
  payload: Uint8Array;
  ah: Uint8Array | undefined = undefined;
  /** A number from the start (not undefined), so V8 keeps it a mutable double rather than a new box per packet. */
  ageMs: number | undefined = 0;
  private payloadStart = -1;
  private payloadEnd = -1;

  constructor(
    readonly ifname: string,
    readonly family: Family,
    private readonly buf: Buffer,
  ) {
    this.src = new Uint8Array(family === 4 ? 4 : 16);
    this.dst = new Uint8Array(family === 4 ? 4 : 16);
    this.payload = buf.subarray(0, 0);
  }

  /** The kernel's receive time as an age (meta[1], -1 when the socket cannot tell). */
  setAge(meta: Float64Array): void {
    const age = meta[1]!;
    // Two stores, not a conditional expression: a double-or-undefined value is boxed per packet.
    if (age >= 0) this.ageMs = age;
    else this.ageMs = undefined;
  }

  /** buf[start, end) as the payload: the view is made again only when the bounds change (adverts of one size reuse it). */
  setPayload(start: number, end: number): void {
    if (start === this.payloadStart && end === this.payloadEnd) return;
    this.payloadStart = start;
    this.payloadEnd = end;
    this.payload = this.buf.subarray(start, end);
  }
}
/**
 * Packets read per readable event: a socket buffer's worth of small adverts. The bound keeps a
 * flood from holding the event loop: what is left wakes the next iteration (the poll is
 * level-triggered), after timers had their turn.
 */
export const MAX_READS_PER_EVENT = 512;
const { EAGAIN, EINTR, EMSGSIZE } = osConstants.errno;
const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

/** "ENETDOWN" for 100, or "errno N". */
export function errnoName(n: number): string {
  return ERRNO_NAMES.get(Math.abs(n)) ?? `errno ${Math.abs(n)}`;
}

/**
 * An advert as the socket delivers it: the router's ReceivedPacket (the payload is a view valid
 * only during the callback), with how long ago the kernel received it when the socket can tell.
 */
export type ReceivedAdvert = ReceivedPacket & {
  /** ms between the kernel's receive timestamp and the read. */
  readonly ageMs?: number;
};

export interface AdvertSocketOptions {
  readonly ifname: string;
  readonly ifindex: number;
  readonly family: Family;
  /** Packets read per readable event (MAX_READS_PER_EVENT unless given; tests make it small). */
  readonly maxReadsPerEvent?: number;
  /** IPv4 protocol 51 for auth_type AH (keepalived opens an IPPROTO_AH socket for those instances). */
  readonly ah?: boolean;
  /** Opens the handle: the addon's raw socket unless given (the allocation test drives a fake). */
  readonly open?: (onReadable: () => void) => VrrpSocketHandle;
}

/** What an AH advert is sealed with: the instance's key, its next sequence number. */
export interface AhSeal {
  readonly key: Uint8Array;
  readonly seq: number;
}

export class SocketError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "SocketError";
  }
}

export class AdvertSocket {
  private readonly sock: VrrpSocketHandle;
  private readonly onAdvert: (rx: ReceivedAdvert) => void;
  private tx = Buffer.alloc(64);
  private readonly rx = Buffer.alloc(65_536);
  /** [TTL or hop limit, age ms, ifindex], filled by each recv. */
  private readonly meta = new Float64Array(3);
  /** Source (0..15) and, for IPv6, destination (16..31) of the packet just read. */
  private readonly addr = new Uint8Array(32);
  private readonly slot: RxSlot;
  private closed = false;
  /** Packets the socket layer could not even parse (shorter than an IP header, or cut). */
  malformed = 0;

  constructor(
    readonly options: AdvertSocketOptions,
    onAdvert: (rx: ReceivedAdvert) => void,
    private readonly onError: (err: Error) => void,
  ) {
    this.onAdvert = onAdvert;
    const { ifname, ifindex, family } = options;
    this.slot = new RxSlot(ifname, family, this.rx);
    const onReadable = () => this.drain();
    if (options.open) {
      this.sock = options.open(onReadable);
      return;
    }
    const helper = nativeHelper();
    const r = options.ah
      ? helper.vrrpSocket(family, ifname, ifindex, onReadable, AH_PROTOCOL)
      : helper.vrrpSocket(family, ifname, ifindex, onReadable);
    if ("errno" in r) {
      const code = r.op.startsWith("IP_ADD") || r.op.startsWith("IPV6_ADD") ? "MULTICAST_JOIN" : "SOCKET_OPEN";
      const hint = r.errno === osConstants.errno.EPERM ? " (needs root or CAP_NET_RAW)" : "";
      throw new SocketError(code, `cannot open raw VRRP socket for ${ifname} (IPv${family}): ${r.op}: ${errnoName(r.errno)}${hint}`);
    }
    this.sock = r;
  }

  private readonly joined = new Set<string>();

  /** Joins another multicast group on the interface (an instance's mcast_dst_ip / vrrp_mcast_group4|6); once per group. */
  joinGroup(group: Uint8Array): void {
    const key = Buffer.from(group).toString("hex");
    if (this.joined.has(key)) return;
    const n = this.sock.join(group);
    if (n < 0) throw new SocketError("MULTICAST_JOIN", `cannot join ${formatAddress(group)} on ${this.options.ifname}: ${errnoName(n)}`);
    this.joined.add(key);
  }

  /** Reads up to MAX_READS_PER_EVENT packets; EAGAIN ends the batch. */
  private drain(): void {
    const { rx, meta, addr } = this;
    const max = this.options.maxReadsPerEvent ?? MAX_READS_PER_EVENT;
    for (let i = 0; i < max; i++) {
      const n = this.sock.recv(rx, meta, addr);
      if (n < 0) {
        if (n === -EMSGSIZE) {
          this.malformed++;
          continue;
        }
        if (n !== -EAGAIN && n !== -EINTR && !this.closed)
          this.onError(new SocketError("SOCKET_IO", `raw socket on ${this.options.ifname}: recv failed: ${errnoName(n)}`));
        return;
      }
      // The age goes from meta straight into the slot (setAge): a double passed as an argument is a new box per packet.
      if (this.options.family === 4) this.receiveV4(rx, n);
      else this.receiveV6(rx, n);
    }
  }

  /** The first `length` bytes of buf (the socket's read buffer, reused) hold one IPv4 packet. */
  private receiveV4(buf: Buffer, length: number): void {
    if (length < 20 || buf[0]! >> 4 !== 4) {
      this.malformed++;
      return;
    }
    const ihl = (buf[0]! & 0x0f) * 4;
    const total = Math.min(buf.readUInt16BE(2), length);
    if (ihl < 20 || total < ihl) {
      this.malformed++;
      return;
    }
    const ah = buf[9] === AH_PROTOCOL;
    if (ah && total < ihl + AH_LENGTH + 2) {
      this.malformed++;
      return;
    }
    const rx = this.slot;
    copyInto(rx.src, buf, 12, 4);
    copyInto(rx.dst, buf, 16, 4);
    rx.ttl = buf[8]!;
    rx.multicast = rx.dst[0]! >= 224 && rx.dst[0]! <= 239;
    rx.setPayload(ah ? ihl + AH_LENGTH : ihl, total);
    rx.ah = ah ? buf.subarray(0, total) : undefined;
    rx.setAge(this.meta);
    this.onAdvert(rx);
  }

  /** IPv6: the payload alone; source, destination and hop limit came as ancillary data. */
  private receiveV6(buf: Buffer, length: number): void {
    const hops = this.meta[0]!;
    if (hops < 0) {
      this.malformed++;
      return;
    }
    const rx = this.slot;
    copyInto(rx.src, this.addr, 0, 16);
    copyInto(rx.dst, this.addr, 16, 16);
    rx.ttl = hops;
    rx.multicast = rx.dst[0] === 0xff;
    rx.setPayload(0, length);
    rx.ah = undefined;
    rx.setAge(this.meta);
    this.onAdvert(rx);
  }

  /**
   * Sends one advert now, a synchronous sendmsg. IPv4 carries our source in its header
   * (HDRINCL); IPv6 names it in an IPV6_PKTINFO control message of this send, as keepalived does
   * (vrrp.c vrrp_build_ancillary_data), so instances sharing the socket never race on a sticky
   * option. Returns whether the kernel took it (a failure is also reported to the error callback).
   * `ttl`: IPv4 TTL / IPv6 hop limit (unicast_ttl); 255 otherwise. `ah`: seal an IPv4 advert in IPsec-AH.
   */
  send(vrrp: Uint8Array, src: Uint8Array | undefined, dst: Uint8Array, ttl = 255, ah?: AhSeal): boolean {
    const length = this.build(vrrp, src, dst, ttl, ah);
    const { family } = this.options;
    const packet = family === 4 ? this.tx : vrrp;
    const n = this.sock.send(packet, length, dst, family === 6 ? src : undefined, family === 6 && ttl !== 255 ? ttl : undefined);
    if (n >= 0) return true;
    this.onError(new SocketError("SEND", `sending advert on ${this.options.ifname} to ${formatAddress(dst)}: ${errnoName(n)}`));
    return false;
  }

  /**
   * The packet `send` would hand the kernel (IPv4: in the socket's transmit buffer), its length
   * returned; nothing is sent. The takeover warm-up (rehearsal.ts) runs this.
   */
  build(vrrp: Uint8Array, src: Uint8Array | undefined, dst: Uint8Array, ttl = 255, ah?: AhSeal): number {
    if (this.options.family !== 4) return vrrp.length;
    if (!src) throw new SocketError("NO_SOURCE", `IPv4 advert on ${this.options.ifname} without a source address`);
    const ahLength = ah ? AH_LENGTH : 0;
    const length = 20 + ahLength + vrrp.length;
    if (this.tx.length < length) this.tx = Buffer.alloc(length);
    const packet = this.tx;
    if (ah) {
      // keepalived vrrp_update_pkt: the id is the sender's (never 0, which the kernel would
      // replace after the ICV was computed over it).
      writeIpv4Header(this.tx, src, dst, ahLength + vrrp.length, AH_PROTOCOL, ah.seq & 0xffff || 1, ttl);
      packet.set(vrrp, 20 + AH_LENGTH);
      sealAh(packet.subarray(0, length), ah.key, ah.seq, !(dst[0]! >= 224 && dst[0]! <= 239));
    } else {
      writeIpv4Header(this.tx, src, dst, vrrp.length, VRRP_PROTOCOL, 0, ttl);
      packet.set(vrrp, 20);
    }
    return length;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.close();
  }
}
