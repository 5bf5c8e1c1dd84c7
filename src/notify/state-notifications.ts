// What every state change tells the outside: notify scripts, notify FIFO lines, SNMP traps and
// keepalived's log words, for instances (the drivers' InstanceNotifications port) and sync groups
// (the runtime's group-state action).
import type { NotifyScripts } from "../config/model.js";
import type { InstanceEventName, State } from "../vrrp/instance-types.js";
import type { InstanceDriver, InstanceNotifications } from "../daemon/instance-driver.js";
import type { Logger } from "../operator/log.js";
import type { NotifyJob } from "./notify.js";
import { fifoLine } from "./notify-fifo.js";

export interface NotificationPorts {
  readonly notify: { enqueue(job: NotifyJob): void };
  /** notify_fifo / vrrp_notify_fifo: one line per state change, in order. */
  readonly fifo: { write(line: string): void };
  /** SNMP notifications (vrrpInstanceStateChange, vrrpv3NotifyNewMaster, vrrpSyncGroupStateChange). */
  readonly snmp?: { instanceState(name: string, to: State, reason: string): void; groupState(group: string, state: State): void };
  readonly log: Logger;
  readonly groups: { groupNotify(group: string): NotifyScripts | undefined };
}

export class StateNotifications implements InstanceNotifications {
  constructor(private readonly p: NotificationPorts) {}

  /** keepalived 2.2.7 vrrp_notify.c send_event_notify: the script (no arguments), then the FIFO
   * line; send_instance_priority_notifies: the FIFO line alone, with the new priority. */
  event(d: InstanceDriver, event: InstanceEventName): void {
    const m = d.spec.model;
    const script = event === "MASTER_RX_LOWER_PRI" ? m.notify.masterRxLowerPri : undefined;
    if (script) this.p.notify.enqueue({ key: m.name, script, extraArgs: [], fields: { instance: m.name, event } });
    this.p.fifo.write(fifoLine("INSTANCE", m.name, event, d.ri.vi.effectivePriority));
  }

  state(d: InstanceDriver, from: State, to: State, reason: string): void {
    // keepalived's words (vrrp.c, vrrp_scheduler.c vrrp_init_state), so log greps and alerts written
    // for keepalived keep firing; `kl` makes the text the message alone.
    const name = d.spec.name;
    const msg =
      to === "INIT"
        ? `stopped, was ${from}` // not keepalived's words (kl false): the text streams prefix "(NAME) "
        : `(${name}) Entering ${to} STATE${from === "INIT" && to !== "MASTER" ? " (init)" : ""}`;
    d.log.info({ from, to, transition: `${from} -> ${to}`, reason, priority: d.ri.vi.effectivePriority, kl: to !== "INIT" }, msg);
    let word: NotifyWord = notifyWord(to);
    // keepalived 2.2.7 vrrp.c clear_diff_vrrp, vrrp_notify.c send_instance_notifies: an instance a
    // reload deletes is notified FAULT (nothing if it was in FAULT already), or DELETED with
    // notify_deleted (its script, if given, instead of notify_fault). Measured with 2.2.7: the
    // scripts run, but no notify FIFO line is written for it (the FIFO is reopened by the reload).
    const deleted = d.isDeleted && to === "INIT";
    if (deleted) {
      if (!d.spec.model.notifyDeleted && from === "FAULT") return;
      word = d.spec.model.notifyDeleted ? "DELETED" : "FAULT";
    }
    const priority = String(d.ri.vi.effectivePriority);
    this.notifyState(d.spec.name, d.spec.model.notify, word, ["INSTANCE", d.spec.name, word, priority], {
      instance: d.spec.name,
      state: word,
    });
    if (!deleted) this.p.fifo.write(fifoLine("INSTANCE", d.spec.name, word, d.ri.vi.effectivePriority));
    this.p.snmp?.instanceState(d.spec.name, to, reason);
  }

  groupState(group: string, state: State): void {
    const word = notifyWord(state);
    // keepalived vrrp_sync.c: "VRRP_Group(%s) Syncing instances to %s state".
    if (word === "STOP") this.p.log.info({ group, state: word }, `VRRP_Group(${group}) stopped`);
    else this.p.log.info({ group, state: word, kl: true }, `VRRP_Group(${group}) Syncing instances to ${word} state`);
    const n = this.p.groups.groupNotify(group);
    if (n) this.notifyState(`group:${group}`, n, word, ["GROUP", group, word, "0"], { group, state: word });
    this.p.fifo.write(fifoLine("GROUP", group, word, 0));
    this.p.snmp?.groupState(group, state);
  }

  /** keepalived notify.c: the state's own script (no arguments), then the generic `notify` with TYPE NAME STATE PRIORITY. */
  private notifyState(key: string, n: NotifyScripts, word: NotifyWord, genericArgs: string[], fields: Record<string, unknown>): void {
    const specific = { MASTER: n.master, BACKUP: n.backup, FAULT: n.fault, STOP: n.stop, DELETED: n.deleted }[word];
    if (specific) this.p.notify.enqueue({ key, script: specific, extraArgs: [], fields });
    if (n.generic) this.p.notify.enqueue({ key, script: n.generic, extraArgs: genericArgs, fields });
  }
}

type NotifyWord = "MASTER" | "BACKUP" | "FAULT" | "STOP" | "DELETED";

/** keepalived's word for a state in notifications: INIT is STOP. */
function notifyWord(state: State): NotifyWord {
  return state === "INIT" ? "STOP" : state;
}
