// What `-t` checks against the host it runs on, beyond the file itself, as keepalived's config
// test does: an instance's interface that does not exist (vrrp/vrrp_parser.c vrrp_int_handler,
// then vrrp_daemon.c "Non-existent interface specified in configuration"), and a file that gives
// nothing to run (core/main.c start_keepalived: "Warning - keepalived has no configuration to run").
import { readFileSync } from "node:fs";
import type { Diagnostic } from "./errors.js";
import type { DaemonConfig } from "./model.js";

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
