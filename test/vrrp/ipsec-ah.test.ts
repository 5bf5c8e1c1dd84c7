import { readFileSync } from "node:fs";
import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AH_LENGTH, AhCounter, hmacMd5, md5, openAh, sealAh } from "../../src/vrrp/ipsec-ah.js";
import { decodeAdvertOrThrow, passwordBytes } from "../../src/vrrp/packet.js";

// Captured from keepalived 2.2.7 by test/fixtures/keepalived-ah-capture.sh (AH, VRID 61 multicast
// with auth_pass "secret-password", VRID 62 unicast with "short"; the last two are SIGTERM's
// priority-0 adverts).
const fixture = JSON.parse(readFileSync(new URL("../fixtures/keepalived-2.2.7-ah.json", import.meta.url), "utf8")) as {
  keys: Record<string, string>;
  packets: string[];
};
const packets = fixture.packets.map((h) => Uint8Array.from(Buffer.from(h, "hex")));
const vridOf = (p: Uint8Array): number => p[20 + AH_LENGTH + 1]!;
const keyOf = (p: Uint8Array): Uint8Array => passwordBytes(fixture.keys[String(vridOf(p))]!);
const unicastOf = (p: Uint8Array): boolean => p[16]! < 224;

describe("MD5 and HMAC-MD5 written out in src/vrrp", () => {
  it("match node:crypto", () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 200, 1000]) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      expect(Buffer.from(md5(data)).toString("hex")).toBe(createHash("md5").update(data).digest("hex"));
      for (const klen of [0, 8, 64, 65, 100]) {
        const key = Uint8Array.from({ length: klen }, (_, i) => (i * 11) & 0xff);
        expect(Buffer.from(hmacMd5(key, data)).toString("hex")).toBe(createHmac("md5", key).update(data).digest("hex"));
      }
    }
  });
});

describe("IPsec-AH against keepalived 2.2.7's packets", () => {
  it("the fixture holds multicast and unicast adverts, and priority 0", () => {
    expect(packets.length).toBeGreaterThanOrEqual(4);
    expect(packets.some(unicastOf)).toBe(true);
    expect(packets.some((p) => !unicastOf(p))).toBe(true);
    expect(packets.some((p) => p[20 + AH_LENGTH + 2] === 0)).toBe(true);
  });

  it("verifies every captured packet, finds its sequence number and the VRRPv2 advert", () => {
    for (const p of packets) {
      const v = openAh(p, keyOf(p), unicastOf(p));
      expect(v).toMatchObject({ ok: true });
      if (!v.ok) continue;
      expect(v.seq).toBe((p[4]! << 8) | p[5]!); // keepalived's id and seq both count from 1 here
      const advert = decodeAdvertOrThrow(v.vrrp, 4, p.subarray(12, 16), p.subarray(16, 20));
      expect(advert.version).toBe(2);
      expect(advert.authType).toBe(2);
      expect([...advert.authData]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    }
  });

  it("verifies a packet in a Buffer (the socket's read buffer) and leaves its bytes alone", () => {
    for (const p of packets) {
      const buf = Buffer.concat([Buffer.from(p), Buffer.alloc(16)]);
      expect(openAh(buf.subarray(0, p.length), keyOf(p), unicastOf(p))).toMatchObject({ ok: true });
      expect(buf.subarray(0, p.length).toString("hex")).toBe(Buffer.from(p).toString("hex"));
    }
  });

  it("rebuilds each captured packet byte for byte from its header and advert", () => {
    for (const p of packets) {
      const copy = p.slice();
      copy.fill(0xee, 20, 20 + AH_LENGTH);
      const seq = new DataView(p.buffer, p.byteOffset).getUint32(28);
      sealAh(copy, keyOf(p), seq, unicastOf(p));
      expect(Buffer.from(copy).toString("hex")).toBe(Buffer.from(p).toString("hex"));
    }
  });

  it("rejects a wrong key, a changed byte, a forged SPI and another next header; ignores TOS, checksum and multicast TTL changes", () => {
    const p = packets.find((x) => !unicastOf(x))!;
    expect(openAh(p, passwordBytes("secret-x"), false)).toMatchObject({ ok: false, code: "AH_BAD_ICV" });
    const prio = p.slice();
    prio[20 + AH_LENGTH + 2] = 254;
    expect(openAh(prio, keyOf(p), false)).toMatchObject({ ok: false, code: "AH_BAD_ICV" });
    const ttl = p.slice();
    ttl[8] = 64;
    expect(openAh(ttl, keyOf(p), false)).toMatchObject({ ok: false, code: "AH_BAD_ICV" });
    const u = packets.find(unicastOf)!;
    const uttl = u.slice();
    uttl[8] = 64;
    expect(openAh(uttl, keyOf(u), true)).toMatchObject({ ok: true }); // unicast: TTL zeroed
    const mutable = p.slice();
    mutable[1] = 0;
    mutable[10] = mutable[10]! ^ 0xff;
    mutable[6] = 0x40;
    expect(openAh(mutable, keyOf(p), false)).toMatchObject({ ok: true });
    // A valid ICV over an SPI that is not the source: hashed by hand as keepalived's check does.
    const spi = p.slice();
    spi[24] = spi[24]! ^ 1;
    const zeroed = spi.slice();
    zeroed[1] = 0;
    zeroed.fill(0, 10, 12);
    zeroed.fill(0, 32, 44);
    spi.set(hmacMd5(keyOf(p), zeroed).subarray(0, 12), 32);
    expect(openAh(spi, keyOf(p), false)).toMatchObject({ ok: false, code: "AH_BAD_SPI" });
    const next = p.slice();
    next[20] = 6;
    expect(openAh(next, keyOf(p), false)).toMatchObject({ ok: false, code: "AH_NOT_VRRP" });
    expect(openAh(p.subarray(0, 40), keyOf(p), false)).toMatchObject({ ok: false, code: "AH_SHORT" });
  });
});

describe("AhCounter: keepalived's one counter per instance", () => {
  it("numbers from 1, accepts only higher numbers, syncs from a lower-priority master, sticks at the cycle limit", () => {
    const c = new AhCounter();
    expect([c.next(), c.next()]).toEqual([1, 2]);
    expect(c.accept(2)).toMatchObject({ ok: false, code: "AH_REPLAY" });
    expect(c.accept(10)).toEqual({ ok: true });
    expect(c.next()).toBe(11); // a new master carries on from what it heard
    c.syncFromLower(40);
    expect(c.next()).toBe(42);
    c.seq = 0xfffffffe;
    expect(c.next()).toBe(0xfffffffe);
    expect(c.cycle).toBe(true);
    c.onBecomeMaster();
    expect(c.next()).toBe(1);
  });
});
