// virtual_routes / virtual_rules (in a vrrp_instance) and static_routes / static_rules (top level):
// each line read as keepalived reads it (vrrp/vrrp_iproute.c alloc_route, vrrp/vrrp_iprule.c
// alloc_rule), the options of `ip route add` / `ip rule add` that keepalived takes. An option
// tsvrrpd does not implement is an error naming it (the route would be installed differently).
// This file: the specs, the shared line reader and the route line; rule lines are rule-line.ts.
import { readFileSync } from "node:fs";
import { addressBytes, familyOf, type Family } from "../vrrp/address.js";
import type { Statement } from "./conf-syntax.js";
import type { Ctx } from "./conf-context.js";
import type { Location } from "./errors.js";
import { trackGroupOption, type StaticTrackGroup } from "./static-track-group.js";

/** keepalived's own route and rule protocol (RTPROT_KEEPALIVED, include/vrrp_iproute.h). */
export const RTPROT_KEEPALIVED = 18;

export interface Prefix {
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

/** default/any/all: a /0 whose family comes from the rest of the line. */
export const ANY = new WeakSet<Prefix>();

export interface RouteSpec {
  /** The line as written (logs, status). */
  readonly text: string;
  readonly family: Family;
  readonly dst: Prefix;
  /** RTN_* (unicast 1, blackhole 6, unreachable 7, prohibit 8, ...). */
  readonly type: number;
  /** `src ADDR`: the preferred source (RTA_PREFSRC). */
  readonly prefSrc?: Uint8Array;
  /** `from PREFIX` (IPv6 only): source-specific route (RTA_SRC). */
  readonly from?: Prefix;
  readonly via?: Uint8Array;
  /** A multipath route's next hops (`nexthop ...`, or the deprecated `via A or B`): RTA_MULTIPATH. */
  readonly nexthops?: readonly NextHop[];
  readonly dev?: string;
  readonly scope?: number;
  readonly table: number;
  readonly metric?: number;
  readonly protocol: number;
  readonly tos?: number;
  readonly onlink: boolean;
  /** keepalived no_track: deleted by someone else, it is not put back. */
  readonly noTrack: boolean;
  /** `track_group NAME` (static routes only): that group's instances track `dev`. */
  readonly trackGroup?: string;
  readonly where: Location;
}

export interface NextHop {
  readonly via?: Uint8Array;
  readonly dev?: string;
  /** 1..256 (`weight`); the kernel's rtnh_hops holds weight - 1. */
  readonly weight?: number;
  readonly onlink: boolean;
}

export interface RuleSpec {
  readonly text: string;
  readonly family: Family;
  readonly from?: Prefix;
  readonly to?: Prefix;
  /** FR_ACT_*: to table 1, goto 2, nop 3, blackhole 6, unreachable 7, prohibit 8. */
  readonly action: number;
  readonly table?: number;
  readonly gotoTarget?: number;
  /** keepalived gives a rule without one a preference counting down from 16384, with a warning. */
  readonly priority: number;
  readonly invert: boolean;
  readonly tos?: number;
  readonly fwmark?: number;
  readonly fwmask?: number;
  readonly iif?: string;
  readonly oif?: string;
  readonly protocol?: number;
  readonly noTrack: boolean;
  /** `track_group NAME` (static rules only): that group's instances track `iif`. */
  readonly trackGroup?: string;
  readonly where: Location;
}

export const ROUTE_TYPES: Record<string, number> = {
  unicast: 1,
  local: 2,
  broadcast: 3,
  anycast: 4,
  multicast: 5,
  blackhole: 6,
  unreachable: 7,
  prohibit: 8,
  throw: 9,
  nat: 10,
};
const SCOPES: Record<string, number> = { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 };
const PROTOCOLS: Record<string, number> = { unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, keepalived: RTPROT_KEEPALIVED };
const BUILTIN_TABLES: Record<string, number> = { unspec: 0, default: 253, main: 254, local: 255 };

/** Table names from iproute2's rt_tables (keepalived rttables.c find_rttables_table), read once. */
let tableNames: Map<string, number> | undefined;
function tableByName(name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name) <= 0xffffffff ? Number(name) : undefined;
  if (!tableNames) {
    tableNames = new Map(Object.entries(BUILTIN_TABLES));
    for (const f of ["/etc/iproute2/rt_tables", "/usr/share/iproute2/rt_tables", "/usr/lib/iproute2/rt_tables"]) {
      try {
        for (const line of readFileSync(f, "utf8").split("\n")) {
          const m = /^\s*(\d+)\s+(\S+)/.exec(line);
          if (m && !tableNames.has(m[2]!)) tableNames.set(m[2]!, Number(m[1]));
        }
      } catch {
        /* not there */
      }
    }
  }
  return tableNames.get(name);
}

