// Notify scripts: run in the order of state changes, one at a time per instance or group, through
// the same gate and runner as check scripts (script security on the real path, script user,
// keepalived's environment rule, own process group, timeout). A slow or failing script is logged and never
// blocks the state machine or adverts. A flood of state changes coalesces: at most MAX_QUEUED wait
// per instance, the oldest waiting ones are dropped, so the last delivered state is the current one.
import type { DaemonConfig, NotifyScript, NotifyScripts } from "../config/model.js";
import { prepareScript, type PreparedScript, type ScriptPolicy, type ScriptRefusal } from "../health/script-gate.js";
import { runScript } from "../health/script-check.js";
import type { Logger } from "../operator/log.js";

export interface NotifyJob {
  /** Serialisation key: instance or group name. */
  readonly key: string;
  readonly script: NotifyScript;
  readonly extraArgs: readonly string[];
  readonly fields: Record<string, unknown>;
}

const OUTPUT_LIMIT = 4096;
export const MAX_QUEUED = 8;

export class NotifyRunner {
  private readonly queues = new Map<string, NotifyJob[]>();
  private readonly running = new Set<string>();
  private readonly prepared = new Map<NotifyScript, PreparedScript | ScriptRefusal>();
  runs = 0;
  failures = 0;
  coalesced = 0;

  constructor(
    private readonly log: Logger,
    private policy: ScriptPolicy,
    private readonly timeoutMs = 30_000,
  ) {}

  /** Checks every notify script of a configuration now, so refusals are reported at start with file:line. */
  prepareAll(config: DaemonConfig): void {
    this.policy = config.global;
    this.prepared.clear();
    const all: NotifyScripts[] = [...config.instances.map((i) => i.notify), ...config.syncGroups.map((g) => g.notify)];
    for (const n of all) for (const s of Object.values(n) as NotifyScript[]) this.prepare(s);
  }

  private prepare(s: NotifyScript): PreparedScript | ScriptRefusal {
    let p = this.prepared.get(s);
    if (!p) {
      p = prepareScript(s.command, { user: s.user, group: s.group }, this.policy);
      this.prepared.set(s, p);
      if (!p.ok)
        this.log.error(
          { script: s.command, code: p.code, file: s.where.file, line: s.where.line },
          `${p.message}; notify script disabled (never run)`,
        );
    }
    return p;
  }

  enqueue(job: NotifyJob): void {
    if (!this.prepare(job.script).ok) return;
    const q = this.queues.get(job.key) ?? [];
    q.push(job);
    if (q.length > MAX_QUEUED) {
      const dropped = q.splice(0, q.length - MAX_QUEUED);
      this.coalesced += dropped.length;
      this.log.warn(
        { ...job.fields, dropped: dropped.length },
        "notify queue full: oldest waiting notifications dropped; the latest state is still delivered",
      );
    }
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
      this.queues.delete(key);
      return;
    }
    this.running.add(key);
    void this.run(job).finally(() => this.next(key));
  }

  private async run(job: NotifyJob): Promise<void> {
    const p = this.prepare(job.script);
    if (!p.ok) return;
    this.runs++;
    // Ends when the script exits (not when its pipes close); what it started is left running.
    const r = await runScript([...p.argv, ...job.extraArgs], {
      timeoutMs: this.timeoutMs,
      outputLimit: OUTPUT_LIMIT,
      killGroupOnExit: false,
      ...(p.uid !== undefined ? { uid: p.uid, gid: p.gid } : {}),
    });
    const fields = {
      ...job.fields,
      script: job.script.command,
      args: job.extraArgs,
      ms: r.ms,
      ...(r.output ? { output: r.output.trimEnd() } : {}),
    };
    if (r.ok) this.log.debug(fields, "notify script done");
    else {
      this.failures++;
      if (r.timedOut) this.log.warn({ ...fields, timeoutMs: this.timeoutMs }, "notify script timed out; its process group was killed");
      else if (r.error) this.log.error({ ...fields, err: r.error }, "notify script could not start");
      else this.log.warn({ ...fields, exitCode: r.exitCode, signal: r.signal }, "notify script failed");
    }
  }
}
