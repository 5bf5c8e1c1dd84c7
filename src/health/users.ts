// User and group names to ids through the system's name service (getent: NSS, the same lookup as
// getpwnam/getgrnam, so LDAP or systemd users count), not a hand read of /etc/passwd.
import { spawnSync } from "node:child_process";

export interface Ids {
  readonly uid: number;
  readonly gid: number;
}

function getent(db: "passwd" | "group", key: string): string[] | undefined {
  if (!/^[A-Za-z0-9_.][A-Za-z0-9_.@-]*\$?$/.test(key)) return undefined; // names and numbers only
  const r = spawnSync("getent", [db, key], { encoding: "utf8", timeout: 10_000 });
  if (r.status !== 0) return undefined;
  const line = r.stdout.split("\n")[0];
  return line ? line.split(":") : undefined;
}

/** uid and gid of a user (name or number); `group` overrides the primary group. */
export function lookupUser(name: string, group?: string): Ids | undefined {
  const u = getent("passwd", name);
  if (!u) return undefined;
  let gid = Number(u[3]);
  if (group) {
    const g = getent("group", group);
    if (!g) return undefined;
    gid = Number(g[2]);
  }
  return { uid: Number(u[2]), gid };
}
