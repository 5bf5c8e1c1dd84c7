// One run of a check or notify script, as keepalived runs them: argv (no shell), its own process group, killed (SIGTERM, then SIGKILL 2 s later) when it outlives its
// timeout, which counts as a failure. Output is kept, bounded, for the log.
import { spawn } from "node:child_process";
import { closeSync, statSync } from "node:fs";
import { constants } from "node:os";
import { nativeHelper, type NativeHelper } from "../native/helper.js";
import { SCRIPT_ENV } from "./script-gate.js";

export interface ScriptRunOptions {
  readonly timeoutMs: number;
  /** With uid, the user's supplementary groups are set too (initgroups, through setpriv). */
  readonly uid?: number;
  readonly gid?: number;
  /** Bytes of stdout+stderr kept (the rest is drained and dropped). */
  readonly outputLimit?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Checks: the script's whole group dies with it. Notify scripts may start services: left alone. */
  readonly killGroupOnExit?: boolean;
  /** Told the script's pid (= its process group) once it runs, so an owner can end it early. */
  readonly onSpawn?: (pid: number) => void;
}

export interface ScriptResult {
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly ms: number;
  readonly output: string;
  readonly error?: string;
}

const KILL_GRACE_MS = 2000;

/** util-linux's setpriv, found once (a root-owned system binary); without it, primary group only. */
const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => {
  try {
    const st = statSync(p);
    return st.isFile() && st.uid === 0 && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
});

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));
const envList = new WeakMap<NodeJS.ProcessEnv, string[]>();

/** The native posix_spawn path, when the helper is built and the kernel has pidfds (Linux 5.3). */
function nativeSpawner(): NativeHelper | undefined {
  try {
    return nativeHelper();
  } catch {
    return undefined;
  }
}

/** Runs argv as given (argv[0] a path: prepared by script-gate.ts, no PATH lookup here). */
export function runScript(argv: readonly string[], o: ScriptRunOptions): Promise<ScriptResult> {
  // Node's spawn sets uid and gid but clears the supplementary groups; keepalived keeps the
  // user's (core/notify.c set_script_env: setgroups from getgrouplist). setpriv --init-groups
  // does initgroups(3) for the target user, then execs the script as it.
  const viaSetpriv = o.uid !== undefined && SETPRIV !== undefined;
  const cmd = viaSetpriv ? [SETPRIV, `--reuid=${o.uid}`, `--regid=${o.gid ?? o.uid}`, "--init-groups", "--", ...argv] : argv;
  const native = o.uid === undefined || viaSetpriv ? nativeSpawner() : undefined;
  // Raw, packet and netlink sockets never reach the script: every one is opened close-on-exec
  // (native/packet.c, and the netlink package's prebuilt binding sets SOCK_CLOEXEC too), and
  // the native spawn also closes every descriptor above stderr in the child where glibc can.
  if (native) return runNative(native, cmd, o);
  return runWithNode(cmd, viaSetpriv, o);
}

/**
 * posix_spawn through the native helper: glibc's is vfork-like (CLONE_VM|CLONE_VFORK), so a run
 * costs no copy of the daemon's page tables, which made fork() of a 150 MB process the largest
 * cost of a check. It runs on libuv's thread pool (spawnAsync): the vfork suspends that thread,
 * not the event loop, until the child has exec'd. The exit is seen on a pidfd.
 */
function runNative(n: NativeHelper, cmd: readonly string[], o: ScriptRunOptions): Promise<ScriptResult> {
  const env = o.env ?? SCRIPT_ENV;
  let envp = envList.get(env);
  if (!envp) {
    envp = Object.entries(env).map(([k, v]) => `${k}=${v ?? ""}`);
    envList.set(env, envp);
  }
  const started = Date.now();
  const failed = (e: Error): ScriptResult => ({
    ok: false,
    exitCode: null,
    signal: null,
    timedOut: false,
    ms: Date.now() - started,
    output: "",
    error: e.message,
  });
  return new Promise((resolve) => {
    spawnInOrder(n, cmd, envp, (err, r) => {
      if (err || !r) resolve(failed(err ?? new Error("spawn failed")));
      else watchRun(n, r[0], r[1], o, started, resolve);
    });
  });
}

type SpawnDone = (err: Error | null, r?: [number, number]) => void;
const spawnQueue: (() => void)[] = [];
let spawning = false;

