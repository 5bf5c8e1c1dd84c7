// Raw VRRP sockets (protocol 112) on one interface and family, shared by its instances.
// IPv4: one raw socket sends (IP_HDRINCL: our source, TOS 0xc0, TTL 255) and receives with the
// IP header, so TTL and destination are visible. IPv6: a raw socket sends (kernel checksum,
// hop limit 255); receiving goes through libpcap, because a raw IPv6 socket hides the hop limit
// and RFC 5798 requires dropping adverts whose hop limit is not 255.
import { createRequire } from "node:module";
import { constants as osConstants } from "node:os";
import { formatAddress, type Family } from "../vrrp/address.js";
import { writeIpv4Header } from "./frames.js";
import { sealDescriptors } from "../native/helper.js";
import { PcapLink } from "./pcap-link.js";
import type { ReceivedPacket } from "../vrrp/receive.js";
import { VRRP_GROUP_V4, VRRP_GROUP_V6 } from "../vrrp/address.js";

const require = createRequire(import.meta.url);

interface RawSocket {
  on(event: "message", cb: (buf: Buffer, source: string) => void): void;
  on(event: "error", cb: (err: Error) => void): void;
  send(
    buf: Buffer,
    offset: number,
    length: number,
    address: string,
    before: (() => void) | null,
    after: (err: Error | null, bytes: number) => void,
  ): void;
  setOption(level: number, option: number, value: number | Buffer, length?: number): void;
  pauseRecv(): void;
  close(): void;
}

const SOL_SOCKET = 1;
const SO_BINDTODEVICE = 25;
const SO_RCVBUF = 8;
const IPPROTO_IP = 0;
const IP_HDRINCL = 3;
const IP_MULTICAST_LOOP = 34;
const IP_ADD_MEMBERSHIP = 35;
const IPPROTO_IPV6 = 41;
const IPV6_CHECKSUM = 7;
const IPV6_UNICAST_HOPS = 16;
const IPV6_MULTICAST_HOPS = 18;
const IPV6_MULTICAST_LOOP = 19;
const IPV6_ADD_MEMBERSHIP = 20;
const IPV6_PKTINFO = 50;

const noop = (): void => undefined;

/**
 * A copy of n bytes at offset: a plain Uint8Array, not Buffer.slice's species construction
 * (a FastBuffer through its JS constructor, ~2.5x the time), twice per advert heard.
 */
function bytesAt(buf: Uint8Array, offset: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let k = 0; k < n; k++) out[k] = buf[offset + k]!;
  return out;
}
/** Packets read per readable event: a socket buffer's worth of small adverts (~300 at 212 KB). */
const MAX_READS_PER_EVENT = 512;
const { EAGAIN, EINTR } = osConstants.errno;
const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

/**
 * An advert as the socket delivers it: the router's ReceivedPacket (the payload is a view valid
 * only during the callback), with how long ago the kernel received it when the socket can tell.
 */
export type ReceivedAdvert = ReceivedPacket & {
  /** ms between the kernel's receive timestamp and the read (IPv4 with our raw-socket patch). */
  readonly ageMs?: number;
};

export interface AdvertSocketOptions {
  readonly ifname: string;
  readonly ifindex: number;
  readonly family: Family;
  /** Our MAC on the interface: the IPv6 capture skips our own frames by it. */
  readonly mac: Uint8Array;
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
  private readonly sock: RawSocket;
  private pcap?: PcapLink;
  private readonly onAdvert: (rx: ReceivedAdvert) => void;
  private tx = Buffer.alloc(64);
  private lastSrc6?: Uint8Array;
  private readonly names = new Map<number | string, string>();
  /** raw-socket's binding: its send() is a synchronous sendto that throws on error. */
  private readonly wrap: { send(buf: Buffer, offset: number, length: number, address: string, cb: () => void): void };
  sendErrors = 0;
  /** Packets the socket layer could not even parse (shorter than an IP header). */
  malformed = 0;

