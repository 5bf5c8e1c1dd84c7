// tsvrrpd -v tells what keepalived -v tells (version, build, kernel, distro, options) plus the git
// commit, the Node and N-API versions it runs on, and which optional parts work here.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { release } from "node:os";
import { describe, expect, it } from "vitest";

const REPO = new URL("..", import.meta.url).pathname;

describe("tsvrrpd -v", () => {
  it("prints version, git commit, Node and N-API, kernel and the optional parts", () => {
    const r = spawnSync(process.execPath, [`${REPO}bin/tsvrrpd`, "-v"], { encoding: "utf8", timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    const pkg = JSON.parse(readFileSync(`${REPO}package.json`, "utf8")) as { version: string };
    // A copy without .git (git archive, as test:node-matrix makes) has no commit to tell.
    const git = spawnSync("git", ["-C", REPO, "rev-parse", "--short=12", "HEAD"], { encoding: "utf8" });
    const head = git.status === 0 ? git.stdout.trim() : "unknown";
    expect(r.stdout.split("\n")[0]).toBe(`tsvrrpd v${pkg.version} (keepalived-compatible VRRP)`);
    expect(r.stdout).toContain(`Git commit: ${head}\n`);
    expect(r.stdout).toContain(`Running on Node ${process.version} (N-API ${process.versions.napi}, V8 ${process.versions.v8})\n`);
    expect(r.stdout).toContain(`Running on Linux ${release()} `);
    expect(r.stdout).toMatch(/^Distro: \S/m);
    // Every optional part is named once, either available or not with a reason.
    const available = /^Available here: +(.*)$/m.exec(r.stdout)?.[1]?.split(" ") ?? [];
    const missing = [...r.stdout.matchAll(/^Not available: +(\S+) \(.+\)$/gm)].map((m) => m[1]);
    expect([...available, ...missing].sort()).toEqual(["NATIVE_HELPER", "PROC_EVENTS", "SNMP", "SYSLOG"]);
    expect(available).toContain("NATIVE_HELPER");
    expect(available).toContain("SNMP");
  });
});
