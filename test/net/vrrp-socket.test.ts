// The addon's raw VRRP socket (native/packet.c vrrpSocket), real sockets on loopback: one read
// without a callback or a throw, "empty" as -EAGAIN, the kernel's receive timestamp as an age,
// close-on-exec from the start, and errors as values.
import { readFileSync } from "node:fs";
import { constants } from "node:os";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../lab/netns.js";
import { nativeHelper, type VrrpSocketHandle } from "../../src/native/helper.js";

const { EAGAIN, EBADF, ENODEV } = constants.errno;
const LO = [127, 0, 0, 1];

function open4(): VrrpSocketHandle {
  // Nobody drains from the poll callback: each test reads itself.
  const s = nativeHelper().vrrpSocket(4, "lo", 1, () => undefined);
  if ("errno" in s) throw new Error(`open failed: ${s.op} ${s.errno}`);
  return s;
}

/** A whole IPv4 packet to 127.0.0.1, protocol 112, carrying `payload`. */
function probe(payload: Buffer, ttl = 255): Uint8Array {
  const p = new Uint8Array(20 + payload.length);
  p[0] = 0x45;
  p[2] = p.length >> 8;
  p[3] = p.length & 0xff;
  p[8] = ttl;
  p[9] = 112;
  p.set(LO, 12);
  p.set(LO, 16);
  p.set(payload, 20);
  return p;
}

describe("vrrpSocket (native/packet.c)", () => {
  it("returns -EAGAIN on an empty socket, then a packet with its IPv4 header and TTL", async () => {
    const rx = open4();
    const tx = open4();
    try {
      const buf = new Uint8Array(2048);
      const meta = new Float64Array(3);
      const addr = new Uint8Array(32);
      expect(rx.recv(buf, meta, addr)).toBe(-EAGAIN);
      const payload = Buffer.from(`tsvrrpd-recv-probe-${process.pid}`);
      const pkt = probe(payload, 17);
      expect(tx.send(pkt, pkt.length, new Uint8Array(LO))).toBe(pkt.length);
      let n = -1;
      // Raw sockets get every protocol-112 packet on the host: skip anything that is not ours.
      await waitFor(
        "the probe to arrive",
        () => {
          n = rx.recv(buf, meta, addr);
          return n > 0 && Buffer.from(buf.subarray(20, n)).equals(payload);
        },
        2000,
        5,
      );
      expect(n).toBe(20 + payload.length);
      expect(buf[9]).toBe(112);
      expect(meta[0]).toBe(17); // TTL from the header
      expect([...addr.subarray(0, 4)]).toEqual(LO);
      expect(rx.recv(buf, meta, addr)).toBe(-EAGAIN);
    } finally {
      rx.close();
      tx.close();
    }
  });

  it("meta[1] is how long the packet waited in the socket, from the kernel's receive timestamp", async () => {
    const rx = open4();
    const tx = open4();
    try {
      const buf = new Uint8Array(2048);
      const meta = new Float64Array(3);
      const addr = new Uint8Array(32);
      // The kernel turns stamping on from a work queue: a packet sent right after the first socket
      // asked may come unstamped (-1, or 0 when stamped at the read). Probe until one is stamped.
      const once = async (k: number): Promise<{ age: number; waited: number }> => {
        const payload = Buffer.from(`tsvrrpd-age-probe-${process.pid}-${k}`);
        const pkt = probe(payload);
        expect(tx.send(pkt, pkt.length, new Uint8Array(LO))).toBe(pkt.length);
        const sentAt = performance.now();
        await new Promise((r) => setTimeout(r, 60));
        let n = -1;
        do n = rx.recv(buf, meta, addr);
        while (n > 0 && !Buffer.from(buf.subarray(20, n)).equals(payload));
        expect(n).toBe(20 + payload.length);
        return { age: meta[1]!, waited: performance.now() - sentAt };
      };
      let got = await once(0);
      for (let k = 1; k < 10 && got.age < 1; k++) got = await once(k);
      expect(got.age).toBeGreaterThanOrEqual(55);
      expect(got.age).toBeLessThanOrEqual(got.waited + 1);
    } finally {
      rx.close();
      tx.close();
    }
  });

  it("opens close-on-exec, closes once, and answers -EBADF after close instead of throwing", () => {
    const s = open4();
    const fd = s.fd();
    expect(fd).toBeGreaterThan(2);
    const flags = /flags:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))![1]!;
    expect(parseInt(flags, 8) & 0o2000000).not.toBe(0); // O_CLOEXEC
    expect(s.close()).toBe(0);
    expect(s.close()).toBe(-EBADF);
    expect(s.recv(new Uint8Array(64), new Float64Array(3), new Uint8Array(32))).toBe(-EBADF);
    expect(s.send(new Uint8Array(28), 28, new Uint8Array(LO))).toBe(-EBADF);
    expect(s.fd()).toBe(-1);
  });

  it("a failed open is a value naming the step, not a throw", () => {
    const r = nativeHelper().vrrpSocket(4, "tsvrrpd-none0", 9999, () => undefined);
    expect(r).toEqual({ errno: ENODEV, op: "SO_BINDTODEVICE" });
    const p = nativeHelper().packetSocket(999_999);
    expect(p).toEqual({ errno: ENODEV, op: "bind" });
  });
});

describe("vrrpSocket protocol 51 (auth_type AH, as keepalived opens IPPROTO_AH)", () => {
  it("receives protocol-51 packets, which a protocol-112 socket does not see; IPv6 refuses it", async () => {
    const open = (protocol?: 51) => {
      const s = protocol
        ? nativeHelper().vrrpSocket(4, "lo", 1, () => undefined, protocol)
        : nativeHelper().vrrpSocket(4, "lo", 1, () => undefined);
      if ("errno" in s) throw new Error(`open failed: ${s.op} ${s.errno}`);
      return s;
    };
    const ah = open(51);
    const vrrp = open();
    try {
      const buf = new Uint8Array(2048);
      const meta = new Float64Array(3);
      const addr = new Uint8Array(32);
      const payload = Buffer.from(`tsvrrpd-ah-probe-${process.pid}`);
      const pkt = probe(payload);
      pkt[9] = 51;
      expect(ah.send(pkt, pkt.length, new Uint8Array(LO))).toBe(pkt.length);
      const ours = (n: number) => n > 0 && Buffer.from(buf.subarray(20, n)).equals(payload);
      await waitFor("the AH probe to arrive", () => ours(ah.recv(buf, meta, addr)) && buf[9] === 51, 2000, 5);
      for (let n = vrrp.recv(buf, meta, addr); n !== -EAGAIN; n = vrrp.recv(buf, meta, addr)) expect(ours(n)).toBe(false);
    } finally {
      ah.close();
      vrrp.close();
    }
    expect(() => nativeHelper().vrrpSocket(6, "lo", 1, () => undefined, 51)).toThrow(TypeError);
  });
});
