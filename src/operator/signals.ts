// Signals as keepalived's VRRP process takes them (keepalived/vrrp/vrrp_daemon.c
// vrrp_signal_init, lib/signals.c get_signum): TERM/INT stop, HUP reloads, USR1 dumps the data
// file, USR2 the stats file, SIGRTMAX-1 the stats file and clears the counters, SIGRTMIN+2 the
// JSON file, PIPE is ignored. Difference: every other signal whose default action would end the
// process is handled too (QUIT stops cleanly, the rest are logged and ignored), so a stray signal
// never leaves VIPs on the interface without priority-0 adverts.
import { constants } from "node:os";
import type { Logger } from "./log.js";
import { nativeHelper } from "../native/helper.js";
import { errorFields } from "../error-fields.js";

export type SignalFunction = "STOP" | "RELOAD" | "DATA" | "STATS" | "STATS_CLEAR" | "JSON";

/** glibc's SIGRTMIN/SIGRTMAX on Linux, when the native helper is not there to ask. */
const RT = { min: 34, max: 64 };

function rtRange(): { min: number; max: number } {
  try {
    const n = nativeHelper();
    return { min: n.sigrtmin(), max: n.sigrtmax() };
  } catch {
    return RT;
  }
}

/** keepalived --signum: the number for a signal function name, or undefined. */
export function signumOf(name: string): number | undefined {
  const rt = rtRange();
  const table: Record<SignalFunction, number> = {
    STOP: constants.signals.SIGTERM,
    RELOAD: constants.signals.SIGHUP,
    DATA: constants.signals.SIGUSR1,
    STATS: constants.signals.SIGUSR2,
    STATS_CLEAR: rt.max - 1,
    JSON: rt.min + 2,
  };
  return (table as Record<string, number>)[name];
}

export interface SignalActions {
  stop(signal: string): void;
  reload(): void;
  dump(kind: "data" | "stats" | "json", clear: boolean): void;
}

/** Signals Node can name whose default action ends the process, and are not faults of our own. */
const IGNORED_NAMED = ["SIGALRM", "SIGVTALRM", "SIGIO", "SIGPWR", "SIGSTKFLT", "SIGXCPU", "SIGTRAP", "SIGSYS"] as const;

export function installSignals(actions: SignalActions, log: Logger, opts: { reload: boolean } = { reload: true }): void {
  process.on("SIGTERM", () => actions.stop("SIGTERM"));
  process.on("SIGINT", () => actions.stop("SIGINT"));
  process.on("SIGQUIT", () => actions.stop("SIGQUIT"));
  if (opts.reload) process.on("SIGHUP", () => actions.reload());
  else process.on("SIGHUP", () => actions.stop("SIGHUP"));
  process.on("SIGUSR1", () => actions.dump("data", false));
  process.on("SIGUSR2", () => actions.dump("stats", false));
  process.on("SIGPIPE", () => undefined);
  const ignore = (name: string) => () => log.warn({ signal: name }, `signal ${name} ignored (tsvrrpd does not use it); still running`);
  for (const s of IGNORED_NAMED) {
    if (s in constants.signals) process.on(s, ignore(s));
  }
  // SIGPROF drives V8's sampling profiler (--cpu-prof): leave it alone then.
  if (!process.execArgv.some((a) => a.startsWith("--cpu-prof") || a === "--prof")) process.on("SIGPROF", ignore("SIGPROF"));
  // Real-time signals (default: terminate) need the native helper: Node cannot name them.
  let n: ReturnType<typeof nativeHelper>;
  try {
    n = nativeHelper();
  } catch (e) {
    log.error(errorFields(e), "real-time signals (keepalived's JSON and STATS_CLEAR) cannot be handled and would end the daemon");
    return;
  }
  const json = signumOf("JSON");
  const statsClear = signumOf("STATS_CLEAR");
  for (let sig = n.sigrtmin(); sig <= n.sigrtmax(); sig++) {
    if (sig === json) n.watchSignal(sig, () => actions.dump("json", false));
    else if (sig === statsClear) n.watchSignal(sig, () => actions.dump("stats", true));
    else n.watchSignal(sig, ignore(`SIGRTMIN+${sig - n.sigrtmin()}`));
  }
}
