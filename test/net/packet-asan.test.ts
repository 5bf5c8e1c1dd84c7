// The addon's socket handles (native/packet.c) under AddressSanitizer: the edge cases where a
// native binding goes wrong (a failed open, a close twice, calls after close, the GC collecting a
// closed handle and one never closed, the interface vanishing under an open socket mid-send). The
// addon is rebuilt with -fsanitize=address into a temporary directory and node runs with libasan
// preloaded, in a private network namespace (`unshare -n`: its own loopback and veth pair).
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const NATIVE = new URL("../../native/", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-asan-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Exits non-zero on any surprise; prints what it saw for the assertions.
const SCRIPT = `
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const h = require(process.argv[1]);
const ip = (...a) => execFileSync("ip", a);
ip("link", "set", "lo", "up");
ip("link", "add", "t0", "type", "veth", "peer", "name", "t1");
ip("link", "set", "t0", "up");
ip("link", "set", "t1", "up");
// Not /sys/class/net: sysfs there is the host's (only the network namespace is new).
const idx = JSON.parse(ip("-j", "link", "show", "t0").toString())[0].ifindex;
const fds = () => fs.readdirSync("/proc/self/fd").length;
const buf = new Uint8Array(2048), meta = new Float64Array(3), addr = new Uint8Array(32);
const out = { start: fds() };
out.failed = [h.vrrpSocket(4, "nope0", 4242, () => {}), h.vrrpSocket(6, "nope0", 4242, () => {}), h.packetSocket(4242)];
// Closed twice, then every call after close.
const s = h.vrrpSocket(4, "lo", 1, () => {});
const p = h.packetSocket(idx);
out.afterClose = [s.close(), s.close(), s.recv(buf, meta, addr), s.send(buf, 28, new Uint8Array(4)), s.fd(), p.close(), p.close(), p.send(buf, 60), p.fd()];
// The interface vanishes under open sockets: sends and reads answer with errno values.
const v4 = h.vrrpSocket(4, "t0", idx, () => { while (v4.recv(buf, meta, addr) >= 0); });
const v6 = h.vrrpSocket(6, "t0", idx, () => { while (v6.recv(buf, meta, addr) >= 0); });
const pk = h.packetSocket(idx);
const frame = new Uint8Array(60).fill(0xff, 0, 6);
frame[12] = 0x08; frame[13] = 0x06;
out.beforeGone = pk.send(frame, 60);
ip("link", "del", "t0");
const pkt = new Uint8Array(28); pkt[0] = 0x45; pkt[3] = 28; pkt[8] = 255; pkt[9] = 112;
out.gone = [pk.send(frame, 60), v4.send(pkt, 28, new Uint8Array([224, 0, 0, 18])), v6.send(new Uint8Array(40), 40, new Uint8Array(16).fill(0xff, 0, 1)), v4.recv(buf, meta, addr)];
out.goneClose = [v4.close(), v6.close(), pk.close()];
// Handles dropped open and dropped closed, for the GC to finalize.
for (let i = 0; i < 100; i++) {
  h.vrrpSocket(4, "lo", 1, () => {});
  h.packetSocket(1);
  const c = h.vrrpSocket(6, "lo", 1, () => {});
  c.close();
}
global.gc();
setTimeout(() => {
  global.gc();
  setTimeout(() => {
    out.end = fds();
    console.log(JSON.stringify(out));
  }, 50);
}, 50);
`;

function build(): void {
  for (const f of readdirSync(NATIVE)) if (/\.(c|h|gyp)$/.test(f)) cpSync(join(NATIVE, f), join(dir, f));
  // npm's own node-gyp (beside the npm on PATH), against the headers of the Node running the test.
  const npm = realpathSync(execFileSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).trim());
  const gyp = join(dirname(npm), "..", "node_modules", "node-gyp", "bin", "node-gyp.js");
  const prefix = dirname(dirname(process.execPath));
  const headers = [prefix, "/usr"].find((d) => existsSync(join(d, "include/node/node.h")));
  const nodedir = headers ? [`--nodedir=${headers}`] : [];
  const r = spawnSync(process.execPath, [gyp, "rebuild", ...nodedir], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, CFLAGS: "-fsanitize=address -fno-omit-frame-pointer -g", LDFLAGS: "-fsanitize=address" },
    timeout: 240_000,
  });
  if (r.status !== 0) throw new Error(`ASan build failed: ${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}`);
}

describe("packet.c under AddressSanitizer", () => {
  it("failed opens, double close, calls after close, a vanished interface and GC of open and closed handles: values, no memory error, no descriptor left", () => {
    build();
    const libasan = execFileSync("gcc", ["-print-file-name=libasan.so"], { encoding: "utf8" }).trim();
    expect(existsSync(libasan), `libasan not found (${libasan}): gcc's libasan8 is needed`).toBe(true);
    const r = spawnSync("unshare", ["-n", process.execPath, "--expose-gc", "-e", SCRIPT, join(dir, "build/Release/tsvrrpd_native.node")], {
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, LD_PRELOAD: libasan, ASAN_OPTIONS: "detect_leaks=0:abort_on_error=0" },
    });
    expect(r.stderr).not.toMatch(/AddressSanitizer/);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
    const ENODEV = 19;
    const EBADF = 9;
    expect(out.failed).toEqual([
      { errno: ENODEV, op: "SO_BINDTODEVICE" },
      { errno: ENODEV, op: "SO_BINDTODEVICE" },
      { errno: ENODEV, op: "bind" },
    ]);
    expect(out.afterClose).toEqual([0, -EBADF, -EBADF, -EBADF, -1, 0, -EBADF, -EBADF, -1]);
    expect(out.beforeGone).toBe(60);
    // Gone: the kernel says so (ENXIO, ENODEV or ENETDOWN by path), as a negative value.
    for (const v of out.gone as number[]) expect(v).toBeLessThan(0);
    expect(out.goneClose).toEqual([0, 0, 0]);
    // 300 handles opened; after the GC's finalizers none is left open.
    expect(out.end as number).toBeLessThanOrEqual((out.start as number) + 2);
  }, 300_000);
});
