import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { addressBytes, formatAddress, type Family } from "../../src/vrrp/address.js";
import {
  AUTH_NONE,
  AUTH_PASS,
  AdvertEncoder,
  checkAuth,
  decodeAdvert,
  decodeAdvertOrThrow,
  encodeAdvert,
  PacketError,
  passwordBytes,
  sameAddressList,
  type Advert,
  type DropCode,
} from "../../src/vrrp/packet.js";

interface Fixture {
  family: Family;
  ttl: number;
  src: string;
  dst: string;
  vrrp: string;
  version: 2 | 3;
  vrid: number;
  priority: number;
}
const fixtures: Fixture[] = JSON.parse(readFileSync(new URL("../fixtures/keepalived-2.2.7-adverts.json", import.meta.url), "utf8")).adverts;

function addrList(bytes: Uint8Array, family: Family): string[] {
  const n = family === 4 ? 4 : 16;
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += n) out.push(formatAddress(bytes.subarray(i, i + n)));
  return out;
}

function fixture(version: number, vrid: number, priority: number): Fixture {
  const f = fixtures.find((x) => x.version === version && x.vrid === vrid && x.priority === priority);
  if (!f) throw new Error(`fixture v${version} vrid ${vrid} prio ${priority} missing`);
  return f;
}

describe("codec against adverts captured from keepalived 2.2.7", () => {
  const cases = [
    { name: "VRRPv2 PASS", v: 2, vrid: 51, prio: 150, vips: ["192.0.2.100", "192.0.2.101"], intervalCs: 100, auth: "secret-password" },
    { name: "VRRPv3 IPv4 multicast", v: 3, vrid: 52, prio: 200, vips: ["192.0.2.110"], intervalCs: 50 },
    { name: "VRRPv3 IPv4 unicast", v: 3, vrid: 54, prio: 120, vips: ["192.0.2.120"], intervalCs: 100 },
    { name: "VRRPv3 IPv6", v: 3, vrid: 53, prio: 100, vips: ["2001:db8::100", "2001:db8::101"], intervalCs: 100 },
  ] as const;

  for (const c of cases) {
    it(`${c.name}: decodes to the configured fields`, () => {
      const f = fixture(c.v, c.vrid, c.prio);
      expect(f.ttl).toBe(255);
      const a = decodeAdvertOrThrow(Buffer.from(f.vrrp, "hex"), f.family, addressBytes(f.src), addressBytes(f.dst));
      expect(a.version).toBe(c.v);
      expect(a.vrid).toBe(c.vrid);
      expect(a.priority).toBe(c.prio);
      expect(a.intervalCs).toBe(c.intervalCs);
      expect(addrList(a.addresses, f.family)).toEqual(c.vips);
      if (c.v === 2) {
        expect(a.authType).toBe(AUTH_PASS);
        // keepalived cuts the password at 8 bytes
        expect(Buffer.from(a.authData).toString()).toBe("secret-p");
      }
    });

    it(`${c.name}: our encoder produces the same bytes`, () => {
      const f = fixture(c.v, c.vrid, c.prio);
      const enc = new AdvertEncoder({
        version: c.v,
        family: f.family,
        vrid: c.vrid,
        addresses: c.vips,
        authType: "auth" in c ? AUTH_PASS : AUTH_NONE,
        ...("auth" in c ? { authKey: c.auth } : {}),
        src: f.src,
        dst: f.dst,
      });
      expect(enc.encode(c.prio, c.intervalCs).toString("hex")).toBe(f.vrrp);
    });
  }

  it("decodes keepalived's priority 0 adverts sent on stop", () => {
    const stops = fixtures.filter((f) => f.priority === 0);
    expect(stops.length).toBeGreaterThanOrEqual(3);
    for (const f of stops) {
      const a = decodeAdvertOrThrow(Buffer.from(f.vrrp, "hex"), f.family, addressBytes(f.src), addressBytes(f.dst));
      expect(a.priority).toBe(0);
    }
  });
});

