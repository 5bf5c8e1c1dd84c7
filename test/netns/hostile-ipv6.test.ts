// Hostile IPv6 adverts (issue 27): a VRRPv3 IPv6 master must ignore adverts that would win the
// election if it took them but break a rule: hop limit not 255 (RFC 5798 5.1.2.3, keepalived
// vrrp.c vrrp_check_packet), a bad checksum, a message cut short or claiming more addresses than
// it carries. Tested by behaviour (the master keeps its VIP and state), whatever path the daemon
// reads IPv6 adverts on. A valid advert of the same priority from the same injector, last, must
// make it yield: the hostile ones reached the daemon and were refused, not lost on the way.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { waitFor, type Lab } from "../../lab/netns.js";
import type { InjectKind } from "../../lab/inject.js";
import { holdsFor, startDaemon, twoRouterLabs, VIP6 } from "./daemons.js";

const newLab = twoRouterLabs("h6");
const INJECT = new URL("../../dist-lab/lab/inject.js", import.meta.url).pathname;

const conf = `global_defs {
  vrrp_garp_master_delay 0
}
vrrp_instance VI_6 {
  interface eth0
  virtual_router_id 42
  priority 100
  version 3
  advert_int 0.1
  virtual_ipaddress {
    ${VIP6}
  }
}
`;

function linkLocal(lab: Lab, router: string): string {
  const j = JSON.parse(lab.exec(router, "ip", ["-j", "-6", "addr", "show", "dev", "eth0", "scope", "link"])) as {
    addr_info: { local: string }[];
  }[];
  const a = j[0]?.addr_info[0]?.local;
  if (!a) throw new Error(`${router} has no IPv6 link-local address on eth0`);
  return a;
}

/** Sends `count` crafted adverts from router b at `pps` to ff02::12; returns how many left. */
function inject(lab: Lab, kind: InjectKind, src: string, count: number, pps: number): number {
  const r = spawnSync(
    "ip",
    ["netns", "exec", lab.ns("b"), process.execPath, INJECT, kind, String(count), String(pps), src, "ff02::12", "42", "3"],
    {
      encoding: "utf8",
      timeout: 30_000,
    },
  );
  if (r.status !== 0) throw new Error(`inject ${kind}: ${r.stderr}${r.error?.message ?? ""}`);
  return Number(r.stdout.trim());
}

const HOSTILE: { kind: InjectKind; what: string }[] = [
  { kind: "bad-ttl", what: "hop limit 64" },
  { kind: "bad-checksum", what: "a checksum that does not verify" },
  { kind: "truncated", what: "6 bytes, shorter than the VRRP header" },
  { kind: "cut-address", what: "ending inside its IPv6 address" },
  { kind: "lying-count", what: "claiming 5 addresses, carrying 1" },
];

describe("hostile IPv6 adverts", () => {
  it("a VRRPv3 IPv6 master ignores priority-254 adverts with a bad hop limit, checksum or length; a valid one makes it yield", async () => {
    const { lab, running } = newLab();
    const a = startDaemon(lab, "a", "tsvrrpd", conf);
    running.push(a);
    await waitFor("a master of the IPv6 VIP", () => lab.holders(VIP6).join() === "a", 10_000);
    const src = linkLocal(lab, "b");
    for (const h of HOSTILE) {
      // 300 at 1,000/s: three times as many as the master's own adverts over the same 0.3 s.
      const sent = inject(lab, h.kind, src, 300, 1000);
      expect(sent, `${h.kind}: adverts sent`).toBe(300);
      await holdsFor(400, () => expect(lab.holders(VIP6), `a gave up its VIP to adverts with ${h.what}`).toEqual(["a"]), 100);
      expect(a.output(), `a left MASTER after adverts with ${h.what}`).not.toMatch(/MASTER -> BACKUP/);
    }
    // The control: the same adverts, valid, win.
    inject(lab, "higher-priority", src, 300, 1000);
    await waitFor("a to yield to a valid priority-254 advert", () => /higher priority 254/.test(a.output()), 5000);
    expect(a.output()).toMatch(/MASTER -> BACKUP/);
  });
});
