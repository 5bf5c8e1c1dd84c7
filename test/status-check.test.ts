// Readiness from the status document: configuration loaded (the daemon answers), every instance
// past INIT; FAULT is ready (it shows in metrics and alerts, and must not stall a rollout).
import { describe, expect, it } from "vitest";
import type { StatusDocument } from "../src/operator/status-document.js";
import { probeOutcome, readiness } from "../src/status-check.js";

const doc = (...states: string[]) =>
  ({ pid: 7, uptimeS: 3, instances: states.map((state, i) => ({ name: `VI_${i}`, state })) }) as unknown as StatusDocument;

describe("status --check / --alive", () => {
  it("ready once every instance is past INIT, FAULT included", () => {
    expect(readiness(doc("MASTER", "BACKUP", "FAULT"))).toEqual({
      ready: true,
      reason: "3 instance(s) past INIT: 1 MASTER, 1 BACKUP, 1 FAULT",
    });
    expect(probeOutcome("check", doc("FAULT")).code).toBe(0);
  });
  it("not ready while an instance is in INIT, or with no instance at all", () => {
    expect(probeOutcome("check", doc("MASTER", "INIT"))).toEqual({ code: 1, line: "not ready: 1 instance(s) still in INIT: VI_1" });
    expect(probeOutcome("check", doc())).toEqual({ code: 1, line: "not ready: no VRRP instance is running (configuration has none)" });
  });
  it("alive whatever the states, as long as the daemon answered", () => {
    expect(probeOutcome("alive", doc("INIT"))).toEqual({ code: 0, line: "alive: pid 7 answered, up 3s" });
  });
});
