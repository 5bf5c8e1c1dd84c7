// keepalived.conf -> DaemonConfig. Keywords go through the keyword table (keywords.ts): unknown
// and unsupported ones warn with file:line, refused ones are errors; invalid values are errors
// naming what was expected. keepalived's defaulting rules are applied here so the daemon and `-t`
// see the same instances keepalived would run.
import { DEFAULT_GARP, type GarpSettings } from "../vrrp/instance-types.js";
import type { Version } from "../vrrp/packet.js";
import { Ctx } from "./conf-context.js";
import { parseScript, parseSyncGroup } from "./conf-sections.js";
import { parseConfText, readConfTree, type ReadOptions, type Statement } from "./conf-syntax.js";
import type { Diagnostic, Location } from "./errors.js";
import { parseGlobal, instanceDefaults, type InstanceDefaults } from "./global-defs.js";
import { parseInstance } from "./instance-section.js";
import { uniqueVmacName } from "./instance-complete.js";
import { resolveAddrVmacs, vipUseVmacSanity } from "./vmac-placement.js";
import { netnsNameProblem } from "./netns-name.js";
import { limitLinkDelays, parseLinkDelays, SECONDS_US } from "./link-delays.js";
import { parseTrackFile } from "./track-file-section.js";
import { parseTrackProcess } from "./track-process-section.js";
import { parseRoute, type RouteSpec, type RuleSpec } from "./route-rule.js";
import { parseRule } from "./rule-line.js";
import { defaultScriptUser } from "../health/users.js";
import type {
  DaemonConfig,
  GlobalSpec,
  InstanceSpec,
  ScriptSpec,
  SyncGroupSpec,
  GarpGroupSpec,
  LinkDelaySpec,
  TrackFileSpec,
  TrackProcessSpec,
  TrackRef,
} from "./model.js";
import { parseStaticTrackGroup, staticAddressTrack, type StaticTrackGroup, type StaticTrackUse } from "./static-track-group.js";
import { applyStaticTrackGroups } from "./static-track-apply.js";

