// global_defs startup_script, startup_script_timeout, shutdown_script, shutdown_script_timeout
// (keepalived 2.2.7 core/global_parser.c startup_shutdown_script and
// startup_shutdown_script_timeout_handler). keepalived reports each problem as a configuration
// error and carries on without the keyword; so do we, as warnings, in its words.
import type { Statement } from "./conf-syntax.js";
import type { Ctx } from "./conf-context.js";
import type { NotifyScript, StartStopScript } from "./model.js";

type Kind = "startup" | "shutdown";

export interface StartStopDraft {
  startup?: NotifyScript;
  shutdown?: NotifyScript;
  startupTimeoutSec?: number;
  shutdownTimeoutSec?: number;
}

/** keepalived: a script given without a timeout gets 10 s. */
export const DEFAULT_START_STOP_TIMEOUT_SEC = 10;

/** Reads one of the four keywords into the draft; false when the statement is none of them. */
export function parseStartStopScript(ctx: Ctx, st: Statement, d: StartStopDraft): boolean {
  const m = /^(startup|shutdown)_script(_timeout)?$/.exec(st.keyword);
  if (!m) return false;
  const kind = m[1] as Kind;
  if (m[2]) {
    const v = st.args[0];
    if (v === undefined) ctx.warn(st.where, "MISSING_VALUE", `${kind}_script_timeout requires value (as keepalived); ignored`);
    else if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 1000)
      ctx.warn(st.where, "BAD_VALUE", `${kind}_script_timeout '${v}' must be in [1, 1000] - ignoring (as keepalived)`);
    else d[`${kind}TimeoutSec`] = Number(v);
    return true;
  }
  if (d[kind]) {
    ctx.warn(st.where, "BAD_VALUE", `${kind} script already specified (as keepalived); this one is ignored`);
    return true;
  }
  // notify_script_init: the command line (quoted to give it arguments), then an optional user and group.
  const [command, user, group, ...rest] = st.args;
  if (!command) {
    ctx.warn(st.where, "MISSING_VALUE", `${kind} script missing (as keepalived); ignored`);
    return true;
  }
  if (rest.length)
    ctx.warn(
      st.where,
      "EXTRA_ARGUMENTS",
      `'${st.keyword}': ${JSON.stringify(rest.join(" "))} after the user and group is ignored; quote the command to give it arguments`,
    );
  d[kind] = { command, where: st.where, ...(user ? { user } : {}), ...(group ? { group } : {}) };
  return true;
}

/** The GlobalSpec fields: a timeout without its script sets nothing, as in keepalived. */
export function startStopScripts(d: StartStopDraft): { startupScript?: StartStopScript; shutdownScript?: StartStopScript } {
  const out: { startupScript?: StartStopScript; shutdownScript?: StartStopScript } = {};
  if (d.startup) out.startupScript = { ...d.startup, timeoutSec: d.startupTimeoutSec ?? DEFAULT_START_STOP_TIMEOUT_SEC };
  if (d.shutdown) out.shutdownScript = { ...d.shutdown, timeoutSec: d.shutdownTimeoutSec ?? DEFAULT_START_STOP_TIMEOUT_SEC };
  return out;
}
