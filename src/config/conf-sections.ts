// The smaller keepalived.conf sections and entries: vrrp_script, notify_* lines, vrrp_sync_group,
// virtual addresses and track_* entries (keepalived vrrp/vrrp_parser.c, vrrp_track.c, core/notify.c).
import { familyOf } from "../vrrp/address.js";
import type { Statement } from "./conf-syntax.js";
import type { Ctx } from "./conf-context.js";
import { interfaceNameProblem } from "./values.js";
import { addressBytes } from "../vrrp/address.js";
import type { NotifyScripts, ScriptSpec, SyncGroupSpec, TrackRef, VipSpec } from "./model.js";

const SCOPES = new Set(["global", "site", "link", "host", "nowhere"]);

export function parseScript(ctx: Ctx, s: Statement): ScriptSpec | undefined {
  const name = s.args[0];
  if (!name) {
    ctx.error(s.where, "MISSING_NAME", "vrrp_script needs a name");
    return undefined;
  }
  let script: string | undefined;
  let intervalMs = 1000;
  let timeoutMs: number | undefined;
  let weight = 0;
  let weightReverse = false;
  let rise = 1;
  let fall = 1;
  let user: string | undefined;
  let group: string | undefined;
  let initFail = false;
  for (const st of s.block ?? []) {
    if (ctx.gate(st, "vrrp_script", `vrrp_script ${name}`)) continue;
    switch (st.keyword) {
      case "script":
        // keepalived joins the rest of the line: `script /bin/check arg` or `script "/bin/check arg"`
        script = st.args.join(" ");
        if (!script) ctx.error(st.where, "MISSING_VALUE", "'script' needs a command");
        break;
      case "interval": {
        const v = ctx.num(st, 0.001, 86_400);
        if (v !== undefined) intervalMs = Math.round(v * 1000);
        break;
      }
      case "timeout": {
        const v = ctx.num(st, 0.001, 86_400);
        if (v !== undefined) timeoutMs = Math.round(v * 1000);
        break;
      }
      case "weight": {
        const v = ctx.int(st, -253, 253);
        if (v !== undefined) weight = v;
        if (st.args[1] === "reverse") weightReverse = true;
        else if (st.args[1] !== undefined)
          ctx.warn(st.where, "BAD_VALUE", `weight ${st.args[0]} ${st.args[1]}: only 'reverse' may follow; ignored`);
        break;
      }
      case "rise": {
        const v = ctx.int(st, 1, 1_000_000);
        if (v !== undefined) rise = v;
        break;
      }
      case "fall": {
        const v = ctx.int(st, 1, 1_000_000);
        if (v !== undefined) fall = v;
        break;
      }
      case "user":
        user = ctx.arg(st, "a user name");
        group = st.args[1];
        break;
      case "init_fail":
        initFail = true;
        break;
      default:
        ctx.unhandled(st, "vrrp_script");
    }
  }
  if (script === undefined) {
    // keepalived 2.2.7 vrrp_parser.c vrrp_vscript_end_handler: the script is removed and the
    // instances tracking it go on without it.
    ctx.warn(s.where, "MISSING_SCRIPT", `No script set for vrrp_script ${name} - removing (as keepalived)`);
    return undefined;
  }
  return {
    name,
    where: s.where,
    script,
    intervalMs,
    timeoutMs: timeoutMs ?? intervalMs,
    weight,
    weightReverse,
    rise,
    fall,
    ...(user ? { user } : {}),
    ...(group ? { group } : {}),
    initFail,
  };
}

export function parseNotify(ctx: Ctx, st: Statement, n: { -readonly [K in keyof NotifyScripts]: NotifyScripts[K] }): boolean {
  const map: Record<string, keyof NotifyScripts> = {
    notify_master: "master",
    notify_backup: "backup",
    notify_fault: "fault",
    notify_stop: "stop",
    notify_master_rx_lower_pri: "masterRxLowerPri",
    notify: "generic",
  };
  const key = map[st.keyword];
  if (!key) return false;
  // keepalived core/notify.c notify_script_init: the first word is the command line (quote it to
  // give arguments), then an optional user and group.
  const [command, user, group, ...rest] = st.args;
  if (!command) ctx.error(st.where, "MISSING_VALUE", `'${st.keyword}' needs a command`);
  else {
    if (rest.length)
      ctx.warn(
        st.where,
        "EXTRA_ARGUMENTS",
        `'${st.keyword}': ${JSON.stringify(rest.join(" "))} after the user and group is ignored; quote the command to give it arguments`,
      );
    n[key] = { command, where: st.where, ...(user ? { user } : {}), ...(group ? { group } : {}) };
  }
  return true;
}

