// vrrp_track_process: counts the processes each tracked entry matches and reports when its quorum
// is gained or lost (keepalived core/track_process.c). As keepalived, /proc is read once at start
// and then forks, execs, comm changes and exits come from the netlink process connector (native
// helper): only the process an event names is read. Where the connector is not available (not the
// initial network namespace) or cannot be trusted (a PID namespace of its own, as in a pod: its
// events carry the host's PIDs, or arrive only while something in the initial namespace listens),
// /proc is scanned every SCAN_MS instead, bounded: a process is read when
// first seen; the ones that matched are checked at every scan (exit, zombie, a reused pid), the
// others every RECHECK_SCANS scans (an exec may have turned them into a tracked program).
// fork_delay and terminate_delay hold a change back, as keepalived's timers do.
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import type { TrackProcessSpec } from "../config/model.js";
import type { Logger } from "../operator/log.js";
import type { TrackerState } from "../vrrp/priority.js";
import { hasQuorum, processMatches } from "./process-match.js";
import { nativeHelper } from "../native/helper.js";
import { errorFields } from "../error-fields.js";

export const SCAN_MS = 250;
/** Non-matching processes are read again every this many scans (2 s): an exec changes comm. */
export const RECHECK_SCANS = 8;

interface Seen {
  /** /proc/PID/stat field 22: tells a reused pid apart. */
  readonly start: string;
  /** Names of the entries this process counts for. */
  readonly matches: readonly string[];
  /** The scan that read it last. */
  readonly read: number;
  readonly comm: string;
}

export interface ProcessStatus {
  readonly name: string;
  readonly count: number;
  readonly state: TrackerState;
}

/** Reads /proc/PID/stat: the start time and whether the process is a zombie; undefined once gone. */
const STAT_BUF = Buffer.alloc(1024);
function stat(root: string, pid: string): { start: string; zombie: boolean; comm: string } | undefined {
  try {
    // One small read into a shared buffer (readFileSync's stat and allocation cost more than the read).
    const fd = openSync(`${root}/${pid}/stat`, "r");
    let n: number;
    try {
      n = readSync(fd, STAT_BUF, 0, STAT_BUF.length, 0);
    } finally {
      closeSync(fd);
    }
    const s = STAT_BUF.toString("latin1", 0, n);
    const close = s.lastIndexOf(")");
    const fields = s.slice(close + 2).split(" ");
    return { comm: s.slice(s.indexOf("(") + 1, close), zombie: fields[0] === "Z", start: fields[19] ?? "" };
  } catch {
    return undefined;
  }
}

/** The initial PID namespace's inode number, a kernel constant (include/linux/proc_ns.h PROC_PID_INIT_INO). */
export const PROC_PID_INIT_INO = 0xeffffffc;

/**
 * Why this process is in a PID namespace below the initial one, or undefined: /proc/self/ns/pid
 * is not the initial namespace, or NSpid in /proc/self/status lists more than one pid (one per
 * level; a /proc mounted inside the namespace, as in a pod, lists only its own, hence the inode).
 */
export function nestedPidNamespace(proc = "/proc"): string | undefined {
  let reason: string | undefined;
  try {
    const ino = statSync(`${proc}/self/ns/pid`).ino;
    if (ino !== PROC_PID_INIT_INO) reason = `pid namespace ${ino}`;
  } catch {
    /* no namespace files: an old kernel or a restricted /proc */
  }
  try {
    const nspid = /^NSpid:\s*(.*)$/m
      .exec(readFileSync(`${proc}/self/status`, "utf8"))?.[1]
      ?.trim()
      .split(/\s+/);
    if (nspid && nspid.length > 1) reason = `${reason ? `${reason}, ` : ""}NSpid ${nspid.join(" ")}`;
  } catch {
    /* unreadable: the inode decides */
  }
  return reason;
}

export class ProcessTracking {
  private readonly specs: TrackProcessSpec[];
  private readonly needCmdline: boolean;
  private seen = new Map<string, Seen>();
  private readonly counts = new Map<string, number>();
  private readonly reported = new Map<string, TrackerState>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** The connector delivers events (else /proc is scanned). */
  eventsOn = false;
  events = 0;
  /** Time spent handling process events (the bench). */
  eventMs = 0;
  /** Scans done, and processes read when first seen (for the bench and status). */
  scans = 0;
  reads = 0;

  constructor(
    specs: readonly TrackProcessSpec[],
    used: ReadonlySet<string>,
    private readonly log: Logger,
    private readonly onChange: (name: string, state: TrackerState) => void,
    private readonly root = "/proc",
  ) {
    this.specs = specs.filter((s) => used.has(s.name));
    this.needCmdline = this.specs.some((s) => s.fullCommand);
  }

  get active(): boolean {
    return this.specs.length > 0;
  }

  /** First scan (states known at once, no delays, as keepalived's read_procs at start), then events or scans. */
  start(useConnector = true): void {
    if (!this.active) return;
    this.scan();
    for (const s of this.specs) {
      const state = this.stateOf(s);
      this.reported.set(s.name, state);
      this.log.info(
        { trackProcess: s.name, count: this.counts.get(s.name) ?? 0, kl: true },
        `Quorum ${state === "OK" ? "gained" : "lost"} for tracked process ${s.name}`,
      );
    }
    const pidNs = this.root === "/proc" ? nestedPidNamespace() : undefined;
    if (useConnector && this.root === "/proc" && !pidNs && this.connect()) return;
    if (pidNs)
      this.log.info(
        { scanMs: SCAN_MS, pidNamespace: pidNs },
        `in a PID namespace of its own (${pidNs}): process events name the host's PIDs; scanning /proc every ${SCAN_MS} ms for tracked processes`,
      );
    else this.log.info({ scanMs: SCAN_MS }, `process events unavailable; scanning /proc every ${SCAN_MS} ms for tracked processes`);
    this.timer = setInterval(() => this.tick(), SCAN_MS);
    this.timer.unref();
  }

