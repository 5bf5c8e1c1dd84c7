// VRRP timer arithmetic (RFC 3768 6.1, RFC 5798 6.1), in milliseconds, with keepalived's rounding
// (it computes in microseconds with integer division; include/vrrp.h VRRP_TIMER_SKEW_CALC).
import type { Version } from "./packet.js";

/** Skew_Time in ms. v2: (256 - prio)/256 s. v3: (256 - prio) x Master_Adver_Interval / 256. */
export function skewMs(version: Version, priority: number, masterIntervalCs: number): number {
  const p = 256 - priority;
  const us = version === 3 ? Math.floor((p * masterIntervalCs * 625) / 16) : Math.floor((p * 1_000_000) / 256);
  return us / 1000;
}

/** Master_Down_Interval in ms: downTimerAdverts (3) x Master_Adver_Interval + Skew_Time. */
export function masterDownMs(version: Version, priority: number, masterIntervalCs: number, downTimerAdverts = 3): number {
  return downTimerAdverts * masterIntervalCs * 10 + skewMs(version, priority, masterIntervalCs);
}