export function parseSyncGroup(ctx: Ctx, s: Statement): (SyncGroupSpec & { readonly refused: boolean }) | undefined {
  const name = s.args[0];
  // keepalived 2.2.7 vrrp_parser.c vrrp_sync_group_handler: no name (or more than one word) is
  // warned about and the block skipped; the instances still run.
  if (!name || s.args.length > 1) {
    ctx.warn(s.where, "MISSING_NAME", "vrrp_sync_group must have a name - skipping (as keepalived)");
    return undefined;
  }
  const members: string[] = [];
  const notify: { -readonly [K in keyof NotifyScripts]: NotifyScripts[K] } = {};
  let trackingWeight = false;
  let notifyPriorityChanges: boolean | undefined;
  let refused = false;
  const tracks: { -readonly [K in keyof NonNullable<SyncGroupSpec["tracks"]>]: NonNullable<SyncGroupSpec["tracks"]>[K] } = {
    scripts: [],
    interfaces: [],
    files: [],
    processes: [],
  };
  for (const st of s.block ?? []) {
    const before = ctx.diags.length;
    if (ctx.gate(st, "vrrp_sync_group", `vrrp_sync_group ${name}`)) {
      if (ctx.diags.slice(before).some((d) => d.severity === "error")) refused = true;
      continue;
    }
    if (st.keyword === "group") {
      for (const m of st.block ?? []) members.push(m.keyword, ...m.args);
    } else if (
      st.keyword === "track_script" ||
      st.keyword === "track_interface" ||
      st.keyword === "track_file" ||
      st.keyword === "track_process"
    ) {
      // vrrp_parser.c vrrp_group_track_*_handler: tracked by every member (vrrp.c sync_group_tracking_init).
      const key = ({ track_script: "scripts", track_interface: "interfaces", track_file: "files", track_process: "processes" } as const)[
        st.keyword
      ];
      tracks[key] = parseTracks(ctx, st, st.keyword === "track_script" || st.keyword === "track_interface" ? 253 : 254);
    } else if (st.keyword === "sync_group_tracking_weight" || st.keyword === "global_tracking") {
      // vrrp_parser.c: both set sgroup_tracking_weight (global_tracking is the old name).
      trackingWeight = true;
    } else if (st.keyword === "notify_priority_changes") {
      // vrrp_parser.c vrrp_sg_notify_priority_changes_handler: bare = true.
      notifyPriorityChanges = ctx.bool(st) ?? notifyPriorityChanges;
    } else if (!parseNotify(ctx, st, notify)) ctx.unhandled(st, "vrrp_sync_group");
  }
  return {
    name,
    where: s.where,
    members,
    notify,
    trackingWeight,
    ...(notifyPriorityChanges !== undefined ? { notifyPriorityChanges } : {}),
    tracks,
    refused,
  };
}

