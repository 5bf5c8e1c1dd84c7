// The packet layer (native/packet.c) against the four ways the libpcap / raw-socket layer failed
// (issue 28), for real on a namespace LAN: a down interface that keeps its IPv4 address, VLAN-tagged
// IPv6 frames, bursts of IPv6 adverts, and the traffic class of our IPv6 adverts. Frames with tags
// are injected by hand from a third namespace through the addon's packet socket (there is no vlan
// module here).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor, type Lab } from "../../lab/netns.js";
import { addressBytes } from "../../src/vrrp/address.js";
import { encodeAdvert } from "../../src/vrrp/packet.js";
import { BIN, CLI_TIMEOUT_MS, holdsFor, macOf, startDaemon, twoRouterLabs } from "./daemons.js";

const newLab = twoRouterLabs("pkt");
const VIP4 = "198.51.100.10";
const VIP6 = "2001:db8:1::10";
const HELPER = new URL("../../dist/native/helper.js", import.meta.url).href;

interface Inst {
  name: string;
  state: string;
  stats: { advertsReceived: number; transitions: number; drops: Record<string, number> };
}

function instances(lab: Lab, router: string): Inst[] | undefined {
  const r = spawnSync(BIN, ["status", "--json", "--socket", join(lab.dir, `${router}.pid.sock`)], {
    encoding: "utf8",
    timeout: CLI_TIMEOUT_MS,
  });
  return r.status === 0 ? (JSON.parse(r.stdout) as { instances: Inst[] }).instances : undefined;
}

const drops = (i: Inst): number => Object.values(i.stats.drops).reduce((a, b) => a + b, 0);

function instance(name: string, vrid: number, prio: number, vip: string, extra = ""): string {
  return `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  priority ${prio}\n  version 3\n  advert_int 0.1\n  virtual_ipaddress {\n    ${vip}\n  }\n${extra}}\n`;
}
const GLOBAL = "global_defs {\n  vrrp_garp_master_delay 0\n}\n";

/** The router's IPv6 link-local address on eth0. */
function linkLocal(lab: Lab, router: string): string {
  const a = lab.addresses(router).find((x) => x.startsWith("fe80:"));
  if (!a) throw new Error(`no link-local address on ${router}`);
  return a.split("/")[0]!;
}

/**
 * An Ethernet frame carrying a VRRPv3 IPv6 advert to ff02::12 from `src`: with an 802.1Q tag when
 * `vid` is given (0: priority-tagged), and the hop limit given.
 */
function advertFrame(o: { mac: string; src: string; vrid: number; priority: number; hopLimit: number; vid?: number }): Buffer {
  const dst = "ff02::12";
  const vrrp = encodeAdvert({
    version: 3,
    family: 6,
    vrid: o.vrid,
    addresses: [VIP6],
    src: o.src,
    dst,
    priority: o.priority,
    intervalCs: 10,
  });
  const tag = o.vid === undefined ? Buffer.alloc(0) : Buffer.from([0x81, 0x00, (o.vid >> 8) & 0x0f, o.vid & 0xff]);
  const eth = Buffer.concat([
    Buffer.from("333300000012", "hex"),
    Buffer.from(o.mac.replaceAll(":", ""), "hex"),
    tag,
    Buffer.from([0x86, 0xdd]),
  ]);
  const ip = Buffer.alloc(40);
  ip[0] = 0x60;
  ip.writeUInt16BE(vrrp.length, 4);
  ip[6] = 112;
  ip[7] = o.hopLimit;
  ip.set(addressBytes(o.src, 6), 8);
  ip.set(addressBytes(dst, 6), 24);
  return Buffer.concat([eth, ip, vrrp]);
}

/**
 * Sends `frame` out of the router's eth0 `count` times, `burst` at a time every `gapMs`, through the
 * addon's packet socket; resolves with how many the kernel took.
 */
function inject(lab: Lab, router: string, frame: Buffer, count: number, burst: number, gapMs: number): Promise<number> {
  const script = `
const { nativeHelper } = await import(${JSON.stringify(HELPER)});
const [hex, count, burst, gap] = process.argv.slice(1);
const frame = Buffer.from(hex, "hex");
const ifindex = Number(require("fs").readFileSync("/sys/class/net/eth0/ifindex", "utf8"));
const s = nativeHelper().packetSocket(ifindex);
if ("errno" in s) throw new Error("packetSocket: " + s.op + " " + s.errno);
let sent = 0;
for (let i = 0; i < Number(count); ) {
  for (let k = 0; k < Number(burst) && i < Number(count); k++, i++) if (s.send(frame, frame.length) === frame.length) sent++;
  if (Number(gap) > 0) await new Promise((r) => setTimeout(r, Number(gap)));
}
s.close();
console.log(sent);
`.replace('require("fs")', '(await import("node:fs"))');
  const child = lab.spawn(router, process.execPath, [
    "--input-type=module",
    "-e",
    script,
    frame.toString("hex"),
    String(count),
    String(burst),
    String(gapMs),
  ]);
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) =>
    child.on("exit", (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`injector exited ${code}: ${err}`)))),
  );
}