/**
 * Starts spawns one at a time, in the order they were asked for: two runs on the thread pool at
 * once may exec in either order, and a notify script for an instance must start before the one
 * for its group that was queued after it, as keepalived's forks from one thread do.
 */
function spawnInOrder(n: NativeHelper, cmd: readonly string[], envp: string[], done: SpawnDone): void {
  const finish: SpawnDone = (err, r) => {
    done(err, r);
    const next = spawnQueue.shift();
    if (next) next();
    else spawning = false;
  };
  spawnQueue.push(() => {
    try {
      n.spawnAsync(cmd[0] as string, cmd, envp, finish);
    } catch (e) {
      finish(e instanceof Error ? e : new Error(String(e)));
    }
  });
  if (!spawning) {
    spawning = true;
    spawnQueue.shift()!();
  }
}

/** Ends the run at its timeout and resolves once it has exited (output and exit seen in C). */
function watchRun(
  n: NativeHelper,
  pid: number,
  fd: number,
  o: ScriptRunOptions,
  started: number,
  resolve: (r: ScriptResult) => void,
): void {
  o.onSpawn?.(pid);
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    signalGroup(pid, "SIGTERM");
    killTimer = setTimeout(() => signalGroup(pid, "SIGKILL"), KILL_GRACE_MS);
  }, o.timeoutMs);
  const watching = n.watchRun(pid, fd, o.outputLimit ?? 4096, (code, sig, output) => {
    clearTimeout(timer);
    if (o.killGroupOnExit !== false || timedOut) signalGroup(pid, "SIGKILL");
    if (killTimer) clearTimeout(killTimer);
    const signal = sig ? (SIGNAL_NAMES.get(sig) ?? null) : null;
    const exitCode = code >= 0 ? code : null;
    resolve({ ok: !timedOut && exitCode === 0, exitCode, signal, timedOut, ms: Date.now() - started, output });
  });
  if (!watching) {
    // No pidfd: the child is already running; end it and report it, and say why.
    clearTimeout(timer);
    signalGroup(pid, "SIGKILL");
    closeSync(fd);
    resolve({
      ok: false,
      exitCode: null,
      signal: null,
      timedOut: false,
      ms: 0,
      output: "",
      error: "no pidfd support to watch the script's exit",
    });
  }
}

function runWithNode(cmd: readonly string[], viaSetpriv: boolean, o: ScriptRunOptions): Promise<ScriptResult> {
  const started = Date.now();
  const limit = o.outputLimit ?? 4096;
  return new Promise((resolve) => {
    const child = spawn(cmd[0] as string, cmd.slice(1), {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // own process group: a timeout kills whatever the script started too
      ...(o.uid !== undefined && !viaSetpriv ? { uid: o.uid } : {}),
      ...(o.gid !== undefined && !viaSetpriv ? { gid: o.gid } : {}),
      env: o.env ?? SCRIPT_ENV,
    });
    if (child.pid) o.onSpawn?.(child.pid);
    let out = "";
    const take = (b: Buffer) => {
      if (out.length < limit) out += b.toString("utf8", 0, Math.min(b.length, limit - out.length));
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      signalGroup(child.pid, "SIGTERM");
      killTimer = setTimeout(() => signalGroup(child.pid, "SIGKILL"), KILL_GRACE_MS);
    }, o.timeoutMs);
    let settled = false;
    const finish = (r: Omit<ScriptResult, "ms" | "output">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // A check's leftovers (a forked child still running after the script exited, or after a
      // timeout) must not pile up run after run: the whole group goes.
      if (o.killGroupOnExit !== false || timedOut) signalGroup(child.pid, "SIGKILL");
      if (killTimer) clearTimeout(killTimer);
      resolve({ ...r, ms: Date.now() - started, output: out });
    };
    child.on("error", (e) => finish({ ok: false, exitCode: null, signal: null, timedOut: false, error: e.message }));
    // 'exit', not 'close': a grandchild holding the pipes open must not delay the result.
    child.on("exit", (code, signal) => finish({ ok: !timedOut && code === 0, exitCode: code, signal, timedOut }));
  });
}

function signalGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return;
  // After a normal exit the group is usually gone (ESRCH): without a stack trace the throw costs
  // ~5 µs instead of ~9 µs here, once per check run.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    process.kill(-pid, sig);
  } catch {
    // already gone
  } finally {
    Error.stackTraceLimit = limit;
  }
}
