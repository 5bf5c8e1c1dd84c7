// SIGHUP and FAULT (issue 26 item 2): a kept instance's faults come from the trackers the new file
// configures, as keepalived works them out again for its new instances on reload (vrrp.c
// vrrp_complete_init, vrrp_track.c initialise_tracking_priorities). Events in, actions out.
import { describe, expect, it } from "vitest";
import type { RouterConfig } from "../../src/vrrp/router-types.js";
import { conf, linksUp, runTable, spec, type Step, type TableCase } from "./router-table.js";

const MASTER = ["VI_1 send 100", "VI_1 +vips", "VI_1 announce 1", "VI_1 BACKUP>MASTER"];
const TO_FAULT_FROM_MASTER = ["VI_1 send 0", "VI_1 -vips", "VI_1 MASTER>FAULT"];
const w0 = (name: string, reverse = false) => [{ name, weight: 0, reverse }];
const VI_2 = spec("VI_2", { config: { vrid: 2 } });
const G = { name: "G", members: ["VI_1", "VI_2"] };

/** A file of VI_1 alone, tracking what `o` names. */
const vi1 = (o: Parameters<typeof spec>[1] = {}): RouterConfig => conf([spec("VI_1", o)]);
const start = (name: string, ...out: string[]): Step => ({ ev: { start: name }, out });
const reload = (at: number, config: RouterConfig, ...out: string[]): Step => ({ at, ev: { reload: config }, out });
/** VI_1's down timer fires: BACKUP -> MASTER. */
const TIMER_TO_MASTER: Step = { at: "due:VI_1", ev: { timer: "VI_1" }, out: MASTER };
const CHK_FAILED: Step = { ev: { checks: { chk: "FAILED" } }, out: [] };
const ETH1_DOWN: Step = { ev: { link: "eth1", up: false }, out: [] };
/** eth0 up, `chk` failing, then VI_1 (tracking it with weight 0) starts in FAULT. */
const CHK_FAULT_AT_START: Step[] = [...linksUp(), CHK_FAILED, start("VI_1", "VI_1 INIT>FAULT")];
/** The same with VI_1 and VI_2 in the sync group G: VI_2 is pulled into FAULT with it. */
const GROUP_FAULT_AT_START: Step[] = [
  ...linksUp(),
  CHK_FAILED,
  start("VI_1", "G FAULT", "VI_1 INIT>FAULT"),
  start("VI_2", "VI_2 INIT>FAULT"),
];

interface Case extends TableCase {
  /** Checked on the router after the last step. */
  after?: { instance: string; state?: string; priority?: number; faults?: string[] };
}

