// `tsvrrpd status --check` (readiness) and `tsvrrpd status --alive` (liveness), for probes: one
// line, and an exit code a kubelet acts on. Both ask the daemon over its control socket, whose
// answer is built on the event loop, so an answer also means the loop runs.
//  - alive: the daemon answers within the timeout;
//  - ready: it answers (the control socket opens once the configuration is loaded and the
//    instances are started), it runs at least one instance and none is still in INIT. FAULT is
//    ready: a failing check on one node shows in metrics and alerts; a NotReady pod would stall a
//    DaemonSet's rolling update for a node that is doing what it should.
import type { StatusDocument } from "./operator/status-document.js";

export const NOT_READY = 1;

export function readiness(doc: StatusDocument): { ready: boolean; reason: string } {
  if (doc.instances.length === 0) return { ready: false, reason: "no VRRP instance is running (configuration has none)" };
  const init = doc.instances.filter((i) => i.state === "INIT").map((i) => i.name);
  if (init.length > 0) return { ready: false, reason: `${init.length} instance(s) still in INIT: ${init.slice(0, 5).join(", ")}` };
  const by = (s: string) => doc.instances.filter((i) => i.state === s).length;
  return {
    ready: true,
    reason: `${doc.instances.length} instance(s) past INIT: ${by("MASTER")} MASTER, ${by("BACKUP")} BACKUP, ${by("FAULT")} FAULT`,
  };
}

/** The probe's line and exit code for a daemon that answered (one that does not: exit 3, by `status`). */
export function probeOutcome(kind: "check" | "alive", doc: StatusDocument): { code: number; line: string } {
  if (kind === "alive") return { code: 0, line: `alive: pid ${doc.pid} answered, up ${doc.uptimeS}s` };
  const r = readiness(doc);
  return { code: r.ready ? 0 : NOT_READY, line: `${r.ready ? "ready" : "not ready"}: ${r.reason}` };
}
