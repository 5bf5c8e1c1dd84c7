// --reload-on-change: reload when the configuration changes, as on SIGHUP.
// A ConfigMap or Secret mounted by kubelet is a directory of symlinks: keepalived.conf ->
// ..data/keepalived.conf, and ..data -> ..2026_12_07_03_04_05.123456789. kubelet's AtomicWriter
// (pkg/volume/util/atomic_writer.go) writes a new timestamped directory, points ..data_tmp at it
// and renames ..data_tmp over ..data. A watch on the file follows the old inode and never sees the
// swap, so the watcher watches the directories holding the file and its includes (inotify through
// fs.watch: the rename of ..data is an event there) and compares the content of every file
// the configuration reads; editors that replace or rewrite the file in place are seen the same way.
// A slow poll backs the watch up (an overlay or network filesystem without inotify events).
import { createHash } from "node:crypto";
import { readFileSync, watch, type FSWatcher } from "node:fs";
import { dirname } from "node:path";
import { readConfTree, type ReadOptions } from "../config/conf-syntax.js";
import type { Logger } from "./log.js";
import { errorFields, errorCode } from "../error-fields.js";

export interface ConfigWatchOptions {
  readonly log: Logger;
  /** Called once per change of content, after the directories have been quiet for debounceMs. */
  readonly onChange: () => void;
  readonly readOptions?: ReadOptions;
  readonly debounceMs?: number;
  readonly pollMs?: number;
}

/** The files a configuration reads (itself and its includes) and a hash of their content. */
export function configFingerprint(file: string, readOptions: ReadOptions = {}): { files: string[]; hash: string } {
  const files = [...new Set([file, ...readConfTree(file, readOptions).files])];
  const h = createHash("sha256");
  for (const f of files) {
    h.update(f).update("\0");
    try {
      h.update(readFileSync(f));
    } catch (e) {
      h.update(`unreadable: ${errorCode(e) ?? "?"}`);
    }
    h.update("\0");
  }
  return { files, hash: h.digest("hex") };
}

export class ConfigWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private hash: string;
  private files: string[];
  private debounce?: NodeJS.Timeout;
  private poll?: NodeJS.Timeout;

  constructor(
    private readonly file: string,
    private readonly o: ConfigWatchOptions,
  ) {
    const fp = configFingerprint(file, o.readOptions);
    this.hash = fp.hash;
    this.files = fp.files;
  }

  start(): void {
    this.watchDirs();
    this.poll = setInterval(() => this.check(), this.o.pollMs ?? 10_000);
    this.poll.unref();
    this.o.log.info({ file: this.file, dirs: [...this.watchers.keys()] }, "watching the configuration; a change reloads it as SIGHUP does");
  }

  stop(): void {
    clearTimeout(this.debounce);
    clearInterval(this.poll);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  /** The directories of the file and its includes, as named (not resolved: the ..data swap happens there). */
  private watchDirs(): void {
    const dirs = new Set(this.files.map((f) => dirname(f)));
    for (const [d, w] of this.watchers)
      if (!dirs.has(d)) {
        w.close();
        this.watchers.delete(d);
      }
    for (const d of dirs) {
      if (this.watchers.has(d)) continue;
      try {
        const w = watch(d, { persistent: false }, () => this.soon());
        w.on("error", (e) => {
          this.o.log.warn({ dir: d, err: e.message }, "configuration watch failed; polling every 10 s instead");
          w.close();
          this.watchers.delete(d);
        });
        this.watchers.set(d, w);
      } catch (e) {
        this.o.log.warn({ dir: d, ...errorFields(e) }, "cannot watch the configuration directory; polling every 10 s instead");
      }
    }
  }

  private soon(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.check(), this.o.debounceMs ?? 250);
    this.debounce.unref();
  }

  private check(): void {
    let fp: { files: string[]; hash: string };
    try {
      fp = configFingerprint(this.file, this.o.readOptions);
    } catch (e) {
      this.o.log.warn({ file: this.file, ...errorFields(e) }, "cannot read the configuration to compare; will look again");
      return;
    }
    if (fp.hash === this.hash) return;
    this.hash = fp.hash;
    this.files = fp.files;
    this.watchDirs();
    this.o.log.info({ file: this.file }, "configuration changed on disk; reloading as on SIGHUP");
    this.o.onChange();
  }
}