  /** true: process events flow (the connector); otherwise the caller scans. */
  private connect(): boolean {
    let ok = false;
    try {
      ok = nativeHelper().procEvents((ev) => this.onEvents(ev));
    } catch {
      ok = false;
    }
    this.eventsOn = ok;
    return ok;
  }

  private onEvents(ev: Int32Array): void {
    if (this.stopped) return;
    const t0 = performance.now();
    this.events += ev.length / 2;
    let rescan = false;
    for (let i = 0; i < ev.length; i += 2) {
      const what = ev[i]!;
      const pid = String(ev[i + 1]);
      if (what === 5) rescan = true;
      else if (what === 3) this.seen.delete(pid);
      else {
        // fork (comm inherited), exec, comm change: read this one process again.
        const s = this.read(pid);
        if (s) this.seen.set(pid, s);
        else this.seen.delete(pid);
      }
    }
    if (rescan) {
      this.log.warn("process events were lost (socket overflow); rescanning /proc");
      this.scan();
    } else this.recount();
    for (const s of this.specs) this.decide(s);
    this.eventMs += performance.now() - t0;
  }

  states(): [string, TrackerState][] {
    return [...this.reported];
  }

  status(): ProcessStatus[] {
    return this.specs.map((s) => ({ name: s.name, count: this.counts.get(s.name) ?? 0, state: this.reported.get(s.name) ?? "FAILED" }));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }

  /** One scan and the quorum decisions that follow (exported for the bench). */
  tick(): void {
    this.scan();
    for (const s of this.specs) this.decide(s);
  }

  private stateOf(s: TrackProcessSpec): TrackerState {
    return hasQuorum(s, this.counts.get(s.name) ?? 0) ? "OK" : "FAILED";
  }

  /** keepalived's fork_delay / terminate_delay: a change is reported after its delay if it still holds. */
  private decide(s: TrackProcessSpec): void {
    const now = this.stateOf(s);
    const timer = this.pending.get(s.name);
    if (now === this.reported.get(s.name)) {
      if (timer) {
        clearTimeout(timer);
        this.pending.delete(s.name);
      }
      return;
    }
    if (timer) return;
    const delay = now === "OK" ? s.forkDelayMs : s.terminateDelayMs;
    if (delay <= 0) return this.report(s, now);
    const t = setTimeout(() => {
      this.pending.delete(s.name);
      const state = this.stateOf(s);
      if (state !== this.reported.get(s.name)) this.report(s, state);
    }, delay);
    t.unref();
    this.pending.set(s.name, t);
  }

  private report(s: TrackProcessSpec, state: TrackerState): void {
    this.reported.set(s.name, state);
    // keepalived vrrp_track.c process_update_track_process_status's words.
    this.log.info(
      { trackProcess: s.name, count: this.counts.get(s.name) ?? 0, kl: true },
      `Quorum ${state === "OK" ? "gained" : "lost"} for tracked process ${s.name}`,
    );
    this.onChange(s.name, state);
  }

  private scan(): void {
    this.scans++;
    const next = new Map<string, Seen>();
    let pids: string[];
    try {
      pids = readdirSync(this.root).filter((n) => n.charCodeAt(0) >= 48 && n.charCodeAt(0) <= 57);
    } catch (e) {
      this.log.error(errorFields(e), `cannot list ${this.root}; tracked processes keep their last state`);
      return;
    }
    for (const pid of pids) {
      const old = this.seen.get(pid);
      if (old && old.matches.length === 0 && this.scans - old.read < RECHECK_SCANS) {
        next.set(pid, old); // not ours: read again only every RECHECK_SCANS scans
        continue;
      }
      const st = stat(this.root, pid);
      if (!st) continue; // gone since the listing
      // Same process, same comm: the same program (an exec that keeps comm is only seen by the connector).
      if (old && old.start === st.start && old.comm === st.comm) {
        if (!st.zombie) next.set(pid, old.matches.length > 0 ? old : { ...old, read: this.scans });
        continue;
      }
      // First sight (or a reused pid): read what the entries compare against.
      const seen = this.read(pid, st);
      if (seen) next.set(pid, seen);
    }
    this.seen = next;
    this.recount();
  }

  private recount(): void {
    this.counts.clear();
    for (const { matches } of this.seen.values()) for (const m of matches) this.counts.set(m, (this.counts.get(m) ?? 0) + 1);
  }

  /** What one process counts for (undefined: gone, or unreadable). */
  private read(pid: string, known?: { start: string; zombie: boolean; comm: string }): Seen | undefined {
    const st = known ?? stat(this.root, pid);
    if (!st) return undefined;
    this.reads++;
    let cmdline: Buffer | undefined;
    if (this.needCmdline && !st.zombie) {
      try {
        cmdline = readFileSync(`${this.root}/${pid}/cmdline`);
      } catch {
        return undefined;
      }
    }
    const matches = st.zombie ? [] : this.specs.filter((s) => processMatches(s, st.comm, cmdline)).map((s) => s.name);
    // Spread over the scans: each scan re-reads about 1/RECHECK_SCANS of the others.
    return { start: st.start, matches, read: this.scans - (Number(pid) % RECHECK_SCANS), comm: st.comm };
  }
}
