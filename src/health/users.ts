// User and group names to ids from /etc/passwd and /etc/group (Node has no getpwnam).
import { readFileSync } from "node:fs";

export interface Ids {
  readonly uid: number;
  readonly gid: number;
}

function table(path: string): string[][] {
  try {
    return readFileSync(path, "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => l.split(":"));
  } catch {
    return [];
  }
}

export function lookupUser(name: string, group?: string, passwd = "/etc/passwd", groups = "/etc/group"): Ids | undefined {
  const u = table(passwd).find((f) => f[0] === name || (/^\d+$/.test(name) && f[2] === name));
  if (!u) return undefined;
  let gid = Number(u[3]);
  if (group) {
    const g = table(groups).find((f) => f[0] === group || (/^\d+$/.test(group) && f[2] === group));
    if (!g) return undefined;
    gid = Number(g[2]);
  }
  return { uid: Number(u[2]), gid };
}