export function num(v: string | undefined, max: number): number | undefined {
  if (v === undefined || !/^(0x[0-9a-f]+|\d+)$/i.test(v)) return undefined;
  const n = Number(v);
  return n <= max ? n : undefined;
}

/** keepalived parse_route: ADDR[/LEN], or default/any/all (family from context). */
export function parsePrefix(v: string | undefined, family: Family | undefined): Prefix | undefined {
  if (v === undefined) return undefined;
  if (v === "default" || v === "any" || v === "all") {
    const p = { bytes: new Uint8Array(family === 6 ? 16 : 4), prefix: 0 };
    ANY.add(p);
    return p;
  }
  const [addr, len, ...rest] = v.split("/");
  const f = addr ? familyOf(addr) : undefined;
  if (!f || rest.length > 0) return undefined;
  const max = f === 4 ? 32 : 128;
  const prefix = len === undefined ? max : /^\d+$/.test(len) ? Number(len) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return undefined;
  return { bytes: addressBytes(addr!), prefix };
}

export const familyOfPrefix = (p: Prefix): Family => (p.bytes.length === 4 ? 4 : 6);
/** A default read before the family was known gets the family's size. */
export const fitFamily = (p: Prefix, f: Family): Prefix =>
  familyOfPrefix(p) === f ? p : { bytes: new Uint8Array(f === 4 ? 4 : 16), prefix: 0 };

export class LineReader {
  i = 0;
  /** The line's address family, once an address or inet/inet6 said it. */
  family: Family | undefined;
  constructor(
    readonly words: readonly string[],
    private readonly ctx: Ctx,
    private readonly where: Location,
    private readonly what: string,
    /** keepalived's words when a line mixes families. */
    private readonly mixed: string,
  ) {}
  /** false (after the error) when the line already has the other family. */
  setFamily(f: Family): boolean {
    if (this.family !== undefined && this.family !== f) return Boolean(this.fail(this.mixed));
    this.family = f;
    return true;
  }
  /** The option's value as a number 0..max (decimal or 0x hex); undefined after `message` otherwise. */
  number(option: string, max: number, message: string): number | undefined {
    const v = num(this.value(option), max);
    if (v === undefined) this.fail(message);
    return v;
  }
  /** `table N|NAME` (keepalived rttables.c find_rttables_table). */
  table(option: string): number | undefined {
    const v = this.value(option);
    const t = v === undefined ? undefined : tableByName(v);
    if (t === undefined) this.fail(`routing table ${JSON.stringify(v)} not found`);
    return t;
  }
  get done(): boolean {
    return this.i >= this.words.length;
  }
  next(): string | undefined {
    return this.words[this.i++];
  }
  value(option: string): string | undefined {
    const v = this.next();
    if (v === undefined) this.fail(`'${option}' needs a value`);
    return v;
  }
  /**
   * An invalid entry: keepalived (vrrp_iproute.c alloc_route, vrrp_iprule.c alloc_rule) reports it
   * and skips it, and the instance runs without it; so do we.
   */
  fail(message: string): undefined {
    this.ctx.warn(this.where, "BAD_VALUE", `${this.what} ${JSON.stringify(this.words.join(" "))}: ${message}; skipped (as keepalived)`);
    return undefined;
  }
  /** An option keepalived implements and tsvrrpd does not: refused, since the route would differ. */
  refuse(message: string): undefined {
    this.ctx.error(this.where, "BAD_VALUE", `${this.what} ${JSON.stringify(this.words.join(" "))}: ${message}; not installed`);
    return undefined;
  }
}

