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
 * FAILED, `reverse` negates either; `extra` is what tracked files add; clamped to 1..254; an
 * owner (255) is not moved.
 */
/**
 * One track_file's effect (keepalived trackers/track_file.c update_track_file_status): weight 0
 * means FAULT while the number is non-zero (reverse: while it is zero); otherwise the number times
 * the weight (negated by reverse), clamped to -254..253, where -254 is a FAULT.
 */
export function trackFileEffect(value: number, weight: number, reverse: boolean): { readonly fault: boolean; readonly add: number } {
  if (weight === 0) return { fault: reverse ? value === 0 : value !== 0, add: 0 };
  const c = Math.max(-254, Math.min(253, value * weight * (reverse ? -1 : 1)));
  return c === -254 ? { fault: true, add: 0 } : { fault: false, add: c };
}

export function effectivePriority(base: number, trackers: readonly WeightedTracker[], extra = 0): number {
  if (base === 255) return 255;
  let p = base + extra;
  for (const t of trackers) {
    const sign = t.reverse ? -1 : 1;
    if (t.weight > 0 && t.state === "OK") p += sign * t.weight;
    else if (t.weight < 0 && t.state === "FAILED") p += sign * t.weight;
  }
  return Math.min(254, Math.max(1, p));
}
