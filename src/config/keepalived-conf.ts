// keepalived.conf -> DaemonConfig. Unknown keywords warn (file:line) and are skipped; invalid
// values are errors naming what was expected. keepalived's defaulting rules are applied here so
// the daemon and `-t` see the same instances keepalived would run.
import { familyOf, type Family } from "../vrrp/address.js";
import { DEFAULT_GARP, type GarpSettings } from "../vrrp/instance.js";
import type { Version } from "../vrrp/packet.js";
import { parseConfText, readConfTree, type Statement } from "./conf-syntax.js";
import type { Diagnostic, Location } from "./errors.js";
import type { DaemonConfig, GlobalSpec, InstanceSpec, NotifyScripts, ScriptSpec, SyncGroupSpec, TrackRef, UnicastChecksum, VipSpec } from "./model.js";

export interface ParsedConfig {
  readonly config: DaemonConfig;
  readonly diagnostics: readonly Diagnostic[];
}

export function loadKeepalivedConf(path: string): ParsedConfig {
  const tree = readConfTree(path);
  return interpret(tree.statements, tree.files, tree.diagnostics);
}

export function parseKeepalivedConf(text: string, file = "<text>"): ParsedConfig {
  const tree = parseConfText(text, file);
  return interpret(tree.statements, tree.files, tree.diagnostics);
}

const SCOPES = new Set(["global", "site", "link", "host", "nowhere"]);

class Ctx {
  readonly diags: Diagnostic[];
  constructor(diags: Diagnostic[]) {
    this.diags = diags;
  }
  error(where: Location, code: string, message: string): void {
    this.diags.push({ severity: "error", code, where, message });
  }
  warn(where: Location, code: string, message: string): void {
    this.diags.push({ severity: "warning", code, where, message });
  }
  unknown(s: Statement, section: string): void {
    this.warn(s.where, "UNKNOWN_KEYWORD", `unknown keyword '${s.keyword}' in ${section}; ignored`);
  }
  arg(s: Statement, what: string): string | undefined {
    const v = s.args[0];
    if (v === undefined) this.error(s.where, "MISSING_VALUE", `'${s.keyword}' needs ${what}`);
    return v;
  }
  int(s: Statement, min: number, max: number, index = 0): number | undefined {
    const v = s.args[index];
    if (v === undefined || !/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      this.error(s.where, "BAD_VALUE", `'${s.keyword}' expects an integer ${min}..${max}, got ${v === undefined ? "nothing" : JSON.stringify(v)}`);
      return undefined;
    }
    return Number(v);
  }
  num(s: Statement, min: number, max: number, index = 0): number | undefined {
    const v = s.args[index];
    if (v === undefined || !/^\d+(\.\d+)?$|^\.\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      this.error(s.where, "BAD_VALUE", `'${s.keyword}' expects a number ${min}..${max}, got ${v === undefined ? "nothing" : JSON.stringify(v)}`);
      return undefined;
    }
    return Number(v);
  }
}

