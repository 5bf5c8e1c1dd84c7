// Run by test/native/precise-timer.test.ts (and by hand under valgrind): a precise timer used
// after close(), while the freed slot is taken by new timers, and timers collected without
// close(). Prints what fired as JSON; a use after free shows as a new timer firing, a crash, or
// valgrind's "Invalid read".
import { createRequire } from "node:module";

const native = createRequire(import.meta.url)("../../native/build/Release/tsvrrpd_native.node");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fired = { a: 0, others: 0 };
const a = native.preciseTimer(() => fired.a++);
a.arm(1);
await sleep(30);
a.close();
await sleep(30); // libuv's close callback has run: the struct is gone
// New timers: the allocator hands out the slot the closed one had.
const others = Array.from({ length: 64 }, () => native.preciseTimer(() => fired.others++));
a.arm(1);
a.disarm();
a.arm(2);
a.close();
a.close();
await sleep(50);
let invalidThrows = false;
try {
  a.arm.call({}, 1);
} catch {
  invalidThrows = true;
}
// Collected without close(): the finalizer closes them (one armed, one not).
others[0].arm(10_000);
others.length = 0;
globalThis.gc?.();
await sleep(50);
globalThis.gc?.();
await sleep(20);
process.stdout.write(JSON.stringify({ ...fired, closed: a.closed === true, invalidThrows, gc: typeof globalThis.gc === "function" }));
