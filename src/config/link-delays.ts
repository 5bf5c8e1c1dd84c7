// interface_up_down_delays { IFNAME DOWN [UP] } (seconds): keepalived 2.2.7 vrrp_parser.c
// alloc_if_up_down_delay, and the limits vrrp.c vrrp_complete_instance / check_debounce_timers put
// on them per instance.
import type { Ctx } from "./conf-context.js";
import type { Statement } from "./conf-syntax.js";
import type { InstanceSpec, LinkDelaySpec } from "./model.js";

/** keepalived's TIMER_HZ_DIGITS: seconds with at most 6 decimals (more is "too many decimal places"). */
export const SECONDS_US = /^\d+(\.\d{1,6})?$|^\.\d{1,6}$/;

/** read_timer(strvec, n, &delay, 0, 255 * TIMER_HZ, true): seconds to 255, in microseconds. */
function readDelayUs(word: string | undefined): number | undefined {
  if (word === undefined || !SECONDS_US.test(word) || Number(word) > 255) return undefined;
  return Math.round(Number(word) * 1e6);
}

/** One block; a later line for the same interface replaces the earlier one (as keepalived). */
export function parseLinkDelays(ctx: Ctx, s: Statement, into: Map<string, LinkDelaySpec>): void {
  for (const line of s.block ?? []) {
    const ifname = line.keyword;
    const [down, up, ...extra] = line.args;
    if (down === undefined) {
      ctx.warn(line.where, "BAD_VALUE", `No timeouts specified for ${ifname} up/down delays (as keepalived: ignored)`);
      continue;
    }
    if (extra.length > 0)
      ctx.warn(line.where, "BAD_VALUE", `Too many parameters for ${ifname} up/down delays (as keepalived: the rest ignored)`);
    const downUs = readDelayUs(down);
    if (downUs === undefined) {
      ctx.warn(line.where, "BAD_VALUE", `Invalid down delay ${down} for ${ifname} (as keepalived: ignored)`);
      continue;
    }
    const upUs = up === undefined ? 0 : readDelayUs(up);
    if (upUs === undefined) {
      ctx.warn(line.where, "BAD_VALUE", `Invalid up delay ${up} for ${ifname} (as keepalived: ignored)`);
      continue;
    }
    into.set(ifname, { ifname, downUs, upUs, where: line.where });
  }
}

/**
 * keepalived 2.2.7 vrrp.c vrrp_complete_instance: a delay must stay below (down_timer_adverts - 1)
 * adverts of every instance on the interface, else the backup's down timer would fire first; it is
 * cut to that less advert_int / 256 (check_debounce_timers), or to 0 with down_timer_adverts 1.
 */
export function limitLinkDelays(ctx: Ctx, instances: readonly InstanceSpec[], delays: Map<string, LinkDelaySpec>): void {
  for (const i of instances) {
    const d = delays.get(i.interface);
    if (!d || (d.downUs === 0 && d.upUs === 0)) continue;
    if (i.downTimerAdverts === 1) {
      ctx.warn(i.where, "BAD_VALUE", `${i.name}: cannot use debounce timers with down_timer_adverts = 1 - resetting (as keepalived)`);
      delays.set(i.interface, { ...d, downUs: 0, upUs: 0 });
      continue;
    }
    const advertUs = i.advertIntervalCs * 10_000;
    const limit = (i.downTimerAdverts - 1) * advertUs;
    if (d.downUs < limit && d.upUs < limit) continue;
    const cut = limit - Math.floor(advertUs / 256);
    ctx.warn(
      i.where,
      "BAD_VALUE",
      `${i.name}: interface ${i.interface} debounce timer(s) not less that ${i.downTimerAdverts - 1} * advert_int - resetting (as keepalived)`,
    );
    delays.set(i.interface, { ...d, downUs: d.downUs >= limit ? cut : d.downUs, upUs: d.upUs >= limit ? cut : d.upUs });
  }
}
