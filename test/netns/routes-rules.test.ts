// virtual_routes / virtual_rules / static_routes / static_rules (keepalived vrrp_iproute.c,
// vrrp_iprule.c). One file read by keepalived and by tsvrrpd in turn on the same router must
// install the same routes and rules (`ip route show table all`, `ip rule`, both families), and
// both must take them all away on stop. Then a mixed pair, both roles: the routes follow the
// master through a crash and a restart, and a restarted router cleans up what its crash left.
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import type { Lab } from "../../lab/netns.js";
import { crash, startDaemon, twoRouterLabs, type Kind } from "./daemons.js";

const newLab = twoRouterLabs("rtr");
const VIP = "192.0.2.61";

const ROUTES = `  virtual_routes {
    src ${VIP} to 198.51.100.0/24 via 192.0.2.254 dev eth0 metric 7
    blackhole 198.51.100.128/25
    2001:db8:5::/48 via 2001:db8:1::fe dev eth0
    unreachable 203.0.113.128/25 table 200
    198.51.100.64/27 via 192.0.2.253 or 192.0.2.252
    203.0.113.32/27 nexthop via 192.0.2.251 dev eth0 weight 2 nexthop via 192.0.2.250 dev eth0
  }
  virtual_rules {
    from 198.51.100.0/24 table 100 priority 1000
    to 2001:db8:6::/48 lookup 200 preference 1001
    fwmark 0x10/0xff table 200 priority 1002
    not from 192.0.2.0/24 prohibit priority 1003
  }
`;
const STATIC = `static_routes {
  203.0.113.0/26 via 192.0.2.254 dev eth0 table 100
}
static_rules {
  from 203.0.113.64/26 table 100 priority 500
}
`;

const conf = (priority: number, withStatic: boolean) =>
  (withStatic ? STATIC : "") +
  `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 61\n  priority ${priority}\n  version 3\n  advert_int 0.1\n` +
  `  virtual_ipaddress {\n    ${VIP}/24\n  }\n${ROUTES}}\n`;

/** What keepalived and tsvrrpd put there: proto keepalived routes and rules of both families. */
function installed(lab: Lab, router: string): string {
  // -o: a multipath route's next hops on its own line
  const routes = lab
    .exec(router, "ip", ["-o", "route", "show", "table", "all"])
    .split("\n")
    .filter((l) => l.includes("proto keepalived"));
  const rules = [...lab.exec(router, "ip", ["rule"]).split("\n"), ...lab.exec(router, "ip", ["-6", "rule"]).split("\n")].filter((l) =>
    l.includes("proto keepalived"),
  );
  return [...routes, ...rules].map((l) => l.trim()).join("\n");
}