function interpret(statements: Statement[], files: string[], diags: Diagnostic[]): ParsedConfig {
  const ctx = new Ctx(diags);
  let global: GlobalSpec = { enableScriptSecurity: false };
  let defaultVersion: Version = 2;
  const garpDefaults: { -readonly [K in keyof GarpSettings]: GarpSettings[K] } = { ...DEFAULT_GARP };
  const instanceStmts: Statement[] = [];
  const scripts: ScriptSpec[] = [];
  const syncGroups: SyncGroupSpec[] = [];

  for (const s of statements) {
    switch (s.keyword) {
      case "global_defs": {
        const r = parseGlobal(ctx, s, garpDefaults);
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
      case "vrrp_sync_group": {
        const g = parseSyncGroup(ctx, s);
        if (g) syncGroups.push(g);
        break;
      }
      case "virtual_server":
      case "virtual_server_group":
      case "static_ipaddress":
      case "static_routes":
      case "static_rules":
      case "linkbeat_interfaces":
        ctx.warn(s.where, "UNSUPPORTED_SECTION", `'${s.keyword}' is keepalived's LVS/static part, which tsvrrpd does not implement; ignored`);
        break;
      default:
        ctx.unknown(s, "the top level");
    }
  }

  const instances: InstanceSpec[] = [];
  for (const s of instanceStmts) {
    const parsed = parseInstance(ctx, s, defaultVersion, garpDefaults, scripts);
    if (!parsed) continue;
    const inst = global.checkUnicastSrc && !parsed.checkUnicastSrc ? { ...parsed, checkUnicastSrc: true } : parsed;
    if (instances.some((x) => x.name === inst.name)) {
      ctx.error(s.where, "DUPLICATE_INSTANCE", `vrrp_instance ${inst.name} defined twice`);
      continue;
    }
    const clash = instances.find((x) => x.vrid === inst.vrid && x.interface === inst.interface && x.family === inst.family && (x.unicastPeers.length > 0) === (inst.unicastPeers.length > 0));
    if (clash) {
      ctx.error(s.where, "DUPLICATE_VRID", `${inst.name}: VRID ${inst.vrid} on ${inst.interface} (IPv${inst.family}) is already used by ${clash.name}`);
      continue;
    }
    instances.push(inst);
  }
  for (const g of syncGroups) {
    for (const m of g.members) {
      if (!instances.some((i) => i.name === m)) ctx.error(g.where, "UNKNOWN_MEMBER", `vrrp_sync_group ${g.name}: no vrrp_instance named ${m}`);
    }
  }
  // Report in reading order, whatever pass found them.
  const order = (d: Diagnostic) => [files.indexOf(d.where.file), d.where.line] as const;
  const sorted = [...diags].sort((a, b) => {
    const [fa, la] = order(a);
    const [fb, lb] = order(b);
    return fa - fb || la - lb;
  });
  return { config: { global, instances, scripts, syncGroups, files }, diagnostics: sorted };
}

function parseGlobal(ctx: Ctx, s: Statement, garp: { -readonly [K in keyof GarpSettings]: GarpSettings[K] }): { global: GlobalSpec; version?: Version } {
  const g: { -readonly [K in keyof GlobalSpec]: GlobalSpec[K] } = { enableScriptSecurity: false };
  let version: Version | undefined;
  for (const st of s.block ?? []) {
    switch (st.keyword) {
      case "router_id":
        g.routerId = ctx.arg(st, "a name");
        break;
      case "script_user":
        g.scriptUser = ctx.arg(st, "a user name");
        if (st.args[1]) g.scriptGroup = st.args[1];
        break;
      case "enable_script_security":
        g.enableScriptSecurity = true;
        break;
      case "vrrp_check_unicast_src":
        g.checkUnicastSrc = true;
        break;
      case "notify_fifo":
        g.notifyFifo = ctx.arg(st, "a path");
        break;
      case "http_listen":
        g.httpListen = ctx.arg(st, "ADDR:PORT");
        break;
      case "vrrp_version": {
        const v = ctx.int(st, 2, 3);
        if (v === 2 || v === 3) version = v;
        break;
      }
      // Accepted and meaningless for tsvrrpd (performance or features of keepalived's process model).
      case "max_auto_priority":
      case "vrrp_no_swap":
      case "checker_no_swap":
      case "vrrp_priority":
      case "checker_priority":
      case "vrrp_rt_priority":
      case "vrrp_cpu_affinity":
      case "lvs_flush":
      case "enable_snmp_vrrp":
      case "notification_email":
      case "notification_email_from":
      case "smtp_server":
      case "smtp_connect_timeout":
      case "vrrp_skip_check_adv_addr":
      case "vrrp_garp_interval":
      case "vrrp_gna_interval":
      case "dynamic_interfaces":
        break;
      case "vrrp_strict":
        ctx.warn(st.where, "NOT_IMPLEMENTED", "vrrp_strict is not implemented (no firewall rules are added); ignored");
        break;
      default:
        if (!parseGarp(ctx, st, garp, "vrrp_")) ctx.unknown(st, "global_defs");
    }
  }
  return version ? { global: g, version } : { global: g };
}

/** garp_master_* settings: `vrrp_`-prefixed in global_defs (defaults), bare in an instance. */
function parseGarp(ctx: Ctx, st: Statement, garp: { -readonly [K in keyof GarpSettings]: GarpSettings[K] }, prefix: string): boolean {
  const fields: Record<string, [keyof GarpSettings, number, number, number]> = {
    garp_master_delay: ["masterDelayMs", 0, 1000, 1000],
    garp_master_repeat: ["masterRepeat", 1, 255, 1],
    garp_master_refresh: ["masterRefreshMs", 0, 100_000, 1000],
    garp_master_refresh_repeat: ["masterRefreshRepeat", 1, 255, 1],
  };
  if (!st.keyword.startsWith(prefix)) return false;
  const f = fields[st.keyword.slice(prefix.length)];
  if (!f) return false;
  const [key, min, max, scale] = f;
  const v = ctx.int(st, min, max);
  if (v !== undefined) garp[key] = v * scale;
  return true;
}

function parseScript(ctx: Ctx, s: Statement): ScriptSpec | undefined {
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
        else if (st.args[1] !== undefined) ctx.warn(st.where, "BAD_VALUE", `weight ${st.args[0]} ${st.args[1]}: only 'reverse' may follow; ignored`);
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
        ctx.unknown(st, `vrrp_script ${name}`);
    }
  }
  if (script === undefined) {
    ctx.error(s.where, "MISSING_SCRIPT", `vrrp_script ${name} has no 'script'`);
    return undefined;
  }
  return { name, where: s.where, script, intervalMs, timeoutMs: timeoutMs ?? intervalMs, weight, weightReverse, rise, fall, ...(user ? { user } : {}), ...(group ? { group } : {}), initFail };
}