describe("codec rejections", () => {
  const v3 = fixture(3, 52, 200);
  const v3bytes = () => Buffer.from(v3.vrrp, "hex");
  const src = addressBytes(v3.src);
  const dst = addressBytes(v3.dst);
  const code = (msg: Uint8Array, family: Family = 4, d = dst): DropCode | "OK" => {
    const r = decodeAdvert(msg, family, src, d);
    return r.ok ? "OK" : r.code;
  };

  it("flags a flipped bit as BAD_CHECKSUM", () => {
    const b = v3bytes();
    b[2] = (b[2] as number) ^ 0x01;
    expect(code(b)).toBe("BAD_CHECKSUM");
  });
  it("checks the v3 IPv4 pseudo-header (another destination fails)", () => {
    expect(code(v3bytes(), 4, addressBytes("224.0.0.19"))).toBe("BAD_CHECKSUM");
  });
  it("accepts a checksum without pseudo-header only with v3_checksum_as_v2", () => {
    const b = encodeAdvert({
      version: 3,
      family: 4,
      vrid: 9,
      addresses: ["192.0.2.9"],
      src,
      dst,
      priority: 100,
      intervalCs: 100,
      v3ChecksumAsV2: true,
    });
    expect(code(b)).toBe("BAD_CHECKSUM");
    expect(decodeAdvert(b, 4, src, dst, { v3ChecksumAsV2: true }).ok).toBe(true);
  });
  it("rejects short buffers and lying address counts as TRUNCATED", () => {
    expect(code(v3bytes().subarray(0, 7))).toBe("TRUNCATED");
    const b = v3bytes();
    b[3] = 2; // claims two addresses, carries one
    expect(code(b)).toBe("TRUNCATED");
    expect(code(new Uint8Array(0))).toBe("TRUNCATED");
  });
  it("tolerates trailing padding after the advert", () => {
    const padded = Buffer.concat([v3bytes(), Buffer.alloc(6)]);
    expect(code(padded)).toBe("OK");
  });
  it("rejects other versions and types", () => {
    const b = v3bytes();
    b[0] = 0x41;
    expect(code(b)).toBe("BAD_VERSION");
    b[0] = 0x32;
    expect(code(b)).toBe("BAD_TYPE");
  });
  it("rejects VRRPv2 over IPv6", () => {
    expect(code(Buffer.from(fixture(2, 51, 150).vrrp, "hex"), 6)).toBe("BAD_FAMILY");
  });
  it("rejects a zero interval", () => {
    // Encode with interval 0x100, then clear it and add 0x100 back into the checksum by hand,
    // so that only the interval is wrong.
    const b = encodeAdvert({ version: 3, family: 4, vrid: 9, addresses: [], src, dst, priority: 100, intervalCs: 0x100 });
    b[4] = 0;
    const sum = (((b[6] as number) << 8) | (b[7] as number)) + 0x100;
    const c = (sum & 0xffff) + (sum >> 16);
    b[6] = c >> 8;
    b[7] = c & 0xff;
    expect(code(b)).toBe("BAD_INTERVAL");
  });
  it("checks PASS auth in full 8 bytes and the auth type", () => {
    const f = fixture(2, 51, 150);
    const a = decodeAdvertOrThrow(Buffer.from(f.vrrp, "hex"), 4, addressBytes(f.src), addressBytes(f.dst));
    expect(checkAuth(a, AUTH_PASS, passwordBytes("secret-p"))).toBeUndefined();
    expect(checkAuth(a, AUTH_PASS, passwordBytes("secret-password-longer"))).toBeUndefined();
    expect(checkAuth(a, AUTH_PASS, passwordBytes("secret-q"))?.code).toBe("BAD_AUTH");
    expect(checkAuth(a, AUTH_PASS, passwordBytes("secret"))?.code).toBe("BAD_AUTH");
    expect(checkAuth(a, AUTH_NONE, new Uint8Array(8))?.code).toBe("BAD_AUTH_TYPE");
  });
  it("decodeAdvertOrThrow throws a PacketError with the code", () => {
    try {
      decodeAdvertOrThrow(new Uint8Array(3), 4, src, dst);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PacketError);
      expect((e as PacketError).code).toBe("TRUNCATED");
    }
  });
  it("compares address lists regardless of order", () => {
    const a = decodeAdvertOrThrow(
      Buffer.from(fixture(3, 53, 100).vrrp, "hex"),
      6,
      addressBytes(fixture(3, 53, 100).src),
      addressBytes("ff02::12"),
    );
    expect(sameAddressList(a, [addressBytes("2001:db8::101"), addressBytes("2001:db8::100")])).toBe(true);
    expect(sameAddressList(a, [addressBytes("2001:db8::100")])).toBe(false);
    expect(sameAddressList(a, [addressBytes("2001:db8::100"), addressBytes("2001:db8::102")])).toBe(false);
  });
});

