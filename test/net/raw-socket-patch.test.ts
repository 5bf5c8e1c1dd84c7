// Our raw-socket patch (patches/raw-socket+*.patch): recvInto(buffer) reads one packet without a
// callback, an address string or a throw, and says "empty" as -EAGAIN. Real sockets on loopback.
import { createRequire } from "node:module";
import { constants } from "node:os";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../src/lab/netns.js";

const require = createRequire(import.meta.url);
interface Wrap {
  recvInto?(b: Buffer): number;
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
});
