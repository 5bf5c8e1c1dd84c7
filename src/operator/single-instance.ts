// One daemon per pid file and control socket (keepalived core/pidfile.c keepalived_running:
// "daemon is already running"). keepalived holds an OFD lock on the pid file; Node cannot, so a
// pid file naming a live tsvrrpd or keepalived process means another daemon owns it. A control
// socket that still answers is never unlinked.
import { randomBytes } from "node:crypto";
import { closeSync, constants, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { connect } from "node:net";

/** The pid a pid file names, if that process is alive and is tsvrrpd or keepalived. */
export function liveDaemon(pidFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, "utf8").trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return undefined;
  try {
    const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
    return /keepalived|tsvrrpd/.test(comm) || /\b(keepalived|tsvrrpd)\b/.test(cmdline) ? pid : undefined;
  } catch {
    return undefined; // gone
  }
}

/** Writes the pid file as a new file renamed into place: a link planted at the name is not followed. */
export function writePidFile(path: string): void {
  const tmp = `${path}.${randomBytes(6).toString("hex")}`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Resolves true when something accepts connections on the unix socket at `path`. */
export function socketAnswers(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    const done = (v: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.on("connect", () => done(true));
    s.on("error", () => done(false));
  });
}
