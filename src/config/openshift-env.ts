// OPENSHIFT_HA_* variables -> the keepalived.conf today's keepalived-ipfailover image generates
// (openshift/images ipfailover/keepalived lib/config-generators.sh), then the same parser as any
// keepalived.conf. Generating the same text is what keeps old and new pods agreeing on names,
// VRIDs, groups, auth and priorities; --print-config shows it for diffing.
// Values are validated before they reach the text: nothing from the environment can add
// configuration, and no shell ever sees a value.
import { familyOf } from "../vrrp/address.js";
import { parseKeepalivedConf } from "./keepalived-conf.js";
import { formatDiagnostic } from "./errors.js";
import type { DaemonConfig, ScriptSpec } from "./model.js";

export class EnvError extends Error {
  readonly code = "BAD_ENV";
  constructor(
    readonly variable: string,
    readonly value: string | undefined,
    reason: string,
  ) {
    super(`${variable}=${value === undefined ? "(unset)" : JSON.stringify(value)}: ${reason}`);
    this.name = "EnvError";
  }
}

/** What the plan needs to know about the node (from netlink in the daemon, fakes in tests). */
export interface HostFacts {
  readonly interfaceExists: (name: string) => boolean;
  /** First IPv4 address of the interface (what the image reads with ifconfig). */
  readonly ipv4Of: (name: string) => string | undefined;
  readonly defaultRouteInterface: () => string | undefined;
}

export interface OpenShiftSettings {
  readonly configName: string;
  readonly vips: readonly string[];
  readonly vipGroups: number;
  readonly interface: string;
  readonly nodeAddress?: string;
  readonly monitorPort: number;
  readonly replicaCount: number;
  readonly vridOffset: number;
  readonly excludedVrids: readonly number[];
  readonly multicastAccept: boolean;
  /** iptables chain for the fallback rule when nft is absent (IPTABLES_CHAIN, else INPUT). */
  readonly iptablesChain: string;
  readonly checkScript?: string;
  readonly checkIntervalS: number;
  readonly notifyScript?: string;
  readonly preemption: string;
  readonly unicastPeers: readonly string[];
  readonly warnings: readonly string[];
}

export interface OpenShiftPlan {
  readonly settings: OpenShiftSettings;
  /** keepalived.conf as the image would write it (modulo the random part of backup priorities). */
  readonly conf: string;
  /** What tsvrrpd runs: the parsed conf, with the default check as a native TCP connect. */
  readonly config: DaemonConfig;
}

const FALLBACK_INTERFACES = ["enp0s3", "enp0s8", "eth1", "ens3"];
const SOURCE = "<OPENSHIFT_HA_* environment>";

/** scrub(): keep letters, digits, '-' and '_', then '-' -> '_' (utils.sh). */
export function scrub(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, "").replace(/-/g, "_");
}

function intVar(env: NodeJS.ProcessEnv, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return def;
  if (!/^\s*\d+\s*$/.test(raw)) throw new EnvError(name, raw, `expected a whole number ${min}..${max}`);
  const v = Number(raw);
  if (v < min || v > max) throw new EnvError(name, raw, `expected a whole number ${min}..${max}`);
  return v;
}

/** More than any real failover setup (255 per VRRP advert, at most 255 VRIDs). */
export const MAX_VIRTUAL_IPS = 4096;

