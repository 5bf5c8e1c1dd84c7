// rtnetlink messages for virtual and static routes and rules, field for field as keepalived builds
// them (vrrp/vrrp_iproute.c netlink_route, vrrp/vrrp_iprule.c netlink_rule).
import type { RouteSpec, RuleSpec } from "../config/route-rule.js";
import type { rt } from "netlink";

const AF = { 4: 2, 6: 10 } as const;
const RT_SCOPE_NOWHERE = 255;
const RTNH_F_ONLINK = 4;
const FR_ACT_TO_TBL = 1;
const FR_ACT_GOTO = 2;

export interface RouteMessage {
  readonly data: rt.Route;
  readonly attrs: rt.RouteAttrs;
}

export interface RuleMessage {
  readonly data: rt.Rule;
  readonly attrs: rt.RuleAttrs;
}

const RTA_GATEWAY = 5;

/**
 * RTA_MULTIPATH's payload: per hop a struct rtnexthop {len, flags, hops (weight - 1), ifindex}
 * followed by its RTA_GATEWAY (keepalived vrrp_iproute.c add_nexthops / add_nexthop).
 */
export function multipath(hops: NonNullable<RouteSpec["nexthops"]>, ifindexes: readonly (number | undefined)[]): Buffer {
  const parts = hops.map((h, k) => {
    const gw = h.via ? 4 + h.via.length : 0;
    const b = Buffer.alloc(8 + ((gw + 3) & ~3));
    b.writeUInt16LE(8 + gw, 0);
    b.writeUInt8(h.onlink ? RTNH_F_ONLINK : 0, 2);
    b.writeUInt8(h.weight !== undefined ? h.weight - 1 : 0, 3);
    b.writeInt32LE(ifindexes[k] ?? 0, 4);
    if (h.via) {
      b.writeUInt16LE(gw, 8);
      b.writeUInt16LE(RTA_GATEWAY, 10);
      Buffer.from(h.via).copy(b, 12);
    }
    return b;
  });
  return Buffer.concat(parts);
}

/**
 * `oif`: the ifindex of `dev`, resolved by the caller (undefined: no dev); `hopIndexes`: the
 * ifindex of each next hop's dev, in order.
 */
export function routeMessage(
  r: RouteSpec,
  oif: number | undefined,
  op: "add" | "del",
  hopIndexes: readonly (number | undefined)[] = [],
): RouteMessage {
  const data: rt.Route = {
    family: AF[r.family],
    dstLen: r.dst.prefix,
    srcLen: r.from?.prefix ?? 0,
    tos: r.tos ?? 0,
    // Tables above 255 go in RTA_TABLE with RT_TABLE_UNSPEC in the header.
    table: r.table < 256 ? r.table : 0,
    protocol: r.protocol,
    scope: r.scope ?? (op === "del" ? RT_SCOPE_NOWHERE : 0),
    type: r.type,
    ...(r.onlink ? { flags: { __unknown: RTNH_F_ONLINK } } : {}),
  };
  const attrs: rt.RouteAttrs = {
    ...(r.dst.prefix > 0 ? { dst: Buffer.from(r.dst.bytes) } : {}),
    ...(r.from ? { src: Buffer.from(r.from.bytes) } : {}),
    ...(r.prefSrc ? { prefsrc: Buffer.from(r.prefSrc) } : {}),
    ...(r.via ? { gateway: Buffer.from(r.via) } : {}),
    ...(r.nexthops ? { multipath: multipath(r.nexthops, hopIndexes) } : {}),
    ...(oif !== undefined ? { oif } : {}),
    ...(r.metric !== undefined ? { priority: r.metric } : {}),
    ...(r.table >= 256 ? { table: r.table } : {}),
  };
  return { data, attrs };
}

export function ruleMessage(r: RuleSpec): RuleMessage {
  const table = r.action === FR_ACT_TO_TBL ? (r.table ?? 254) : 0;
  const data: rt.Rule = {
    family: AF[r.family],
    dstLen: r.to?.prefix ?? 0,
    srcLen: r.from?.prefix ?? 0,
    tos: r.tos ?? 0,
    table: table < 256 ? table : 0,
    action: r.action,
    ...(r.invert ? { flags: { invert: true } } : {}),
  };
  const attrs: rt.RuleAttrs = {
    ...(r.from ? { src: Buffer.from(r.from.bytes) } : {}),
    ...(r.to ? { dst: Buffer.from(r.to.bytes) } : {}),
    priority: r.priority,
    ...(r.fwmark !== undefined ? { fwmark: r.fwmark } : {}),
    ...(r.fwmask !== undefined ? { fwmask: r.fwmask } : {}),
    ...(r.iif ? { iifname: r.iif } : {}),
    ...(r.oif ? { oifname: r.oif } : {}),
    ...(table >= 256 ? { table } : {}),
    ...(r.action === FR_ACT_GOTO && r.gotoTarget !== undefined ? { goto: r.gotoTarget } : {}),
    ...(r.protocol !== undefined ? { protocol: r.protocol } : {}),
  };
  return { data, attrs };
}
