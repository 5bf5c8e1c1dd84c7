// keepalived's tracking rules, pure: rise/fall turn check results into OK/FAILED (the weights that
// turn tracker states into an effective priority or a FAULT are vrrp/priority.ts).

import type { TrackerState } from "../vrrp/priority.js";

/** rise/fall debouncing of one check (keepalived vrrp_script). */
export class RiseFall {
  private _state: TrackerState;
  private streak = 0;
  private started = false;

  constructor(
    readonly rise: number,
    readonly fall: number,
    initFail = false,
  ) {
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
