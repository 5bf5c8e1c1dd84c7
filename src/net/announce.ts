// Gratuitous ARP and unsolicited Neighbour Advertisements for VIPs, injected with libpcap.
import { gratuitousArp, unsolicitedNa } from "./frames.js";
import { PcapLink } from "./pcap-link.js";

export interface AnnounceTarget {
  readonly ifname: string;
  readonly mac: Uint8Array;
  /** Needed for NAs: the interface's link-local address. */
  readonly linkLocal?: Uint8Array;
  /** NA router flag: set only when the interface forwards IPv6 (keepalived vrrp_ndisc.c). */
  readonly router?: boolean;
}

export class Announcer {
  private readonly links = new Map<string, PcapLink>();
  sent = 0;

  /** Opens the interface's handle ahead of time: opening costs milliseconds a takeover should not pay. */
  prepare(ifname: string): void {
    this.link(ifname);
  }

  private link(ifname: string): PcapLink {
    let l = this.links.get(ifname);
    if (!l) {
      // Send-only: a filter that matches nothing keeps the capture side idle.
      l = new PcapLink(ifname, "less 1");
      this.links.set(ifname, l);
    }
    return l;
  }

  /**
   * Sends `repeat` announcements for each VIP (4 or 16 bytes). `transmit` false builds the frames
   * and sends nothing (the start-up rehearsal); the counts are then what would have gone out.
   */
  announce(
    target: AnnounceTarget,
    vips: readonly Uint8Array[],
    repeat: number,
    transmit = true,
  ): { arp: number; na: number; skipped: number } {
    const link = transmit ? this.link(target.ifname) : undefined;
    let arp = 0;
    let na = 0;
    let skipped = 0;
    for (const vip of vips) {
      let frame: Buffer | undefined;
      if (vip.length === 4) frame = gratuitousArp(target.mac, vip);
      else if (target.linkLocal) frame = unsolicitedNa(target.mac, target.linkLocal, vip, target.router === true);
      if (!frame) {
        skipped++;
        continue;
      }
      if (link) for (let i = 0; i < repeat; i++) link.send(frame);
      if (vip.length === 4) arp += repeat;
      else na += repeat;
    }
    if (link) this.sent += arp + na;
    return { arp, na, skipped };
  }

  /** Drops the handle of an interface that went away or was renamed. */
  forget(ifname: string): void {
    this.links.get(ifname)?.close();
    this.links.delete(ifname);
  }

  close(): void {
    for (const l of this.links.values()) l.close();
    this.links.clear();
  }
}
