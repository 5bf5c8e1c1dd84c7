// Where check scripts are started. With the native helper they are started on the main thread by
// posix_spawn (vfork-like: tens of microseconds, no copy of the daemon's memory), so no worker
// thread (a second V8 isolate, 20+ MB) is needed. Without it, they run from a worker thread: a
// fork/exec of a large process costs the spawning thread milliseconds, and 255 checks a second on
// the main thread stalled the advert timers enough for backups to take over.
import { isMainThread, parentPort, Worker } from "node:worker_threads";
import { runScript, type ScriptResult, type ScriptRunOptions } from "./script-check.js";
import { nativeHelper } from "../native/helper.js";

/** posix_spawn and pidfds through the native helper: checks need no worker thread. */
function nativeSpawnAvailable(): boolean {
  try {
    return typeof nativeHelper().spawn === "function";
  } catch {
    return false;
  }
}

interface Request {
  readonly id: number;
  readonly argv: readonly string[];
  readonly options: ScriptRunOptions;
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.on("message", (req: Request) => {
    const onSpawn = (pid: number) => port.postMessage({ id: req.id, pid });
    void runScript(req.argv, { ...req.options, onSpawn }).then((result) => port.postMessage({ id: req.id, result }));
  });
}

export class ScriptPool {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, (r: ScriptResult) => void>();
  /** Process groups of the runs in flight, by request id: close() ends them. */
  private readonly groups = new Map<number, number>();

  private get(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL(import.meta.url));
    w.on("message", (m: { id: number; pid: number } | { id: number; result: ScriptResult }) => {
      if ("pid" in m) {
        this.groups.set(m.id, m.pid);
        return;
      }
      this.groups.delete(m.id);
      const done = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref(); // idle: do not keep the process alive
      done?.(m.result);
    });
    const fail = (why: string) => {
      // The worker died: every waiting run fails, and the next run starts a new worker.
      for (const [, done] of this.pending)
        done({ ok: false, exitCode: null, signal: null, timedOut: false, ms: 0, output: "", error: why });
      this.pending.clear();
      this.killRunning(); // nobody is left to end or report them
      this.worker = undefined;
    };
    w.on("error", (e) => fail(`script worker failed: ${e.message}`));
    w.on("exit", (code) => fail(`script worker exited with ${code}`));
    w.unref();
    this.worker = w;
    return w;
  }

  private readonly direct = nativeSpawnAvailable();

  /** Direct runs waiting for their turn: one starts per turn of the event loop. */
  private readonly starts: (() => void)[] = [];
  private startsScheduled = false;

  run(argv: readonly string[], options: ScriptRunOptions): Promise<ScriptResult> {
    if (this.direct) {
      // A spawn holds the main thread ~1 ms. Checks due together (the timers phase runs every
      // due one) started back to back and held it for tens of ms, past advert deadlines; one per
      // loop turn lets the poll phase (deadlines, adverts) run between them.
      return new Promise<ScriptResult>((resolve) => {
        this.starts.push(() => {
          const id = this.nextId++;
          // A spawn completes on the thread pool: one that lands after close() is ended at once.
          const generation = this.generation;
          const onSpawn = (pid: number): void => {
            if (generation !== this.generation) killGroup(pid);
            else this.groups.set(id, pid);
          };
          runScript(argv, { ...options, onSpawn })
            .finally(() => this.groups.delete(id))
            .then(resolve, (e: Error) =>
              resolve({ ok: false, exitCode: null, signal: null, timedOut: false, ms: 0, output: "", error: e.message }),
            );
        });
        this.scheduleStart();
      });
    }
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, resolve);
      const w = this.get();
      w.ref(); // a run in flight keeps the process alive until its answer arrives
      w.postMessage({ id, argv, options } satisfies Request);
    });
  }

  private scheduleStart(): void {
    if (this.startsScheduled || this.starts.length === 0) return;
    this.startsScheduled = true;
    setImmediate(() => {
      this.startsScheduled = false;
      this.starts.shift()?.();
      this.scheduleStart();
    });
  }

  /**
   * Ends the worker and every script still running (their whole process groups): a script must
   * not outlive the daemon that started it (a hanging check would otherwise stay behind).
   */
  /** Bumped by close(): a reload closes the pool and runs checks in it again. */
  private generation = 0;

  close(): void {
    this.generation++;
    this.starts.length = 0; // never started: nothing to end (their promises stay pending, unheard)
    this.killRunning();
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private killRunning(): void {
    for (const pid of this.groups.values()) killGroup(pid);
    this.groups.clear();
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}
