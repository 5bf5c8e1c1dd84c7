// Steady-state advert paths without a network, for the allocation test (test/alloc) and bench
// (bench/alloc.ts): one instance's daemon path (lab/fake-daemon.ts: router, drivers, notifications,
// deadline entry on a fake timerfd), a master sending on its timer and a backup hearing adverts
// through the socket's parse. Lab code: does not ship.
import { AdvertSocket, type ReceivedAdvert } from "../src/net/advert-socket.js";
import { writeIpv4Header } from "../src/net/frames.js";
import { VRRP_GROUP_V4 } from "../src/vrrp/address.js";
import { VRRP_PROTOCOL } from "../src/vrrp/checksum.js";
import type { VrrpSocketHandle } from "../src/native/helper.js";
import { AdvertEncoder, AdvertScratch, ReceiveScratch, decodeAdvertInto, receive, type ReceivedPacket } from "../src/vrrp/packet.js";
import { fakeDaemon } from "./fake-daemon.js";

const conf = (state: "MASTER" | "BACKUP", priority: number) => `vrrp_instance VI {
  state ${state}
  interface eth0
  virtual_router_id 7
  priority ${priority}
  version 3
  advert_int 0.1
  virtual_ipaddress {
    198.18.0.7
  }
}
`;

const SRC = Uint8Array.of(192, 0, 2, 11);
const DST = VRRP_GROUP_V4;
const VIP = Uint8Array.of(198, 18, 0, 7);

/** The router with its one instance started on eth0, its adverts counted by a fake socket handle. */
function driver(state: "MASTER" | "BACKUP", priority: number, now: () => number) {
  const sock = fakeSocket(undefined, () => {});
  const d = fakeDaemon(conf(state, priority), now, sock.socket, Uint8Array.of(192, 0, 2, 12));
  return { ...d, ri: d.router.instances[0]!, sent: sock.sent };
}

/** The master's advert (priority 200) as the backup's socket reads it: IPv4 header, then the VRRP message. */
export function wirePacket(): Buffer {
  const vrrp = new AdvertEncoder({ version: 3, family: 4, vrid: 7, addresses: [VIP], src: SRC, dst: DST }).encode(200, 10);
  const packet = Buffer.alloc(20 + vrrp.length);
  writeIpv4Header(packet, SRC, DST, vrrp.length, VRRP_PROTOCOL, 0, 255);
  packet.set(vrrp, 20);
  return packet;
}

/**
 * An AdvertSocket on a fake handle: each read() makes it "receive" `packet` once, and what it sends
 * is counted. The socket's own code (parse into the router's ReceivedPacket, the IPv4 header on
 * send) is what runs; the syscalls are not.
 */
function fakeSocket(packet: Buffer | undefined, onAdvert: (rx: ReceivedAdvert) => void) {
  let pending = 0;
  let sent = 0;
  let readable = () => {};
  const handle: VrrpSocketHandle = {
    recv: (buf, meta) => {
      if (pending === 0 || !packet) return -11; // EAGAIN
      pending--;
      buf.set(packet);
      meta[0] = 255;
      meta[1] = 0.05;
      return packet.length;
    },
    send: (_buf, length) => (sent++, length),
    join: () => 0,
    close: () => 0,
    fd: () => -1,
  };
  const socket = new AdvertSocket(
    {
      ifname: "eth0",
      ifindex: 5,
      family: 4,
      open: (onReadable) => ((readable = onReadable), handle),
    },
    onAdvert,
    (e) => {
      throw e;
    },
  );
  return {
    socket,
    readOne: () => {
      pending = 1;
      readable();
    },
    sent: () => sent,
  };
}

/** One advert's worth of work, and a check (after the runs) that it did what it should. */
export interface AdvertScenario {
  readonly name: string;
  readonly step: () => void;
  /** Throws unless every step (`steps` so far) reached its end: decoded, sent, heard. */
  readonly check: (steps: number) => void;
}

function expectCount(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`${what}: ${got}, expected ${want}`);
}

export function advertScenarios(): AdvertScenario[] {
  const enc = new AdvertEncoder({ version: 3, family: 4, vrid: 7, addresses: [VIP], src: SRC, dst: DST });
  const wire = Uint8Array.from(enc.encode(200, 10));
  let k = 0;
  let decoded = 0;
  const decodedInto = new AdvertScratch();
  const verdict = new ReceiveScratch();
  let accepted = 0;
  const backupForPolicy = driver("BACKUP", 100, () => 0);
  const rx: ReceivedPacket = { ifname: "eth0", family: 4, src: SRC, dst: DST, ttl: 255, multicast: true, payload: wire };

  let masterNow = 1000;
  const master = driver("MASTER", 200, () => masterNow);
  master.run(master.router.handle(master.ri.timerEvent, masterNow)); // master-down: no other router
  if (master.ri.vi.state !== "MASTER") throw new Error(`advert-scenarios: master is ${master.ri.vi.state}`);
  const sent0 = master.sent();

  let backupNow = 0;
  const backup = driver("BACKUP", 100, () => backupNow);
  // As the runtime hands a socket's adverts to the router (runtime.ts, AdvertSockets' callback).
  const event: { type: "packet"; packet: ReceivedPacket } = { type: "packet", packet: rx };
  const { readOne } = fakeSocket(wirePacket(), (r) => {
    event.packet = r;
    backup.run(backup.router.handle(event, backupNow));
  });
  const heard0 = backup.ri.vi.stats.advertsReceived;

  return [
    { name: "encode", step: () => void enc.encode(200 - (k++ & 1), 10), check: () => {} },
    {
      name: "decode",
      step: () => void (decodeAdvertInto(wire, 4, SRC, DST, false, decodedInto) === undefined && decoded++),
      check: (n) => expectCount("decoded", decoded, n),
    },
    {
      name: "receive policy",
      step: () => void (receive(backupForPolicy.ri.spec.receive, false, rx, verdict).ok && accepted++),
      check: (n) => expectCount("accepted", accepted, n),
    },
    {
      name: "master: timer, router, driver, send",
      step: () => {
        // The queue's timer wakes at the advert deadline (fractional ms, as performance.now() gives)
        // and runs the driver's deadline entry, which hands the router the timer event.
        masterNow = master.ri.vi.nextDeadline()! + 0.37;
        master.wake();
      },
      check: (n) => {
        expectCount("adverts sent", master.sent() - sent0, n);
        expectCount("master state MASTER", master.ri.vi.state === "MASTER" ? 1 : 0, 1);
        // One entry in the queue, the next advert's: none left behind per advert.
        expectCount("deadline entries queued", master.queue.size, 1);
      },
    },
    {
      name: "backup: socket parse, router, driver",
      step: () => {
        backupNow += 100.0137; // fractional ms, as performance.now() gives
        readOne();
      },
      check: (n) => {
        expectCount("adverts heard", backup.ri.vi.stats.advertsReceived - heard0, n);
        // Each advert heard moved the master-down deadline past the last one's arrival.
        const due = backup.ri.vi.nextDeadline();
        expectCount("master-down deadline ahead", due !== undefined && due > backupNow ? 1 : 0, 1);
        expectCount("backup state BACKUP", backup.ri.vi.state === "BACKUP" ? 1 : 0, 1);
      },
    },
  ];
}
