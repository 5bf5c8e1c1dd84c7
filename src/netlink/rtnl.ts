// Links and addresses through rtnetlink (package `netlink`): VIP add/remove the way keepalived
// does it, interface lookups, and link/address change events for FAULT tracking and VIP repair.
import { createRtNetlink, rt, type RtNetlinkSocket } from "netlink";
import { formatAddress, type Family } from "../vrrp/address.js";
import { RTPROT_KEEPALIVED, type RouteSpec, type RuleSpec } from "../config/route-rule.js";
import { routeMessage, ruleMessage } from "./route-messages.js";
import { addrGenModeAttr, IN6_ADDR_GEN_MODE_NONE, macvlanLinkInfo, parseLinkInfo } from "./link-attrs.js";
import { errorFields } from "../error-fields.js";

const AF_INET = 2;
const AF_INET6 = 10;
const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTM_NEWADDR = 20;
const RTM_DELADDR = 21;
const RTM_DELROUTE = 25;
const RTM_DELRULE = 33;
const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;
const SCOPES: Record<string, number> = { global: 0, site: 200, link: 253, host: 254, nowhere: 255 };

export interface LinkInfo {
  readonly index: number;
  readonly name: string;
  readonly mac: Buffer;
  /** Administratively up and running (carrier): keepalived's IFF_UP && IFF_RUNNING. */
  readonly up: boolean;
}

export interface AddressInfo {
  readonly index: number;
  readonly family: Family;
  readonly address: Buffer;
  readonly prefix: number;
  readonly scope: number;
  readonly label?: string;
  readonly tentative: boolean;
}

export interface VipRequest {
  readonly index: number;
  readonly family: Family;
  readonly address: Uint8Array;
  readonly prefix: number;
  readonly label?: string;
  readonly scope?: string;
  readonly broadcast?: Uint8Array;
  readonly peer?: Uint8Array;
  readonly flags?: {
    readonly home?: boolean;
    readonly mngtmpaddr?: boolean;
    readonly noprefixroute?: boolean;
    readonly autojoin?: boolean;
    readonly dad?: boolean;
  };
  readonly preferredLft?: number | "forever";
}

export type LinkEvent = { readonly kind: "link"; readonly removed: boolean; readonly link: LinkInfo };
export type AddressEvent = { readonly kind: "address"; readonly removed: boolean; readonly address: AddressInfo };

export class NetlinkError extends Error {
  constructor(
    readonly code: string,
    readonly op: string,
    message: string,
  ) {
    super(message);
    this.name = "NetlinkError";
  }
}

function errnoOf(e: unknown): string {
  const m = /\b(E[A-Z]+)\b/.exec(errorFields(e).err);
  return m?.[1] ?? "EUNKNOWN";
}

function toLink(
  data: { index?: number; flags?: { up?: boolean; running?: boolean } },
  attrs: { ifname?: string; address?: Buffer },
): LinkInfo {
  return {
    index: data.index ?? 0,
    name: attrs.ifname ?? "",
    mac: attrs.address ?? Buffer.alloc(6),
    up: Boolean(data.flags?.up && data.flags?.running),
  };
}

function toAddress(
  data: { index?: number; family?: number; prefixlen?: number; scope?: number; flags?: { tentative?: boolean } },
  attrs: { local?: Buffer; address?: Buffer; label?: string; flags?: { tentative?: boolean } },
): AddressInfo | undefined {
  const family = data.family === AF_INET ? 4 : data.family === AF_INET6 ? 6 : undefined;
  const address = attrs.local ?? attrs.address;
  if (!family || !address) return undefined;
  return {
    index: data.index ?? 0,
    family,
    address,
    prefix: data.prefixlen ?? 0,
    scope: data.scope ?? 0,
    ...(attrs.label ? { label: attrs.label } : {}),
    tentative: Boolean(data.flags?.tentative || attrs.flags?.tentative),
  };
}

