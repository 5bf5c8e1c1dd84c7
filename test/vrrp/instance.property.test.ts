import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { VrrpInstance } from "../../src/vrrp/instance.js";
import type { InstanceEvent } from "../../src/vrrp/instance-types.js";
import { advert, config, ip } from "./helpers.js";

const peerEvent = fc.record({
  priority: fc.constantFrom(0, 1, 50, 100, 150, 254, 255),
  src: fc.constantFrom("192.0.2.5", "192.0.2.20"),
  intervalCs: fc.constantFrom(100, 100, 100, 200),
});

const step = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("advert" as const), p: peerEvent, dt: fc.integer({ min: 0, max: 4000 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("timer" as const), dt: fc.integer({ min: 0, max: 4000 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("health" as const), ok: fc.boolean(), src: fc.constantFrom("a", "b"), dt: fc.nat(500) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("link" as const), up: fc.boolean(), dt: fc.nat(500) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("priority" as const), effective: fc.integer({ min: -10, max: 300 }), dt: fc.nat(500) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("restart" as const), dt: fc.nat(500) }) },
);

const cfg = fc.record({
  priority: fc.constantFrom(1, 100, 150, 254, 255),
  nopreempt: fc.boolean(),
  preemptDelayMs: fc.constantFrom(0, 0, 5000),
  initialState: fc.constantFrom("MASTER" as const, "BACKUP" as const),
});

describe("state machine invariants over random event sequences", () => {
  it("VIPs only on MASTER, never MASTER in FAULT, timers armed in BACKUP and MASTER", () => {
    fc.assert(
      fc.property(cfg, fc.array(step, { minLength: 1, maxLength: 120 }), (c, steps) => {
        const vi = new VrrpInstance(config(c));
        let now = 0;
        let holds = false;
        const faults = new Set<string>();
        const run = (e: InstanceEvent) => {
          for (const a of vi.handle(e, now)) {
            if (a.type === "add-vips") {
              expect(holds).toBe(false); // never added twice
              holds = true;
            } else if (a.type === "remove-vips") {
              expect(holds).toBe(true); // never removed when not held
              holds = false;
            } else if (a.type === "send-advert" && a.priority !== 0) {
              expect(vi.state).toBe("MASTER");
            }
          }
        };
        run({ type: "startup" });
        for (const s of steps) {
          now += s.dt;
          switch (s.kind) {
            case "advert":
              run({
                type: "advert",
                advert: advert({ priority: s.p.priority, src: s.p.src, intervalCs: s.p.intervalCs }),
                source: ip(s.p.src),
              });
              break;
            case "timer": {
              const d = vi.nextDeadline();
              if (d !== undefined && d <= now) run({ type: "timer" });
              break;
            }
            case "health":
              if (s.ok) faults.delete(`check:${s.src}`);
              else faults.add(`check:${s.src}`);
              run({ type: "fault", source: { kind: "check", name: s.src }, active: !s.ok });
              break;
            case "link":
              if (s.up) faults.delete("link:eth0");
              else faults.add("link:eth0");
              run({ type: "fault", source: { kind: "link", ifname: "eth0" }, active: !s.up });
              break;
            case "priority":
              run({ type: "priority", effective: s.effective });
              break;
            case "restart":
              run({ type: "shutdown" });
              expect(holds).toBe(false);
              run({ type: "startup" });
              break;
          }
          const st = vi.state;
          expect(holds).toBe(st === "MASTER");
          if (faults.size > 0) expect(st).toBe("FAULT");
          else expect(st).not.toBe("FAULT");
          const armed = vi.armed();
          if (st === "MASTER") expect(armed.advert).toBeDefined();
          if (st === "BACKUP") expect(armed.masterDown).toBeDefined();
          if (st === "FAULT" || st === "INIT") expect(vi.nextDeadline()).toBeUndefined();
          expect(vi.effectivePriority).toBeGreaterThanOrEqual(1);
          expect(vi.effectivePriority).toBeLessThanOrEqual(255);
        }
      }),
      { numRuns: 400 },
    );
  });
});