  constructor(
    readonly options: AdvertSocketOptions,
    onAdvert: (rx: ReceivedAdvert) => void,
    private readonly onError: (err: Error) => void,
  ) {
    this.onAdvert = onAdvert;
    const raw = require("raw-socket") as { createSocket(o: object): RawSocket };
    const { ifname, family } = options;
    try {
      this.sock = raw.createSocket({ addressFamily: family === 4 ? 1 : 2, protocol: 112, bufferSize: 65_536 });
    } catch (e) {
      throw new SocketError(
        "SOCKET_OPEN",
        `cannot open raw VRRP socket for ${ifname} (IPv${family}): ${(e as Error).message} (needs root or CAP_NET_RAW)`,
      );
    }
    this.wrap = (this.sock as unknown as { wrap: AdvertSocket["wrap"] }).wrap;
    this.sock.on("error", (e) => this.onError(new SocketError("SOCKET_IO", `raw socket on ${ifname}: ${e.message}`)));
    const dev = Buffer.from(`${ifname}\0`);
    this.sock.setOption(SOL_SOCKET, SO_BINDTODEVICE, dev, dev.length);
    if (family === 4) {
      this.sock.setOption(IPPROTO_IP, IP_HDRINCL, 1);
      this.sock.setOption(IPPROTO_IP, IP_MULTICAST_LOOP, 0);
      const mreqn = Buffer.alloc(12);
      Buffer.from(VRRP_GROUP_V4).copy(mreqn, 0);
      mreqn.writeInt32LE(options.ifindex, 8);
      this.join(IPPROTO_IP, IP_ADD_MEMBERSHIP, mreqn);
      this.drainOnReadable(onAdvert);
    } else {
      this.sock.setOption(IPPROTO_IPV6, IPV6_CHECKSUM, 6);
      this.sock.setOption(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255);
      this.sock.setOption(IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255);
      this.sock.setOption(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0);
      const mreq = Buffer.alloc(20);
      Buffer.from(VRRP_GROUP_V6).copy(mreq, 0);
      mreq.writeUInt32LE(options.ifindex, 16);
      // The membership makes the NIC accept 33:33:00:00:00:12; the capture below does the reading.
      this.join(IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, mreq);
      this.sock.setOption(SOL_SOCKET, SO_RCVBUF, 4096);
      this.sock.pauseRecv();
      this.pcap = this.openCapture();
    }
    sealDescriptors(); // raw-socket opens without SOCK_CLOEXEC
  }

  private openCapture(): PcapLink {
    const mac = Buffer.from(this.options.mac).toString("hex").match(/../g)!.join(":");
    return new PcapLink(this.options.ifname, `ip6 proto 112 and not ether src ${mac}`, (frame) => this.receiveV6(frame, this.onAdvert));
  }

  /**
   * After the link went down and up, libpcap's handle stops delivering (it saw ENETDOWN):
   * open a new one. IPv4 raw sockets need nothing.
   */
  reopenCapture(): void {
    if (!this.pcap) return;
    this.pcap.close();
    this.pcap = this.openCapture();
  }

  private readonly joined = new Set<string>();

  /** Joins another multicast group on the interface (an instance's mcast_dst_ip / vrrp_mcast_group4|6); once per group. */
  joinGroup(group: Uint8Array): void {
    const key = Buffer.from(group).toString("hex");
    if (this.joined.has(key)) return;
    if (this.options.family === 4) {
      const mreqn = Buffer.alloc(12);
      Buffer.from(group).copy(mreqn, 0);
      mreqn.writeInt32LE(this.options.ifindex, 8);
      this.join(IPPROTO_IP, IP_ADD_MEMBERSHIP, mreqn);
    } else {
      const mreq = Buffer.alloc(20);
      Buffer.from(group).copy(mreq, 0);
      mreq.writeUInt32LE(this.options.ifindex, 16);
      this.join(IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, mreq);
    }
    this.joined.add(key);
  }

  private join(level: number, option: number, req: Buffer): void {
    try {
      this.sock.setOption(level, option, req, req.length);
    } catch (e) {
      throw new SocketError("MULTICAST_JOIN", `cannot join the VRRP multicast group on ${this.options.ifname}: ${(e as Error).message}`);
    }
  }

