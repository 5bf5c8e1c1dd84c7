// interface_up_down_delays: a link going down or up reaches the instances only after the
// interface's delay, and not at all if it flips back first. keepalived 2.2.7
// keepalived_netlink.c update_interface_flags / delayed_if_flags_change_thread: the change is
// delayed only once the interface has been seen up (seen_up), a flap back to the applied state
// cancels the pending change, and a second change the same way keeps the first deadline.

export interface LinkState {
  readonly present: boolean;
  readonly up: boolean;
}

/** Per interface: ms a down / an up waits before the instances see it (0: at once). */
export interface LinkDelay {
  readonly downMs: number;
  readonly upMs: number;
}

export type LinkDecision =
  /** Give the state to the instances now. */
  | { readonly kind: "apply" }
  /** Held until `at` (a new deadline, or the pending one updated). */
  | { readonly kind: "delayed"; readonly at: number; readonly delayMs: number }
  /** The link is back where the instances last saw it: the pending change is dropped. */
  | { readonly kind: "cancelled" }
  /** Same direction as the change already pending: its deadline stays. */
  | { readonly kind: "pending" };

export class LinkDebounce {
  private delays: ReadonlyMap<string, LinkDelay>;
  private readonly seenUp = new Set<string>();
  private readonly pending = new Map<string, { state: LinkState; at: number }>();

  constructor(delays: ReadonlyMap<string, LinkDelay> = new Map()) {
    this.delays = delays;
  }

  /** A reload: new delays apply to changes from now on; a pending change keeps its deadline. */
  setDelays(delays: ReadonlyMap<string, LinkDelay>): void {
    this.delays = delays;
  }

  /** `applied`: what the instances see now (undefined: never reported). */
  report(ifname: string, state: LinkState, applied: LinkState | undefined, now: number): LinkDecision {
    const p = this.pending.get(ifname);
    const same = applied !== undefined && applied.present === state.present && applied.up === state.up;
    if (p) {
      if (same) {
        this.pending.delete(ifname);
        return { kind: "cancelled" };
      }
      if (p.state.up === state.up && state.present) {
        p.state = state;
        return { kind: "pending" };
      }
      this.pending.delete(ifname);
    }
    if (!state.present) {
      // keepalived_netlink.c netlink_link_filter RTM_DELLINK: cleanup_lost_interface at once, seen_up cleared.
      this.seenUp.delete(ifname);
      return { kind: "apply" };
    }
    const d = this.delays.get(ifname);
    const delayMs = d ? (state.up ? d.upMs : d.downMs) : 0;
    if (applied && applied.up !== state.up && this.seenUp.has(ifname) && delayMs > 0) {
      const at = now + delayMs;
      this.pending.set(ifname, { state, at });
      return { kind: "delayed", at, delayMs };
    }
    if (state.up) this.seenUp.add(ifname);
    return { kind: "apply" };
  }

  /** The changes whose deadline has come, removed from the pending set. */
  due(now: number): { ifname: string; state: LinkState }[] {
    const out: { ifname: string; state: LinkState }[] = [];
    for (const [ifname, p] of this.pending)
      if (p.at <= now) {
        this.pending.delete(ifname);
        if (p.state.up) this.seenUp.add(ifname);
        out.push({ ifname, state: p.state });
      }
    return out;
  }

  /** The earliest pending deadline, if any. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const p of this.pending.values()) if (next === undefined || p.at < next) next = p.at;
    return next;
  }
}
