// notify_fifo / vrrp_notify_fifo (keepalived lib/notify.c fifo_open, vrrp/vrrp_notify.c
// notify_fifo): one line per state change, `INSTANCE "VI_1" MASTER 100` or `GROUP "G" BACKUP 0`,
// written in the order of the changes. The FIFO is created if missing (mode 0600, owned by the
// script user) and opened read-write and non-blocking, as keepalived does: opening never waits for
// a reader, and a reader that stops reading fills the pipe, after which lines are dropped and
// counted; the daemon never blocks. An existing path that is not a FIFO is refused (keepalived
// would write into a planted regular file), and so is a FIFO owned by anyone but the daemon or the
// FIFO's user, or one that others can write (keepalived's current fifo_open: "not a fifo we own").
import { spawnSync } from "node:child_process";
import { closeSync, fchownSync, constants, fstatSync, lstatSync, openSync, unlinkSync, writeSync } from "node:fs";
import type { GlobalSpec, NotifyFifoSpec } from "../config/model.js";
import { errorFields } from "../error-fields.js";
import { prepareScript } from "../health/script-gate.js";
import { runScript } from "../health/script-check.js";
import { defaultScriptUser, lookupUser, type Ids } from "../health/users.js";
import type { Logger } from "../operator/log.js";
import type { VrrpRouter } from "../vrrp/router.js";
import type { InstanceEventName, State } from "../vrrp/instance-types.js";

export type FifoState = "MASTER" | "BACKUP" | "FAULT" | "STOP" | "DELETED" | InstanceEventName;

/** keepalived vrrp_notify.c notify_fifo: `%s "%s" %s %d\n`. */
export function fifoLine(type: "INSTANCE" | "GROUP", name: string, state: FifoState, priority: number): string {
  return `${type} "${name}" ${state} ${priority}\n`;
}

interface OpenFifo {
  readonly spec: NotifyFifoSpec;
  readonly fd: number;
  /** Created by us: unlinked at close (keepalived fifo_close), before the fd is closed. */
  readonly created: boolean;
  scriptGroup?: number;
}

export class NotifyFifos {
  private fifos: OpenFifo[] = [];
  /** Lines not written because the pipe was full (nobody reading). */
  dropped = 0;
  written = 0;
  private lastDropLog = -Infinity;

  constructor(private readonly log: Logger) {}

  /** Opens (creating if needed) every configured FIFO and starts its script. */
  open(global: GlobalSpec): void {
    for (const spec of global.notifyFifos ?? []) {
      const where = { fifo: spec.path, file: spec.where.file, line: spec.where.line };
      try {
        const f = this.openOne(spec, global);
        this.fifos.push(f);
        this.log.info(where, `${spec.keyword} ${spec.path} open${f.created ? " (created)" : ""}`);
        if (spec.script) this.startScript(f, global);
      } catch (e) {
        this.log.error({ ...where, ...errorFields(e) }, `cannot open ${spec.keyword} ${spec.path}; no lines are written to it`);
      }
    }
  }

  write(line: string): void {
    for (const f of this.fifos) {
      try {
        writeSync(f.fd, line);
        this.written++;
      } catch (e) {
        this.dropped++;
        const now = performance.now();
        if (now - this.lastDropLog >= 10_000) {
          this.lastDropLog = now;
          this.log.warn(
            { fifo: f.spec.path, ...errorFields(e), droppedSoFar: this.dropped },
            "notify FIFO full or closed: line dropped (logged at most every 10 s)",
          );
        }
      }
    }
  }

  /** fifo_write_vrrp_states_on_reload (keepalived vrrp_scheduler.c vrrp_init_state): groups, then instances. */
  writeStates(router: VrrpRouter): void {
    const word = (s: State): FifoState => (s === "INIT" ? "STOP" : s);
    for (const [g, s] of router.groupStatesNow()) this.write(fifoLine("GROUP", g, word(s), 0));
    for (const ri of router.instances) this.write(fifoLine("INSTANCE", ri.name, word(ri.vi.state), ri.vi.effectivePriority));
  }