/** Expands VIRTUAL_IPS entries: addresses, IPv4 last-octet ranges, IPv6 last-group hex ranges. */
export function expandVips(raw: string): string[] {
  const out: string[] = [];
  let total = 0;
  // Counted before anything is expanded: `2001:db8::0-ffff` must not build 65536 strings first.
  const reserve = (n: number, entry: string) => {
    total += n;
    if (total > MAX_VIRTUAL_IPS)
      throw new EnvError(
        "OPENSHIFT_HA_VIRTUAL_IPS",
        raw,
        `entry ${JSON.stringify(entry)} takes the list to ${total} addresses; at most ${MAX_VIRTUAL_IPS} are supported`,
      );
  };
  for (const entry of raw.split(/[\s,]+/).filter(Boolean)) {
    const bad = (why: string) => new EnvError("OPENSHIFT_HA_VIRTUAL_IPS", raw, `entry ${JSON.stringify(entry)}: ${why}`);
    const [range, prefix, extra] = entry.split("/");
    if (extra !== undefined) throw bad("more than one '/'");
    const dash = range!.lastIndexOf("-");
    const first = dash > 0 ? range!.slice(0, dash) : range!;
    const end = dash > 0 ? range!.slice(dash + 1) : undefined;
    const family = familyOf(first);
    if (!family) throw bad("not an IPv4 or IPv6 address");
    if (prefix !== undefined && (!/^\d+$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128)))
      throw bad(`bad prefix length /${prefix}`);
    const suffix = prefix !== undefined ? `/${prefix}` : "";
    if (end === undefined) {
      reserve(1, entry);
      out.push(first + suffix);
      continue;
    }
    if (family === 4) {
      const parts = first.split(".");
      const start = Number(parts[3]);
      if (!/^\d+$/.test(end) || Number(end) > 255 || Number(end) < start) throw bad(`range end must be a last octet ${start}..255`);
      reserve(Number(end) - start + 1, entry);
      for (let n = start; n <= Number(end); n++) out.push(`${parts.slice(0, 3).join(".")}.${n}${suffix}`);
    } else {
      const colon = first.lastIndexOf(":");
      const base = first.slice(0, colon + 1);
      const startHex = first.slice(colon + 1);
      if (!/^[0-9a-fA-F]{1,4}$/.test(startHex) || !/^[0-9a-fA-F]{1,4}$/.test(end))
        throw bad("an IPv6 range needs hex last groups, like 2001:db8::1f39-1f3b");
      const s = parseInt(startHex, 16);
      const e = parseInt(end, 16);
      if (e < s) throw bad("range end before its start");
      reserve(e - s + 1, entry);
      // The image prints the expanded groups in upper-case hex (bc obase=16).
      for (let n = s; n <= e; n++) out.push(`${base}${n.toString(16).toUpperCase()}${suffix}`);
    }
  }
  return out;
}

