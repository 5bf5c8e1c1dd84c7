// Notify scripts: run in the order of state changes, one at a time per instance or group, with a
// timeout. A slow or failing script is logged and never blocks the state machine or adverts.
import { spawn } from "node:child_process";
import { sealDescriptors } from "../native/helper.js";
import { splitCommandLine } from "../health/command-line.js";
import type { Logger } from "./log.js";

export interface NotifyJob {
  /** Serialisation key: instance or group name. */
  readonly key: string;
  readonly command: string;
  readonly extraArgs: readonly string[];
  readonly fields: Record<string, unknown>;
}

const OUTPUT_LIMIT = 4096;

export class NotifyRunner {
  private readonly queues = new Map<string, NotifyJob[]>();
  private readonly running = new Set<string>();
  runs = 0;
  failures = 0;

  constructor(private readonly log: Logger, private readonly timeoutMs = 30_000) {}

  enqueue(job: NotifyJob): void {
    const q = this.queues.get(job.key) ?? [];
    q.push(job);
    this.queues.set(job.key, q);
    if (!this.running.has(job.key)) this.next(job.key);
  }

  /** Resolves when every queued script has finished (used on shutdown, bounded by the caller). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 10));
  }

  private next(key: string): void {
    const q = this.queues.get(key);
    const job = q?.shift();
    if (!job) {
      this.running.delete(key);
      return;
    }
    this.running.add(key);
    this.run(job).finally(() => this.next(key));
  }

  private run(job: NotifyJob): Promise<void> {
    return new Promise((resolve) => {
      let argv: string[];
      try {
        argv = [...splitCommandLine(job.command), ...job.extraArgs];
      } catch (e) {
        this.failures++;
        this.log.error({ ...job.fields, err: (e as Error).message }, "notify script not run: bad command line");
        resolve();
        return;
      }
      this.runs++;
      const started = Date.now();
      let out = "";
      // detached: own process group, so a timeout kills the script and whatever it started
      sealDescriptors(); // raw, packet and netlink sockets opened by native code must not reach the script
      const child = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], detached: true });
      const take = (b: Buffer) => {
        if (out.length < OUTPUT_LIMIT) out += b.toString("utf8", 0, Math.min(b.length, OUTPUT_LIMIT - out.length));
      };
      child.stdout.on("data", take);
      child.stderr.on("data", take);
      const timer = setTimeout(() => {
        this.log.warn({ ...job.fields, script: job.command, timeoutMs: this.timeoutMs }, "notify script timed out; killing its process group");
        killGroup(child.pid, "SIGKILL");
      }, this.timeoutMs);
      child.on("error", (e) => {
        clearTimeout(timer);
        this.failures++;
        this.log.error({ ...job.fields, script: job.command, err: e.message }, "notify script could not start");
        resolve();
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        const fields = { ...job.fields, script: job.command, args: job.extraArgs, ms: Date.now() - started, ...(out ? { output: out.trimEnd() } : {}) };
        if (code === 0) this.log.debug(fields, "notify script done");
        else {
          this.failures++;
          this.log.warn({ ...fields, exitCode: code, signal }, "notify script failed");
        }
        resolve();
      });
    });
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
