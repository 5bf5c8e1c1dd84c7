// The daemon's copy of the host's interfaces and addresses, kept from netlink events, and the
// questions asked of it: which interface is which, and which source address an instance uses.
import type { AddressEvent, AddressInfo, LinkEvent, LinkInfo } from "../netlink/rtnl.js";
import { sameAddressBytes } from "../vrrp/address.js";
import { configuredAddress } from "./router-config.js";
import type { InstanceSpec } from "../config/model.js";
import { readFileSync } from "node:fs";

/** keepalived vrrp_ndisc.c: the NA router flag follows the interface's IPv6 forwarding setting. */
export function ipv6Forwarding(ifname: string): boolean {
  try {
    return readFileSync(`/proc/sys/net/ipv6/conf/${ifname}/forwarding`, "utf8").trim() === "1";
  } catch {
    return false;
  }
}

/** What a link event did to the cache: the link as it was before (by index), if known. */
export interface LinkChange {
  readonly before: LinkInfo | undefined;
  readonly link: LinkInfo;
  readonly removed: boolean;
  /** The name the index had before, now gone (renamed or removed). */
  readonly nameGone: string | undefined;
}

export class LinkCache {
  private readonly byName = new Map<string, LinkInfo>();
  private addrs: AddressInfo[] = [];

  constructor(links: readonly LinkInfo[] = [], addresses: readonly AddressInfo[] = []) {
    this.reset(links, addresses);
  }

  /** Replaces the whole copy (a dump at start). */
  reset(links: readonly LinkInfo[], addresses: readonly AddressInfo[]): void {
    this.byName.clear();
    for (const l of links) this.byName.set(l.name, l);
    this.addrs = [...addresses];
  }

  link(name: string): LinkInfo | undefined {
    return this.byName.get(name);
  }

  links(): LinkInfo[] {
    return [...this.byName.values()];
  }

  addresses(): readonly AddressInfo[] {
    return this.addrs;
  }

  onLink(e: LinkEvent): LinkChange {
    const { link } = e;
    const before = [...this.byName.values()].find((l) => l.index === link.index);
    if (e.removed) {
      if (before) this.byName.delete(before.name);
    } else {
      if (before && before.name !== link.name) this.byName.delete(before.name); // renamed: the old name is gone
      this.byName.set(link.name, link);
    }
    const nameGone = before && (e.removed || before.name !== link.name) ? before.name : undefined;
    return { before, link, removed: e.removed, nameGone };
  }

  /** Returns true when the event changed the cache. */
  onAddress(e: AddressEvent): boolean {
    const a = e.address;
    const i = this.addrs.findIndex((x) => x.index === a.index && sameAddressBytes(x.address, a.address));
    if (e.removed) {
      if (i < 0) return false;
      this.addrs.splice(i, 1);
      return true;
    }
    if (i >= 0) return false;
    this.addrs.push(a);
    return true;
  }

  has(index: number, address: Uint8Array): boolean {
    return this.addrs.some((a) => a.index === index && sameAddressBytes(a.address, address));
  }

  /** The interface's IPv6 link-local address (the NA source), if any. */
  linkLocal(index: number): Buffer | undefined {
    return this.addrs.find((a) => a.index === index && a.family === 6 && isLinkLocal6(a.address))?.address;
  }

  /** Source address keepalived would use: configured, else the interface's first IPv4 / link-local IPv6, never a VIP. */
  sourceFor(spec: InstanceSpec): Uint8Array | undefined {
    const configured = configuredAddress(spec);
    // use_vmac: the base interface's address (keepalived takes vrrp->saddr from the base).
    const link = this.byName.get(spec.vmac?.base ?? spec.interface);
    // track_src_ip: the configured address only while the interface has it (keepalived_netlink.c
    // netlink_if_address_filter downs the instance when it goes).
    if (configured && spec.trackSrcIp)
      return link && this.addrs.some((a) => a.index === link.index && sameAddressBytes(a.address, configured)) ? configured : undefined;
    if (configured) return configured;
    if (!link) return undefined;
    const vipSet = [...spec.vips, ...spec.excludedVips].map((v) => v.bytes);
    const mine = this.addrs.filter(
      (a) => a.index === link.index && a.family === spec.family && !vipSet.some((v) => sameAddressBytes(v, a.address)),
    );
    const pick = spec.family === 4 ? (mine.find((a) => a.scope === 0) ?? mine[0]) : mine.find((a) => isLinkLocal6(a.address));
    return pick ? Uint8Array.from(pick.address) : undefined;
  }
}

function isLinkLocal6(a: Uint8Array): boolean {
  return a[0] === 0xfe && (a[1]! & 0xc0) === 0x80;
}
