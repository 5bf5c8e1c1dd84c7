// `tsvrrpd check-cluster`: the disagreements between hosts' configurations that change the
// election or the wire, found before they cost a failover. Pure: configurations in, findings out.
// Instances meet as peers on the wire do: same interface name, family, VRID and delivery
// (multicast, or unicast).
import type { DaemonConfig, InstanceSpec } from "../config/model.js";
import type { Location } from "../config/errors.js";
import { compareAddressBytes, addressBytes } from "../vrrp/address.js";

export interface HostConfig {
  /** What the operator called it: the file, or ENV_FILE@NODE. */
  readonly host: string;
  readonly config: DaemonConfig;
  /** The host's own address when known (OpenShift node address, or unicast_src_ip). */
  readonly address?: string;
}

export type FindingCode =
  | "AUTH_MISMATCH"
  | "VERSION_MISMATCH"
  | "INTERVAL_MISMATCH"
  | "VIP_MISMATCH"
  | "PRIORITY_TIE"
  | "OWNER_TWICE"
  | "PREEMPT_MISMATCH"
  | "UNICAST_PEERS"
  | "VRID_REUSED"
  | "SYNC_GROUP_MISMATCH"
  | "ALONE"
  | "CONFIG_ERROR";

export interface Finding {
  readonly severity: "error" | "warning";
  readonly code: FindingCode;
  readonly message: string;
  /** Every host involved, with where the instance (or the differing line) is. */
  readonly where: readonly { readonly host: string; readonly at: Location }[];
}

interface Member {
  readonly host: HostConfig;
  readonly inst: InstanceSpec;
}

/** The key peers meet by on the wire. */
export function meetingKey(i: InstanceSpec): string {
  return `${i.interface}/IPv${i.family}/VRID ${i.vrid}/${i.unicastPeers.length > 0 ? "unicast" : "multicast"}`;
}

const vipSet = (i: InstanceSpec) => [...i.vips.map((v) => `${v.address}/${v.prefix}`)].sort();
const at = (m: Member) => ({ host: m.host.host, at: m.inst.where });
const name = (m: Member) => `${m.host.host} ${m.inst.name}`;

export function checkCluster(hosts: readonly HostConfig[]): Finding[] {
  const out: Finding[] = [];
  const groups = new Map<string, Member[]>();
  for (const host of hosts)
    for (const inst of host.config.instances) groups.set(meetingKey(inst), [...(groups.get(meetingKey(inst)) ?? []), { host, inst }]);
  for (const [key, members] of groups) {
    if (new Set(members.map((m) => m.host)).size < members.length) {
      out.push(find("error", "VRID_REUSED", `${key}: more than one instance on one host`, members));
      continue;
    }
    if (members.length === 1) {
      if (hosts.length > 1)
        out.push(find("warning", "ALONE", `${key}: only ${name(members[0]!)} runs it; no other host backs it up`, members));
      continue;
    }
    // Two clusters on one LAN with one VRID: different names and no VIP in common.
    const [first, ...rest] = members;
    const collides = rest.some((m) => m.inst.name !== first!.inst.name && !vipSet(m.inst).some((v) => vipSet(first!.inst).includes(v)));
    if (collides) {
      out.push(
        find(
          "error",
          "VRID_REUSED",
          `${key}: used by different instance groups (${members.map(name).join(", ")}) with no VIP in common; they would fight over one virtual router`,
          members,
        ),
      );
      continue;
    }
    out.push(...pairFindings(key, members));
  }
  out.push(...syncGroupFindings(hosts));
  return out;
}

function find(severity: Finding["severity"], code: FindingCode, message: string, members: readonly Member[]): Finding {
  return { severity, code, message, where: members.map(at) };
}

function differ<T>(members: readonly Member[], f: (i: InstanceSpec) => T): boolean {
  const first = JSON.stringify(f(members[0]!.inst));
  return members.some((m) => JSON.stringify(f(m.inst)) !== first);
}

function list(members: readonly Member[], f: (i: InstanceSpec) => string): string {
  return members.map((m) => `${name(m)}: ${f(m.inst)}`).join("; ");
}

