// Gratuitous ARP and unsolicited Neighbour Advertisements for VIPs, sent on AF_PACKET sockets
// (native/packet.c packetSocket) as keepalived sends them (vrrp_arp.c gratuitous_arp_init and
// send_arp, vrrp_ndisc.c ndisc_init and ndisc_send_na) and FRR's vrrpd (vrrp_arp.c
// vrrp_garp_init, vrrp_send_garp): whole Ethernet frames, sendto naming the interface. One socket
// per interface, bound to it; it only sends (protocol 0), never PROMISC.
import { gratuitousArp, unsolicitedNa } from "./frames.js";
import { nativeHelper, type PacketSocketHandle } from "../native/helper.js";
import { errnoName } from "./advert-socket.js";

export interface AnnounceTarget {
  readonly ifname: string;
  readonly ifindex: number;
  readonly mac: Uint8Array;
  /** Needed for NAs: the interface's link-local address. */
  readonly linkLocal?: Uint8Array;
  /** NA router flag: set only when the interface forwards IPv6 (keepalived vrrp_ndisc.c). */
  readonly router?: boolean;
}

/** What an announce() sent: frames per kind, VIPs skipped (no link-local), frames the kernel refused. */
export interface AnnounceCounts {
  readonly arp: number;
  readonly na: number;
  readonly skipped: number;
  readonly failed?: number;
  /** The last refusal's errno name. */
  readonly error?: string;
}

export class AnnounceError extends Error {
  constructor(
    readonly code: "PACKET_OPEN" | "PACKET_SEND",
    message: string,
  ) {
    super(message);
    this.name = "AnnounceError";
  }
}

export class Announcer {
  /** One socket per interface name, with the index it was bound to (a new index: a new socket). */
  private readonly links = new Map<string, { ifindex: number; sock: PacketSocketHandle }>();

  /** Opens the interface's socket ahead of a takeover, so a failure shows at start. */
  prepare(ifname: string, ifindex: number): void {
    this.link(ifname, ifindex);
  }

  private link(ifname: string, ifindex: number): PacketSocketHandle {
    const l = this.links.get(ifname);
    if (l && l.ifindex === ifindex) return l.sock;
    l?.sock.close();
    this.links.delete(ifname);
    const r = nativeHelper().packetSocket(ifindex);
    if ("errno" in r) throw new AnnounceError("PACKET_OPEN", `cannot open a packet socket on ${ifname}: ${r.op}: ${errnoName(r.errno)}`);
    this.links.set(ifname, { ifindex, sock: r });
    return r;
  }

  /**
   * Sends `repeat` announcements for each VIP (4 or 16 bytes). A frame the kernel refuses (link
   * down, interface gone) is counted in `failed`, not thrown.
   */
  announce(target: AnnounceTarget, vips: readonly Uint8Array[], repeat: number): AnnounceCounts {
    return this.frames(target, vips, repeat, this.link(target.ifname, target.ifindex));
  }

  /** The frames `announce` would send, built and counted, nothing sent (the takeover warm-up, rehearsal.ts). */
  build(target: AnnounceTarget, vips: readonly Uint8Array[], repeat: number): AnnounceCounts {
    return this.frames(target, vips, repeat, undefined);
  }

  private frames(
    target: AnnounceTarget,
    vips: readonly Uint8Array[],
    repeat: number,
    sock: PacketSocketHandle | undefined,
  ): AnnounceCounts {
    let arp = 0;
    let na = 0;
    let skipped = 0;
    let failed = 0;
    let error: string | undefined;
    for (const vip of vips) {
      let frame: Buffer | undefined;
      if (vip.length === 4) frame = gratuitousArp(target.mac, vip);
      else if (target.linkLocal) frame = unsolicitedNa(target.mac, target.linkLocal, vip, target.router === true);
      if (!frame) {
        skipped++;
        continue;
      }
      if (sock)
        for (let i = 0; i < repeat; i++) {
          const n = sock.send(frame, frame.length);
          if (n < 0) {
            failed++;
            error = errnoName(n);
          }
        }
      if (vip.length === 4) arp += repeat;
      else na += repeat;
    }
    return { arp, na, skipped, failed, ...(error ? { error } : {}) };
  }

  /** Drops the socket of an interface that went away or was renamed. */
  forget(ifname: string): void {
    this.links.get(ifname)?.sock.close();
    this.links.delete(ifname);
  }

  close(): void {
    for (const l of this.links.values()) l.sock.close();
    this.links.clear();
  }
}
