// Effective priority from weighted trackers (keepalived vrrp_track.c): pure, used by the router.

export type TrackerState = "OK" | "FAILED";

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