describe("codec properties", () => {
  const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((t) => Uint8Array.from(t));
  const v6 = fc.uint8Array({ minLength: 16, maxLength: 16 });
  const advert = fc.oneof(
    fc.record({
      version: fc.constant(2 as const),
      family: fc.constant(4 as const),
      vrid: fc.integer({ min: 1, max: 255 }),
      priority: fc.nat(255),
      intervalCs: fc.integer({ min: 1, max: 255 }).map((s) => s * 100),
      addresses: fc.array(v4, { maxLength: 20 }),
      authType: fc.constantFrom(AUTH_NONE, AUTH_PASS),
      authKey: fc.string({ maxLength: 12 }),
      src: v4,
      dst: v4,
    }),
    fc.record({
      version: fc.constant(3 as const),
      family: fc.constant(4 as const),
      vrid: fc.integer({ min: 1, max: 255 }),
      priority: fc.nat(255),
      intervalCs: fc.integer({ min: 1, max: 4095 }),
      addresses: fc.array(v4, { maxLength: 20 }),
      src: v4,
      dst: v4,
    }),
    fc.record({
      version: fc.constant(3 as const),
      family: fc.constant(6 as const),
      vrid: fc.integer({ min: 1, max: 255 }),
      priority: fc.nat(255),
      intervalCs: fc.integer({ min: 1, max: 4095 }),
      addresses: fc.array(v6, { maxLength: 10 }),
      src: v6,
      dst: v6,
    }),
  );

  it("decode(encode(x)) gives x back, and encode(decode(bytes)) gives the bytes back", () => {
    fc.assert(
      fc.property(advert, (x) => {
        const bytes = encodeAdvert(x);
        const a = decodeAdvertOrThrow(bytes, x.family, x.src, x.dst);
        expect(a.version).toBe(x.version);
        expect(a.vrid).toBe(x.vrid);
        expect(a.priority).toBe(x.priority);
        expect(a.intervalCs).toBe(x.intervalCs);
        expect(Buffer.from(a.addresses)).toEqual(Buffer.concat(x.addresses.map((b) => Buffer.from(b))));
        const again = encodeAdvert({
          version: a.version,
          family: a.family,
          vrid: a.vrid,
          addresses: addrList(a.addresses, a.family),
          authType: a.authType,
          authKey: a.authData,
          src: x.src,
          dst: x.dst,
          priority: a.priority,
          intervalCs: a.intervalCs,
        });
        expect(again.toString("hex")).toBe(bytes.toString("hex"));
      }),
      { numRuns: 500 },
    );
  });

  it("decode of arbitrary bytes returns a typed result and never throws", () => {
    const codes = new Set<DropCode>([
      "TRUNCATED",
      "BAD_VERSION",
      "BAD_TYPE",
      "BAD_FAMILY",
      "BAD_CHECKSUM",
      "BAD_AUTH_TYPE",
      "BAD_INTERVAL",
    ]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom<Family>(4, 6), v6, v6, (bytes, family, s, d) => {
        const r = decodeAdvert(bytes, family, family === 4 ? s.subarray(0, 4) : s, family === 4 ? d.subarray(0, 4) : d);
        if (!r.ok) expect(codes.has(r.code)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it("mutating one byte of a valid advert: rejected, or decoded to exactly what the bytes say", () => {
    // An independent reading of the header (RFC 3768 5.1, RFC 5798 5.1), to hold the decoder to.
    const read = (b: Uint8Array, family: Family) => {
      const version = b[0]! >> 4;
      const count = b[3]!;
      const alen = family === 4 ? 4 : 16;
      const end = 8 + count * alen;
      return {
        version,
        family,
        vrid: b[1]!,
        priority: b[2]!,
        intervalCs: version === 2 ? b[5]! * 100 : ((b[4]! & 0x0f) << 8) | b[5]!,
        count,
        addresses: [...b.subarray(8, end)],
        authType: version === 2 ? b[4]! : AUTH_NONE,
        authData: version === 2 ? [...b.subarray(end, end + 8)] : [],
      };
    };
    const decoded = (a: Advert) => ({ ...a, addresses: [...a.addresses], authData: [...a.authData] });
    // What a sender forging the change would do: a valid checksum over the changed bytes, as the
    // changed header describes them (v3: with the pseudo-header; RFC 5798 5.2.8).
    const sum = (words: number[]) => {
      let t = 0;
      for (const w of words) t += w;
      while (t > 0xffff) t = (t & 0xffff) + (t >>> 16);
      return t;
    };
    const reChecksum = (b: Buffer, family: Family, src: Uint8Array, dst: Uint8Array): boolean => {
      const version = b[0]! >> 4;
      const len = 8 + b[3]! * (family === 4 ? 4 : 16) + (version === 2 ? 8 : 0);
      if (len > b.length) return false;
      b.writeUInt16BE(0, 6);
      const words: number[] = [];
      const pair = (x: Uint8Array, k: number) => (x[k]! << 8) | (x[k + 1] ?? 0);
      for (let k = 0; k < len; k += 2) words.push(pair(b, k));
      if (version === 3) {
        for (let k = 0; k < src.length; k += 2) words.push(pair(src, k), pair(dst, k));
        words.push(112, len);
      }
      b.writeUInt16BE(~sum(words) & 0xffff, 6);
      return true;
    };
    fc.assert(
      fc.property(advert, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (x, pos, xor, forge) => {
        const bytes = encodeAdvert(x);
        const original = read(bytes, x.family);
        const i = pos % bytes.length;
        bytes[i] = (bytes[i] as number) ^ xor;
        const forged = forge && reChecksum(bytes, x.family, x.src, x.dst);
        const r = decodeAdvert(bytes, x.family, x.src, x.dst);
        // Addresses and auth data carry no rule the codec checks: with a valid checksum they decode.
        if (forged && i >= 8) expect(r.ok, `byte ${i} changed, checksum valid`).toBe(true);
        if (!r.ok) return;
        // Whatever decodes is what the bytes say: every field, not only VRID and priority.
        expect(decoded(r.advert)).toEqual(read(bytes, x.family));
        expect([2, 3]).toContain(r.advert.version);
        expect(r.advert.intervalCs).toBeGreaterThan(0);
        if (forged) return;
        // Unforged, a single changed byte always breaks the one's-complement checksum, except
        // 0x00<->0xff swaps in the checksum field itself, which it cannot see: those decode to
        // the original advert. (A lowered address count shortens what the checksum covers: a 1 in
        // 65,535 coincidence, still held to the bytes above.)
        if (i !== 3) {
          expect([6, 7]).toContain(i);
          expect(decoded(r.advert)).toEqual(original);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("encoder reuses its buffer: steady-state encode allocates no new buffer", () => {
    const enc = new AdvertEncoder({ version: 3, family: 4, vrid: 1, addresses: ["192.0.2.1"], src: "192.0.2.2", dst: "224.0.0.18" });
    const first = enc.encode(100, 100);
    const second = enc.encode(0, 5);
    expect(second).toBe(first);
    expect(decodeAdvertOrThrow(second, 4, addressBytes("192.0.2.2"), addressBytes("224.0.0.18")).priority).toBe(0);
  });
});