function parseNotify(ctx: Ctx, st: Statement, n: { -readonly [K in keyof NotifyScripts]: NotifyScripts[K] }): boolean {
  const map: Record<string, keyof NotifyScripts> = { notify_master: "master", notify_backup: "backup", notify_fault: "fault", notify_stop: "stop", notify: "generic" };
  const key = map[st.keyword];
  if (!key) return false;
  // keepalived core/notify.c notify_script_init: the first word is the command line (quote it to
  // give arguments), then an optional user and group.
  const [command, user, group, ...rest] = st.args;
  if (!command) ctx.error(st.where, "MISSING_VALUE", `'${st.keyword}' needs a command`);
  else {
    if (rest.length) ctx.warn(st.where, "EXTRA_ARGUMENTS", `'${st.keyword}': ${JSON.stringify(rest.join(" "))} after the user and group is ignored; quote the command to give it arguments`);
    n[key] = { command, where: st.where, ...(user ? { user } : {}), ...(group ? { group } : {}) };
  }
  return true;
}

function parseSyncGroup(ctx: Ctx, s: Statement): SyncGroupSpec | undefined {
  const name = s.args[0];
  if (!name) {
    ctx.error(s.where, "MISSING_NAME", "vrrp_sync_group needs a name");
    return undefined;
  }
  const members: string[] = [];
  const notify: { -readonly [K in keyof NotifyScripts]: NotifyScripts[K] } = {};
  for (const st of s.block ?? []) {
    if (st.keyword === "group") {
      for (const m of st.block ?? []) members.push(m.keyword, ...m.args);
    } else if (!parseNotify(ctx, st, notify)) {
      if (st.keyword === "smtp_alert" || st.keyword === "global_tracking" || st.keyword === "sync_group_tracking_weight") continue;
      ctx.unknown(st, `vrrp_sync_group ${name}`);
    }
  }
  return { name, where: s.where, members, notify };
}

