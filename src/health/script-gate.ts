// One gate for every script the daemon runs, check or notify (keepalived core/notify.c
// notify_script_init, check_script_secure): the command is split without a shell, the executable
// is found on PATH once, at load, and resolved through every symlink; the security check runs on
// both the named path and the real file, and the real file is what gets executed. No PATH lookup
// happens at run time. The user is the script's own, else script_user, else `keepalived_script`
// when it exists, else root -- but never root under enable_script_security (defaultScriptUser).
import { lstatSync, realpathSync } from "node:fs";
import { splitCommandLine } from "./command-line.js";
import { checkScriptPath, resolveExecutable } from "./script-security.js";
import { defaultScriptUser, lookupUser } from "./users.js";
import { errorFields } from "../error-fields.js";

export interface ScriptPolicy {
  readonly scriptUser?: string;
  readonly scriptGroup?: string;
  readonly enableScriptSecurity: boolean;
}

export interface PreparedScript {
  readonly ok: true;
  /** argv[0] is the resolved real path that was checked. */
  readonly argv: readonly string[];
  readonly uid?: number;
  readonly gid?: number;
}

export interface ScriptRefusal {
  readonly ok: false;
  readonly code: "BAD_COMMAND_LINE" | "SCRIPT_NOT_FOUND" | "SCRIPT_UNSAFE" | "NO_SUCH_USER";
  readonly message: string;
}

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * The environment scripts get: the daemon's own minus field-splitting and loader overrides
 * (keepalived core/notify.c system_call: unsetenv IFS, LD_PRELOAD, LD_LIBRARY_PATH), and Node's
 * own injection points, which would reach scripts written in Node.
 */
export function scriptEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (["IFS", "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "NODE_OPTIONS", "NODE_PATH"].includes(k)) continue;
    out[k] = v;
  }
  out.PATH ??= DEFAULT_PATH;
  return out;
}

export const SCRIPT_ENV: NodeJS.ProcessEnv = scriptEnv();

export function prepareScript(line: string, who: { user?: string; group?: string }, policy: ScriptPolicy): PreparedScript | ScriptRefusal {
  let argv: string[];
  try {
    argv = splitCommandLine(line);
  } catch (e) {
    return { ok: false, code: "BAD_COMMAND_LINE", message: errorFields(e).err };
  }
  if (argv.length === 0) return { ok: false, code: "BAD_COMMAND_LINE", message: "empty command" };
  let ids: { uid: number; gid: number } | undefined;
  if (who.user) {
    ids = lookupUser(who.user, who.group);
    if (!ids)
      return { ok: false, code: "NO_SUCH_USER", message: `script user ${who.user}${who.group ? ` / group ${who.group}` : ""} not found` };
  } else {
    // keepalived notify.c notify_script_init: "Failed to set default user for ... script - ignoring"
    const d = defaultScriptUser(policy);
    if (!d.ok) return { ok: false, code: "NO_SUCH_USER", message: d.message };
    ids = d.ids;
  }
  const named = resolveExecutable(argv[0] as string, SCRIPT_ENV.PATH);
  if (!named) return { ok: false, code: "SCRIPT_NOT_FOUND", message: `script ${argv[0]} not found on ${SCRIPT_ENV.PATH}` };
  let real: string;
  try {
    real = realpathSync(named);
  } catch {
    return {
      ok: false,
      code: "SCRIPT_NOT_FOUND",
      message: isLink(named) ? `script ${named} is a dangling link` : `script ${named} not found`,
    };
  }
  const level = policy.enableScriptSecurity ? "strict" : "world-writable-only";
  for (const p of named === real ? [real] : [named, real]) {
    const problem = checkScriptPath(p, level);
    if (problem) return { ok: false, code: problem.code, message: problem.message };
  }
  return { ok: true, argv: [real, ...argv.slice(1)], ...(ids ? { uid: ids.uid, gid: ids.gid } : {}) };
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
