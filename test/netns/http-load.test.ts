// HTTP under load while 255 instances advertise (a /status flood used to stall adverts). Alone in
// the timing group (vitest.config.ts): what it measures is the master's advert lateness.
import { describe, expect, it } from "vitest";
import { runHttpLoad } from "../../lab/http-load.js";
import { twoRouterLabs } from "./daemons.js";

const newLab = twoRouterLabs("http");

describe("HTTP under load", () => {
  it("255 instances at 0.1 s, 200 requests/s to each of /metrics, /status and /healthz for 6 s: no spurious transition", async () => {
    const { lab } = newLab();
    const r = await runHttpLoad(lab, { instances: 255, seconds: 6, rps: 200, idleSeconds: 2 });
    const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
    console.log(
      `HTTP load: ${r.answered} answered, ${r.failed} failed; backup transitions ${r.backupTransitions}; adverts later than 5 ms: idle ${pct(r.latenessIdle.over5ms)}, loaded ${pct(r.latenessLoaded.over5ms)} of ${r.latenessLoaded.adverts}; later than 100 ms: ${pct(r.latenessLoaded.over100ms)}; the client's longest stall ${r.clientStallMaxMs} ms`,
    );
    expect(r.answered).toBeGreaterThan(200 * 3 * 6 * 0.9);
    expect(r.failed).toBe(0);
    expect(r.latenessLoaded.adverts).toBeGreaterThan(255 * 10 * 6 * 0.9);
    expect(r.backupAllBackup).toBe(true);
    // The property: the flood never holds an advert back a whole interval (100 ms). A process
    // beside the daemon (the load client's 10 ms heartbeat) tells the daemon's stall from the
    // machine's: when the machine itself stopped everyone for that long, lateness proves nothing.
    if (r.clientStallMaxMs < 100) expect(r.latenessLoaded.over100ms, "adverts a whole interval late while the machine ran").toBe(0);
    // Adverts on time leave a backup nothing to take over on (its down interval is 3.6 of them):
    // with no advert 100 ms late, any transition is the backup's fault.
    if (r.latenessIdle.over100ms === 0 && r.latenessLoaded.over100ms === 0)
      expect(r.backupTransitions, "backup transitions with every advert on time").toBe(0);
  }, 120_000);
});
