// One queue of netlink work (VIPs, routes, rules, the nftables block) carried out in order, one
// request at a time: an instance's driver owns one, the static routes own one. A failure is logged
// and the queue goes on.
import type { RouteSpec, RuleSpec } from "../config/route-rule.js";
import type { LinkInfo, VipRequest } from "../netlink/rtnl.js";
import type { BlockedAddress } from "../netfilter/vip-block.js";
import { errorFields } from "../error-fields.js";
import type { LinkCache } from "./link-cache.js";
import type { Logger } from "../operator/log.js";
import type { ResolvedVip } from "./router-config.js";

/** The host's netlink side (src/netlink/rtnl.ts Rtnl; a fake in unit tests). */
export interface NetlinkPort {
  addAddress(v: VipRequest): Promise<boolean>;
  delAddress(v: VipRequest): Promise<boolean>;
  addRoute(r: RouteSpec, oif: number | undefined, hopIndexes?: readonly (number | undefined)[]): Promise<boolean>;
  delRoute(r: RouteSpec, oif: number | undefined, hopIndexes?: readonly (number | undefined)[]): Promise<boolean>;
  addRule(r: RuleSpec): Promise<boolean>;
  delRule(r: RuleSpec): Promise<boolean>;
}

/** no_accept / strict mode: the nftables VIP block (src/netfilter/nft-runner.ts VipFirewall). */
export interface FirewallPort {
  block(owner: string, addresses: readonly BlockedAddress[]): Promise<void>;
  unblock(owner: string): Promise<void>;
}

export class NetlinkQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly netlink: NetlinkPort,
    private readonly links: LinkCache,
    private readonly log: Logger,
  ) {}

  /** Resolves when everything queued so far is done. */
  settled(): Promise<void> {
    return this.tail;
  }

  /** Any other step, in its place in the queue (the firewall block). */
  then(step: () => Promise<void>): void {
    this.tail = this.tail.then(step);
  }

  /** VIP additions / removals. */
  vips(op: "add" | "remove", vips: readonly ResolvedVip[]): void {
    this.then(async () => {
      for (const v of vips) {
        const link = this.links.link(v.ifname);
        if (!link) {
          this.log.error({ vip: v.spec.address, dev: v.ifname }, `cannot ${op} VIP: interface ${v.ifname} not found`);
          continue;
        }
        try {
          const req = vipRequest(v, link);
          const changed = op === "add" ? await this.netlink.addAddress(req) : await this.netlink.delAddress(req);
          this.log.info({ vip: `${v.spec.address}/${v.spec.prefix}`, dev: v.ifname, changed }, op === "add" ? "VIP added" : "VIP removed");
        } catch (e) {
          this.log.error({ vip: v.spec.address, dev: v.ifname, ...errorFields(e) }, `VIP ${op} failed; continuing`);
        }
      }
    });
  }

  /** Route and rule additions (routes first) or removals (rules first). */
  routes(op: "add" | "remove", routes: readonly RouteSpec[], rules: readonly RuleSpec[]): void {
    if (routes.length === 0 && rules.length === 0) return;
    this.then(async () => {
      const nl = this.netlink;
      const route = async (r: RouteSpec) => {
        const oif = r.dev === undefined ? undefined : this.links.link(r.dev)?.index;
        if (r.dev !== undefined && oif === undefined) {
          this.log.error({ route: r.text, dev: r.dev }, `cannot ${op} route: interface ${r.dev} not found; tried again at the next change`);
          return;
        }
        const hops = (r.nexthops ?? []).map((h) => (h.dev === undefined ? undefined : this.links.link(h.dev)?.index));
        const lost = (r.nexthops ?? []).find((h, k) => h.dev !== undefined && hops[k] === undefined);
        if (lost) {
          this.log.error(
            { route: r.text, dev: lost.dev },
            `cannot ${op} route: interface ${lost.dev} not found; tried again at the next change`,
          );
          return;
        }
        try {
          const changed = op === "add" ? await nl.addRoute(r, oif, hops) : await nl.delRoute(r, oif, hops);
          this.log[changed ? "info" : "debug"]({ route: r.text, changed }, op === "add" ? "route added" : "route removed");
        } catch (e) {
          this.log.error({ route: r.text, file: r.where.file, line: r.where.line, ...errorFields(e) }, `route ${op} failed; continuing`);
        }
      };
      const rule = async (r: RuleSpec) => {
        try {
          const changed = op === "add" ? await nl.addRule(r) : await nl.delRule(r);
          this.log[changed ? "info" : "debug"]({ rule: r.text, changed }, op === "add" ? "rule added" : "rule removed");
        } catch (e) {
          this.log.error({ rule: r.text, file: r.where.file, line: r.where.line, ...errorFields(e) }, `rule ${op} failed; continuing`);
        }
      };
      if (op === "add") {
        for (const r of routes) await route(r);
        for (const r of rules) await rule(r);
      } else {
        for (const r of rules) await rule(r);
        for (const r of routes) await route(r);
      }
    });
  }
}

export function vipRequest(v: ResolvedVip, link: LinkInfo): VipRequest {
  const s = v.spec;
  return {
    index: link.index,
    family: s.family,
    address: v.bytes,
    prefix: s.prefix,
    ...(s.label ? { label: s.label } : {}),
    ...(s.scope ? { scope: s.scope } : {}),
    ...(v.broadcast ? { broadcast: v.broadcast } : {}),
    ...(v.peer ? { peer: v.peer } : {}),
    ...(s.flags ? { flags: s.flags } : {}),
    ...(s.preferredLft !== undefined ? { preferredLft: s.preferredLft } : {}),
  };
}
