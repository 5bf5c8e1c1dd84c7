// The small native helper (native/tsvrrpd_native.c): close-on-exec for every descriptor, and
// handlers for signals Node cannot name. Built by `npm ci` (postinstall) and by scripts/setup.sh.
import { createRequire } from "node:module";

export interface NativeHelper {
  /** Sets FD_CLOEXEC on every open descriptor above 2; returns how many it changed. */
  cloexecAll(): number;
  /** Runs `fn` on the event loop when `signum` arrives (the watch does not keep the loop alive). */
  watchSignal(signum: number, fn: () => void): void;
  sigrtmin(): number;
  sigrtmax(): number;
  /** openlog(ident, LOG_PID, facility) of the C library (keepalived lib/logger.c open_syslog). */
  openlog(ident: string, facility: number): void;
  syslog(priority: number, message: string): void;
  /** Sends STATE on $NOTIFY_SOCKET (systemd sd_notify); false when there is none or it failed. */
  sdNotify(state: string): boolean;
  /**
   * Subscribes to the netlink process connector; `fn` gets [what, pid, ...] with what 1 fork,
   * 2 exec, 3 exit, 4 comm change, 5 events lost. false: not available (no root, not the initial
   * namespaces, no CONFIG_PROC_EVENTS).
   */
  procEvents(fn: (events: Int32Array) => void): boolean;
  /** posix_spawn (vfork-like): [pid, read end of stdout+stderr]; own process group, stdin /dev/null. */
  spawn(file: string, argv: readonly string[], envp: readonly string[]): [number, number];
  /** spawn() on libuv's thread pool: the event loop does not wait for the child's exec. */
  spawnAsync(
    file: string,
    argv: readonly string[],
    envp: readonly string[],
    cb: (err: (Error & { code?: string }) | null, pidAndFd?: [number, number]) => void,
  ): void;
  /** Whether spawn() closes every descriptor above stderr in the child (glibc >= 2.34 closefrom). */
  spawnClosesDescriptors(): boolean;
  /**
   * Sees a spawned run through: drains fd (its stdout+stderr pipe, keeping the first `limit`
   * bytes), reaps pid once it exits, then calls fn(exitCode or -1, signal number or 0, output) and
   * closes fd. false without pidfd support (fd is then left to the caller).
   */
  watchRun(pid: number, fd: number, limit: number, fn: (code: number, signal: number, output: string) => void): boolean;
  /** One timerfd on the event loop: fn runs from the poll phase once the armed delay has passed. */
  preciseTimer(fn: () => void): { arm(delayMs: number): void; disarm(): void; close(): void };
}

export class NativeHelperError extends Error {
  readonly code = "NATIVE_HELPER_MISSING";
  constructor(cause: string) {
    super(`the native helper (native/build/Release/tsvrrpd_native.node) cannot be loaded: ${cause}; run \`npm ci\` in the checkout`);
    this.name = "NativeHelperError";
  }
}

let cached: NativeHelper | undefined;

/** Loads the helper once; throws NativeHelperError when it was not built. */
export function nativeHelper(): NativeHelper {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  // dist/native/helper.js, or dist-bench/src/native/helper.js for the benches.
  let first: unknown;
  for (const up of ["../../", "../../../"]) {
    try {
      cached = require(new URL(`${up}native/build/Release/tsvrrpd_native.node`, import.meta.url).pathname) as NativeHelper;
      return cached;
    } catch (e) {
      first ??= e;
    }
  }
  throw new NativeHelperError((first as Error).message.split("\n")[0] ?? "unknown error");
}

/**
 * Marks every inherited-by-default descriptor close-on-exec; called before each spawn and after
 * sockets open. Returns how many it changed, or -1 without the helper.
 */
export function sealDescriptors(): number {
  try {
    return nativeHelper().cloexecAll();
  } catch {
    return -1;
  }
}

/** systemd's notify protocol from this process; false without $NOTIFY_SOCKET or the helper. */
export function sdNotify(state: string): boolean {
  if (!process.env.NOTIFY_SOCKET) return false;
  try {
    return nativeHelper().sdNotify(state);
  } catch {
    return false;
  }
}
