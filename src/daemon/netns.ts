// global_defs net_namespace / -s NAME: the daemon runs in network namespace NAME, entered before it
// opens any socket (keepalived 2.2.7 core/main.c keepalived_main, core/namespaces.c set_namespaces:
// open RUNSTATEDIR/netns/NAME, setns(CLONE_NEWNET)). keepalived also bind-mounts
// /run/keepalived/NAME over its pid directory in a mount namespace of its own (set_run_mount), so
// its pid file is /run/keepalived/NAME/keepalived.pid seen from the host; a Node process has
// threads and cannot unshare its mount namespace, so tsvrrpd writes that path directly.
import { mkdirSync } from "node:fs";
import { constants } from "node:os";
import { nativeHelper } from "../native/helper.js";
import { errorFields } from "../error-fields.js";
import { netnsNameProblem } from "../config/netns-name.js";

/** Where `ip netns add` keeps named namespaces (keepalived: RUNSTATEDIR "/netns/"). */
export const NETNS_DIR = "/run/netns";

/** keepalived's pid file in namespace NAME, as the host sees it (namespaces.c set_run_mount). */
export function namespacePidFile(name: string): string {
  return `/run/keepalived/${name}/keepalived.pid`;
}

/** Enters namespace NAME: undefined, or why not (one line). */
export function enterNetns(name: string): string | undefined {
  const problem = netnsNameProblem(name);
  if (problem) return `'${name}' is not a namespace name (${problem})`;
  const path = `${NETNS_DIR}/${name}`;
  let r: number;
  try {
    r = nativeHelper().setNetns(path);
  } catch (e) {
    return `the native helper cannot switch namespaces (${errorFields(e).err})`;
  }
  if (r === 0) return undefined;
  const code = Object.entries(constants.errno).find(([, n]) => n === -r)?.[0] ?? `errno ${-r}`;
  return code === "ENOENT" ? `${path} does not exist (ip netns add ${name})` : `${path}: ${code}`;
}

/** The directory of namespacePidFile (keepalived: mode 0755). */
export function makeNamespacePidDir(name: string): void {
  mkdirSync(`/run/keepalived/${name}`, { recursive: true, mode: 0o755 });
}
