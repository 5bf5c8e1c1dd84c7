// The daemon runs with bin/tsvrrpd's shebang flags. One of them keeps V8 to one worker thread:
// with Node's default four, GC and compile workers busy at once on a 2-core host kept the event
// loop off the CPU long enough to send adverts 10-16 ms late at 1,020 instances (bench/notes.md).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../lab/netns.js";

const BIN = new URL("../bin/tsvrrpd", import.meta.url).pathname;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("bin/tsvrrpd's runtime flags", () => {
  it("the daemon has one V8 worker thread", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-flags-"));
    dirs.push(dir);
    const conf = join(dir, "keepalived.conf");
    writeFileSync(conf, "global_defs {\n  router_id flags\n}\n");
    const pidFile = join(dir, "d.pid");
    const child = spawn(BIN, ["-n", "-f", conf, "-p", pidFile, "--control", join(dir, "d.sock")], { stdio: "ignore" });
    try {
      await waitFor("the pid file", () => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() === String(child.pid), 20_000, 50);
      const threads = readdirSync(`/proc/${child.pid}/task`).map((t) => readFileSync(`/proc/${child.pid}/task/${t}/comm`, "utf8").trim());
      expect(threads.filter((t) => t === "node-V8Worker")).toHaveLength(1);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
