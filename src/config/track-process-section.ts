// `vrrp_track_process NAME { ... }` (keepalived vrrp/vrrp_parser.c vrrp_tprocess_handler and the
// handlers after it; defaults from vrrp_data.c alloc_vrrp_process: quorum 1, quorum_max unlimited).
import type { Statement } from "./conf-syntax.js";
import type { Ctx } from "./conf-context.js";
import type { TrackProcessSpec } from "./model.js";

/** vrrp_data.c alloc_vrrp_process: what an entry is before its keywords are read. */
export const TRACK_PROCESS_DEFAULTS = {
  params: [] as readonly string[],
  paramMatch: "none",
  fullCommand: false,
  weight: 0,
  weightReverse: false,
  quorum: 1,
  quorumMax: 2 ** 32 - 1,
  terminateDelayMs: 0,
  forkDelayMs: 0,
} as const satisfies Omit<TrackProcessSpec, "name" | "where" | "process">;

export function parseTrackProcess(ctx: Ctx, s: Statement): TrackProcessSpec | undefined {
  const name = s.args[0];
  if (!name) {
    ctx.error(s.where, "MISSING_NAME", "vrrp_track_process needs a name");
    return undefined;
  }
  const d = TRACK_PROCESS_DEFAULTS;
  let process: string | undefined;
  let params: readonly string[] = d.params;
  let paramMatch: TrackProcessSpec["paramMatch"] = d.paramMatch;
  let fullCommand: boolean = d.fullCommand;
  let weight: number = d.weight;
  let weightReverse: boolean = d.weightReverse;
  let quorum: number = d.quorum;
  let quorumMax: number = d.quorumMax;
  let terminateDelayMs: number = d.terminateDelayMs;
  let forkDelayMs: number = d.forkDelayMs;
  for (const st of s.block ?? []) {
    if (ctx.gate(st, "vrrp_track_process", `vrrp_track_process ${name}`)) continue;
    switch (st.keyword) {
      case "process":
        // vrrp_tprocess_process_handler: parameters imply an exact match on the full command line.
        if (process !== undefined) {
          ctx.warn(
            st.where,
            "BAD_VALUE",
            `process already set for track process ${name}; ${JSON.stringify(st.args[0])} ignored (as keepalived)`,
          );
          break;
        }
        process = ctx.arg(st, "a process name or path");
        params = st.args.slice(1);
        if (params.length > 0) {
          if (paramMatch === "none") paramMatch = "exact";
          fullCommand = true;
        }
        break;
      case "param_match": {
        const v = st.args[0];
        if (v === undefined) paramMatch = "exact";
        else if (v === "initial" || v === "partial") paramMatch = v;
        else {
          ctx.warn(st.where, "BAD_VALUE", `invalid param_match type ${JSON.stringify(v)}; ignored (as keepalived)`);
          break;
        }
        fullCommand = true;
        break;
      }
      case "full_command":
        fullCommand = true;
        break;
      case "weight": {
        const w = ctx.weight(st, `vrrp_track_process ${name}`);
        if (w === undefined) break;
        weight = w.weight;
        if (w.reverse) weightReverse = true;
        break;
      }
      case "quorum": {
        const v = ctx.int(st, 1, 65535);
        if (v === undefined) break;
        if (v > quorumMax) ctx.warn(st.where, "BAD_VALUE", "quorum is greater than quorum_max; ignored (as keepalived)");
        else quorum = v;
        break;
      }
      case "quorum_max": {
        const v = ctx.int(st, 0, 65535);
        if (v === undefined) break;
        if ((v || quorum > 1) && v < quorum) {
          ctx.warn(st.where, "BAD_VALUE", "quorum_max is less than quorum; ignored (as keepalived)");
          break;
        }
        quorumMax = v;
        if (v === 0) quorum = 0;
        break;
      }
      case "delay":
      case "terminate_delay":
      case "fork_delay": {
        const v = ctx.num(st, 0.000001, 3600);
        if (v === undefined) break;
        const ms = v * 1000;
        if (st.keyword !== "fork_delay") terminateDelayMs = ms;
        if (st.keyword !== "terminate_delay") forkDelayMs = ms;
        break;
      }
      default:
        ctx.unhandled(st, "vrrp_track_process");
    }
  }
  if (process === undefined) {
    ctx.error(s.where, "MISSING_VALUE", `track process '${name}' process name not specified; it is not tracked`);
    return undefined;
  }
  if (!fullCommand && Buffer.byteLength(process) > 15)
    ctx.warn(
      s.where,
      "BAD_VALUE",
      `vrrp_track_process ${name}: ${JSON.stringify(process)} is longer than a process's comm (15 bytes) and never matches without full_command (as keepalived)`,
    );
  return {
    name,
    where: s.where,
    process,
    params,
    paramMatch,
    fullCommand,
    weight,
    weightReverse,
    quorum,
    quorumMax,
    terminateDelayMs,
    forkDelayMs,
  };
}
