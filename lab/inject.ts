// Crafted and hostile VRRP packets for the reliability tests: `node dist-lab/lab/inject.js KIND COUNT
// RATE_PPS [SRC] [DST] [VRID] [VERSION]`, run inside a lab namespace. Builds whole IPv4 packets
// (IP_HDRINCL), or whole IPv6 ones (IPV6_HDRINCL) when SRC is an IPv6 address, so TTL / hop limit,
// checksum, version, lengths can all be wrong on purpose.
import { readFileSync } from "node:fs";
import { nativeHelper } from "../src/native/helper.js";
import { addressBytes } from "../src/vrrp/address.js";
import { fold, sum16 } from "../src/vrrp/checksum.js";
import { AUTH_PASS, encodeAdvert } from "../src/vrrp/packet.js";

export type InjectKind =
  | "good"
  | "bad-ttl"
  | "bad-checksum"
  | "bad-version"
  | "wrong-vrid"
  | "wrong-auth"
  | "truncated"
  | "lying-count"
  | "cut-address"
  | "higher-priority";

/** The VIP the crafted adverts carry (test/netns/daemons.ts VIP4 / VIP6). */
const VIP = { 4: "198.51.100.10", 6: "2001:db8:1::10" } as const;

export function craft(kind: InjectKind, src: string, dst: string, vrid = 42, version: 2 | 3 = 3, password = "s3cr3tpw"): Buffer {
  const family = src.includes(":") ? 6 : 4;
  if (family === 6 && version === 2) throw new Error("VRRPv2 carries IPv4 only");
  const v2 = version === 2;
  let vrrp = encodeAdvert({
    version,
    family,
    vrid: kind === "wrong-vrid" ? (vrid % 255) + 1 : vrid,
    addresses: [VIP[family]],
    ...(v2 ? { authType: AUTH_PASS, authKey: kind === "wrong-auth" ? "intruder" : password } : {}),
    src,
    dst,
    // Everything but "good" would win the election if it were accepted: dropping it is the only
    // way the state stays put.
    priority: kind === "good" ? 50 : 254,
    intervalCs: v2 ? 100 : 10,
  });
  if (kind === "bad-checksum") vrrp[7] = vrrp[7]! ^ 0xff;
  if (kind === "bad-version") vrrp[0] = 0x41;
  if (kind === "truncated") vrrp = vrrp.subarray(0, 6);
  if (kind === "lying-count") vrrp[3] = 5; // claims 5 addresses, carries 1
  if (kind === "cut-address") vrrp = vrrp.subarray(0, 8 + (family === 4 ? 2 : 8)); // ends inside its address
  const ttl = kind === "bad-ttl" ? 64 : 255;
  if (family === 6) {
    // RFC 8200 3: version 6, traffic class 0xc0 (as keepalived), payload length, next header 112.
    const ip6 = Buffer.alloc(40 + vrrp.length);
    ip6.writeUInt32BE(0x6c000000, 0);
    ip6.writeUInt16BE(vrrp.length, 4);
    ip6[6] = 112;
    ip6[7] = ttl;
    ip6.set(addressBytes(src), 8);
    ip6.set(addressBytes(dst), 24);
    ip6.set(vrrp, 40);
    return ip6;
  }
  const ip = Buffer.alloc(20 + vrrp.length);
  ip[0] = 0x45;
  ip[1] = 0xc0;
  ip.writeUInt16BE(ip.length, 2);
  ip[8] = ttl;
  ip[9] = 112;
  ip.set(addressBytes(src), 12);
  ip.set(addressBytes(dst), 16);
  ip.writeUInt16BE(fold(sum16(ip, 0, 20)), 10);
  ip.set(vrrp, 20);
  return ip;
}

/** An IPv6 packet in an Ethernet frame from eth0's MAC to a multicast group's MAC (33:33 + its last 32 bits). */
function ethernetFrame(ip6: Buffer, dst: Uint8Array): Buffer {
  if (dst[0] !== 0xff) throw new Error("IPv6 injection sends to a multicast group (ff02::12)");
  const frame = Buffer.alloc(14 + ip6.length);
  frame.set([0x33, 0x33, dst[12]!, dst[13]!, dst[14]!, dst[15]!], 0);
  frame.set(Buffer.from(readFileSync("/sys/class/net/eth0/address", "utf8").trim().replaceAll(":", ""), "hex"), 6);
  frame.writeUInt16BE(0x86dd, 12);
  frame.set(ip6, 14);
  return frame;
}

export async function inject(
  kind: InjectKind,
  count: number,
  pps: number,
  src: string,
  dst: string,
  vrid: number,
  version: 2 | 3,
): Promise<number> {
  const ifindex = Number(readFileSync("/sys/class/net/eth0/ifindex", "utf8"));
  const buf = new Uint8Array(2048);
  const meta = new Float64Array(3);
  const addr = new Uint8Array(32);
  // Reads (and drops) whatever arrives, so the level-triggered poll does not spin.
  const drain = (): void => {
    if (!("errno" in sock) && "recv" in sock) while (sock.recv(buf, meta, addr) >= 0);
  };
  const v6 = src.includes(":");
  // IPv4: whole packets on the raw socket (IP_HDRINCL). IPv6 has no header-including raw socket in
  // the addon: whole Ethernet frames on a packet socket, to the group's MAC (RFC 2464 7).
  const sock = v6 ? nativeHelper().packetSocket(ifindex) : nativeHelper().vrrpSocket(4, "eth0", ifindex, drain);
  if ("errno" in sock) throw new Error(`cannot open a ${v6 ? "packet" : "raw VRRP"} socket on eth0: ${sock.op} errno ${sock.errno}`);
  const to = addressBytes(dst);
  const pkt = v6 ? ethernetFrame(craft(kind, src, dst, vrid, version), to) : craft(kind, src, dst, vrid, version);
  const started = process.hrtime.bigint();
  let sent = 0;
  while (sent < count) {
    // pace in bursts of 100 to hold the rate without a timer per packet
    for (let i = 0; i < 100 && sent < count; i++, sent++) {
      if (("recv" in sock ? sock.send(pkt, pkt.length, to) : sock.send(pkt, pkt.length)) < 0) {
        // ENOBUFS under flood: count as not sent
        sent--;
        break;
      }
    }
    const due = Number(process.hrtime.bigint() - started) / 1e9;
    const ahead = sent / pps - due;
    if (ahead > 0) await new Promise((r) => setTimeout(r, ahead * 1000));
  }
  sock.close();
  return sent;
}

if (process.argv[1]?.endsWith("inject.js")) {
  const [kind, count, pps, src, dst, vrid, version] = process.argv.slice(2);
  inject(
    kind as InjectKind,
    Number(count ?? 1),
    Number(pps ?? 100),
    src ?? "192.0.2.99",
    dst ?? "224.0.0.18",
    Number(vrid ?? 42),
    Number(version ?? 3) as 2 | 3,
  )
    .then((n) => process.stdout.write(`${n}\n`))
    .catch((e: Error) => {
      process.stderr.write(`inject: ${e.message}\n`);
      process.exit(1);
    });
}
