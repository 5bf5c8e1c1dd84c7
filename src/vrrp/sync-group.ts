// keepalived's sync-group rules that need no state of their own (vrrp_sync.c).
import type { State } from "./instance-types.js";
import type { RouterInstance } from "./router-types.js";

/**
 * vrrp_sync_can_goto_master: `i` may go MASTER when every other member is MASTER, wants MASTER,
 * or has its own down timer due now.
 */
export function syncMayGoMaster(i: RouterInstance, members: readonly RouterInstance[], now: number): boolean {
  return members.every((m) => m === i || m.vi.state === "MASTER" || m.wantsMaster || m.vi.masterDownDue(now));
}

/** The group's state for its notify scripts: FAULT if any member is, MASTER if all are, STOP (INIT) if all stopped. */
export function groupState(states: readonly State[]): State {
  if (states.includes("FAULT")) return "FAULT";
  if (states.every((s) => s === "MASTER")) return "MASTER";
  if (states.every((s) => s === "INIT")) return "INIT";
  return "BACKUP";
}