function parseVip(ctx: Ctx, st: Statement): VipSpec | undefined {
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
  const vip: { -readonly [K in keyof VipSpec]: VipSpec[K] } = { address: addrText, family, prefix, where: st.where };
  for (let i = 1; i < words.length; i++) {
    const w = words[i] as string;
    const v = words[i + 1];
    switch (w) {
      case "dev":
        if (v) vip.dev = v;
        i++;
        break;
      case "label":
        if (v) vip.label = v;
        i++;
        break;
      case "scope":
        if (v && SCOPES.has(v)) vip.scope = v;
        else ctx.error(st.where, "BAD_VALUE", `scope expects one of ${[...SCOPES].join(", ")}, got ${JSON.stringify(v)}`);
        i++;
        break;
      case "brd":
      case "broadcast":
      case "metric":
      case "table":
        i++;
        break;
      case "no_track":
      case "home":
      case "-nodad":
      case "nodad":
      case "noprefixroute":
      case "autojoin":
        break;
      default:
        ctx.warn(st.where, "UNKNOWN_VIP_OPTION", `unknown virtual address option '${w}'; ignored`);
    }
  }
  return vip;
}

/** track_script / track_interface entries: `NAME [weight N [reverse|noreverse]]` (vrrp_track.c). */
function parseTracks(ctx: Ctx, st: Statement): TrackRef[] {
  const out: TrackRef[] = [];
  for (const t of st.block ?? []) {
    let weight: number | undefined;
    let reverse: boolean | undefined;
    if (t.args[0] === "weight") {
      const v = t.args[1];
      if (v === undefined || !/^-?\d+$/.test(v) || Math.abs(Number(v)) > 253) {
        ctx.error(t.where, "BAD_VALUE", `weight expects an integer -253..253, got ${JSON.stringify(v)}`);
        continue;
      }
      weight = Number(v);
      if (t.args[2] === "reverse") reverse = true;
      else if (t.args[2] === "noreverse") reverse = false;
      else if (t.args[2] !== undefined) ctx.warn(t.where, "BAD_VALUE", `unexpected '${t.args.slice(2).join(" ")}' after ${t.keyword} weight ${v}; ignored`);
    } else if (t.args.length > 0) {
      ctx.warn(t.where, "UNKNOWN_KEYWORD", `unexpected '${t.args.join(" ")}' after ${t.keyword}; ignored`);
    }
    out.push({ name: t.keyword, where: t.where, ...(weight !== undefined ? { weight } : {}), ...(reverse !== undefined ? { reverse } : {}) });
  }
  return out;
}

