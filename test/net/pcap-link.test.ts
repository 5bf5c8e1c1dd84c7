// libpcap handles (package `cap`, patched) opened and closed for real, in a private network
// namespace (`unshare -n`: its own loopback, nothing on the host's).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const PCAP_LINK = new URL("../../dist/net/pcap-link.js", import.meta.url).href;

// Opens and closes handles the way an interface's removal does, lets the GC free them, then walks
// libuv's handle queue (process.report does). Unpatched, cap only stopped the poll handle inside
// the freed object: the walk read freed memory and the process died of SIGSEGV (the daemon did
// when an interface was removed, about 1 run in 15).
const SCRIPT = `
const { PcapLink } = await import(${JSON.stringify(PCAP_LINK)});
for (let i = 0; i < 20; i++) new PcapLink("lo", "arp", () => undefined).close();
await new Promise((r) => setTimeout(r, 10));
for (let i = 0; i < 20; i++) globalThis.gc();
await new Promise((r) => setTimeout(r, 10));
const junk = [];
for (let i = 0; i < 10000; i++) junk.push(Buffer.alloc(200, 0x41));
const polls = process.report.getReport().libuv.filter((h) => h.type === "poll").length;
console.log(JSON.stringify({ polls, junk: junk.length }));
`;

describe("PcapLink", () => {
  it("a closed handle leaves nothing on the event loop, and the GC freeing it is safe", () => {
    const r = spawnSync(
      "unshare",
      ["-n", "sh", "-c", 'ip link set lo up && exec "$0" --expose-gc --input-type=module -e "$1"', process.execPath, SCRIPT],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({ polls: 0, junk: 10000 });
  });
});
