// HTTP under load: 255 VRRPv3 instances at 0.1 s on a master with the HTTP listener on, a backup,
// and a client sending 200 requests/s to each of /metrics, /status and /healthz. The master's own
// advert send lateness histogram is read for an idle window and for the loaded one, side by side.
import { Lab } from "../lab/netns.js";
import { runHttpLoad } from "../lab/http-load.js";
import { table, writeResult } from "./common.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const lab = new Lab("bhl");
try {
  lab.create([
    { name: "a", v4: "192.0.2.11/24" },
    { name: "b", v4: "192.0.2.12/24" },
  ]);
  const r = await runHttpLoad(lab, { instances: 255, seconds: SECONDS, rps: 200 });
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  console.log(
    table([
      [
        "window",
        "seconds",
        "adverts",
        "later than 1 ms",
        "later than 5 ms",
        "later than 20 ms",
        "HTTP answered",
        "HTTP failed",
        "backup transitions",
      ],
      [
        "idle",
        SECONDS,
        r.latenessIdle.adverts,
        pct(r.latenessIdle.over1ms),
        pct(r.latenessIdle.over5ms),
        pct(r.latenessIdle.over20ms),
        "-",
        "-",
        "-",
      ],
      [
        "600 requests/s",
        SECONDS,
        r.latenessLoaded.adverts,
        pct(r.latenessLoaded.over1ms),
        pct(r.latenessLoaded.over5ms),
        pct(r.latenessLoaded.over20ms),
        r.answered,
        r.failed,
        r.backupTransitions,
      ],
    ]),
  );
  // the lab runs the idle window as long as the loaded one when idleSeconds is not given
  console.log(`written ${writeResult("http-load", { ...r, idleSeconds: SECONDS })}`);
} finally {
  await lab.destroy();
}
