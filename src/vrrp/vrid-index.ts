// Which of the router's instances an advert is for. Indexed by VRID: a backup of 255 instances
// hears 2,550 adverts a second, each matched against its VRID's few instances, not every one.
import { sameDelivery, type ReceivedPacket } from "./receive.js";
import type { RouterInstance } from "./router-types.js";

const NONE: readonly RouterInstance[] = [];

export class VridIndex {
  private byVrid = new Map<number, RouterInstance[]>();

  constructor(list: readonly RouterInstance[]) {
    this.rebuild(list);
  }

  /** After a reload: the instance list changed. */
  rebuild(list: readonly RouterInstance[]): void {
    this.byVrid = new Map();
    for (const i of list) {
      const same = this.byVrid.get(i.spec.config.vrid);
      if (same) same.push(i);
      else this.byVrid.set(i.spec.config.vrid, [i]);
    }
  }

  of(vrid: number): readonly RouterInstance[] {
    return this.byVrid.get(vrid) ?? NONE;
  }
}

/** Whether instance `i`, one of the advert's VRID (VridIndex.of), takes it: same family, interface and delivery (multicast or unicast). */
export function takes(i: RouterInstance, rx: ReceivedPacket): boolean {
  const s = i.spec;
  return s.config.family === rx.family && s.interface === rx.ifname && sameDelivery(s.receive, rx);
}