function pairFindings(key: string, members: readonly Member[]): Finding[] {
  const out: Finding[] = [];
  if (differ(members, (i) => i.version))
    out.push(find("error", "VERSION_MISMATCH", `${key}: versions differ (${list(members, (i) => `v${i.version}`)})`, members));
  if (differ(members, (i) => (i.authPass === undefined ? null : `${i.authAh ? "AH" : "PASS"}:${i.authPass}`)))
    out.push(
      find(
        "error",
        "AUTH_MISMATCH",
        `${key}: authentication differs (${list(members, (i) => (i.authPass === undefined ? "none" : i.authAh ? "AH ****" : "PASS ****"))}); each side drops the other's adverts and both become master`,
        members,
      ),
    );
  if (differ(members, (i) => i.advertIntervalCs)) {
    const v2 = members.some((m) => m.inst.version === 2);
    out.push(
      find(
        v2 ? "error" : "warning",
        "INTERVAL_MISMATCH",
        `${key}: advert intervals differ (${list(members, (i) => `${i.advertIntervalCs / 100} s`)})${v2 ? "; VRRPv2 drops adverts with another interval: two masters" : "; VRRPv3 backups adopt the master's, but the down timers differ until they hear it"}`,
        members,
      ),
    );
  }
  if (differ(members, vipSet))
    out.push(
      find(
        "error",
        "VIP_MISMATCH",
        `${key}: VIP sets differ (${list(members, (i) => vipSet(i).join(" ") || "none")}); a failover moves a different set of addresses`,
        members,
      ),
    );
  const owners = members.filter((m) => m.inst.priority === 255);
  if (owners.length > 1)
    out.push(
      find(
        "error",
        "OWNER_TWICE",
        `${key}: priority 255 (address owner) on ${owners.map(name).join(" and ")}; only one host can own the addresses`,
        owners,
      ),
    );
  const byPrio = new Map<number, Member[]>();
  for (const m of members) byPrio.set(m.inst.priority, [...(byPrio.get(m.inst.priority) ?? []), m]);
  for (const [p, tied] of byPrio) {
    if (tied.length < 2 || p === 255) continue;
    out.push(find("warning", "PRIORITY_TIE", `${key}: priority ${p} on ${tied.map(name).join(" and ")}; ${tieBreak(tied)}`, tied));
  }
  if (differ(members, (i) => [i.nopreempt, i.preemptDelayMs]))
    out.push(
      find(
        "warning",
        "PREEMPT_MISMATCH",
        `${key}: preemption differs (${list(members, (i) => (i.nopreempt ? "nopreempt" : i.preemptDelayMs > 0 ? `preempt_delay ${i.preemptDelayMs / 1000} s` : "preempt"))}); who ends up master after a recovery depends on which host failed`,
        members,
      ),
    );
  if (members[0]!.inst.unicastPeers.length > 0) out.push(...peerFindings(key, members));
  return out;
}

/** RFC 5798 6.4.3: equal priorities between masters are broken by the higher primary address. */
function tieBreak(tied: readonly Member[]): string {
  const withSrc = tied.map((m) => ({ m, src: m.inst.unicastSrcIp ?? m.inst.mcastSrcIp ?? m.host.address }));
  if (withSrc.some((x) => !x.src))
    return "the tie is broken by the higher primary address (the interface's address, which the files do not say)";
  const best = [...withSrc].sort((a, b) => compareAddressBytes(addressBytes(b.src!), addressBytes(a.src!)))[0]!;
  return `the tie is broken by the higher primary address: ${name(best.m)} (${best.src}) wins when both are master; a backup of equal priority does not preempt`;
}

/** Each unicast host must list every other host's source address. */
function peerFindings(key: string, members: readonly Member[]): Finding[] {
  const out: Finding[] = [];
  for (const m of members) {
    for (const o of members) {
      if (o === m) continue;
      const src = o.inst.unicastSrcIp ?? o.host.address;
      if (!src) continue;
      if (!m.inst.unicastPeers.includes(src))
        out.push(
          find(
            "error",
            "UNICAST_PEERS",
            `${key}: ${name(m)} does not list ${name(o)}'s address ${src} in unicast_peer; it never sends it adverts`,
            [m, o],
          ),
        );
    }
  }
  return out;
}

function syncGroupFindings(hosts: readonly HostConfig[]): Finding[] {
  const out: Finding[] = [];
  // A group is known by its members' meeting keys; compare the groups that share any key.
  const described = hosts.flatMap((h) =>
    h.config.syncGroups.map((g) => ({
      host: h,
      group: g,
      keys: g.members
        .map((n) => h.config.instances.find((i) => i.name === n))
        .filter((i): i is InstanceSpec => i !== undefined)
        .map(meetingKey)
        .sort(),
    })),
  );
  for (let a = 0; a < described.length; a++) {
    for (let b = a + 1; b < described.length; b++) {
      const x = described[a]!;
      const y = described[b]!;
      if (x.host === y.host || !x.keys.some((k) => y.keys.includes(k)) || JSON.stringify(x.keys) === JSON.stringify(y.keys)) continue;
      out.push({
        severity: "error",
        code: "SYNC_GROUP_MISMATCH",
        message: `sync group ${x.group.name} on ${x.host.host} (${x.keys.join(", ")}) and ${y.group.name} on ${y.host.host} (${y.keys.join(", ")}) have different members; the hosts would move different sets of VIPs together`,
        where: [
          { host: x.host.host, at: x.group.where },
          { host: y.host.host, at: y.group.where },
        ],
      });
    }
  }
  return out;
}
