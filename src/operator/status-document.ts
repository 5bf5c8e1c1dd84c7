// The document `tsvrrpd status --json` prints and /status serves: the instances, checks and
// counters of a running daemon at one moment (control.ts and metrics-http.ts both answer with it).
import type { Runtime } from "../daemon/runtime.js";
import type { Tracking } from "../daemon/tracking.js";

export interface StatusDocument {
  readonly pid: number;
  readonly startedAt: string;
  readonly uptimeS: number;
  readonly instances: ReturnType<Runtime["status"]>;
  readonly checks: ReturnType<Tracking["status"]>;
  readonly trackFiles: ReturnType<Tracking["fileStatus"]>;
  readonly trackProcesses: ReturnType<Tracking["processStatus"]>;
  readonly jitterMs: ReturnType<Runtime["jitter"]>;
  readonly counters: ReturnType<Runtime["counters"]>;
}

export function statusDocument(runtime: Runtime, startedAt: Date): StatusDocument {
  const nowMs = runtime.now();
  return {
    pid: process.pid,
    startedAt: startedAt.toISOString(),
    uptimeS: Math.round((Date.now() - startedAt.getTime()) / 1000),
    // since: converted from the monotonic clock to wall time for people
    instances: runtime.status().map((s) => ({ ...s, sinceMs: Date.now() - (nowMs - s.sinceMs) })),
    checks: runtime.trackers.status(),
    trackFiles: runtime.trackers.fileStatus(),
    trackProcesses: runtime.trackers.processStatus(),
    jitterMs: runtime.jitter(),
    counters: runtime.counters(),
  };
}
