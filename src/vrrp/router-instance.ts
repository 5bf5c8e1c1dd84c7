// One instance as the router holds it: the state machine plus what the router decides around it.
import { AhCounter } from "./ipsec-ah.js";
import { VrrpInstance } from "./instance.js";
import type { DropCode } from "./packet.js";
import type { RouterAction, RouterEvent, RouterInstanceSpec } from "./router-types.js";

export class RouterInstance {
  readonly vi: VrrpInstance;
  /** Down timer expired while another sync-group member did not want MASTER (keepalived wantstate). */
  wantsMaster = false;
  /** Sends VRRPv3 IPv4 unicast checksums in keepalived's old form (224.0.0.18 in the pseudo-header). */
  oldChecksum: boolean;
  /** Adverts dropped before the state machine (TTL, peers, codec), per reason. */
  readonly receiveDrops: Partial<Record<DropCode, number>> = {};
  /** auth_type AH: keepalived's one sequence counter, for what we send and what we accept. */
  readonly ahCounter = new AhCounter();
  started = false;
  /** Reached by the event being handled (VrrpRouter's flush clears it). */
  touched = false;
  /** Immutable and sent for every advert: made once, not per advert (allocation is GC time). */
  readonly timerEvent: RouterEvent = { type: "timer", instance: this };
  readonly deadlineAction: RouterAction = { type: "deadline", instance: this };

  constructor(public spec: RouterInstanceSpec) {
    this.vi = new VrrpInstance(spec.config);
    this.oldChecksum = spec.receive.unicastChecksum === "old";
  }

  get name(): string {
    return this.spec.name;
  }

  /** keepalived's SIGSTATS_CLEAR for this instance: counters start again from zero. */
  clearStats(): void {
    const st = this.vi.stats;
    for (const k of Object.keys(st) as (keyof typeof st)[]) if (k !== "drops") st[k] = 0;
    for (const k of Object.keys(st.drops)) delete st.drops[k as keyof typeof st.drops];
    for (const k of Object.keys(this.receiveDrops)) delete this.receiveDrops[k as keyof typeof this.receiveDrops];
  }
}
