// HTTP under load while many instances advertise (security issue: a /status flood used to stall
// adverts). Router a masters N VRRPv3 instances at 0.1 s with the HTTP listener on; b backs them
// up. A client in a's namespace sends `rps` requests a second to each of /metrics, /status and
// /healthz for `seconds`. Used by test/netns/security.test.ts and bench/http-load.ts.
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fetchStatus } from "../src/status.js";
import { waitFor, type Lab } from "./netns.js";
import { scaleConf } from "./scale-conf.js";

/** bin/tsvrrpd of this checkout, whether this module runs from lab/, dist-lab/lab/ or dist-bench/lab/. */
const BIN = (() => {
  for (let up = "../"; up.length < 20; up += "../") {
    const p = fileURLToPath(new URL(`${up}bin/tsvrrpd`, import.meta.url));
    if (existsSync(p)) return p;
  }
  return fileURLToPath(new URL("../../bin/tsvrrpd", import.meta.url));
})();
const PORT = 9101;

export interface HttpLoadResult {
  readonly instances: number;
  readonly seconds: number;
  readonly rpsPerEndpoint: number;
  readonly answered: number;
  readonly failed: number;
  /** Transitions on the backup during the load (must be 0) and whether all stayed BACKUP. */
  readonly backupTransitions: number;
  readonly backupAllBackup: boolean;
  /** Advert send lateness on the master from its histogram: share of adverts later than each bound. */
  readonly latenessIdle: LatenessShares;
  readonly latenessLoaded: LatenessShares;
  /**
   * The longest the load client's own timers ran late (ms) during the load: a process beside the
   * daemon, so a stall of the whole machine shows here too and is not put down to the daemon.
   */
  readonly clientStallMaxMs: number;
}

export type LatenessShares = {
  readonly adverts: number;
  readonly over1ms: number;
  readonly over5ms: number;
  readonly over20ms: number;
  /** Later than a whole advert interval at 0.1 s. */
  readonly over100ms: number;
};

interface Doc {
  instances: { state: string; stats: { transitions: number } }[];
}

/** In-process over the control socket (the CLI would start a Node process per poll). */
async function status(sock: string): Promise<Doc | undefined> {
  return fetchStatus(sock, 10_000).catch(() => undefined);
}

/** The cumulative lateness histogram from /metrics: count and counts at or under 1, 5, 20, 100 ms. */
function histogram(lab: Lab): { count: number; le1: number; le5: number; le20: number; le100: number } {
  const text = lab.exec("a", process.execPath, [
    "-e",
    `fetch("http://127.0.0.1:${PORT}/metrics").then(async (r) => process.stdout.write(await r.text()))`,
  ]);
  const sum = (le: string) =>
    text
      .split("\n")
      .filter((l) => l.startsWith("vrrp_advert_send_lateness_seconds_bucket{") && l.includes(`le="${le}"`))
      .reduce((s, l) => s + Number(l.split(" ").at(-1)), 0);
  return { count: sum("+Inf"), le1: sum("0.001"), le5: sum("0.005"), le20: sum("0.02"), le100: sum("0.1") };
}

function shares(a: ReturnType<typeof histogram>, b: ReturnType<typeof histogram>): LatenessShares {
  const n = b.count - a.count;
  const over = (x: number, y: number) => (n > 0 ? (n - (y - x)) / n : 0);
  return {
    adverts: n,
    over1ms: over(a.le1, b.le1),
    over5ms: over(a.le5, b.le5),
    over20ms: over(a.le20, b.le20),
    over100ms: over(a.le100, b.le100),
  };
}

