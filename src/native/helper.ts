// The project's N-API addon (native/): raw VRRP and packet sockets, handlers for signals Node
// cannot name, syslog, process events, posix_spawn, timerfd. Built by `npm ci` (postinstall) and
// by scripts/setup.sh. Every descriptor it opens is close-on-exec from the start (SOCK_CLOEXEC).
import { createRequire } from "node:module";
import { errorFields } from "../error-fields.js";

/** An open failed: errno and the step (socket, bind, SO_BINDTODEVICE, IPV6_ADD_MEMBERSHIP, ...). */
export interface OpenFailure {
  readonly errno: number;
  readonly op: string;
}

/** native/packet.c: results are byte counts or -errno, never a throw; any call after close() is -EBADF. */
export interface VrrpSocketHandle {
  /** One packet into buf: meta = [TTL / hop limit or -1, age ms or -1, ifindex]; addr = source, (IPv6) destination at 16. */
  recv(buf: Uint8Array, meta: Float64Array, addr: Uint8Array): number;
  /** IPv4: a whole packet (IP_HDRINCL). IPv6: the VRRP message, `src` in IPV6_PKTINFO and `hops` in IPV6_HOPLIMIT of this send. */
  send(buf: Uint8Array, length: number, dst: Uint8Array, src?: Uint8Array, hops?: number): number;
  /** Joins another multicast group on the socket's interface: 0 or -errno. */
  join(group: Uint8Array): number;
  /** 0, or -EBADF when already closed. */
  close(): number;
  /** The descriptor, or -1 once closed (tests). */
  fd(): number;
}

export interface PacketSocketHandle {
  /** A whole Ethernet frame out of the interface the socket is bound to. */
  send(frame: Uint8Array, length: number): number;
  close(): number;
  fd(): number;
}

export interface NativeHelper {
  /**
   * A raw IPPROTO_VRRP socket bound to the interface, or (IPv4 only) protocol 51 for auth_type AH;
   * onReadable runs from the poll phase.
   */
  vrrpSocket(family: 4 | 6, ifname: string, ifindex: number, onReadable: () => void, protocol?: 112 | 51): VrrpSocketHandle | OpenFailure;
  /** An AF_PACKET socket that only sends (protocol 0), bound to ifindex. */
  packetSocket(ifindex: number): PacketSocketHandle | OpenFailure;
  /** setns(open(path), CLONE_NEWNET) of the calling (main) thread, kept for script spawns: 0 or -errno. */
  setNetns(path: string): number;
  /** The interface's MTU in this (main) thread's network namespace (SIOCGIFMTU), or -errno. */
  ifMtu(name: string): number;
  /** vrrp_no_swap: mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT): 0 or -errno. */
  lockMemory(): number;
  /** munlockall(): 0 or -errno. */
  unlockMemory(): number;
  /** SCHED_RR at `priority` (1..99) for the calling thread, reset on fork; 0: SCHED_OTHER. 0 or -errno. */
  setRealtime(priority: number): number;
  /** RLIMIT_RTTIME's soft limit in µs (SIGXCPU past it); 0: back to the hard limit. 0 or -errno. */
  setRtTimeLimit(softUs: number): number;
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
  // dist/native/helper.js, or dist-bench/src/native/helper.js (benches) and dist-lab/src/native/helper.js (lab harness).
  let first: unknown;
  for (const up of ["../../", "../../../"]) {
    try {
      cached = require(new URL(`${up}native/build/Release/tsvrrpd_native.node`, import.meta.url).pathname) as NativeHelper;
      return cached;
    } catch (e) {
      first ??= e;
    }
  }
  throw new NativeHelperError(errorFields(first).err.split("\n")[0] ?? "unknown error");
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
