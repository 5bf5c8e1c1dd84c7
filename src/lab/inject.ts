// Crafted and hostile VRRP packets for the reliability tests: `node dist/lab/inject.js KIND COUNT
// RATE_PPS [SRC] [DST]`, run inside a lab namespace. Builds whole IPv4 packets (IP_HDRINCL) so TTL,
// checksum, version, lengths can all be wrong on purpose.
import { readFileSync } from "node:fs";
import { nativeHelper } from "../native/helper.js";
import { addressBytes } from "../vrrp/address.js";
import { fold, sum16 } from "../vrrp/checksum.js";
import { AUTH_PASS, encodeAdvert } from "../vrrp/packet.js";

export type InjectKind =
  "good" | "bad-ttl" | "bad-checksum" | "bad-version" | "wrong-vrid" | "wrong-auth" | "truncated" | "lying-count" | "higher-priority";

export function craft(kind: InjectKind, src: string, dst: string, vrid = 42, version: 2 | 3 = 3, password = "s3cr3tpw"): Buffer {
  const v2 = version === 2;
  let vrrp = encodeAdvert({
    version,
    family: 4,
    vrid: kind === "wrong-vrid" ? (vrid % 255) + 1 : vrid,
    addresses: ["198.51.100.10"],
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
  const ip = Buffer.alloc(20 + vrrp.length);
  ip[0] = 0x45;
  ip[1] = 0xc0;
  ip.writeUInt16BE(ip.length, 2);
  ip[8] = kind === "bad-ttl" ? 64 : 255;
  ip[9] = 112;
  ip.set(addressBytes(src), 12);
  ip.set(addressBytes(dst), 16);
  ip.writeUInt16BE(fold(sum16(ip, 0, 20)), 10);
  ip.set(vrrp, 20);
  return ip;
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
    if (!("errno" in sock)) while (sock.recv(buf, meta, addr) >= 0);
  };
  const sock = nativeHelper().vrrpSocket(4, "eth0", ifindex, drain);
  if ("errno" in sock) throw new Error(`cannot open a raw VRRP socket on eth0: ${sock.op} errno ${sock.errno}`);
  const to = addressBytes(dst);
  const pkt = craft(kind, src, dst, vrid, version);
  const started = process.hrtime.bigint();
  let sent = 0;
  while (sent < count) {
    // pace in bursts of 100 to hold the rate without a timer per packet
    for (let i = 0; i < 100 && sent < count; i++, sent++) {
      if (sock.send(pkt, pkt.length, to) < 0) {
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
