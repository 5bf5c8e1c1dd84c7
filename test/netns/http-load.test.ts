// HTTP under load while 255 instances advertise (a /status flood used to stall adverts). Alone in
// the timing group (vitest.config.ts): what it measures is the master's advert lateness.
import { describe, expect, it } from "vitest";
import { runHttpLoad } from "../../src/lab/http-load.js";
import { twoRouterLabs } from "./daemons.js";

const newLab = twoRouterLabs("http");

describe("HTTP under load", () => {
  it("255 instances at 0.1 s, 200 requests/s to each of /metrics, /status and /healthz for 6 s: no spurious transition", async () => {
    const { lab } = newLab();
    const r = await runHttpLoad(lab, { instances: 255, seconds: 6, rps: 200, idleSeconds: 2 });
    console.log(
      `HTTP load: ${r.answered} answered, ${r.failed} failed; backup transitions ${r.backupTransitions}; adverts later than 5 ms: idle ${(r.latenessIdle.over5ms * 100).toFixed(2)} %, loaded ${(r.latenessLoaded.over5ms * 100).toFixed(2)} % of ${r.latenessLoaded.adverts}`,
    );
    expect(r.backupTransitions).toBe(0);
    expect(r.backupAllBackup).toBe(true);
    expect(r.answered).toBeGreaterThan(200 * 3 * 6 * 0.9);
    expect(r.failed).toBe(0);
    // Not one advert a whole interval late (100 ms): the backups would have taken over.
    expect(r.latenessLoaded.adverts).toBeGreaterThan(255 * 10 * 6 * 0.9);
  }, 120_000);
});
