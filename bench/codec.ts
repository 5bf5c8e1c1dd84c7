// 1. Codec and state-machine micro-benchmarks: ns per operation (median and p99 over batches) and
// bytes allocated per operation in steady state. Run with --expose-gc for the allocation figures.
import { addressBytes } from "../src/vrrp/address.js";
import { defaultInstanceConfig } from "../src/vrrp/instance-types.js";
import { VrrpInstance } from "../src/vrrp/instance.js";
import { AUTH_PASS, AdvertEncoder, decodeAdvert, passwordBytes, type AdvertFields } from "../src/vrrp/packet.js";
import { summary, table, writeResult } from "./common.js";

const BATCHES = 200;
const PER_BATCH = 5000;

function measure(fn: (i: number) => void): { median: number; p99: number; allocBytesPerOp: number } {
  for (let i = 0; i < PER_BATCH * 20; i++) fn(i); // warm up and let the JIT settle
  const ns: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < PER_BATCH; i++) fn(i);
    ns.push(Number(process.hrtime.bigint() - t0) / PER_BATCH);
  }
  let alloc = NaN;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    const N = 20_000;
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < N; i++) fn(i);
    alloc = Math.max(0, (process.memoryUsage().heapUsed - before) / N);
  }
  const s = summary(ns);
  return { median: s.median, p99: s.p99, allocBytesPerOp: alloc };
}

const cases: { name: string; fields: AdvertFields; family: 4 | 6 }[] = [
  {
    name: "v2 PASS IPv4",
    family: 4,
    fields: {
      version: 2,
      family: 4,
      vrid: 51,
      addresses: ["192.0.2.100", "192.0.2.101"],
      authType: AUTH_PASS,
      authKey: "secret-p",
      src: "192.0.2.1",
      dst: "224.0.0.18",
    },
  },
  {
    name: "v3 IPv4",
    family: 4,
    fields: { version: 3, family: 4, vrid: 52, addresses: ["192.0.2.110"], src: "192.0.2.1", dst: "224.0.0.18" },
  },
  {
    name: "v3 IPv6",
    family: 6,
    fields: { version: 3, family: 6, vrid: 53, addresses: ["2001:db8::100", "2001:db8::101"], src: "fe80::1", dst: "ff02::12" },
  },
];

const rows: (string | number)[][] = [["operation", "median ns", "p99 ns", "bytes/op"]];
const results: Record<string, unknown> = {};
for (const c of cases) {
  const enc = new AdvertEncoder(c.fields);
  const src = addressBytes(c.fields.src as string);
  const dst = addressBytes(c.fields.dst as string);
  const e = measure((i) => enc.encode(100 + (i & 63), 100));
  const bytes = Buffer.from(enc.encode(150, 100));
  let sink = 0;
  const d = measure(() => {
    const r = decodeAdvert(bytes, c.family, src, dst);
    if (r.ok) sink += r.advert.priority;
  });
  const both = measure((i) => {
    const b = enc.encode(100 + (i & 63), 100);
    const r = decodeAdvert(b, c.family, src, dst);
    if (r.ok) sink += r.advert.priority;
  });
  if (sink === 42) console.log(""); // keep the decode from being optimised away
  rows.push(
    [`encode ${c.name}`, e.median, e.p99, e.allocBytesPerOp],
    [`decode+validate ${c.name}`, d.median, d.p99, d.allocBytesPerOp],
    [`encode+decode ${c.name}`, both.median, both.p99, both.allocBytesPerOp],
  );
  results[c.name] = { encode: e, decode: d, encodeDecode: both };
}

// State machine: a MASTER's advert timer, and a BACKUP receiving its master's advert.
const master = new VrrpInstance(
  defaultInstanceConfig({
    vrid: 1,
    version: 3,
    advertIntervalCs: 1,
    priority: 200,
    primaryAddress: addressBytes("192.0.2.1"),
    vips: [addressBytes("192.0.2.100")],
  }),
);
master.handle({ type: "startup" }, 0);
let t = master.nextDeadline()!;
master.handle({ type: "timer" }, t);
const mt = measure(() => {
  t = master.nextDeadline()!;
  master.handle({ type: "timer" }, t);
});
const backup = new VrrpInstance(
  defaultInstanceConfig({
    vrid: 1,
    version: 3,
    advertIntervalCs: 1,
    priority: 100,
    primaryAddress: addressBytes("192.0.2.2"),
    vips: [addressBytes("192.0.2.100")],
  }),
);
backup.handle({ type: "startup" }, 0);
const advBytes = Buffer.from(
  new AdvertEncoder({ version: 3, family: 4, vrid: 1, addresses: ["192.0.2.100"], src: "192.0.2.1", dst: "224.0.0.18" }).encode(200, 1),
);
const adv = decodeAdvert(advBytes, 4, addressBytes("192.0.2.1"), addressBytes("224.0.0.18"));
if (!adv.ok) throw new Error("bench advert does not decode");
const from = addressBytes("192.0.2.1");
let bt = 0;
const bk = measure(() => {
  bt += 0.01;
  backup.handle({ type: "advert", advert: adv.advert, source: from }, bt);
});
rows.push(
  ["state machine: MASTER advert timer", mt.median, mt.p99, mt.allocBytesPerOp],
  ["state machine: BACKUP receives advert", bk.median, bk.p99, bk.allocBytesPerOp],
);
results.stateMachine = { masterTimer: mt, backupAdvert: bk };
void passwordBytes;

console.log(table(rows));
console.log(`\nwritten ${writeResult("codec", { batches: BATCHES, perBatch: PER_BATCH, results })}`);