  close(): void {
    for (const f of this.fifos) {
      // keepalived fifo_close: unlink first, so a reader looping on reopen cannot reopen it.
      if (f.created) {
        try {
          unlinkSync(f.spec.path);
        } catch {
          /* already gone */
        }
      }
      closeSync(f.fd);
      if (f.scriptGroup) {
        try {
          process.kill(-f.scriptGroup, "SIGTERM");
        } catch {
          /* already gone */
        }
      }
    }
    this.fifos = [];
  }

  private openOne(spec: NotifyFifoSpec, global: GlobalSpec): OpenFifo {
    let created = false;
    let exists = true;
    try {
      lstatSync(spec.path);
    } catch {
      exists = false;
    }
    if (!exists) {
      // Node has no mkfifo; coreutils' creates it with the mode given. keepalived: S_IRUSR|S_IWUSR|
      // S_IRGRP|S_IROTH less its umask 0177, so 0600 (measured): nobody else can take its lines.
      const r = spawnSync("mkfifo", ["-m", "600", "--", spec.path], { encoding: "utf8", timeout: 10_000 });
      if (r.status !== 0)
        throw Object.assign(new Error(`mkfifo failed: ${(r.stderr || r.error?.message || "").trim()}`), { code: "FIFO_CREATE" });
      created = true;
    }
    // The FIFO's user, else the default script user (keepalived global_parser.c fifo_handler).
    let ids: Ids | undefined;
    if (spec.user) {
      ids = lookupUser(spec.user, spec.group);
      if (!ids) this.log.warn({ fifo: spec.path, user: spec.user }, "notify FIFO user not found; the FIFO stays owned by root");
    } else {
      const d = defaultScriptUser(global);
      if (d.ok) ids = d.ids;
    }
    const fd = openSync(spec.path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    const st = fstatSync(fd);
    const refusal = !st.isFIFO() ? "exists and is not a FIFO" : foreignFifo(st, ids);
    if (refusal) {
      closeSync(fd);
      throw Object.assign(new Error(`${spec.path} ${refusal}; refusing to write into it`), { code: "NOT_A_FIFO" });
    }
    // Owned by the FIFO's user (keepalived fifo_open); through the descriptor, so a path swapped
    // after mkfifo cannot redirect the chown.
    if (created && ids) fchownSync(fd, ids.uid, ids.gid);
    return { spec, fd, created };
  }

  private startScript(f: OpenFifo, global: GlobalSpec): void {
    const s = f.spec.script!;
    const p = prepareScript(s.command, { user: s.user, group: s.group }, global);
    if (!p.ok) {
      this.log.error(
        { script: s.command, code: p.code, file: s.where.file, line: s.where.line },
        `${p.message}; ${f.spec.keyword}_script not run`,
      );
      return;
    }
    // keepalived: the FIFO's name is the script's last argument; it runs until the daemon stops.
    void runScript([...p.argv, f.spec.path], {
      timeoutMs: 2 ** 31 - 1,
      killGroupOnExit: false,
      onSpawn: (pid) => (f.scriptGroup = pid),
      ...(p.uid !== undefined ? { uid: p.uid, gid: p.gid } : {}),
    }).then((r) => {
      f.scriptGroup = undefined;
      this.log.info(
        { script: s.command, exitCode: r.exitCode, signal: r.signal, ...(r.error ? { err: r.error } : {}) },
        `${f.spec.keyword} script terminated`,
      );
    });
  }
}

/**
 * Why an existing FIFO is not ours to write into, or undefined: keepalived notify.c fifo_open
 * refuses one owned by anyone but itself or the FIFO's user; stricter here, one that others (or a
 * foreign group) can write is refused too, since a writer could inject lines into the FIFO's script.
 */
function foreignFifo(st: { uid: number; gid: number; mode: number }, user: Ids | undefined): string | undefined {
  const me = { uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0 };
  if (st.uid !== me.uid && st.uid !== user?.uid) return `is a FIFO owned by uid ${st.uid}, not by this daemon or the FIFO's user`;
  if ((st.mode & 0o002) !== 0) return `is a FIFO that every user can write (mode ${(st.mode & 0o777).toString(8)})`;
  if ((st.mode & 0o020) !== 0 && st.gid !== me.gid && st.gid !== user?.gid)
    return `is a FIFO that group ${st.gid} can write (mode ${(st.mode & 0o777).toString(8)})`;
  return undefined;
}
