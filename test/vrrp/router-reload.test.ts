// SIGHUP and FAULT (issue 26 item 2): a kept instance's faults come from the trackers the new file
// configures, as keepalived works them out again for its new instances on reload (vrrp.c
// vrrp_complete_init, vrrp_track.c initialise_tracking_priorities). Events in, actions out.
import { describe, expect, it } from "vitest";
import type { RouterConfig } from "../../src/vrrp/router-types.js";
import { conf, linksUp, runTable, spec, type Step } from "./router-table.js";

const MASTER = ["VI_1 send 100", "VI_1 +vips", "VI_1 announce 1", "VI_1 BACKUP>MASTER"];
const TO_FAULT_FROM_MASTER = ["VI_1 send 0", "VI_1 -vips", "VI_1 MASTER>FAULT"];
const w0 = (name: string, reverse = false) => [{ name, weight: 0, reverse }];
const VI_2 = spec("VI_2", { config: { vrid: 2 } });
const G = { name: "G", members: ["VI_1", "VI_2"] };

interface Case {
  name: string;
  /** The configuration the router starts with. */
  config: RouterConfig;
  steps: Step[];
  /** Checked on the router after the last step. */
  after?: { instance: string; state?: string; priority?: number; faults?: string[] };
}

const cases: Case[] = [
  {
    name: "a weight-0 track_script that fails, removed by the reload: FAULT -> BACKUP, then MASTER after the down interval",
    config: conf([spec("VI_1", { trackChecks: w0("chk") })]),
    steps: [
      ...linksUp(),
      { ev: { checks: { chk: "FAILED" } }, out: [] },
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>FAULT"] },
      { at: 1000, ev: { reload: conf([spec("VI_1")]) }, out: ["VI_1 FAULT>BACKUP"] },
      { at: "due:VI_1", ev: { timer: "VI_1" }, out: MASTER },
    ],
  },
  {
    name: "the same check kept by the reload: still FAULT",
    config: conf([spec("VI_1", { trackChecks: w0("chk") })]),
    steps: [
      ...linksUp(),
      { ev: { checks: { chk: "FAILED" } }, out: [] },
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>FAULT"] },
      { at: 1000, ev: { reload: conf([spec("VI_1", { trackChecks: w0("chk"), config: { priority: 120 } })]) }, out: [] },
    ],
    after: { instance: "VI_1", state: "FAULT", faults: ["check:chk"] },
  },
  {
    name: "a down weight-0 track_interface removed by the reload: FAULT -> BACKUP",
    config: conf([spec("VI_1", { trackLinks: w0("eth1") })]),
    steps: [
      ...linksUp(),
      { ev: { link: "eth1", up: false }, out: [] },
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>FAULT"] },
      { at: 1000, ev: { reload: conf([spec("VI_1")]) }, out: ["VI_1 FAULT>BACKUP"] },
      { at: "due:VI_1", ev: { timer: "VI_1" }, out: MASTER },
    ],
  },
  {
    name: "a reload adding a weight-0 track_interface on a down link: MASTER -> FAULT",
    config: conf([spec("VI_1")]),
    steps: [
      ...linksUp(),
      { ev: { link: "eth1", up: false }, out: [] },
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
      { at: "due:VI_1", ev: { timer: "VI_1" }, out: MASTER },
      { at: 2000, ev: { reload: conf([spec("VI_1", { trackLinks: w0("eth1") })]) }, out: TO_FAULT_FROM_MASTER },
      { at: 3000, ev: { link: "eth1", up: true }, out: ["VI_1 FAULT>BACKUP"] },
    ],
  },
  {
    name: "a reload adding a weight-0 `reverse` track_interface on an up link: BACKUP -> FAULT",
    config: conf([spec("VI_1")]),
    steps: [
      ...linksUp("eth1"),
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
      { at: 100, ev: { reload: conf([spec("VI_1", { trackLinks: w0("eth1", true) })]) }, out: ["VI_1 BACKUP>FAULT"] },
    ],
  },
  {
    name: "a reload adding a weight-0 track_script already known to fail: FAULT",
    config: conf([spec("VI_1")]),
    steps: [
      ...linksUp(),
      { ev: { checks: { chk: "FAILED" } }, out: [] },
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
      { at: 100, ev: { reload: conf([spec("VI_1", { trackChecks: w0("chk") })]) }, out: ["VI_1 BACKUP>FAULT"] },
    ],
  },
  {
    name: "two fault sources, the reload removes one: FAULT throughout, no flap through BACKUP",
    config: conf([spec("VI_1", { trackChecks: w0("chk"), trackLinks: w0("eth1") })]),
    steps: [
      ...linksUp(),
      { ev: { link: "eth1", up: false }, out: [] },
      { ev: { checks: { chk: "FAILED" } }, out: [] },
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>FAULT"] },
      { at: 1000, ev: { reload: conf([spec("VI_1", { trackLinks: w0("eth1") })]) }, out: [] },
      { at: 2000, ev: { link: "eth1", up: true }, out: ["VI_1 FAULT>BACKUP"] },
    ],
  },
  {
    name: "one fault source swapped for another by the reload: FAULT throughout",
    config: conf([spec("VI_1", { trackChecks: w0("chk") })]),
    steps: [
      ...linksUp(),
      { ev: { link: "eth1", up: false }, out: [] },
      { ev: { checks: { chk: "FAILED" } }, out: [] },
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>FAULT"] },
      { at: 1000, ev: { reload: conf([spec("VI_1", { trackLinks: w0("eth1") })]) }, out: [] },
    ],
    after: { instance: "VI_1", state: "FAULT", faults: ["link:eth1"] },
  },
  {
    name: "a weighted track_script removed by the reload: the priority returns to the base",
    config: conf([spec("VI_1", { trackChecks: [{ name: "chk", weight: -50, reverse: false }] })]),
    steps: [
      ...linksUp(),
      { ev: { checks: { chk: "FAILED" } }, out: [] },
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
      { at: 100, ev: { reload: conf([spec("VI_1")]) }, out: [] },
    ],
    after: { instance: "VI_1", state: "BACKUP", priority: 100 },
  },
  {
    name: "a weight-0 track_file with a non-zero number removed by the reload: FAULT -> BACKUP",
    config: conf([spec("VI_1", { trackFiles: w0("f") })]),
    steps: [
      ...linksUp(),
      { ev: { file: "f", value: 1 }, out: [] },
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>FAULT"] },
      { at: 100, ev: { reload: conf([spec("VI_1")]) }, out: ["VI_1 FAULT>BACKUP"] },
    ],
  },
  {
    name: "a reload adding a weight-0 track_file with a non-zero number: FAULT",
    config: conf([spec("VI_1")]),
    steps: [
      ...linksUp(),
      { ev: { file: "f", value: 1 }, out: [] },
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
      { at: 100, ev: { reload: conf([spec("VI_1", { trackFiles: w0("f") })]) }, out: ["VI_1 BACKUP>FAULT"] },
    ],
  },
  {
    name: "a weight-0 track_process without its quorum removed by the reload: FAULT -> BACKUP",
    config: conf([spec("VI_1", { trackProcesses: w0("p") })]),
    steps: [
      ...linksUp(),
      { ev: { process: "p", state: "FAILED" }, out: [] },
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>FAULT"] },
      { at: 100, ev: { reload: conf([spec("VI_1")]) }, out: ["VI_1 FAULT>BACKUP"] },
    ],
  },
  {
    name: "dont_track_primary added by the reload while eth0 is down: FAULT -> BACKUP; removed again: FAULT",
    config: conf([spec("VI_1")]),
    steps: [
      { ev: { link: "eth0", up: false }, out: [] },
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>FAULT"] },
      { at: 100, ev: { reload: conf([spec("VI_1", { dontTrackPrimary: true })]) }, out: ["VI_1 FAULT>BACKUP"] },
      { at: 200, ev: { reload: conf([spec("VI_1")]) }, out: ["VI_1 BACKUP>FAULT"] },
    ],
  },
  {
    name: "the runtime's faults (no socket) are not the file's: a reload keeps them",
    config: conf([spec("VI_1")]),
    steps: [
      ...linksUp(),
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>BACKUP"] },
      { ev: { socketFailed: "VI_1" }, out: ["VI_1 BACKUP>FAULT"] },
      { at: 100, ev: { reload: conf([spec("VI_1")]) }, out: [] },
    ],
    after: { instance: "VI_1", state: "FAULT", faults: ["socket"] },
  },
  {
    name: "sync group: the member's failing check removed by the reload takes both members out of FAULT",
    config: conf([spec("VI_1", { trackChecks: w0("chk") }), VI_2], [G]),
    steps: [
      ...linksUp(),
      { ev: { checks: { chk: "FAILED" } }, out: [] },
      { ev: { start: "VI_1" }, out: ["G FAULT", "VI_1 INIT>FAULT"] },
      { ev: { start: "VI_2" }, out: ["VI_2 INIT>FAULT"] },
      {
        at: 100,
        ev: { reload: conf([spec("VI_1"), VI_2], [G]) },
        out: ["VI_1 FAULT>BACKUP", "VI_2 FAULT>BACKUP", "G BACKUP"],
      },
    ],
  },
  {
    name: "sync group removed by the reload: the member pulled into FAULT leaves it, the failing one stays",
    config: conf([spec("VI_1", { trackChecks: w0("chk") }), VI_2], [G]),
    steps: [
      ...linksUp(),
      { ev: { checks: { chk: "FAILED" } }, out: [] },
      { ev: { start: "VI_1" }, out: ["G FAULT", "VI_1 INIT>FAULT"] },
      { ev: { start: "VI_2" }, out: ["VI_2 INIT>FAULT"] },
      {
        at: 100,
        ev: { reload: conf([spec("VI_1", { trackChecks: w0("chk") }), VI_2]) },
        out: ["VI_2 FAULT>BACKUP"],
      },
    ],
    after: { instance: "VI_1", state: "FAULT", faults: ["check:chk"] },
  },
  {
    name: "a reload putting a healthy instance into the group of a failing one: pulled into FAULT",
    config: conf([spec("VI_1", { trackChecks: w0("chk") }), VI_2]),
    steps: [
      ...linksUp(),
      { ev: { checks: { chk: "FAILED" } }, out: [] },
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>FAULT"] },
      { ev: { start: "VI_2" }, out: ["VI_2 INIT>BACKUP"] },
      {
        at: 100,
        ev: {
          reload: conf([spec("VI_1", { trackChecks: w0("chk") }), VI_2], [G]),
        },
        // A group that is new is announced before its members when it starts in FAULT (flush()).
        out: ["G FAULT", "VI_2 BACKUP>FAULT"],
      },
    ],
  },
  {
    name: "a check disabled after the reload (no state for it) no longer holds its FAULT",
    config: conf([spec("VI_1", { trackChecks: w0("chk") })]),
    steps: [
      ...linksUp(),
      { ev: { checks: { chk: "FAILED" } }, out: [] },
      { ev: { start: "VI_1" }, out: ["VI_1 INIT>FAULT"] },
      { ev: { checks: {} }, out: ["VI_1 FAULT>BACKUP"] },
    ],
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
