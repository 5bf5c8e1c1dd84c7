// SIGHUP edge cases (keepalived matches instances by VRID, family, interface and unicast/multicast
// and keeps their state): a BACKUP stays BACKUP, a priority change takes effect without a flap, a
// changed VRID replaces only that instance, and a file with errors keeps the running configuration.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { startDaemon, statusOr, twoRouterLabs, holdsWhileAdvertising } from "./daemons.js";

const newLab = twoRouterLabs("rld");

interface Inst {
  name: string;
  vrid: number;
  state: string;
  effectivePriority: number;
  stats: { transitions: number };
}

const conf = (instances: { name: string; vrid: number; priority: number; vip: string }[]) =>
  "global_defs {\n  vrrp_garp_master_delay 0\n}\n" +
  instances
    .map(
      (i) =>
        `vrrp_instance ${i.name} {\n  interface eth0\n  virtual_router_id ${i.vrid}\n  priority ${i.priority}\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    ${i.vip}\n  }\n}\n`,
    )
    .join("");

describe("SIGHUP edge cases", () => {
  it("BACKUP keeps its state, a priority change does not flap, a new VRID replaces only its instance, a broken file changes nothing", async () => {
    const { lab, running } = newLab();
    const A = { name: "VA", vrid: 11, vip: "198.51.100.11" };
    const B = { name: "VB", vrid: 12, vip: "198.51.100.12" };
    running.push(
      startDaemon(
        lab,
        "a",
        "tsvrrpd",
        conf([
          { ...A, priority: 200 },
          { ...B, priority: 200 },
        ]),
      ),
    );
    await waitFor("a master of both", () => lab.holdersOf([A.vip, B.vip]).every((h) => h === "a"), 10_000);
    const b = startDaemon(
      lab,
      "b",
      "tsvrrpd",
      conf([
        { ...A, priority: 100 },
        { ...B, priority: 100 },
      ]),
    );
    running.push(b);
    const sock = join(lab.dir, "b.pid.sock");
    const status = async (): Promise<Inst[]> => (await statusOr<{ instances: Inst[] }>(sock))?.instances ?? [];
    const byName = async (n: string) => (await status()).find((i) => i.name === n);
    await waitFor("b backup of both", async () => (await status()).filter((i) => i.state === "BACKUP").length === 2, 10_000);
    const file = join(lab.dir, "b.conf");
    const pid = b.child.pid!;
    const reloads = () => b.output().split("configuration reloaded").length - 1;

    // A priority change on the BACKUP: applied, no transition.
    const before = (await byName("VA"))!.stats.transitions;
    writeFileSync(
      file,
      conf([
        { ...A, priority: 150 },
        { ...B, priority: 100 },
      ]),
    );
    process.kill(pid, "SIGHUP");
    await waitFor("b's VA at priority 150", async () => (await byName("VA"))?.effectivePriority === 150, 5000);
    expect(await byName("VA")).toMatchObject({ state: "BACKUP", stats: { transitions: before } });

    // A changed VRID: VB is a new instance (keepalived's key), VA is untouched.
    const vaTransitions = (await byName("VA"))!.stats.transitions;
    writeFileSync(
      file,
      conf([
        { ...A, priority: 150 },
        { ...B, vrid: 13, priority: 100 },
      ]),
    );
    process.kill(pid, "SIGHUP");
    await waitFor("VB replaced with VRID 13", async () => (await byName("VB"))?.vrid === 13, 5000);
    await waitFor("the new VB master of VRID 13, which a does not run", async () => (await byName("VB"))?.state === "MASTER", 5000);
    expect(await byName("VA")).toMatchObject({ state: "BACKUP", stats: { transitions: vaTransitions } });
    expect(lab.holders(A.vip)).toEqual(["a"]);

    // A file with an error (a VRID out of range; an invalid priority is only a warning, as in
    // keepalived): refused with file:line, nothing changes.
    await waitFor("both reloads logged", () => reloads() === 2, 5000);
    const reloadsBefore = reloads();
    writeFileSync(
      file,
      conf([
        { ...A, vrid: 999, priority: 150 },
        { ...B, vrid: 13, priority: 100 },
      ]),
    );
    process.kill(pid, "SIGHUP");
    await waitFor("the refusal logged", () => b.output().includes("reload refused"), 5000);
    expect(b.output()).toMatch(/reload refused: 1 error\(s\) in the configuration, first [^ ]*b\.conf:\d+/);
    expect(reloads()).toBe(reloadsBefore);
    expect(await byName("VA")).toMatchObject({ state: "BACKUP", effectivePriority: 150, stats: { transitions: vaTransitions } });
  });
});

describe("three-member sync group", () => {
  it("one member losing MASTER takes the other two along, and the group stays whole on the other router", async () => {
    const { lab, running } = newLab();
    const members = [
      { name: "V1", vrid: 21, vip: "198.51.100.21" },
      { name: "V2", vrid: 22, vip: "198.51.100.22" },
      { name: "V3", vrid: 23, vip: "198.51.100.23" },
    ];
    const group = "vrrp_sync_group G {\n  group {\n    V1\n    V2\n    V3\n  }\n}\n";
    const confOf = (prio: (name: string) => number, grouped: boolean) =>
      conf(members.map((m) => ({ ...m, priority: prio(m.name) }))) + (grouped ? group : "");
    running.push(
      startDaemon(
        lab,
        "a",
        "tsvrrpd",
        confOf(() => 200, true),
      ),
    );
    await waitFor("a master of the group", () => lab.holdersOf(members.map((m) => m.vip)).every((h) => h === "a"), 10_000);
    // b runs the three instances ungrouped: its V2 can preempt on its own.
    const b = startDaemon(
      lab,
      "b",
      "tsvrrpd",
      confOf(() => 100, false),
    );
    running.push(b);
    await waitFor("b in BACKUP", () => /-> BACKUP/.test(b.output()), 10_000);
    // b's V2 now outranks a's: a's V2 leaves MASTER and takes V1 and V3 with it (vrrp_sync_backup);
    // b's V1 and V3 then hear nobody and take over. a's V1 and V3 want MASTER back (b is only at
    // 100) but wait for V2, which hears b at 250: the group stays whole, on the BACKUP side.
    writeFileSync(
      join(lab.dir, "b.conf"),
      confOf((n) => (n === "V2" ? 250 : 100), false),
    );
    process.kill(b.child.pid!, "SIGHUP");
    await waitFor("b master of the whole group", () => lab.holdersOf(members.map((m) => m.vip)).every((h) => h === "b"), 10_000);
    // (a's V2 at 200 takes over only if b fell silent for its down interval, 322 ms: then the
    // window repeats)
    await holdsWhileAdvertising(lab, "b", 322, 1500, () => {
      expect(lab.holdersOf(members.map((m) => m.vip))).toEqual(["b", "b", "b"]);
    });
  });
});
