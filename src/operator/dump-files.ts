// keepalived's signal dumps: SIGUSR1 -> /tmp/keepalived.data, SIGUSR2 -> /tmp/keepalived.stats,
// SIGRTMIN+2 -> /tmp/keepalived.json. Written the way keepalived's fopen_safe (lib/utils.c) does
// since CVE-2018-19044/19045/19046: a new file created exclusively, never through a link, then
// renamed into place. Nothing a local user plants at the name is followed, truncated or blocked on.
import { randomBytes } from "node:crypto";
import { constants, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { open, rename, rm } from "node:fs/promises";
import type { InstanceStatus } from "./status-view.js";

export type DumpKind = "data" | "stats" | "json";

/** Linux O_CLOEXEC (Node opens files close-on-exec anyway; said here for the reader). */
const O_CLOEXEC = 0o2000000;

const NAMES: Record<DumpKind, string> = { data: "keepalived.data", stats: "keepalived.stats", json: "keepalived.json" };

/** keepalived lib/utils.c set_tmp_dir: $TMPDIR when it is an absolute directory, else /tmp. */
export function dumpPath(kind: DumpKind, env: NodeJS.ProcessEnv = process.env): string {
  const t = env.TMPDIR;
  let dir = "/tmp";
  if (t && isAbsolute(t)) {
    try {
      if (statSync(t).isDirectory()) dir = t;
    } catch {
      // not there: /tmp, as keepalived
    }
  }
  return join(dir, NAMES[kind]);
}

/**
 * Writes `text` to a fresh file next to `path` (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600) and renames
 * it over `path`. rename() replaces a symlink or FIFO at `path` itself, never its target.
 */
export async function writeFileSafely(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString("hex")}`;
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | O_CLOEXEC;
  const fh = await open(tmp, flags, 0o600);
  try {
    await fh.writeFile(text);
    // Root only, as keepalived 2.2.7's (fopen_safe under its default umask 0177: measured 0600);
    // readable dumps were CVE-2018-19045.
    await fh.chmod(0o600);
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** keepalived's data file, in its spirit: one block per instance. */
export function dataText(instances: readonly InstanceStatus[]): string {
  const lines = ["------< VRRP Topology >------"];
  for (const s of instances) {
    lines.push(
      ` VRRP Instance = ${s.name}`,
      `   State = ${s.state}`,
      `   Interface = ${s.interface}`,
      `   Virtual Router ID = ${s.vrid}`,
      `   Version = ${s.version}`,
      `   Priority = ${s.priority}`,
      `   Effective priority = ${s.effectivePriority}`,
      `   Advert interval = ${s.advertIntervalCs * 10} milli-sec`,
      `   Master router = ${s.master ?? "(none)"}`,
      `   Master priority = ${s.masterPriority}`,
      `   Virtual IP (${s.vips.length}):`,
      ...s.vips.map((v) => `     ${v} dev ${s.interface}`),
      `   Virtual IP Excluded (${s.excludedVips.length}):`,
      ...s.excludedVips.map((v) => `     ${v} dev ${s.interface}`),
      `   Faults = ${s.faults.join(", ") || "none"}`,
      `   Adverts sent = ${s.stats.advertsSent}, received = ${s.stats.advertsReceived}, transitions = ${s.stats.transitions}`,
      `   Drops = ${JSON.stringify(s.stats.drops)}`,
    );
  }
  return lines.join("\n") + "\n";
}

/** keepalived's counters by its names (vrrp_print.c vrrp_print_stats / vrrp_json.c). */
function counters(s: InstanceStatus): Record<string, number> {
  const d = s.stats.drops;
  return {
    advert_rcvd: s.stats.advertsReceived,
    advert_sent: s.stats.advertsSent,
    become_master: s.stats.becameMaster,
    release_master: s.stats.releasedMaster,
    packet_len_err: d.TRUNCATED ?? 0,
    advert_interval_err: d.BAD_INTERVAL ?? 0,
    ip_ttl_err: d.BAD_TTL ?? 0,
    invalid_type_rcvd: d.BAD_TYPE ?? 0,
    addr_list_err: s.stats.addressListMismatch,
    invalid_authtype: d.BAD_AUTH_TYPE ?? 0,
    authtype_mismatch: 0, // counted with invalid_authtype: the decoder does not tell them apart
    auth_failure: d.BAD_AUTH ?? 0,
    pri_zero_rcvd: s.stats.priorityZeroReceived,
    pri_zero_sent: s.stats.priorityZeroSent,
  };
}

/** /tmp/keepalived.stats, line for line as keepalived 2.2.7 prints it (no AH extension block). */
export function statsText(instances: readonly InstanceStatus[]): string {
  const out: string[] = [];
  for (const s of instances) {
    const c = counters(s);
    out.push(
      `VRRP Instance: ${s.name}`,
      "  Advertisements:",
      `    Received: ${c.advert_rcvd}`,
      `    Sent: ${c.advert_sent}`,
      `  Became master: ${c.become_master}`,
      `  Released master: ${c.release_master}`,
      "  Packet Errors:",
      `    Length: ${c.packet_len_err}`,
      `    TTL: ${c.ip_ttl_err}`,
      `    Invalid Type: ${c.invalid_type_rcvd}`,
      `    Advertisement Interval: ${c.advert_interval_err}`,
      `    Address List: ${c.addr_list_err}`,
      "  Authentication Errors:",
      `    Invalid Type: ${c.invalid_authtype}`,
      `    Type Mismatch: ${c.authtype_mismatch}`,
      `    Failure: ${c.auth_failure}`,
      "  Priority Zero:",
      `    Received: ${c.pri_zero_rcvd}`,
      `    Sent: ${c.pri_zero_sent}`,
    );
  }
  return out.join("\n") + "\n";
}

const STATE_NUMBER = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 } as const;

/** /tmp/keepalived.json: keepalived's array of { data, stats } (vrrp_json.c), the fields we have. */
export function jsonText(instances: readonly InstanceStatus[]): string {
  return (
    JSON.stringify(
      instances.map((s) => ({
        data: {
          iname: s.name,
          ifp_ifname: s.interface,
          vrid: s.vrid,
          version: s.version,
          base_priority: s.priority,
          effective_priority: s.effectivePriority,
          master_priority: s.masterPriority,
          state: STATE_NUMBER[s.state],
          vipset: s.holdsVips,
          adver_int: s.advertIntervalCs / 100,
          vips: s.vips,
          evips: s.excludedVips,
        },
        stats: counters(s),
      })),
    ) + "\n"
  );
}
