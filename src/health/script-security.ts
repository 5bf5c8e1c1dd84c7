// keepalived's script security: a script run as root must not be modifiable by anyone else.
// Every path component (the file and each directory up to /) must be owned by root and not
// writable by group or others. Returns the first problem, naming the path.
import { statSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";

export interface SecurityProblem {
  readonly code: "SCRIPT_NOT_FOUND" | "SCRIPT_UNSAFE";
  readonly path: string;
  readonly message: string;
}

export type SecurityLevel = "strict" | "world-writable-only";

/** Finds an executable by name on PATH (keepalived resolves relative script names the same way). */
export function resolveExecutable(name: string, path = process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"): string | undefined {
  if (isAbsolute(name) || name.includes("/")) return resolve(name);
  for (const dir of path.split(":")) {
    const p = resolve(dir || ".", name);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * strict (enable_script_security): owner root and no group/other write anywhere on the path.
 * world-writable-only (the default for tsvrrpd): refuse only what anyone at all could modify.
 */
export function checkScriptPath(file: string, level: SecurityLevel): SecurityProblem | undefined {
  let p = file;
  try {
    statSync(p);
  } catch {
    return { code: "SCRIPT_NOT_FOUND", path: file, message: `script ${file} not found` };
  }
  for (;;) {
    const st = statSync(p);
    const otherWrite = (st.mode & 0o002) !== 0;
    // a sticky world-writable directory (/tmp) still lets others replace only their own files
    const stickyDir = st.isDirectory() && (st.mode & 0o1000) !== 0;
    if (otherWrite && !stickyDir)
      return {
        code: "SCRIPT_UNSAFE",
        path: p,
        message: `${p} is writable by every user, so ${file} could be replaced by anyone and would run as root`,
      };
    if (level === "strict") {
      if (st.uid !== 0)
        return { code: "SCRIPT_UNSAFE", path: p, message: `${p} is owned by uid ${st.uid}, not root (enable_script_security)` };
      if ((st.mode & 0o020) !== 0 && !stickyDir)
        return { code: "SCRIPT_UNSAFE", path: p, message: `${p} is group-writable (enable_script_security)` };
    }
    const parent = dirname(p);
    if (parent === p) return undefined;
    p = parent;
  }
}
