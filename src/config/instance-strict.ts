// Strict mode (`strict_mode` / global `vrrp_strict`) and accept mode, as keepalived 2.2.7 completes
// an instance (vrrp/vrrp.c vrrp_complete_instance): the same checks, in its order, with its
// messages; each one warns and resets the setting, except a missing VIP, which stops the instance.
// Measured on Debian's 2.2.7: "Unicast peers are not supported in strict mode" never fires (the
// interface is not known yet when it is checked), so unicast instances run in strict mode there
// and here.
import type { Statement } from "./conf-syntax.js";
import type { Ctx } from "./conf-context.js";
import type { InstanceDraft } from "./instance-draft.js";

const isLinkLocal6 = (a: string) => /^fe[89ab][0-9a-f]?:/i.test(a);

/** Runs before authentication, priority and state are defaulted (the order keepalived checks in). */
export function strictChecks(ctx: Ctx, s: Statement, name: string, d: InstanceDraft): void {
  if (!d.strictMode) return;
  const warn = (msg: string) => ctx.warn(s.where, "STRICT_MODE", `(${name}) ${msg} (as keepalived)`);
  const setInBlock = (k: string) => (s.block ?? []).some((st) => st.keyword === k);
  if (d.vips.length === 0)
    ctx.error(s.where, "STRICT_MODE", `(${name}) No VIP specified; at least one is required (strict mode, as keepalived)`);
  const priority = d.priority ?? (d.state === "MASTER" ? 255 : 100);
  if (d.state !== undefined && (d.state === "MASTER") !== (priority === 255)) {
    warn("State MASTER must match being address owner");
    d.state = priority === 255 ? "MASTER" : "BACKUP";
  }
  if (d.authType) {
    warn("Strict mode does not support authentication. Ignoring.");
    d.authType = undefined;
    d.authPass = undefined;
  }
  const first = d.vips[0];
  if (first?.family === 6 && d.unicastPeers.length === 0 && !isLinkLocal6(first.address))
    warn("the first IPv6 VIP address must be link local");
  if (d.preemptDelayMs > 0) {
    warn("preempt_delay is incompatible with strict mode - resetting");
    d.preemptDelayMs = 0;
  }
  if (d.downTimerAdverts !== 3) {
    warn("down_timer_adverts is incompatible with strict mode - resetting");
    d.downTimerAdverts = 3;
  }
  if (d.accept === true && priority !== 255 && d.version === 2) {
    warn("warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting");
    d.accept = false;
  }
  // Unset in the instance: strict mode's value, not global_defs'. Set against it: reset.
  if (setInBlock("garp_lower_prio_repeat") && d.garpLowerPrioRepeat !== 0) warn("Strict mode requires no repeat garps. resetting");
  d.garpLowerPrioRepeat = 0;
  if (setInBlock("garp_lower_prio_delay") && d.garpLowerPrioDelayMs !== 0) warn("Strict mode requires no repeat garp delay. resetting");
  d.garpLowerPrioDelayMs = 0;
  if (setInBlock("lower_prio_no_advert") && !d.lowerPrioNoAdvert) warn("Strict mode requires no lower priority advert. resetting");
  d.lowerPrioNoAdvert = true;
  if (setInBlock("higher_prio_send_advert") && d.higherPrioSendAdvert)
    warn("strict mode requires higher_prio_send_advert to be clear. resetting");
  d.higherPrioSendAdvert = false;
}

/**
 * vrrp.c vrrp_complete_instance: unset accept mode is on for the address owner and outside strict
 * mode, off otherwise.
 */
export function acceptMode(d: InstanceDraft, priority: number): boolean {
  return d.accept ?? (priority === 255 ? true : !d.strictMode);
}
