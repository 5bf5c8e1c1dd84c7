// track_file: the numbers in watched files (keepalived trackers/track_file.c). Each file's
// directory is watched through inotify (fs.watch); a change event schedules one read shortly after
// (keepalived reads at IN_CLOSE_WRITE, which fs.watch does not report, so a write is read once it
// has settled). A file that is deleted or moved away reads 0, as keepalived.
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readSync,
  realpathSync,
  statSync,
  watch,
  writeSync,
  ftruncateSync,
  type FSWatcher,
} from "node:fs";
import { basename, dirname } from "node:path";
import type { TrackFileSpec } from "../config/model.js";
import { errorFields, errorCode } from "../error-fields.js";
import type { Logger } from "../operator/log.js";

/** How long after a change event the file is read (a writer's truncate and write settle first). */
export const TRACK_FILE_SETTLE_MS = 20;

export type TrackFileRead =
  | { readonly ok: true; readonly value: number }
  /** The file holds a number out of int32 range: keepalived ignores it and keeps the last value. */
  | { readonly ok: false; readonly reason: string };

/**
 * keepalived process_track_file: strtol(buf, NULL, 0) over the first 127 bytes: leading blanks, a
 * sign, 0x for hex, a leading 0 for octal; no digits read as 0.
 */
export function parseTrackFileNumber(text: string): TrackFileRead {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)?/.exec(text.slice(0, 127));
  const digits = m?.[2];
  if (!digits) return { ok: true, value: 0 };
  const magnitude = /^0[xX]/.test(digits)
    ? parseInt(digits.slice(2), 16)
    : digits.startsWith("0")
      ? parseInt(digits, 8) || 0
      : Number(digits);
  const value = m[1] === "-" ? -magnitude : magnitude;
  if (value < -(2 ** 31) || value > 2 ** 31) return { ok: false, reason: `invalid number ${value}` };
  return { ok: true, value };
}

/** Reads a track file without following a final symlink or blocking on a FIFO; missing = 0. */
export function readTrackFile(path: string): TrackFileRead {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (e) {
    if (errorCode(e) === "ENOENT") return { ok: true, value: 0 };
    throw e;
  }
  try {
    if (!fstatSync(fd).isFile()) return { ok: true, value: 0 };
    const buf = Buffer.alloc(127);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return parseTrackFileNumber(buf.subarray(0, n).toString("latin1"));
  } finally {
    closeSync(fd);
  }
}

/**
 * init_file (track_file.c track_file_end_handler): write VALUE when the file is missing, or always
 * with `overwrite` (not on a reload). Written as root into a directory others may write to, so: no
 * final symlink, no FIFO, and never a file with other hard links.
 */
export function initTrackFile(spec: TrackFileSpec, reload: boolean): "written" | "kept" {
  const init = spec.init;
  if (!init) return "kept";
  let exists = true;
  try {
    statSync(spec.path);
  } catch {
    exists = false;
  }
  if (exists && (!init.overwrite || reload)) return "kept";
  const fd = openSync(spec.path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o644);
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.nlink !== 1)
      throw Object.assign(new Error(`${spec.path} is not a regular file with one link; not written`), { code: "TRACK_FILE_UNSAFE" });
    ftruncateSync(fd, 0);
    writeSync(fd, `${init.value}\n`, 0);
  } finally {
    closeSync(fd);
  }
  return "written";
}

export interface TrackedFileStatus {
  readonly name: string;
  readonly path: string;
  readonly value: number;
  readonly watched: boolean;
}

/** Watches every used track file and reports each new number. */
export class FileTracking {
  private readonly values = new Map<string, number>();
  private readonly watchers: FSWatcher[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly specs: TrackFileSpec[] = [];

  constructor(
    files: readonly TrackFileSpec[],
    used: ReadonlySet<string>,
    private readonly log: Logger,
    private readonly onChange: (name: string, value: number) => void,
  ) {
    this.specs = files.filter((f) => used.has(f.name));
  }

  /** Writes init files, reads every file once and starts watching. */
  start(reload = false): void {
    const byDir = new Map<string, TrackFileSpec[]>();
    for (const original of this.specs) {
      const where = { file: original.where.file, line: original.where.line, trackFile: original.name };
      try {
        if (initTrackFile(original, reload) === "written")
          this.log.info({ ...where, path: original.path }, `track_file ${original.name}: initialised`);
      } catch (e) {
        this.log.error(
          { ...where, ...errorFields(e) },
          `track_file ${original.name}: cannot initialise ${original.path}; tracked as it is`,
        );
      }
      // keepalived init_track_files: the path is resolved once at start (realpath), then the
      // resolved file's directory is watched.
      let spec = original;
      try {
        spec = { ...original, path: realpathSync(original.path) };
      } catch {
        /* missing: the directory is resolved below */
      }
      let dir: string;
      try {
        dir = realpathSync(dirname(spec.path));
        if (!statSync(dir).isDirectory()) throw new Error("not a directory");
      } catch {
        this.log.error(where, `track_file ${spec.name}: directory of ${spec.path} does not exist; not tracked (as keepalived)`);
        continue;
      }
      spec = { ...spec, path: `${dir}/${basename(spec.path)}` };
      byDir.set(dir, [...(byDir.get(dir) ?? []), spec]);
      this.read(spec, true);
    }
    for (const [dir, specs] of byDir) {
      try {
        const w = watch(dir, { persistent: false }, (_event, file) => {
          const name = file?.toString();
          for (const s of specs) if (name === undefined || name === basename(s.path)) this.schedule(s);
        });
        w.on("error", (e) =>
          this.log.error({ dir, ...errorFields(e) }, "track_file directory watch failed; values are frozen until a reload"),
        );
        this.watchers.push(w);
      } catch (e) {
        this.log.error({ dir, ...errorFields(e) }, "cannot watch track_file directory; values are frozen until a reload");
      }
    }
  }

  /** Current numbers of the tracked files (for the router's start). */
  entries(): [string, number][] {
    return [...this.values];
  }

  status(): TrackedFileStatus[] {
    return this.specs.map((s) => ({ name: s.name, path: s.path, value: this.values.get(s.name) ?? 0, watched: this.values.has(s.name) }));
  }

  stop(): void {
    for (const w of this.watchers) w.close();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(spec: TrackFileSpec): void {
    if (this.timers.has(spec.name)) return;
    const t = setTimeout(() => {
      this.timers.delete(spec.name);
      this.read(spec, false);
    }, TRACK_FILE_SETTLE_MS);
    t.unref();
    this.timers.set(spec.name, t);
  }

  private read(spec: TrackFileSpec, initial: boolean): void {
    let r: TrackFileRead;
    try {
      r = readTrackFile(spec.path);
    } catch (e) {
      this.log.warn({ trackFile: spec.name, path: spec.path, ...errorFields(e) }, `track_file ${spec.name}: cannot read; read as 0`);
      r = { ok: true, value: 0 };
    }
    if (!r.ok) {
      this.log.info(
        { trackFile: spec.name, path: spec.path },
        `${r.reason} read from ${spec.path} - ignoring (keeps ${this.values.get(spec.name) ?? 0})`,
      );
      if (initial) this.values.set(spec.name, 0);
      return;
    }
    const before = this.values.get(spec.name);
    this.values.set(spec.name, r.value);
    if (!initial && before !== r.value) {
      this.log.info({ trackFile: spec.name, value: r.value, previous: before }, `track_file ${spec.name} now reads ${r.value}`);
      this.onChange(spec.name, r.value);
    }
  }
}
