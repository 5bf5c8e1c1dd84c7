// Our raw-socket patch (patches/raw-socket+*.patch): recvInto(buffer[, age]) reads one packet
// without a callback, an address string or a throw, says "empty" as -EAGAIN, and tells how long
// the packet waited in the kernel. Real sockets on loopback.
import { createRequire } from "node:module";
import { constants } from "node:os";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../src/lab/netns.js";

const require = createRequire(import.meta.url);
interface Wrap {
  recvInto?(b: Buffer, age?: Float64Array): number;
  removeAllListeners(event: string): void;
}
interface RawSocket {
  wrap: Wrap;
  send(b: Buffer, offset: number, length: number, address: string, cb: (err?: Error) => void): void;
  close(): void;
}
const raw = require("raw-socket") as { createSocket(o: { protocol: number }): RawSocket };

describe("raw-socket recvInto (patched)", () => {
  it("returns -EAGAIN on an empty socket, then the bytes of a packet sent to it over loopback", async () => {
    const rx = raw.createSocket({ protocol: 112 });
    const tx = raw.createSocket({ protocol: 112 });
    try {
      expect(typeof rx.wrap.recvInto).toBe("function");
      const buf = Buffer.alloc(2048);
      expect(rx.wrap.recvInto!(buf)).toBe(-constants.errno.EAGAIN);
      const payload = Buffer.from("tsvrrpd-recvinto-probe");
      await new Promise<void>((resolve, reject) => tx.send(payload, 0, payload.length, "127.0.0.1", (e) => (e ? reject(e) : resolve())));
      let n = -1;
      // Raw sockets get every protocol-112 packet on the host: skip anything that is not ours.
      await waitFor(
        "the probe to arrive",
        () => {
          n = rx.wrap.recvInto!(buf);
          return n > 0 && buf.subarray(20, n).equals(payload);
        },
        2000,
        5,
      );
      expect(n).toBe(20 + payload.length); // the IPv4 header comes with it
      expect(buf[9]).toBe(112);
      expect(rx.wrap.recvInto!(buf)).toBe(-constants.errno.EAGAIN);
    } finally {
      rx.close();
      tx.close();
    }
  });

  it("sets age[0] to how long the packet waited in the socket, from the kernel's receive timestamp", async () => {
    const rx = raw.createSocket({ protocol: 112 });
    const tx = raw.createSocket({ protocol: 112 });
    try {
      rx.wrap.removeAllListeners("recvReady"); // nobody else reads: the packet waits for us
      const buf = Buffer.alloc(2048);
      const age = new Float64Array([7]);
      expect(rx.wrap.recvInto!(buf, age)).toBe(-constants.errno.EAGAIN);
      expect(age[0]).toBe(7); // untouched when nothing was read
      // The first ask turns stamping on (SO_TIMESTAMPNS); the kernel flips its global switch from a
      // work queue, so a packet sent right after may still come unstamped (it then reads as -1, or
      // 0 on kernels that stamp it at the read). Probe until one is stamped. Each probe's delay is what is measured: it sits in the socket meanwhile.
      const probe = async (k: number): Promise<{ age: number; waited: number }> => {
        const payload = Buffer.from(`tsvrrpd-age-probe-${process.pid}-${k}`);
        await new Promise<void>((resolve, reject) => tx.send(payload, 0, payload.length, "127.0.0.1", (e) => (e ? reject(e) : resolve())));
        const sentAt = performance.now();
        await new Promise((r) => setTimeout(r, 60));
        let n = -1;
        do n = rx.wrap.recvInto!(buf, age);
        while (n > 0 && !buf.subarray(20, n).equals(payload));
        expect(n).toBe(20 + payload.length);
        return { age: age[0]!, waited: performance.now() - sentAt };
      };
      let got = await probe(0);
      for (let k = 1; k < 10 && got.age < 1; k++) got = await probe(k);
      expect(got.age).toBeGreaterThanOrEqual(55);
      expect(got.age).toBeLessThanOrEqual(got.waited + 1);
    } finally {
      rx.close();
      tx.close();
    }
  });
});