export function parseVip(ctx: Ctx, st: Statement): VipSpec | undefined {
  const words = [st.keyword, ...st.args];
  const [addrText = "", prefixText] = (words[0] as string).split("/");
  const family = familyOf(addrText);
  if (!family) {
    ctx.error(st.where, "BAD_ADDRESS", `virtual address ${JSON.stringify(words[0])}: expected IPv4 or IPv6 address with optional /prefix`);
    return undefined;
  }
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (prefixText !== undefined) {
    if (!/^\d+$/.test(prefixText) || Number(prefixText) > max) {
      ctx.error(st.where, "BAD_PREFIX", `virtual address ${words[0]}: prefix must be 0..${max}`);
      return undefined;
    }
    prefix = Number(prefixText);
  }
  const vip: { -readonly [K in keyof VipSpec]: VipSpec[K] } = {
    address: addrText,
    bytes: addressBytes(addrText),
    family,
    prefix,
    where: st.where,
  };
  for (let i = 1; i < words.length; i++) {
    const w = words[i] as string;
    const v = words[i + 1];
    switch (w) {
      case "dev": {
        const problem = v === undefined ? "dev needs an interface name" : interfaceNameProblem(v);
        if (problem) ctx.error(st.where, "BAD_VALUE", `virtual address ${addrText}: ${problem}`);
        else vip.dev = v;
        i++;
        break;
      }
      case "label":
        if (v) vip.label = v;
        i++;
        break;
      // keepalived 2.2.7 vrrp_ipaddress.c parse_ipaddress: an unknown scope is ignored with a
      // warning, and IPv6 addresses take no scope (the kernel derives it from the address).
      case "scope":
        if (!v || !SCOPES.has(v))
          ctx.warn(st.where, "BAD_VALUE", `Invalid scope '${v ?? ""}' specified for ${words[0]} - ignoring (as keepalived)`);
        else if (family === 6)
          ctx.warn(st.where, "BAD_VALUE", `Cannot specify scope for IPv6 addresses (${words[0]}) - ignoring scope (as keepalived)`);
        else vip.scope = v;
        i++;
        break;
      // keepalived vrrp_ipaddress.c parse_ipaddress: the options of 2.2.7.
      case "brd":
      case "broadcast":
        if (family !== 4) ctx.error(st.where, "BAD_VALUE", `virtual address ${addrText}: a broadcast address is IPv4 only`);
        else if (v === "+" || v === "-")
          vip.broadcast = broadcastOf(addrText, prefix, v); // as iproute2: host bits all ones / all zeros
        else if (v && familyOf(v) === 4) vip.broadcast = v;
        else ctx.error(st.where, "BAD_VALUE", `virtual address ${addrText}: brd expects an IPv4 address, + or -, got ${JSON.stringify(v)}`);
        i++;
        break;
      case "peer":
        if (v && familyOf(v) === family) vip.peer = v;
        else
          ctx.error(st.where, "BAD_VALUE", `virtual address ${addrText}: peer expects an IPv${family} address, got ${JSON.stringify(v)}`);
        i++;
        break;
      case "home":
      case "mngtmpaddr":
      case "noprefixroute":
      case "autojoin":
        vip.flags = { ...vip.flags, [w]: true };
        break;
      case "-nodad":
        vip.flags = { ...vip.flags, dad: true };
        break;
      case "no_track":
        vip.noTrack = true;
        break;
      // vrrp_ipaddress.c parse_ipaddress: this address on a use_vmac_addr-style macvlan of its interface.
      case "use_vmac":
        vip.useVmac = true;
        break;
      case "preferred_lft":
        if (v === "forever") vip.preferredLft = "forever";
        else if (v !== undefined && /^\d+$/.test(v) && Number(v) < 0xffffffff) vip.preferredLft = Number(v);
        else
          ctx.error(
            st.where,
            "BAD_VALUE",
            `virtual address ${addrText}: preferred_lft expects forever or seconds, got ${JSON.stringify(v)}`,
          );
        i++;
        break;
      default:
        ctx.warn(
          st.where,
          "UNKNOWN_VIP_OPTION",
          `unknown virtual address option '${w}' (keepalived 2.2.7 has dev, scope, brd, label, peer, home, -nodad, mngtmpaddr, noprefixroute, autojoin, no_track, preferred_lft, use_vmac); ignored`,
        );
    }
  }
  return vip;
}

/** `brd +` / `brd -` (iproute2's meaning): the prefix with its host bits all ones / all zeros. */
function broadcastOf(addr: string, prefix: number, mode: "+" | "-"): string {
  const n = addr.split(".").reduce((a, o) => a * 256 + Number(o), 0);
  const host = prefix >= 32 ? 0 : 2 ** (32 - prefix) - 1;
  const b = n - (n % (host + 1)) + (mode === "+" ? host : 0);
  return [24, 16, 8, 0].map((s) => Math.floor(b / 2 ** s) % 256).join(".");
}

/** track_script / track_interface entries: `NAME [weight N [reverse|noreverse]]` (vrrp_track.c). */
export function parseTracks(ctx: Ctx, st: Statement, maxWeight = 253): TrackRef[] {
  const out: TrackRef[] = [];
  for (const t of st.block ?? []) {
    let weight: number | undefined;
    let reverse: boolean | undefined;
    if (t.args[0] === "weight") {
      const v = t.args[1];
      if (v === undefined || !/^-?\d+$/.test(v) || Math.abs(Number(v)) > maxWeight) {
        ctx.error(t.where, "BAD_VALUE", `weight expects an integer -${maxWeight}..${maxWeight}, got ${JSON.stringify(v)}`);
        continue;
      }
      weight = Number(v);
      if (t.args[2] === "reverse") reverse = true;
      else if (t.args[2] === "noreverse") reverse = false;
      else if (t.args[2] !== undefined)
        ctx.warn(t.where, "BAD_VALUE", `unexpected '${t.args.slice(2).join(" ")}' after ${t.keyword} weight ${v}; ignored`);
    } else if (t.args.length > 0) {
      ctx.warn(t.where, "UNKNOWN_KEYWORD", `unexpected '${t.args.join(" ")}' after ${t.keyword}; ignored`);
    }
    out.push({
      name: t.keyword,
      where: t.where,
      ...(weight !== undefined ? { weight } : {}),
      ...(reverse !== undefined ? { reverse } : {}),
    });
  }
  return out;
}