export async function runHttpLoad(
  lab: Lab,
  o: { instances: number; seconds: number; rps: number; idleSeconds?: number },
): Promise<HttpLoadResult> {
  const start = (r: string, prio: number, http: boolean) => {
    const file = join(lab.dir, `${r}-http.conf`);
    writeFileSync(file, scaleConf({ instances: o.instances, priority: prio, ...(http ? { httpListen: `127.0.0.1:${PORT}` } : {}) }));
    lab.spawn(r, BIN, ["-n", "-G", "-f", file, "-p", join(lab.dir, `${r}-http.pid`), "--control", join(lab.dir, `${r}-http.sock`)], {
      stdio: "ignore",
    });
    return join(lab.dir, `${r}-http.sock`);
  };
  const debug = process.env.HTTP_LOAD_DEBUG ? (m: string) => process.stderr.write(`${m}\n`) : () => undefined;
  const sockA = start("a", 200, true);
  debug("a started");
  await waitFor(
    "a master of every instance",
    async () => (await status(sockA))?.instances.every((i) => i.state === "MASTER") === true,
    30_000,
    200,
  );
  debug("a master");
  const sockB = start("b", 100, false);
  await waitFor(
    "b backup of every instance",
    async () => (await status(sockB))?.instances.every((i) => i.state === "BACKUP") === true,
    30_000,
    200,
  );
  const before = (await status(sockB))!.instances.map((i) => i.stats.transitions);

  debug("b backup");
  const h0 = histogram(lab);
  debug("h0");
  await new Promise((r) => setTimeout(r, (o.idleSeconds ?? o.seconds) * 1000)); // idle window: the reference
  const h1 = histogram(lab);

  // node:http with a bounded keep-alive pool (the daemon caps connections at 32) and a timeout
  // per request, so a lost answer is counted as failed instead of holding the client open.
  const client = `
    const http = require("node:http");
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const paths = ["/metrics", "/status", "/healthz"];
    let answered = 0, failed = 0, inflight = 0, stallMax = 0, lastBeat = Date.now();
    // A heartbeat every 10 ms: how late it runs is how long this process (and the machine) stalled.
    const beat = setInterval(() => { const now = Date.now(); stallMax = Math.max(stallMax, now - lastBeat - 10); lastBeat = now; }, 10);
    const end = Date.now() + ${o.seconds * 1000};
    const every = 1000 / ${o.rps};
    let next = Date.now();
    const one = (p) => {
      inflight++;
      const req = http.get({ host: "127.0.0.1", port: ${PORT}, path: p, agent, timeout: 5000 }, (res) => {
        res.on("data", () => {});
        res.on("end", () => { res.statusCode === 200 || res.statusCode === 503 ? answered++ : failed++; inflight--; });
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", () => { failed++; inflight--; });
    };
    const tick = () => {
      const now = Date.now();
      if (now >= end) return;
      while (next <= now) {
        for (const p of paths) one(p);
        next += every;
      }
      setTimeout(tick, Math.max(0, next - Date.now()));
    };
    tick();
    const finish = () => { clearInterval(beat); process.stdout.write(JSON.stringify({ answered, failed: failed + inflight, stallMax })); process.exit(0); };
    const done = setInterval(() => { if (Date.now() >= end && inflight === 0) finish(); }, 50);
    setTimeout(finish, ${o.seconds * 1000} + 15000);`;
  const counts = await new Promise<{ answered: number; failed: number; stallMax: number }>((resolve, reject) => {
    const c = spawn("ip", ["netns", "exec", lab.ns("a"), process.execPath, "-e", client], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    c.stdout.on("data", (d: Buffer) => (out += d.toString()));
    c.on("exit", (code) =>
      code === 0
        ? resolve(JSON.parse(out) as { answered: number; failed: number; stallMax: number })
        : reject(new Error(`load client exited with ${code}`)),
    );
  });
  debug("load done");
  const h2 = histogram(lab);
  const after = (await status(sockB))!.instances;
  return {
    instances: o.instances,
    seconds: o.seconds,
    rpsPerEndpoint: o.rps,
    answered: counts.answered,
    failed: counts.failed,
    clientStallMaxMs: counts.stallMax,
    backupTransitions: after.reduce((s, i, k) => s + i.stats.transitions - (before[k] ?? 0), 0),
    backupAllBackup: after.every((i) => i.state === "BACKUP"),
    latenessIdle: shares(h0, h1),
    latenessLoaded: shares(h1, h2),
  };
}
