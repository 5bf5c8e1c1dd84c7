// track_group applied (keepalived 2.2.7 vrrp/vrrp_static_track.c static_track_group_init): the
// groups and their uses read by static-track-group.ts become weight-0 track_interface entries of
// the member instances. Apart from the reading so that route-rule.ts, which model.ts names, does
// not reach model.ts back.
import type { Ctx } from "./conf-context.js";
import type { InstanceSpec, TrackRef } from "./model.js";
import type { StaticTrackGroup, StaticTrackUse } from "./static-track-group.js";

/**
 * keepalived vrrp_static_track.c static_track_group_init: members that are no instance are
 * ignored, a group left empty is removed, and every member tracks the interface of each use with
 * weight 0 (vrrp.c add_vrrp_to_interface: an interface the instance already tracks becomes
 * unweighted, so a weighted track_interface or dont_track_primary gives way to FAULT).
 */
export function applyStaticTrackGroups(
  ctx: Ctx,
  groups: readonly StaticTrackGroup[],
  uses: readonly StaticTrackUse[],
  /** Every vrrp_instance read, run or not (membership is keepalived's vrrp_get_instance). */
  defined: readonly string[],
  instances: readonly InstanceSpec[],
): InstanceSpec[] {
  const members = new Map<string, string[]>();
  for (const g of groups) {
    if (!g.members) {
      ctx.warn(g.where, "TRACK_GROUP", `Static track group ${g.name} has no virtual router(s) - removing (as keepalived)`);
      continue;
    }
    const found: string[] = [];
    for (const m of g.members) {
      if (defined.includes(m)) found.push(m);
      else
        ctx.warn(
          g.where,
          "UNKNOWN_MEMBER",
          `vrrp instance ${m} specified in track group ${g.name} doesn't exist - ignoring (as keepalived)`,
        );
    }
    if (found.length === 0)
      ctx.warn(g.where, "TRACK_GROUP", `Static track group ${g.name} has no VRRP instance(s) - removing (as keepalived)`);
    else members.set(g.name, found);
  }
  const tracks = new Map<string, TrackRef[]>();
  for (const u of uses) {
    const names = members.get(u.group);
    if (!names || u.ifname === undefined) continue;
    if (u.noTrack) {
      ctx.warn(u.where, "TRACK_GROUP", `Static ${u.what} has both track_group and no_track set - not tracking (as keepalived)`);
      continue;
    }
    for (const n of names) {
      const list = tracks.get(n) ?? [];
      list.push({ name: u.ifname, weight: 0, where: u.where });
      tracks.set(n, list);
    }
  }
  return instances.map((inst) => {
    const add = tracks.get(inst.name);
    if (!add) return inst;
    const merged = inst.trackInterfaces.map((t) => (add.some((a) => a.name === t.name) ? { ...t, weight: 0, reverse: false } : t));
    for (const a of add) if (!merged.some((t) => t.name === a.name)) merged.push(a);
    return { ...inst, trackInterfaces: merged };
  });
}