describe("virtual and static routes and rules", () => {
  it("keepalived and tsvrrpd install the same routes and rules from one file, and remove them all on stop", async () => {
    const { lab, running } = newLab();
    lab.exec("a", "ip", ["-6", "addr", "add", "2001:db8:1::11/64", "dev", "eth0", "nodad"]);
    const seen: Record<Kind, string> = { keepalived: "", tsvrrpd: "" };
    for (const kind of ["keepalived", "tsvrrpd"] as Kind[]) {
      const d = startDaemon(lab, "a", kind, conf(255, true), `-${kind}`);
      running.push(d);
      await waitFor(`${kind}: every route and rule`, () => installed(lab, "a").split("\n").length === 12, 10_000).catch((e: Error) => {
        throw new Error(`${e.message}; installed:\n${installed(lab, "a")}`);
      });
      seen[kind] = installed(lab, "a");
      d.child.kill("SIGTERM");
      await waitFor(`${kind} stopped`, () => d.child.exitCode !== null || d.child.signalCode !== null, 10_000);
      expect(installed(lab, "a"), `${kind} left routes or rules behind`).toBe("");
    }
    expect(seen.tsvrrpd).toBe(seen.keepalived);
    expect(seen.tsvrrpd).toContain("blackhole 198.51.100.128/25");
    // multipath: `or` (deprecated) and nexthop with a weight (keepalived vrrp_iproute.c add_nexthops)
    expect(seen.tsvrrpd).toMatch(/198\.51\.100\.64\/27 proto keepalived.*nexthop via 192\.0\.2\.253.*nexthop via 192\.0\.2\.252/);
    expect(seen.tsvrrpd).toMatch(/203\.0\.113\.32\/27 proto keepalived.*nexthop via 192\.0\.2\.251 dev eth0 weight 2/);
    expect(seen.tsvrrpd).toContain("1003:\tnot from 192.0.2.0/24 prohibit");
  });

  for (const [aKind, bKind] of [
    ["tsvrrpd", "keepalived"],
    ["keepalived", "tsvrrpd"],
  ] as [Kind, Kind][]) {
    it(`virtual routes follow the master through a crash and a restart (${aKind} on a, ${bKind} on b)`, async () => {
      const { lab, running } = newLab();
      for (const [r, n] of [
        ["a", 11],
        ["b", 12],
      ] as const)
        lab.exec(r, "ip", ["-6", "addr", "add", `2001:db8:1::${n}/64`, "dev", "eth0", "nodad"]);
      const has = (r: string) => installed(lab, r).split("\n").filter(Boolean).length === 10;
      running.push(startDaemon(lab, "a", aKind, conf(150, false)));
      await waitFor(`${aKind} on a master with its routes`, () => lab.holders(VIP).join() === "a" && has("a"), 10_000);
      const b = startDaemon(lab, "b", bKind, conf(100, false));
      running.push(b);
      await waitFor(`${bKind} on b in BACKUP`, () => /Entering BACKUP STATE|-> BACKUP/.test(b.output()), 10_000);
      expect(installed(lab, "b")).toBe("");

      crash(lab, "a"); // routes stay behind on a, as a crash leaves them
      await waitFor("b master with the routes", () => lab.holders(VIP).includes("b") && has("b"), 5000);
      const a2 = startDaemon(lab, "a", aKind, conf(150, false), "-2");
      running.push(a2);
      await waitFor(
        "a master again, b without routes",
        () => lab.holders(VIP).join() === "a" && has("a") && installed(lab, "b") === "",
        10_000,
      );
      if (aKind === "tsvrrpd") expect(a2.output()).toMatch(/"changed":true,"msg":"route removed"/); // the crash's leftovers
    });
  }

  it("tsvrrpd puts back a tracked route or rule deleted by hand (static always, virtual while MASTER); no_track ones stay deleted", async () => {
    const { lab, running } = newLab();
    const extra = "  virtual_routes {\n    198.51.100.0/25 dev eth0\n    198.51.100.128/25 dev eth0 no_track\n  }\n";
    const text =
      STATIC +
      `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 62\n  priority 255\n  version 3\n  advert_int 0.1\n` +
      `  virtual_ipaddress {\n    ${VIP}/24\n  }\n${extra}  virtual_rules {\n    from 198.51.100.0/24 table 100 priority 1000\n  }\n}\n`;
    const d = startDaemon(lab, "a", "tsvrrpd", text);
    running.push(d);
    const has = (s: string) => installed(lab, "a").includes(s);
    await waitFor(
      "everything installed",
      () => has("198.51.100.0/25") && has("198.51.100.128/25") && has("1000:") && has("203.0.113.0/26"),
      10_000,
    );
    lab.exec("a", "ip", ["route", "del", "198.51.100.0/25", "dev", "eth0", "proto", "keepalived"]);
    lab.exec("a", "ip", ["route", "del", "198.51.100.128/25", "dev", "eth0", "proto", "keepalived"]);
    lab.exec("a", "ip", ["rule", "del", "priority", "1000"]);
    lab.exec("a", "ip", ["route", "del", "203.0.113.0/26", "table", "100"]);
    await waitFor("tracked ones back", () => has("198.51.100.0/25") && has("1000:") && has("203.0.113.0/26"), 5000);
    expect(has("198.51.100.128/25"), "a no_track route was put back").toBe(false);
    expect(lab.holders(VIP)).toEqual(["a"]);
  });
});
