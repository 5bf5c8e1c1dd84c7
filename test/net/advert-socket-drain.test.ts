// AdvertSocket's drain is bounded per readable event: a queue longer than the bound is read over
// several event-loop turns, with timers and immediates running in between, so a flood cannot keep
// the daemon inside one callback while its other instances' adverts fall due. Real raw sockets
// on the loopback of a private network namespace (`unshare -n`).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const SOCKET = new URL("../../dist/net/advert-socket.js", import.meta.url).href;
const HELPER = new URL("../../dist/native/helper.js", import.meta.url).href;

const SCRIPT = `
const { AdvertSocket } = await import(${JSON.stringify(SOCKET)});
const { nativeHelper } = await import(${JSON.stringify(HELPER)});
const { execFileSync } = await import("node:child_process");
execFileSync("ip", ["link", "set", "lo", "up"]);
const batches = [];
let current = 0;
let immediates = 0;
const sock = new AdvertSocket({ ifname: "lo", ifindex: 1, family: 4, maxReadsPerEvent: 50 }, () => {
  if (current === 0) setImmediate(() => { batches.push(current); current = 0; immediates++; });
  current++;
}, (e) => { throw e; });
const tx = nativeHelper().vrrpSocket(4, "lo", 1, () => undefined);
const pkt = new Uint8Array(40);
pkt[0] = 0x45; pkt[3] = 40; pkt[8] = 255; pkt[9] = 112;
pkt.set([127, 0, 0, 1], 12); pkt.set([127, 0, 0, 1], 16);
pkt[20] = 0x31;
// Queued before the loop reads any: the socket holds them all (a 256 KB buffer, ~300 of these).
let sent = 0;
for (let i = 0; i < 200; i++) if (tx.send(pkt, pkt.length, new Uint8Array([127, 0, 0, 1])) === pkt.length) sent++;
setTimeout(() => {
  sock.close();
  tx.close();
  console.log(JSON.stringify({ sent, batches, immediates }));
}, 300);
`;

describe("AdvertSocket drain", () => {
  it("reads at most maxReadsPerEvent packets per readable event and loses none", () => {
    const r = spawnSync("unshare", ["-n", process.execPath, "--input-type=module", "-e", SCRIPT], { encoding: "utf8", timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim()) as { sent: number; batches: number[] };
    expect(out.sent).toBe(200);
    // Every packet read, in batches of at most 50, each ended by a turn of the loop.
    expect(out.batches.reduce((a, b) => a + b, 0)).toBe(200);
    expect(Math.max(...out.batches)).toBe(50);
    expect(out.batches.length).toBeGreaterThanOrEqual(4);
  });
});