export interface ParsedConfig {
  readonly config: DaemonConfig;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * keepalived vrrp_parser.c vrrp_vscript_end_handler: a vrrp_script naming no user takes the
 * default script user; when there is none (a missing script_user, or no keepalived_script under
 * enable_script_security) it is "removing"d, so tracking instances run without it, never running
 * it as root. Native TCP checks (tcp) run no program and keep.
 */
function removeScriptsWithoutUser(ctx: Ctx, global: GlobalSpec, scripts: ScriptSpec[]): void {
  const affected = scripts.filter((s) => !s.user && !s.tcp);
  if (affected.length === 0 || (!global.scriptUser && !global.enableScriptSecurity)) return;
  const d = defaultScriptUser(global);
  if (d.ok) return;
  ctx.warn(affected[0]!.where, "SCRIPT_USER", d.message);
  for (const s of affected) {
    ctx.warn(s.where, "SCRIPT_USER", `Unable to set default user for vrrp script ${s.name} - removing`);
    scripts.splice(scripts.indexOf(s), 1);
  }
}

export function loadKeepalivedConf(path: string, options: ReadOptions = {}): ParsedConfig {
  const tree = readConfTree(path, options);
  return interpret(tree.statements, tree.files, tree.diagnostics);
}

export function parseKeepalivedConf(text: string, file = "<text>", options: ReadOptions = {}): ParsedConfig {
  const tree = parseConfText(text, file, options);
  return interpret(tree.statements, tree.files, tree.diagnostics);
}

function interpret(statements: Statement[], files: string[], diags: Diagnostic[]): ParsedConfig {
  const ctx = new Ctx(diags);
  let global: GlobalSpec = { enableScriptSecurity: false };
  let defaultVersion: Version = 2;
  const defaults: InstanceDefaults = instanceDefaults();
  const garpDefaults: { -readonly [K in keyof GarpSettings]: GarpSettings[K] } = { ...DEFAULT_GARP };
  const instanceStmts: Statement[] = [];
  const scripts: ScriptSpec[] = [];
  const syncGroups: SyncGroupSpec[] = [];
  const trackFiles: TrackFileSpec[] = [];
  const trackProcesses: TrackProcessSpec[] = [];
  const staticRoutes: RouteSpec[] = [];
  const staticRules: RuleSpec[] = [];
  const refusedGroups = new Set<string>();
  let globalRefused: Location | undefined;
  let namespaceRefused: Location | undefined;
  let netNamespace: string | undefined;
  let garpGroups = 0;
  const garpGroupList: GarpGroupSpec[] = [];
  const linkDelays = new Map<string, LinkDelaySpec>();
  const trackGroups: StaticTrackGroup[] = [];
  const trackUses: StaticTrackUse[] = [];

  for (const s of statements) {
    if (ctx.gate(s, "top", "the top level")) {
      // static_ipaddress is not managed (warned), but its track_group still decides FAULT.
      if (s.keyword === "static_ipaddress")
        for (const l of s.block ?? []) {
          const u = staticAddressTrack(ctx, l, trackGroups);
          if (u) trackUses.push(u);
        }
      continue;
    }
    switch (s.keyword) {
      // keepalived 2.2.7 global_parser.c net_namespace_handler: the first one wins.
      case "net_namespace": {
        const name = s.args[0];
        if (name === undefined) ctx.warn(s.where, "MISSING_VALUE", "net_namespace name missing - ignoring (as keepalived)");
        else if (netNamespace !== undefined)
          ctx.warn(s.where, "BAD_VALUE", `Duplicate net_namespace definition ${name} - ignoring (as keepalived)`);
        else if (netnsNameProblem(name)) {
          // It becomes /run/netns/NAME: running anywhere else would put the VIPs on the wrong host.
          ctx.error(s.where, "BAD_VALUE", `net_namespace '${name}' is not a namespace name (${netnsNameProblem(name)!})`);
          namespaceRefused = s.where;
        } else netNamespace = name;
        break;
      }
      case "global_defs": {
        const before = ctx.diags.length;
        const r = parseGlobal(ctx, s, garpDefaults, defaults);
        if (ctx.diags.slice(before).some((d) => d.code === "REFUSED")) globalRefused = s.where;
        global = r.global;
        if (r.version) defaultVersion = r.version;
        break;
      }
      case "vrrp_instance":
        instanceStmts.push(s);
        break;
      case "vrrp_script": {
        const sc = parseScript(ctx, s);
        if (sc) {
          if (scripts.some((x) => x.name === sc.name)) ctx.error(s.where, "DUPLICATE_SCRIPT", `vrrp_script ${sc.name} defined twice`);
          else scripts.push(sc);
        }
        break;
      }
      case "vrrp_track_process": {
        const t = parseTrackProcess(ctx, s);
        if (t && trackProcesses.some((x) => x.name === t.name))
          ctx.error(s.where, "DUPLICATE_TRACK_FILE", `vrrp_track_process ${t.name} defined twice`);
        else if (t) trackProcesses.push(t);
        break;
      }
      case "static_routes":
        for (const l of s.block ?? []) {
          const r = parseRoute(ctx, l, trackGroups);
          if (r) staticRoutes.push(r);
          if (r?.trackGroup) trackUses.push({ group: r.trackGroup, ifname: r.dev, noTrack: r.noTrack, what: "route", where: r.where });
        }
        break;
      case "static_rules":
        for (const l of s.block ?? []) {
          const r = parseRule(ctx, l, ctx.rulePriorities, trackGroups);
          if (r) staticRules.push(r);
          if (r?.trackGroup) trackUses.push({ group: r.trackGroup, ifname: r.iif, noTrack: r.noTrack, what: "rule", where: r.where });
        }
        break;
      // keepalived 2.2.7 vrrp_parser.c garp_group_handler / garp_group_end_handler.
      case "interface_up_down_delays":
        parseLinkDelays(ctx, s, linkDelays);
        break;
      case "garp_group": {
        const g = parseGarpGroup(ctx, s, ++garpGroups, garpGroupList);
        if (g) garpGroupList.push(g);
        break;
      }
      case "track_file":
      case "vrrp_track_file": {
        const f = parseTrackFile(ctx, s);
        if (f && trackFiles.some((x) => x.name === f.name))
          ctx.error(s.where, "DUPLICATE_TRACK_FILE", `track_file ${f.name} defined twice`);
        else if (f) trackFiles.push(f);
        break;
      }
      case "track_group": {
        const g = parseStaticTrackGroup(ctx, s, trackGroups);
        if (g) trackGroups.push(g);
        break;
      }
      case "vrrp_sync_group": {
        const g = parseSyncGroup(ctx, s);
        if (g) {
          const { refused, ...spec } = g;
          syncGroups.push(spec);
          if (refused) refusedGroups.add(spec.name);
        }
        break;
      }
      default:
        ctx.unhandled(s, "top");
    }
  }

  removeScriptsWithoutUser(ctx, global, scripts);

  const instances: InstanceSpec[] = [];
  for (const s of instanceStmts) {
    const parsed = parseInstance(ctx, s, defaultVersion, garpDefaults, scripts, defaults, trackFiles, trackProcesses);
    if (!parsed) continue;
    const inst = global.checkUnicastSrc && !parsed.checkUnicastSrc ? { ...parsed, checkUnicastSrc: true } : parsed;
    if (instances.some((x) => x.name === inst.name)) {
      ctx.error(s.where, "DUPLICATE_INSTANCE", `vrrp_instance ${inst.name} defined twice`);
      continue;
    }
    const clash = instances.find(
      (x) =>
        x.vrid === inst.vrid &&
        x.interface === inst.interface &&
        x.family === inst.family &&
        x.unicastPeers.length > 0 === inst.unicastPeers.length > 0,
    );
    if (clash) {
      ctx.error(
        s.where,
        "DUPLICATE_VRID",
        `${inst.name}: VRID ${inst.vrid} on ${inst.interface} (IPv${inst.family}) is already used by ${clash.name}`,
      );
      continue;
    }
    instances.push(uniqueVmacName(ctx, inst, instances, defaults.vmacPrefix));
  }
  // use_vmac_addr: named once every instance's use_vmac name is known (vrrp.c vrrp_complete_instance).
  const addrPrefix = defaults.vmacAddrPrefix ?? defaults.vmacPrefix ?? "vrrp";
  instances.forEach((configured, i) => {
    const inst = vipUseVmacSanity(configured, (m) => ctx.warn(configured.where, "BAD_VALUE", m));
    const any = inst.useVmacAddr || [...inst.vips, ...inst.excludedVips].some((v) => v.useVmac);
    instances[i] = any ? resolveAddrVmacs(inst, instances, instances.slice(0, i), addrPrefix) : inst;
  });
  const groups = resolveSyncGroups(ctx, instances, syncGroups);
  const started = groupStartStates(instances, groups);
  let runnable = applyStaticTrackGroups(
    ctx,
    trackGroups,
    trackUses,
    instances.map((i) => i.name),
    syncGroupRules(ctx, started, groups, refusedGroups, scripts, trackProcesses)
      .map((i) => trackFileWeights(ctx, i, groups, trackFiles))
      .map((i) => groupTrackers(ctx, i, groups, { scripts, files: trackFiles, processes: trackProcesses }))
      .map((i) => priorityNotifies(i, groups, defaults.notifyPriorityChanges)),
  );
  if (globalRefused && runnable.length > 0) {
    // A refused global keyword (a multicast group, GARP behaviour) changes every instance.
    ctx.error(
      globalRefused,
      "REFUSED",
      `no instance is run: global_defs uses a keyword tsvrrpd refuses (${runnable.map((i) => i.name).join(", ")} would disagree with keepalived peers)`,
    );
    runnable = [];
  }
  if (namespaceRefused && runnable.length > 0) {
    ctx.error(
      namespaceRefused,
      "REFUSED",
      `no instance is run: net_namespace names no namespace, so ${runnable.map((i) => i.name).join(", ")} would run in the wrong one`,
    );
    runnable = [];
  }
  limitLinkDelays(ctx, runnable, linkDelays);
  // Report in reading order, whatever pass found them.
  const order = (d: Diagnostic) => [files.indexOf(d.where.file), d.where.line] as const;
  const sorted = [...diags].sort((a, b) => {
    const [fa, la] = order(a);
    const [fb, lb] = order(b);
    return fa - fb || la - lb;
  });
  return {
    config: {
      global: netNamespace !== undefined ? { ...global, netNamespace } : global,
      instances: runnable,
      scripts,
      syncGroups: groups,
      trackFiles,
      trackProcesses,
      staticRoutes,
      staticRules,
      garpGroups: garpGroupList,
      linkDelays: [...linkDelays.values()],
      files,
    },
    diagnostics: sorted,
  };
}

/**
 * keepalived 2.2.7 vrrp.c vrrp_complete_instance: notify_priority_changes unset in the instance is
 * its sync group's, else global_defs' vrrp_notify_priority_changes (default off).
 */
function priorityNotifies(inst: InstanceSpec, groups: readonly SyncGroupSpec[], global: boolean | undefined): InstanceSpec {
  const g = groups.find((x) => x.members.includes(inst.name));
  const on = inst.notifyPriorityChanges ?? g?.notifyPriorityChanges ?? global ?? false;
  return on === inst.notifyPriorityChanges || (!on && inst.notifyPriorityChanges === undefined)
    ? inst
    : { ...inst, notifyPriorityChanges: on };
}

/**
 * keepalived 2.2.7 vrrp.c vrrp_complete_init and vrrp_sync.c vrrp_sync_set_group: a group without a
 * group block is removed, a member that is no instance (or is already in another group) is
 * ignored, a group left without members is removed, and a group of one is warned about. All
 * warnings, as keepalived: the instances run.
 */
function resolveSyncGroups(ctx: Ctx, instances: readonly InstanceSpec[], groups: readonly SyncGroupSpec[]): SyncGroupSpec[] {
  const taken = new Set<string>();
  const kept: SyncGroupSpec[] = [];
  for (const g of groups) {
    if (g.members.length === 0) {
      ctx.warn(g.where, "SYNC_GROUP", `Sync group ${g.name} has no virtual router(s). removing (as keepalived)`);
      continue;
    }
    const members: string[] = [];
    let ownerMaster = false;
    for (const m of g.members) {
      const inst = instances.find((i) => i.name === m);
      if (!inst) {
        ctx.warn(
          g.where,
          "UNKNOWN_MEMBER",
          `Virtual router ${m} specified in sync group ${g.name} doesn't exist - ignoring (as keepalived)`,
        );
        continue;
      }
      if (taken.has(m)) {
        ctx.warn(
          g.where,
          "UNKNOWN_MEMBER",
          `Virtual router ${m} cannot exist in more than one sync group; ignoring ${g.name} (as keepalived)`,
        );
        continue;
      }
      if (members.length > 0 && ownerMaster && inst.initialState === "BACKUP")
        ctx.warn(
          g.where,
          "SYNC_GROUP",
          `Sync group ${g.name} has some member(s) as address owner and some not as address owner. This won't work. (as keepalived)`,
        );
      if (members.length === 0) ownerMaster = inst.initialState === "MASTER" && inst.priority === 255;
      else if (ownerMaster) ownerMaster = inst.initialState === "MASTER" && inst.priority === 255;
      taken.add(m);
      members.push(m);
    }
    if (members.length === 0) {
      ctx.warn(
        g.where,
        "SYNC_GROUP",
        `Sync group ${g.name}, no matching virtual router found in group declaration - removing (as keepalived)`,
      );
      continue;
    }
    if (members.length === 1)
      ctx.warn(
        g.where,
        "SYNC_GROUP",
        `Sync group ${g.name} has only 1 virtual router(s) - this probably isn't what you want (as keepalived)`,
      );
    kept.push({ ...g, members });
  }
  return kept;
}

/**
 * keepalived 2.2.7 vrrp.c vrrp_complete_init: a sync group starts in MASTER only when every member
 * is `state MASTER` with priority 255; otherwise members written as MASTER start as BACKUP (no
 * message), so the group comes up together through the down timer.
 */
function groupStartStates(instances: readonly InstanceSpec[], groups: readonly SyncGroupSpec[]): InstanceSpec[] {
  const toBackup = new Set<string>();
  for (const g of groups) {
    const members = instances.filter((i) => g.members.includes(i.name));
    const wantsMaster = members.some((i) => i.initialState === "MASTER");
    const hasBackup = members.some((i) => i.initialState === "BACKUP" || i.priority !== 255);
    if (wantsMaster && hasBackup) for (const i of members) toBackup.add(i.name);
  }
  return instances.map((i) => (toBackup.has(i.name) && i.initialState === "MASTER" ? { ...i, initialState: "BACKUP" as const } : i));
}

/**
 * keepalived vrrp.c vrrp_complete_instance: a sync group member without sync_group_tracking_weight,
 * or an address owner (priority 255), tracks files unweighted: the default weight 1 becomes 0 (a
 * non-zero number is a FAULT), any other weight drops the entry.
 */
function trackFileWeights(ctx: Ctx, inst: InstanceSpec, groups: readonly SyncGroupSpec[], files: readonly TrackFileSpec[]): InstanceSpec {
  const g = groups.find((x) => x.members.includes(inst.name));
  const reason = g && !g.trackingWeight ? `sync group ${g.name}` : inst.priority === 255 ? "address owner" : undefined;
  if (!reason || inst.trackFiles.length === 0) return inst;
  const trackFiles = inst.trackFiles.flatMap((t) => {
    const file = files.find((f) => f.name === t.name);
    const weight = t.weight ?? file?.weight ?? 1;
    if (weight === 0) return [t];
    if (weight === 1) {
      ctx.warn(
        t.where,
        "SYNC_GROUP_WEIGHT",
        `${inst.name}: ignoring weight from tracked file ${t.name} due to ${reason}; tracked with weight 0 (as keepalived)`,
      );
      return [{ ...t, weight: 0 }];
    }
    ctx.warn(
      t.where,
      "SYNC_GROUP_WEIGHT",
      `${inst.name}: ignoring tracked file ${t.name} with weight ${weight} due to ${reason} (as keepalived)`,
    );
    return [];
  });
  return { ...inst, trackFiles };
}

/**
 * keepalived vrrp.c vrrp_complete_instance: without sync_group_tracking_weight a member's weighted
 * trackers do not move its priority (interfaces become weight 0, i.e. FAULT; weighted scripts are
 * not tracked). Members of a group with a refused keyword are not run at all.
 */
function syncGroupRules(
  ctx: Ctx,
  instances: InstanceSpec[],
  groups: readonly SyncGroupSpec[],
  refused: ReadonlySet<string>,
  scripts: readonly ScriptSpec[],
  processes: readonly TrackProcessSpec[],
): InstanceSpec[] {
  const out: InstanceSpec[] = [];
  for (const inst of instances) {
    const g = groups.find((x) => x.members.includes(inst.name));
    if (g && refused.has(g.name)) {
      ctx.error(inst.where, "REFUSED", `${inst.name} is not run: its vrrp_sync_group ${g.name} uses a keyword tsvrrpd refuses`);
      continue;
    }
    if (!g || g.trackingWeight) {
      out.push(inst);
      continue;
    }
    const trackInterfaces = inst.trackInterfaces.map((t) => {
      if (!t.weight) return t;
      ctx.warn(
        t.where,
        "SYNC_GROUP_WEIGHT",
        `${inst.name}: ignoring the weight of tracked interface ${t.name} because of sync group ${g.name} (as keepalived; add sync_group_tracking_weight to keep it)`,
      );
      return { name: t.name, where: t.where, weight: 0 };
    });
    // Weighted scripts and processes are not tracked at all (vrrp_complete_instance).
    const unweighted = (refs: readonly TrackRef[], defs: readonly { name: string; weight: number }[], what: string) =>
      refs.filter((t) => {
        const w = t.weight ?? defs.find((x) => x.name === t.name)?.weight ?? 0;
        if (!w) return true;
        ctx.warn(
          t.where,
          "SYNC_GROUP_WEIGHT",
          `${inst.name}: ignoring tracked ${what} ${t.name} with weight ${w} because of sync group ${g.name} (as keepalived; add sync_group_tracking_weight to keep it)`,
        );
        return false;
      });
    const trackScripts = unweighted(inst.trackScripts, scripts, "script");
    const trackProcesses = unweighted(inst.trackProcesses, processes, "process");
    out.push({ ...inst, trackInterfaces, trackScripts, trackProcesses });
  }
  return out;
}

/**
 * keepalived vrrp.c sync_group_tracking_init: the group's track_script / _interface / _file /
 * _process entries are tracked by every member, with their weights (cleared when a member is an
 * address owner). A member that tracks the same object itself takes the group's weight unless its
 * own entry is unweighted (track_file.c add_obj_to_track_file).
 */
function groupTrackers(
  ctx: Ctx,
  inst: InstanceSpec,
  groups: readonly SyncGroupSpec[],
  known: { scripts: readonly ScriptSpec[]; files: readonly TrackFileSpec[]; processes: readonly TrackProcessSpec[] },
): InstanceSpec {
  const g = groups.find((x) => x.members.includes(inst.name));
  const t = g?.tracks;
  if (!g || !t) return inst;
  const owner = inst.priority === 255;
  const merge = (mine: readonly TrackRef[], theirs: readonly TrackRef[], exists: (n: string) => boolean, what: string): TrackRef[] => {
    const out = [...mine];
    for (const e of theirs) {
      if (!exists(e.name)) {
        ctx.warn(e.where, "UNKNOWN_TRACK_FILE", `vrrp_sync_group ${g.name}: ${what} ${e.name} is not defined; ignored`);
        continue;
      }
      const entry = owner && e.weight ? { ...e, weight: 0 } : e;
      const i = out.findIndex((m) => m.name === e.name);
      if (i < 0) out.push(entry);
      else if (out[i]!.weight !== 0) out[i] = entry;
    }
    return out;
  };
  return {
    ...inst,
    trackScripts: merge(inst.trackScripts, t.scripts, (n) => known.scripts.some((s) => s.name === n), "track_script"),
    trackInterfaces: merge(inst.trackInterfaces, t.interfaces, () => true, "track_interface"),
    trackFiles: merge(inst.trackFiles, t.files, (n) => known.files.some((s) => s.name === n), "track_file"),
    trackProcesses: merge(inst.trackProcesses, t.processes, (n) => known.processes.some((s) => s.name === n), "track_process"),
  };
}

/**
 * keepalived 2.2.7 vrrp_parser.c garp_group_{garp,gna}_interval_handler (seconds with at most 6
 * decimals, 0..INT_MAX us), garp_group_interface(s)_handler (an interface already in a group is
 * ignored with a warning) and garp_group_end_handler (a group with no interval is removed).
 */
function parseGarpGroup(ctx: Ctx, s: Statement, n: number, earlier: readonly GarpGroupSpec[]): GarpGroupSpec | undefined {
  let garpIntervalMs: number | undefined;
  let gnaIntervalMs: number | undefined;
  const interfaces: string[] = [];
  const add = (b: Statement, name: string): void => {
    if (interfaces.includes(name) || earlier.some((g) => g.interfaces.includes(name)))
      ctx.warn(b.where, "BAD_VALUE", `garp_group already specified for ${name} - ignoring (as keepalived)`);
    else interfaces.push(name);
  };
  for (const b of s.block ?? []) {
    if (ctx.gate(b, "garp_group")) continue;
    switch (b.keyword) {
      case "garp_interval":
      case "gna_interval": {
        const arg = b.args[0];
        const v = arg !== undefined && SECONDS_US.test(arg) ? Number(arg) : NaN;
        if (!(v <= 2147.483647)) {
          ctx.warn(b.where, "BAD_VALUE", `garp_group ${b.keyword} '${arg ?? ""}' invalid (as keepalived)`);
          break;
        }
        const ms = Math.round(v * 1e6) / 1000;
        if (b.keyword === "garp_interval") garpIntervalMs = ms;
        else gnaIntervalMs = ms;
        break;
      }
      case "interface": {
        const name = ctx.arg(b, "an interface name");
        if (name) add(b, name);
        break;
      }
      case "interfaces": {
        const names = (b.block ?? []).flatMap((x) => [x.keyword, ...x.args]);
        if (names.length === 0) ctx.warn(b.where, "BAD_VALUE", "Warning - empty garp_group interfaces block (as keepalived)");
        for (const name of names) add(b, name);
        break;
      }
      default:
        ctx.unhandled(b, "garp_group");
    }
  }
  if (garpIntervalMs === undefined && gnaIntervalMs === undefined) {
    ctx.warn(s.where, "BAD_VALUE", `garp group ${n} does not have any delay set - removing (as keepalived)`);
    return undefined;
  }
  return {
    ...(garpIntervalMs !== undefined ? { garpIntervalMs } : {}),
    ...(gnaIntervalMs !== undefined ? { gnaIntervalMs } : {}),
    interfaces,
    where: s.where,
  };
}
