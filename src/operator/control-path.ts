// Where a daemon's control socket lives when --control does not say. keepalived keeps one daemon's
// files apart from another's by the pid file (-p) and, for a network namespace, by a per-namespace
// directory (core/namespaces.c set_run_mount: /run/keepalived/NAMESPACE bind-mounted over its pid
// directory; core/pidfile.c make_pidfile_name: the instance name in the file name). tsvrrpd derives
// the socket's name from the same two things, so daemons that keepalived would run side by side
// never share a socket, and a client (`tsvrrpd status`) finds its daemon by the same derivation:
//   /run/tsvrrpd/<pid file's base name>.<hash of its absolute path>.net<netns inode>.sock
// - the network namespace is /proc/self/ns/net's inode: `ip netns exec A tsvrrpd status` reaches
//   A's daemon, and two namespaces never share a name even though `ip netns exec` shares /run;
// - the pid file tells two daemons in one namespace apart (`-p a.pid`, `-p b.pid`);
// - `tsvrrpd status` without -p or --control asks the default pid file's socket, else the one daemon
//   of this namespace that answers in /run/tsvrrpd (several: it lists them and asks for -p);
// - a hostNetwork pod shares the host's network namespace but not its mount namespace: its /run
//   is the container's own, so its socket is another file than the host daemon's with the same name.
import { createHash } from "node:crypto";
import { chmodSync, lstatSync, mkdirSync, readdirSync, readlinkSync } from "node:fs";
import { basename, resolve } from "node:path";

/** Root-only directory of derived control sockets. */
export const CONTROL_DIR = "/run/tsvrrpd";
/** keepalived's default pid file (without `instance` or a namespace: RUNSTATEDIR "/keepalived.pid"). */
export const DEFAULT_PID_FILE = "/run/keepalived.pid";

/** The inode of this process's network namespace ("net:[4026531840]" -> "4026531840"). */
export function netnsId(): string {
  try {
    return /\[(\d+)\]/.exec(readlinkSync("/proc/self/ns/net"))?.[1] ?? "unknown";
  } catch {
    return "unknown"; // no /proc: one namespace is all there is
  }
}

/** The control socket of the daemon whose pid file is `pidFile`, in network namespace `netns`. */
export function defaultControlSocket(pidFile: string, netns = netnsId()): string {
  const abs = resolve(pidFile);
  const hash = createHash("sha256").update(abs).digest("hex").slice(0, 12);
  // sockaddr_un holds 108 bytes: the readable part is cut to keep the whole name well below.
  const base = basename(abs)
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .slice(0, 32);
  return `${CONTROL_DIR}/${base}.${hash}.net${netns}.sock`;
}

/** The derived sockets of daemons in network namespace `netns` (those that still answer or not). */
export function controlSocketsIn(netns = netnsId(), dir = CONTROL_DIR): string[] {
  const suffix = `.net${netns}.sock`;
  return readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => `${dir}/${f}`);
}

export class ControlDirError extends Error {
  readonly code = "CONTROL_DIR_UNSAFE";
}

/**
 * Makes CONTROL_DIR (mode 0700) or checks the one there: a directory, not a link, owned by us. A
 * local user who could create or replace entries there could answer `tsvrrpd status` in the
 * daemon's place, or make it refuse to start ("another daemon answers").
 */
export function ensureControlDir(dir = CONTROL_DIR): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  const uid = process.geteuid?.() ?? 0;
  if (!st.isDirectory()) throw new ControlDirError(`${dir} is not a directory (a link or a file); not using it`);
  if (st.uid !== uid) throw new ControlDirError(`${dir} is owned by uid ${st.uid}, not ${uid}; not using it`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700); // ours, but opened up by hand: close it again
}
