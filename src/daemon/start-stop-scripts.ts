// global_defs startup_script and shutdown_script, run by the launcher (src/cli.ts) as keepalived
// 2.2.7's parent process runs them (core/main.c):
//  - both pass the script gate when the daemon starts (keepalived_main:
//    check_start_stop_script_secure); a refused one is never run and the daemon goes on;
//  - the startup script runs before VRRP starts, and VRRP starts when it has ended, failed or
//    been killed at its timeout (run_startup_script, startup_script_completed -> start_keepalived);
//  - the shutdown script runs after VRRP has stopped and removed its VIPs, and the daemon exits
//    when it has ended (sigend, shutdown_script_completed -> thread_add_terminate_event);
//  - a reload never runs the startup script; the shutdown script becomes the reloaded file's and
//    is checked again (reload_config: "we won't run it after a reload").
// At the timeout the script's process group gets SIGTERM, SIGKILL 2 s later, and keepalived gives
// up waiting 10 s after that (handle_child_timeout). Log lines are keepalived's own words.
import type { GlobalSpec, StartStopScript } from "../config/model.js";
import { prepareScript, type PreparedScript } from "../health/script-gate.js";
import { runScript } from "../health/script-check.js";
import type { Logger } from "../operator/log.js";

type Kind = "startup" | "shutdown";

/** handle_child_timeout: SIGTERM at the timeout, SIGKILL 2 s later, "failed to terminate" 2 s after that, give up 10 s later. */
const KILL_REPORT_MS = 4000;
const GIVE_UP_MS = 14_000;
const OUTPUT_LIMIT = 4096;

export class StartStopScripts {
  private startup?: { spec: StartStopScript; prepared: PreparedScript };
  private shutdown?: { spec: StartStopScript; prepared: PreparedScript };
  private startupPid?: number;

  constructor(
    private readonly log: Logger,
    global: GlobalSpec,
  ) {
    this.startup = this.prepare("startup", global.startupScript, global);
    this.shutdown = this.prepare("shutdown", global.shutdownScript, global);
  }

  /** After a successful reload: the new file's shutdown script, checked again; the startup script is not run. */
  reloaded(global: GlobalSpec): void {
    this.shutdown = this.prepare("shutdown", global.shutdownScript, global);
  }

  /** Runs the startup script, if any; resolves when VRRP may start. */
  runStartup(): Promise<void> {
    return this.run("startup", this.startup, (pid) => (this.startupPid = pid)).finally(() => (this.startupPid = undefined));
  }

  /** A stop while the startup script runs: the script is ended (keepalived: PR_SET_PDEATHSIG SIGTERM) and VRRP never starts. */
  abortStartup(): void {
    const pid = this.startupPid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, "SIGTERM");
    } catch {
      // already gone
    }
  }

  /** Runs the shutdown script, if any; resolves when the daemon may exit. */
  runShutdown(): Promise<void> {
    return this.run("shutdown", this.shutdown);
  }

  private prepare(kind: Kind, spec: StartStopScript | undefined, global: GlobalSpec) {
    if (!spec) return undefined;
    const p = prepareScript(spec.command, { user: spec.user, group: spec.group }, global);
    if (!p.ok) {
      this.log.error(
        { script: spec.command, code: p.code, file: spec.where.file, line: spec.where.line },
        `${p.message}; ${kind} script disabled (never run)`,
      );
      return undefined;
    }
    return { spec, prepared: p };
  }

  private async run(kind: Kind, s: { spec: StartStopScript; prepared: PreparedScript } | undefined, onSpawn?: (pid: number) => void) {
    if (!s) return;
    const type = `${kind} script`;
    const { prepared, spec } = s;
    const name = spec.command;
    const timeoutMs = spec.timeoutSec * 1000;
    let pid: number | undefined;
    const timers: NodeJS.Timeout[] = [];
    this.log.debug({ script: name, kl: true }, `Running ${type} ${prepared.argv[0]}`);
    const done = runScript(prepared.argv, {
      timeoutMs,
      outputLimit: OUTPUT_LIMIT,
      // keepalived kills the group only after a timeout; what a finished script started stays.
      killGroupOnExit: false,
      onSpawn: (p) => {
        pid = p;
        onSpawn?.(p);
      },
      ...(prepared.uid !== undefined ? { uid: prepared.uid, gid: prepared.gid } : {}),
    });
    const gaveUp = new Promise<"gave-up">((resolve) => {
      timers.push(setTimeout(() => this.log.info({ script: name, timeoutSec: spec.timeoutSec, kl: true }, `${type} timed out`), timeoutMs));
      timers.push(
        setTimeout(
          () => this.log.info({ script: name, kl: true }, `${type} (PID ${pid ?? "?"}) failed to terminate after kill`),
          timeoutMs + KILL_REPORT_MS,
        ),
      );
      timers.push(setTimeout(() => resolve("gave-up"), timeoutMs + GIVE_UP_MS));
    });
    const r = await Promise.race([done, gaveUp]);
    for (const t of timers) clearTimeout(t);
    if (r === "gave-up") {
      this.log.warn({ script: name }, `${type} could not be killed; going on without waiting for it`);
      return;
    }
    const output = r.output ? { output: r.output.trimEnd() } : {};
    if (r.error) this.log.info({ script: name, err: r.error, kl: true }, `Call of ${type} ${prepared.argv[0]} failed`);
    else if (r.exitCode !== null && r.exitCode !== 0)
      // keepalived's format is "%s script failed" with type "startup script": the word comes twice there too.
      this.log.info({ script: name, exitCode: r.exitCode, ms: r.ms, ...output, kl: true }, `${type} script failed, status ${r.exitCode}`);
    else if (r.exitCode === 0 && !r.timedOut) this.log.debug({ script: name, ms: r.ms, ...output, kl: true }, `${type} script succeeded`);
    else this.log.debug({ script: name, signal: r.signal, timedOut: r.timedOut, ms: r.ms, ...output }, `${type} ended by a signal`);
  }
}
