// Which processes a vrrp_track_process counts (keepalived core/track_process.c read_procs,
// check_params): the name is the process's comm, or with full_command / param_match its
// command line's first word; parameters compare against the rest of the command line, whose
// words end in NUL as in /proc/PID/cmdline.
import type { TrackProcessSpec } from "../config/model.js";

/** The configured parameters as /proc/PID/cmdline stores them: each word NUL-terminated. */
export function paramBytes(params: readonly string[]): Buffer {
  return Buffer.from(params.map((p) => `${p}\0`).join(""), "utf8");
}

/** keepalived check_params. `params` is the cmdline after argv[0] and its NUL. */
function paramsMatch(spec: TrackProcessSpec, params: Buffer): boolean {
  const want = paramBytes(spec.params);
  if (spec.paramMatch === "exact" && spec.params.length === 0 && params.length === 0) return true;
  if (params.length < want.length) return false;
  if (spec.paramMatch === "exact") return params.length === want.length && params.equals(want);
  if (spec.params.length === 0) return true;
  if (spec.paramMatch === "partial") return params.subarray(0, want.length).equals(want);
  // initial: the last configured word may be the start of the process's word.
  return want.length === 1 || params.subarray(0, want.length - 1).equals(want.subarray(0, want.length - 1));
}

/** Does a process with this comm and raw cmdline count for `spec`? */
export function processMatches(spec: TrackProcessSpec, comm: string | undefined, cmdline: Buffer | undefined): boolean {
  if (!spec.fullCommand) return comm !== undefined && comm === spec.process;
  if (!cmdline || cmdline.length === 0) return false; // kernel threads and zombies have none
  const end = cmdline.indexOf(0);
  const argv0 = cmdline.subarray(0, end < 0 ? cmdline.length : end).toString("utf8");
  if (argv0 !== spec.process) return false;
  if (spec.paramMatch === "none") return true;
  return paramsMatch(spec, end < 0 ? Buffer.alloc(0) : cmdline.subarray(end + 1));
}

/** keepalived's quorum: up while quorum <= count <= quorum_max. */
export function hasQuorum(spec: Pick<TrackProcessSpec, "quorum" | "quorumMax">, count: number): boolean {
  return count >= spec.quorum && count <= spec.quorumMax;
}
