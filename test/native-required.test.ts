// The native helper is required: without it there are no VRRP sockets and no deadline timer, so
// the daemon refuses to start with one line on stderr instead of running instances that stay in
// FAULT. A copy of bin/ and dist/ without native/build is run in its own network namespace.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";

const ROOT = new URL("..", import.meta.url).pathname;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

it("does not start without the native helper: one clear line on stderr, exit 3; -t still checks the file", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsvrrpd-nonative-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  for (const d of ["bin", "dist"]) cpSync(join(ROOT, d), join(dir, d), { recursive: true });
  cpSync(join(ROOT, "package.json"), join(dir, "package.json"));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  const conf = join(dir, "keepalived.conf");
  writeFileSync(
    conf,
    "vrrp_instance VI {\n interface lo\n virtual_router_id 9\n priority 100\n virtual_ipaddress {\n  192.0.2.99\n }\n}\n",
  );
  const bin = join(dir, "bin", "tsvrrpd");
  const run = spawnSync("unshare", ["-n", bin, "-n", "-l", "-f", conf, "-p", join(dir, "pid"), "--control", join(dir, "c.sock")], {
    encoding: "utf8",
    timeout: 15_000,
    killSignal: "SIGKILL",
  });
  expect(run.status).toBe(3);
  expect(run.stderr.trim().split("\n")).toEqual([
    expect.stringMatching(
      /^tsvrrpd: cannot start: the native helper \(native\/build\/Release\/tsvrrpd_native\.node\) cannot be loaded: .*npm ci/,
    ),
  ]);
  const check = spawnSync(bin, ["-t", "-f", conf], { encoding: "utf8", timeout: 15_000 });
  expect(check.status).toBe(0);
});
