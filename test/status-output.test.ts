// `tsvrrpd status --json` through a pipe, as scripts and monitoring read it. The daemon's side is
// a stand-in socket serving a large document (255 instances made ~400 KB).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";

const BIN = new URL("../bin/tsvrrpd", import.meta.url).pathname;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

it("prints the whole status document into a pipe before exiting (process.exit cut it at 64 KB)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-status-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const sock = join(dir, "control.sock");
  const instances = Array.from({ length: 2000 }, (_, i) => ({ name: `VI_${i}`, state: "MASTER", vips: ["198.51.100.1/32"] }));
  const server = createServer((c) => c.end(JSON.stringify({ instances, jitterMs: { p50: 0, p99: 0, max: 0, samples: 0 } })));
  cleanups.push(() => server.close());
  await new Promise<void>((r) => server.listen(sock, r));
  // Read slowly through a real pipe, so the writer meets a full pipe.
  const child = spawn(BIN, ["status", "--json", "--socket", sock], { stdio: ["ignore", "pipe", "pipe"] });
  const chunks: Buffer[] = [];
  child.stdout.on("data", (d: Buffer) => {
    chunks.push(d);
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 2);
  });
  const code = await new Promise<number | null>((r) => child.on("close", r));
  const text = Buffer.concat(chunks).toString();
  expect(text.length).toBeGreaterThan(200_000);
  expect(code).toBe(0);
  expect((JSON.parse(text) as { instances: unknown[] }).instances).toHaveLength(2000);
});
