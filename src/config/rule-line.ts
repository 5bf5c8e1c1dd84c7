// One virtual_rules / static_rules line, read as keepalived's vrrp/vrrp_iprule.c alloc_rule reads
// it (the options of `ip rule add` that keepalived takes); the specs and the line reader it shares
// with route lines are in route-rule.ts.
import type { Statement } from "./conf-syntax.js";
import type { Ctx, RulePriorities } from "./conf-context.js";
import {
  ANY,
  familyOfPrefix,
  fitFamily,
  LineReader,
  num,
  parsePrefix,
  ROUTE_TYPES,
  RTPROT_KEEPALIVED,
  type Prefix,
  type RuleSpec,
} from "./route-rule.js";
import { trackGroupOption, type StaticTrackGroup } from "./static-track-group.js";

/**
 * One virtual_rules / static_rules line. `trackGroups`: as parseRoute's (static rules only;
 * keepalived alloc_rule's allow_track_group).
 */
export function parseRule(
  ctx: Ctx,
  st: Statement,
  priorities: RulePriorities,
  trackGroups?: readonly StaticTrackGroup[],
): RuleSpec | undefined {
  const words = [st.keyword, ...st.args];
  const r = new LineReader(words, ctx, st.where, "rule", "rule specification has mixed IPv4 and IPv6");
  let from: Prefix | undefined, to: Prefix | undefined;
  let action = 0;
  let table: number | undefined, gotoTarget: number | undefined, priority: number | undefined, tos: number | undefined;
  let fwmark: number | undefined, fwmask: number | undefined, protocol: number | undefined;
  let iif: string | undefined, oif: string | undefined;
  let invert = false;
  let noTrack = false;
  let trackGroup: string | undefined;
  const setAction = (a: number): boolean => {
    if (action !== 0) return Boolean(r.fail("cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable"));
    action = a;
    return true;
  };
  while (!r.done) {
    let w = r.next()!;
    switch (w) {
      case "inet":
      case "inet6":
        if (!r.setFamily(w === "inet" ? 4 : 6)) return undefined;
        break;
      case "from":
      case "to": {
        const p = parsePrefix(r.value(w), r.family);
        if (!p) return r.fail(`invalid rule ${w} address`);
        if (!ANY.has(p) && !r.setFamily(familyOfPrefix(p))) return undefined;
        if (w === "from") from = p;
        else to = p;
        break;
      }
      case "table":
      case "lookup": {
        const t = r.table(w);
        if (t === undefined) return undefined;
        if (t === 0) return r.fail("table 0 is not valid");
        if (!setAction(1)) return undefined;
        table = t;
        break;
      }
      case "not":
        invert = true;
        break;
      case "preference":
      case "order":
      case "priority":
        priority = r.number(w, 0xffffffff, "invalid preference");
        if (priority === undefined) return undefined;
        break;
      case "tos":
      case "dsfield":
        tos = r.number(w, 255, "TOS value is invalid");
        if (tos === undefined) return undefined;
        break;
      case "fwmark": {
        const [m, k] = (r.value(w) ?? "").split("/");
        fwmark = num(m, 0xffffffff);
        if (fwmark === undefined || (k !== undefined && num(k, 0xffffffff) === undefined)) return r.fail("invalid fwmark");
        if (k !== undefined) fwmask = num(k, 0xffffffff);
        break;
      }
      case "dev":
      case "iif":
        iif = r.value(w);
        if (!iif) return undefined;
        break;
      case "oif":
        oif = r.value(w);
        if (!oif) return undefined;
        break;
      case "protocol":
        protocol = r.number(w, 255, "invalid protocol");
        if (protocol === undefined) return undefined;
        break;
      case "no_track":
        noTrack = true;
        break;
      case "realms":
      case "suppress_prefixlength":
      case "sup_pl":
      case "suppress_ifgroup":
      case "sup_group":
      case "tunnel-id":
      case "uidrange":
      case "l3mdev":
      case "ipproto":
      case "sport":
      case "dport":
        return r.refuse(`option '${w}' is not supported by tsvrrpd`);
      case "track_group": {
        // vrrp_iprule.c alloc_rule: static rules only; the group must be defined before.
        if (!trackGroups) return r.refuse("track_group is only allowed in static_rules (as keepalived)");
        const v = r.value(w);
        if (v === undefined) return undefined;
        if (trackGroup !== undefined) ctx.warn(st.where, "TRACK_GROUP", `track_group ${v} is a duplicate (as keepalived; ignored)`);
        else trackGroup = trackGroupOption(ctx, st.where, v, trackGroups);
        break;
      }
      default: {
        if (w === "type") w = r.value(w) ?? "";
        if (w === "goto") {
          gotoTarget = r.number(w, 0xffffffff, "invalid goto target");
          if (gotoTarget === undefined || !setAction(2)) return undefined;
        } else if (w === "nop") {
          if (!setAction(3)) return undefined;
        } else if (w === "blackhole" || w === "unreachable" || w === "prohibit") {
          if (!setAction(ROUTE_TYPES[w]!)) return undefined;
        } else return r.fail(`unknown rule option ${JSON.stringify(w)}`);
      }
    }
  }
  if (action === 0) return r.fail("no action specified for rule (table, goto, nop, blackhole, unreachable or prohibit)");
  if (action === 2 && (priority === undefined || priority >= gotoTarget!))
    return r.fail(
      priority === undefined ? "goto target specified without preference" : `preference ${priority} >= goto target ${gotoTarget}`,
    );
  const f = r.family ?? 4;
  if (priority === undefined) {
    priority = priorities.take(f);
    ctx.warn(
      st.where,
      "BAD_VALUE",
      `Rule has no preference specified - setting to ${priority}. This is probably not what you want. (as keepalived)`,
    );
  }
  // alloc_rule: a tracked rule carries keepalived's protocol.
  if (!noTrack) protocol = RTPROT_KEEPALIVED;
  return {
    text: words.join(" "),
    family: f,
    ...(from ? { from: fitFamily(from, f) } : {}),
    ...(to ? { to: fitFamily(to, f) } : {}),
    action,
    ...(table !== undefined ? { table } : {}),
    ...(gotoTarget !== undefined ? { gotoTarget } : {}),
    priority,
    invert,
    ...(tos !== undefined ? { tos } : {}),
    ...(fwmark !== undefined ? { fwmark } : {}),
    ...(fwmask !== undefined ? { fwmask } : {}),
    ...(iif ? { iif } : {}),
    ...(oif ? { oif } : {}),
    ...(protocol !== undefined ? { protocol } : {}),
    noTrack,
    ...(trackGroup !== undefined ? { trackGroup } : {}),
    where: st.where,
  };
}