export class Rtnl {
  /** Requests and their answers. Events come on a socket of their own (watch()): sharing one,
   * a burst of address events (255 VIPs added at once) overflowed it and requests lost their
   * acknowledgements, leaving VIP operations waiting forever. */
  private readonly sock: RtNetlinkSocket;
  private events?: RtNetlinkSocket;
  /** Everyone watch() was given: the runtime's link/address tracking and Vmacs' recreation. */
  private readonly listeners: ((e: LinkEvent | AddressEvent) => void)[] = [];
  private routeEvents?: RtNetlinkSocket;

  constructor() {
    this.sock = createRtNetlink({ recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
  }

  async links(): Promise<LinkInfo[]> {
    const msgs = await this.sock.getLinks();
    return msgs.map((m) => toLink(m.data, m.attrs));
  }

  async link(name: string): Promise<LinkInfo | undefined> {
    return (await this.links()).find((l) => l.name === name);
  }

  async addresses(index?: number): Promise<AddressInfo[]> {
    const msgs = await this.sock.getAddresses();
    const out: AddressInfo[] = [];
    for (const m of msgs) {
      const a = toAddress(m.data, m.attrs);
      if (a && (index === undefined || a.index === index)) out.push(a);
    }
    return out;
  }

  /** Interface index of the IPv4 default route (main table), if there is one. */
  async defaultRouteIndex(): Promise<number | undefined> {
    const routes = await this.sock.getRoutes({ family: AF_INET });
    const def = routes.find((r) => r.data.dstLen === 0 && (r.data.table === 254 || r.attrs.table === 254) && r.attrs.oif !== undefined);
    return def?.attrs.oif;
  }

  /** The kind (IFLA_INFO_KIND) and macvlan mode of a link, and its lower link's index. */
  async linkKind(name: string): Promise<{ index: number; kind?: string; macvlanMode?: number; lower?: number } | undefined> {
    const m = (await this.sock.getLinks()).find((x) => x.attrs.ifname === name);
    if (!m) return undefined;
    return {
      index: m.data.index ?? 0,
      ...parseLinkInfo(m.attrs.linkinfo),
      ...(m.attrs.link ? { lower: m.attrs.link.readUInt32LE(0) } : {}),
    };
  }

  /**
   * Creates a macvlan over `lowerIndex` with `mac` (keepalived vrrp_vmac.c netlink_link_add_vmac:
   * NLM_F_CREATE|NLM_F_EXCL, IFLA_LINK, IFLA_IFNAME, IFLA_ADDRESS, IFLA_LINKINFO), then sets its
   * IPv6 address generation mode to none in a second message (the kernel ignores IFLA_AF_SPEC
   * on creation), and returns its index.
   */
  async addMacvlan(name: string, lowerIndex: number, mac: Uint8Array, mode: number): Promise<number> {
    const link = Buffer.alloc(4);
    link.writeUInt32LE(lowerIndex, 0);
    try {
      await this.sock.newLink(
        { family: 0 },
        { ifname: name, link, address: Buffer.from(mac), linkinfo: macvlanLinkInfo(mode) },
        { flags: NLM_F_CREATE | NLM_F_EXCL },
      );
    } catch (e) {
      const code = errnoOf(e);
      throw new NetlinkError(code, "add-link", `creating macvlan ${name} on ifindex ${lowerIndex}: ${code}`);
    }
    const made = await this.linkKind(name);
    if (!made) throw new NetlinkError("ENODEV", "add-link", `macvlan ${name} vanished after creation`);
    try {
      await this.sock.newLink({ family: 0, index: made.index }, { afSpec: new Map([[AF_INET6, addrGenModeAttr(IN6_ADDR_GEN_MODE_NONE)]]) });
    } catch (e) {
      // keepalived logs "Error setting ADDR_GEN_MODE to NONE" and carries on.
      throw new NetlinkError(errnoOf(e), "addrgenmode", `setting addrgenmode none on ${name}: ${errnoOf(e)}`);
    }
    return made.index;
  }

  /** Sets a link up (keepalived vrrp_vmac.c netlink_link_up). */
  async linkUp(index: number): Promise<void> {
    try {
      await this.sock.newLink({ family: 0, index, flags: { up: true }, change: { up: true } });
    } catch (e) {
      throw new NetlinkError(errnoOf(e), "link-up", `setting ifindex ${index} up: ${errnoOf(e)}`);
    }
  }

  /** Deletes a link (netlink_link_del_vmac). Already absent counts as success (returns false). */
  async delLink(index: number): Promise<boolean> {
    try {
      await this.sock.delLink({ family: 0, index });
      return true;
    } catch (e) {
      const code = errnoOf(e);
      if (code === "ENODEV") return false;
      throw new NetlinkError(code, "delete-link", `deleting ifindex ${index}: ${code}`);
    }
  }

  /** Adds a VIP. Already present counts as success (returns false). */
  async addAddress(v: VipRequest): Promise<boolean> {
    const address = Buffer.from(v.address);
    // keepalived vrrp_ipaddress.c netlink_ipaddress: IPv6 VIPs skip DAD (unless -nodad).
    const f = v.flags ?? {};
    const flags = {
      ...(v.family === 6 && !f.dad ? { nodad: true as const } : {}),
      ...(f.home ? { homeaddress: true as const } : {}),
      ...(f.mngtmpaddr ? { managetempaddr: true as const } : {}),
      ...(f.noprefixroute ? { noprefixroute: true as const } : {}),
      ...(f.autojoin ? { mcautojoin: true as const } : {}),
    };
    // keepalived 2.2.7 parse_ipaddress: without preferred_lft, an IPv6 /128 is deprecated (0),
    // any other prefix lives forever.
    const lft = v.preferredLft ?? (v.family === 6 ? (v.prefix === 128 ? 0 : "forever") : undefined);
    const FOREVER = 0xffffffff;
    try {
      await this.sock.newAddress(
        { family: v.family === 4 ? AF_INET : AF_INET6, prefixlen: v.prefix, index: v.index, scope: SCOPES[v.scope ?? "global"] ?? 0 },
        {
          local: address,
          address: v.peer ? Buffer.from(v.peer) : address,
          ...(v.label && v.family === 4 ? { label: v.label } : {}),
          ...(v.broadcast ? { broadcast: Buffer.from(v.broadcast) } : {}),
          ...(Object.keys(flags).length ? { flags } : {}),
          ...(lft !== undefined
            ? { cacheInfo: { ifaPrefered: lft === "forever" ? FOREVER : lft, ifaValid: FOREVER, cstamp: 0, tstamp: 0 } }
            : {}),
        },
      );
      return true;
    } catch (e) {
      const code = errnoOf(e);
      if (code === "EEXIST") return false;
      throw new NetlinkError(code, "add", `adding ${formatAddress(v.address)}/${v.prefix} on ifindex ${v.index}: ${code}`);
    }
  }

  /** Removes a VIP. Already absent counts as success (returns false). */
  async delAddress(v: VipRequest): Promise<boolean> {
    const address = Buffer.from(v.address);
    try {
      await this.sock.delAddress(
        { family: v.family === 4 ? AF_INET : AF_INET6, prefixlen: v.prefix, index: v.index },
        { local: address, address },
      );
      return true;
    } catch (e) {
      const code = errnoOf(e);
      if (code === "EADDRNOTAVAIL" || code === "ENODEV") return false;
      throw new NetlinkError(code, "delete", `removing ${formatAddress(v.address)}/${v.prefix} from ifindex ${v.index}: ${code}`);
    }
  }

  /**
   * Adds a virtual/static route (keepalived netlink_route: NLM_F_CREATE, like `ip route prepend`).
   * Already present counts as success (returns false).
   */
  async addRoute(r: RouteSpec, oif: number | undefined, hopIndexes: readonly (number | undefined)[] = []): Promise<boolean> {
    const m = routeMessage(r, oif, "add", hopIndexes);
    try {
      await this.sock.newRoute(m.data, m.attrs, { flags: NLM_F_CREATE });
      return true;
    } catch (e) {
      const code = errnoOf(e);
      if (code === "EEXIST") return false;
      throw new NetlinkError(code, "add-route", `adding route ${r.text}: ${code}`);
    }
  }

  /** Removes a route. Already absent counts as success (returns false). */
  async delRoute(r: RouteSpec, oif: number | undefined, hopIndexes: readonly (number | undefined)[] = []): Promise<boolean> {
    const m = routeMessage(r, oif, "del", hopIndexes);
    try {
      await this.sock.delRoute(m.data, m.attrs);
      return true;
    } catch (e) {
      const code = errnoOf(e);
      if (code === "ESRCH" || code === "ENOENT" || code === "ENODEV") return false;
      throw new NetlinkError(code, "delete-route", `removing route ${r.text}: ${code}`);
    }
  }

  /** Adds a rule (keepalived netlink_rule: NLM_F_CREATE|NLM_F_EXCL). Already present: false. */
  async addRule(r: RuleSpec): Promise<boolean> {
    const m = ruleMessage(r);
    try {
      await this.sock.newRule(m.data, m.attrs, { flags: NLM_F_CREATE | NLM_F_EXCL });
      return true;
    } catch (e) {
      const code = errnoOf(e);
      if (code === "EEXIST") return false;
      throw new NetlinkError(code, "add-rule", `adding rule ${r.text}: ${code}`);
    }
  }

  async delRule(r: RuleSpec): Promise<boolean> {
    const m = ruleMessage(r);
    try {
      await this.sock.delRule(m.data, m.attrs);
      return true;
    } catch (e) {
      const code = errnoOf(e);
      if (code === "ENOENT" || code === "ESRCH") return false;
      throw new NetlinkError(code, "delete-rule", `removing rule ${r.text}: ${code}`);
    }
  }

  /** Subscribes to link and address changes; each listener gets every event, in subscription order. */
  watch(onEvent: (e: LinkEvent | AddressEvent) => void): void {
    this.listeners.push(onEvent);
    if (this.events) return;
    this.events = createRtNetlink({ recvBufferSize: 4 << 20 } as never);
    this.events.addMembership("LINK");
    this.events.addMembership("IPV4_IFADDR");
    this.events.addMembership("IPV6_IFADDR");
    // The parsed 'message' event drops the message type (new vs delete), so read the raw socket.
    this.events.socket.on("message", (msgs: { type: number; data: Buffer }[]) => {
      for (const m of msgs) {
        let event: LinkEvent | AddressEvent | undefined;
        try {
          if (m.type === RTM_NEWLINK || m.type === RTM_DELLINK) {
            const p = rt.parseLinkMessage(m.data);
            event = { kind: "link", removed: m.type === RTM_DELLINK, link: toLink(p.data, p.attrs) };
          } else if (m.type === RTM_NEWADDR || m.type === RTM_DELADDR) {
            const p = rt.parseAddressMessage(m.data);
            const a = toAddress(p.data, p.attrs);
            if (a) event = { kind: "address", removed: m.type === RTM_DELADDR, address: a };
          }
        } catch {
          // A message we cannot parse is not ours to act on.
        }
        // Outside the try: a failure in the handler must surface, not pass for a bad message.
        if (event) for (const l of this.listeners) l(event);
      }
    });
  }

  /**
   * Tells when a route of keepalived's protocol, or any rule, is deleted (keepalived_netlink.c
   * netlink_route_filter / netlink_rule_filter), so tracked ones can be put back. Its own socket,
   * subscribed only when the configuration has routes or rules.
   */
  watchRouteDeletions(onDeleted: () => void): void {
    if (this.routeEvents) return;
    this.routeEvents = createRtNetlink({ recvBufferSize: 1 << 20 } as never);
    for (const g of ["IPV4_ROUTE", "IPV6_ROUTE", "IPV4_RULE", "IPV6_RULE"] as const) this.routeEvents.addMembership(g);
    this.routeEvents.socket.on("message", (msgs: { type: number; data: Buffer }[]) => {
      // rtmsg byte 5 is rtm_protocol; rules are few, any deletion counts.
      if (msgs.some((m) => (m.type === RTM_DELROUTE && m.data[5] === RTPROT_KEEPALIVED) || m.type === RTM_DELRULE)) onDeleted();
    });
  }

  close(): void {
    this.sock.socket.close();
    this.events?.socket.close();
    this.routeEvents?.socket.close();
  }
}
