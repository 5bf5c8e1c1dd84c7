// notify_priority_changes (keepalived 2.2.7 vrrp_track.c vrrp_set_effective_priority ->
// vrrp_notify.c send_instance_priority_notifies): an event per effective priority change.
import { describe, expect, it } from "vitest";
import { VrrpInstance } from "../../src/vrrp/instance.js";
import type { Action } from "../../src/vrrp/instance-types.js";
import { config } from "./helpers.js";

const events = (acts: readonly Action[]) => acts.flatMap((a) => (a.type === "event" ? [a.event] : []));

describe("notify_priority_changes", () => {
  it("BACKUP_PRIORITY in BACKUP and FAULT, MASTER_PRIORITY in MASTER, nothing when the priority stays", () => {
    const vi = new VrrpInstance(config({ priority: 100, notifyPriorityChanges: true }));
    vi.handle({ type: "startup" }, 0);
    expect(events(vi.handle({ type: "priority", effective: 90 }, 10))).toEqual(["BACKUP_PRIORITY"]);
    expect(events(vi.handle({ type: "priority", effective: 90 }, 20))).toEqual([]);
    const t = vi.nextDeadline()!;
    vi.handle({ type: "timer" }, t);
    expect(vi.state).toBe("MASTER");
    expect(events(vi.handle({ type: "priority", effective: 120 }, t + 10))).toEqual(["MASTER_PRIORITY"]);
    expect(vi.effectivePriority).toBe(120);
    vi.handle({ type: "fault", source: { kind: "check", name: "chk" }, active: true }, t + 20);
    expect(vi.state).toBe("FAULT");
    expect(events(vi.handle({ type: "priority", effective: 80 }, t + 30))).toEqual(["BACKUP_PRIORITY"]);
  });
  it("off (the default): the change is logged, no event", () => {
    const vi = new VrrpInstance(config({ priority: 100 }));
    vi.handle({ type: "startup" }, 0);
    const acts = vi.handle({ type: "priority", effective: 90 }, 10);
    expect(events(acts)).toEqual([]);
    expect(acts.some((a) => a.type === "log" && a.msg.includes("Changing effective priority from 100 to 90"))).toBe(true);
  });
  it("the address owner never changes priority, so never notifies (vrrp_set_effective_priority returns)", () => {
    const vi = new VrrpInstance(config({ priority: 255, notifyPriorityChanges: true }));
    vi.handle({ type: "startup" }, 0);
    expect(events(vi.handle({ type: "priority", effective: 200 }, 10))).toEqual([]);
  });
});
