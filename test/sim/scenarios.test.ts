// Seeded failover scenarios on the virtual LAN. A failing seed is printed: replay it with
// SIM_SEED=<seed> npx vitest run test/sim/scenarios.test.ts
import { describe, expect, it } from "vitest";
import { prng } from "../../src/sim/clock.js";
import { SimLan, type SimRouterSpec } from "../../src/sim/lan.js";
import { addressBytes } from "../../src/vrrp/address.js";
import { defaultInstanceConfig } from "../../src/vrrp/instance-types.js";
import { masterDownMs } from "../../src/vrrp/timing.js";

interface Scenario {
  seed: number;
  lan: SimLan;
  /** Whether preemption rules make "the highest priority wins" a requirement. */
  strictPreempt: boolean;
  maxMdi: number;
  chaosEnd: number;
  log: string[];
}

function build(seed: number): Scenario {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const n = 2 + Math.floor(rnd() * 3);
  const version = pick([2, 3] as const);
  const intervalCs = version === 2 ? 100 : pick([2, 10, 100]);
  const mode = pick(["preempt", "preempt", "preempt", "nopreempt", "delay"] as const);
  const vrid = 1 + Math.floor(rnd() * 255);
  const specs: SimRouterSpec[] = [];
  for (let i = 0; i < n; i++) {
    specs.push({
      name: `r${i + 1}`,
      config: defaultInstanceConfig({
        name: "VI",
        vrid,
        version,
        advertIntervalCs: intervalCs,
        priority: pick([50, 100, 100, 150, 200, 254]),
        primaryAddress: addressBytes(`192.0.2.${10 + i}`),
        vips: [addressBytes("198.51.100.1")],
        initialState: pick(["MASTER", "BACKUP"] as const),
        nopreempt: mode === "nopreempt",
        preemptDelayMs: mode === "delay" ? intervalCs * 10 * 5 : 0,
      }),
    });
  }
  const lan = new SimLan(seed, specs);
  const maxMdi = Math.max(...specs.map((s) => masterDownMs(version, s.config.priority, intervalCs)));
  const log: string[] = [`seed ${seed}: ${n} routers, v${version}, ${intervalCs} cs, ${mode}, vrid ${vrid}`];
  lan.startAll();
  // Chaos: random faults over ~20 down intervals.
  const chaosEnd = maxMdi * 20;
  let t = 0;
  while (t < chaosEnd) {
    t += rnd() * maxMdi * 2;
    const r = pick(lan.routers).name;
    const what = pick(["crash", "restart", "stop", "loss", "delay", "partition", "heal", "health-down", "health-up", "nothing"] as const);
    lan.run(t);
    log.push(`${t.toFixed(1)} ${what} ${r}`);
    switch (what) {
      case "crash":
        lan.crash(r);
        break;
      case "stop":
        lan.stop(r);
        break;
      case "restart":
        if (!lan.router(r).alive) lan.restart(r);
        break;
      case "loss":
        lan.conditions = { ...lan.conditions, loss: pick([0.1, 0.3, 0.5, 0.9]) };
        break;
      case "delay":
        lan.conditions = { ...lan.conditions, delayMs: pick([1, 5, 20, 50]) };
        break;
      case "partition": {
        const names = lan.routers.map((x) => x.name);
        const cut = 1 + Math.floor(rnd() * (names.length - 1));
        lan.partition([names.slice(0, cut), names.slice(cut)]);
        break;
      }
      case "heal":
        lan.heal();
        break;
      case "health-down":
        lan.setHealth(r, false);
        break;
      case "health-up":
        lan.setHealth(r, true);
        break;
      case "nothing":
        break;
    }
  }
  // Healthy network from here on: no loss, small delay, no partition, checks restored, crashed routers stay down or come back.
  lan.run(chaosEnd);
  lan.conditions = { loss: 0, delayMs: 0.1, jitterMs: 0.2 };
  lan.heal();
  for (const r of lan.routers) {
    if (!r.alive && rnd() < 0.5) lan.restart(r.name);
    lan.setHealth(r.name, true);
  }
  log.push(`${chaosEnd.toFixed(1)} healthy`);
  return { seed, lan, strictPreempt: mode === "preempt", maxMdi, chaosEnd, log };
}

function check(s: Scenario): void {
  const { lan } = s;
  lan.run(s.chaosEnd + 4 * s.maxMdi);
  const alive = lan.routers.filter((r) => r.alive);
  const masters = lan.masters();
  const where = `\n${s.log.join("\n")}\nfinal: ${lan.describe()}\nreplay: SIM_SEED=${s.seed}`;
  if (alive.length === 0) {
    expect(lan.vipHolders(), where).toHaveLength(0);
    return;
  }
  expect(masters.length, `exactly one master${where}`).toBe(1);
  const master = masters[0]!;
  expect(
    lan.vipHolders().map((r) => r.name),
    `VIPs only on the master${where}`,
  ).toEqual([master.name]);
  if (s.strictPreempt) {
    const top = Math.max(...alive.map((r) => r.instance.effectivePriority));
    expect(master.instance.effectivePriority, `highest priority is master${where}`).toBe(top);
  }
}

const COUNT = Number(process.env.SIM_SCENARIOS ?? 300);

describe("seeded LAN scenarios", () => {
  if (process.env.SIM_SEED) {
    it(`replays seed ${process.env.SIM_SEED}`, () => check(build(Number(process.env.SIM_SEED))));
    return;
  }
  it(`${COUNT} scenarios: after 4 x Master_Down_Interval of healthy network, one master holds the VIPs`, () => {
    for (let seed = 1; seed <= COUNT; seed++) check(build(seed));
  });

  it("a plain failover: the master killed, the next-highest takes over within the down interval", () => {
    const mk = (name: string, prio: number, last: number) => ({
      name,
      config: defaultInstanceConfig({
        vrid: 1,
        version: 3,
        advertIntervalCs: 10,
        priority: prio,
        primaryAddress: addressBytes(`192.0.2.${last}`),
        vips: [addressBytes("198.51.100.1")],
      }),
    });
    const lan = new SimLan(42, [mk("a", 200, 1), mk("b", 150, 2), mk("c", 100, 3)]);
    lan.startAll();
    lan.run(2000);
    expect(lan.masters().map((r) => r.name)).toEqual(["a"]);
    lan.crash("a");
    const killedAt = lan.clock.now;
    lan.run(killedAt + 2000);
    expect(lan.masters().map((r) => r.name)).toEqual(["b"]);
    const took = lan.transitions.find((t) => t.router === "b" && t.to === "MASTER" && t.at > killedAt)!;
    // b heard a's last advert at most one interval before the kill
    expect(took.at - killedAt).toBeLessThanOrEqual(masterDownMs(3, 150, 10) + 1);
    expect(took.at - killedAt).toBeGreaterThan(masterDownMs(3, 150, 10) - 100 - 1);
    lan.restart("a");
    lan.run(lan.clock.now + 2000);
    expect(lan.masters().map((r) => r.name)).toEqual(["a"]);
    expect(lan.vipHolders().map((r) => r.name)).toEqual(["a"]);
  });
});