  /**
   * raw-socket reads one packet per readable event, so a queue of N packets costs N event-loop
   * iterations: under a flood the socket buffer fills, the kernel drops the master's adverts with
   * the rest, and a late master-down timer's one deferred poll phase reads one packet of the
   * backlog. Read until the socket is empty instead (bounded, so timers still run during a
   * flood); the socket is non-blocking, EAGAIN ends the batch.
   */
  private drainOnReadable(onAdvert: (rx: ReceivedAdvert) => void): void {
    const s = this.sock as unknown as {
      wrap: {
        removeAllListeners(e: string): void;
        on(e: string, cb: () => void): void;
        recv(b: Buffer, cb: (b: Buffer, n: number) => void): void;
        /** Our raw-socket patch: bytes read or -errno, no callback, no throw; age[0] = the packet's age (ms) or -1. */
        recvInto?(b: Buffer, age?: Float64Array): number;
      };
      buffer: Buffer;
    };
    s.wrap.removeAllListeners("recvReady");
    const recvInto = s.wrap.recvInto?.bind(s.wrap);
    if (recvInto) {
      // The kernel's receive time anchors the master-down timer at the advert's arrival, not at
      // the read after the event loop woke (0.1-0.4 ms later on an idle VM), as RFC 5798 6.4.2
      // restarts the timer when the advert is received.
      const age = new Float64Array(1);
      s.wrap.on("recvReady", () => {
        for (let i = 0; i < MAX_READS_PER_EVENT; i++) {
          age[0] = -1;
          const n = recvInto(s.buffer, age);
          if (n < 0) {
            if (n !== -EAGAIN && n !== -EINTR)
              this.onError(
                new SocketError("SOCKET_IO", `raw socket on ${this.options.ifname}: recv failed: ${ERRNO_NAMES.get(-n) ?? `errno ${-n}`}`),
              );
            return;
          }
          this.receiveV4(s.buffer, n, onAdvert, age[0] >= 0 ? age[0] : undefined);
        }
      });
      return;
    }
    let got = -1;
    const took = (_b: Buffer, bytes: number): void => {
      got = bytes;
    };
    s.wrap.on("recvReady", () => {
      for (let i = 0; i < MAX_READS_PER_EVENT; i++) {
        got = -1;
        // The binding reports EAGAIN by throwing: without a stack trace that costs ~1 µs, not ~10.
        const stackTraceLimit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
          s.wrap.recv(s.buffer, took);
        } catch (e) {
          if (!/temporarily unavailable|would block/i.test((e as Error).message))
            this.onError(new SocketError("SOCKET_IO", `raw socket on ${this.options.ifname}: ${(e as Error).message}`));
          return;
        } finally {
          Error.stackTraceLimit = stackTraceLimit;
        }
        if (got < 0) return;
        this.receiveV4(s.buffer, got, onAdvert);
      }
    });
  }

  /** The first `length` bytes of buf (the socket's read buffer, reused) hold one IPv4 packet. */
  private receiveV4(buf: Buffer, length: number, onAdvert: (rx: ReceivedAdvert) => void, ageMs?: number): void {
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
    const dst = bytesAt(buf, 16, 4);
    onAdvert({
      ifname: this.options.ifname,
      family: 4,
      src: bytesAt(buf, 12, 4),
      dst,
      ttl: buf[8]!,
      multicast: dst[0]! >= 224 && dst[0]! <= 239,
      payload: buf.subarray(ihl, total),
      ageMs,
    });
  }

  private receiveV6(frame: Buffer, onAdvert: (rx: ReceivedAdvert) => void): void {
    // Ethernet (14) + IPv6 (40); the filter already matched next header 112.
    if (frame.length < 54) {
      this.malformed++;
      return;
    }
    const ip = 14;
    const plen = frame.readUInt16BE(ip + 4);
    const dst = bytesAt(frame, ip + 24, 16);
    onAdvert({
      ifname: this.options.ifname,
      family: 6,
      src: bytesAt(frame, ip + 8, 16),
      dst,
      ttl: frame[ip + 7]!,
      multicast: dst[0] === 0xff,
      payload: frame.subarray(ip + 40, Math.min(frame.length, ip + 40 + plen)),
    });
  }

  /**
   * Sends one advert now: raw-socket's queued send() waits for the next writable event, a loop
   * iteration the failover path should not pay, so the binding's synchronous sendto is used.
   * IPv4 carries our source in its header (HDRINCL); IPv6 gets it through IPV6_PKTINFO.
   * Returns whether the kernel took it (a failure is also reported to the error callback).
   * `transmit` false builds the packet and stops before the kernel: the start-up rehearsal
   * (rehearsal.ts) runs this code once so a first takeover does not compile it.
   */
  /** `ttl`: IPv4 TTL / IPv6 hop limit (unicast_ttl); 255 otherwise. */
  send(vrrp: Uint8Array, src: Uint8Array | undefined, dst: Uint8Array, transmit = true, ttl = 255): boolean {
    const { family } = this.options;
    let packet: Buffer;
    let length: number;
    if (family === 4) {
      if (!src) throw new SocketError("NO_SOURCE", `IPv4 advert on ${this.options.ifname} without a source address`);
      length = 20 + vrrp.length;
      if (this.tx.length < length) this.tx = Buffer.alloc(length);
      packet = this.tx;
      writeIpv4Header(packet, src, dst, vrrp.length, ttl);
      packet.set(vrrp, 20);
    } else {
      packet = Buffer.isBuffer(vrrp) ? vrrp : Buffer.from(vrrp.buffer, vrrp.byteOffset, vrrp.length);
      length = vrrp.length;
      // A rehearsal sets no socket option: the source is sticky on a socket other instances share.
      if (src && transmit) this.setSource6(src);
      if (transmit) this.setHopLimit6(ttl);
    }
    const to = this.addressText(dst);
    if (!transmit) return true;
    let ok = true;
    try {
      this.wrap.send(packet, 0, length, to, noop);
    } catch (e) {
      ok = false;
      this.sendErrors++;
      this.onError(new SocketError("SEND", `sending advert on ${this.options.ifname} to ${to}: ${(e as Error).message}`));
    }
    return ok;
  }

  /**
   * The IPv6 source of the next sends: the instance's (unicast_src_ip, mcast_src_ip or its
   * link-local), not the kernel's choice, as keepalived sets it with IPV6_PKTINFO on every send.
   * Linux takes IPV6_PKTINFO as a sticky socket option (RFC 3542 6.1), so it is set only when the
   * source changes (instances on one interface share this socket).
   */
  private hops6 = 255;

  /** IPV6_UNICAST_HOPS is per socket and the socket is shared: set it when the sender's differs. */
  private setHopLimit6(hops: number): void {
    if (hops === this.hops6) return;
    try {
      this.sock.setOption(IPPROTO_IPV6, IPV6_UNICAST_HOPS, hops);
      this.hops6 = hops;
    } catch (e) {
      this.sendErrors++;
      this.onError(new SocketError("SOCKET_OPTION", `setting the hop limit on ${this.options.ifname}: ${(e as Error).message}`));
    }
  }

  private setSource6(src: Uint8Array): void {
    const last = this.lastSrc6;
    if (last && last.length === src.length && last.every((b, i) => b === src[i])) return;
    const pktinfo = Buffer.alloc(20);
    pktinfo.set(src, 0);
    pktinfo.writeUInt32LE(this.options.ifindex, 16);
    try {
      this.sock.setOption(IPPROTO_IPV6, IPV6_PKTINFO, pktinfo, pktinfo.length);
      this.lastSrc6 = Uint8Array.from(src);
    } catch (e) {
      this.sendErrors++;
      this.onError(
        new SocketError(
          "SOURCE",
          `cannot send IPv6 adverts on ${this.options.ifname} from ${formatAddress(src)}: ${(e as Error).message}; the kernel picks the source`,
        ),
      );
    }
  }

  private addressText(dst: Uint8Array): string {
    const key = dst.length === 4 ? ((dst[0]! << 24) | (dst[1]! << 16) | (dst[2]! << 8) | dst[3]!) >>> 0 : Buffer.from(dst).toString("hex");
    let t = this.names.get(key);
    if (t === undefined) {
      t = formatAddress(dst);
      this.names.set(key, t);
    }
    return t;
  }

  close(): void {
    try {
      this.sock.close();
    } catch {
      // already closed
    }
    this.pcap?.close();
  }
}