/** The rest of a route line from its first `nexthop` (keepalived 2.2.7 vrrp_iproute.c parse_nexthops). */
function parseNextHops(r: LineReader): NextHop[] | undefined {
  const hops: NextHop[] = [];
  let hop: { via?: Uint8Array; dev?: string; weight?: number; onlink: boolean } = { onlink: false };
  while (!r.done) {
    const w = r.next()!;
    switch (w) {
      case "nexthop":
        hops.push(hop);
        hop = { onlink: false };
        break;
      case "via": {
        let v = r.value(w);
        if (v === "inet" || v === "inet6") v = r.value(w);
        const f = v ? familyOf(v) : undefined;
        if (!f) return r.fail(`invalid nexthop address ${JSON.stringify(v)}`);
        if (!r.setFamily(f)) return undefined;
        hop.via = addressBytes(v!);
        break;
      }
      case "dev": {
        const v = r.value(w);
        if (!v) return undefined;
        hop.dev = v;
        break;
      }
      case "weight": {
        const v = r.number(w, 256, "Invalid weight specified for route");
        if (v === undefined) return undefined;
        if (v === 0) return r.fail("Invalid weight 0 specified for route");
        hop.weight = v;
        break;
      }
      case "onlink":
        hop.onlink = true;
        break;
      case "encap":
      case "realms":
      case "as":
        return r.refuse(`nexthop option '${w}' is not supported by tsvrrpd`);
      default:
        return r.fail(`unknown nexthop option ${JSON.stringify(w)}`);
    }
  }
  hops.push(hop);
  return hops;
}

/** One virtual_routes / static_routes line. */
/**
 * `trackGroups`: the track_groups defined so far, for a static route (keepalived alloc_route's
 * allow_track_group); a virtual route's track_group is refused.
 */