function safeText(name: string, v: string): string {
  if (/["{}\\\n\r\t]/.test(v)) throw new EnvError(name, v, "must not contain quotes, braces, backslashes or control characters");
  return v;
}

export function readSettings(env: NodeJS.ProcessEnv, host: HostFacts): OpenShiftSettings {
  const warnings: string[] = [];
  const configName = safeText("OPENSHIFT_HA_CONFIG_NAME", env.OPENSHIFT_HA_CONFIG_NAME || "OpenShift-IPFailover");
  if (/\s/.test(configName)) throw new EnvError("OPENSHIFT_HA_CONFIG_NAME", configName, "must not contain blanks");
  // keepalived reads '!' and '#' as comments even inside words: the image's config breaks on them.
  if (/[!#]/.test(configName))
    throw new EnvError(
      "OPENSHIFT_HA_CONFIG_NAME",
      configName,
      "must not contain '!' or '#' (keepalived.conf comment characters; today's image writes a broken configuration with them)",
    );
  if (!scrub(configName))
    throw new EnvError("OPENSHIFT_HA_CONFIG_NAME", configName, "has no letters, digits, '-' or '_' left after scrubbing");

  const rawVips = env.OPENSHIFT_HA_VIRTUAL_IPS ?? "";
  if (!rawVips.trim())
    throw new EnvError("OPENSHIFT_HA_VIRTUAL_IPS", env.OPENSHIFT_HA_VIRTUAL_IPS, "required: the virtual IPs to fail over");
  const vips = expandVips(rawVips);
  if (vips.length === 0) throw new EnvError("OPENSHIFT_HA_VIRTUAL_IPS", rawVips, "no address in the list");
  if (/\S\s+\S/.test(rawVips.replace(/,\s+/g, ","))) {
    warnings.push(
      "OPENSHIFT_HA_VIRTUAL_IPS separates entries with blanks: today's image deletes blanks and loses those entries, so mixed old/new clusters would disagree on the groups",
    );
  }
  if (vips.some((v) => v.includes("/"))) {
    warnings.push(
      "OPENSHIFT_HA_VIRTUAL_IPS has entries with a prefix length: today's image mangles them (it deletes '/'); tsvrrpd uses them as written",
    );
  }

  const vipGroups = intVar(env, "OPENSHIFT_HA_VIP_GROUPS", 0, 0, 100_000);
  const groups = vipGroups > 0 ? Math.min(vipGroups, vips.length) : vips.length;
  if (groups > 255)
    throw new EnvError(
      vipGroups > 0 ? "OPENSHIFT_HA_VIP_GROUPS" : "OPENSHIFT_HA_VIRTUAL_IPS",
      vipGroups > 0 ? String(vipGroups) : rawVips,
      `${groups} VRRP instances needed, at most 255 VRIDs exist: set OPENSHIFT_HA_VIP_GROUPS`,
    );

  const wanted = env.OPENSHIFT_HA_NETWORK_INTERFACE?.trim();
  let iface: string | undefined;
  if (wanted) {
    if (!host.interfaceExists(wanted)) throw new EnvError("OPENSHIFT_HA_NETWORK_INTERFACE", wanted, "no such interface on this node");
    iface = wanted;
  } else {
    iface = FALLBACK_INTERFACES.find((i) => host.interfaceExists(i)) ?? host.defaultRouteInterface();
  }
  if (!iface)
    throw new EnvError(
      "OPENSHIFT_HA_NETWORK_INTERFACE",
      env.OPENSHIFT_HA_NETWORK_INTERFACE,
      `unset, and none of ${FALLBACK_INTERFACES.join(", ")} nor a default-route interface exists`,
    );
  const nodeAddress = host.ipv4Of(iface);
  if (!nodeAddress)
    warnings.push(
      `interface ${iface} has no IPv4 address: priorities use slot 0 and the default check targets 127.0.0.1, as the image does`,
    );

  const rawPort = env.OPENSHIFT_HA_MONITOR_PORT;
  let monitorPort = 80;
  if (rawPort !== undefined && rawPort.trim() !== "") {
    if (!/^\s*\d+\s*$/.test(rawPort) || Number(rawPort) > 65535)
      throw new EnvError("OPENSHIFT_HA_MONITOR_PORT", rawPort, "expected a TCP port 0..65535 (0 disables the check)");
    monitorPort = Number(rawPort);
  }

  const preemption = (env.OPENSHIFT_HA_PREEMPTION ?? "").trim() || "preempt_delay 300";
  if (!/^(nopreempt|preempt|preempt_delay\s+\d+(\.\d+)?)$/.test(preemption))
    throw new EnvError("OPENSHIFT_HA_PREEMPTION", preemption, 'expected "nopreempt" or "preempt_delay N"');

  const checkScript = env.OPENSHIFT_HA_CHECK_SCRIPT?.trim() || undefined;
  if (checkScript) safeText("OPENSHIFT_HA_CHECK_SCRIPT", checkScript);
  const notifyScript = env.OPENSHIFT_HA_NOTIFY_SCRIPT?.trim() || undefined;
  if (notifyScript) safeText("OPENSHIFT_HA_NOTIFY_SCRIPT", notifyScript);
  const rawInterval = env.OPENSHIFT_HA_CHECK_INTERVAL;
  let checkIntervalS = 2;
  if (rawInterval !== undefined && rawInterval.trim() !== "") {
    if (!/^\s*\d+(\.\d+)?\s*$/.test(rawInterval) || Number(rawInterval) <= 0)
      throw new EnvError("OPENSHIFT_HA_CHECK_INTERVAL", rawInterval, "expected seconds > 0");
    checkIntervalS = Number(rawInterval);
  }

  const peersRaw = env.OPENSHIFT_HA_UNICAST_PEERS ?? "";
  const unicastPeers = peersRaw.split(/[\s,]+/).filter(Boolean);
  for (const p of unicastPeers)
    if (!familyOf(p)) throw new EnvError("OPENSHIFT_HA_UNICAST_PEERS", peersRaw, `${JSON.stringify(p)} is not an IP address`);
  if (env.OPENSHIFT_HA_USE_UNICAST === "true" && unicastPeers.length === 0)
    throw new EnvError("OPENSHIFT_HA_UNICAST_PEERS", peersRaw, "OPENSHIFT_HA_USE_UNICAST=true needs peers");

  const excludedRaw = env.HA_EXCLUDED_VRRP_IDS ?? "";
  const excludedVrids = excludedRaw
    .split(/\s+/)
    .filter(Boolean)
    .map((x) => {
      if (!/^\d+$/.test(x)) throw new EnvError("HA_EXCLUDED_VRRP_IDS", excludedRaw, `${JSON.stringify(x)} is not a VRID`);
      return Number(x);
    });
  const multicastRaw = env.OPENSHIFT_HA_NFTABLES_RULE || env.OPENSHIFT_HA_IPTABLES_CHAIN || "";
  const chain = env.OPENSHIFT_HA_IPTABLES_CHAIN?.trim() || "INPUT";
  if (!/^[A-Za-z0-9_-]+$/.test(chain)) throw new EnvError("OPENSHIFT_HA_IPTABLES_CHAIN", chain, "not a chain name");

  return {
    configName,
    vips,
    vipGroups,
    interface: iface,
    ...(nodeAddress ? { nodeAddress } : {}),
    monitorPort,
    replicaCount: intVar(env, "OPENSHIFT_HA_REPLICA_COUNT", 1, 0, 100_000),
    vridOffset: intVar(env, "OPENSHIFT_HA_VRRP_ID_OFFSET", 10, 0, 254),
    excludedVrids,
    multicastAccept: multicastRaw.trim() !== "",
    iptablesChain: chain,
    ...(checkScript ? { checkScript } : {}),
    checkIntervalS,
    ...(notifyScript ? { notifyScript } : {}),
    preemption,
    unicastPeers,
    warnings,
  };
}

export interface GroupPlan {
  readonly counter: number;
  readonly name: string;
  readonly vrid: number;
  readonly vips: readonly string[];
  readonly priority: number;
  readonly master: boolean;
  /** True when the priority has a random part (backup type). */
  readonly randomPriority: boolean;
}

/** The image's group, VRID and priority layout (generate_failover_config). */
export function planGroups(s: OpenShiftSettings, random: () => number = Math.random): GroupPlan[] {
  const ipslot = s.nodeAddress ? Number(s.nodeAddress.split(".")[3]) % 128 : 0;
  const nodes = s.replicaCount > 0 ? s.replicaCount : 1;
  const idx = (ipslot % nodes) + 1;
  const total = s.vips.length;
  let perGroup = 1;
  let mod = 0;
  if (s.vipGroups > 0) {
    perGroup = Math.floor(total / s.vipGroups);
    mod = total % s.vipGroups;
  }
  const base = `${scrub(s.configName)}_VIP`;
  const nopreempt = s.preemption === "nopreempt";
  let offset = s.vridOffset;
  let previous = "none";
  const out: GroupPlan[] = [];
  for (let counter = 1, used = 0; used < total; counter++) {
    let count = perGroup;
    if (mod > 0) {
      count++;
      mod--;
    }
    if (count === 0) break; // more groups than VIPs: the image's loop would spin; stop at the VIPs
    const vips = s.vips.slice(used, used + count);
    used += count;
    let priority = (ipslot % 64) + Math.floor(random() * 32);
    let randomPriority = true;
    let master = false;
    if (counter % idx === 0) {
      master = !nopreempt; // openshift/images#197: a MASTER-state instance ignores nopreempt
      randomPriority = false;
      if (previous === "master") {
        priority = ipslot + 1; // flip-flop so that a second master-type group prefers another node
        previous = "flip-flop";
      } else {
        priority = 255 - ipslot;
        previous = master ? "master" : "slave";
      }
    }
    let vrid = offset + counter;
    while (s.excludedVrids.includes(vrid)) {
      offset++; // the bump carries on to later groups, as in the image
      vrid = offset + counter;
    }
    if (vrid > 255)
      throw new EnvError(
        "OPENSHIFT_HA_VRRP_ID_OFFSET",
        String(s.vridOffset),
        `group ${counter} would get VRID ${vrid}; VRIDs stop at 255 (fewer groups or a smaller offset)`,
      );
    out.push({ counter, name: `${base}_${counter}`, vrid, vips, priority, master, randomPriority });
  }
  return out;
}

/** keepalived.conf in the image's layout, so an admin can diff it against the old pods'. */
export function renderConf(s: OpenShiftSettings, groups: readonly GroupPlan[]): string {
  const check = `chk_${s.configName.replace(/-/g, "_")}`;
  const serviceIp = s.nodeAddress ?? "127.0.0.1";
  const scriptLine = s.checkScript ?? (s.monitorPort === 0 ? "true" : `/bin/bash -c '</dev/tcp/${serviceIp}/${s.monitorPort}'`);
  const lines = [
    "! Configuration File for keepalived",
    "",
    "global_defs {",
    "   max_auto_priority    99",
    "   notification_email {",
    "     root@localhost",
    "   }",
    "",
    "   notification_email_from ipfailover@openshift.local",
    "   smtp_server 127.0.0.1",
    "   smtp_connect_timeout 30",
    `   router_id ${scrub(s.configName)}`,
    "}",
    "",
    `vrrp_script ${check} {`,
    `   script "${scriptLine}"`,
    `   interval ${s.checkIntervalS}`,
    "}",
    "",
  ];
  for (const g of groups) {
    lines.push(
      "",
      `vrrp_instance ${g.name} {`,
      `   interface ${s.interface}`,
      g.master ? "   state MASTER" : "",
      `   virtual_router_id ${g.vrid}`,
      `   priority ${g.priority}`,
      `   ${s.preemption}`,
      "",
      "   authentication {",
      "      auth_type PASS",
      `      auth_pass ${s.configName}`,
      "   }",
      "",
      "   track_script {",
      `      ${check}`,
      "   }",
    );
    if (s.notifyScript) lines.push(`   notify "${s.notifyScript}"`);
    if (s.unicastPeers.length > 0) lines.push("", "    unicast_peer {", ...s.unicastPeers.map((p) => `        ${p}`), "    }");
    lines.push("", "   virtual_ipaddress {", ...g.vips.map((v) => `    ${v} dev ${s.interface}`), "   }", "}", "");
  }
  return lines.join("\n") + "\n";
}

export function planFromEnv(env: NodeJS.ProcessEnv, host: HostFacts, random: () => number = Math.random): OpenShiftPlan {
  const settings = readSettings(env, host);
  const groups = planGroups(settings, random);
  const conf = renderConf(settings, groups);
  const parsed = parseKeepalivedConf(conf, SOURCE);
  const errors = parsed.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0)
    throw new EnvError("OPENSHIFT_HA_*", undefined, `the generated configuration is invalid:\n${errors.map(formatDiagnostic).join("\n")}`);
  // The image's default check is bash's /dev/tcp; tsvrrpd connects natively (no shell).
  const scripts: ScriptSpec[] = parsed.config.scripts.map((sc) =>
    settings.checkScript ? sc : { ...sc, tcp: { host: settings.nodeAddress ?? "127.0.0.1", port: settings.monitorPort } },
  );
  return { settings, conf, config: { ...parsed.config, scripts } };
}

/** Reads KEY=value / KEY="value" lines (test fixtures, --env-file). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!.trim();
    if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) v = v.slice(1, -1);
    out[m[1]!] = v;
  }
  return out;
}
