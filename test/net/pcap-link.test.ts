// libpcap handles (package `cap`, patched) opened and closed for real, in a private network
// namespace (`unshare -n`: its own loopback, nothing on the host's).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const PCAP_LINK = new URL("../../dist/net/pcap-link.js", import.meta.url).href;

// Opens and closes handles the way an interface's removal does, lets the GC free them the way the
// daemon's does (allocation, not gc() from JS), then walks libuv's handle queue (process.report
// does). Unpatched, cap (1) left the stopped poll handle inside the freed object on the loop's
// queue, and (2) destroyed its async resource inside the GC's weak callback, where Node finds no
// context: SIGSEGV either way, the daemon's when an interface was removed or renamed.
const SCRIPT = `
const { PcapLink } = await import(${JSON.stringify(PCAP_LINK)});
for (let i = 0; i < 20; i++) new PcapLink("lo", "arp", () => undefined).close();
await new Promise((r) => setTimeout(r, 10));
let junk = [];
for (let round = 0; round < 50; round++) {
  for (let i = 0; i < 100000; i++) junk.push({ i, s: "x" + i });
  junk = [];
  await new Promise((r) => setImmediate(r));
}
const polls = process.report.getReport().libuv.filter((h) => h.type === "poll").length;
console.log(JSON.stringify({ polls }));
`;

describe("PcapLink", () => {
  it("a closed handle leaves nothing on the event loop, and the GC freeing it later is safe", () => {
    const r = spawnSync(
      "unshare",
      ["-n", "sh", "-c", 'ip link set lo up && exec "$0" --max-semi-space-size=1 --input-type=module -e "$1"', process.execPath, SCRIPT],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({ polls: 0 });
  });
});
