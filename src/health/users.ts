// User and group names to ids through the system's name service (getent: NSS, the same lookup as
// getpwnam/getgrnam, so LDAP or systemd users count), not a hand read of /etc/passwd.
import { spawnSync } from "node:child_process";

export interface Ids {
  readonly uid: number;
  readonly gid: number;
}

/**
 * Answers for the current turn of the event loop: a configuration with 255 scripts looked up
 * keepalived_script 255 times, 1.5 s of getent at start. Cleared after the turn, so an account
 * added before a reload is seen.
 */
const answers = new Map<string, string[] | undefined>();

function getent(db: "passwd" | "group", key: string): string[] | undefined {
  if (!/^[A-Za-z0-9_.][A-Za-z0-9_.@-]*\$?$/.test(key)) return undefined; // names and numbers only
  const k = `${db}:${key}`;
  if (answers.has(k)) return answers.get(k);
  if (answers.size === 0) setImmediate(() => answers.clear()).unref();
  const r = spawnSync("getent", [db, key], { encoding: "utf8", timeout: 10_000 });
  const line = r.status === 0 ? r.stdout.split("\n")[0] : undefined;
  const fields = line ? line.split(":") : undefined;
  answers.set(k, fields);
  return fields;
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

export interface ScriptUserPolicy {
  readonly scriptUser?: string;
  readonly scriptGroup?: string;
  readonly enableScriptSecurity: boolean;
}

export type DefaultScriptUser = { readonly ok: true; readonly ids?: Ids } | { readonly ok: false; readonly message: string };

/**
 * The user of a script that names none (keepalived core/notify.c get_default_script_user and
 * set_default_script_user): `script_user` when set (a missing one fails), else `keepalived_script`
 * when it exists, else the daemon's own user (root) -- except with `enable_script_security`, where
 * a missing `keepalived_script` fails: the script is removed, never run as root.
 */
export function defaultScriptUser(policy: ScriptUserPolicy): DefaultScriptUser {
  if (policy.scriptUser) {
    const ids = lookupUser(policy.scriptUser, policy.scriptGroup);
    if (ids) return { ok: true, ids };
    const group = policy.scriptGroup ? ` / group ${policy.scriptGroup}` : "";
    return { ok: false, message: `script_user ${policy.scriptUser}${group} not found` };
  }
  const ids = lookupUser("keepalived_script");
  if (ids) return { ok: true, ids };
  if (policy.enableScriptSecurity) return { ok: false, message: "Unable to set default user keepalived_script for script" };
  return { ok: true };
}