export function parseRoute(ctx: Ctx, st: Statement, trackGroups?: readonly StaticTrackGroup[]): RouteSpec | undefined {
  const words = [st.keyword, ...st.args];
  const r = new LineReader(words, ctx, st.where, "route", "cannot mix IPv4 and IPv6 addresses");
  let dst: Prefix | undefined;
  let type = 1;
  let prefSrc: Uint8Array | undefined, from: Prefix | undefined, via: Uint8Array | undefined, dev: string | undefined;
  let scope: number | undefined, metric: number | undefined, protocol: number | undefined, tos: number | undefined;
  let table = 254;
  let onlink = false;
  let noTrack = false;
  let nexthops: NextHop[] | undefined;
  let trackGroup: string | undefined;
  while (!r.done) {
    const w = r.next()!;
    switch (w) {
      case "inet":
      case "inet6":
        if (!r.setFamily(w === "inet" ? 4 : 6)) return undefined;
        break;
      case "src": {
        const v = r.value(w);
        const f = v ? familyOf(v) : undefined;
        if (!f) return r.fail(`invalid src address ${JSON.stringify(v)}`);
        if (!r.setFamily(f)) return undefined;
        prefSrc = addressBytes(v!);
        break;
      }
      case "via":
      case "gw": {
        if (w === "gw")
          ctx.warn(st.where, "DEPRECATED", `"gw" for routes is deprecated. Please use "via" (as keepalived says); read as via`);
        let v = r.value(w);
        if (v === "inet" || v === "inet6") v = r.value(w);
        const f = v ? familyOf(v) : undefined;
        if (!f) return r.fail(`invalid via address ${JSON.stringify(v)}`);
        if (!r.setFamily(f)) return undefined;
        via = addressBytes(v!);
        break;
      }
      case "from": {
        const p = parsePrefix(r.value(w), r.family);
        if (!p || familyOfPrefix(p) !== 6)
          return r.fail("'from' needs an IPv6 prefix (keepalived: route from address only supported with IPv6)");
        if (!r.setFamily(6)) return undefined;
        from = p;
        break;
      }
      case "tos":
      case "dsfield":
        tos = r.number(w, 255, "TOS value is invalid");
        if (tos === undefined) return undefined;
        break;
      case "table": {
        const t = r.table(w);
        if (t === undefined) return undefined;
        table = t;
        break;
      }
      case "protocol": {
        const v = r.value(w);
        protocol = v === undefined ? undefined : (PROTOCOLS[v] ?? num(v, 255));
        if (protocol === undefined) return r.fail(`protocol ${JSON.stringify(v)} not found or invalid`);
        break;
      }
      case "scope": {
        const v = r.value(w);
        scope = v === undefined ? undefined : (SCOPES[v] ?? num(v, 255));
        if (scope === undefined) return r.fail(`scope ${JSON.stringify(v)} not found or invalid`);
        break;
      }
      case "metric":
      case "priority":
      case "preference":
        metric = r.number(w, 0xffffffff, "invalid metric");
        if (metric === undefined) return undefined;
        break;
      case "dev":
      case "oif":
        dev = r.value(w);
        if (!dev) return undefined;
        break;
      case "onlink":
        onlink = true;
        break;
      case "no_track":
        noTrack = true;
        break;
      // keepalived 2.2.7 vrrp_iproute.c alloc_route: `or ADDR` turns the via address and ADDR into
      // two next hops, with a deprecation warning; a second `or` is ignored.
      case "or": {
        ctx.warn(st.where, "DEPRECATED", `"or" for routes is deprecated. Please use "nexthop" (as keepalived says); read as nexthop`);
        const v = r.value(w);
        if (nexthops) {
          ctx.warn(st.where, "DEPRECATED", `"or" route already specified - ignoring subsequent (as keepalived)`);
          break;
        }
        const f = v ? familyOf(v) : undefined;
        if (!f) return r.fail(`Invalid "or" address ${JSON.stringify(v)}`);
        if (!r.setFamily(f)) return undefined;
        nexthops = [
          { ...(via ? { via } : {}), onlink: false },
          { via: addressBytes(v!), onlink: false },
        ];
        via = undefined;
        break;
      }
      // parse_nexthops: `nexthop [via ADDR] [dev NAME] [weight 1..256] [onlink]`, repeated to the end of the line.
      case "nexthop": {
        if (nexthops) return r.fail(`Cannot specify nexthops with "or" route`);
        const hops = parseNextHops(r);
        if (!hops) return undefined;
        nexthops = hops;
        break;
      }
      case "mtu":
      case "advmss":
      case "rtt":
      case "rttvar":
      case "reordering":
      case "window":
      case "cwnd":
      case "ssthresh":
      case "realms":
      case "rto_min":
      case "initcwnd":
      case "initrwnd":
      case "features":
      case "quickack":
      case "congctl":
      case "pref":
      case "ttl-propagate":
      case "fastopen_no_cookie":
      case "encap":
      case "expires":
      case "hoplimit":
      case "as":
      case "add":
      case "prepend":
      case "append":
      case "vrf":
        return r.refuse(`option '${w}' is not supported by tsvrrpd`);
      case "track_group": {
        // vrrp_iproute.c alloc_route: static routes only; the group must be defined before.
        if (!trackGroups) return r.refuse("track_group is only allowed in static_routes (as keepalived)");
        const v = r.value(w);
        if (v === undefined) return undefined;
        if (trackGroup !== undefined) ctx.warn(st.where, "TRACK_GROUP", `track_group ${v} is a duplicate (as keepalived; ignored)`);
        else trackGroup = trackGroupOption(ctx, st.where, v, trackGroups);
        break;
      }
      default: {
        let d = w === "to" ? r.next() : w;
        if (d !== undefined && ROUTE_TYPES[d] !== undefined) {
          type = ROUTE_TYPES[d]!;
          d = r.next();
        }
        const p = parsePrefix(d, r.family);
        if (!p) return r.fail(`unknown route keyword or destination ${JSON.stringify(d)}`);
        if (!ANY.has(p) && !r.setFamily(familyOfPrefix(p))) return undefined;
        dst = p;
      }
    }
  }
  if (!dst) return r.fail("a route must have a destination");
  // alloc_route: a tracked route is keepalived's protocol (so leftovers can be told apart).
  if (!noTrack && protocol !== undefined && protocol !== RTPROT_KEEPALIVED)
    ctx.warn(
      st.where,
      "BAD_VALUE",
      `route ${JSON.stringify(words.join(" "))} cannot be tracked if protocol is not keepalived (18); protocol reset (as keepalived)`,
    );
  return {
    text: words.join(" "),
    family: r.family ?? 4,
    dst: fitFamily(dst, r.family ?? 4),
    type,
    ...(prefSrc ? { prefSrc } : {}),
    ...(from ? { from } : {}),
    ...(via ? { via } : {}),
    ...(nexthops ? { nexthops } : {}),
    ...(dev ? { dev } : {}),
    ...(scope !== undefined ? { scope } : {}),
    table,
    ...(metric !== undefined ? { metric } : {}),
    protocol: noTrack ? (protocol ?? RTPROT_KEEPALIVED) : RTPROT_KEEPALIVED,
    ...(tos !== undefined ? { tos } : {}),
    onlink,
    noTrack,
    ...(trackGroup !== undefined ? { trackGroup } : {}),
    where: st.where,
  };
}