describe("packet layer", () => {
  it("an interface that is down but keeps its IPv4 address: FAULT, no abort, master once it is up; also through a link flap", async () => {
    const { lab, running } = newLab();
    const ip = (...args: string[]) => lab.exec("a", "ip", args);
    ip("link", "set", "eth0", "down"); // 192.0.2.11 stays on it
    // A small young generation: the GC frees the daemon's short-lived objects (a failed handle with
    // them) within seconds, as it would in hours on a bigger heap.
    const a = startDaemon(lab, "a", "tsvrrpd", GLOBAL + instance("VI", 51, 200, VIP4), "", { NODE_OPTIONS: "--max-semi-space-size=1" });
    running.push(a);
    let exited: string | undefined;
    a.child.on("exit", (code, signal) => (exited = `code ${code} signal ${signal}`));
    const state = () => instances(lab, "a")?.[0]?.state;
    await waitFor("a's instance in FAULT", () => state() === "FAULT", 10_000);
    await holdsFor(4000, () => {
      expect(exited, a.output().slice(-2000)).toBeUndefined();
      expect(state()).toBe("FAULT");
    });
    expect(lab.holders(VIP4)).toEqual([]);

    ip("link", "set", "eth0", "up");
    await waitFor("a master once the link is up", () => state() === "MASTER" && lab.holders(VIP4).join() === "a", 10_000);

    // A flap: down and up every 150 ms, five times; the daemon rides it out and ends master.
    for (let i = 0; i < 5; i++) {
      ip("link", "set", "eth0", "down");
      await new Promise((r) => setTimeout(r, 150));
      ip("link", "set", "eth0", "up");
      await new Promise((r) => setTimeout(r, 150));
    }
    await waitFor("a master after the flap", () => state() === "MASTER" && lab.holders(VIP4).join() === "a", 10_000);
    await holdsFor(3000, () => expect(exited, a.output().slice(-2000)).toBeUndefined());
    expect(a.output()).not.toMatch(/Assertion|Aborted|SIGABRT/);
  }, 60_000);

  it("VLAN-tagged IPv6 frames: VLAN 10 never reaches the daemon; a priority-tagged (VID 0) advert from a peer is heard", async () => {
    const { lab, running } = newLab();
    lab.exec("a", "ip", ["addr", "add", "2001:db8:1::11/64", "dev", "eth0", "nodad"]);
    running.push(startDaemon(lab, "a", "tsvrrpd", GLOBAL + instance("V6", 52, 100, VIP6)));
    await waitFor("a master of the IPv6 instance", () => lab.holders(VIP6).join() === "a", 10_000);
    const before = instances(lab, "a")![0]!;
    const peer = { mac: macOf(lab, "b"), src: linkLocal(lab, "b"), vrid: 52, priority: 255 };

    // VLAN 10, hop limit 1, priority 255: on the untagged parent the kernel drops it (no interface
    // for VID 10: PACKET_OTHERHOST), so the daemon neither takes it nor counts a drop.
    const tagged = advertFrame({ ...peer, hopLimit: 1, vid: 10 });
    const sent = inject(lab, "b", tagged, 40, 1, 50);
    await holdsFor(2500, () => expect(lab.holders(VIP6)).toEqual(["a"]));
    expect(await sent).toBe(40);
    const after = instances(lab, "a")![0]!;
    expect(after.state).toBe("MASTER");
    expect(after.stats.transitions).toBe(before.stats.transitions);
    expect(after.stats.advertsReceived).toBe(before.stats.advertsReceived);
    expect(drops(after)).toBe(drops(before));

    // Priority-tagged (VID 0), hop limit 255, priority 255: a real advert, the tag only carries a
    // priority code point; the kernel strips it and a hears a better master and backs off.
    const prio = advertFrame({ ...peer, hopLimit: 255, vid: 0 });
    const stream = inject(lab, "b", prio, 40, 1, 50);
    await waitFor("a backs off to the priority-tagged master", () => instances(lab, "a")?.[0]?.state === "BACKUP", 3000);
    expect(lab.holders(VIP6)).toEqual([]);
    expect(await stream).toBe(40);
    await waitFor("a master again once the peer is silent", () => lab.holders(VIP6).join() === "a", 5000);
  }, 60_000);

  it("a burst of 40 IPv6 adverts is delivered whole", async () => {
    const { lab, running } = newLab();
    lab.exec("a", "ip", ["addr", "add", "2001:db8:1::11/64", "dev", "eth0", "nodad"]);
    running.push(startDaemon(lab, "a", "tsvrrpd", GLOBAL + instance("V6", 53, 200, VIP6)));
    await waitFor("a master of the IPv6 instance", () => lab.holders(VIP6).join() === "a", 10_000);
    const count = () => instances(lab, "a")![0]!.stats.advertsReceived;
    const before = count();
    // Lower priority than a's: each is heard and counted, none changes the state.
    const frame = advertFrame({ mac: macOf(lab, "b"), src: linkLocal(lab, "b"), vrid: 53, priority: 50, hopLimit: 255 });
    expect(await inject(lab, "b", frame, 40, 40, 0)).toBe(40);
    await waitFor("all 40 adverts counted", () => count() - before >= 40, 3000);
    await new Promise((r) => setTimeout(r, 300));
    expect(count() - before).toBe(40);
  }, 60_000);

  it("IPv6 adverts leave with traffic class 0xc0 (network control) and hop limit 255", async () => {
    const { lab, running } = newLab();
    lab.exec("a", "ip", ["addr", "add", "2001:db8:1::11/64", "dev", "eth0", "nodad"]);
    running.push(startDaemon(lab, "a", "tsvrrpd", GLOBAL + instance("V6", 54, 200, VIP6)));
    await waitFor("a master of the IPv6 instance", () => lab.holders(VIP6).join() === "a", 10_000);
    const out = lab.exec(null, "timeout", ["5", "tcpdump", "-i", "br0", "-c", "3", "-nv", "ip6 proto 112"], true);
    const lines = out.split("\n").filter((l) => /hlim/.test(l));
    expect(lines.length, out).toBe(3);
    for (const l of lines) expect(l).toMatch(/class 0xc0, .*hlim 255/);
  }, 60_000);
});
