// keepalived.conf and the addresses on the interface: the same lines put the same addresses there
// whoever is master, and dont_track_primary keeps them when the link goes down.
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { VIP4, holdsFor, startDaemon, twoRouterLabs, type Kind } from "./daemons.js";
import { instance, vips } from "./fidelity.js";

const newLab = twoRouterLabs("cfadr");

describe("keepalived.conf fidelity: addresses", () => {
  // dont_track_primary: the instance's own link going down is not a FAULT (vrrp_parser.c
  // vrrp_dont_track_handler); the master keeps its VIP instead of both sides dropping it.
  for (const kind of ["keepalived", "tsvrrpd"] as Kind[]) {
    it(`dont_track_primary: ${kind}'s master keeps its VIP when its link goes down, and without it gives it up`, async () => {
      const { lab, running } = newLab();
      for (const [tag, keyword] of [
        ["keep", ["dont_track_primary"]],
        ["plain", []],
      ] as const) {
        const d = startDaemon(lab, "a", kind, instance("a", 200, [...keyword, ...vips], 3), tag);
        running.push(d);
        await waitFor(`${kind} master`, () => lab.holders(VIP4).join() === "a", 10_000);
        lab.exec("a", "ip", ["link", "set", "eth0", "down"]);
        if (keyword.length) {
          await holdsFor(1500, () => {
            expect(lab.holders(VIP4), `${kind} with dont_track_primary keeps the VIP`).toEqual(["a"]);
          });
        } else await waitFor(`${kind} without dont_track_primary to drop the VIP (FAULT)`, () => lab.holders(VIP4).length === 0, 5000);
        lab.killAll("a", "SIGKILL");
        await new Promise<void>((r) => (d.child.exitCode !== null || d.child.signalCode !== null ? r() : d.child.on("exit", () => r())));
        lab.exec("a", "ip", ["addr", "flush", "dev", "eth0", "scope", "global"]);
        lab.exec("a", "ip", ["addr", "add", "192.0.2.11/24", "dev", "eth0"]);
        lab.exec("a", "ip", ["link", "set", "eth0", "up"]);
      }
    });
  }

  // Virtual address options (keepalived vrrp_ipaddress.c): the same lines must put the same
  // addresses on the interface, whoever is master. Compared attribute by attribute from `ip -j addr`.
  it("virtual address options install the same addresses as keepalived does", async () => {
    const { lab, running } = newLab();
    // An instance per family: keepalived ignores a VIP whose family differs from its instance's.
    const v4 = [
      "virtual_ipaddress {",
      "  198.51.100.10/24 brd + label eth0:vip",
      "  198.51.100.20/24 noprefixroute",
      "  198.51.100.30/25 brd - scope link no_track",
      "}",
    ];
    const v6 = [
      "virtual_ipaddress {",
      "  2001:db8:1::10/64",
      "  2001:db8:1::20/64 preferred_lft forever home",
      "  2001:db8:1::30/64 -nodad no_track",
      "}",
    ];
    const both =
      instance("a", 200, v4, 3) + instance("a", 200, v6, 3).replace("VI_1", "VI_6").replace("virtual_router_id 51", "virtual_router_id 52");
    const vipsOn = (): Record<string, unknown>[] =>
      (JSON.parse(lab.exec("a", "ip", ["-j", "addr", "show", "dev", "eth0"])) as { addr_info: Record<string, unknown>[] }[])[0]!.addr_info
        .filter((x) => /^(198\.51\.100\.|2001:db8:1::)/.test(String(x.local)))
        .map((x): Record<string, unknown> => {
          const { valid_life_time, preferred_life_time, ...rest } = x;
          // lifetimes as keepalived sets them: forever (0xffffffff) or 0; anything else is a countdown
          const life = (n: unknown) => (n === 4294967295 ? "forever" : n === 0 ? 0 : "counting");
          return { ...rest, valid: life(valid_life_time), preferred: life(preferred_life_time) };
        })
        .sort((p, q) => String(p.local).localeCompare(String(q.local)));
    const seen: Record<string, Record<string, unknown>[]> = {};
    for (const kind of ["keepalived", "tsvrrpd"] as Kind[]) {
      const d = startDaemon(lab, "a", kind, both, kind);
      running.push(d);
      await waitFor(`${kind} master with every address`, () => vipsOn().length === 6, 10_000);
      seen[kind] = vipsOn();
      lab.killAll("a", "SIGTERM");
      await new Promise<void>((r) => (d.child.exitCode !== null || d.child.signalCode !== null ? r() : d.child.on("exit", () => r())));
      await waitFor(`${kind}'s addresses removed`, () => vipsOn().length === 0, 5000);
    }
    if (JSON.stringify(seen.tsvrrpd) !== JSON.stringify(seen.keepalived)) console.log(JSON.stringify(seen, null, 1));
    expect(seen.tsvrrpd).toEqual(seen.keepalived);
  });
});
