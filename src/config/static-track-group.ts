// track_group (keepalived 2.2.7 vrrp/vrrp_parser.c static_track_group_handler /
// static_track_group_group_handler, vrrp/vrrp_static_track.c static_track_group_init): a named list
// of vrrp_instances that track the interface of each static route (`dev`), static rule (`iif`) or
// static address (`dev`) carrying `track_group NAME`. Tracking is keepalived's
// add_vrrp_to_interface with weight 0: while that interface is down, those instances are in FAULT.
import type { Statement } from "./conf-syntax.js";
import type { Ctx } from "./conf-context.js";
import type { Location } from "./errors.js";

export interface StaticTrackGroup {
  readonly name: string;
  /** undefined: no group block (keepalived: "has no virtual router(s)", removed). */
  readonly members?: readonly string[];
  readonly where: Location;
}

/** A static route, rule or address that names a track_group, with the interface it tracks. */
export interface StaticTrackUse {
  readonly group: string;
  /** Route `dev`, rule `iif`, address `dev`; without one a route or rule tracks nothing (keepalived). */
  readonly ifname?: string;
  readonly noTrack: boolean;
  readonly what: "address" | "route" | "rule";
  readonly where: Location;
}

/** `track_group NAME { group { VI_1 VI_2 } }`; keepalived reports a bad block and carries on. */
export function parseStaticTrackGroup(ctx: Ctx, s: Statement, known: readonly StaticTrackGroup[]): StaticTrackGroup | undefined {
  const name = s.args[0];
  if (name === undefined || s.args.length !== 1) {
    ctx.warn(s.where, "TRACK_GROUP", "track_group must have a name - skipping (as keepalived)");
    return undefined;
  }
  if (known.some((g) => g.name === name)) {
    ctx.warn(s.where, "TRACK_GROUP", `track_group ${name} already defined - skipping (as keepalived)`);
    return undefined;
  }
  let members: string[] | undefined;
  for (const st of s.block ?? []) {
    if (ctx.gate(st, "track_group", `track_group ${name}`)) continue;
    // keyword table: `group` is the only one.
    if (members) {
      ctx.warn(st.where, "TRACK_GROUP", `Group list already specified for sync group ${name} (as keepalived; this one is ignored)`);
      continue;
    }
    members = (st.block ?? []).flatMap((m) => [m.keyword, ...m.args]);
    if (members.length === 0) {
      ctx.warn(st.where, "TRACK_GROUP", `Warning - track group ${name} has empty group block (as keepalived)`);
      members = undefined;
    }
  }
  return { name, ...(members ? { members } : {}), where: s.where };
}

/**
 * The `track_group` option of a static address line (`ADDR dev IF track_group G`): static
 * addresses are not managed by tsvrrpd, but their tracking changes the election, so it is kept.
 */
export function staticAddressTrack(ctx: Ctx, st: Statement, known: readonly StaticTrackGroup[]): StaticTrackUse | undefined {
  const words = [st.keyword, ...st.args];
  const at = words.indexOf("track_group");
  if (at < 0) return undefined;
  const group = trackGroupOption(ctx, st.where, words[at + 1], known);
  if (group === undefined) return undefined;
  const dev = words.indexOf("dev");
  const ifname = dev >= 0 ? words[dev + 1] : undefined;
  // vrrp_ipaddress.c parse_ipaddress: keepalived's words (it says "route" for an address).
  if (ifname === undefined) {
    ctx.warn(st.where, "TRACK_GROUP", "Static route cannot have track_group if interface not specified (as keepalived)");
    return undefined;
  }
  return { group, ifname, noTrack: words.includes("no_track"), what: "address", where: st.where };
}

/**
 * `track_group NAME` on a static line: the group must be defined earlier in the file
 * (keepalived static_track_group_find at parse time); otherwise reported and ignored.
 */
export function trackGroupOption(
  ctx: Ctx,
  where: Location,
  name: string | undefined,
  known: readonly StaticTrackGroup[],
): string | undefined {
  if (name === undefined || !known.some((g) => g.name === name)) {
    ctx.warn(where, "TRACK_GROUP", `track_group ${name ?? ""} not found (as keepalived; not tracked)`);
    return undefined;
  }
  return name;
}
