// The daemon's way out on SIGTERM/SIGINT (keepalived core/main.c sigend -> stop_keepalived): VRRP
// stops (VIPs removed), then the shutdown script runs, the pid files go and the process exits.
// Whatever fails on the way, the later steps still run: a stop that throws must not leave the
// shutdown script unrun and a pid file naming a dead process.
import { rmSync } from "node:fs";
import { errorFields } from "../error-fields.js";
import type { Logger } from "./log.js";

export interface ShutdownParts {
  readonly log: Logger;
  /** Control socket and HTTP listeners. */
  readonly views: { close(): void };
  readonly runtime: { stop(signal: string): Promise<void>; close(): void };
  readonly startStop: { abortStartup(): void; runShutdown(): Promise<void> };
  readonly pidFiles: readonly (string | undefined)[];
  /** The startup script is still running: no VRRP yet (keepalived sigend during run_startup_script). */
  readonly inStartupScript: () => boolean;
  readonly notify: (state: string) => void;
  readonly exit: (code: number) => void;
}

export class Shutdown {
  private started = false;

  constructor(private readonly p: ShutdownParts) {}

  /** Shutting down already: reloads are ignored, the start sequence stops. */
  get exiting(): boolean {
    return this.started;
  }

  /** Stops once (later calls return at once); exits 0, or 1 when a step failed (logged). */
  async run(signal: string): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { log } = this.p;
    let failed = false;
    const step = async (what: string, f: () => void | Promise<void>) => {
      try {
        await f();
      } catch (e) {
        failed = true;
        log.error(errorFields(e), `${what} failed while stopping; going on with the shutdown`);
      }
    };
    try {
      await step("sd_notify", () => this.p.notify("STOPPING=1"));
      await step("closing the control socket", () => this.p.views.close());
      if (this.p.inStartupScript()) {
        // keepalived sigend during run_startup_script: no VRRP child yet; the shutdown script still runs.
        log.info({ reason: signal, kl: true }, "Stopping");
        await step("aborting the startup script", () => this.p.startStop.abortStartup());
        await step("closing the runtime", () => this.p.runtime.close());
      } else
        await step("stopping VRRP", async () => {
          try {
            await this.p.runtime.stop(signal);
          } catch (e) {
            // Sockets and timers are released even so: nothing keeps the process alive.
            try {
              this.p.runtime.close();
            } catch {
              // The stop's own error is the one reported.
            }
            throw e;
          }
        });
      // keepalived sigend: the shutdown script runs once VRRP has stopped (VIPs removed), then the daemon exits.
      await step("the shutdown script", () => this.p.startStop.runShutdown());
    } finally {
      for (const f of this.p.pidFiles)
        if (f)
          try {
            rmSync(f, { force: true });
          } catch (e) {
            failed = true;
            log.error({ ...errorFields(e), pidFile: f }, "cannot remove the pid file");
          }
      if (failed) log.error({ reason: signal }, "stopped with errors; exiting with status 1");
      this.p.exit(failed ? 1 : 0);
    }
  }
}