const cases: Case[] = [
  {
    name: "a weight-0 track_script that fails, removed by the reload: FAULT -> BACKUP, then MASTER after the down interval",
    config: vi1({ trackChecks: w0("chk") }),
    steps: [...CHK_FAULT_AT_START, reload(1000, vi1(), "VI_1 FAULT>BACKUP"), TIMER_TO_MASTER],
  },
  {
    name: "the same check kept by the reload: still FAULT",
    config: vi1({ trackChecks: w0("chk") }),
    steps: [...CHK_FAULT_AT_START, reload(1000, vi1({ trackChecks: w0("chk"), config: { priority: 120 } }))],
    after: { instance: "VI_1", state: "FAULT", faults: ["check:chk"] },
  },
  {
    name: "a down weight-0 track_interface removed by the reload: FAULT -> BACKUP",
    config: vi1({ trackLinks: w0("eth1") }),
    steps: [...linksUp(), ETH1_DOWN, start("VI_1", "VI_1 INIT>FAULT"), reload(1000, vi1(), "VI_1 FAULT>BACKUP"), TIMER_TO_MASTER],
  },
  {
    name: "a reload adding a weight-0 track_interface on a down link: MASTER -> FAULT",
    config: vi1(),
    steps: [
      ...linksUp(),
      ETH1_DOWN,
      start("VI_1", "VI_1 INIT>BACKUP"),
      TIMER_TO_MASTER,
      reload(2000, vi1({ trackLinks: w0("eth1") }), ...TO_FAULT_FROM_MASTER),
      { at: 3000, ev: { link: "eth1", up: true }, out: ["VI_1 FAULT>BACKUP"] },
    ],
  },
  {
    name: "a reload adding a weight-0 `reverse` track_interface on an up link: BACKUP -> FAULT",
    config: vi1(),
    steps: [...linksUp("eth1"), start("VI_1", "VI_1 INIT>BACKUP"), reload(100, vi1({ trackLinks: w0("eth1", true) }), "VI_1 BACKUP>FAULT")],
  },
  {
    name: "a reload adding a weight-0 track_script already known to fail: FAULT",
    config: vi1(),
    steps: [...linksUp(), CHK_FAILED, start("VI_1", "VI_1 INIT>BACKUP"), reload(100, vi1({ trackChecks: w0("chk") }), "VI_1 BACKUP>FAULT")],
  },
  {
    name: "two fault sources, the reload removes one: FAULT throughout, no flap through BACKUP",
    config: vi1({ trackChecks: w0("chk"), trackLinks: w0("eth1") }),
    steps: [
      ...linksUp(),
      ETH1_DOWN,
      CHK_FAILED,
      start("VI_1", "VI_1 INIT>FAULT"),
      reload(1000, vi1({ trackLinks: w0("eth1") })),
      { at: 2000, ev: { link: "eth1", up: true }, out: ["VI_1 FAULT>BACKUP"] },
    ],
  },
  {
    name: "one fault source swapped for another by the reload: FAULT throughout",
    config: vi1({ trackChecks: w0("chk") }),
    steps: [...linksUp(), ETH1_DOWN, CHK_FAILED, start("VI_1", "VI_1 INIT>FAULT"), reload(1000, vi1({ trackLinks: w0("eth1") }))],
    after: { instance: "VI_1", state: "FAULT", faults: ["link:eth1"] },
  },
  {
    name: "a weighted track_script removed by the reload: the priority returns to the base",
    config: vi1({ trackChecks: [{ name: "chk", weight: -50, reverse: false }] }),
    steps: [...linksUp(), CHK_FAILED, start("VI_1", "VI_1 INIT>BACKUP"), reload(100, vi1())],
    after: { instance: "VI_1", state: "BACKUP", priority: 100 },
  },
  {
    name: "a weight-0 track_file with a non-zero number removed by the reload: FAULT -> BACKUP",
    config: vi1({ trackFiles: w0("f") }),
    steps: [
      ...linksUp(),
      { ev: { file: "f", value: 1 }, out: [] },
      start("VI_1", "VI_1 INIT>FAULT"),
      reload(100, vi1(), "VI_1 FAULT>BACKUP"),
    ],
  },
  {
    name: "a reload adding a weight-0 track_file with a non-zero number: FAULT",
    config: vi1(),
    steps: [
      ...linksUp(),
      { ev: { file: "f", value: 1 }, out: [] },
      start("VI_1", "VI_1 INIT>BACKUP"),
      reload(100, vi1({ trackFiles: w0("f") }), "VI_1 BACKUP>FAULT"),
    ],
  },
  {
    name: "a weight-0 track_process without its quorum removed by the reload: FAULT -> BACKUP",
    config: vi1({ trackProcesses: w0("p") }),
    steps: [
      ...linksUp(),
      { ev: { process: "p", state: "FAILED" }, out: [] },
      start("VI_1", "VI_1 INIT>FAULT"),
      reload(100, vi1(), "VI_1 FAULT>BACKUP"),
    ],
  },
  {
    name: "dont_track_primary added by the reload while eth0 is down: FAULT -> BACKUP; removed again: FAULT",
    config: vi1(),
    steps: [
      { ev: { link: "eth0", up: false }, out: [] },
      start("VI_1", "VI_1 INIT>FAULT"),
      reload(100, vi1({ dontTrackPrimary: true }), "VI_1 FAULT>BACKUP"),
      reload(200, vi1(), "VI_1 BACKUP>FAULT"),
    ],
  },
  {
    name: "the runtime's faults (no socket) are not the file's: a reload keeps them",
    config: vi1(),
    steps: [
      ...linksUp(),
      start("VI_1", "VI_1 INIT>BACKUP"),
      { ev: { socketFailed: "VI_1" }, out: ["VI_1 BACKUP>FAULT"] },
      reload(100, vi1()),
    ],
    after: { instance: "VI_1", state: "FAULT", faults: ["socket"] },
  },
  {
    name: "sync group: the member's failing check removed by the reload takes both members out of FAULT",
    config: conf([spec("VI_1", { trackChecks: w0("chk") }), VI_2], [G]),
    steps: [...GROUP_FAULT_AT_START, reload(100, conf([spec("VI_1"), VI_2], [G]), "VI_1 FAULT>BACKUP", "VI_2 FAULT>BACKUP", "G BACKUP")],
  },
  {
    name: "sync group removed by the reload: the member pulled into FAULT leaves it, the failing one stays",
    config: conf([spec("VI_1", { trackChecks: w0("chk") }), VI_2], [G]),
    steps: [...GROUP_FAULT_AT_START, reload(100, conf([spec("VI_1", { trackChecks: w0("chk") }), VI_2]), "VI_2 FAULT>BACKUP")],
    after: { instance: "VI_1", state: "FAULT", faults: ["check:chk"] },
  },
  {
    name: "a reload putting a healthy instance into the group of a failing one: pulled into FAULT",
    config: conf([spec("VI_1", { trackChecks: w0("chk") }), VI_2]),
    steps: [
      ...CHK_FAULT_AT_START,
      start("VI_2", "VI_2 INIT>BACKUP"),
      // A group that is new is announced before its members when it starts in FAULT (flush()).
      reload(100, conf([spec("VI_1", { trackChecks: w0("chk") }), VI_2], [G]), "G FAULT", "VI_2 BACKUP>FAULT"),
    ],
  },
  {
    name: "a check disabled after the reload (no state for it) no longer holds its FAULT",
    config: vi1({ trackChecks: w0("chk") }),
    steps: [...CHK_FAULT_AT_START, { ev: { checks: {} }, out: ["VI_1 FAULT>BACKUP"] }],
  },
];

describe("reload and FAULT (keepalived works FAULT out again from the new file)", () => {
  for (const c of cases)
    it(c.name, () => {
      const r = runTable(c.config, c.steps);
      if (c.after) {
        const i = r.instance(c.after.instance)!;
        if (c.after.state) expect(i.vi.state).toBe(c.after.state);
        if (c.after.priority !== undefined) expect(i.vi.effectivePriority).toBe(c.after.priority);
        if (c.after.faults) expect(i.vi.faultReasons).toEqual(c.after.faults);
      }
    });
});
