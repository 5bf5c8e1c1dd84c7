// keepalived's tracking rules, pure: rise/fall turn check results into OK/FAILED, and weights
// turn tracker states into an effective priority or a FAULT.

export type TrackerState = "OK" | "FAILED";

/** rise/fall debouncing of one check (keepalived vrrp_script). */
export class RiseFall {
  private _state: TrackerState;
  private streak = 0;
  private started = false;

  constructor(readonly rise: number, readonly fall: number, initFail = false) {
    this._state = initFail ? "FAILED" : "OK";
  }

  get state(): TrackerState {
    return this._state;
  }

  /** Feeds one result; returns the new state if it changed. */
  result(ok: boolean): TrackerState | undefined {
    if (!this.started) {
      // keepalived: the first result decides at start (one success is enough, one failure too)
      this.started = true;
      this.streak = 0;
      const s: TrackerState = ok ? "OK" : "FAILED";
      if (s !== this._state) {
        this._state = s;
        return s;
      }
      return undefined;
    }
    const wantsChange = ok ? this._state === "FAILED" : this._state === "OK";
    if (!wantsChange) {
      this.streak = 0;
      return undefined;
    }
    this.streak++;
    if (this.streak >= (ok ? this.rise : this.fall)) {
      this._state = ok ? "OK" : "FAILED";
      this.streak = 0;
      return this._state;
    }
    return undefined;
  }
}

export interface WeightedTracker {
  readonly weight: number;
  readonly state: TrackerState;
  /** keepalived `weight N reverse`: the contribution is negated (vrrp_track.c weight_multiplier -1). */
  readonly reverse?: boolean;
}

/**
 * Effective priority from the base and the weighted trackers (keepalived vrrp_track.c
 * process_script_update_priority): a positive weight adds while OK, a negative one subtracts while
 * FAILED, `reverse` negates either; clamped to 1..254; an owner (255) is not moved.
 */
export function effectivePriority(base: number, trackers: readonly WeightedTracker[]): number {
  if (base === 255) return 255;
  let p = base;
  for (const t of trackers) {
    const sign = t.reverse ? -1 : 1;
    if (t.weight > 0 && t.state === "OK") p += sign * t.weight;
    else if (t.weight < 0 && t.state === "FAILED") p += sign * t.weight;
  }
  return Math.min(254, Math.max(1, p));
}
