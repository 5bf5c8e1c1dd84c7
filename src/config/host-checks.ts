// What `-t` checks against the host it runs on, beyond the file itself, as keepalived's config
// test does: an instance's interface that does not exist (vrrp/vrrp_parser.c vrrp_int_handler,
// then vrrp_daemon.c "Non-existent interface specified in configuration"), and a file that gives
// nothing to run (core/main.c start_keepalived: "Warning - keepalived has no configuration to run").
import { readFileSync } from "node:fs";
import type { Diagnostic } from "./errors.js";
import type { DaemonConfig, NotifyScripts } from "./model.js";
import { prepareScript } from "../health/script-gate.js";

/** keepalived's summary line after the per-instance warnings. */
export const NON_EXISTENT_INTERFACE = "Non-existent interface specified in configuration";

/**
 * Interface names of this process's network namespace. /proc/net/dev follows the process's
 * namespace (/proc/self/net), unlike /sys/class/net, which is the namespace /sys was mounted in.
 */
export function interfaceNames(): Set<string> {
  const text = readFileSync("/proc/net/dev", "utf8");
  return new Set(
    text
      .split("\n")
      .slice(2)
      .map((l) => l.split(":")[0]!.trim())
      .filter(Boolean),
  );
}

/** Warnings for instances on interfaces that do not exist here, and for a file with no instance. */
export function hostDiagnostics(config: DaemonConfig, file: string, interfaceExists: (name: string) => boolean): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (config.instances.length === 0)
    out.push({
      severity: "warning",
      code: "NO_INSTANCES",
      where: { file, line: 0 },
      message:
        "Warning - keepalived has no configuration to run: no vrrp_instance that can run (none in the file, or errors removed them); tsvrrpd would start and do nothing",
    });
  for (const i of config.instances)
    if (!interfaceExists(i.interface))
      out.push({
        severity: "warning",
        code: "NO_SUCH_INTERFACE",
        where: i.where,
        // Difference: keepalived (without dynamic_interfaces) then stops VRRP; tsvrrpd waits for it.
        message: `WARNING - interface ${i.interface} for vrrp_instance ${i.name} doesn't exist; the instance waits for it to appear`,
      });
  return out;
}

/** The keyword of each notify script (model.ts NotifyScripts). */
const NOTIFY_KEYWORD: Record<keyof NotifyScripts, string> = {
  master: "notify_master",
  backup: "notify_backup",
  fault: "notify_fault",
  stop: "notify_stop",
  deleted: "notify_deleted",
  masterRxLowerPri: "notify_master_rx_lower_pri",
  generic: "notify",
};

/**
 * The scripts the daemon would disable at start, through the gate it runs them through
 * (health/script-gate.ts; daemon/tracking.ts, daemon/notify.ts): a tracked vrrp_script in
 * keepalived 2.2.7 -t's words ("Disabling track script chk since not found/accessible", "... due
 * to insecure"), and notify scripts, which keepalived -t passes and the daemon then never runs.
 */
export function scriptDiagnostics(config: DaemonConfig, prepare = prepareScript): Diagnostic[] {
  const out: Diagnostic[] = [];
  const used = new Set(config.instances.flatMap((i) => i.trackScripts.map((t) => t.name)));
  for (const spec of config.scripts) {
    if (!used.has(spec.name) || spec.tcp) continue;
    const p = prepare(spec.script, { user: spec.user, group: spec.group }, config.global);
    if (p.ok) continue;
    const why = p.code === "SCRIPT_NOT_FOUND" ? " since not found/accessible" : p.code === "SCRIPT_UNSAFE" ? " due to insecure" : "";
    out.push({
      severity: "warning",
      code: "SCRIPT_DISABLED",
      where: spec.where,
      message: `Disabling track script ${spec.name}${why}: ${p.message}`,
    });
  }
  const seen = new Set<unknown>();
  for (const notify of [...config.instances.map((i) => i.notify), ...config.syncGroups.map((g) => g.notify)])
    for (const [key, script] of Object.entries(notify) as [keyof NotifyScripts, NotifyScripts[keyof NotifyScripts]][]) {
      if (!script || seen.has(script)) continue;
      seen.add(script);
      const p = prepare(script.command, { user: script.user, group: script.group }, config.global);
      if (!p.ok)
        out.push({
          severity: "warning",
          code: "SCRIPT_DISABLED",
          where: script.where,
          message: `${NOTIFY_KEYWORD[key]} script ${script.command}: ${p.message}; it will never run`,
        });
    }
  return out;
}