function parseInstance(ctx: Ctx, s: Statement, defaultVersion: Version, garpDefaults: GarpSettings, scripts: ScriptSpec[]): InstanceSpec | undefined {
  const name = s.args[0];
  if (!name) {
    ctx.error(s.where, "MISSING_NAME", "vrrp_instance needs a name");
    return undefined;
  }
  const errorsBefore = ctx.diags.filter((d) => d.severity === "error").length;
  let iface: string | undefined;
  let vrid: number | undefined;
  let priority: number | undefined;
  let state: "MASTER" | "BACKUP" | undefined;
  let version: Version = defaultVersion;
  let versionSet = false;
  let advertSec = 1;
  let advertWhere: Location | undefined;
  let nopreempt = false;
  let preemptDelayMs = 0;
  let authPass: string | undefined;
  let authPassWhere: Location | undefined;
  let authType: { where: Location } | undefined;
  let unicastChecksum: UnicastChecksum = "auto";
  let vips: VipSpec[] = [];
  const excluded: VipSpec[] = [];
  let unicastSrcIp: string | undefined;
  const unicastPeers: string[] = [];
  const unicastPeerTtl: { min: number; max: number }[] = [];
  let checkUnicastSrc = false;
  let dontTrackPrimary = false;
  let mcastSrcIp: string | undefined;
  let accept = false;
  const notify: { -readonly [K in keyof NotifyScripts]: NotifyScripts[K] } = {};
  let trackScripts: TrackRef[] = [];
  let trackInterfaces: TrackRef[] = [];
  const garp = { ...garpDefaults };
  let lowerPrioNoAdvert = false;
  let downTimerAdverts = 3;
  let v3ChecksumAsV2 = false;
  const where = (st: Statement) => st.where;

  for (const st of s.block ?? []) {
    if (parseNotify(ctx, st, notify)) continue;
    switch (st.keyword) {
      case "interface":
        iface = ctx.arg(st, "an interface name");
        break;
      case "virtual_router_id":
        vrid = ctx.int(st, 1, 255);
        break;
      case "priority":
        priority = ctx.int(st, 1, 255);
        break;
      case "state": {
        const v = st.args[0];
        if (v === "MASTER" || v === "BACKUP") state = v;
        else ctx.error(where(st), "BAD_VALUE", `'state' expects MASTER or BACKUP, got ${JSON.stringify(v)}`);
        break;
      }
      case "version": {
        const v = ctx.int(st, 2, 3);
        if (v === 2 || v === 3) {
          version = v;
          versionSet = true;
        }
        break;
      }
      case "advert_int": {
        const v = ctx.num(st, 0.01, 255);
        if (v !== undefined) {
          advertSec = v;
          advertWhere = st.where;
        }
        break;
      }
      case "nopreempt":
        nopreempt = true;
        break;
      case "preempt":
        nopreempt = false;
        break;
      case "preempt_delay": {
        const v = ctx.num(st, 0, 1000);
        if (v !== undefined) preemptDelayMs = Math.round(v * 1000);
        break;
      }
      case "authentication":
        // keepalived vrrp_parser.c vrrp_auth_type_handler / vrrp_auth_pass_handler: auth_type sets
        // the type, auth_pass takes only its first word; vrrp.c vrrp_complete_instance then turns
        // authentication off when the type is missing (NONE) or the password is empty.
        for (const a of st.block ?? []) {
          if (a.keyword === "auth_type") {
            if (a.args[0] === "AH") ctx.error(a.where, "UNSUPPORTED_AUTH", "auth_type AH (IPsec-AH) is not supported; use PASS or none");
            else if (a.args[0] !== "PASS") ctx.error(a.where, "BAD_VALUE", `auth_type expects PASS or AH, got ${JSON.stringify(a.args[0])}`);
            else authType = { where: a.where };
          } else if (a.keyword === "auth_pass") {
            authPass = a.args[0] ?? "";
            authPassWhere = a.where;
            if (a.args.length > 1) ctx.warn(a.where, "AUTH_PASS_WORDS", `auth_pass takes one word; only ${JSON.stringify(authPass)} is the password, ${JSON.stringify(a.args.slice(1).join(" "))} is ignored (as keepalived); quote it to keep the blank`);
            if (Buffer.byteLength(authPass) > 8) ctx.warn(a.where, "AUTH_PASS_TRUNCATED", "auth_pass is longer than 8 bytes; only the first 8 are used (as keepalived does)");
          } else ctx.unknown(a, "authentication");
        }
        break;
      case "virtual_ipaddress":
        for (const v of st.block ?? []) {
          const vip = parseVip(ctx, v);
          if (vip) vips.push(vip);
        }
        break;
      case "virtual_ipaddress_excluded":
        for (const v of st.block ?? []) {
          const vip = parseVip(ctx, v);
          if (vip) excluded.push(vip);
        }
        break;
      case "unicast_src_ip":
      case "mcast_src_ip": {
        // keepalived (vrrp_parser.c vrrp_srcip_handler, inet_stosockaddr) accepts ADDR/PREFIX and
        // ignores the prefix.
        const v = ctx.arg(st, "an address");
        const addr = v?.split("/")[0];
        if (v && (!addr || !familyOf(addr) || !/^(\/\d{1,3})?$/.test(v.slice(addr.length)))) ctx.error(st.where, "BAD_ADDRESS", `${st.keyword} expects an IP address, got ${JSON.stringify(v)}`);
        else if (st.keyword === "unicast_src_ip") unicastSrcIp = addr;
        else mcastSrcIp = addr;
        break;
      }
      case "unicast_peer":
        // vrrp_data.c alloc_unicast_peer: ADDR [min_ttl N] [max_ttl N], checked only with check_unicast_src.
        for (const p of st.block ?? []) {
          const addr = p.keyword.split("/")[0] ?? "";
          if (!familyOf(addr) || !/^(\/\d{1,3})?$/.test(p.keyword.slice(addr.length))) {
            ctx.error(p.where, "BAD_ADDRESS", `unicast_peer expects IP addresses, got ${JSON.stringify(p.keyword)}`);
            continue;
          }
          const ttl = { min: 0, max: 255 };
          for (let i = 0; i < p.args.length; i += 2) {
            const opt = p.args[i];
            const v = p.args[i + 1];
            if ((opt === "min_ttl" || opt === "max_ttl") && v !== undefined && /^\d+$/.test(v) && Number(v) <= 255) ttl[opt === "min_ttl" ? "min" : "max"] = Number(v);
            else ctx.error(p.where, "BAD_VALUE", `unicast_peer ${addr}: expected 'min_ttl N' or 'max_ttl N' (0..255), got ${JSON.stringify(p.args.slice(i, i + 2).join(" "))}`);
          }
          if (ttl.min > ttl.max) ctx.warn(p.where, "TTL_RANGE_EMPTY", `unicast_peer ${addr}: min_ttl ${ttl.min} > max_ttl ${ttl.max}; with check_unicast_src every advert from it is dropped (as keepalived)`);
          unicastPeers.push(addr);
          unicastPeerTtl.push(ttl);
        }
        break;
      case "check_unicast_src":
        checkUnicastSrc = true;
        break;
      case "dont_track_primary":
        dontTrackPrimary = true;
        break;
      case "accept":
        accept = true;
        break;
      case "no_accept":
        accept = false;
        break;
      case "track_script":
        trackScripts = parseTracks(ctx, st);
        break;
      case "track_interface":
        trackInterfaces = parseTracks(ctx, st);
        break;
      case "lower_prio_no_advert":
        lowerPrioNoAdvert = st.args[0] !== "false";
        break;
      case "down_timer_adverts": {
        const v = ctx.int(st, 1, 100);
        if (v !== undefined) downTimerAdverts = v;
        break;
      }
      case "v3_checksum_as_v2":
        v3ChecksumAsV2 = true;
        break;
      case "old_unicast_checksum":
        // vrrp_parser.c vrrp_unicast_chksum_handler: bare = always the old form (224.0.0.18 in the
        // pseudo-header), `never` = never switch to it; default: switch when a peer uses it.
        if (st.args[0] === undefined) unicastChecksum = "old";
        else if (st.args[0] === "never") unicastChecksum = "never";
        else ctx.warn(st.where, "BAD_VALUE", `unknown old_unicast_checksum mode ${JSON.stringify(st.args[0])}; ignored (as keepalived)`);
        break;
      case "smtp_alert":
      case "debug":
      case "use_vmac":
      case "vmac_xmit_base":
      case "native_ipv6":
      case "skip_check_adv_addr":
      case "strict_mode":
      case "notify_master_rx_lower_pri":
        if (st.keyword === "use_vmac") ctx.warn(st.where, "NOT_IMPLEMENTED", "use_vmac is not implemented (no macvlan); the instance runs on its interface");
        break;
      default:
        if (!parseGarp(ctx, st, garp, "")) ctx.unknown(st, `vrrp_instance ${name}`);
    }
  }

  if (!iface) ctx.error(s.where, "MISSING_INTERFACE", `vrrp_instance ${name} has no 'interface'`);
  if (vrid === undefined && !(s.block ?? []).some((st) => st.keyword === "virtual_router_id")) {
    ctx.error(s.where, "MISSING_VRID", `vrrp_instance ${name} has no 'virtual_router_id' (1..255)`);
  }

  // Family: from unicast/mcast source or the first VIP; VIPs of the other family are excluded, as keepalived does.
  const family: Family = (unicastSrcIp && familyOf(unicastSrcIp)) || (unicastPeers[0] && familyOf(unicastPeers[0])) || vips[0]?.family || 4;
  const other = vips.filter((v) => v.family !== family);
  for (const v of other) ctx.warn(v.where, "VIP_FAMILY", `${name}: ${v.address} is not IPv${family} like the instance; moved to virtual_ipaddress_excluded`);
  vips = vips.filter((v) => v.family === family);
  excluded.push(...other);
  if (vips.length > 255) ctx.error(s.where, "TOO_MANY_VIPS", `${name}: ${vips.length} virtual addresses, at most 255 fit in an advert`);

  if (family === 6 && version === 2) {
    if (versionSet) ctx.warn(s.where, "V2_IPV6", `${name}: VRRPv2 cannot carry IPv6; using version 3`);
    version = 3;
  }
  let advertIntervalCs = Math.round(advertSec * 100);
  if (version === 2 && advertIntervalCs % 100 !== 0) {
    const rounded = Math.max(100, Math.round(advertSec) * 100);
    ctx.warn(advertWhere ?? s.where, "V2_INTERVAL", `${name}: VRRPv2 carries whole seconds; advert_int ${advertSec} becomes ${rounded / 100}`);
    advertIntervalCs = rounded;
  }
  if (version === 3 && advertIntervalCs > 4095) {
    ctx.warn(advertWhere ?? s.where, "V3_INTERVAL", `${name}: VRRPv3 intervals stop at 40.95 s; using 40.95`);
    advertIntervalCs = 4095;
  }
  // vrrp.c vrrp_complete_instance: no type = no authentication; PASS without a password = none.
  if (authType && version === 3) {
    ctx.warn(authType.where, "V3_AUTH", `${name}: VRRPv3 does not support authentication; ignored (as keepalived)`);
    authPass = undefined;
  } else if (authType && !authPass) {
    ctx.warn(authType.where, "AUTH_NO_PASSWORD", `${name}: authentication specified but no password given; no authentication is used (as keepalived)`);
    authPass = undefined;
  } else if (!authType && authPass !== undefined) {
    ctx.warn(authPassWhere ?? s.where, "AUTH_NO_TYPE", `${name}: auth_pass without auth_type PASS; no authentication is used (as keepalived)`);
    authPass = undefined;
  }

  // keepalived's defaulting (vrrp.c vrrp_complete_instance).
  const effPriority = priority ?? (state === "MASTER" ? 255 : 100);
  const initialState = state ?? (effPriority === 255 ? "MASTER" : "BACKUP");
  if (effPriority === 255 && nopreempt) {
    ctx.warn(s.where, "NOPREEMPT_OWNER", `${name}: nopreempt is incompatible with priority 255; cleared`);
    nopreempt = false;
  }
  if (initialState === "MASTER" && nopreempt) {
    ctx.warn(s.where, "NOPREEMPT_MASTER", `${name}: nopreempt does not work with initial state MASTER; cleared (as keepalived)`);
    nopreempt = false;
  }
  if (initialState === "MASTER" && preemptDelayMs > 0) {
    ctx.warn(s.where, "PREEMPT_DELAY_MASTER", `${name}: preempt_delay does not work with initial state MASTER; cleared (as keepalived)`);
    preemptDelayMs = 0;
  }
  if (nopreempt && preemptDelayMs > 0) {
    ctx.warn(s.where, "PREEMPT_DELAY_NOPREEMPT", `${name}: preempt_delay is incompatible with nopreempt; cleared`);
    preemptDelayMs = 0;
  }
  for (const t of trackScripts) {
    if (!scripts.some((x) => x.name === t.name)) ctx.warn(t.where, "UNKNOWN_SCRIPT", `${name}: track_script ${t.name} has no vrrp_script; ignored`);
  }
  trackScripts = trackScripts.filter((t) => scripts.some((x) => x.name === t.name));

  if (ctx.diags.filter((d) => d.severity === "error").length > errorsBefore || !iface || vrid === undefined) return undefined;
  return {
    name,
    where: s.where,
    interface: iface,
    vrid,
    family,
    version,
    priority: effPriority,
    initialState,
    advertIntervalCs,
    nopreempt,
    preemptDelayMs,
    ...(authPass !== undefined ? { authPass } : {}),
    vips,
    excludedVips: excluded,
    ...(unicastSrcIp ? { unicastSrcIp } : {}),
    unicastPeers,
    unicastPeerTtl,
    checkUnicastSrc,
    dontTrackPrimary,
    ...(mcastSrcIp ? { mcastSrcIp } : {}),
    accept,
    notify,
    trackScripts,
    trackInterfaces,
    garp,
    lowerPrioNoAdvert,
    downTimerAdverts,
    v3ChecksumAsV2,
    unicastChecksum,
  };
}
