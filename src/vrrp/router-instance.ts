// One instance as the router holds it: the state machine plus what the router decides around it.
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
}
