// Runs the vrrp_scripts that instances track (script or native TCP check), with keepalived's
// script user and script security, watches their track_files, and reports changes to the runtime.
import type { DaemonConfig } from "../config/model.js";
import { PeriodicCheck, type ProbeResult } from "../health/periodic-check.js";
import { ScriptPool } from "../health/script-worker.js";
import { prepareScript, type PreparedScript } from "../health/script-gate.js";
import { tcpCheck } from "../health/tcp-check.js";
import type { TrackerState } from "../vrrp/priority.js";
import { FileTracking, type TrackedFileStatus } from "../health/track-files.js";
import { ProcessTracking, type ProcessStatus } from "../health/track-processes.js";
import type { Logger } from "../operator/log.js";
import type { RouterEvent } from "../vrrp/router-types.js";

export interface CheckStatus {
  readonly name: string;
  readonly state: TrackerState | "DISABLED";
  readonly runs: number;
  readonly skipped: number;
  readonly last?: ProbeResult;
}

export class Tracking {
  private readonly checks = new Map<string, PeriodicCheck>();
  private readonly disabled = new Map<string, string>();
  private readonly pool = new ScriptPool();
  private readonly files: FileTracking;
  private readonly processes: ProcessTracking;

  constructor(
    private readonly config: DaemonConfig,
    private readonly log: Logger,
    /** Where check, file and process changes go (the runtime's router). */
    private readonly router: { handle(e: RouterEvent): void },
  ) {
    const usedFiles = new Set(config.instances.flatMap((i) => i.trackFiles.map((t) => t.name)));
    this.files = new FileTracking(config.trackFiles, usedFiles, log, (name, value) => router.handle({ type: "file", name, value }));
    const usedProcesses = new Set(config.instances.flatMap((i) => i.trackProcesses.map((t) => t.name)));
    this.processes = new ProcessTracking(config.trackProcesses, usedProcesses, log, (name, state) =>
      router.handle({ type: "process", name, state }),
    );
  }

  /**
   * Validates and starts every tracked script and reads every tracked file; resolves once each
   * script has run once. `reload`: init_file does not overwrite (keepalived).
   */
  async start(reload = false): Promise<void> {
    this.files.start(reload);
    this.processes.start();
    const used = new Set(this.config.instances.flatMap((i) => i.trackScripts.map((t) => t.name)));
    const starts: Promise<void>[] = [];
    for (const spec of this.config.scripts) {
      if (!used.has(spec.name)) continue;
      const prepared = spec.tcp ? undefined : prepareScript(spec.script, { user: spec.user, group: spec.group }, this.config.global);
      if (prepared && !prepared.ok) {
        this.disabled.set(spec.name, prepared.message);
        this.log.error(
          { script: spec.name, code: prepared.code, file: spec.where.file, line: spec.where.line },
          `${prepared.message}; script disabled and not tracked (as keepalived does)`,
        );
        continue;
      }
      const log = this.log.child({ script: spec.name });
      const probe = spec.tcp
        ? async (): Promise<ProbeResult> => {
            const r = await tcpCheck(spec.tcp!.host, spec.tcp!.port, spec.timeoutMs);
            return { ok: r.ok, detail: { ms: r.ms, ...(r.error ? { error: r.error } : {}) } };
          }
        : async (): Promise<ProbeResult> => {
            const p = prepared as PreparedScript;
            const r = await this.pool.run(p.argv, {
              timeoutMs: spec.timeoutMs,
              ...(p.uid !== undefined ? { uid: p.uid, gid: p.gid } : {}),
            });
            return {
              ok: r.ok,
              detail: {
                exitCode: r.exitCode,
                signal: r.signal,
                timedOut: r.timedOut,
                ms: r.ms,
                ...(r.output ? { output: r.output.trimEnd() } : {}),
                ...(r.error ? { error: r.error } : {}),
              },
            };
          };
      const check = new PeriodicCheck({
        name: spec.name,
        intervalMs: spec.intervalMs,
        rise: spec.rise,
        fall: spec.fall,
        initFail: spec.initFail,
        probe,
        onResult: (r, state, changed, first) => {
          if (r.detail.timedOut) log.warn(r.detail, `check timed out after ${spec.timeoutMs} ms; killed, counts as a failure`);
          // keepalived vrrp_scheduler.c vrrp_script_child_thread logs the first result whatever it
          // is (measured with 2.2.7: "succeeded" at start, "failed" at start also with init_fail).
          if (changed || first) {
            // keepalived vrrp_scheduler.c vrrp_script_child_thread's words.
            const d = r.detail;
            const how = r.ok
              ? "succeeded"
              : d.timedOut
                ? "timed_out"
                : typeof d.exitCode === "number"
                  ? `failed (exited with status ${d.exitCode})`
                  : d.signal
                    ? `failed (due to signal ${String(d.signal)})`
                    : "failed";
            log.info({ state, ...d, kl: true }, `VRRP_Script(${spec.name}) ${how}`);
            if (changed) this.router.handle({ type: "check", name: spec.name, state });
          } else log.debug({ ok: r.ok, state, ...r.detail }, "check result");
        },
        onSkip: () => log.warn({ intervalMs: spec.intervalMs }, "previous run still going; this run skipped"),
      });
      this.checks.set(spec.name, check);
      // First run now (start-up waits for it); later runs spread over the interval so that many
      // checks with one interval do not all spawn in the same millisecond.
      starts.push(check.start((this.checks.size * 37) % spec.intervalMs));
    }
    await Promise.all(starts);
  }

  /** What the router is told once tracking has started: every check, file and process state. */
  startEvents(): RouterEvent[] {
    return [
      { type: "checks", states: this.states() },
      ...this.files.entries().map(([name, value]): RouterEvent => ({ type: "file", name, value })),
      ...this.processes.states().map(([name, state]): RouterEvent => ({ type: "process", name, state })),
    ];
  }

  fileStatus(): TrackedFileStatus[] {
    return this.files.status();
  }

  processStatus(): ProcessStatus[] {
    return this.processes.status();
  }

  /** undefined: not tracked (unknown or disabled). */
  state(name: string): TrackerState | undefined {
    return this.checks.get(name)?.state;
  }

  /** The state of every running check (disabled ones are absent: not tracked). */
  states(): Map<string, TrackerState> {
    return new Map([...this.checks].map(([name, c]) => [name, c.state]));
  }

  status(): CheckStatus[] {
    return [
      ...[...this.checks.values()].map((c) => ({
        name: c.name,
        state: c.state,
        runs: c.runs,
        skipped: c.skipped,
        ...(c.lastResult ? { last: c.lastResult } : {}),
      })),
      ...[...this.disabled.keys()].map((name) => ({ name, state: "DISABLED" as const, runs: 0, skipped: 0 })),
    ];
  }

  stop(): void {
    this.files.stop();
    this.processes.stop();
    for (const c of this.checks.values()) c.stop();
    this.pool.close();
  }
}
